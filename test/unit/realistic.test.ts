/**
 * Realistic scripts of the kinds Kaggle competitors write (timm with folds and AMP, Keras, Lightning,
 * fastai, sklearn, HF, accelerate, predict.py, notebook-style): each with its expected findings
 * (test/fixtures/realistic/expected.json, `CODE:line`), several clean ones that must produce nothing,
 * and fix-all on every script: the result parses and re-analyses with only unfixable findings left.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { fixAll } from '../../server/src/fixes/apply';
import { parsePython } from '../../server/src/analysis/parser';
import { ready, findings, pythonSyntaxError, FIXTURES } from './helpers';

const DIR = path.join(FIXTURES, 'realistic');
const expected = JSON.parse(fs.readFileSync(path.join(DIR, 'expected.json'), 'utf8')) as Record<string, string[]>;

describe('realistic scripts', () => {
  before(ready);
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.py')).sort();

  it('every script has its expected findings listed, and at least four are clean', () => {
    assert.deepStrictEqual(files, Object.keys(expected).sort());
    assert.ok(files.length >= 12);
    assert.ok(Object.values(expected).filter((v) => v.length === 0).length >= 4);
  });

  for (const file of files) {
    const text = fs.readFileSync(path.join(DIR, file), 'utf8');
    it(`${file}: exactly the expected findings`, () => {
      const got = findings(text).map((f) => `${f.code}:${f.range.start.line + 1}`);
      assert.deepStrictEqual(got.sort(), [...(expected[file] ?? [])].sort());
    });
    it(`${file}: fix-all leaves valid code and only unfixable findings`, async () => {
      const fixed = fixAll(text).text;
      const tree = parsePython(fixed);
      assert.ok(!tree.rootNode.hasError, `fix-all broke the syntax of ${file}:\n${fixed}`);
      tree.delete();
      assert.strictEqual(await pythonSyntaxError(fixed), null);
      const left = findings(fixed).filter((f) => f.fix && f.fix.applicability === 'safe');
      assert.deepStrictEqual(left.map((f) => `${f.code}:${f.range.start.line + 1} ${f.message}`), []);
    });
  }
});
