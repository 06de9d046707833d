/**
 * Where models and batches live. Which models a hand-written loop trains, the calls that created
 * each of them (followed through assignments, `self.` attributes, the file's own factory functions
 * and parameters), every place that moves one to a device (`.cuda()`, `.to(device)`, `device=`,
 * `accelerator.prepare`, `torch.set_default_device`), and whether a tensor unpacked from a batch
 * reaches the model or the criterion without being moved. Shared by TG201 (model never moved),
 * TG202 (batch never moved) and TG204 (device forced to the CPU).
 */
import type { Node } from './parser';
import type { CallSite, DeviceKind, LoopInfo, PythonModel } from './model';
import { isWithin, stringValue } from './model';
import { peelIterable } from './training';
import { nodesOfType, once, reachFromLoop } from './memo';

const MAX_DEPTH = 12;

/** Methods that return the same module (or a module with the same parameters). */
const KEEPS_MODEL = new Set(['to', 'cuda', 'cpu', 'train', 'eval', 'float', 'half', 'double', 'bfloat16', 'to_memory_format', 'requires_grad_', 'share_memory', 'apply', 'type']);

/** A forward pass of a model inside (or reached from) a hand-written batch loop. */
export interface TrainedModelUse {
  call: CallSite;
  /** The model expression: `model` in `model(x)` or `model.forward(x)`. */
  expr: Node;
  loop: LoopInfo;
}

const usesCache = new WeakMap<PythonModel, TrainedModelUse[]>();

/** Forward passes reached from the file's batch loops (the models a hand-written loop trains). */
export function trainedModelUses(m: PythonModel): TrainedModelUse[] {
  return once(usesCache, m, () => collectTrainedModelUses(m));
}

function collectTrainedModelUses(m: PythonModel): TrainedModelUse[] {
  const out: TrainedModelUse[] = [];
  for (const loop of m.batchLoops()) {
    for (const call of reachFromLoop(m, loop)) {
      if (!m.isModelCall(call)) continue;
      const expr = call.method === 'forward' && call.receiver ? call.receiver : call.callee;
      out.push({ call, expr, loop });
    }
  }
  return out;
}

const creationCache = new WeakMap<PythonModel, Map<number, Node[]>>();

/**
 * The calls that created the model `expr` refers to: `timm.create_model(...)`, `Net()`,
 * `AutoModel.from_pretrained(...)`, followed through names, parameters, `self.` attributes,
 * methods that keep the module (`.to()`, `.train()`) and the file's own factory functions.
 * Empty when the model's origin is not visible (a parameter nobody passes, an unknown wrapper).
 */
export function modelCreations(m: PythonModel, expr: Node | null): Node[] {
  if (!expr) return [];
  let cache = creationCache.get(m);
  if (!cache) creationCache.set(m, (cache = new Map()));
  const hit = cache.get(expr.id);
  if (hit) return hit;
  const out = dedupe(creationsOf(m, expr, 0, new Set()));
  cache.set(expr.id, out);
  return out;
}

function creationsOf(m: PythonModel, expr: Node | null, depth: number, seen: Set<number>): Node[] {
  if (!expr || depth > MAX_DEPTH || seen.has(expr.id)) return [];
  seen.add(expr.id);
  switch (expr.type) {
    case 'call': {
      const call = m.callAt(expr);
      if (!call) return [];
      const q = call.qualified;
      if (q && m.roleOfOrigin({ base: q, chain: [], node: expr }) === 'model') return [expr];
      if (call.method && call.receiver && KEEPS_MODEL.has(call.method) && !(q && !q.startsWith('<local'))) {
        return creationsOf(m, call.receiver, depth + 1, seen);
      }
      return m.calleesOf(call).flatMap((f) => (f.name === '__init__' ? [] : f.returns.flatMap((r) => creationsOf(m, r, depth + 1, seen))));
    }
    case 'identifier': {
      const out: Node[] = [];
      for (const b of m.bindingsIn(expr.text, m.functionAt(expr))) {
        if (b.kind === 'assign') out.push(...creationsOf(m, b.value, depth + 1, seen));
        else if (b.kind === 'param' && b.fn) for (const a of m.argumentsFor(b.fn, b.name)) out.push(...creationsOf(m, a, depth + 1, seen));
      }
      return out;
    }
    case 'attribute': {
      const obj = expr.childForFieldName('object');
      const attr = expr.childForFieldName('attribute')?.text;
      if (obj?.type !== 'identifier' || obj.text !== 'self' || !attr) return [];
      const cls = enclosingClass(m, expr);
      if (!cls) return [];
      const out: Node[] = [];
      for (const b of m.bindings.get(`self.${attr}`) ?? []) {
        if (b.kind === 'assign' && b.fn && enclosingClassOfFn(b.fn) === cls) out.push(...creationsOf(m, b.value, depth + 1, seen));
      }
      return out;
    }
    case 'parenthesized_expression':
      return creationsOf(m, expr.namedChildren[0] ?? null, depth + 1, seen);
    case 'conditional_expression':
      return expr.namedChildren.flatMap((c, i) => (i === 1 ? [] : creationsOf(m, c, depth + 1, seen)));
    default:
      return [];
  }
}

function enclosingClass(m: PythonModel, node: Node) {
  return enclosingClassOfFn(m.functionAt(node));
}

function enclosingClassOfFn(fn: ReturnType<PythonModel['functionAt']>) {
  for (let f = fn; f; f = f.parent) if (f.cls) return f.cls;
  return null;
}

function dedupe(nodes: Node[]): Node[] {
  const seen = new Set<number>();
  return nodes.filter((n) => (seen.has(n.id) ? false : (seen.add(n.id), true)));
}

export type MoveKind = 'cuda' | 'cpu' | 'to' | 'device-kw' | 'managed' | 'default-device';

/** A place where a model is put on a device (or handed to something that places it). */
export interface ModelMove {
  kind: MoveKind;
  /** The call (or keyword) that moves it. */
  node: Node;
  /** The device expression (`device` in `.to(device)`), null for `.cuda()` / managed. */
  device: Node | null;
  where: DeviceKind;
}

/** `torch.float16`, `torch.bfloat16`, `"float16"`: a dtype, not a device. */
export function isDtype(m: PythonModel, node: Node): boolean {
  const q = m.qualify(node);
  if (q && /^torch\.(float\d*|double|half|bfloat16|int\d*|long|short|uint8|bool|complex\d*|cfloat|cdouble)$/.test(q)) return true;
  const s = stringValue(node);
  return s !== null && /^(float|bfloat|int|uint|complex)\d*$|^(half|double|bool|long)$/.test(s);
}

/** The device argument of a `.to(...)` call (positional or `device=`), or null when it moves nothing. */
export function toDeviceArg(m: PythonModel, call: CallSite): Node | null {
  const dev = call.keywords.get('device') ?? call.args[0] ?? null;
  if (!dev || dev.type === 'list_splat' || dev.type === 'dictionary_splat') return null;
  return isDtype(m, dev) ? null : dev;
}

/** Every move of the model created at `creations` (in place or on the way), in document order. */
export function modelMoves(m: PythonModel, creations: Node[]): ModelMove[] {
  if (!creations.length) return [];
  const out: ModelMove[] = [];
  for (const node of creations) {
    const call = m.callAt(node);
    for (const kw of ['device', 'device_map']) {
      const v = call?.keywords.get(kw);
      if (v) out.push({ kind: 'device-kw', node: v, device: v, where: kw === 'device_map' ? deviceMapKind(m, v) : m.deviceOf(v) });
    }
  }
  // the calls that move a model, found once per file, by the creations they move (in call order)
  const index = moveIndex(m);
  const ids = new Set(creations.map((c) => c.id));
  const moves: CandidateMove[] = [];
  const taken = new Set<CandidateMove>();
  for (const id of ids) {
    for (const mv of index.get(id) ?? []) {
      if (!taken.has(mv)) {
        taken.add(mv);
        moves.push(mv);
      }
    }
  }
  moves.sort((a, b) => a.order - b.order);
  for (const mv of moves) out.push({ ...mv.move() });
  const dflt = defaultDevice(m, creations);
  if (dflt) out.push(dflt);
  return out.sort((a, b) => a.node.startIndex - b.node.startIndex);
}

/** A call that moves the models it was built from; `move()` describes it (lazily, as modelMoves did). */
interface CandidateMove {
  order: number;
  move: () => ModelMove;
}

const moveIndexCache = new WeakMap<PythonModel, Map<number, CandidateMove[]>>();

/**
 * Creation node id -> the calls that move that model: `.cuda()`, `.cpu()`, `.to(device)` on it, or
 * a manager (`accelerator.prepare`) it is passed to. One pass over the file's calls instead of one
 * per model asked about (each model of a long file scanned every call: quadratic).
 */
function moveIndex(m: PythonModel): Map<number, CandidateMove[]> {
  return once(moveIndexCache, m, () => {
    const index = new Map<number, CandidateMove[]>();
    const add = (creations: Node[], mv: CandidateMove) => {
      for (const id of new Set(creations.map((c) => c.id))) {
        const list = index.get(id);
        if (list) list.push(mv);
        else index.set(id, [mv]);
      }
    };
    m.calls.forEach((c, order) => {
      if (c.receiver && (c.method === 'cuda' || c.method === 'cpu' || c.method === 'to')) {
        if (c.method === 'to' && !toDeviceArg(m, c)) return;
        const made = modelCreations(m, c.receiver);
        if (!made.length) return;
        let move: ModelMove | undefined;
        add(made, {
          order,
          move: () =>
            (move ??=
              c.method === 'cuda'
                ? { kind: 'cuda', node: c.node, device: null, where: 'cuda' }
                : c.method === 'cpu'
                  ? { kind: 'cpu', node: c.node, device: null, where: 'cpu' }
                  : { kind: 'to', node: c.node, device: toDeviceArg(m, c)!, where: m.deviceOf(toDeviceArg(m, c)!) }),
        });
      } else if (isManager(m, c)) {
        const made = [...c.args, ...c.keywords.values()].flatMap((a) => modelCreations(m, a));
        if (made.length) add(made, { order, move: () => ({ kind: 'managed', node: c.node, device: null, where: 'maybe-cuda' }) });
      }
    });
    return index;
  });
}

function deviceMapKind(m: PythonModel, v: Node): DeviceKind {
  const s = stringValue(v);
  if (s === 'cpu') return 'cpu';
  if (s === 'auto' || s === 'balanced' || s === 'sequential') return 'maybe-cuda';
  const k = m.deviceOf(v);
  return k === 'unknown' ? 'maybe-cuda' : k;
}

/** `accelerator.prepare(model, ...)`, `fabric.setup(model, ...)`, `deepspeed.initialize(model=...)`: something else places the model. */
function isManager(m: PythonModel, c: CallSite): boolean {
  if (c.qualified === 'deepspeed.initialize') return true;
  if (!c.method || !c.receiver || !/^(prepare|prepare_model|prepare_data_loader|setup|setup_module|setup_dataloaders)$/.test(c.method)) return false;
  return m.originsOf(c.receiver).some((o) => !!o.base && /^accelerate\.Accelerator$|(^|\.)fabric\.Fabric$/.test(o.base));
}

/** `torch.set_default_device("cuda")`, `with torch.device("cuda"):` around the creation. */
function defaultDevice(m: PythonModel, creations: Node[]): ModelMove | null {
  const facts = defaultDeviceFacts(m);
  if (facts.global) return { ...facts.global };
  for (const d of facts.blocks) {
    if (creations.every((c) => isWithin(c, d.body))) return { kind: 'default-device', node: d.node, device: d.device, where: d.where };
  }
  return null;
}

const defaultDeviceCache = new WeakMap<PythonModel, { global: ModelMove | null; blocks: { body: Node; node: Node; device: Node | null; where: DeviceKind }[] }>();

/** What `defaultDevice` needs that does not depend on the model asked about, found once per file. */
function defaultDeviceFacts(m: PythonModel) {
  return once(defaultDeviceCache, m, () => {
    let global: ModelMove | null = null;
    for (const c of m.calls) {
      if (c.qualified === 'torch.set_default_device' && c.args[0]) {
        const where = m.deviceOf(c.args[0]);
        if (where !== 'cpu') {
          global = { kind: 'default-device', node: c.node, device: c.args[0], where };
          break;
        }
      }
      if (c.qualified === 'torch.set_default_tensor_type' && c.args[0] && /cuda/.test(c.args[0].text)) {
        global = { kind: 'default-device', node: c.node, device: null, where: 'cuda' };
        break;
      }
    }
    const blocks: { body: Node; node: Node; device: Node | null; where: DeviceKind }[] = [];
    for (const w of m.withBlocks) {
      for (const item of w.items) {
        if (item.value.type !== 'call' || m.qualify(item.value.childForFieldName('function')) !== 'torch.device') continue;
        const arg = item.value.childForFieldName('arguments')?.namedChildren[0] ?? null;
        const where = m.deviceOf(arg);
        if (where !== 'cpu') blocks.push({ body: w.body, node: item.value, device: arg, where });
      }
    }
    return { global, blocks };
  });
}

// -------------------------------------------------------------------------------------------------
// Batches

/** A loop's batch names: the `for` target's identifiers without the enumerate index. */
export function batchNames(m: PythonModel, loop: LoopInfo): string[] {
  if (loop.kind !== 'for' || !loop.targetNode) return [];
  const peeled = peelIterable(m, loop);
  if (!peeled) return [];
  let pattern: Node = loop.targetNode;
  if (peeled.enumerated) {
    const parts = pattern.namedChildren;
    if ((pattern.type !== 'pattern_list' && pattern.type !== 'tuple_pattern') || parts.length !== 2) return [];
    pattern = parts[1];
  }
  return identifiersIn(pattern);
}

function identifiersIn(n: Node): string[] {
  if (n.type === 'identifier') return [n.text];
  if (n.type === 'attribute' || n.type === 'subscript') return [];
  return n.namedChildren.flatMap(identifiersIn);
}

/** Is the loop over a torch DataLoader (directly or through enumerate / tqdm, possibly a parameter)? */
export function loopOverDataLoader(m: PythonModel, loop: LoopInfo): Node | null {
  const peeled = peelIterable(m, loop);
  if (!peeled) return null;
  return m.hasRole(peeled.loader, 'loader') ? peeled.loader : null;
}

/** Tensor methods that keep the device. */
const KEEPS_DEVICE = new Set(['float', 'long', 'half', 'double', 'int', 'bool', 'squeeze', 'unsqueeze', 'view', 'reshape', 'permute', 'contiguous', 'transpose', 'flatten', 'clone', 'detach', 'requires_grad_', 'expand', 'repeat']);

export type BatchStatus =
  /**
   * Still the CPU tensor that came out of the loader. `name`: the identifier to move (null when the
   * tensor is read through a subscript or attribute); `target`: it is the loop target itself;
   * otherwise `after` is the loop-body statement that binds it (null when nested deeper).
   */
  | { kind: 'batch'; name: string | null; target: boolean; after: Node | null }
  | { kind: 'moved' }
  | { kind: 'other' };

/**
 * Where the value of `expr` (read inside `loop`'s body, same function) comes from: the batch as
 * the loader yielded it, a tensor moved with `.to()` / `.cuda()`, or something else (a helper's
 * result, a name bound outside the loop). Unknown calls count as `other`: never guessed as CPU.
 */
export function batchStatus(m: PythonModel, loop: LoopInfo, expr: Node, names: readonly string[], depth = 0): BatchStatus {
  if (depth > MAX_DEPTH) return { kind: 'other' };
  switch (expr.type) {
    case 'identifier': {
      const b = latestBindingBefore(m, loop, expr);
      if (b === 'none') return names.includes(expr.text) ? { kind: 'batch', name: expr.text, target: true, after: null } : { kind: 'other' };
      if (b === 'opaque') return { kind: 'other' };
      const inner = batchStatus(m, loop, b.value, names, depth + 1);
      if (inner.kind !== 'batch') return inner;
      const stmt = m.statementOf(b.node);
      return { kind: 'batch', name: expr.text, target: false, after: stmt.parent?.id === loop.body.id ? stmt : null };
    }
    case 'subscript': {
      const inner = batchStatus(m, loop, expr.childForFieldName('value')!, names, depth + 1);
      return inner.kind === 'batch' ? { ...inner, name: null } : inner;
    }
    case 'attribute': {
      const obj = expr.childForFieldName('object');
      if (!obj) return { kind: 'other' };
      const inner = batchStatus(m, loop, obj, names, depth + 1);
      return inner.kind === 'batch' ? { ...inner, name: null } : inner;
    }
    case 'call': {
      const call = m.callAt(expr);
      if (!call || !call.method || !call.receiver) return { kind: 'other' };
      if (call.method === 'to' || call.method === 'cuda' || call.method === 'type' || call.method === 'type_as') return { kind: 'moved' };
      if (KEEPS_DEVICE.has(call.method)) return batchStatus(m, loop, call.receiver, names, depth + 1);
      return { kind: 'other' };
    }
    case 'parenthesized_expression':
    case 'dictionary_splat':
    case 'list_splat':
      return expr.namedChildren[0] ? batchStatus(m, loop, expr.namedChildren[0], names, depth + 1) : { kind: 'other' };
    default:
      return { kind: 'other' };
  }
}

/**
 * The binding of `use` made in the loop body before the statement that reads it. `none`: no such
 * binding (the name comes from the loop target or from outside); `opaque`: bound by something we
 * do not follow (an inner loop, a `with`, `+=`).
 */
function latestBindingBefore(m: PythonModel, loop: LoopInfo, use: Node): { node: Node; value: Node } | 'none' | 'opaque' {
  const all = m.bindingsInScope(use.text, loop.fn).filter((b) => isWithin(b.node, loop.body));
  let best: (typeof all)[number] | null = null;
  for (const b of all) {
    const before = b.kind === 'assign' || b.kind === 'unpack' || b.kind === 'augassign' ? m.statementOf(b.node).endIndex <= use.startIndex : b.node.startIndex < use.startIndex;
    if (!before) continue;
    if (!best || b.node.startIndex > best.node.startIndex) best = b;
  }
  if (!best) return 'none';
  if (!best.value || (best.kind !== 'assign' && best.kind !== 'unpack')) return 'opaque';
  if (best.kind === 'unpack') {
    const v = best.value;
    if ((v.type === 'expression_list' || v.type === 'tuple') && best.index !== undefined) {
      const part = v.namedChildren[best.index];
      return part ? { node: best.node, value: part } : 'opaque';
    }
    // `x, y = batch`: every name reads the same (unpacked) value
    return { node: best.node, value: v };
  }
  return { node: best.node, value: best.value };
}

/** A batch tensor that reaches the model or the criterion as the loader yielded it. */
export interface UnmovedBatchUse {
  /** The forward or loss call. */
  call: CallSite;
  /** The argument that carries the CPU tensor. */
  arg: Node;
  status: Extract<BatchStatus, { kind: 'batch' }>;
}

/** Batch tensors that reach a forward pass or a loss call in `loop` (same function) without being moved. */
export function unmovedBatchUses(m: PythonModel, loop: LoopInfo): UnmovedBatchUse[] {
  const names = batchNames(m, loop);
  if (!names.length) return [];
  const out: UnmovedBatchUse[] = [];
  for (const call of loop.calls) {
    if (call.fn !== loop.fn) continue;
    if (!m.isModelCall(call) && !m.isLossCall(call)) continue;
    for (const arg of [...call.args, ...call.keywords.values()]) {
      const s = batchStatus(m, loop, arg, names);
      if (s.kind === 'batch') out.push({ call, arg, status: s });
    }
  }
  return out.sort((a, b) => a.arg.startIndex - b.arg.startIndex);
}

/**
 * Does `loader`'s DataLoader move its batches itself: a custom `collate_fn`, a dataset that returns
 * CUDA tensors, or a loader handed to `accelerator.prepare` / Fabric (which then places each batch)?
 */
export function loaderMovesBatches(m: PythonModel, loader: Node): boolean {
  for (const o of m.originsOf(loader)) {
    if (!o.base || !/DataLoader$/.test(o.base) || o.node.type !== 'call') continue;
    if (managedOrigins(m).has(o.node.id)) return true;
    const call = m.callAt(o.node);
    if (!call) return true;
    const collate = call.keywords.get('collate_fn');
    if (collate && collate.type !== 'none') return true;
    const dataset = call.keywords.get('dataset') ?? call.args[0] ?? null;
    if (dataset && datasetMoves(m, dataset)) return true;
  }
  return false;
}

const managedCache = new WeakMap<PythonModel, ReadonlySet<number>>();

/** The origin nodes of everything handed to a manager (`accelerator.prepare(...)`, Fabric), once per file. */
function managedOrigins(m: PythonModel): ReadonlySet<number> {
  return once(managedCache, m, () => {
    const ids = new Set<number>();
    for (const c of m.calls) {
      if (!isManager(m, c)) continue;
      for (const a of [...c.args, ...c.keywords.values()]) for (const x of m.originsOf(a)) ids.add(x.node.id);
    }
    return ids;
  });
}

/** A local Dataset whose methods move tensors to a device (`__getitem__` returning `.cuda()` tensors). */
function datasetMoves(m: PythonModel, dataset: Node): boolean {
  for (const o of m.originsOf(dataset)) {
    if (!o.base?.startsWith('<local>.')) continue;
    const cls = m.classes.get(o.base.slice(8));
    if (!cls) continue;
    for (const fn of cls.methods.values()) {
      if (m.reachableFromFunction(fn).some((c) => c.method === 'cuda' || (c.method === 'to' && !!toDeviceArg(m, c) && m.deviceOf(toDeviceArg(m, c)) !== 'cpu'))) return true;
    }
  }
  return false;
}

/** The string literals `'cpu'` that make `expr` a CPU device (through names, parameters and `torch.device(...)`). */
export function cpuLiterals(m: PythonModel, expr: Node | null, depth = 0, seen = new Set<number>()): Node[] {
  if (!expr || depth > MAX_DEPTH || seen.has(expr.id)) return [];
  seen.add(expr.id);
  switch (expr.type) {
    case 'string':
      return stringValue(expr) === 'cpu' ? [expr] : [];
    case 'call': {
      if (m.qualify(expr.childForFieldName('function')) !== 'torch.device') return [];
      const first = expr.childForFieldName('arguments')?.namedChildren.find((c) => c.type !== 'comment') ?? null;
      const arg = first?.type === 'keyword_argument' ? first.childForFieldName('value') : first;
      return cpuLiterals(m, arg, depth + 1, seen);
    }
    case 'identifier': {
      const out: Node[] = [];
      for (const b of m.bindingsIn(expr.text, m.functionAt(expr))) {
        if (b.kind === 'assign') out.push(...cpuLiterals(m, b.value, depth + 1, seen));
        else if (b.kind === 'param' && b.fn) for (const a of m.argumentsFor(b.fn, b.name)) out.push(...cpuLiterals(m, a, depth + 1, seen));
      }
      return dedupe(out);
    }
    case 'parenthesized_expression':
      return cpuLiterals(m, expr.namedChildren[0] ?? null, depth + 1, seen);
    case 'conditional_expression':
      return dedupe(expr.namedChildren.flatMap((c, i) => (i === 1 ? [] : cpuLiterals(m, c, depth + 1, seen))));
    default:
      return [];
  }
}

const hiddenCache = new WeakMap<PythonModel, readonly Node[]>();

/** `os.environ["CUDA_VISIBLE_DEVICES"] = ""` / `"-1"` (or `os.environ.setdefault(...)`): the string value nodes (found once per file). */
export function hiddenGpus(m: PythonModel): readonly Node[] {
  return once(hiddenCache, m, () => findHiddenGpus(m));
}

function findHiddenGpus(m: PythonModel): Node[] {
  const out: Node[] = [];
  const hides = (v: Node | null | undefined) => {
    const s = v ? stringValue(v) : null;
    return s !== null && /^\s*(-1)?\s*$/.test(s);
  };
  for (const n of nodesOfType(m, 'assignment')) {
    const left = n.childForFieldName('left');
    const right = n.childForFieldName('right');
    if (left?.type === 'subscript' && m.qualify(left.childForFieldName('value')) === 'os.environ' && stringValue(left.childForFieldName('subscript')) === 'CUDA_VISIBLE_DEVICES' && hides(right)) out.push(right!);
  }
  for (const c of m.calls) {
    if ((c.qualified === 'os.environ.setdefault' || c.qualified === 'os.putenv') && stringValue(c.args[0] ?? null) === 'CUDA_VISIBLE_DEVICES' && hides(c.args[1])) out.push(c.args[1]);
  }
  return out;
}

// -------------------------------------------------------------------------------------------------
// Is this a GPU run?

const gpuCache = new WeakMap<PythonModel, boolean>();

/**
 * Does the script run on the GPU (or may it)? The one answer every rule that asks shares (TG203,
 * TG801, TG404...). Evidence: a move to a device that may be CUDA (`.cuda()`, `.to(device)`,
 * `device=` of a torch call, through `m.deviceOf`), or GPU-only APIs the script relies on without a
 * visible move (batches placed by the loader pipeline): `torch.cuda.amp.*`, `torch.cuda.empty_cache()`
 * / `synchronize()`, autocast or a GradScaler for `"cuda"`. A CPU-only script shows none of these.
 */
export function usesGpu(m: PythonModel): boolean {
  return once(gpuCache, m, () => m.calls.some((c) => gpuEvidence(m, c)));
}

function gpuEvidence(m: PythonModel, c: CallSite): boolean {
  if (c.method === 'cuda' && c.receiver) return true;
  if (c.method === 'to') {
    const dev = c.args[0] ?? c.keywords.get('device') ?? null;
    const kind = m.deviceOf(dev);
    if (kind === 'cuda' || kind === 'maybe-cuda') return true;
  }
  const q = c.qualified;
  if (!q || !q.startsWith('torch.')) return false;
  const dev = c.keywords.get('device');
  if (dev && ['cuda', 'maybe-cuda'].includes(m.deviceOf(dev))) return true;
  if (q.startsWith('torch.cuda.amp.') || q === 'torch.cuda.empty_cache' || q === 'torch.cuda.synchronize') return true;
  if (/^torch\.(amp\.)?(autocast|GradScaler)$|^torch\.amp\.autocast_mode\.autocast$/.test(q)) {
    const kind = m.deviceOf(c.keywords.get('device_type') ?? c.keywords.get('device') ?? c.args[0] ?? null);
    return kind === 'cuda' || kind === 'maybe-cuda';
  }
  return false;
}

const cudaOnlyCache = new WeakMap<PythonModel, boolean>();

/**
 * Does the file's own code prove a CUDA run, whatever device its caller passes? Only APIs that run
 * nowhere but on CUDA count: `torch.cuda.amp.*`, `torch.cuda.empty_cache()` / `synchronize()`,
 * `.cuda()`, a move / autocast / GradScaler for a device that is CUDA for sure. A device that is a
 * parameter or "cuda if available" (`maybe-cuda`) proves nothing: the caller decides. Used for library
 * code (training functions the file never calls), whose GPU run is otherwise the calling program's fact.
 */
export function provesCuda(m: PythonModel): boolean {
  return once(cudaOnlyCache, m, () => m.calls.some((c) => cudaOnlyEvidence(m, c)));
}

function cudaOnlyEvidence(m: PythonModel, c: CallSite): boolean {
  if (c.method === 'cuda' && c.receiver) return true;
  if (c.method === 'to') return m.deviceOf(c.args[0] ?? c.keywords.get('device') ?? null) === 'cuda';
  const q = c.qualified;
  if (!q || !q.startsWith('torch.')) return false;
  if (q.startsWith('torch.cuda.amp.') || q === 'torch.cuda.empty_cache' || q === 'torch.cuda.synchronize') return true;
  const dev = c.keywords.get('device');
  if (dev && m.deviceOf(dev) === 'cuda') return true;
  if (/^torch\.(amp\.)?(autocast|GradScaler)$|^torch\.amp\.autocast_mode\.autocast$/.test(q)) {
    return m.deviceOf(c.keywords.get('device_type') ?? c.keywords.get('device') ?? c.args[0] ?? null) === 'cuda';
  }
  return false;
}

// -------------------------------------------------------------------------------------------------
// Written for the CPU

const cpuOnlyCache = new WeakMap<PythonModel, boolean>();

/**
 * Is the script written for the CPU? It shows no GPU evidence (`usesGpu`) and turns a model's output
 * into NumPy with `.numpy()` without `.cpu()` first (`F.softmax(logits, 1)[:, 1].numpy()`): on a CUDA
 * tensor that call raises, so the script as written only runs on the CPU, and "device possibly cuda"
 * (TG201) does not hold. Moving the model alone would break that line.
 */
export function writtenForCpu(m: PythonModel): boolean {
  return once(cpuOnlyCache, m, () => !usesGpu(m) && m.callsByMethod('numpy').some((c) => !c.args.length && !!c.receiver && fromModelOutput(m, c.receiver, 0)));
}

/** Does `expr` hold (a view or a function of) a model's forward output that never went through `.cpu()`? */
function fromModelOutput(m: PythonModel, expr: Node | null, depth: number): boolean {
  if (!expr || depth > 8) return false;
  switch (expr.type) {
    case 'parenthesized_expression':
      return fromModelOutput(m, expr.namedChildren[0] ?? null, depth + 1);
    case 'subscript':
      return fromModelOutput(m, expr.childForFieldName('value'), depth + 1);
    case 'call': {
      const c = m.callAt(expr);
      if (!c) return false;
      if (m.isModelCall(c)) return true;
      if (c.method === 'cpu' || c.method === 'to' || c.method === 'cuda') return false;
      const q = c.qualified ?? '';
      if (q.startsWith('torch.')) return fromModelOutput(m, c.args[0] ?? null, depth + 1);
      if (c.method && c.receiver && !q) return fromModelOutput(m, c.receiver, depth + 1);
      return false;
    }
    case 'identifier': {
      const fn = m.functionAt(expr);
      return m.bindingsIn(expr.text, fn).some((b) => (b.kind === 'assign' || b.kind === 'unpack') && b.node.startIndex < expr.startIndex && fromModelOutput(m, b.value, depth + 1));
    }
    default:
      return false;
  }
}
