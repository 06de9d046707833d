/**
 * Fixes marked unsafe are never applied by fix-all, so `<fixture>.fixed.py` cannot show them. Where
 * `<fixture>.unsafe.fixed.py` exists beside an invalid fixture, fix-all with unsafe fixes allowed
 * must produce exactly that text, python3 must parse it, and a second run must change nothing.
 * Written with `node scripts/fix.js CODE file.py --write --unsafe`.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ALL_RULES } from '../../server/src/rules/index';
import { fixAll } from '../../server/src/fixes/apply';
import { FIXTURES, ready, pythonSyntaxError, ruleFixtures } from './helpers';

describe('unsafe fixes against <fixture>.unsafe.fixed.py', () => {
  before(ready);
  for (const rule of ALL_RULES) {
    const code = rule.meta.code;
    const dir = path.join(FIXTURES, 'rules', code);
    if (!fs.existsSync(dir)) continue;
    for (const fx of ruleFixtures(code)) {
      const expectedFile = fx.file.replace(/\.py$/, '.unsafe.fixed.py');
      if (fx.kind !== 'invalid' || !fs.existsSync(expectedFile)) continue;
      it(`${code} ${fx.name}`, async () => {
        const opts = { workspace: fx.workspace, codes: [code], unsafe: true };
        const once = fixAll(fx.text, opts).text;
        assert.notStrictEqual(once, fx.text, 'no unsafe fix was applied');
        assert.strictEqual(once, fs.readFileSync(expectedFile, 'utf8'));
        assert.strictEqual(await pythonSyntaxError(once), null);
        assert.strictEqual(fixAll(once, opts).text, once, 'applying the fixes a second time changed the file');
      });
    }
  }
});
