/**
 * Incremental re-parse: a document edited change by change (tree.edit, the re-parse when the tree is
 * next asked for) ends with exactly the tree and findings a fresh parse of the final text gives, for
 * seeded random edits; a burst of edits costs one parse.
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
    const pieces = ['x', '\n', '    ', 'é', '😀', 'loss = crit(out, y)\n', '', ')', 'with autocast():\n        out = model(x)\n', '\r\n', '#', '\r'];
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
      // parsed every 7th version only: the tree carries up to 7 edits into each incremental parse
      if (v % 7 === 0) doc.parse();
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

  it('parses on demand: a burst of edits costs one parse, of the last version', () => {
    const doc = new PythonDocument(example, 1);
    assert.strictEqual(doc.parses, 1);
    const first = doc.model();
    assert.strictEqual(doc.model(), first);
    let text = example;
    const at = text.indexOf('model.train()');
    const src = new SourceText(text);
    for (let v = 2; v < 10; v++) {
      // one character typed at a time, as keystrokes
      const pos = src.positionAt(at + v - 2);
      doc.update([{ range: { start: pos, end: pos }, text: 'abcdefgh'[v - 2] }], v);
      assert.strictEqual(doc.parsed, false);
    }
    text = text.slice(0, at) + 'abcdefgh' + text.slice(at);
    assert.strictEqual(doc.text, text);
    assert.strictEqual(doc.version, 9);
    assert.strictEqual(doc.parses, 1, 'update() does not parse');
    const m = doc.model();
    assert.notStrictEqual(m, first);
    assert.strictEqual(doc.parses, 2, 'one parse for eight edits');
    assert.strictEqual(doc.parsed, true);
    doc.model();
    doc.parse();
    assert.strictEqual(doc.parses, 2, 'the parse of a version is done once');
    const fresh = parsePython(text);
    assert.strictEqual(m.root.toString(), fresh.rootNode.toString());
    fresh.delete();
    doc.dispose();
  });

  it('with parse = false, and after dropTree(), nothing is parsed until the model is asked for', () => {
    const doc = new PythonDocument('a = 1\n', 1, false);
    doc.update([{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: 'b = 2\n' }], 2);
    assert.strictEqual(doc.parses, 0);
    assert.strictEqual(doc.model().root.namedChildCount, 2);
    assert.strictEqual(doc.parses, 1);
    doc.dropTree();
    assert.strictEqual(doc.parsed, false);
    doc.update([{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: 'c = 3\n' }], 3);
    assert.strictEqual(doc.parses, 1);
    assert.strictEqual(doc.model().root.namedChildCount, 3);
    assert.strictEqual(doc.parses, 2);
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
