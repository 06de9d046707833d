/**
 * Every rule against its fixtures (RuleTester style): valid files produce nothing for the rule,
 * invalid files produce it exactly on the lines marked `# expect: TGxxx`; every fix round-trips,
 * and where `<name>.fixed.py` exists the fixed text matches it exactly.
 */
import * as assert from 'assert';
import { ALL_RULES } from '../../server/src/rules/index';
import { fixAll } from '../../server/src/fixes/apply';
import { ready, findings, ruleFixtures, expectedLines, checkFixRoundTrip, checkFixAllIdempotent } from './helpers';

const META_RULES = new Set(['TG001', 'TG002']);

describe('rules against fixtures', () => {
  before(ready);
  for (const rule of ALL_RULES) {
    const code = rule.meta.code;
    describe(`${code} ${rule.meta.name}`, () => {
      const fixtures = ruleFixtures(code);
      if (!META_RULES.has(code)) {
        it('has at least three valid and three invalid fixtures', () => {
          assert.ok(fixtures.filter((f) => f.kind === 'valid').length >= 3, 'fewer than 3 valid fixtures');
          assert.ok(fixtures.filter((f) => f.kind === 'invalid').length >= 3, 'fewer than 3 invalid fixtures');
        });
      }
      if (rule.meta.fixable) {
        it('offers its fix on at least one invalid fixture', () => {
          const offered = fixtures.filter((f) => f.kind === 'invalid' && findings(f.text, [code], { workspace: f.workspace }).some((x) => x.code === code && x.fix));
          assert.ok(offered.length > 0, `${code} is fixable but no invalid fixture gets a fix`);
        });
      }
      for (const fx of fixtures) {
        if (fx.kind === 'valid') {
          it(`stays silent: ${fx.name}`, () => {
            const got = findings(fx.text, [code], { workspace: fx.workspace }).filter((f) => f.code === code);
            assert.deepStrictEqual(got.map((f) => `${f.range.start.line + 1}: ${f.message}`), []);
          });
          continue;
        }
        it(`reports: ${fx.name}`, () => {
          const want = expectedLines(fx.text, code);
          assert.ok(want.length, `${fx.name} has no "# expect: ${code}" marker`);
          const got = findings(fx.text, [code], { workspace: fx.workspace }).filter((f) => f.code === code).map((f) => f.range.start.line + 1);
          assert.deepStrictEqual(got, want);
        });
        if (rule.meta.fixable) {
          it(`fix round-trips: ${fx.name}`, async () => {
            const opts = { workspace: fx.workspace };
            const first = findings(fx.text, undefined, opts).find((f) => f.code === code && f.fix);
            if (!first) {
              assert.strictEqual(fx.fixed, null, `${fx.name} has a .fixed.py but no fix was offered`);
              return;
            }
            await checkFixRoundTrip(fx.text, first, code, opts);
            checkFixAllIdempotent(fx.text, [code], opts);
            if (fx.fixed !== null) assert.strictEqual(fixAll(fx.text, { ...opts, codes: [code] }).text, fx.fixed);
          });
        }
      }
    });
  }
});
