/**
 * The fuzzer inside `npm test`: a short seeded run (the same 150 inputs every time) over the rule
 * fixtures and the examples, and every input the fuzzer ever found failing, kept minimised in
 * test/fixtures/fuzz-regressions/. Longer runs: `npm run fuzz -- --seed N --count N --seconds N`.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { checkInput, fuzz, mutate, loadCorpus, rng, minimise } from '../fuzz/fuzz';
import { analyzeText } from '../../server/src/analysis/analyze';
import { limitExceeded } from '../../server/src/analysis/limits';
import { FIXTURES, ready } from './helpers';

const REGRESSIONS = path.join(FIXTURES, 'fuzz-regressions');
const example = fs.readFileSync(path.join(FIXTURES, '..', '..', 'examples', 'train.py'), 'utf8');

describe('fuzzing the analyser, the fixes, fix-all and the CLI', function () {
  // a run limit for a loaded machine, not an expectation
  this.timeout(180_000);
  before(ready);

  it('is reproducible: a seed gives the same inputs', () => {
    const corpus = loadCorpus();
    const a = rng(11);
    const b = rng(11);
    const first = Array.from({ length: 20 }, () => mutate(corpus, a).text);
    const second = Array.from({ length: 20 }, () => mutate(corpus, b).text);
    assert.deepStrictEqual(first, second);
    assert.ok(new Set(first).size > 15, 'the mutations vary');
  });

  it('minimises a failing input to what matters, lines then characters', async () => {
    const text = 'import torch\nx = 1\nboom = (1,\ny = 2\n';
    const small = await minimise(text, async (t) => t.includes('boom'));
    assert.strictEqual(small, 'boom');
  });

  it('a seeded run of 150 mutated inputs: nothing escapes, no rule error, no fix breaks python3 parsing', async function () {
    const report = await fuzz({ seed: 20261129, count: 150, seconds: 120, cliEvery: 5 });
    const summary = `${report.inputs} inputs (${report.skipped} skipped by the limits), ${report.fixes} fixes checked, ${report.fixAlls} fix-all runs, ${report.cliRuns} CLI runs, ${report.crashes.length} crashes`;
    this.test!.title += ` [${summary}]`;
    assert.deepStrictEqual(
      report.crashes.map((c) => `input ${c.index} (${c.from}; ${c.ops.join(', ')}): ${c.failure.kind} in ${c.failure.where}: ${c.failure.message}`),
      [],
      summary,
    );
    assert.ok(report.inputs > 0);
  });

  const files = fs.existsSync(REGRESSIONS) ? fs.readdirSync(REGRESSIONS).filter((f) => f.endsWith('.py')).sort() : [];
  it('keeps regression inputs (test/fixtures/fuzz-regressions/*.py)', () => assert.ok(files.length > 0));
  for (const file of files) {
    it(`regression ${file}: no failure, and the parser still works afterwards`, async () => {
      const text = fs.readFileSync(path.join(REGRESSIONS, file), 'utf8');
      assert.deepStrictEqual(await checkInput(text, { cli: true }), []);
      // one bad input must not leave the (WebAssembly) parser broken for the next file
      assert.strictEqual(limitExceeded(example), null);
      assert.deepStrictEqual(analyzeText(example).findings.map((f) => f.code).sort(), ['TG203', 'TG211', 'TG303', 'TG701']);
    });
  }
});
