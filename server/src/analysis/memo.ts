/**
 * Facts computed once per model and shared by the rules that need them: every node of a type
 * (found with tree-sitter's own search: walking the tree from JavaScript allocates a wrapper per
 * node and is far slower) and the calls a loop reaches (the model caches this per function only).
 */
import type { Node } from './parser';
import type { CallSite, LoopInfo, PythonModel } from './model';

const byType = new WeakMap<PythonModel, Map<string, Node[]>>();
const loopReach = new WeakMap<PythonModel, Map<LoopInfo, CallSite[]>>();

/** Nodes of `type` in document order. */
export function nodesOfType(m: PythonModel, type: string): Node[] {
  let map = byType.get(m);
  if (!map) byType.set(m, (map = new Map()));
  let nodes = map.get(type);
  if (!nodes) {
    nodes = m.root.descendantsOfType(type);
    map.set(type, nodes);
  }
  return nodes;
}

/** `m.reachableFromLoop(loop)`, computed once. */
export function reachFromLoop(m: PythonModel, loop: LoopInfo): CallSite[] {
  let map = loopReach.get(m);
  if (!map) loopReach.set(m, (map = new Map()));
  let calls = map.get(loop);
  if (!calls) {
    calls = m.reachableFromLoop(loop);
    map.set(loop, calls);
  }
  return calls;
}

/** A per-model memo for a fact without arguments. */
export function once<T>(cache: WeakMap<PythonModel, T>, m: PythonModel, compute: () => T): T {
  if (cache.has(m)) return cache.get(m)!;
  const v = compute();
  cache.set(m, v);
  return v;
}
