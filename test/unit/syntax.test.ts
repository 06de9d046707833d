/**
 * The syntax tree the analysis reads (analysis/syntax.ts, a JavaScript copy of tree-sitter's tree)
 * answers every question exactly as web-tree-sitter's own nodes do: for every node of every fixture
 * and example (also with CRLF and lone-CR line ends, and after incremental edits), its type, range,
 * rows and columns, text, relations, every field, and the descendant searches.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Edit, type Node as RawNode, type Tree } from 'web-tree-sitter';
import { parsePython } from '../../server/src/analysis/parser';
import { SyntaxTree, type SyntaxNode } from '../../server/src/analysis/syntax';
import { limitExceeded } from '../../server/src/analysis/limits';
import { SourceText } from '../../server/src/analysis/source';
import { ready, ROOT, FIXTURES } from './helpers';

function pyFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...pyFiles(p));
    else if (e.name.endsWith('.py')) out.push(p);
  }
  return out.sort();
}

/** Every raw node in pre-order (children lists, as the analysis saw them before). */
function rawNodes(root: RawNode): RawNode[] {
  const out: RawNode[] = [];
  const visit = (n: RawNode) => {
    out.push(n);
    for (const c of n.children) visit(c!);
  };
  visit(root);
  return out;
}

const ids = (ns: readonly (RawNode | SyntaxNode | null)[]) => ns.map((n) => (n ? `${n.type}@${n.startIndex}-${n.endIndex}` : 'null'));
const key = (n: RawNode | SyntaxNode | null) => (n ? `${n.type}@${n.startIndex}-${n.endIndex}` : 'null');

function compare(tree: Tree, text: string, label: string): number {
  const syntax = new SyntaxTree(tree, text);
  const src = new SourceText(text);
  const raws = rawNodes(tree.rootNode);
  assert.strictEqual(syntax.count, raws.length, `${label}: node count`);
  const fields = tree.language.fields.filter((f): f is string => !!f);
  raws.forEach((r, i) => {
    const s = syntax.node(i);
    const where = `${label}: node ${i} ${r.type} at ${r.startIndex}`;
    assert.deepStrictEqual(
      [s.type, s.typeId, s.isNamed, s.startIndex, s.endIndex, s.startPosition, s.endPosition, s.text],
      // the text is the file's own (the parser read a lone "\r" as "\n": parserInput)
      [r.type, r.typeId, r.isNamed, r.startIndex, r.endIndex, r.startPosition, r.endPosition, text.slice(r.startIndex, r.endIndex)],
      where,
    );
    // rows and columns are the lines every edit is written in (SourceText, the LSP)
    const sp = src.positionAt(s.startIndex);
    const ep = src.positionAt(s.endIndex);
    assert.deepStrictEqual([s.startPosition, s.endPosition], [{ row: sp.line, column: sp.character }, { row: ep.line, column: ep.character }], `${where}: SourceText position`);
    assert.strictEqual(key(s.parent), key(r.parent), `${where}: parent`);
    assert.deepStrictEqual(ids(s.children), ids(r.children), `${where}: children`);
    assert.deepStrictEqual(ids(s.namedChildren), ids(r.namedChildren), `${where}: named children`);
    assert.deepStrictEqual(
      [s.nextSibling, s.previousSibling, s.nextNamedSibling, s.previousNamedSibling].map(key),
      [r.nextSibling, r.previousSibling, r.nextNamedSibling, r.previousNamedSibling].map(key),
      `${where}: siblings`,
    );
    for (const f of fields) assert.strictEqual(key(s.childForFieldName(f)), key(r.childForFieldName(f)), `${where}: field ${f}`);
    // one object per node
    if (s.parent) assert.ok(s.parent.children.includes(s), `${where}: one object per node`);
  });
  assert.strictEqual(syntax.root.hasError, tree.rootNode.hasError, `${label}: hasError`);
  for (const types of [['identifier'], ['call', 'string'], ['ERROR'], ['comment', 'block']]) {
    assert.deepStrictEqual(ids(syntax.root.descendantsOfType(types)), ids(tree.rootNode.descendantsOfType(types)), `${label}: descendantsOfType ${types}`);
  }
  // descendant searches at a spread of positions and ranges (every line start, middle and end)
  const lines = text.split('\n');
  for (let row = 0; row < lines.length; row += Math.max(1, Math.floor(lines.length / 40))) {
    for (const column of [0, lines[row].length >> 1, lines[row].length]) {
      const p = { row, column };
      assert.strictEqual(key(syntax.root.descendantForPosition(p)), key(tree.rootNode.descendantForPosition(p)), `${label}: descendantForPosition ${row}:${column}`);
    }
    const at = syntax.point(0) && text.split('\n').slice(0, row).join('\n').length;
    for (const [a, b] of [[at, at], [at, at + 3]]) {
      assert.strictEqual(key(syntax.root.descendantForIndex(a, b)), key(tree.rootNode.descendantForIndex(a, b)), `${label}: descendantForIndex ${a}-${b}`);
    }
  }
  return raws.length;
}

describe('syntax tree (JavaScript copy of the tree-sitter tree)', function () {
  this.timeout(120000);
  before(ready);
  const files = [...pyFiles(path.join(ROOT, 'examples')), ...pyFiles(FIXTURES)];

  it('answers like web-tree-sitter for every node of every fixture and example', () => {
    let nodes = 0;
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      if (limitExceeded(text)) continue;
      const tree = parsePython(text);
      try {
        nodes += compare(tree, text, path.relative(ROOT, f));
      } finally {
        tree.delete();
      }
    }
    assert.ok(nodes > 100000, `only ${nodes} nodes compared`);
  });

  it('answers like web-tree-sitter with CRLF and lone CR line ends, tabs, non-ASCII and broken syntax', () => {
    const base = fs.readFileSync(path.join(ROOT, 'examples', 'train.py'), 'utf8');
    const variants = {
      crlf: base.replace(/\n/g, '\r\n'),
      cr: base.replace(/\n/g, '\r'),
      mixed: base.split('\n').map((l, i) => l + (i % 3 === 0 ? '\r\n' : i % 3 === 1 ? '\r' : '\n')).join(''),
      // a lone "\r" is a line break to Python: inside brackets, between statements, in a string
      crInside: 'x = foo(a,\rb)\r\ny = """s\rt"""\rif x:\r    z = 1\n',
      unicode: base.replace(/loss/g, 'lößé😀'),
      tabs: base.replace(/ {4}/g, '\t'),
      broken: base.replace(/\):/g, ')').replace(/\(/g, '(('),
      empty: '',
      blank: '\n\n',
      // more nodes per character than the arrays are first sized for: they grow
      dense: `x=[${Array.from({ length: 3000 }, (_, i) => i % 10).join(',')}]\n`,
    };
    for (const [name, text] of Object.entries(variants)) {
      const tree = parsePython(text);
      try {
        compare(tree, text, name);
      } finally {
        tree.delete();
      }
    }
  });

  it('answers like web-tree-sitter for a tree re-parsed after edits', () => {
    let text = fs.readFileSync(path.join(ROOT, 'examples', 'train.py'), 'utf8');
    let tree = parsePython(text);
    try {
      for (const [at, del, ins] of [[100, 0, 'x'], [400, 5, ''], [900, 0, 'for i in range(3):\n    pass\n'], [50, 2, 'é😀'], [700, 10, '(']] as const) {
        const startRow = text.slice(0, at).split('\n').length - 1;
        const col = at - (text.lastIndexOf('\n', at - 1) + 1);
        const oldEnd = at + del;
        const oldEndRow = text.slice(0, oldEnd).split('\n').length - 1;
        const oldEndCol = oldEnd - (text.lastIndexOf('\n', oldEnd - 1) + 1);
        const next = text.slice(0, at) + ins + text.slice(oldEnd);
        const newEnd = at + ins.length;
        const newEndRow = next.slice(0, newEnd).split('\n').length - 1;
        const newEndCol = newEnd - (next.lastIndexOf('\n', newEnd - 1) + 1);
        tree.edit(new Edit({ startIndex: at, oldEndIndex: oldEnd, newEndIndex: newEnd, startPosition: { row: startRow, column: col }, oldEndPosition: { row: oldEndRow, column: oldEndCol }, newEndPosition: { row: newEndRow, column: newEndCol } }));
        const old = tree;
        tree = parsePython(next, old);
        old.delete();
        text = next;
        compare(tree, text, `after edit at ${at}`);
      }
    } finally {
      tree.delete();
    }
  });
});
