/**
 * Facts about the training step that several rules and fixes share: how a batch loop unpacks its
 * batch, which model / criterion / scaler / device it uses, and how those names are spelled in
 * another scope (a smoke test inserted before the fold loop uses the caller's names, not the
 * parameters of `train_one_epoch`).
 */
import type { Node } from './parser';
import type { CallSite, FunctionInfo, LoopInfo, PythonModel, WithInfo } from './model';
import { isWithin } from './model';

export interface BatchStep {
  loop: LoopInfo;
  /** `for i, (x, y) in enumerate(loader)`: the index name `i` (null without enumerate). */
  indexName: string | null;
  /** The batch pattern's names: `['x', 'y']`. */
  batchNames: string[];
  /** The loader expression (enumerate / tqdm peeled off). */
  loader: Node;
  modelCall: CallSite;
  lossCall: CallSite;
  /** The autocast block around the loss, if any. */
  autocast: WithInfo | null;
  /** `scaler` in `scaler.scale(loss).backward()`, null for a plain `loss.backward()`. */
  scaler: Node | null;
  /** How the batch is moved to the device: `.cuda()`, `.to(device)` (the device node), or not at all. */
  move: { kind: 'cuda' } | { kind: 'to'; device: Node } | null;
}

const WRAPPERS = /^(enumerate|tqdm|tqdm\.tqdm|tqdm\.auto\.tqdm|tqdm\.notebook\.tqdm|progress_bar|track)$/;

/** Peels `enumerate(...)`, `tqdm(...)` from a loop's iterable. Returns the loader and the enumerate index pattern. */
export function peelIterable(m: PythonModel, loop: LoopInfo): { loader: Node; enumerated: boolean } | null {
  let it = loop.iter;
  let enumerated = false;
  for (let i = 0; it && i < 6; i++) {
    // `bar = tqdm(loader)` before the loop, then `for x, y in bar`: the wrapper bound to a name
    if (it.type === 'identifier') {
      const bound = wrapperBoundTo(m, it);
      if (!bound) break;
      it = bound;
    }
    if (it.type !== 'call') break;
    const callee = it.childForFieldName('function');
    const name = m.qualify(callee) ?? callee?.text ?? '';
    const short = name.replace(/^.*\./, '');
    if (!WRAPPERS.test(name) && !WRAPPERS.test(short)) break;
    if (short === 'enumerate') enumerated = true;
    const first = it.childForFieldName('arguments')?.namedChildren.find((c) => c.type !== 'keyword_argument' && c.type !== 'comment');
    if (!first) return null;
    it = first;
  }
  return it ? { loader: it, enumerated } : null;
}

/** The wrapper call (`tqdm(loader)`, `enumerate(loader)`) a name is bound to on every path, or null. */
function wrapperBoundTo(m: PythonModel, name: Node): Node | null {
  const bs = m.bindingsIn(name.text, m.functionAt(name));
  if (!bs.length || !bs.every((b) => b.kind === 'assign' && b.value?.type === 'call' && b.value.id === bs[0].value!.id)) return null;
  const value = bs[0].value!;
  const callee = value.childForFieldName('function');
  const q = m.qualify(callee) ?? callee?.text ?? '';
  return WRAPPERS.test(q) || WRAPPERS.test(q.replace(/^.*\./, '')) ? value : null;
}

/** Describes a batch loop's step, or null when it is not the plain `out = model(x); loss = crit(out, y)` shape. */
export function describeBatchStep(m: PythonModel, loop: LoopInfo): BatchStep | null {
  if (loop.kind !== 'for' || !loop.targetNode) return null;
  const peeled = peelIterable(m, loop);
  if (!peeled) return null;
  let pattern: Node = loop.targetNode;
  let indexName: string | null = null;
  if (peeled.enumerated) {
    const parts = pattern.namedChildren;
    if ((pattern.type !== 'pattern_list' && pattern.type !== 'tuple_pattern') || parts.length !== 2 || parts[0].type !== 'identifier') return null;
    indexName = parts[0].text;
    pattern = parts[1];
  }
  if (pattern.type === 'parenthesized_expression' && pattern.namedChildren[0]) pattern = pattern.namedChildren[0];
  const elems = pattern.namedChildren;
  if (!['pattern_list', 'tuple_pattern', 'list_pattern', 'tuple'].includes(pattern.type) || elems.length < 2 || !elems.every((e) => e.type === 'identifier')) return null;
  const batchNames = elems.map((e) => e.text);

  const calls = loop.calls.filter((c) => c.fn === loop.fn);
  const lossCall = calls.find((c) => m.isLossCall(c));
  const modelCall = calls.find((c) => m.isModelCall(c) && c.node.startIndex < (lossCall?.node.startIndex ?? Infinity));
  if (!lossCall || !modelCall) return null;
  if (modelCall.args.length !== 1 || modelCall.keywords.size || modelCall.args[0].type !== 'identifier') return null;
  if (!aliasesOf(m, loop, batchNames[0]).has(modelCall.args[0].text)) return null;
  if (lossCall.args.length !== 2 || lossCall.args[1].type !== 'identifier' || !aliasesOf(m, loop, batchNames[1]).has(lossCall.args[1].text)) return null;
  // the loss reads the forward pass's output
  const out = lossCall.args[0];
  if (out.type !== 'identifier') return null;
  const outBinding = (m.bindings.get(out.text) ?? []).find((b) => b.kind === 'assign' && b.value?.id === modelCall.node.id);
  if (!outBinding) return null;

  const autocast = lossCall.withs.find((w) => m.isAutocast(w)) ?? null;
  const backward = calls.find((c) => c.method === 'backward' && c.node.startIndex > lossCall.node.startIndex);
  let scaler: Node | null = null;
  if (backward?.receiver?.type === 'call') {
    const inner = m.callAt(backward.receiver);
    if (inner?.method === 'scale' && inner.receiver && m.hasRole(inner.receiver, 'scaler')) scaler = inner.receiver;
  }
  return { loop, indexName, batchNames, loader: peeled.loader, modelCall, lossCall, autocast, scaler, move: batchMove(m, loop, batchNames) };
}

/** `x` and the names `x` is re-bound to in the loop (`x = x.to(device)`, `x = x.cuda()`, `inputs = x.to(...)`). */
function aliasesOf(m: PythonModel, loop: LoopInfo, name: string): Set<string> {
  const out = new Set([name]);
  // the bindings of the loop's own scope, in the order of a walk over `m.bindings` (not the file's)
  for (const b of m.bindingsOf(loop.fn)) {
    if (!isWithin(b.node, loop.body) || !b.value) continue;
    if (b.kind === 'assign' && m.identifiersIn(b.value).some((id) => out.has(id)) && /\.(to|cuda|float|long|half)\(/.test(b.value.text)) out.add(b.name);
    if (b.kind === 'unpack' && b.value.type === 'expression_list') {
      const part = b.value.namedChildren[b.index ?? -1];
      if (part && m.identifiersIn(part).some((id) => out.has(id))) out.add(b.name);
    }
  }
  return out;
}

function batchMove(m: PythonModel, loop: LoopInfo, names: string[]): BatchStep['move'] {
  for (const c of loop.calls) {
    if (c.fn !== loop.fn || !c.receiver || c.receiver.type !== 'identifier' || !names.includes(c.receiver.text)) continue;
    if (c.method === 'cuda') return { kind: 'cuda' };
    if (c.method === 'to' && c.args[0]) return { kind: 'to', device: c.args[0] };
  }
  return null;
}

/**
 * The spelling, in scope `target` before `before` (an index), of the value named `name` in `from`.
 * Follows parameters back through the file's own call sites. Null when there is no such spelling.
 */
export function nameInScope(m: PythonModel, name: string, from: FunctionInfo | null, target: FunctionInfo | null, before: number, depth = 0): string | null {
  if (depth > 6) return null;
  if (from === target) return isBoundBefore(m, name, target, before) ? name : null;
  const bs = m.bindingsIn(name, from);
  if (!bs.length) {
    // a global: visible from the target too if bound at module level before use
    return isBoundBefore(m, name, target, before) ? name : null;
  }
  if (bs.every((b) => b.fn === null)) return isBoundBefore(m, name, target, before) ? name : null;
  const param = bs.find((b) => b.kind === 'param');
  if (!param || !from) return null;
  for (const call of m.callersOf(from)) {
    const arg = argFor(m, from, name, call);
    if (!arg || arg.type !== 'identifier') continue;
    const spelled = nameInScope(m, arg.text, call.fn, target, before, depth + 1);
    if (spelled) return spelled;
  }
  return null;
}

function argFor(m: PythonModel, fn: FunctionInfo, param: string, call: CallSite): Node | null {
  const kw = call.keywords.get(param);
  if (kw) return kw;
  const offset = fn.cls && fn.params[0] === 'self' ? 1 : 0;
  const i = fn.params.indexOf(param) - offset;
  return i >= 0 && i < call.args.length ? call.args[i] : null;
}

/** Is `name` bound in `scope` (or visible from it) by a statement that starts before `before`? */
export function isBoundBefore(m: PythonModel, name: string, scope: FunctionInfo | null, before: number): boolean {
  if (m.imports.has(name)) return true;
  const bs = m.bindingsIn(name, scope);
  if (!bs.length) return false;
  if (bs.some((b) => b.kind === 'param')) return true;
  if (bs.every((b) => b.fn !== scope)) return true; // an enclosing or module scope: bound by the time we run
  return bs.some((b) => b.node.startIndex < before);
}

/**
 * Where a loop-level finding about batch loop `batch` is reported (the anchoring of
 * shared/spec/real-code-patterns/README.md): the batch loop itself when it is written inside its
 * epoch loop (or has none), else the epoch loop that calls into it (`for epoch ...: train(...)` with
 * the batch loop in `train`): the innermost training loop reaching it, among those reached from
 * `from` when given. Several when different epoch loops call the same helper.
 */
export function epochAnchors(m: PythonModel, batch: LoopInfo, from?: LoopInfo): LoopInfo[] {
  const facts = m.trainingLoops();
  const outer = (facts.get(batch)?.outer ?? []).filter((o) => !from || o === from || facts.get(from)?.inner.includes(o));
  const innermost = outer.filter((o) => !outer.some((p) => p !== o && facts.get(o)?.inner.includes(p)));
  if (!innermost.length || innermost.some((o) => o.fn === batch.fn && isWithin(batch.node, o.body))) return [batch];
  return innermost.sort((a, b) => a.node.startIndex - b.node.startIndex);
}
