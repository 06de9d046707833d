/**
 * Which names hold a loss value: bound from a loss call (`loss = criterion(out, y)`), accumulated
 * from one (`total += loss.item() * n`), or derived (`val_loss = total / n`); which element a
 * function returns is such a value (`return total / n, correct / n` -> element 0); what kind of
 * loss a call computes (`nn.CrossEntropyLoss` -> classification; a class-index loss on any branch). Shared by TG205 (which value is
 * the validation loss) and TG221 (which value to print each epoch).
 */
import type { Node } from './parser';
import type { CallSite, FunctionInfo, LoopInfo, PythonModel } from './model';
import { isWithin } from './model';
import * as K from './knowledge';
import { nodesOfType } from './memo';

/** The qualified loss a call computes (`torch.nn.CrossEntropyLoss`, `torch.nn.functional.cross_entropy`), or null. */
export function lossKind(m: PythonModel, call: CallSite): string | null {
  if (!m.isLossCall(call)) return null;
  if (call.qualified && K.FUNCTIONAL_LOSSES.has(call.qualified)) return call.qualified;
  if (call.callee.type === 'call') return m.callAt(call.callee)?.qualified ?? null;
  // a criterion chosen in `if / elif / else` branches has several origins: every branch counts, and
  // a class-index loss on any path makes it classification (the default path may be that one)
  let first: string | null = null;
  for (const o of m.originsOf(call.callee)) {
    if (!o.base || !K.isLossConstructor(o.base) || !o.chain.every((c) => c === 'to' || c === 'cuda')) continue;
    if (K.isClassificationLoss(o.base)) return o.base;
    first ??= o.base;
  }
  if (first) return first;
  // a local function returning a loss call
  for (const f of m.calleesOf(call)) {
    for (const r of f.returns) {
      const inner = r.type === 'call' ? m.callAt(r) : undefined;
      const k = inner ? lossKind(m, inner) : null;
      if (k) return k;
    }
  }
  return null;
}

/**
 * Where the classification criteria a loss call computes with are made: the constructor call of each
 * `nn.CrossEntropyLoss` / `nn.NLLLoss` / timm cross-entropy the callee may hold (every branch that
 * assigns it counts), `nn.CrossEntropyLoss()` called in place, or the call itself for
 * `F.cross_entropy(...)` / `F.nll_loss(...)`; through a local function that returns such a call,
 * the call it returns. Empty for any other loss (regression, multi-label) and for calls that are no loss.
 */
export function classificationCriteria(m: PythonModel, call: CallSite, depth = 0): Node[] {
  if (depth > 4 || !m.isLossCall(call)) return [];
  if (call.qualified && K.FUNCTIONAL_LOSSES.has(call.qualified)) return K.isClassificationLoss(call.qualified) ? [call.node] : [];
  if (call.callee.type === 'call') {
    const q = m.callAt(call.callee)?.qualified;
    return q && K.isClassificationLoss(q) ? [call.callee] : [];
  }
  const out: Node[] = [];
  for (const o of m.originsOf(call.callee)) {
    if (o.base && K.isClassificationLoss(o.base) && o.chain.every((c) => c === 'to' || c === 'cuda')) out.push(creationCall(m, o.node, o.base));
  }
  if (out.length) return out;
  for (const f of m.calleesOf(call)) {
    for (const r of f.returns) {
      const inner = r.type === 'call' ? m.callAt(r) : undefined;
      if (inner) out.push(...classificationCriteria(m, inner, depth + 1));
    }
  }
  return out;
}

/** The classification criteria a value (a criterion handed to a step function) may have been created by, in any branch. */
export function classificationCriteriaOf(m: PythonModel, expr: Node): Node[] {
  const out: Node[] = [];
  for (const o of m.originsOf(expr)) {
    if (o.base && K.isClassificationLoss(o.base) && o.chain.every((c) => c === 'to' || c === 'cuda')) out.push(creationCall(m, o.node, o.base));
  }
  return out;
}

/** The call of `base` inside `expr` (`nn.CrossEntropyLoss()` in `nn.CrossEntropyLoss().to(device)`), else `expr`. */
export function creationCall(m: PythonModel, expr: Node, base: string): Node {
  let n: Node | null = expr;
  for (let i = 0; n && i < 8; i++) {
    if (n.type === 'parenthesized_expression') {
      n = n.namedChildren[0] ?? null;
      continue;
    }
    if (n.type !== 'call') break;
    if (m.callAt(n)?.qualified === base) return n;
    const callee = n.childForFieldName('function');
    n = callee?.type === 'attribute' ? callee.childForFieldName('object') : null;
  }
  return expr;
}

/** Loss calls inside `node`'s subtree. */
function containsLossCall(m: PythonModel, node: Node): boolean {
  if (node.type === 'call') {
    const c = m.callAt(node);
    if (c && m.isLossCall(c)) return true;
  }
  return node.namedChildren.some((c) => containsLossCall(m, c));
}

/**
 * Names (in `fn`, bindings inside `region` only, minus those inside `exclude`) that hold a loss
 * value, to a fixed point: bound from a loss call, or from an expression reading such a name.
 */
export function lossNames(m: PythonModel, fn: FunctionInfo | null, region: Node, exclude: readonly Node[] = []): Set<string> {
  const out = new Set<string>();
  const candidates: { name: string; value: Node }[] = [];
  // the bindings and calls of `fn` itself (in the order of `m.bindings` and `m.calls`), not the file's
  for (const b of m.bindingsOf(fn)) {
    if (!b.value || !isWithin(b.node, region) || exclude.some((x) => isWithin(b.node, x))) continue;
    if (b.kind === 'assign' || b.kind === 'augassign') candidates.push({ name: b.name, value: b.value });
  }
  // accumulated in a list: `losses.append(loss.item())`
  for (const c of fn ? fn.calls : m.moduleCalls) {
    if (!isWithin(c.node, region) || exclude.some((x) => isWithin(c.node, x))) continue;
    if (!c.method || !/^(append|extend)$/.test(c.method) || c.receiver?.type !== 'identifier' || !c.args[0]) continue;
    candidates.push({ name: c.receiver.text, value: c.args[0] });
  }
  for (let changed = true, rounds = 0; changed && rounds < 8; rounds++) {
    changed = false;
    for (const c of candidates) {
      if (out.has(c.name)) continue;
      if (containsLossCall(m, c.value) || m.identifiersIn(c.value).some((id) => out.has(id))) {
        out.add(c.name);
        changed = true;
      }
    }
  }
  return out;
}

/**
 * Which element of `fn`'s return value is a loss: -1 for the whole value, the index for a tuple,
 * null when no return (or not the same element in every return) carries one.
 */
export function lossReturnIndex(m: PythonModel, fn: FunctionInfo): number | null {
  if (!fn.returns.length) return null;
  const names = lossNames(m, fn, fn.body);
  const carries = (e: Node) => containsLossCall(m, e) || m.identifiersIn(e).some((id) => names.has(id));
  let index: number | null = null;
  for (const r of fn.returns) {
    let i: number;
    if (r.type === 'expression_list' || r.type === 'tuple') {
      const hits = r.namedChildren.map((e, k) => (carries(e) ? k : -2)).filter((k) => k >= 0);
      if (hits.length !== 1) return null;
      i = hits[0];
    } else {
      // a whole value that is one number (not a dict / list of metrics)
      if (!carries(r) || /^(dictionary|list|set|dictionary_comprehension|list_comprehension)$/.test(r.type)) return null;
      i = -1;
    }
    if (index !== null && index !== i) return null;
    index = i;
  }
  return index;
}

/**
 * The name a statement binds to the loss returned by a call to one of the file's functions:
 * `val_loss, val_acc = validate(...)` -> `val_loss`. `accept` decides which functions qualify.
 */
export function lossBoundFromCall(m: PythonModel, stmt: Node, accept: (f: FunctionInfo) => boolean): { name: string; fn: FunctionInfo } | null {
  const assign = stmt.type === 'expression_statement' ? stmt.namedChildren[0] : null;
  if (assign?.type !== 'assignment') return null;
  const left = assign.childForFieldName('left');
  const right = assign.childForFieldName('right');
  if (!left || right?.type !== 'call') return null;
  const call = m.callAt(right);
  if (!call) return null;
  for (const f of m.calleesOf(call)) {
    if (!accept(f)) continue;
    const i = lossReturnIndex(m, f);
    if (i === null) continue;
    if (i === -1 && left.type === 'identifier') return { name: left.text, fn: f };
    if (i >= 0 && (left.type === 'pattern_list' || left.type === 'tuple_pattern')) {
      const parts = left.namedChildren;
      if (parts.length > i && parts[i].type === 'identifier' && parts[i].text !== '_') return { name: parts[i].text, fn: f };
    }
  }
  return null;
}

/** Does anything `fn` reaches perform a training step (backward / optimizer step)? */
export function functionTrains(m: PythonModel, fn: FunctionInfo): boolean {
  return m.reachableFromFunction(fn).some((c) => m.isTrainingStep(c));
}

/** The statements directly in a loop body (comments left out). */
export function bodyStatements(loop: LoopInfo): Node[] {
  return loop.body.namedChildren.filter((c) => c.type !== 'comment');
}

const LOGS = new Set(['math.log', 'numpy.log', 'torch.log', 'math.log2', 'numpy.log2']);
const CLOSE = /^(math|numpy|torch)\.(isclose|allclose)$/;

/** A log (of the number of classes) whose value is compared: `abs(val_loss - math.log(C)) < 0.1`, `baseline = np.log(C)` then `... < baseline`. */
export function hasBaselineCheck(m: PythonModel): boolean {
  let comparedNames: Set<string> | null = null;
  const compared = () => {
    if (comparedNames) return comparedNames;
    const set = new Set<string>();
    for (const n of nodesOfType(m, 'comparison_operator')) for (const id of m.identifiersIn(n)) set.add(id);
    for (const c of m.calls) if (CLOSE.test(c.qualified ?? '')) for (const id of m.identifiersIn(c.node)) set.add(id);
    return (comparedNames = set);
  };
  for (const c of m.calls) {
    if (!c.qualified || !LOGS.has(c.qualified)) continue;
    let stmtChild: Node = c.node;
    for (let p = c.node.parent; p && p.type !== 'block' && p.type !== 'module'; p = p.parent) {
      if (p.type === 'comparison_operator') return true;
      if (p.type === 'call' && CLOSE.test(m.callAt(p)?.qualified ?? '')) return true;
      stmtChild = p;
    }
    const assign = stmtChild.type === 'expression_statement' ? stmtChild.namedChildren[0] : null;
    const left = assign?.type === 'assignment' ? assign.childForFieldName('left') : null;
    if (left?.type === 'identifier' && compared().has(left.text)) return true;
  }
  return false;
}
