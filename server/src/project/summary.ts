/**
 * A module's summary: what another file needs to know about it, read from its PythonModel with the
 * model's own questions (training steps, roles, origins, autocast blocks, calls), which are only read.
 *
 * Per function (methods as `Class.method`): does it run a training step, use autocast, a GradScaler,
 * report GPU memory, turn gradients off, put a model in eval mode, save a checkpoint; which
 * parameters play which role as far as its body shows; what it returns when that is knowable. Per
 * module: the same facts for its module-level code, its imports, and what `from it import *` binds.
 *
 * A fact is only stated from evidence in the code. A parameter no use of which shows its role has no
 * role; a function whose returns cannot all be read has `returns: null` (unknown), never a guess.
 * A module that fails to parse gets no summary at all (`summarizeText` says why).
 */
import { createHash } from 'crypto';
import type { Node } from '../analysis/parser';
import { parsePython } from '../analysis/parser';
import { limitExceeded } from '../analysis/limits';
import { PythonModel, stringValue, type CallSite, type DeviceKind, type FunctionInfo, type LoopInfo, type Role, type TrainingLoopFacts, type WithInfo } from '../analysis/model';
import * as K from '../analysis/knowledge';
import { isNoGradDecorated, isNoGradExpression, isNoGradWith, modeSetBy } from '../analysis/passes';
import { importsOf, type ImportRef } from './imports';
import { argumentAt } from '../analysis/optim';
import { FACT_KEYS, type FactKey } from './facts';
import { isOpaque, isPrintLike } from '../analysis/reporting';
import { hasBaselineCheck } from '../analysis/losses';
import { stepUnderModulo } from '../analysis/accumulation';

/** A role a parameter can play: the model's roles, and a device. */
type ParamRole = Role | 'device';
/** What a function returns, when every return says the same. */
type ValueKind = ParamRole;

export interface ScopeFacts {
  /** Reaches `.backward()` or an optimizer / scaler step (itself or through the module's own functions it calls). */
  trainingStep: boolean;
  /** Holds (or reaches) a training loop: a loop whose body runs a training step. */
  trainingLoop: boolean;
  autocast: boolean;
  gradScaler: boolean;
  gpuMemoryReport: boolean;
  /** `with torch.no_grad()` / `inference_mode()` / `set_grad_enabled(False)`, or a no-grad decorator. */
  noGrad: boolean;
  /** `model.eval()` (or `.train(False)`) on a module. */
  evalMode: boolean;
  /** `torch.save`, `safetensors` saves, `joblib.dump`, `pickle.dump`. */
  saves: boolean;
  /** Reports progress: `print`, a logger, a progress bar, a tracker (what TG221 counts), or a call into a library that may log. */
  prints: boolean;
  /** Holds (or reaches) a training loop that holds another (an epoch loop around its batch loop, a fold loop). */
  epochLoop: boolean;
  /** Accumulates gradients: an optimizer / scaler step under a `% n` condition, or `accelerator.accumulate(...)` (TG401). */
  accumulates: boolean;
  /**
   * Calls it makes (itself or through the module's own functions it reaches) to names imported from
   * outside the known libraries (`utils.save_on_master`, `.engine.step`), qualified as the module
   * spells them: another module's facts that these facts leave out (facts.ts follows them).
   */
  calls: string[];
}

export interface FunctionSummary extends ScopeFacts {
  /** `train_one_epoch`, `Trainer.fit` (nested functions are not summarised). */
  name: string;
  /** 0-based line of the `def`. */
  line: number;
  params: string[];
  /** Roles the body shows for each parameter (parameters with no evidence are absent). */
  paramRoles: Record<string, ParamRole[]>;
  /** What every return gives; null = unknown (no return, or one that cannot be read). */
  returns: ValueKind[] | null;
  /** The device every return gives (`torch.device("cuda")`, `"cuda" if ... else "cpu"`), when it is one; null otherwise. */
  returnsDevice: Exclude<DeviceKind, 'unknown'> | null;
}

export type ExportBinding =
  | { kind: 'import'; qualified: string }
  /** `devices`: class attributes that name a device (`device: torch.device = torch.device("cuda")` in a config class). */
  | { kind: 'class'; bases: string[]; torchModule: boolean; devices?: Record<string, Exclude<DeviceKind, 'unknown'>> }
  | { kind: 'function' }
  /** `device`: the device a value names (`DEVICE = "cuda"`, `torch.device("cuda" if ... else "cpu")`), when it is one. */
  | { kind: 'value'; role: ParamRole | null; device?: Exclude<DeviceKind, 'unknown'> }
  /** Listed in `__all__` but not bound in the module (or bound in a way not read here). */
  | { kind: 'unknown' };

export interface ModuleSummary {
  /** sha1 of the text the summary was computed from. */
  hash: string;
  imports: ImportRef[];
  functions: FunctionSummary[];
  /** Facts of the code that runs when the module is run or imported (outside any def). */
  moduleLevel: ScopeFacts;
  /** What `from module import *` binds: `__all__` when it is a literal list/tuple of strings, else the public names. */
  exports: Record<string, ExportBinding>;
  /** `__all__` gave the list. */
  exportsFromAll: boolean;
  /** Modules this one re-exports with its own `from x import *` (as written, dots kept for relative ones). */
  starReexports: string[];
  /** Compares a loss with the random baseline ln(num_classes) somewhere (TG205's check). */
  baselineCheck: boolean;
}

export type SummaryResult =
  | { status: 'ok'; summary: ModuleSummary }
  | { status: 'syntax-error' | 'too-large'; reason: string };

export function contentHash(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** Summaries of at most this many functions per module (a generated file holds more; the rest are left out). */
const MAX_FUNCTIONS = 2000;

/** Parses `text` and summarises it (the tree is freed before returning). */
export function summarizeText(text: string): SummaryResult {
  const limit = limitExceeded(text);
  if (limit) return { status: 'too-large', reason: limit.replace(/^Train Guard skipped this file: /, '') };
  let tree;
  try {
    tree = parsePython(text);
  } catch (e) {
    return { status: 'too-large', reason: (e as Error).message.replace(/^Train Guard: /, '') };
  }
  try {
    if (tree.rootNode.hasError) {
      const err = firstError(tree.rootNode as unknown as { hasError: boolean; type: string; isMissing?: boolean; startPosition: { row: number }; children: unknown[] });
      return { status: 'syntax-error', reason: `it has a syntax error${err !== null ? ` (line ${err + 1})` : ''}` };
    }
    const m = new PythonModel(tree, text);
    return { status: 'ok', summary: summarizeModel(m, contentHash(text)) };
  } finally {
    tree.delete();
  }
}

interface RawLike {
  hasError: boolean;
  type: string;
  isMissing?: boolean;
  startPosition: { row: number };
  children: unknown[];
}

function firstError(n: RawLike): number | null {
  if (n.type === 'ERROR' || n.isMissing) return n.startPosition.row;
  for (const c of n.children as RawLike[]) if (c && c.hasError) return firstError(c);
  return n.hasError ? n.startPosition.row : null;
}

/** The summary of a parsed module (read-only use of the model). */
export function summarizeModel(m: PythonModel, hash: string): ModuleSummary {
  const facts = new ScopeFactsOf(m);
  handRolesDown(m, facts);
  const functions: FunctionSummary[] = [];
  for (const fn of m.functions) {
    if (functions.length >= MAX_FUNCTIONS) break;
    // functions and methods not nested in a def: what another module can name
    if (fn.parent) continue;
    const roles = facts.roles(fn);
    functions.push({
      name: fn.cls ? `${fn.cls.name}.${fn.name}` : fn.name,
      line: fn.node.startPosition.row,
      params: [...fn.params],
      ...facts.reaching(fn, fn.calls),
      paramRoles: Object.fromEntries([...roles].map(([p, r]) => [p, [...r].sort()])),
      returns: returnKinds(m, fn, roles),
      returnsDevice: returnedDevice(m, fn),
    });
  }
  const star = exportsOf(m);
  return {
    hash,
    imports: importsOf(m),
    functions,
    moduleLevel: facts.reaching(null, m.moduleCalls),
    exports: star.names,
    exportsFromAll: star.fromAll,
    starReexports: [...m.starImports],
    baselineCheck: hasBaselineCheck(m),
  };
}

/** The methods of a GradScaler (a receiver's role is only asked for these). */
const SCALER_METHODS: ReadonlySet<string> = new Set(['scale', 'unscale_', 'step', 'update', 'get_scale', 'state_dict', 'load_state_dict']);

export { FACT_KEYS, type FactKey };
/** At most this many imported calls are kept per scope. */
const MAX_CALLS = 64;

/**
 * Facts per scope: each function's own facts (its own calls, loops and with-blocks) are computed
 * once; a scope's facts are its own or'ed with those of every function of the module it reaches.
 */
class ScopeFactsOf {
  private readonly own = new Map<FunctionInfo | null, ScopeFacts>();
  private readonly roleMemo = new Map<FunctionInfo, Map<string, Set<ParamRole>>>();
  private readonly withsByFn = new Map<FunctionInfo | null, WithInfo[]>();
  private readonly training: ReadonlyMap<LoopInfo, TrainingLoopFacts>;

  constructor(private readonly m: PythonModel) {
    for (const w of m.withBlocks) {
      const list = this.withsByFn.get(w.fn);
      if (list) list.push(w);
      else this.withsByFn.set(w.fn, [w]);
    }
    this.training = m.trainingLoops();
  }

  roles(fn: FunctionInfo): Map<string, Set<ParamRole>> {
    let r = this.roleMemo.get(fn);
    if (!r) this.roleMemo.set(fn, (r = paramRoles(this.m, fn)));
    return r;
  }

  /** The facts of scope `fn` (null: module level, whose calls are `calls`) and of every function it reaches. */
  reaching(fn: FunctionInfo | null, calls: readonly CallSite[]): ScopeFacts {
    const own = this.ownFacts(fn);
    const out = { ...own, calls: [...own.calls] };
    for (const g of reachedFunctions(this.m, calls)) {
      if (g === fn) continue;
      const f = this.ownFacts(g);
      for (const k of FACT_KEYS) if (f[k]) out[k] = true;
      for (const c of f.calls) if (out.calls.length < MAX_CALLS && !out.calls.includes(c)) out.calls.push(c);
    }
    return out;
  }

  private ownFacts(fn: FunctionInfo | null): ScopeFacts {
    const known = this.own.get(fn);
    if (known) return known;
    const m = this.m;
    const calls = fn ? fn.calls : m.moduleCalls;
    const loops = fn ? fn.loops : m.moduleLoops;
    const withs = this.withsByFn.get(fn) ?? [];
    const roles = fn ? this.roles(fn) : null;
    const paramHas = (node: Node | null, role: ParamRole): boolean => {
      const p = fn && roles ? paramOf(m, fn, node) : null;
      return p !== null && !!roles!.get(p)?.has(role);
    };
    const unknownParamMethod = (c: CallSite): boolean => {
      if (!fn || !roles || !c.method || !c.receiver) return false;
      const p = paramOf(m, fn, c.receiver);
      return p !== null && p !== 'self' && !roles.get(p)?.size && m.rolesOf(c.receiver).size === 0;
    };
    // a step on an optimizer or scaler the body shows as one (a parameter the model cannot follow)
    const paramStep = (c: CallSite) => c.method === 'step' && !!c.receiver && (paramHas(c.receiver, 'optimizer') || paramHas(c.receiver, 'scaler'));
    const facts: ScopeFacts = {
      trainingStep: calls.some((c) => m.isTrainingStep(c) || paramStep(c)),
      trainingLoop: loops.some((l) => this.training.has(l) || m.reachableFromLoop(l).some(paramStep)),
      autocast: withs.some((w) => m.isAutocast(w)),
      gradScaler: calls.some((c) => (c.qualified !== null && K.GRAD_SCALER.has(c.qualified)) || (!!c.receiver && SCALER_METHODS.has(c.method ?? '') && (paramHas(c.receiver, 'scaler') || m.hasRole(c.receiver, 'scaler')))),
      gpuMemoryReport: calls.some((c) => c.qualified !== null && K.GPU_MEMORY_REPORTS.has(c.qualified)),
      noGrad: withs.some((w) => isNoGradWith(m, w)) || (fn !== null && isNoGradDecorated(m, fn)) || calls.some((c) => c.node.parent?.type === 'expression_statement' && isNoGradExpression(m, c.node)),
      evalMode: calls.some((c) => modeSetBy(m, c) === 'eval'),
      saves: calls.some((c) => c.qualified !== null && K.CHECKPOINT_SAVES.has(c.qualified)),
      // a print, a logger, a progress bar (TG221's reporting calls), or a library that may log
      // ... or a method of a parameter whose role the body does not show (a logger, a SummaryWriter handed in)
      prints: calls.some((c) => isPrintLike(m, c) || (isOpaque(c) && !K.isProjectName(c.qualified ?? '')) || unknownParamMethod(c)),
      epochLoop: loops.some((l) => !!this.training.get(l)?.inner.length),
      accumulates: calls.some((c) => (m.isTrainingStep(c) || paramStep(c)) && c.method === 'step' && stepUnderModulo(c, fn?.body ?? m.root)) || withs.some((w) => w.items.some((i) => i.call?.method === 'accumulate')),
      calls: [...new Set(calls.map((c) => c.qualified).filter((q): q is string => q !== null && !q.startsWith('<local') && K.isProjectName(q)))].slice(0, MAX_CALLS),
    };
    this.own.set(fn, facts);
    return facts;
  }
}

/**
 * A parameter passed on to a function of the module plays the role that function's parameter plays
 * (`def train(model, loader, loss_fn, ...)` calling `train_step(model, loader, loss_fn)`, whose body
 * backpropagates `loss_fn(...)`): the roles are handed up to the callers, a few rounds.
 */
function handRolesDown(m: PythonModel, facts: ScopeFactsOf): void {
  const fns = m.functions.filter((f) => !f.parent).slice(0, MAX_FUNCTIONS);
  for (let round = 0; round < 4; round++) {
    let changed = false;
    for (const fn of fns) {
      const roles = facts.roles(fn);
      for (const c of fn.calls) {
        for (const g of m.calleesOf(c)) {
          if (g === fn) continue;
          for (const [gp, rs] of facts.roles(g)) {
            const arg = argumentAt(g, gp, c);
            const q = paramOf(m, fn, arg);
            if (!q) continue;
            const mine = roles.get(q) ?? new Set<ParamRole>();
            for (const r of rs) if (!mine.has(r)) mine.add(r), (changed = true);
            roles.set(q, mine);
          }
        }
      }
    }
    if (!changed) break;
  }
}

/** The module's own functions `calls` enter, transitively. */
function reachedFunctions(m: PythonModel, calls: readonly CallSite[]): Set<FunctionInfo> {
  const out = new Set<FunctionInfo>();
  const stack: FunctionInfo[] = [];
  for (const c of calls) for (const g of m.calleesOf(c)) if (!out.has(g)) out.add(g), stack.push(g);
  while (stack.length) {
    const f = stack.pop()!;
    for (const c of f.calls) for (const g of m.calleesOf(c)) if (!out.has(g)) out.add(g), stack.push(g);
  }
  return out;
}

/** The parameter a node reads, when it is a bare name bound (only) as a parameter of `fn`. */
function paramOf(m: PythonModel, fn: FunctionInfo, node: Node | null): string | null {
  if (!node || node.type !== 'identifier') return null;
  const bs = m.bindingsIn(node.text, fn);
  return bs.length === 1 && bs[0].kind === 'param' && bs[0].fn === fn ? node.text : null;
}

/** The expression a call's result is read from as a value: through `(...)` and `x / n`. */
function bareValue(n: Node): Node {
  let v = n;
  while (v.parent && (v.parent.type === 'parenthesized_expression' || (v.parent.type === 'binary_operator' && v.parent.childForFieldName('left')?.id === v.id))) v = v.parent;
  return v;
}

/** The name a call's result is assigned to (`loss = crit(out, y)`, `loss = crit(out, y) / n`), or null. */
function assignedName(n: Node): string | null {
  const v = bareValue(n);
  const a = v.parent;
  if (a?.type !== 'assignment' || a.childForFieldName('right')?.id !== v.id) return null;
  const left = a.childForFieldName('left');
  return left?.type === 'identifier' ? left.text : null;
}

/**
 * Roles of `fn`'s parameters from what its body does with them (and from the model's roles, which
 * come from defaults and the module's own call sites):
 *   model      `p.train()` / `p.eval()` (a module's mode), `p.parameters()`, `p.named_parameters()`
 *   optimizer  `p.zero_grad()` and `p.step()` with no argument, on a parameter that is not a model;
 *              `p.param_groups`; passed to a scaler's `step` / `unscale_`
 *   scaler     `p.scale(x)` and `p.update()`
 *   loss       `v = p(...)` (or `p(...) / n`) and `.backward()` on an expression reading `v`, or on `p(...)` itself
 *   loader     iterated (directly or through `enumerate` / `tqdm` / `zip`...) by a loop that runs a training step or calls a model parameter
 *   device     `x.to(p)`, `x.cuda(p)`, `device=p`
 */
function paramRoles(m: PythonModel, fn: FunctionInfo): Map<string, Set<ParamRole>> {
  const out = new Map<string, Set<ParamRole>>();
  const add = (p: string | null, r: ParamRole) => {
    if (!p) return;
    const s = out.get(p) ?? new Set<ParamRole>();
    s.add(r);
    out.set(p, s);
  };
  const methods = new Map<string, Map<string, CallSite[]>>();
  for (const c of fn.calls) {
    const p = paramOf(m, fn, c.receiver);
    if (p && c.method) {
      const byMethod = methods.get(p) ?? new Map<string, CallSite[]>();
      byMethod.set(c.method, [...(byMethod.get(c.method) ?? []), c]);
      methods.set(p, byMethod);
    }
  }
  const isModel = (p: string) => {
    const ms = methods.get(p);
    return !!ms && ((ms.get('eval') ?? []).some((c) => modeSetBy(m, c) !== null) || (ms.get('train') ?? []).some((c) => modeSetBy(m, c) !== null) || ms.has('parameters') || ms.has('named_parameters'));
  };
  for (const [p, ms] of methods) {
    if (isModel(p)) add(p, 'model');
    if (ms.has('scale') && ms.has('update')) add(p, 'scaler');
    else if (!isModel(p) && ms.has('zero_grad') && (ms.get('step') ?? []).some((c) => c.args.length === 0 && c.keywords.size === 0)) add(p, 'optimizer');
  }
  for (const c of fn.calls) {
    // a scaler's step / unscale_ takes the optimizer
    if ((c.method === 'step' || c.method === 'unscale_') && c.receiver && c.args.length === 1) {
      const rp = paramOf(m, fn, c.receiver);
      if ((rp && out.get(rp)?.has('scaler')) || m.hasRole(c.receiver, 'scaler')) add(paramOf(m, fn, c.args[0]), 'optimizer');
    }
    // devices
    if ((c.method === 'to' || c.method === 'cuda') && c.args.length >= 1) add(paramOf(m, fn, c.args[0]), 'device');
    const dk = c.keywords.get('device');
    if (dk) add(paramOf(m, fn, dk), 'device');
  }
  // p.param_groups
  for (const n of attributesOf(fn.body)) {
    if (n.childForFieldName('attribute')?.text === 'param_groups' && m.functionAt(n) === fn) add(paramOf(m, fn, n.childForFieldName('object')), 'optimizer');
  }
  // criterion: its result is what backward() is called on
  const backwardReceivers = fn.calls.filter((c) => c.method === 'backward' && c.receiver).map((c) => c.receiver!);
  for (const c of fn.calls) {
    const p = paramOf(m, fn, c.callee);
    if (!p || out.get(p)?.has('model')) continue;
    const name = assignedName(c.node);
    const direct = backwardReceivers.some((r) => r.startIndex <= c.node.startIndex && c.node.endIndex <= r.endIndex);
    const viaName = name !== null && backwardReceivers.some((r) => m.identifiersIn(r).includes(name) && r.startIndex > c.node.endIndex);
    if (direct || viaName) add(p, 'loss');
  }
  // model: called, and what it gives goes into the loss (`loss = crit(p(x), y)`, `out = p(x); crit(out, y)`)
  const called = fn.calls.filter((c) => {
    const p = paramOf(m, fn, c.callee);
    return p !== null && !out.get(p)?.has('loss');
  });
  // (the loss calls are only looked for when a parameter is called)
  const lossCalls = called.length
    ? fn.calls.filter((c) => {
        const cp = paramOf(m, fn, c.callee);
        return (cp !== null && !!out.get(cp)?.has('loss')) || (c.args.length > 0 && m.isLossCall(c));
      })
    : [];
  for (const c of called) {
    const p = paramOf(m, fn, c.callee)!;
    const name = assignedName(c.node);
    const fedToLoss = lossCalls.some((l) =>
      l.args.some((a) => {
        const v = a;
        if (v.startIndex <= c.node.startIndex && c.node.endIndex <= v.endIndex) return true;
        return name !== null && v.startIndex > c.node.endIndex && m.identifiersIn(v).includes(name);
      }),
    );
    if (fedToLoss) add(p, 'model');
  }
  // loaders: the iterable of a loop that trains or calls a model parameter
  const modelParams = new Set([...out].filter(([, r]) => r.has('model')).map(([p]) => p));
  for (const loop of fn.loops) {
    if (loop.kind !== 'for' || !loop.iter) continue;
    const p = iteratedParam(m, fn, loop.iter);
    if (!p) continue;
    const body = m.reachableFromLoop(loop);
    const trains = body.some((c) => m.isTrainingStep(c) || (c.method === 'step' && !!c.receiver && !!out.get(paramOf(m, fn, c.receiver) ?? '')?.has('optimizer')));
    const callsModel = body.some((c) => {
      const cp = paramOf(m, fn, c.callee);
      return (cp !== null && modelParams.has(cp)) || m.isModelCall(c);
    });
    if (trains || callsModel) add(p, 'loader');
  }
  // what the model already knows (parameter defaults, the module's own call sites)
  const params = new Set(fn.params);
  const firstRead = new Map<string, Node>();
  for (const n of fn.body.descendantsOfType('identifier')) if (params.has(n.text) && !firstRead.has(n.text) && m.functionAt(n) === fn && paramOf(m, fn, n) === n.text) firstRead.set(n.text, n);
  for (const [p, n] of firstRead) for (const r of m.rolesOf(n)) add(p, r);
  return out;
}

function attributesOf(n: Node): Node[] {
  return n.descendantsOfType('attribute');
}

const WRAPPERS = /^(enumerate|zip|iter|tqdm\.(auto\.|notebook\.)?tqdm|tqdm\.auto\.tqdm)$/;

/** The parameter a loop iterates: `p`, `enumerate(p)`, `tqdm(p)`, `zip(p, q)` (the first parameter found). */
function iteratedParam(m: PythonModel, fn: FunctionInfo, iter: Node, depth = 0): string | null {
  const p = paramOf(m, fn, iter);
  if (p || depth > 3) return p;
  if (iter.type !== 'call') return null;
  const callee = iter.childForFieldName('function');
  const builtin = callee?.type === 'identifier' && m.bindingsIn(callee.text, fn).length === 0 && !m.imports.has(callee.text) ? callee.text : null;
  const q = builtin ?? m.qualify(callee);
  if (!q || !WRAPPERS.test(q)) return null;
  for (const a of iter.childForFieldName('arguments')?.namedChildren ?? []) {
    const found = iteratedParam(m, fn, a, depth + 1);
    if (found) return found;
  }
  return null;
}

function kindOfValue(m: PythonModel, fn: FunctionInfo, expr: Node, roles: Map<string, Set<ParamRole>>): ValueKind | null {
  const p = paramOf(m, fn, expr);
  if (p) {
    const r = roles.get(p);
    return r && r.size === 1 ? [...r][0] : null;
  }
  const rs = m.rolesOf(expr);
  if (rs.size === 1) return [...rs][0];
  if (rs.size > 1) return null;
  const device = m.deviceOf(expr);
  if (device !== 'unknown') return 'device';
  const origins = m.originsOf(expr);
  if (origins.length && origins.every((o) => o.base === 'torch.device' && o.chain.length === 0)) return 'device';
  return null;
}

function returnedDevice(m: PythonModel, fn: FunctionInfo): Exclude<DeviceKind, 'unknown'> | null {
  const values = fn.returns.filter((r) => m.functionAt(r) === fn);
  if (!values.length) return null;
  const kinds = new Set(values.map((v) => m.deviceOf(v)));
  if (kinds.has('unknown')) return null;
  if (kinds.has('cuda') || kinds.has('maybe-cuda')) return kinds.size === 1 && kinds.has('cuda') ? 'cuda' : 'maybe-cuda';
  return 'cpu';
}

function returnKinds(m: PythonModel, fn: FunctionInfo, roles: Map<string, Set<ParamRole>>): ValueKind[] | null {
  // the function's own returns (fn.returns), not those of nested defs
  const values = fn.returns.filter((r) => m.functionAt(r) === fn);
  if (!values.length) return null;
  const kinds = new Set<ValueKind>();
  for (const v of values) {
    const k = kindOfValue(m, fn, v, roles);
    if (!k) return null;
    kinds.add(k);
  }
  return [...kinds].sort();
}

/** `__all__` (a literal list or tuple of strings at module level), else the public names bound at module level. */
function exportsOf(m: PythonModel): { names: Record<string, ExportBinding>; fromAll: boolean } {
  const all = literalAll(m);
  const names = all ?? [...m.bindings.keys()].filter((n) => !n.startsWith('_') && !n.includes('.') && m.bindingsInScope(n, null).length > 0);
  const out: Record<string, ExportBinding> = {};
  for (const name of names) out[name] = exportBinding(m, name);
  return { names: out, fromAll: all !== null };
}

function literalAll(m: PythonModel): string[] | null {
  const bs = m.bindingsInScope('__all__', null);
  if (bs.length !== 1 || bs[0].kind !== 'assign' || !bs[0].value) return null;
  const v = bs[0].value;
  if (v.type !== 'list' && v.type !== 'tuple') return null;
  const out: string[] = [];
  for (const el of v.namedChildren) {
    if (el.type === 'comment') continue;
    const s = stringValue(el);
    if (s === null) return null;
    out.push(s);
  }
  return out;
}

/** Class-level assignments whose value is a device (`device = "cuda"`, `device: torch.device = torch.device("cuda")`). */
function classDevices(m: PythonModel, cls: Node): Record<string, Exclude<DeviceKind, 'unknown'>> | null {
  let out: Record<string, Exclude<DeviceKind, 'unknown'>> | null = null;
  for (const st of cls.childForFieldName('body')?.namedChildren ?? []) {
    const a = st.type === 'expression_statement' ? st.namedChildren[0] : null;
    if (a?.type !== 'assignment') continue;
    const left = a.childForFieldName('left');
    const right = a.childForFieldName('right');
    if (left?.type !== 'identifier' || !right) continue;
    const d = m.deviceOf(right);
    if (d !== 'unknown') (out ??= {})[left.text] = d;
  }
  return out;
}

function exportBinding(m: PythonModel, name: string): ExportBinding {
  const bs = m.bindingsInScope(name, null);
  if (!bs.length) return { kind: 'unknown' };
  const kinds = new Set(bs.map((b) => b.kind));
  if (kinds.size !== 1) return { kind: 'unknown' };
  const b = bs[bs.length - 1];
  switch (b.kind) {
    case 'import': {
      const q = m.imports.get(name);
      return q ? { kind: 'import', qualified: q } : { kind: 'unknown' };
    }
    case 'class': {
      const cls = m.classes.get(name);
      if (!cls) return { kind: 'unknown' };
      const devices = classDevices(m, cls.node);
      return { kind: 'class', bases: [...cls.bases], torchModule: m.isLocalTorchModule(`<local>.${name}`), ...(devices ? { devices } : {}) };
    }
    case 'def':
      return { kind: 'function' };
    case 'assign': {
      if (bs.length !== 1) return { kind: 'value', role: null };
      const rs = m.rolesOf(b.node);
      if (rs.size) return { kind: 'value', role: rs.size === 1 ? [...rs][0] : null };
      const device = b.value ? m.deviceOf(b.value) : 'unknown';
      return device === 'unknown' ? { kind: 'value', role: null } : { kind: 'value', role: 'device', device };
    }
    default:
      return { kind: 'unknown' };
  }
}
