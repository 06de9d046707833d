/**
 * What the shared fixture runner does not check: per-finding severity (TG603 is an error when the
 * predictions are matched to ids / written out, a warning for a metric-only validation pass) and
 * whether a fix is safe (applied by fix-all) or unsafe (offered one by one).
 */
import * as assert from 'assert';
import { findings, ready, ruleFixtures } from './helpers';

function detail(code: string, name: string): { line: number; severity: string; fix: string }[] {
  const fx = ruleFixtures(code).find((f) => f.name === name);
  assert.ok(fx, `no fixture ${code}/${name}`);
  return findings(fx!.text, [code], { workspace: fx!.workspace })
    .filter((f) => f.code === code)
    .map((f) => ({ line: f.range.start.line + 1, severity: f.severity, fix: f.fix?.applicability ?? 'none' }));
}

describe('rule details: severity and fix applicability', () => {
  before(ready);

  it('TG603: error when predictions are written out or matched to ids, warning for a metric-only pass', () => {
    assert.deepStrictEqual(detail('TG603', 'invalid-predict-submission.py'), [{ line: 9, severity: 'error', fix: 'safe' }]);
    assert.deepStrictEqual(detail('TG603', 'invalid-oof-folds.py'), [{ line: 14, severity: 'error', fix: 'safe' }]);
    assert.deepStrictEqual(detail('TG603', 'invalid-lightning-predict.py'), [{ line: 7, severity: 'error', fix: 'safe' }]);
    assert.deepStrictEqual(detail('TG603', 'invalid-factory-metric-only.py'), [{ line: 13, severity: 'warning', fix: 'safe' }]);
  });

  it('TG404: adding workers is unsafe, adding only pin_memory / prefetch_factor is safe, explicit low values get no fix', () => {
    assert.deepStrictEqual(detail('TG404', 'invalid-missing.py'), [{ line: 8, severity: 'warning', fix: 'unsafe' }]);
    assert.deepStrictEqual(detail('TG404', 'invalid-pin-memory.py'), [{ line: 8, severity: 'warning', fix: 'safe' }]);
    assert.deepStrictEqual(detail('TG404', 'invalid-low-workers-folds.py'), [{ line: 13, severity: 'warning', fix: 'none' }]);
  });

  it('TG403: rounding a dedicated literal is safe, an argparse default shared with other reads is unsafe', () => {
    assert.deepStrictEqual(detail('TG403', 'invalid-constant.py'), [{ line: 10, severity: 'error', fix: 'safe' }]);
    assert.deepStrictEqual(detail('TG403', 'invalid-argparse-folds.py'), [{ line: 25, severity: 'error', fix: 'unsafe' }]);
  });

  it('TG602: removal is safe, a crop replaced by its deterministic counterpart is unsafe, a shared pipeline gets no fix', () => {
    assert.deepStrictEqual(detail('TG602', 'invalid-albumentations.py'), [{ line: 15, severity: 'warning', fix: 'safe' }]);
    assert.deepStrictEqual(detail('TG602', 'invalid-getter.py'), [{ line: 10, severity: 'warning', fix: 'unsafe' }]);
    assert.deepStrictEqual(detail('TG602', 'invalid-random-split.py'), [{ line: 7, severity: 'warning', fix: 'none' }]);
  });

  it('TG901 / TG902: certain fixes are safe, positional column pairing is unsafe, index=ids gets no fix', () => {
    assert.deepStrictEqual(detail('TG901', 'invalid-set-index.py'), [{ line: 7, severity: 'error', fix: 'safe' }]);
    assert.deepStrictEqual(detail('TG901', 'invalid-index-values.py'), [{ line: 5, severity: 'error', fix: 'none' }]);
    assert.deepStrictEqual(detail('TG902', 'invalid-renamed.py'), [{ line: 5, severity: 'error', fix: 'safe' }]);
    assert.deepStrictEqual(detail('TG902', 'invalid-positional.py'), [{ line: 3, severity: 'error', fix: 'unsafe' }]);
  });

  it('TG902 needs the workspace header: without it the same file is silent', () => {
    const fx = ruleFixtures('TG902').find((f) => f.name === 'invalid-renamed.py')!;
    assert.deepStrictEqual(findings(fx.text, ['TG902'], { workspace: {} }), []);
  });
});
