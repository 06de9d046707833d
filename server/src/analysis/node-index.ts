/**
 * Nodes of the types rules search the whole file for (assignments, identifiers, strings, subscripts,
 * except clauses, comparisons), collected once per model with a tree cursor. Walking the tree
 * through `namedChildren` builds a JavaScript object for every node each time; several rules doing
 * that on every keystroke is what this index avoids.
 */
import type { Node } from './parser';
import type { PythonModel } from './model';

export type IndexedType = 'assignment' | 'augmented_assignment' | 'identifier' | 'string' | 'subscript' | 'except_clause' | 'comparison_operator' | 'delete_statement';

const TYPES: ReadonlySet<string> = new Set<IndexedType>(['assignment', 'augmented_assignment', 'identifier', 'string', 'subscript', 'except_clause', 'comparison_operator', 'delete_statement']);

const CACHE = new WeakMap<PythonModel, Map<string, Node[]>>();

/** Every node of `type` in the file, in source order. */
export function nodesOfType(m: PythonModel, type: IndexedType): readonly Node[] {
  let index = CACHE.get(m);
  if (!index) {
    index = new Map([...TYPES].map((t) => [t, [] as Node[]]));
    const cursor = m.tree.walk();
    try {
      for (;;) {
        if (cursor.nodeIsNamed && TYPES.has(cursor.nodeType)) index.get(cursor.nodeType)!.push(cursor.currentNode);
        // strings: their parts are not searched (interpolations are still visited for identifiers)
        if (cursor.gotoFirstChild()) continue;
        while (!cursor.gotoNextSibling()) {
          if (!cursor.gotoParent()) return finish(m, index, type);
        }
      }
    } finally {
      cursor.delete();
    }
  }
  return index.get(type) ?? [];
}

function finish(m: PythonModel, index: Map<string, Node[]>, type: string): readonly Node[] {
  CACHE.set(m, index);
  return index.get(type) ?? [];
}
