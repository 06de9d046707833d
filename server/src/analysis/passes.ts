/**
 * Validation and prediction passes: loops that run a model forward over a loader without a training
 * step (no `.backward()`, no optimizer step reachable), decided by what the code does, never by the
 * names of loops, loaders or functions. Also the facts rules need about a pass: is it under
 * `torch.no_grad()` / `inference_mode()` on every way it is reached, is the model in eval mode when
 * it starts, does it need gradients on purpose (Grad-CAM, captum), and which validation metric an
 * epoch loop computes (for a best-checkpoint comparison).
 */
import type { Node } from './parser';
import type { CallSite, FunctionInfo, LoopInfo, PythonModel, WithInfo } from './model';
import { isWithin } from './model';
import { peelIterable } from './training';
import { derivesFrom } from './derived';
import * as K from './knowledge';

export interface ModelPass {
  loop: LoopInfo;
  /** The data the loop iterates (`enumerate` / `tqdm` peeled off). */
  data: Node;
  /** Forward passes of a model the loop reaches (in its body or in the file's functions it calls). */
  modelCalls: CallSite[];
  /** Hand-written training loops that reach the pass (a validation inside training); empty for a prediction pass. */
  trainingLoops: LoopInfo[];
}

const passCache = new WeakMap<PythonModel, ModelPass[]>();

/** Every validation / prediction pass of the file, innermost loops only. */
export function modelPasses(m: PythonModel): ModelPass[] {
  const cached = passCache.get(m);
  if (cached) return cached;
  const training = m.trainingLoops();
  const candidates: ModelPass[] = [];
  for (const loop of m.loops) {
    if (loop.kind !== 'for' || training.has(loop) || inFrameworkClass(m, loop.fn)) continue;
    const peeled = peelIterable(m, loop);
    if (!peeled) continue;
    if (isDataIterable(m, peeled.loader)) {
      const reach = m.reachableFromLoop(loop);
      const modelCalls = reach.filter((c) => m.isModelCall(c));
      if (!modelCalls.length) continue;
      // the optimizer handed to a call the file cannot read (`loss_scaler(loss, optimizer, ...)`): a training step done elsewhere
      if (reach.some((c) => handsOptimizer(m, c))) continue;
      candidates.push({ loop, data: peeled.loader, modelCalls, trainingLoops: [] });
    } else {
      // `for s in range(0, len(X), BS): model(X[s:s + BS])`: a pass over index ranges of tensors
      const modelCalls = indexRangeModelCalls(m, loop);
      if (modelCalls.length) candidates.push({ loop, data: peeled.loader, modelCalls, trainingLoops: [] });
    }
  }
  // keep the innermost loop of nested passes (`for x in loader` inside `for batch in loader`)
  const candidateLoops = new Set(candidates.map((c) => c.loop));
  const passes = candidates.filter((p) => !m.loopsReachedFrom(p.loop).some((l) => l !== p.loop && candidateLoops.has(l)));
  for (const [loop] of training) {
    const reached = m.loopsReachedFrom(loop);
    for (const p of passes) if (reached.includes(p.loop)) p.trainingLoops.push(loop);
  }
  passCache.set(m, passes);
  return passes;
}

/** A call the file cannot read that is given an optimizer (`loss_scaler(loss, optimizer)`, `train_step(batch, optimizer)`). */
function handsOptimizer(m: PythonModel, c: CallSite): boolean {
  if (m.calleesOf(c).length) return false;
  return [...c.args, ...c.keywords.values()].some((a) => (a.type === 'identifier' || a.type === 'attribute') && m.hasRole(a, 'optimizer'));
}

/**
 * The model calls of a `for i in range(...)` loop that run on slices taken at the loop index
 * (`X[i:i + bs]`, `X[i * bs:(i + 1) * bs]`), directly or through names bound in the loop.
 */
function indexRangeModelCalls(m: PythonModel, loop: LoopInfo): CallSite[] {
  const it = loop.node.childForFieldName('right');
  const target = loop.targetNode;
  if (it?.type !== 'call' || target?.type !== 'identifier') return [];
  const rangeCall = m.callAt(it);
  if (!rangeCall || rangeCall.callee.type !== 'identifier' || rangeCall.callee.text !== 'range' || m.bindingsIn('range', loop.fn).length) return [];
  const body = loop.node.childForFieldName('body');
  if (!body) return [];
  const isIndexSlice = (n: Node) =>
    n.type === 'subscript' &&
    isWithin(n, body) &&
    n.namedChildren.slice(1).some((k) => k.type === 'slice' && m.identifiersIn(k).includes(target.text));
  return m.callsWithin(loop.fn, body.startIndex, body.endIndex).filter((c) => m.isModelCall(c) && c.args.some((a) => derivesFrom(m, a, isIndexSlice)));
}

const FRAMEWORK_BASES = /^(pytorch_lightning\.(LightningModule|core\.LightningModule|core\.module\.LightningModule)|transformers\.\w*Trainer|trl\.\w*Trainer|keras\.(Model|models\.Model)|pytorch_accelerated\.\w*Trainer)$/;

/** Code in a method of a class the framework drives (a LightningModule hook, a Trainer subclass): the framework sets modes and grad. */
function inFrameworkClass(m: PythonModel, fn: FunctionInfo | null): boolean {
  for (let f = fn; f; f = f.parent) {
    if (f.cls && m.localClassDerives(`<local>.${f.cls.name}`, (b) => FRAMEWORK_BASES.test(b))) return true;
  }
  return false;
}

const DATASET_BASES = /^torch\.utils\.data\.(Dataset|IterableDataset|dataset\.Dataset|dataset\.IterableDataset)$/;
const DATA_FACTORIES = /^(torch\.utils\.data\.(TensorDataset|Subset|ConcatDataset|random_split)|timm\.data\.create_loader|torch_geometric\.loader\.\w*DataLoader|monai\.data\.\w*DataLoader|torchvision\.datasets\.\w+|datasets\.load_dataset)$/;

/** A DataLoader, a Dataset (a local subclass or a torch one), or a known loader factory's result. */
export function isDataIterable(m: PythonModel, node: Node): boolean {
  if (m.hasRole(node, 'loader')) return true;
  return m.originsOf(node).some((o) => {
    if (!o.base || o.chain.length) return false;
    if (K.DATALOADER.has(o.base) || DATA_FACTORIES.test(o.base)) return true;
    return m.localClassDerives(o.base, (b) => DATASET_BASES.test(b));
  });
}

// -------------------------------------------------------------------------------------------------
// Gradients

const NO_GRAD = new Set([
  'torch.no_grad',
  'torch.inference_mode',
  'torch.autograd.no_grad',
  'torch.autograd.inference_mode',
  'torch.autograd.grad_mode.no_grad',
  'torch.autograd.grad_mode.inference_mode',
]);
const SET_GRAD = new Set(['torch.set_grad_enabled', 'torch.autograd.set_grad_enabled', 'torch.autograd.grad_mode.set_grad_enabled']);

/** `torch.no_grad()`, `torch.inference_mode()`, `torch.set_grad_enabled(False)` (any alias). */
export function isNoGradExpression(m: PythonModel, v: Node): boolean {
  const callee = v.type === 'call' ? v.childForFieldName('function') : v;
  const q = m.qualify(callee);
  if (!q) return false;
  if (NO_GRAD.has(q)) return true;
  if (SET_GRAD.has(q) && v.type === 'call') {
    const first = v.childForFieldName('arguments')?.namedChildren.find((a) => a.type !== 'comment');
    const value = first?.type === 'keyword_argument' ? first.childForFieldName('value') : first;
    return value?.type === 'false';
  }
  return false;
}

export function isNoGradWith(m: PythonModel, w: WithInfo): boolean {
  return w.items.some((i) => isNoGradExpression(m, i.value));
}

/** `@torch.no_grad()` / `@torch.inference_mode` on the function. */
export function isNoGradDecorated(m: PythonModel, fn: FunctionInfo): boolean {
  const dec = fn.node.parent?.type === 'decorated_definition' ? fn.node.parent : null;
  if (!dec) return false;
  return dec.namedChildren.some((d) => d.type === 'decorator' && d.namedChildren.some((e) => isNoGradExpression(m, e)));
}

function inNoGradWith(m: PythonModel, c: CallSite): boolean {
  return c.withs.some((w) => isNoGradWith(m, w));
}

/** Does every way into `fn` run with gradients off (decorated, or every caller is)? */
function contextNoGrad(m: PythonModel, fn: FunctionInfo | null, depth = 0, seen = new Set<FunctionInfo>()): boolean {
  if (!fn || depth > 8 || seen.has(fn)) return false;
  seen.add(fn);
  if (isNoGradDecorated(m, fn)) return true;
  const callers = m.callersOf(fn);
  return callers.length > 0 && callers.every((c) => inNoGradWith(m, c) || contextNoGrad(m, c.fn, depth + 1, seen));
}

/** Is `torch.set_grad_enabled(False)` called as a statement before `node`, in its function or at module level? */
function gradDisabledBefore(m: PythonModel, node: Node, fn: FunctionInfo | null): boolean {
  // the function's own calls and the module's (not every call of the file, for every pass)
  return [...(fn ? fn.calls : []), ...m.moduleCalls].some(
    (c) =>
      c.node.endIndex <= node.startIndex &&
      c.node.parent?.type === 'expression_statement' &&
      isNoGradExpression(m, c.node) &&
      SET_GRAD.has(c.qualified ?? ''),
  );
}

/** Does every model forward of the pass run with gradients off, on every way the loop reaches it? */
export function passRunsWithoutGrad(m: PythonModel, pass: ModelPass): boolean {
  const loop = pass.loop;
  const base =
    contextNoGrad(m, loop.fn) ||
    m.withBlocks.some((w) => w.fn === loop.fn && isWithin(loop.node, w.body) && isNoGradWith(m, w)) ||
    gradDisabledBefore(m, loop.node, loop.fn);
  const seen = new Set<string>();
  const visit = (calls: CallSite[], covered: boolean, depth: number): boolean => {
    if (depth > 10) return true;
    for (const c of calls) {
      const cov = covered || inNoGradWith(m, c);
      if (m.isModelCall(c) && !cov) return false;
      for (const g of m.calleesOf(c)) {
        const covG = cov || isNoGradDecorated(m, g);
        const key = `${g.node.id}:${covG}`;
        if (seen.has(key)) continue;
        seen.add(key);
        if (!visit(g.calls, covG, depth + 1)) return false;
      }
    }
    return true;
  };
  return visit(loop.calls, base, 0);
}

const GRAD_LIBS = ['captum', 'torchcam', 'pytorch_grad_cam', 'grad_cam'];
const GRAD_CALLS = /^torch\.(autograd\.grad|autograd\.functional\.\w+|enable_grad|autograd\.enable_grad|func\.(grad|vjp|jacrev|jacfwd)\w*)$/;
const GRAD_METHODS = new Set(['requires_grad_', 'retain_grad', 'register_hook', 'register_full_backward_hook', 'register_backward_hook', 'register_full_backward_pre_hook']);

/**
 * Does the pass need gradients on purpose: Grad-CAM / saliency (`torch.autograd.grad`, backward
 * hooks, `requires_grad_` on inputs, `torch.enable_grad`), or the file uses captum / torchcam /
 * pytorch-grad-cam, or registers backward hooks on a model.
 */
export function passNeedsGradients(m: PythonModel, pass: ModelPass): boolean {
  if (GRAD_LIBS.some((lib) => m.importsModule(lib))) return true;
  if (['register_full_backward_hook', 'register_backward_hook', 'register_full_backward_pre_hook'].some((h) => m.callsByMethod(h).length)) return true;
  const reach = m.reachableFromLoop(pass.loop);
  if (reach.some((c) => (c.qualified && GRAD_CALLS.test(c.qualified)) || (c.method !== null && GRAD_METHODS.has(c.method)) || (c.qualified !== null && SET_GRAD.has(c.qualified) && !isNoGradExpression(m, c.node)))) return true;
  return /\.requires_grad\s*=\s*True\b/.test(pass.loop.body.text);
}

// -------------------------------------------------------------------------------------------------
// Train / eval mode

export type Mode = 'eval' | 'train' | 'unknown';

const NOT_A_MODULE = /Trainer$|^(xgboost|lightgbm|catboost|sklearn|gensim|fasttext|spacy)\b|^transformers\.\w*Trainer/;

/** The mode a call sets on a model: `m.eval()`, `m.train()`, `m.train(False)`; null for other calls. */
export function modeSetBy(m: PythonModel, c: CallSite): Mode | null {
  if (!c.receiver || (c.method !== 'eval' && c.method !== 'train')) return null;
  const q = m.qualify(c.receiver);
  if (q && !q.startsWith('<local')) return null; // xgb.train(...), a module function
  if (m.originsOf(c.receiver).some((o) => o.base !== null && NOT_A_MODULE.test(o.base))) return null;
  if (c.method === 'eval') return c.args.length === 0 && c.keywords.size === 0 ? 'eval' : null;
  const arg = c.args[0] ?? c.keywords.get('mode') ?? null;
  if (c.args.length + c.keywords.size > 1) return null;
  if (!arg) return 'train';
  if (arg.type === 'true') return 'train';
  if (arg.type === 'false') return 'eval';
  return 'unknown';
}

const modeCache = new WeakMap<PythonModel, Map<FunctionInfo, Mode | null>>();

/** The mode a function leaves its models in: its last mode-setting call (through the functions it calls), or null. */
function modeAfterFunction(m: PythonModel, fn: FunctionInfo, depth: number, active: Set<FunctionInfo>): Mode | null {
  let cache = modeCache.get(m);
  if (!cache) modeCache.set(m, (cache = new Map()));
  if (cache.has(fn)) return cache.get(fn)!;
  if (depth > 8 || active.has(fn)) return null;
  active.add(fn);
  const mode = lastModeAmong(m, fn.calls, depth, active);
  active.delete(fn);
  cache.set(fn, mode);
  return mode;
}

/** Could the call enter one of the file's own functions? (A cheap name test before resolving it.) */
function mayCallLocal(m: PythonModel, c: CallSite): boolean {
  let names = localNames.get(m);
  if (!names) localNames.set(m, (names = new Set([...m.functions.map((f) => f.name), ...m.classes.keys()])));
  const name = c.callee.type === 'identifier' ? c.callee.text : c.method;
  return !!name && names.has(name);
}
const localNames = new WeakMap<PythonModel, Set<string>>();

/** The mode set by the last mode-setting call among `calls` (in textual order), or null. */
function lastModeAmong(m: PythonModel, calls: CallSite[], depth: number, active: Set<FunctionInfo>): Mode | null {
  const ordered = [...calls].sort((a, b) => b.node.startIndex - a.node.startIndex);
  for (const c of ordered) {
    const direct = modeSetBy(m, c);
    if (direct) return direct;
    if (!mayCallLocal(m, c)) continue;
    for (const g of m.calleesOf(c)) {
      const inner = modeAfterFunction(m, g, depth + 1, active);
      if (inner) return inner;
    }
  }
  return null;
}

/**
 * The mode the model is in when execution reaches `node` in `fn`: the last mode-setting call before
 * it in the function (textual order, through the functions called), else the mode at every call
 * site of `fn` (all must agree, `unknown` otherwise). Null when nothing sets a mode on the way.
 */
export function modeAt(m: PythonModel, node: Node, fn: FunctionInfo | null, depth = 0, seen = new Set<FunctionInfo>()): Mode | null {
  if (depth > 8) return 'unknown';
  const own = fn ? fn.calls : m.moduleCalls;
  const before = own.filter((c) => c.node.endIndex <= node.startIndex);
  const local = lastModeAmong(m, before, 0, new Set());
  if (local) return local;
  if (!fn || seen.has(fn)) return null;
  seen.add(fn);
  const callers = m.callersOf(fn);
  if (!callers.length) return null;
  const modes = callers.map((c) => modeAt(m, c.node, c.fn, depth + 1, new Set(seen)));
  if (modes.every((x) => x === 'eval')) return 'eval';
  if (modes.includes('unknown')) return 'unknown';
  return modes.includes('train') ? 'train' : null;
}

/** Is the model in eval mode when the pass starts (or is eval mode set inside the pass)? `unknown` counts as yes. */
export function passInEvalMode(m: PythonModel, pass: ModelPass): boolean {
  if (m.reachableFromLoop(pass.loop).some((c) => modeSetBy(m, c) === 'eval')) return true;
  const mode = modeAt(m, pass.loop.node, pass.loop.fn);
  return mode === 'eval' || mode === 'unknown';
}

/**
 * How the pass's models are spelled at the loop: the callees of its forward calls in the loop's
 * own function (`model`, `self.model`), and model-valued arguments of the calls through which the
 * loop reaches forward calls elsewhere. Empty when a model cannot be named there.
 */
export function passModelNames(m: PythonModel, pass: ModelPass): string[] {
  return loopModelNames(m, pass.loop, pass.modelCalls);
}

/** How the models of `modelCalls` (reached from `loop`) are spelled at the loop; empty when one cannot be named. */
export function loopModelNames(m: PythonModel, loop: LoopInfo, modelCalls: CallSite[]): string[] {
  const names = new Set<string>();
  for (const c of modelCalls) {
    if (c.fn === loop.fn && isWithin(c.node, loop.body)) {
      const callee = c.method === 'forward' && c.receiver ? c.receiver : c.callee;
      if (!isPlainName(callee)) return [];
      names.add(callee.text);
    }
  }
  const indirect = modelCalls.filter((c) => !(c.fn === loop.fn && isWithin(c.node, loop.body)));
  if (indirect.length) {
    for (const d of loop.calls) {
      if (!m.calleesOf(d).length) continue;
      for (const a of [...d.args, ...d.keywords.values()]) if (isPlainName(a) && m.hasRole(a, 'model')) names.add(a.text);
    }
    if (!names.size) return [];
  }
  return [...names];
}

/** `model`, `self.model`: an expression safe to repeat in a statement. */
export function isPlainName(n: Node): boolean {
  if (n.type === 'identifier') return true;
  if (n.type === 'attribute') return isPlainName(n.childForFieldName('object')!) && !!n.childForFieldName('attribute');
  return false;
}

// -------------------------------------------------------------------------------------------------
// Validation metrics

export type Direction = 'lower' | 'higher';

export interface ValidationMetric {
  /** The name bound to the metric in the epoch loop's scope. */
  name: string;
  direction: Direction;
  /** The statement (directly in the epoch loop's body) after which the metric holds this epoch's value. */
  after: Node;
}

/**
 * The validation metric an epoch loop computes each epoch: a name bound, directly in its body, to
 * what a validation pass returns (`val_loss = validate(model, val_loader)`) or accumulates
 * (`val_loss += loss.item()` in an inline pass), with a known direction: a loss (lower is better)
 * or an accuracy / score (higher is better). Null when there is none.
 */
export function validationMetric(m: PythonModel, epoch: LoopInfo): ValidationMetric | null {
  const passes = modelPasses(m).filter((p) => p.trainingLoops.includes(epoch));
  if (!passes.length) return null;
  const passFns = new Set(passes.map((p) => p.loop.fn).filter((f): f is FunctionInfo => !!f));
  const stmts = epoch.body.namedChildren.filter((s) => s.type !== 'comment');
  for (let i = 0; i < stmts.length; i++) {
    const s = stmts[i];
    const assign = s.type === 'expression_statement' ? s.namedChildren[0] : null;
    // (a) `metric = validate(...)` / `loss, acc = validate(...)`
    if (assign?.type === 'assignment') {
      const right = assign.childForFieldName('right');
      const call = right?.type === 'call' ? m.callAt(right) : undefined;
      if (call && m.calleesOf(call).some((f) => reachesAny(m, f, passFns))) {
        const metric = metricFromCall(m, assign, call);
        if (metric) return { ...metric, after: s };
      }
    }
    // (b) an inline pass: names it accumulates, finished by later statements of the body
    const inline = passes.find((p) => p.loop.fn === epoch.fn && isWithin(p.loop.node, s));
    if (inline) {
      const metric = inlineMetric(m, epoch, stmts, i, inline);
      if (metric) return metric;
    }
  }
  return null;
}

function reachesAny(m: PythonModel, f: FunctionInfo, targets: Set<FunctionInfo>): boolean {
  if (targets.has(f)) return true;
  return m.reachableFromFunction(f).some((c) => c.fn !== null && targets.has(c.fn));
}

function metricFromCall(m: PythonModel, assign: Node, call: CallSite): { name: string; direction: Direction } | null {
  const left = assign.childForFieldName('left');
  const fns = m.calleesOf(call);
  if (!left || fns.length !== 1) return null;
  const fn = fns[0];
  if (left.type === 'identifier') {
    const dirs = fn.returns.filter((r) => r.type !== 'expression_list' && r.type !== 'tuple').map((r) => directionOf(m, r, fn));
    const d = single(dirs);
    return d ? { name: left.text, direction: d } : null;
  }
  if (left.type !== 'pattern_list' && left.type !== 'tuple_pattern') return null;
  const targets = left.namedChildren;
  for (let i = 0; i < targets.length; i++) {
    if (targets[i].type !== 'identifier') continue;
    const dirs = fn.returns.map((r) => {
      const parts = r.type === 'expression_list' || r.type === 'tuple' ? r.namedChildren : [];
      return parts.length === targets.length ? directionOf(m, parts[i], fn) : null;
    });
    const d = single(dirs);
    if (d) return { name: targets[i].text, direction: d };
  }
  return null;
}

function inlineMetric(m: PythonModel, epoch: LoopInfo, stmts: Node[], at: number, pass: ModelPass): ValidationMetric | null {
  const fn = epoch.fn;
  // names bound at the body's top level before the pass (reset each epoch) and accumulated inside it
  const reset = new Set<string>();
  for (const s of stmts.slice(0, at)) for (const n of topLevelNames(s)) reset.add(n);
  const accumulated = [...reset].filter((n) => m.bindingsInScope(n, fn).some((b) => isWithin(b.node, pass.loop.body)));
  // a later top-level statement may finish the value (`val_loss /= len(loader)`, `acc = correct / total`)
  let best: ValidationMetric | null = null;
  for (let j = at + 1; j < stmts.length; j++) {
    for (const n of topLevelNames(stmts[j])) {
      const d = directionOfName(m, n, fn, stmts[j]);
      if (d && m.identifiersIn(stmts[j]).some((id) => accumulated.includes(id))) best = { name: n, direction: d, after: stmts[j] };
    }
    if (best) return best;
  }
  for (const n of accumulated) {
    const d = directionOfName(m, n, fn, null);
    if (d) return { name: n, direction: d, after: stmts[at] };
  }
  return null;
}

/** Names a statement binds at its own level: `x = ...`, `x += ...`, `a, b = ...`. */
function topLevelNames(s: Node): string[] {
  const e = s.type === 'expression_statement' ? s.namedChildren[0] : null;
  if (!e || (e.type !== 'assignment' && e.type !== 'augmented_assignment')) return [];
  const left = e.childForFieldName('left');
  if (!left) return [];
  if (left.type === 'identifier') return [left.text];
  if (left.type === 'pattern_list' || left.type === 'tuple_pattern') return left.namedChildren.filter((c) => c.type === 'identifier').map((c) => c.text);
  return [];
}

function directionOfName(m: PythonModel, name: string, fn: FunctionInfo | null, _at: Node | null): Direction | null {
  const seen = new Set<number>();
  return single(
    m
      .bindingsIn(name, fn)
      .filter((b) => b.fn === fn)
      .map((b) => bindingDirection(m, b.kind, b.value, b.node, fn, 0, seen)),
  );
}

function bindingDirection(m: PythonModel, kind: string, value: Node | null, node: Node, fn: FunctionInfo | null, depth: number, seen: Set<number>): Dir {
  if (seen.has(node.id)) return null;
  seen.add(node.id);
  if (kind === 'assign') return directionIn(m, value, fn, depth + 1, seen);
  if (kind === 'augassign') {
    const op = node.parent?.childForFieldName('operator')?.type;
    return op === '+=' ? directionIn(m, value, fn, depth + 1, seen) : null;
  }
  return null;
}

type Dir = Direction | null | 'conflict';

/** Reduce directions: ignore unknowns, one direction or null (conflicting directions give null). */
function single(ds: Dir[]): Direction | null {
  if (ds.includes('conflict')) return null;
  const set = new Set(ds.filter((d): d is Direction => d === 'lower' || d === 'higher'));
  return set.size === 1 ? [...set][0] : null;
}

const PASS_THROUGH_METHODS = new Set(['item', 'mean', 'sum', 'cpu', 'detach', 'numpy', 'float', 'double', 'tolist', 'cuda', 'to', 'squeeze']);
const PASS_THROUGH_FUNCTIONS = /^(float|int|round|sum|abs|numpy\.(mean|average|sum|array|asarray|float32|float64)|torch\.(mean|sum|tensor|stack|cat)|statistics\.(mean|fmean))$/;

/** Is the value a loss (lower is better) or a score / accuracy (higher is better)? Null when unknown. */
export function directionOf(m: PythonModel, expr: Node | null, fn: FunctionInfo | null): Direction | null {
  return single([directionIn(m, expr, fn, 0, new Set())]);
}

function directionIn(m: PythonModel, expr: Node | null, fn: FunctionInfo | null, depth: number, seen: Set<number>): Dir {
  if (!expr || depth > 12) return null;
  switch (expr.type) {
    case 'parenthesized_expression':
      return directionIn(m, expr.namedChildren[0] ?? null, fn, depth + 1, seen);
    case 'comparison_operator': {
      const ops = expr.children.filter((c) => c && !c.isNamed).map((c) => c!.type);
      return ops.length === 1 && ops[0] === '==' ? 'higher' : null;
    }
    case 'binary_operator': {
      const op = expr.childForFieldName('operator')?.type;
      const left = expr.childForFieldName('left');
      const l = directionIn(m, left, fn, depth + 1, seen);
      if (op === '/' || op === '//') return l;
      const r = directionIn(m, expr.childForFieldName('right'), fn, depth + 1, seen);
      // 1 - accuracy is an error rate
      if (op === '-' && (left?.type === 'integer' || left?.type === 'float')) return r === 'lower' ? 'higher' : r === 'higher' ? 'lower' : r;
      if (op === '+' || op === '*' || op === '-') return combine(l, r);
      return null;
    }
    case 'attribute': {
      // outputs.loss of a Hugging Face model output
      if (expr.childForFieldName('attribute')?.text === 'loss') {
        const obj = expr.childForFieldName('object');
        if (obj && m.originsOf(obj).some((o) => o.chain.includes('__call__') && m.roleOfOrigin({ ...o, chain: [] }) === 'model')) return 'lower';
      }
      return null;
    }
    case 'identifier': {
      const bs = m.bindingsIn(expr.text, fn).filter((b) => b.fn === fn);
      const ds = bs.map((b) => bindingDirection(m, b.kind, b.value, b.node, fn, depth + 1, seen));
      return ds.includes('conflict') ? 'conflict' : single(ds);
    }
    case 'call': {
      const call = m.callAt(expr);
      if (!call) return null;
      if (m.isLossCall(call)) return 'lower';
      const q = call.qualified;
      if (q?.startsWith('sklearn.metrics.')) {
        const name = q.slice('sklearn.metrics.'.length);
        if (/(_loss|_error|_deviance)$/.test(name)) return 'lower';
        if (/(_score|^accuracy|auc|corrcoef|kappa)/.test(name)) return 'higher';
        return null;
      }
      const first = call.args[0] ?? null;
      if (q && PASS_THROUGH_FUNCTIONS.test(q)) return directionIn(m, first, fn, depth + 1, seen);
      if (!q && call.callee.type === 'identifier' && PASS_THROUGH_FUNCTIONS.test(call.callee.text) && !m.bindingsIn(call.callee.text, fn).length) return directionIn(m, first, fn, depth + 1, seen);
      if (call.method && PASS_THROUGH_METHODS.has(call.method) && call.receiver && !m.qualify(call.callee)) return directionIn(m, call.receiver, fn, depth + 1, seen);
      const fns = m.calleesOf(call);
      if (fns.length === 1 && !seen.has(fns[0].node.id)) {
        seen.add(fns[0].node.id);
        const f = fns[0];
        return single(f.returns.map((r) => directionIn(m, r, f, depth + 1, seen)));
      }
      return null;
    }
    default:
      return null;
  }
}

function combine(a: Dir, b: Dir): Dir {
  if (a === 'conflict' || b === 'conflict') return 'conflict';
  if (a && b && a !== b) return 'conflict';
  return a ?? b;
}
