/**
 * Incremental re-parse: a document edited change by change (tree.edit + reparse) ends with exactly
 * the tree and findings a fresh parse of the final text gives, for seeded random edits.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { PythonDocument } from '../../server/src/analysis/document';
import { parsePython } from '../../server/src/analysis/parser';
import { analyzeModel } from '../../server/src/analysis/analyze';
import { SourceText } from '../../server/src/analysis/source';
import { ready, ROOT } from './helpers';

/** A small deterministic PRNG (mulberry32) so failures reproduce. */
export function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('PythonDocument incremental updates', () => {
  before(ready);
  const example = fs.readFileSync(path.join(ROOT, 'examples', 'train.py'), 'utf8');

  it('matches a fresh parse after 300 seeded random edits (insertions, deletions, multi-line, non-ASCII)', () => {
    const rand = rng(42);
    const doc = new PythonDocument(example, 1);
    const pieces = ['x', '\n', '    ', 'é', '😀', 'loss = crit(out, y)\n', '', ')', 'with autocast():\n        out = model(x)\n', '\r\n', '#'];
    let text = example;
    for (let v = 2; v < 302; v++) {
      const src = new SourceText(text);
      const a = Math.floor(rand() * (text.length + 1));
      const b = Math.min(text.length, a + Math.floor(rand() * 12));
      // never split a surrogate pair or a CRLF: positions from an editor never do
      const inside = (i: number) => /[\uDC00-\uDFFF]/.test(text[i] ?? '') || (text[i] === '\n' && text[i - 1] === '\r');
      const start = inside(a) ? a + 1 : a;
      const end = Math.max(start, inside(b) ? b + 1 : b);
      const insert = pieces[Math.floor(rand() * pieces.length)];
      doc.update([{ range: { start: src.positionAt(start), end: src.positionAt(end) }, text: insert }], v);
      text = text.slice(0, start) + insert + text.slice(end);
      assert.strictEqual(doc.text, text);
    }
    const fresh = parsePython(text);
    assert.strictEqual(doc.model().root.toString(), fresh.rootNode.toString());
    const a = analyzeModel(doc.model()).findings.map((f) => `${f.code}@${f.range.start.line}`);
    const freshDoc = new PythonDocument(text, 0);
    const b = analyzeModel(freshDoc.model()).findings.map((f) => `${f.code}@${f.range.start.line}`);
    assert.deepStrictEqual(a, b);
    fresh.delete();
    freshDoc.dispose();
    doc.dispose();
  });

  it('applies several changes of one notification in order, and full replacements', () => {
    const doc = new PythonDocument('a = 1\nb = 2\n', 1);
    doc.update(
      [
        { range: { start: { line: 0, character: 4 }, end: { line: 0, character: 5 } }, text: '10' },
        { range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: 'c = 3\n' },
      ],
      2,
    );
    assert.strictEqual(doc.text, 'a = 10\nc = 3\nb = 2\n');
    doc.update([{ text: 'z = 0\n' }], 3);
    assert.strictEqual(doc.text, 'z = 0\n');
    assert.strictEqual(doc.model().root.toString(), '(module (expression_statement (assignment left: (identifier) right: (integer))))');
    doc.dispose();
  });
});
