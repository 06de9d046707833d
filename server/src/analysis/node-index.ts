/**
 * Every node of a type, found once per model by one scan of the syntax tree's type column (a typed
 * array: no node object is made for the nodes that do not match). The one implementation behind
 * `nodesOfType` here and in memo.ts (which keeps web-tree-sitter's `descendantsOfType` rule).
 */
import type { Node } from './parser';
import type { PythonModel } from './model';
import { firstStartingAt } from './sorted';

export type IndexedType = 'assignment' | 'augmented_assignment' | 'identifier' | 'string' | 'subscript' | 'except_clause' | 'comparison_operator' | 'delete_statement' | 'attribute' | 'assert_statement';

const CACHE = new WeakMap<PythonModel, Map<string, Node[]>>();
const SINGLE: Partial<Record<IndexedType, ReadonlySet<string>>> = {};
const BY_NAME = new WeakMap<PythonModel, Map<string, Node[]>>();

/** Every identifier spelled `name` in the file, in source order (grouped by spelling once per file). */
export function identifiersNamed(m: PythonModel, name: string): readonly Node[] {
  let byName = BY_NAME.get(m);
  if (!byName) {
    byName = new Map();
    for (const n of nodesOfType(m, 'identifier')) {
      const list = byName.get(n.text);
      if (list) list.push(n);
      else byName.set(n.text, [n]);
    }
    BY_NAME.set(m, byName);
  }
  return byName.get(name) ?? [];
}

/**
 * The identifiers spelled `name` that may read `binding`: those inside its function (every one for
 * a module-level binding), in source order. An identifier outside the function that makes a
 * binding cannot see it (`bindingsIn` only looks up from the function an identifier is in).
 */
export function identifiersNamedInScopeOf(m: PythonModel, name: string, binding: { fn: { span: { start: number; end: number } } | null }): readonly Node[] {
  const all = identifiersNamed(m, name);
  if (!binding.fn) return all;
  const { start, end } = binding.fn.span;
  const out: Node[] = [];
  for (let i = firstStartingAt(all, start); i < all.length && all[i].startIndex < end; i++) if (all[i].endIndex <= end) out.push(all[i]);
  return out;
}

/** Every named node of `type` in the file, in source order. */
export function nodesOfType(m: PythonModel, type: IndexedType): readonly Node[] {
  let index = CACHE.get(m);
  if (!index) CACHE.set(m, (index = new Map()));
  let nodes = index.get(type);
  if (!nodes) index.set(type, (nodes = m.syntax.ofTypes((SINGLE[type] ??= new Set([type])), 0, m.syntax.count, true)));
  return nodes;
}
