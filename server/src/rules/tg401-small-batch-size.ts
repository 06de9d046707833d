/**
 * TG401 small-batch-size
 *
 * What it does: finds a DataLoader iterated by a hand-written training loop whose batch size
 * (a literal, or a constant / config entry / argparse default / factory argument resolved to one)
 * is under 32 for an image model (timm, torchvision, segmentation_models_pytorch, a local network
 * with convolutions) or under 1024 for a tabular MLP (a network of Linear / activation / norm /
 * dropout layers only, with no image library in the file), while the loop does no gradient
 * accumulation. A DataLoader without `batch_size` counts as 1.
 * Why it is bad: small batches leave the GPU at 5-10% memory and mostly idle between steps; the
 * epoch takes several times longer than it needs to (hints, section 4: 128+ at 224 px, 4096+ tabular).
 * Example: `BATCH_SIZE = 16` ... `DataLoader(train_ds, batch_size=BATCH_SIZE)` feeding
 * `timm.create_model('efficientnet_b0')`.
 * Fix: none automatic (the right size depends on GPU memory): raise it until memory is 70-80%, or
 * accumulate gradients.
 * Silent: gradient accumulation in the loop (an optimizer step under `% accum == 0`,
 * `accelerator.accumulate`); files that handle CUDA out-of-memory (the size was chosen against
 * memory); models that are neither image nor tabular MLPs (transformers, sequence models: their
 * batch is bounded by sequence memory); framework loops; batch sizes that cannot be resolved.
 * A model of unknown kind (a factory defined nowhere, another module's) is reported when the size is
 * under 32, the smallest threshold of every covered kind, and the file shows no uncovered kind (text,
 * audio, graph, RL libraries, sequence layers, a framework). `batch_sampler=BatchSampler(s, n, ...)`
 * gives n; a step in another module (read) gives the model argument and its accumulation fact.
 */
import type { Node } from '../analysis/parser';
import type { CallSite, LoopInfo, Origin, PythonModel } from '../analysis/model';
import { isLibraryModule, isWithin } from '../analysis/model';
import { nodesOfType } from '../analysis/node-index';
import { dataLoaders, loaderArg, loaderArgValues, trainUses, type LoaderUse } from '../analysis/dataloaders';
import type { ImportedFunction } from '../project/facts';
import { resolveValues, sources } from '../analysis/config-values';
import { stepUnderModulo } from '../analysis/accumulation';
import { nodeRange, type Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG401',
    name: 'small-batch-size',
    severity: 'information',
    section: '4. Batch size & data loading',
    summary: 'The training batch size is small for the model (image < 32, tabular MLP < 1024) and there is no gradient accumulation',
    fixable: false,
  },
  check(ctx) {
    const m = ctx.model;
    const infos = dataLoaders(m).filter((i) => trainUses(i).length);
    if (!infos.length || handlesOutOfMemory(m)) return;
    for (const info of infos) {
      const uses = trainUses(info);
      // `batch_sampler=BatchSampler(sampler, batch_size, drop_last)`: the sampler's batch size
      const sampler = info.args.has('batch_sampler') ? batchSamplerSize(m, info.args.get('batch_sampler')!, uses) : null;
      if (info.args.has('batch_sampler') && !sampler) continue;
      const loops = uses.map((u) => u.loop).filter((l): l is LoopInfo => !!l);
      if (loops.some((l) => accumulatesGradients(m, l))) continue;
      // a step in another module: its accumulation must be known absent (a module not read: unknown, silent)
      if (loops.some((l) => m.trainingLoops().get(l)?.delegated && m.delegatedFacts(l)?.facts.accumulates !== false)) continue;
      const found = dataKind(m, loops);
      // a model of unknown kind (built by a function nowhere in the file, another module's class):
      // a size under the smallest threshold of every kind the rule covers is small whatever the kind,
      // unless the file shows a kind the thresholds do not cover (text, audio, graphs, RL, sequences)
      if (!found || (found === 'unknown' && uncoveredKindShown(m))) continue;
      const kind = found;
      const threshold = kind === 'tabular' ? 1024 : 32;
      const bs = sampler ? sampler.arg : loaderArg(info, 'batch_size');
      let size: number;
      let definedAt: Node | null = null;
      if (sampler) {
        size = sampler.size;
        if (sampler.at.startPosition.row !== sampler.arg.startPosition.row) definedAt = sampler.at;
      } else if (!bs) {
        if (info.opaque) continue;
        size = 1;
      } else {
        const vals = loaderArgValues(m, info, 'batch_size', uses);
        if (!vals || !vals.length || !vals.every((v) => typeof v.value === 'number' && Number.isInteger(v.value))) continue;
        const sizes = new Set(vals.map((v) => v.value as number));
        if (sizes.size !== 1) continue;
        size = [...sizes][0];
        if (vals[0].node.startPosition.row !== bs.startPosition.row) definedAt = vals[0].node;
      }
      if (size >= threshold || size <= 0) continue;
      const advice = kind === 'image' ? '128+ at 224 px on a 24 GB GPU' : kind === 'tabular' ? '4096+ for tabular data' : '32+ for any vision or tabular model';
      // a loader factory (`make_loader(df, batch_size=400)`): the size is chosen where the factory is called, for this loader only
      const atCallSite = !sampler && !!definedAt && !!bs && bs.type === 'identifier' && !!info.call.fn && info.call.fn.params.includes(bs.text) && m.callersOf(info.call.fn).some((site) => isWithin(definedAt!, site.node));
      if (sampler) {
        // on the DataLoader's `batch_sampler=`, with the sampler's size and where it is set
        ctx.report({
          node: info.args.get('batch_sampler')!,
          message: `Training batch size ${size} (of the batch sampler) is small for ${kind === 'image' ? 'an image model' : kind === 'tabular' ? 'a tabular MLP' : 'any image or tabular model'} (< ${threshold}) and nothing accumulates gradients: the GPU idles between tiny steps. Raise it until GPU memory is 70-80% (${advice}), or accumulate gradients`,
          related: [{ range: nodeRange(sampler.arg), message: 'the batch sampler\'s batch size' }, ...(definedAt ? [{ range: nodeRange(definedAt), message: `batch size ${size} is set here` }] : [])],
        });
        continue;
      }
      ctx.report({
        node: atCallSite ? definedAt! : bs ?? info.call.node,
        message: `Training batch size ${size}${bs ? '' : ' (DataLoader default)'} is small for ${kind === 'image' ? 'an image model' : kind === 'tabular' ? 'a tabular MLP' : 'any image or tabular model'} (< ${threshold}) and nothing accumulates gradients: the GPU idles between tiny steps. Raise it until GPU memory is 70-80% (${advice}), or accumulate gradients`,
        related: atCallSite ? [{ range: nodeRange(bs!), message: 'the DataLoader that takes it' }] : definedAt ? [{ range: nodeRange(definedAt), message: `batch size ${size} is set here` }] : undefined,
      });
    }
  },
};

/** Does the file handle CUDA out-of-memory (`except torch.cuda.OutOfMemoryError`, `'out of memory' in str(e)`)? */
export function handlesOutOfMemory(m: PythonModel): boolean {
  // cheap pre-check on the text; the structure is verified below
  if (!/OutOfMemoryError|out of memory|\bOOM\b/i.test(m.source.text)) return false;
  for (const n of [...nodesOfType(m, 'except_clause'), ...nodesOfType(m, 'comparison_operator')]) {
    if (n.type === 'except_clause') {
      const value = n.namedChildren[0];
      const types = value?.type === 'as_pattern' ? value.namedChildren[0] : value;
      const names = types?.type === 'tuple' ? types.namedChildren : types ? [types] : [];
      if (names.some((t) => /^torch\.(cuda\.)?OutOfMemoryError$/.test(m.qualify(t) ?? ''))) return true;
    }
    if (n.type === 'comparison_operator' && /out of memory|\bOOM\b/i.test(n.text) && n.children.some((c) => c?.type === 'in')) return true;
  }
  return false;
}

/** An optimizer / scaler step under a `% n` condition, or `accelerator.accumulate(...)`, reached from the loop. */
export function accumulatesGradients(m: PythonModel, loop: LoopInfo): boolean {
  const reach = m.reachableFromLoop(loop);
  for (const c of reach) {
    if (c.method !== 'step' || !m.isTrainingStep(c)) continue;
    if (stepUnderModulo(c, c.fn?.body ?? m.root)) return true;
  }
  for (const w of m.withBlocks) {
    if (!w.items.some((i) => i.call?.method === 'accumulate')) continue;
    if ((w.fn === loop.fn && isWithin(w.node, loop.body)) || reach.some((c) => isWithin(c.node, w.body))) return true;
  }
  return m.calls.some((c) => c.qualified === 'accelerate.Accelerator' && c.keywords.has('gradient_accumulation_steps'));
}

/** The batch size of a `BatchSampler(sampler, batch_size, drop_last)` a DataLoader takes as `batch_sampler=`, when one integer. */
function batchSamplerSize(m: PythonModel, expr: Node, uses: LoaderUse[]): { size: number; arg: Node; at: Node } | null {
  const built = sources(m, expr).map((s) => (s.node.type === 'call' ? m.callAt(s.node) : undefined));
  if (built.length !== 1 || !built[0] || !/^torch\.utils\.data\.(sampler\.)?BatchSampler$/.test(built[0].qualified ?? '')) return null;
  const c = built[0];
  const arg = c.keywords.get('batch_size') ?? c.args[1] ?? null;
  if (!arg) return null;
  const contexts = uses.length ? uses.map((u) => u.context) : [[]];
  const sizes = new Set<number>();
  let at: Node | null = null;
  for (const ctx of contexts) {
    const vals = resolveValues(m, arg, ctx);
    if (!vals || !vals.length || !vals.every((v) => typeof v.value === 'number' && Number.isInteger(v.value))) return null;
    for (const v of vals) sizes.add(v.value as number);
    at ??= vals[0].node;
  }
  if (sizes.size !== 1 || !at) return null;
  return { size: [...sizes][0], arg, at };
}

/** The arguments of `c` (a call of `fn`, another module's function) for the parameters `fn`'s body shows in `role`. */
function argumentsFor(c: CallSite, fn: ImportedFunction, role: string): Node[] {
  const out: Node[] = [];
  const params = fn.summary.params.filter((p) => p !== 'self');
  for (const [p, roles] of Object.entries(fn.summary.paramRoles)) {
    if (!(roles as string[]).includes(role)) continue;
    const kw = c.keywords.get(p);
    const at = params.indexOf(p);
    const arg = kw ?? (at >= 0 && at < c.args.length && !c.args.slice(0, at + 1).some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat') ? c.args[at] : null);
    if (arg) out.push(arg);
  }
  return out;
}

/** Wrappers whose value is the model they are given. */
const MODEL_WRAPPERS: ReadonlySet<string> = new Set(['torch.nn.DataParallel', 'torch.nn.parallel.DataParallel', 'torch.nn.parallel.DistributedDataParallel', 'torch.compile']);

const MLP_LAYERS = new Set([
  'Linear', 'ReLU', 'LeakyReLU', 'GELU', 'SiLU', 'ELU', 'SELU', 'PReLU', 'Mish', 'Tanh', 'Sigmoid', 'Softmax', 'LogSoftmax',
  'Dropout', 'AlphaDropout', 'BatchNorm1d', 'LayerNorm', 'Identity', 'Sequential', 'ModuleList', 'ModuleDict',
]);
const IMAGE_LAYERS = /^torch\.nn\.(Conv[123]d|ConvTranspose[23]d|BatchNorm2d|MaxPool2d|AvgPool2d|AdaptiveAvgPool2d|Upsample)$/;
const IMAGE_FACTORY = /^(timm\.(create_model|models\.)|torchvision\.models\.|segmentation_models_pytorch\.|efficientnet_pytorch\.|pretrainedmodels\.)/;
const IMAGE_LIBRARIES = ['torchvision.transforms', 'albumentations', 'PIL', 'cv2', 'skimage', 'imageio', 'timm.data'];

const TEXT_LIBRARIES = ['transformers', 'tokenizers', 'torchtext', 'nltk', 'spacy', 'sentencepiece', 'gensim'];
const TABLE_LIBRARIES = ['pandas', 'sklearn', 'polars'];

/** Libraries of data kinds the thresholds do not cover: text, audio, graphs, reinforcement learning. */
const UNCOVERED_LIBRARIES = [
  ...TEXT_LIBRARIES, 'torchaudio', 'librosa', 'soundfile', 'speechbrain', 'torch_geometric', 'dgl', 'networkx',
  'gym', 'gymnasium', 'stable_baselines3', 'pytorch_lightning', 'lightning', 'accelerate', 'fairseq', 'allennlp',
];
/** Layers of sequence models (their batch is bounded by sequence memory, not by an image or tabular threshold). */
const SEQUENCE_LAYERS = /^torch\.nn\.(Embedding|EmbeddingBag|RNN|LSTM|GRU|RNNCell|LSTMCell|GRUCell|Transformer|TransformerEncoder|TransformerDecoder|TransformerEncoderLayer|TransformerDecoderLayer|MultiheadAttention|Conv1d)$/;

/** Does the file show a data kind TG401's thresholds do not cover (a text/audio/graph/RL library, sequence layers, a training framework)? */
function uncoveredKindShown(m: PythonModel): boolean {
  if (UNCOVERED_LIBRARIES.some((lib) => m.importsModule(lib))) return true;
  if (m.frameworkLoops().length) return true;
  return m.calls.some((c) => !!c.qualified && SEQUENCE_LAYERS.test(c.qualified));
}

type Kind = 'image' | 'tabular' | 'other' | 'unknown';

/**
 * The kind of data the loops train on, from the models they call: image, tabular MLP, unknown (a
 * model the file does not define: a function or class found nowhere in it), or null (another kind,
 * or no model found).
 */
function dataKind(m: PythonModel, loops: LoopInfo[]): 'image' | 'tabular' | 'unknown' | null {
  const kinds = new Set<Kind>();
  for (const loop of loops) {
    const calls = m.reachableFromLoop(loop).filter((c) => m.isModelCall(c));
    if (!calls.length) {
      // the step is another module's function, read: the model is what the file hands it for its model parameter
      const d = m.delegatedFacts(loop);
      if (!d || d.facts.trainingStep !== true) return null;
      const models = d.calls.flatMap((c, i) => argumentsFor(c, d.functions[i], 'model'));
      if (!models.length) return null;
      for (const a of models) {
        const all = m.originsOf(a);
        if (!all.length || all.every((o) => unknownBase(o.base))) kinds.add('unknown');
        else for (const o of all) kinds.add(modelKind(m, o));
      }
      continue;
    }
    for (const c of calls) {
      const target = c.method === 'forward' && c.receiver ? c.receiver : c.callee;
      const all = m.originsOf(target);
      const origins = all.filter((o) => m.roleOfOrigin(o) === 'model');
      if (!origins.length) {
        // a model call whose value comes from nowhere the file shows (a parameter, a function defined nowhere)
        // (or a wrapper of one: `DistributedDataParallel(model)`)
        if (!all.length) kinds.add('unknown');
        for (const o of all) {
          if (unknownBase(o.base)) kinds.add('unknown');
          else if (MODEL_WRAPPERS.has(o.base!)) kinds.add(modelKind(m, o));
          else return null;
        }
        continue;
      }
      for (const o of origins) kinds.add(modelKind(m, o));
    }
  }
  if (kinds.has('other') || !kinds.size) return null;
  if (kinds.has('image')) return 'image';
  if (kinds.has('unknown')) return 'unknown';
  return IMAGE_LIBRARIES.some((lib) => m.importsModule(lib)) ? null : 'tabular';
}

function modelKind(m: PythonModel, o: Origin, depth = 0): Kind {
  const b = o.base ?? '';
  if (IMAGE_FACTORY.test(b)) return 'image';
  if (b === 'torch.nn.Linear') return 'tabular';
  // a wrapper (`DistributedDataParallel(model)`, `torch.compile(model)`): the kind of the model it wraps
  if (MODEL_WRAPPERS.has(b) && depth < 4) {
    const call = findCall(m, o.node, b);
    // (the wrapper itself, seen again through `model = DDP(model)`, is left out)
    const inner = call?.args[0] ? m.originsOf(call.args[0]).filter((x) => x.node.id !== o.node.id && x.node.id !== call.node.id) : [];
    if (!call) return 'other';
    // nothing the file shows builds the wrapped model (a tuple unpacked from another module's factory): unknown
    const kinds = new Set<Kind>(inner.length ? inner.map((x) => (unknownBase(x.base) ? 'unknown' : modelKind(m, x, depth + 1))) : ['unknown']);
    return kinds.size === 1 ? [...kinds][0] : 'other';
  }
  if (b === 'torch.nn.Sequential') {
    const call = findCall(m, o.node, 'torch.nn.Sequential');
    if (!call) return 'other';
    return layersKind(m, call.args.flatMap((a) => (a.type === 'call' ? [a] : [])), call.args.length);
  }
  if (b.startsWith('<local>.') && depth < 4) {
    const cls = m.classes.get(b.slice(8));
    if (!cls) return 'other';
    const calls = [...cls.methods.values()].flatMap((f) => m.reachableFromFunction(f));
    if (calls.some((c) => (c.qualified && (IMAGE_LAYERS.test(c.qualified) || IMAGE_FACTORY.test(c.qualified))))) return 'image';
    const layers = calls.filter((c) => c.qualified && /^torch\.nn\.[A-Z]/.test(c.qualified)).map((c) => c.node);
    return layersKind(m, layers, layers.length);
  }
  // a factory found nowhere in the file (`timm_like_cnn()` with no def or import), or a model of
  // another module of the project: its kind is unknown (not 'other')
  return unknownBase(b) ? 'unknown' : 'other';
}

/** A model built by a name found nowhere in the file (no origin), or by another module of the project (not a known library's). */
function unknownBase(b: string | null): boolean {
  return !b || (!b.startsWith('<') && !b.startsWith('torch.') && !isLibraryModule(b));
}

/** Layer constructors only from the MLP set, at least one Linear: tabular. Convolutions: image. */
function layersKind(m: PythonModel, layerCalls: Node[], total: number): Kind {
  if (!layerCalls.length || layerCalls.length !== total) return 'other';
  let linear = false;
  for (const n of layerCalls) {
    const q = m.callAt(n)?.qualified ?? '';
    if (IMAGE_LAYERS.test(q)) return 'image';
    const name = q.startsWith('torch.nn.') ? q.slice(9) : '';
    // embeddings of categorical columns beside Linear layers: a tabular network, unless the file handles text
    if (name === 'Embedding' && !TEXT_LIBRARIES.some((lib) => m.importsModule(lib)) && TABLE_LIBRARIES.some((lib) => m.importsModule(lib))) continue;
    if (!MLP_LAYERS.has(name)) return 'other';
    if (name === 'Linear') linear = true;
  }
  return linear ? 'tabular' : 'other';
}

/** The call with qualified name `q` that builds a value: at the root of a method chain (`nn.Sequential(...).to(device)`), through names and the file's own factory functions. */
function findCall(m: PythonModel, n: Node, q: string) {
  const stack: Node[] = [n];
  const seen = new Set<number>();
  while (stack.length && seen.size < 50) {
    const x = stack.pop()!;
    if (seen.has(x.id)) continue;
    seen.add(x.id);
    const c = x.type === 'call' ? m.callAt(x) : undefined;
    if (c?.qualified === q) return c;
    if (c?.receiver) stack.push(c.receiver);
    for (const s of sources(m, x)) if (s.node.id !== x.id) stack.push(s.node);
  }
  return null;
}
