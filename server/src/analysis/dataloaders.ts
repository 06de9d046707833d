/**
 * DataLoaders and what they are used for, decided by the code that consumes them (never by their
 * variable names): iterated by a hand-written training loop (train), by a loop that runs the model
 * without a training step (an evaluation / prediction pass), by `next(iter(...))` (a smoke test),
 * handed to a framework (Lightning `trainer.fit(model, train, val)`, `trainer.predict`, a
 * DataModule's `val_dataloader()`, fastai `DataLoaders(train, valid)`), or built from test data.
 *
 * A DataLoader built in a factory function (`def make_loader(ds, shuffle): return DataLoader(...)`)
 * is one call with several uses: each use carries the context (the factory's call site), so its
 * arguments resolve to what that caller passed.
 */
import type { Node } from './parser';
import type { CallSite, FunctionInfo, LoopInfo, PythonModel } from './model';
import { isLibraryModule, isWithin } from './model';
import * as K from './knowledge';
import type { Context, Source } from './flow';
import { sources, resolveValues, constantValue, pathTemplates, flowOptions, PyMapping, type Resolved } from './config-values';
import { peelIterable } from './training';
import { isNoGradWith } from './passes';
import { isFoldIndexName } from './splits';
import { argumentAt, reachingBindings, valueSources } from './flow';

/** `torch.utils.data.DataLoader`'s parameters in positional order. */
export const DATALOADER_PARAMS = [
  'dataset',
  'batch_size',
  'shuffle',
  'sampler',
  'batch_sampler',
  'num_workers',
  'collate_fn',
  'pin_memory',
  'drop_last',
  'timeout',
  'worker_init_fn',
  'multiprocessing_context',
  'generator',
];

export type LoaderUseKind = 'train' | 'eval' | 'smoke' | 'framework-train' | 'framework-eval' | 'framework-predict' | 'other';

export interface LoaderUse {
  kind: LoaderUseKind;
  /** The loop, call or return statement that consumes the loader. */
  node: Node;
  /** The context in which the DataLoader call was reached (factory call sites, innermost last). */
  context: Context;
  loop?: LoopInfo;
}

export interface LoaderInfo {
  call: CallSite;
  /** DataLoader parameter -> argument (keywords, positional arguments, entries of a resolvable `**kwargs`). */
  args: Map<string, Node>;
  /** A `*args` / `**kwargs` that cannot be resolved: any parameter may be set. */
  opaque: boolean;
  uses: LoaderUse[];
}

const CACHE = new WeakMap<PythonModel, LoaderInfo[]>();

export function isDataLoaderCall(call: CallSite): boolean {
  return !!call.qualified && K.DATALOADER.has(call.qualified);
}

/** Every `DataLoader(...)` construction with its uses. */
export function dataLoaders(m: PythonModel): LoaderInfo[] {
  const cached = CACHE.get(m);
  if (cached) return cached;
  const infos = new Map<number, LoaderInfo>();
  for (const call of m.calls) if (isDataLoaderCall(call)) infos.set(call.node.id, describe(m, call));
  const add = (src: Source, use: Omit<LoaderUse, 'context'>) => {
    const info = infos.get(src.node.id);
    if (!info) return;
    if (info.uses.some((u) => u.node.id === use.node.id && u.kind === use.kind && sameContext(u.context, src.context))) return;
    info.uses.push({ ...use, context: src.context });
  };
  if (infos.size) {
    for (const loop of m.loops) {
      if (loop.kind !== 'for') continue;
      const peeled = peelIterable(m, loop);
      if (!peeled) continue;
      const leaves = loaderSources(m, peeled.loader, []);
      if (!leaves.some((l) => infos.has(l.node.id))) continue;
      const kind = classifyLoop(m, loop);
      for (const l of leaves) add(l, { kind, node: loop.node, loop });
    }
    for (const call of m.calls) {
      // next(iter(loader)) / iter(loader): a one-batch look
      if (call.callee.type === 'identifier' && call.callee.text === 'iter' && !m.bindingsIn('iter', call.fn).length && call.args[0]) {
        // inside a training loop that runs many steps (`for step in range(2000): xb, yb = next(iter(loader))`) it trains
        const loop = call.loops[call.loops.length - 1];
        const training = !!loop && loop.fn === call.fn && m.trainingLoops().has(loop) && !isOneShot(loop) && !m.withBlocks.some((w) => isWithin(call.node, w.body) && isNoGradWith(m, w));
        for (const l of loaderSources(m, call.args[0], [])) add(l, training ? { kind: 'train', node: call.node, loop } : { kind: 'smoke', node: call.node });
      }
      // a loader handed to a training step the file cannot read (`train_one_epoch(model, loader, opt)`): it trains
      if (m.isDelegatedStep(call)) {
        const loop = call.loops[call.loops.length - 1];
        for (const a of [...call.args, ...call.keywords.values()]) for (const l of loaderSources(m, a, [])) add(l, { kind: 'train', node: call.node, loop });
      }
      for (const [arg, kind] of frameworkArguments(m, call)) {
        for (const l of loaderSources(m, arg, [])) add(l, { kind, node: call.node });
      }
    }
    for (const [fn, kind] of lightningLoaderMethods(m)) {
      for (const r of fn.returns) for (const l of loaderSources(m, r, [])) add(l, { kind, node: r });
    }
  }
  const out = [...infos.values()];
  CACHE.set(m, out);
  return out;
}

function sameContext(a: Context, b: Context): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function describe(m: PythonModel, call: CallSite): LoaderInfo {
  const args = new Map<string, Node>();
  let opaque = false;
  let pos = 0;
  for (const a of call.args) {
    if (a.type === 'list_splat') {
      opaque = true;
      break;
    }
    if (pos < DATALOADER_PARAMS.length) args.set(DATALOADER_PARAMS[pos], a);
    pos++;
  }
  for (const a of call.node.childForFieldName('arguments')?.namedChildren ?? []) {
    if (a.type !== 'dictionary_splat') continue;
    const leaves = sources(m, a.namedChildren[0] ?? null);
    const dict = leaves.length === 1 ? leaves[0].node : null;
    if (dict?.type === 'dictionary' && dict.namedChildren.every((p) => p.type === 'pair' || p.type === 'comment')) {
      for (const p of dict.namedChildren) {
        if (p.type !== 'pair') continue;
        const k = constantValue(m, p.childForFieldName('key'));
        const v = p.childForFieldName('value');
        if (typeof k === 'string' && v) args.set(k, v);
      }
      // `kwargs.update(accel_kwargs)` before the call (also in a branch): those entries may be passed too
      const named = a.namedChildren[0];
      if (named?.type === 'identifier' && !updatedEntries(m, named, call, args)) opaque = true;
    } else if (dict?.type === 'call' && m.callAt(dict)?.callee.text === 'dict' && !m.callAt(dict)!.args.length) {
      for (const [k, v] of m.callAt(dict)!.keywords) args.set(k, v);
    } else opaque = true;
  }
  for (const [k, v] of call.keywords) args.set(k, v);
  return { call, args, opaque, uses: [] };
}

/**
 * The entries `name.update({...})` / `name.update(other)` / `name.update(k=v)` add to the kwargs dict
 * splatted into `call` (updates of the same variable made before the call). False when an update
 * cannot be read (its entries are then unknown).
 */
function updatedEntries(m: PythonModel, name: Node, call: CallSite, args: Map<string, Node>): boolean {
  const reaching = new Set(reachingBindings(m, name));
  if (!reaching.size) return true;
  for (const u of m.callsByMethods(['update'])) {
    if (u.receiver?.type !== 'identifier' || u.receiver.text !== name.text || u.node.startIndex > call.node.startIndex) continue;
    if (!reachingBindings(m, u.receiver).some((b) => reaching.has(b))) continue;
    for (const [k, v] of u.keywords) args.set(k, v);
    if (!u.args.length) continue;
    const leaves = u.args.length === 1 ? sources(m, u.args[0]) : [];
    const d = leaves.length === 1 ? leaves[0].node : null;
    if (d?.type !== 'dictionary' || !d.namedChildren.every((p) => p.type === 'pair' || p.type === 'comment')) return false;
    for (const p of d.namedChildren) {
      if (p.type !== 'pair') continue;
      const k = constantValue(m, p.childForFieldName('key'));
      const v = p.childForFieldName('value');
      if (typeof k !== 'string' || !v) return false;
      args.set(k, v);
    }
  }
  return true;
}

/** The DataLoader calls (and other leaves) an expression may be: through `accelerator.prepare`, factories, parameters. */
export function loaderSources(m: PythonModel, expr: Node | null, ctx: Context): Source[] {
  const out: Source[] = [];
  for (const s of sources(m, expr, ctx)) {
    // a list of loaders (`val_dataloaders=[a, b]`; a loop over `(train_dl, valid_dl)` or a bare `train_dl,`
    // uses each of them in its body)
    if (s.node.type === 'list' || s.node.type === 'tuple' || s.node.type === 'expression_list') {
      for (const el of s.node.namedChildren) if (el.type !== 'comment') out.push(...sources(m, el, s.context));
    } else out.push(s);
  }
  return out;
}

/** Does a loop body break out directly (a one-batch smoke test)? */
export function isOneShot(loop: LoopInfo): boolean {
  return loop.body.namedChildren.some((c) => c.type === 'break_statement');
}

function classifyLoop(m: PythonModel, loop: LoopInfo): LoaderUseKind {
  if (m.trainingLoops().has(loop)) return isOneShot(loop) ? 'smoke' : 'train';
  if (m.reachableFromLoop(loop).some((c) => isForwardPass(m, c))) return 'eval';
  return 'other';
}

const LOADED_MODELS = new Set(['torch.load', 'torch.jit.load', 'torch.jit.script', 'keras.models.load_model']);
const MODEL_CHAIN = new Set(['to', 'cuda', 'eval', 'float', 'half', 'train']);

/** A model's forward pass: a model the model layer recognises, or a whole model loaded from disk (`torch.load('model.pt').cuda()`). */
export function isForwardPass(m: PythonModel, c: CallSite): boolean {
  if (m.isModelCall(c)) return true;
  if (c.callee.type !== 'identifier' && c.callee.type !== 'attribute') return false;
  if (c.callee.type === 'attribute' && (m.qualify(c.callee) || c.method !== 'forward')) return false;
  const target = c.callee.type === 'attribute' ? c.receiver : c.callee;
  return m.originsOf(target).some((o) => !!o.base && LOADED_MODELS.has(o.base) && o.chain.every((x) => MODEL_CHAIN.has(x)));
}

const LIGHTNING_TRAINER = /^pytorch_lightning\.(Trainer|trainer\.Trainer|trainer\.trainer\.Trainer)$/;

/** Loaders handed to a framework: Lightning Trainer methods, fastai DataLoaders. */
function frameworkArguments(m: PythonModel, call: CallSite): [Node, LoaderUseKind][] {
  const out: [Node, LoaderUseKind][] = [];
  if (call.method && call.receiver && ['fit', 'validate', 'test', 'predict'].includes(call.method)) {
    if (!m.originsOf(call.receiver).some((o) => o.base && LIGHTNING_TRAINER.test(o.base) && o.chain.length === 0)) return projectTrainerFit(m, call) ? projectTrainerArguments(call) : out;
    const kw = (names: string[]) => names.map((n) => call.keywords.get(n)).find((x) => x) ?? null;
    if (call.method === 'fit') {
      const train = kw(['train_dataloaders', 'train_dataloader']) ?? call.args[1] ?? null;
      const val = kw(['val_dataloaders', 'val_dataloader']) ?? call.args[2] ?? null;
      if (train) out.push([train, 'framework-train']);
      if (val) out.push([val, 'framework-eval']);
    } else {
      const loaders = kw(['dataloaders', 'val_dataloaders', 'test_dataloaders']) ?? call.args[1] ?? null;
      if (loaders) out.push([loaders, call.method === 'predict' ? 'framework-predict' : 'framework-eval']);
    }
    return out;
  }
  if (call.qualified && /^fastai\..*DataLoaders$/.test(call.qualified)) {
    if (call.args[0]) out.push([call.args[0], 'framework-train']);
    for (const a of call.args.slice(1)) out.push([a, 'framework-eval']);
  }
  return out;
}

/**
 * `runner.fit(model, train_dl, val_dl)` on an instance of a project's own trainer (a class imported
 * from a project module the file cannot read, wrapping Lightning or Hugging Face): the framework
 * convention names the validation loader, when the model comes first and both loaders are
 * DataLoaders built in the file. A class of the file itself is read instead (its loops are judged).
 */
function projectTrainerFit(m: PythonModel, call: CallSite): boolean {
  if (call.method !== 'fit' || !call.receiver || m.calleesOf(call).length) return false;
  const project = m.originsOf(call.receiver).some((o) => !!o.base && o.chain.length === 0 && !o.base.startsWith('<') && !isLibraryModule(o.base));
  if (!project) return false;
  const isLoader = (n: Node | undefined) => !!n && loaderSources(m, n, []).some((l) => l.node.type === 'call' && isLoaderCallNode(m, l.node));
  return !isLoader(call.args[0]) && isLoader(call.args[1]) && (isLoader(call.args[2]) || isLoader(call.keywords.get('val_dataloaders')));
}

function projectTrainerArguments(call: CallSite): [Node, LoaderUseKind][] {
  const out: [Node, LoaderUseKind][] = [[call.args[1], 'framework-train']];
  const val = call.keywords.get('val_dataloaders') ?? call.args[2];
  if (val) out.push([val, 'framework-eval']);
  return out;
}

function isLoaderCallNode(m: PythonModel, n: Node): boolean {
  const c = m.callAt(n);
  return !!c && isDataLoaderCall(c);
}

const LIGHTNING_CLASS = /^pytorch_lightning\.(LightningDataModule|LightningModule|core\.(datamodule\.)?LightningDataModule|core\.(module\.)?LightningModule)$/;

/** `train_dataloader()` / `val_dataloader()` / ... methods of Lightning modules and data modules. */
function lightningLoaderMethods(m: PythonModel): [FunctionInfo, LoaderUseKind][] {
  const out: [FunctionInfo, LoaderUseKind][] = [];
  for (const cls of m.classes.values()) {
    if (!m.localClassDerives(`<local>.${cls.name}`, (b) => LIGHTNING_CLASS.test(b))) continue;
    for (const [name, fn] of cls.methods) {
      if (name === 'train_dataloader') out.push([fn, 'framework-train']);
      else if (name === 'val_dataloader' || name === 'test_dataloader') out.push([fn, 'framework-eval']);
      else if (name === 'predict_dataloader') out.push([fn, 'framework-predict']);
    }
  }
  return out;
}

// -------------------------------------------------------------------------------------------------
// Queries rules ask

/** The argument node for a DataLoader parameter (null when not given). */
export function loaderArg(info: LoaderInfo, name: string): Node | null {
  return info.args.get(name) ?? null;
}

/** Every value a DataLoader parameter may have in the loader's uses (null when unknown on some path). */
export function loaderArgValues(m: PythonModel, info: LoaderInfo, name: string, uses: LoaderUse[] = info.uses): Resolved[] | null {
  const arg = loaderArg(info, name);
  if (!arg) return null;
  const contexts = uses.length ? uses.map((u) => u.context) : [[]];
  const out: Resolved[] = [];
  for (const ctx of contexts) {
    const v = resolveValues(m, arg, ctx);
    if (!v) return null;
    out.push(...v);
  }
  return out;
}

export function trainUses(info: LoaderInfo): LoaderUse[] {
  return info.uses.filter((u) => u.kind === 'train');
}

/** Hand-written training use or framework training use. */
export function isTrainingLoader(info: LoaderInfo): boolean {
  return info.uses.some((u) => u.kind === 'train' || u.kind === 'framework-train');
}

/** Uses that evaluate or predict (hand-written or framework). */
export function evalUses(info: LoaderInfo): LoaderUse[] {
  return info.uses.filter((u) => u.kind === 'eval' || u.kind === 'framework-eval' || u.kind === 'framework-predict');
}

/** The datasets a loader reads in a context (through `Subset`, `random_split`, `ConcatDataset`). */
export function datasetSources(m: PythonModel, info: LoaderInfo, ctx: Context): Source[] {
  const ds = loaderArg(info, 'dataset');
  return ds ? datasetLeaves(m, ds, ctx, 0) : [];
}

const DATASET_WRAPPERS = new Set(['torch.utils.data.Subset', 'torch.utils.data.dataset.Subset', 'torch.utils.data.random_split', 'torch.utils.data.dataset.random_split']);
const DATASET_CONCAT = new Set(['torch.utils.data.ConcatDataset', 'torch.utils.data.dataset.ConcatDataset']);

export function datasetLeaves(m: PythonModel, expr: Node, ctx: Context, depth: number): Source[] {
  if (depth > 4) return [];
  const out: Source[] = [];
  for (const s of sources(m, expr, ctx)) {
    const call = s.node.type === 'call' ? m.callAt(s.node) : undefined;
    if (call?.qualified && DATASET_WRAPPERS.has(call.qualified)) {
      const inner = call.keywords.get('dataset') ?? call.args[0];
      if (inner) out.push(...datasetLeaves(m, inner, s.context, depth + 1));
      continue;
    }
    if (call?.qualified && DATASET_CONCAT.has(call.qualified)) {
      const list = call.keywords.get('datasets') ?? call.args[0];
      for (const l of list ? sources(m, list, s.context) : []) {
        for (const el of l.node.type === 'list' || l.node.type === 'tuple' ? l.node.namedChildren : [l.node]) {
          if (el.type !== 'comment') out.push(...datasetLeaves(m, el, l.context, depth + 1));
        }
      }
      continue;
    }
    // a subscript of a dataset (`ds[idx]`) is not a dataset: keep only the leaf as is
    out.push(s);
  }
  return out;
}

/**
 * Path strings a dataset is built from (file names read by the calls that build it, followed
 * through its arguments): `ImageDataset(test_df)` with `test_df = pd.read_csv('.../test.csv')`.
 */
export function dataPaths(m: PythonModel, expr: Node, ctx: Context, depth = 0, seen = new Set<number>()): string[] {
  if (depth > 5 || seen.size > 200) return [];
  const out: string[] = [];
  for (const s of sources(m, expr, ctx)) {
    if (seen.has(s.node.id)) continue;
    seen.add(s.node.id);
    const n = s.node;
    if (n.type === 'string' || n.type === 'concatenated_string') {
      out.push(...(pathTemplates(m, n, s.context) ?? []));
      continue;
    }
    if (n.type === 'call') {
      const call = m.callAt(n);
      if (!call) continue;
      const t = pathTemplates(m, n, s.context);
      if (t && call.qualified && /^(os\.path\.join|pathlib\.)/.test(call.qualified)) {
        out.push(...t);
        continue;
      }
      for (const a of [...call.args, ...call.keywords.values()]) out.push(...dataPaths(m, a, s.context, depth + 1, seen));
      if (call.receiver) out.push(...dataPaths(m, call.receiver, s.context, depth + 1, seen));
      continue;
    }
    if (n.type === 'subscript' || n.type === 'attribute') {
      const obj = n.childForFieldName('value') ?? n.childForFieldName('object');
      if (obj) out.push(...dataPaths(m, obj, s.context, depth + 1, seen));
      continue;
    }
    if (n.type === 'list' || n.type === 'tuple' || n.type === 'binary_operator') {
      for (const c of n.namedChildren) out.push(...dataPaths(m, c, s.context, depth + 1, seen));
    }
  }
  return out;
}

const TEST_PATH = /(^|[\\/_.\- ])(test|tests|sample_submission)([\\/_.\- ]|$)/i;
const TRAIN_PATH = /(^|[\\/_.\- ])(train|training)([\\/_.\- ]|$)/i;

/** Is a dataset built from test data only (its files say test / sample_submission, none says train)? */
export function isTestData(paths: string[]): boolean {
  const names = paths.map((p) => p.replace(/\*/g, ' '));
  return names.some((p) => TEST_PATH.test(p)) && !names.some((p) => TRAIN_PATH.test(p));
}

/** Does the loader read test data in every context it is used in (or built in, when unused)? */
export function builtFromTestData(m: PythonModel, info: LoaderInfo): boolean {
  const cached = TEST_DATA.get(info);
  if (cached !== undefined) return cached;
  const ds = loaderArg(info, 'dataset');
  const contexts = info.uses.length ? info.uses.map((u) => u.context) : [[]];
  const r = !!ds && contexts.every((ctx) => isTestData(dataPaths(m, ds, ctx)));
  TEST_DATA.set(info, r);
  return r;
}

const TEST_DATA = new WeakMap<LoaderInfo, boolean>();

// -------------------------------------------------------------------------------------------------
// Are a pass's predictions written out or matched to ids?

const SINK_CALLS = new Set([
  'pandas.DataFrame',
  'pandas.Series',
  'numpy.save',
  'numpy.savez',
  'numpy.savez_compressed',
  'numpy.savetxt',
  'torch.save',
  'json.dump',
  'pickle.dump',
  'joblib.dump',
]);
const SINK_METHODS = new Set(['to_csv', 'to_parquet', 'to_json', 'to_pickle', 'to_feather', 'assign', 'insert', 'write', 'writerow', 'writerows']);
const KILL_BUILTINS = new Set(['float', 'int', 'len', 'round', 'bool', 'str', 'print']);

/**
 * Do the model outputs computed in a pass (a loop that runs the model) end up written to a file,
 * put into a DataFrame beside ids, or stored at fold indices (`oof[val_idx] = preds`)? Losses,
 * `.item()` scalars and metric comparisons are not predictions.
 */
export function passWritesOut(m: PythonModel, loop: LoopInfo, loader: CallSite | null = null): boolean {
  let cache = WRITES_OUT.get(m);
  if (!cache) WRITES_OUT.set(m, (cache = new Map()));
  const key = `${loop.node.id}:${loader?.node.id ?? ''}`;
  let r = cache.get(key);
  if (r === undefined) {
    try {
      r = new PredictionFlow(m).fromLoop(loop, loader);
    } catch {
      r = false;
    }
    cache.set(key, r);
  }
  return r;
}

const WRITES_OUT = new WeakMap<PythonModel, Map<string, boolean>>();

/**
 * Is this use an evaluation pass whose predictions are written out or matched to ids / indices?
 * When the pass is a function shared by several loaders (`predict(model, loader)`), only the calls
 * that pass this loader count.
 */
export function useWritesOut(m: PythonModel, use: LoaderUse, info?: LoaderInfo): boolean {
  return use.kind === 'eval' && !!use.loop && passWritesOut(m, use.loop, info?.call ?? null);
}

class PredictionFlow {
  private readonly returning = new Map<FunctionInfo, boolean>();
  constructor(private readonly m: PythonModel) {}

  fromLoop(loop: LoopInfo, loader: CallSite | null): boolean {
    this.entry = loader ? { loop, loader } : null;
    return this.scan(loop.fn, new Set(), loop.body, 0);
  }

  /** The loop the pass starts from and the loader it was asked about (filters the first callers). */
  private entry: { loop: LoopInfo; loader: CallSite } | null = null;

  /** Callers of the pass's function that hand it this loader (all callers when that cannot be told). */
  private relevantCallers(fn: FunctionInfo, depth: number): CallSite[] {
    const callers = this.m.callersOf(fn);
    if (depth > 0 || !this.entry || this.entry.loop.fn !== fn) return callers;
    const peeled = peelIterable(this.m, this.entry.loop);
    const param = peeled?.loader.type === 'identifier' && fn.params.includes(peeled.loader.text) ? peeled.loader.text : null;
    if (!param) return callers;
    const target = this.entry.loader.node.id;
    return callers.filter((c) => {
      const arg = argumentAt(fn, param, c);
      return !arg || loaderSources(this.m, arg, []).some((s) => s.node.id === target);
    });
  }

  /** Taints names in `fn` from the seeds (model calls within `seedArea`, tainted call nodes) and looks for sinks. */
  private scan(fn: FunctionInfo | null, taintedCalls: Set<number>, seedArea: Node | null, depth: number): boolean {
    if (depth > 3) return false;
    const m = this.m;
    const body = fn ? fn.body : m.root;
    const tainted = new Set<string>();
    const isPred = (e: Node): boolean => this.isPrediction(e, tainted, taintedCalls, seedArea);
    const statements = ownNodes(body, (n) => n.type === 'assignment' || n.type === 'augmented_assignment' || n.type === 'call' || n.type === 'return_statement');
    for (let round = 0; round < 6; round++) {
      const before = tainted.size;
      for (const n of statements) {
        if (n.type === 'assignment') {
          const left = n.childForFieldName('left');
          const right = n.childForFieldName('right');
          if (!left || !right || !isPred(right)) continue;
          if (left.type === 'subscript') {
            const obj = left.childForFieldName('value');
            if (obj?.type === 'identifier') tainted.add(obj.text);
          } else for (const id of identifiersOf(left)) tainted.add(id);
        } else if (n.type === 'augmented_assignment') {
          const left = n.childForFieldName('left');
          const right = n.childForFieldName('right');
          if (left?.type === 'identifier' && right && isPred(right)) tainted.add(left.text);
        } else if (n.type === 'call') {
          const c = m.callAt(n);
          if (c && c.receiver?.type === 'identifier' && ['append', 'extend', 'add', 'update', 'put'].includes(c.method ?? '') && c.args.some(isPred)) tainted.add(c.receiver.text);
        }
      }
      if (tainted.size === before) break;
    }
    for (const n of statements) {
      if (n.type === 'assignment') {
        const left = n.childForFieldName('left');
        const right = n.childForFieldName('right');
        if (left?.type === 'subscript' && right && isPred(right) && this.isFrameOrFoldStore(left)) return true;
      } else if (n.type === 'call') {
        const c = m.callAt(n);
        if (!c) continue;
        const args = [...c.args, ...c.keywords.values()];
        if (c.qualified && SINK_CALLS.has(c.qualified) && args.some((a) => isPred(a) || containsPrediction(a, isPred))) return true;
        if (c.method && SINK_METHODS.has(c.method) && (args.some((a) => containsPrediction(a, isPred)) || (c.receiver && isPred(c.receiver)))) return true;
      } else if (n.type === 'return_statement' && fn) {
        const v = n.namedChildren[0];
        if (v && containsPrediction(v, isPred)) {
          for (const caller of this.relevantCallers(fn, depth)) {
            if (this.scan(caller.fn, new Set([caller.node.id]), null, depth + 1)) return true;
          }
        }
      }
    }
    return false;
  }

  /** `df[col] = preds` on a DataFrame, `oof[val_idx] = preds` at fold indices. */
  private isFrameOrFoldStore(left: Node): boolean {
    const obj = left.childForFieldName('value');
    if (!obj) return false;
    let container: Node | null = obj;
    // df.loc[...] = / df.iloc[...] =
    if (container.type === 'attribute' && /^(loc|iloc|at)$/.test(container.childForFieldName('attribute')?.text ?? '')) container = container.childForFieldName('object');
    if (container && this.m.originsOf(container).some((o) => o.base?.startsWith('pandas.'))) return true;
    const index = left.childForFieldName('subscript');
    if (!index) return false;
    return this.m.identifiersIn(index).some((id) => isFoldIndexName(this.m, id, left));
  }

  private isPrediction(e: Node, tainted: Set<string>, taintedCalls: Set<number>, seedArea: Node | null): boolean {
    const m = this.m;
    switch (e.type) {
      case 'identifier':
        return tainted.has(e.text);
      case 'comparison_operator':
      case 'lambda':
      case 'string':
      case 'integer':
      case 'float':
        return false;
      case 'call': {
        if (taintedCalls.has(e.id)) return true;
        const c = m.callAt(e);
        if (!c) return false;
        if (m.isLossCall(c)) return false;
        if (c.method === 'item' || c.method === 'backward') return false;
        if (c.callee.type === 'identifier' && KILL_BUILTINS.has(c.callee.text) && !m.bindingsIn(c.callee.text, c.fn).length) return false;
        if (c.qualified && /^(sklearn\.metrics|torchmetrics)\./.test(c.qualified)) return false;
        if (m.isModelCall(c) && (!seedArea || isWithin(e, seedArea))) return true;
        for (const f of m.calleesOf(c)) if (this.returnsPrediction(f)) return true;
        return e.namedChildren.some((ch) => this.isPrediction(ch, tainted, taintedCalls, seedArea));
      }
      default:
        return e.namedChildren.some((ch) => this.isPrediction(ch, tainted, taintedCalls, seedArea));
    }
  }

  /** Does a local function return model outputs (`def predict_batch(model, x): return model(x).softmax(1)`)? */
  private returnsPrediction(f: FunctionInfo): boolean {
    const cached = this.returning.get(f);
    if (cached !== undefined) return cached;
    this.returning.set(f, false);
    const tainted = new Set<string>();
    const none = new Set<number>();
    for (const b of this.m.bindingsOf(f)) if (b.kind === 'assign' && b.value && this.isPrediction(b.value, tainted, none, null)) tainted.add(b.name);
    const r = f.returns.some((ret) => this.isPrediction(ret, tainted, none, null));
    this.returning.set(f, r);
    return r;
  }
}

function containsPrediction(e: Node, isPred: (n: Node) => boolean): boolean {
  if (isPred(e)) return true;
  if (e.type === 'dictionary' || e.type === 'pair' || e.type === 'list' || e.type === 'tuple' || e.type === 'keyword_argument' || e.type === 'expression_list') {
    return e.namedChildren.some((c) => containsPrediction(c, isPred));
  }
  return false;
}

function identifiersOf(n: Node): string[] {
  if (n.type === 'identifier') return [n.text];
  if (n.type === 'attribute' || n.type === 'subscript') return [];
  return n.namedChildren.flatMap(identifiersOf);
}

/** Nodes under `root` matching `pred`, not descending into nested functions / classes. */
export function ownNodes(root: Node, pred: (n: Node) => boolean): Node[] {
  const out: Node[] = [];
  const stack: Node[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (n !== root && (n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'lambda')) continue;
    if (pred(n)) out.push(n);
    for (let i = n.namedChildCount - 1; i >= 0; i--) {
      const c = n.namedChild(i);
      if (c) stack.push(c);
    }
  }
  return out;
}

/** Is a dataset's item already on the GPU (`TensorDataset(x.cuda(), ...)`, a `__getitem__` that moves to CUDA)? */
export function datasetOnGpu(m: PythonModel, ds: Source): boolean {
  const call = ds.node.type === 'call' ? m.callAt(ds.node) : undefined;
  if (!call) return false;
  if (call.qualified === 'torch.utils.data.TensorDataset' || call.qualified === 'torch.utils.data.dataset.TensorDataset') {
    return call.args.length > 0 && call.args.every((a) => tensorOnGpu(m, a, ds.context));
  }
  const q = call.qualified ?? '';
  if (q.startsWith('<local>.')) {
    const cls = m.classes.get(q.slice(8));
    const getitem = cls?.methods.get('__getitem__');
    if (!getitem) return false;
    return m.reachableFromFunction(getitem).some((c) => isGpuMove(m, c));
  }
  return false;
}

function isGpuMove(m: PythonModel, c: CallSite): boolean {
  if (c.method === 'cuda') return true;
  if (c.method === 'to') {
    const dev = c.args[0] ?? c.keywords.get('device') ?? null;
    const k = m.deviceOf(dev);
    return k === 'cuda' || k === 'maybe-cuda';
  }
  const dev = c.keywords.get('device');
  if (dev && c.qualified?.startsWith('torch.')) {
    const k = m.deviceOf(dev);
    return k === 'cuda' || k === 'maybe-cuda';
  }
  return false;
}

function tensorOnGpu(m: PythonModel, expr: Node, ctx: Context): boolean {
  return valueSources(m, expr, ctx, flowOptions(m)).every((s) => {
    const c = s.node.type === 'call' ? m.callAt(s.node) : undefined;
    return !!c && isGpuMove(m, c);
  });
}

/** `TensorDataset(...)`: items are slices of tensors already in memory (workers only add inter-process copies). */
export function isInMemoryTensorDataset(m: PythonModel, ds: Source): boolean {
  const q = ds.node.type === 'call' ? m.callAt(ds.node)?.qualified : null;
  return q === 'torch.utils.data.TensorDataset' || q === 'torch.utils.data.dataset.TensorDataset';
}

/** Is a dataset an IterableDataset (workers are its own business: sharding is set up elsewhere)? */
export function isIterableDataset(m: PythonModel, ds: Source): boolean {
  const call = ds.node.type === 'call' ? m.callAt(ds.node) : undefined;
  const q = call?.qualified ?? '';
  if (/^(webdataset|torchdata)\./.test(q) || /^torch\.utils\.data\.(IterableDataset|datapipes)/.test(q) || /^datasets\.IterableDataset/.test(q)) return true;
  if (call?.method === 'to_iterable_dataset') return true;
  if (call && /^datasets\.load_dataset$/.test(q) && call.keywords.get('streaming')?.type === 'true') return true;
  return q.startsWith('<local>.') && m.localClassDerives(q, (b) => /^torch\.utils\.data\.(dataset\.)?IterableDataset$/.test(b));
}

export { PyMapping };

export interface LoaderContextUses {
  /** The factory call sites through which this DataLoader instance is built (empty for a direct call). */
  context: Context;
  uses: LoaderUse[];
  /** Trained on (hand-written or framework) in this context. */
  training: boolean;
  /** Evaluated / predicted on (and not trained on) in this context. */
  evaluation: boolean;
}

/** The loader's uses grouped by context: one DataLoader call built by a factory is several loaders. */
export function loaderInstances(info: LoaderInfo): LoaderContextUses[] {
  const groups: LoaderContextUses[] = [];
  for (const u of info.uses) {
    let g = groups.find((x) => sameContext(x.context, u.context));
    if (!g) {
      g = { context: u.context, uses: [], training: false, evaluation: false };
      groups.push(g);
    }
    g.uses.push(u);
  }
  for (const g of groups) {
    g.training = g.uses.some((u) => u.kind === 'train' || u.kind === 'framework-train');
    g.evaluation = !g.training && g.uses.some((u) => u.kind === 'eval' || u.kind === 'framework-eval' || u.kind === 'framework-predict');
  }
  return groups;
}
