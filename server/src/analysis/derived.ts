/**
 * "Is this value built from that one?": an expression carries a value derived from a target node
 * (a call, say `scaler.fit_transform(X)` or `LabelEncoder()`) when the target is inside it, or a
 * name it reads is bound (through flow.ts) to something built from the target, or a container it
 * reads had such a value written into it (`df[cols] = target`, `encoders[c] = le`, `lst.append(x)`).
 * Flow-insensitive for container writes, bounded in depth; used for leakage and persistence checks.
 */
import type { Node } from './parser';
import type { Binding, PythonModel } from './model';
import { isWithin } from './model';
import { sources } from './config-values';
import { nodesOfType } from './node-index';

const WRITE_METHODS = new Set(['append', 'extend', 'update', 'add', 'insert', 'setdefault']);

interface Writes {
  /** name -> values written into it (`X[...] = v`, `X.attr = v`, `X.append(v)`) */
  byName: Map<string, Node[]>;
  /**
   * name -> the same values grouped by the variable the name means where they are written (the
   * bindings `bindingsIn` gives there: one list per scope, or the same empty list), in order; made
   * per name when first asked.
   */
  byVariable: Map<string, Map<readonly Binding[], Node[]>>;
}

const CACHE = new WeakMap<PythonModel, Writes>();

function writes(m: PythonModel): Writes {
  let w = CACHE.get(m);
  if (w) return w;
  w = { byName: new Map(), byVariable: new Map() };
  const add = (name: string, v: Node) => {
    const list = w!.byName.get(name) ?? [];
    list.push(v);
    w!.byName.set(name, list);
  };
  for (const n of nodesOfType(m, 'assignment')) {
    const left = n.childForFieldName('left');
    const right = n.childForFieldName('right');
    if (left && right && (left.type === 'subscript' || left.type === 'attribute')) {
      const root = rootIdentifier(left);
      if (root && root.text !== 'self') add(root.text, right);
    }
  }
  for (const c of m.calls) {
    if (c.method && WRITE_METHODS.has(c.method) && c.receiver) {
      const root = rootIdentifier(c.receiver);
      if (root) for (const a of [...c.args, ...c.keywords.values()]) add(root.text, a);
    }
  }
  CACHE.set(m, w);
  return w;
}

function rootIdentifier(n: Node): Node | null {
  let x: Node | null = n;
  while (x && (x.type === 'subscript' || x.type === 'attribute')) x = x.childForFieldName('value') ?? x.childForFieldName('object');
  return x?.type === 'identifier' ? x : null;
}

/**
 * Sub-expressions that carry only a size, not the data: `len(x)`, `x.shape`, `x.size`, `x.ndim`,
 * `x.item()`. A value built from them is not built from `x`.
 */
export function carriesOnlySize(n: Node): boolean {
  if (n.type === 'call') {
    const f = n.childForFieldName('function');
    if (f?.type === 'identifier' && f.text === 'len') return true;
    if (f?.type === 'attribute' && /^(item|nunique|count)$/.test(f.childForFieldName('attribute')?.text ?? '')) return true;
  }
  return n.type === 'attribute' && /^(shape|size|ndim)$/.test(n.childForFieldName('attribute')?.text ?? '');
}

/**
 * Does `expr` carry a value built from a node that `isTarget` accepts? Size-only sub-expressions,
 * and those `opaque` accepts (values computed from the target that do not carry it), are not followed.
 */
export function derivesFrom(m: PythonModel, expr: Node | null, isTarget: (n: Node) => boolean, opaque: (n: Node) => boolean = () => false, maxDepth = 5): boolean {
  return traverse(m, expr, isTarget, opaque, maxDepth, () => true);
}

/**
 * Every node `isTarget` accepts that `expr` carries a value built from: the ids of the targets for
 * which `derivesFrom` would say yes, found in one traversal instead of one per target (the same
 * walk in the same order; it only goes on past a target, as a search for another target would).
 */
export function derivedTargets(m: PythonModel, expr: Node | null, isTarget: (n: Node) => boolean, opaque: (n: Node) => boolean = () => false, maxDepth = 5): Set<number> {
  const found = new Set<number>();
  traverse(m, expr, isTarget, opaque, maxDepth, (n) => {
    found.add(n.id);
    return false;
  });
  return found;
}

/** The walk behind both: `onTarget` says whether to stop at a target (true) or go on (false). */
function traverse(m: PythonModel, expr: Node | null, isTarget: (n: Node) => boolean, opaque: (n: Node) => boolean, maxDepth: number, onTarget: (n: Node) => boolean): boolean {
  if (!expr) return false;
  const seen = new Set<number>();
  const seenNames = new Set<number>();
  const containsTarget = (n: Node): boolean => {
    if (isTarget(n) && onTarget(n)) return true;
    if (carriesOnlySize(n) || opaque(n)) return false;
    for (const c of n.namedChildren) if (containsTarget(c)) return true;
    return false;
  };
  const visit = (e: Node, depth: number): boolean => {
    if (seen.has(e.id)) return false;
    seen.add(e.id);
    if (containsTarget(e)) return true;
    if (depth >= maxDepth) return false;
    for (const id of readIdentifiers(e, opaque)) {
      if (seenNames.has(id.id)) continue;
      seenNames.add(id.id);
      for (const v of writesToSameVariable(m, id)) {
        if (visit(v, depth + 1)) return true;
      }
      for (const s of sources(m, id)) {
        if (s.node.id === id.id) continue;
        if (isWithin(id, s.node) && s.node.type !== 'call') continue;
        if (visit(s.node, depth + 1)) return true;
      }
    }
    return false;
  };
  return visit(expr, 0);
}

/** Identifiers read in an expression (not attribute names or keyword names; not inside lambdas' own parameters). */
function readIdentifiers(e: Node, opaque: (n: Node) => boolean): Node[] {
  const out: Node[] = [];
  const walk = (n: Node) => {
    if (carriesOnlySize(n) || opaque(n)) return;
    if (n.type === 'identifier') {
      out.push(n);
      return;
    }
    for (const c of n.namedChildren) {
      if (n.type === 'attribute' && c.id === n.childForFieldName('attribute')?.id) continue;
      if (n.type === 'keyword_argument' && c.id === n.childForFieldName('name')?.id) continue;
      walk(c);
    }
  };
  walk(e);
  return out;
}

/**
 * The values written into the container the name read at `use` refers to, in order: the writes of
 * the name (`writes(m).byName`) where it means the same variable, i.e. where `bindingsIn` gives the
 * same first binding as at `use`, or none at either place. `bindingsIn` gives one list per scope
 * (and the same empty list when none), so that is where it gives the same list: the writes are
 * grouped by it once per name instead of being compared with every use.
 */
function writesToSameVariable(m: PythonModel, use: Node): readonly Node[] {
  const w = writes(m);
  const all = w.byName.get(use.text);
  if (!all) return [];
  let byVar = w.byVariable.get(use.text);
  if (!byVar) {
    byVar = new Map();
    for (const v of all) {
      const key = m.bindingsIn(use.text, m.functionAt(v));
      const list = byVar.get(key);
      if (list) list.push(v);
      else byVar.set(key, [v]);
    }
    w.byVariable.set(use.text, byVar);
  }
  return byVar.get(m.bindingsIn(use.text, m.functionAt(use))) ?? [];
}
