/**
 * The catalogue's other fixable rules held to the headline fixes' standard (fix-variants.test.ts),
 * on the two variants that cover the others (to keep the run lean): every invalid fixture rewritten
 * in 2 spaces, and in tabs + CRLF + no final newline at once, gets the same findings, a fix that round-trips, and exactly the fixed base rewritten the same
 * way; and every fixed base (unsafe fixes included) compiles with python3 and reads no name the
 * file does not bind.
 */
import * as assert from 'assert';
import { fixAll } from '../../server/src/fixes/apply';
import { RULES_BY_CODE } from '../../server/src/rules/index';
import { ready, findings, ruleFixtures, expectedLines, checkFixRoundTrip, checkFixAllIdempotent } from './helpers';
import { VARIANTS, pyCheck, toLf } from './fix-variants.test';

const CODES = ['TG201', 'TG202', 'TG204', 'TG205', 'TG221', 'TG231', 'TG302', 'TG304', 'TG311', 'TG312'];

describe('catalogue fixes in every indentation and line-ending variant', () => {
  before(ready);
  for (const code of CODES) {
    if (!RULES_BY_CODE.has(code)) continue;
    describe(code, () => {
      for (const fx of ruleFixtures(code).filter((f) => f.kind === 'invalid')) {
        const opts = { workspace: fx.workspace };
        const base = toLf(fx.text);
        let baseFixed: string | null | undefined;
        const fixedBase = () => {
          if (baseFixed === undefined) baseFixed = findings(base, undefined, opts).some((f) => f.code === code && f.fix) ? fixAll(base, { ...opts, codes: [code], unsafe: true }).text : null;
          return baseFixed;
        };
        for (const [variant, transform] of VARIANTS.filter(([v]) => v === '2 spaces' || v === 'tabs + CRLF + no final newline')) {
          const text = transform(base);
          if (text === base) continue;
          it(`${fx.name}: ${variant}`, async () => {
            const all = findings(text, undefined, opts);
            assert.deepStrictEqual(all.filter((f) => f.code === code).map((f) => f.range.start.line + 1), expectedLines(base, code), 'reported lines');
            const first = all.find((f) => f.code === code && f.fix);
            const expected = fixedBase();
            assert.strictEqual(!!first, expected !== null, `the fix is offered on the ${expected !== null ? 'base but not on the variant' : 'variant but not on the base'}`);
            if (!first || expected === null) return;
            await checkFixRoundTrip(text, first, code, opts);
            checkFixAllIdempotent(text, [code], opts);
            const fixed = fixAll(text, { ...opts, codes: [code], unsafe: true }).text;
            assert.strictEqual(fixed, transform(expected), 'the fixed variant differs from the fixed base rewritten the same way');
            if (variant.includes('CRLF')) assert.ok(!/[^\r]\n/.test(fixed), 'a bare LF in a CRLF file');
            else assert.ok(!fixed.includes('\r'), 'a CR in an LF file');
          });
        }
      }
    });
  }
});

describe('catalogue fixes write complete code', () => {
  before(ready);
  it('every fixed base fixture compiles and reads no name the file does not bind', () => {
    const pairs: { name: string; before: string; after: string }[] = [];
    for (const code of CODES) {
      for (const fx of ruleFixtures(code).filter((f) => f.kind === 'invalid')) {
        const after = fixAll(fx.text, { workspace: fx.workspace, codes: [code], unsafe: true }).text;
        if (after !== fx.text) pairs.push({ name: `${code}/${fx.name}`, before: fx.text, after });
      }
    }
    assert.ok(pairs.length >= 25, `expected a fixed text for most fixtures, got ${pairs.length}`);
    const results = pyCheck(pairs.flatMap((p) => [p.before, p.after]));
    pairs.forEach((p, i) => {
      const [before, after] = [results[2 * i], results[2 * i + 1]];
      assert.strictEqual(after.error, undefined, `${p.name}: the fixed file does not compile: ${after.error}\n${p.after}`);
      const added = (after.undefined ?? []).filter((n) => !(before.undefined ?? []).includes(n));
      assert.deepStrictEqual(added, [], `${p.name}: the fix reads names bound nowhere\n${p.after}`);
    });
  });
});
