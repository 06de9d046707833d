/**
 * Every node of a type, found once per model by one scan of the syntax tree's type column (a typed
 * array: no node object is made for the nodes that do not match). The one implementation behind
 * `nodesOfType` here and in memo.ts (which keeps web-tree-sitter's `descendantsOfType` rule).
 */
import type { Node } from './parser';
import type { PythonModel } from './model';

export type IndexedType = 'assignment' | 'augmented_assignment' | 'identifier' | 'string' | 'subscript' | 'except_clause' | 'comparison_operator' | 'delete_statement' | 'attribute' | 'assert_statement';

const CACHE = new WeakMap<PythonModel, Map<string, Node[]>>();

/** Every named node of `type` in the file, in source order. */
export function nodesOfType(m: PythonModel, type: IndexedType): readonly Node[] {
  let index = CACHE.get(m);
  if (!index) CACHE.set(m, (index = new Map()));
  let nodes = index.get(type);
  if (!nodes) index.set(type, (nodes = m.syntax.ofTypes(new Set([type]), 0, m.syntax.count, true)));
  return nodes;
}
