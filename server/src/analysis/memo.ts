/**
 * Facts computed once per model and shared by the rules that need them: every node of a type and
 * the calls a loop reaches (the model caches this per function only).
 */
import type { Node } from './parser';
import type { CallSite, LoopInfo, PythonModel } from './model';
import { nodesOfType as indexed, type IndexedType } from './node-index';

const fromStart = new WeakMap<PythonModel, Map<string, Node[]>>();

/**
 * Nodes of `type` in document order, as `root.descendantsOfType(type)` gives them: the named nodes
 * of node-index.ts (the types asked for have no anonymous namesake in the grammar) but an empty node
 * at the very start of the file, which tree-sitter's descendant search skips.
 */
export function nodesOfType(m: PythonModel, type: IndexedType): Node[] {
  let map = fromStart.get(m);
  if (!map) fromStart.set(m, (map = new Map()));
  let nodes = map.get(type);
  if (!nodes) map.set(type, (nodes = indexed(m, type).filter((n) => n.endIndex > 0)));
  return nodes;
}

/** `m.reachableFromLoop(loop)` (which the model now keeps per loop). */
export function reachFromLoop(m: PythonModel, loop: LoopInfo): readonly CallSite[] {
  return m.reachableFromLoop(loop);
}

/** A per-model memo for a fact without arguments. */
export function once<T>(cache: WeakMap<PythonModel, T>, m: PythonModel, compute: () => T): T {
  if (cache.has(m)) return cache.get(m)!;
  const v = compute();
  cache.set(m, v);
  return v;
}
