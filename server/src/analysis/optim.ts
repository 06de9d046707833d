/**
 * Facts about the optimizer side of a hand-written training step, shared by the TG8xx and TG10xx
 * rules: which calls step an optimizer (directly or through a GradScaler), which reset gradients,
 * which backward passes are scaled, whether a step is gated by gradient accumulation
 * (`if (i + 1) % accum == 0:`), and whether a call runs on every iteration of a loop.
 */
import type { Node } from './parser';
import type { CallSite, FunctionInfo, LoopInfo, PythonModel } from './model';
import { isWithin } from './model';
import { intValue } from './config-values';

/** `optimizer.step()` on a value built by an optimizer constructor. */
export function isDirectOptimizerStep(m: PythonModel, c: CallSite): boolean {
  return c.method === 'step' && !!c.receiver && m.hasRole(c.receiver, 'optimizer');
}

/** `scaler.step(optimizer)` on a GradScaler. */
export function isScalerStep(m: PythonModel, c: CallSite): boolean {
  return c.method === 'step' && !!c.receiver && m.hasRole(c.receiver, 'scaler');
}

/** An optimizer step, direct or through a scaler. */
export function isOptimizerStep(m: PythonModel, c: CallSite): boolean {
  return isDirectOptimizerStep(m, c) || isScalerStep(m, c);
}

/** The optimizer a step call steps: the receiver of `opt.step()`, the argument of `scaler.step(opt)`. */
export function steppedOptimizer(m: PythonModel, c: CallSite): Node | null {
  if (isDirectOptimizerStep(m, c)) return c.receiver;
  if (isScalerStep(m, c)) return c.args[0] ?? c.keywords.get('optimizer') ?? null;
  return null;
}

/** `x.zero_grad(...)` on an optimizer, a model, or anything else that has the method. */
export function isZeroGrad(c: CallSite): boolean {
  return c.method === 'zero_grad' && !!c.receiver;
}

/** `p.grad.zero_()`, `p.grad.data.zero_()`, `p.grad.detach_()` ... */
export function isManualGradReset(c: CallSite): boolean {
  if (!c.receiver || (c.method !== 'zero_' && c.method !== 'detach_' && c.method !== 'requires_grad_')) return false;
  return /\.grad(\.data)?$/.test(c.receiver.text) && c.method !== 'requires_grad_';
}

/** Is a statement `x.grad = None` inside `node`? */
export function assignsGradNone(node: Node): boolean {
  let found = false;
  const visit = (n: Node) => {
    if (found) return;
    if (n.type === 'assignment') {
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      if (left?.type === 'attribute' && left.childForFieldName('attribute')?.text === 'grad' && right?.type === 'none') {
        found = true;
        return;
      }
    }
    for (const c of n.namedChildren) visit(c);
  };
  visit(node);
  return found;
}

/** Does the loop reset gradients anywhere (zero_grad, `set_to_none`, `p.grad = None`), directly or in the functions it calls? */
export function loopResetsGradients(m: PythonModel, loop: LoopInfo): boolean {
  const reach = m.reachableFromLoop(loop);
  if (reach.some((c) => isZeroGrad(c) || isManualGradReset(c))) return true;
  if (assignsGradNone(loop.body)) return true;
  const fns = new Set<FunctionInfo>();
  for (const c of reach) if (c.fn && c.fn !== loop.fn) fns.add(c.fn);
  for (const c of loop.calls) for (const f of m.calleesOf(c)) fns.add(f);
  return [...fns].some((f) => assignsGradNone(f.body));
}

/** `scaler.scale(loss).backward()`: the scaled backward's `scale` call, or null. */
export function scaleCallOf(m: PythonModel, backward: CallSite): CallSite | null {
  if (backward.method !== 'backward' || backward.receiver?.type !== 'call') return null;
  const inner = m.callAt(backward.receiver);
  return inner?.method === 'scale' && inner.receiver ? inner : null;
}

/** `accelerator.backward(loss)` (accelerate scales and divides on its own). */
export function isAcceleratorBackward(m: PythonModel, c: CallSite): boolean {
  return c.method === 'backward' && !!c.receiver && m.originsOf(c.receiver).some((o) => o.base === 'accelerate.Accelerator');
}

/** The loss a backward call differentiates: `loss` of `loss.backward()`, `scaler.scale(loss).backward()`, `accelerator.backward(loss)`. */
export function backwardLoss(m: PythonModel, c: CallSite): Node | null {
  if (c.method !== 'backward' || !c.receiver) return null;
  if (isAcceleratorBackward(m, c)) return c.args[0] ?? null;
  const scale = scaleCallOf(m, c);
  if (scale) return scale.args[0] ?? null;
  return c.receiver;
}

/** Does the way from `stop` (a block) down to `node` pass through a conditional (`if`, `else`, `except`, `x if c else y`, `a and b`)? */
export function isConditionalWithin(node: Node, stop: Node): boolean {
  for (let n: Node | null = node.parent; n && n.id !== stop.id; n = n.parent) {
    if (/^(if_statement|elif_clause|else_clause|conditional_expression|except_clause|boolean_operator)$/.test(n.type)) return true;
  }
  return false;
}

/** Is `call` (reached from `loop`) run on every iteration of the loop: no `if` on the way from the loop body to it? */
export function runsEveryIteration(m: PythonModel, call: CallSite, loop: LoopInfo, depth = 0): boolean {
  if (depth > 6) return false;
  if (call.fn === loop.fn) return isWithin(call.node, loop.body) && !isConditionalWithin(call.node, loop.body);
  if (!call.fn || isConditionalWithin(call.node, call.fn.body)) return false;
  const sites = m.callersOf(call.fn).filter((s) => (s.fn === loop.fn ? isWithin(s.node, loop.body) : true));
  return sites.length > 0 && sites.some((s) => reachedFromLoop(m, s, loop) && runsEveryIteration(m, s, loop, depth + 1));
}

function reachedFromLoop(m: PythonModel, site: CallSite, loop: LoopInfo): boolean {
  return reachSet(m, loop).has(site);
}

const reachCache = new WeakMap<PythonModel, Map<LoopInfo, Set<CallSite>>>();

/** The calls a loop reaches, as a set (memoised per model: membership tests in loops stay cheap). */
export function reachSet(m: PythonModel, loop: LoopInfo): Set<CallSite> {
  let byLoop = reachCache.get(m);
  if (!byLoop) reachCache.set(m, (byLoop = new Map()));
  let set = byLoop.get(loop);
  if (!set) byLoop.set(loop, (set = new Set(m.reachableFromLoop(loop))));
  return set;
}

export interface Accumulation {
  /** The batch loop. */
  loop: LoopInfo;
  /** The `if` (or `elif` clause) whose condition gates the step. */
  ifNode: Node;
  /** The gated block. */
  block: Node;
  /** The `%` expression of the condition. */
  modulo: Node;
  /** The accumulation divisor (`accum` of `(i + 1) % accum == 0`). */
  divisor: Node;
  /** The function holding the condition (null at module level). */
  fn: FunctionInfo | null;
  /** The optimizer steps under the condition. */
  steps: CallSite[];
}

/**
 * Gradient accumulation in a batch loop: every optimizer step the loop reaches is gated by a
 * condition `<counter> % <divisor> == 0` on a value that changes every iteration (the loop index, a
 * step counter), where the divisor is not the constant 1. Null when the loop steps on every batch.
 */
export function accumulationOf(m: PythonModel, loop: LoopInfo): Accumulation | null {
  const steps = m.reachableFromLoop(loop).filter((c) => isOptimizerStep(m, c));
  if (!steps.length) return null;
  let found: Accumulation | null = null;
  const ungated: CallSite[] = [];
  for (const s of steps) {
    const gate = accumulationGate(m, s, loop);
    if (!gate) {
      ungated.push(s);
      continue;
    }
    if (!found) found = { loop, ...gate, steps: [s] };
    else if (gate.ifNode.id === found.ifNode.id) found.steps.push(s);
    else return null;
  }
  // a step every batch in another branch of the same `if` (`if accum is None: step ... elif (i + 1) % accum == 0: step`):
  // the accumulation branch still accumulates
  if (found && ungated.length) {
    const chain = found.ifNode.type === 'elif_clause' || found.ifNode.type === 'else_clause' ? found.ifNode.parent : found.ifNode;
    if (!chain || !ungated.every((s) => isWithin(s.node, chain) && !isWithin(s.node, found!.block))) return null;
  }
  return found;
}

/** The accumulation `if` that gates `node` on its way from the loop body (through the file's own calls). */
export function accumulationGate(m: PythonModel, call: CallSite, loop: LoopInfo, depth = 0): Omit<Accumulation, 'loop' | 'steps'> | null {
  if (depth > 6) return null;
  const stop = call.fn === loop.fn ? loop.body : call.fn?.body ?? null;
  if (!stop || (call.fn === loop.fn && !isWithin(call.node, loop.body))) return null;
  const own = enclosingAccumulationIf(m, call.node, stop, loop);
  if (own) return { ...own, fn: call.fn };
  if (call.fn === loop.fn || !call.fn) return null;
  // a helper: every call site on the way from the loop must be gated
  const sites = m.callersOf(call.fn).filter((s) => reachSet(m, loop).has(s));
  if (!sites.length) return null;
  let gate: Omit<Accumulation, 'loop' | 'steps'> | null = null;
  for (const s of sites) {
    const g = accumulationGate(m, s, loop, depth + 1);
    if (!g || (gate && gate.ifNode.id !== g.ifNode.id)) return null;
    gate = g;
  }
  return gate;
}

function enclosingAccumulationIf(m: PythonModel, node: Node, stop: Node, loop: LoopInfo): { ifNode: Node; block: Node; modulo: Node; divisor: Node } | null {
  for (let n: Node | null = node.parent; n && n.id !== stop.id; n = n.parent) {
    if (n.type !== 'block' || !n.parent) continue;
    const owner = n.parent;
    let cond: Node | null = null;
    if ((owner.type === 'if_statement' || owner.type === 'elif_clause') && owner.childForFieldName('consequence')?.id === n.id) cond = owner.childForFieldName('condition');
    if (!cond) continue;
    const modulo = moduloTest(m, cond, loop);
    if (modulo) return { ifNode: owner, block: n, modulo, divisor: modulo.childForFieldName('right')! };
  }
  return null;
}

/** In a condition: `x % n == 0` (also `0 == x % n`, `not x % n`, inside `and` / `or`) on an iteration counter with n != 1. */
function moduloTest(m: PythonModel, cond: Node, loop: LoopInfo): Node | null {
  switch (cond.type) {
    case 'parenthesized_expression':
      return cond.namedChildren[0] ? moduloTest(m, cond.namedChildren[0], loop) : null;
    case 'boolean_operator':
      return moduloTest(m, cond.childForFieldName('left')!, loop) ?? moduloTest(m, cond.childForFieldName('right')!, loop);
    case 'not_operator': {
      const arg = unparen(cond.childForFieldName('argument'));
      return arg && isModulo(arg) && isCounterModulo(m, arg, loop) ? arg : null;
    }
    case 'comparison_operator': {
      const ops = cond.children.filter((c) => c && !c.isNamed).map((c) => c!.type);
      if (ops.length !== 1 || ops[0] !== '==') return null;
      const [a, b] = cond.namedChildren.map(unparen);
      for (const [x, y] of [[a, b], [b, a]] as const) {
        if (x && y && isModulo(x) && isResidue(x, y) && isCounterModulo(m, x, loop)) return x;
      }
      return null;
    }
    default:
      return null;
  }
}

/** The residue compared with `i % n`: a literal (`== 0`), or `n - k` (`i % accum == accum - 1`, the last batch of each group). */
function isResidue(mod: Node, y: Node): boolean {
  if (y.type === 'integer') return true;
  if (y.type !== 'binary_operator' || y.childForFieldName('operator')?.type !== '-') return false;
  const left = unparen(y.childForFieldName('left'));
  return !!left && left.text === mod.childForFieldName('right')?.text && unparen(y.childForFieldName('right'))?.type === 'integer';
}

function unparen(n: Node | null): Node | null {
  while (n && n.type === 'parenthesized_expression') n = n.namedChildren[0] ?? null;
  return n;
}

function isModulo(n: Node): boolean {
  return n.type === 'binary_operator' && n.childForFieldName('operator')?.type === '%';
}

/** The left side changes every iteration (a loop target, a counter incremented in the loop, a parameter fed one) and the divisor is not 1. */
function isCounterModulo(m: PythonModel, mod: Node, loop: LoopInfo): boolean {
  const divisor = mod.childForFieldName('right');
  const left = mod.childForFieldName('left');
  if (!divisor || !left) return false;
  if (intValue(m, divisor) === 1) return false;
  if (divisor.type === 'integer' && intValue(m, divisor) === undefined) return false;
  return m.identifiersIn(left).some((id) => isIterationCounter(m, id, m.functionAt(mod), loop, 0));
}

function isIterationCounter(m: PythonModel, name: string, fn: FunctionInfo | null, loop: LoopInfo, depth: number): boolean {
  if (depth > 4) return false;
  const bs = m.bindingsIn(name, fn);
  if (fn === loop.fn) {
    // a target of the batch loop (or of a loop inside it), or a counter incremented in its body
    if (loop.targets.includes(name)) return true;
    if (bs.some((b) => isWithin(b.node, loop.body) && (b.kind === 'for' || b.kind === 'augassign' || (b.kind === 'assign' && isIncrement(b.value, name))))) return true;
  }
  // a global counter incremented inside a function the loop calls
  if (bs.some((b) => b.kind === 'augassign' && b.fn && b.fn !== loop.fn && [...reachSet(m, loop)].some((c) => c.fn === b.fn))) return true;
  const param = bs.find((b) => b.kind === 'param');
  if (param?.fn) {
    const sites = m.callersOf(param.fn).filter((s) => reachSet(m, loop).has(s));
    return sites.length > 0 && sites.every((s) => {
      const arg = argumentAt(param.fn!, param.name, s);
      return !!arg && m.identifiersIn(arg).some((id) => isIterationCounter(m, id, s.fn, loop, depth + 1));
    });
  }
  return false;
}

function isIncrement(value: Node | null, name: string): boolean {
  return !!value && value.type === 'binary_operator' && value.childForFieldName('operator')?.type === '+' && value.childForFieldName('left')?.text === name;
}

/** The argument a call site passes for `param` of `fn`. */
export function argumentAt(fn: FunctionInfo, param: string, site: CallSite): Node | null {
  const kw = site.keywords.get(param);
  if (kw) return kw;
  const offset = fn.cls && fn.params[0] === 'self' ? 1 : 0;
  const i = fn.params.indexOf(param) - offset;
  return i >= 0 && i < site.args.length ? site.args[i] : null;
}

/** Do `a` and `b` denote the same value: the same name in the same scope, or a shared origin (the same constructor call)? */
export function sameValue(m: PythonModel, a: Node, b: Node): boolean {
  if (a.text === b.text && m.functionAt(a) === m.functionAt(b)) return true;
  const ids = new Set(m.originsOf(a).filter((o) => o.base !== null).map((o) => o.node.id));
  return m.originsOf(b).some((o) => o.base !== null && ids.has(o.node.id));
}

/** Is every identifier of `expr` (read in `from`) bound to the same things when read in `to`? Then its text may be copied there. */
export function spelledSameIn(m: PythonModel, expr: Node, from: FunctionInfo | null, to: FunctionInfo | null): boolean {
  if (from === to) return true;
  return m.identifiersIn(expr).every((id) => {
    const a = m.bindingsIn(id, from);
    const b = m.bindingsIn(id, to);
    return a.length === b.length && a.every((x, i) => x === b[i]);
  });
}

/** Every optimizer step the loop reaches that is gated by an accumulation condition, with its gate. */
export function gatedSteps(m: PythonModel, loop: LoopInfo): { step: CallSite; gate: Omit<Accumulation, 'loop' | 'steps'> }[] {
  const out: { step: CallSite; gate: Omit<Accumulation, 'loop' | 'steps'> }[] = [];
  for (const s of m.reachableFromLoop(loop)) {
    if (!isOptimizerStep(m, s)) continue;
    const gate = accumulationGate(m, s, loop);
    if (gate) out.push({ step: s, gate });
  }
  return out;
}

/**
 * Does the optimizer update the parameters of `model`: is it built from `model.parameters()`
 * (or from something we cannot read, which is assumed to include them)?
 */
export function optimizerCoversModel(m: PythonModel, opt: Node, model: Node): boolean {
  const ctors = m.originsOf(opt).filter((o) => o.base !== null && o.node.type === 'call');
  if (!ctors.length) return true;
  return ctors.some((o) => {
    const params = m.callsByMethod('parameters').filter((c) => c.receiver && isWithin(c.node, o.node));
    return !params.length || params.some((c) => sameValue(m, c.receiver!, model));
  });
}
