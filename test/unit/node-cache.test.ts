/**
 * The node cache (analysis/node-cache.ts) answers exactly what web-tree-sitter answers: every fact
 * of every node, read through the cache (twice, and through different paths to the same node),
 * equals the fact read from the tree by a cursor, which the cache does not touch; a tree that is
 * edited answers for its new positions.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Edit, type Node } from 'web-tree-sitter';
import { parsePython } from '../../server/src/analysis/parser';
import { ready, ROOT } from './helpers';

interface Expected {
  id: number;
  type: string;
  start: number;
  end: number;
  named: boolean;
}

/** Every node in pre-order, read through a TreeCursor (its own calls into WebAssembly, never cached). */
function viaCursor(root: Node): Expected[] {
  const out: Expected[] = [];
  const c = root.walk();
  try {
    for (;;) {
      out.push({ id: c.nodeId, type: c.nodeType, start: c.startIndex, end: c.endIndex, named: c.nodeIsNamed });
      if (c.gotoFirstChild()) continue;
      while (!c.gotoNextSibling()) if (!c.gotoParent()) return out;
    }
  } finally {
    c.delete();
  }
}

function viaNodes(root: Node): Node[] {
  const out: Node[] = [];
  const visit = (n: Node) => {
    out.push(n);
    for (const c of n.children) visit(c!);
  };
  visit(root);
  return out;
}

describe('node cache', () => {
  before(ready);
  const text = fs.readFileSync(path.join(ROOT, 'examples', 'train.py'), 'utf8');

  it('gives the same type, range, text, flags and relations as the tree, on every read', () => {
    const tree = parsePython(text);
    try {
      const expected = viaCursor(tree.rootNode);
      for (let pass = 0; pass < 2; pass++) {
        const nodes = viaNodes(tree.rootNode);
        assert.strictEqual(nodes.length, expected.length);
        nodes.forEach((n, i) => {
          const e = expected[i];
          assert.deepStrictEqual({ id: n.id, type: n.type, start: n.startIndex, end: n.endIndex, named: n.isNamed }, e);
          assert.strictEqual(n.text, text.slice(e.start, e.end));
          for (const c of n.children) assert.strictEqual(c!.parent!.id, n.id);
          const named = n.children.filter((c) => c!.isNamed);
          assert.deepStrictEqual(n.namedChildren.map((c) => c!.id), named.map((c) => c!.id));
          assert.strictEqual(n.childCount, n.children.length);
          assert.strictEqual(n.namedChildCount, named.length);
        });
      }
    } finally {
      tree.delete();
    }
  });

  it('answers fields and node lookups like the tree, and one node is one object', () => {
    const tree = parsePython(text);
    try {
      for (const call of tree.rootNode.descendantsOfType('call')) {
        const fn = call!.childForFieldName('function')!;
        assert.strictEqual(fn.parent!.id, call!.id);
        assert.strictEqual(fn, call!.childForFieldName('function'));
        assert.strictEqual(fn, call!.children.find((c) => c!.id === fn.id));
        assert.strictEqual(call!.childForFieldName('no_such_field'), null);
        const args = call!.childForFieldName('arguments')!;
        assert.strictEqual(args.previousSibling!.id, fn.id);
        assert.strictEqual(tree.rootNode.descendantForIndex(fn.startIndex, fn.endIndex)!.id, fn.id);
      }
    } finally {
      tree.delete();
    }
  });

  it('forgets what it knew about a tree once the tree is edited', () => {
    const src = 'x = f(a)\ny = g(b)\n';
    const tree = parsePython(src);
    try {
      const second = tree.rootNode.namedChildren[1]!;
      assert.deepStrictEqual([second.startIndex, second.endIndex, second.text], [9, 17, 'y = g(b)']);
      // insert "zz" at the start of line 2: the statement's end moves by 2
      tree.edit(new Edit({ startIndex: 9, oldEndIndex: 9, newEndIndex: 11, startPosition: { row: 1, column: 0 }, oldEndPosition: { row: 1, column: 0 }, newEndPosition: { row: 1, column: 2 } }));
      const again = tree.rootNode.namedChildren[1]!;
      assert.notStrictEqual(again, second);
      assert.strictEqual(again.endIndex, 19);
    } finally {
      tree.delete();
    }
  });
});
