/**
 * The input limits every adapter checks before parsing: size, line length, NUL bytes (binary data) and
 * block nesting (python3 refuses 100 levels; tree-sitter's WebAssembly parser overran its memory at
 * ~600 and stayed broken for every later file).
 */
import * as assert from 'assert';
import { limitExceeded, tooDeeplyNested, MAX_BLOCK_DEPTH } from '../../server/src/analysis/limits';
import { parsePython } from '../../server/src/analysis/parser';
import { PythonDocument } from '../../server/src/analysis/document';
import { pythonSyntaxError, ready } from './helpers';

const nested = (levels: number, unit = '    ', head = 'if x:') => Array.from({ length: levels }, (_, d) => `${unit.repeat(d)}${head}\n`).join('') + `${unit.repeat(levels)}pass\n`;

describe('input limits', () => {
  before(ready);

  it('agrees with python3 on the deepest block nesting allowed (99 levels yes, 100 no), spaces or tabs', async () => {
    assert.strictEqual(MAX_BLOCK_DEPTH, 100);
    for (const unit of ['    ', ' ', '\t']) {
      assert.strictEqual(tooDeeplyNested(nested(99, unit)), 0, JSON.stringify(unit));
      assert.strictEqual(await pythonSyntaxError(nested(99, unit)), null);
      assert.strictEqual(tooDeeplyNested(nested(100, unit)), 101, JSON.stringify(unit));
      assert.match(String(await pythonSyntaxError(nested(100, unit))), /too many levels of indentation/);
    }
    assert.match(String(limitExceeded(nested(120))), /nested 100 or more levels deep \(line 101\)/);
  });

  it('does not count continuation lines, comments or blank lines as blocks', () => {
    const continued = 'x = (\n' + Array.from({ length: 300 }, (_, d) => `${' '.repeat(d + 1)}a +\n`).join('') + ' 1)\n';
    assert.strictEqual(tooDeeplyNested(continued), 0);
    const commented = Array.from({ length: 300 }, (_, d) => `${' '.repeat(d)}# if x:\n\n`).join('') + 'pass\n';
    assert.strictEqual(tooDeeplyNested(commented), 0);
    assert.strictEqual(limitExceeded('if x:\n    pass\n'), null);
  });

  it('skips a file with a NUL byte, naming the line', () => {
    assert.match(String(limitExceeded('import torch\nx = 1\0\n')), /contains a NUL byte \(line 2\)/);
  });

  it('the parser refuses too-deep text instead of overrunning its memory, and keeps working', () => {
    assert.throws(() => parsePython(nested(600, ' ', 'with torch.autocast("cuda"):')), /nested 100 or more levels deep/);
    const tree = parsePython('x = 1\n');
    assert.strictEqual(tree.rootNode.hasError, false);
    tree.delete();
  });

  it('an incremental edit that nests too deep is never parsed, and a later fix parses again', () => {
    const doc = new PythonDocument('import torch\n', 1);
    doc.model();
    const deep = nested(300, ' ', 'with torch.autocast("cuda"):');
    doc.update([{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: deep }], 2);
    assert.strictEqual(doc.text, 'import torch\n' + deep);
    assert.throws(() => doc.model(), /nested 100 or more levels deep/);
    assert.throws(() => doc.parse(), /nested 100 or more levels deep/);
    assert.strictEqual(doc.parses, 1);
    assert.strictEqual(doc.parsed, false);
    doc.update([{ text: 'import torch\nx = 1\n' }], 3);
    assert.strictEqual(doc.model().root.hasError, false);
    doc.dispose();
  });
});
