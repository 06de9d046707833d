/**
 * What a training script says about its own cost, read from the shared PythonModel: the model it
 * creates, folds, epochs, batch size, image size, DataLoader workers, dataset size, mixed precision,
 * multi-GPU. Values are found where they are USED (the epoch loop's `range(...)`, `KFold(n_splits=)`,
 * `DataLoader(batch_size=)`, `transforms.Resize(...)`, `timm.create_model(...)`), then followed to
 * the literal that sets them: module constants, class attributes (`CFG.epochs`), config dicts
 * (`CFG['epochs']`), `SimpleNamespace(...)`, argparse defaults and function parameter defaults.
 * Conventional constant names (EPOCHS, N_FOLDS, ...) are only a fallback when no use resolves.
 *
 * Each fact keeps the literal node it came from, so the panel's "Apply to file" and TG101's quick
 * fixes can edit the literal in place. The values are resolved by the analysis layer's
 * config-values.ts, as every rule's are.
 */
import type { Node } from '../analysis/parser';
import type { CallSite, LoopInfo, PythonModel } from '../analysis/model';
import { stringValue } from '../analysis/model';
import type { Range, TextEdit } from '../analysis/source';
import { replaceNode } from '../fixes/edits';
import { nodeRange } from '../rules/types';
import { modelRecord, resolveModelName } from './models';
import { resolveConstant } from '../analysis/config-values';

export interface Fact<T> {
  value: T;
  /** The literal the value was read from (edits go there), or null when it is not a plain literal. */
  literal: Node | null;
  /** Where the value comes from, for people: `EPOCHS = 10 (line 12)`. */
  source: string;
}

export interface ModelFact extends Fact<string> {
  /** The call that creates the model. */
  call: Node;
  library: 'timm' | 'torchvision' | 'huggingface' | 'efficientnet_pytorch' | 'keras';
  /** The timm table name the model maps to, or null when the tables do not know it. */
  resolved: string | null;
}

export interface ScriptFacts {
  model: ModelFact | null;
  /** Other distinct models the file creates (the first one is `model`). */
  otherModels: string[];
  folds: Fact<number> | null;
  /** Smallest fold count the script's splitter accepts (KFold needs n_splits >= 2). */
  minFolds: number;
  epochs: Fact<number> | null;
  batchSize: Fact<number> | null;
  imgSize: Fact<number> | null;
  numWorkers: Fact<number> | null;
  /** Samples in the whole training set (before a fold split), when the script says. */
  datasetSamples: Fact<number> | null;
  /** Samples of a held-out split the script validates on (torchvision `train=False`), when it says. */
  heldOutSamples: Fact<number> | null;
  /** true: autocast/GradScaler/fp16 flags; false: a hand-written loop without them; null: cannot tell. */
  amp: boolean | null;
  /** Does the script train on several GPUs (DataParallel, DDP, accelerate, Lightning devices > 1)? */
  multiGpu: boolean;
}

/** A value and the node it is read from: the literal itself when every path ends there (see resolveLiteral). */
type Literal = { value: number | string | boolean; literal: Node };


function lineOf(n: Node): number {
  return n.startPosition.row + 1;
}

function describe(n: Node, lit: Node): string {
  const stmt = statementText(lit);
  return stmt ? `${stmt} (line ${lineOf(lit)})` : `${n.text} (line ${lineOf(n)})`;
}

/** `EPOCHS = 10` for the literal of that assignment, or the literal's own line text. */
function statementText(lit: Node): string {
  let s: Node | null = lit;
  while (s && s.parent && s.parent.type !== 'block' && s.parent.type !== 'module') s = s.parent;
  const t = (s ?? lit).text.split(/\r?\n/)[0].trim();
  return t.length > 80 ? `${t.slice(0, 77)}...` : t;
}

/**
 * Follows `expr` to the value that sets it, with the literal it is written in when every path ends at
 * that one literal (config-values: constants, class attributes, config dicts, namespaces, argparse
 * defaults, parameters). Null when it has no single number, string or boolean value.
 */
export function resolveLiteral(m: PythonModel, expr: Node | null): Literal | null {
  const r = resolveConstant(m, expr);
  if (!r) return null;
  const v = r.value;
  return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? { value: v, literal: r.node } : null;
}

function intFact(m: PythonModel, expr: Node | null, min = 0): Fact<number> | null {
  const r = resolveLiteral(m, expr);
  if (!r || typeof r.value !== 'number' || !Number.isInteger(r.value) || r.value < min) return null;
  return { value: r.value, literal: r.literal.type === 'integer' ? r.literal : null, source: describe(expr!, r.literal) };
}

// ---------------------------------------------------------------------------------------------
// The model

const TORCHVISION_FACTORY = /^torchvision\.models\.([a-z][a-z0-9_]*)$/;
/** `tf.keras.applications.EfficientNetB3`, `keras.applications.efficientnet.EfficientNetB3`, `efficientnet.tfkeras.EfficientNetB3` (qualified names normalised to `keras.`). */
const KERAS_EFFICIENTNET = /^(?:keras\.applications\.(?:efficientnet\.)?|efficientnet\.(?:tfkeras|keras)\.)EfficientNetB([0-7])$/;
const HF_FROM_PRETRAINED = /^transformers\.\w+\.from_pretrained$/;

function modelFacts(m: PythonModel): { model: ModelFact | null; others: string[] } {
  const found: ModelFact[] = [];
  for (const c of m.calls) {
    const q = c.qualified;
    if (!q) continue;
    let nameExpr: Node | null = null;
    let library: ModelFact['library'] | null = null;
    if (q === 'timm.create_model' || q === 'timm.models.create_model') {
      nameExpr = c.keywords.get('model_name') ?? c.args[0] ?? null;
      library = 'timm';
    } else if (q === 'torchvision.models.get_model') {
      nameExpr = c.keywords.get('name') ?? c.args[0] ?? null;
      library = 'torchvision';
    } else if (HF_FROM_PRETRAINED.test(q)) {
      nameExpr = c.keywords.get('pretrained_model_name_or_path') ?? c.args[0] ?? null;
      library = 'huggingface';
    } else if (/^efficientnet_pytorch\.EfficientNet\.from_(pretrained|name)$/.test(q)) {
      nameExpr = c.keywords.get('model_name') ?? c.args[0] ?? null;
      library = 'efficientnet_pytorch';
    } else if (KERAS_EFFICIENTNET.test(q)) {
      // Keras EfficientNets have no measured figure of their own: the architecture-equivalent timm
      // entry (`EfficientNetB3` -> `efficientnet_b3`, the same B3 network) stands for them
      const b = KERAS_EFFICIENTNET.exec(q)![1];
      found.push({ value: `EfficientNetB${b}`, literal: null, source: `${c.callee.text}(...) (line ${lineOf(c.node)}), estimated as timm efficientnet_b${b}`, call: c.node, library: 'keras', resolved: resolveModelName(`efficientnet_b${b}`).name });
      continue;
    } else {
      const tv = TORCHVISION_FACTORY.exec(q);
      if (tv && !/^(get_model|get_weight|list_models|get_model_weights)$/.test(tv[1]) && !/_weights$/i.test(tv[1])) {
        const name = tv[1];
        found.push({ value: name, literal: null, source: `${c.callee.text}(...) (line ${lineOf(c.node)})`, call: c.node, library: 'torchvision', resolved: resolveModelName(name).name });
      }
      continue;
    }
    const r = resolveLiteral(m, nameExpr);
    if (!r || typeof r.value !== 'string') continue;
    const resolved = resolveModelName(r.value).name;
    // `timm.create_model("b4") (line 17)` when the name is written in the call, else where it is set
    const source = r.literal.id === nameExpr!.id ? `${c.callee.text}(${r.literal.text}) (line ${lineOf(c.node)})` : describe(nameExpr!, r.literal);
    // only a plain string literal is rewritten by "Apply to file" (not an f-string or a name built from parts)
    const plain = r.literal.type === 'string' && !r.literal.namedChildren.some((x) => x.type === 'interpolation');
    found.push({ value: r.value, literal: plain ? r.literal : null, source, call: c.node, library, resolved });
  }
  const distinct = [...new Set(found.map((f) => f.value))];
  return { model: found[0] ?? null, others: distinct.slice(1) };
}

// ---------------------------------------------------------------------------------------------
// Loops: epochs and folds

/** `range(N)`, `range(0, N)`, `range(1, N + 1)`, `tqdm(range(N))`, `enumerate(range(N))`: the N expression. */
function rangeCount(m: PythonModel, iter: Node | null): Node | null {
  if (!iter || iter.type !== 'call') return null;
  const call = m.callAt(iter);
  if (!call) return null;
  const callee = call.callee.text;
  if (callee === 'range') {
    if (call.args.length === 1) return call.args[0];
    if (call.args.length === 2) {
      const start = call.args[0].text;
      const stop = call.args[1];
      if (start === '0') return stop;
      if (start === '1' && stop.type === 'binary_operator' && stop.childForFieldName('operator')?.text === '+' && stop.childForFieldName('right')?.text === '1') return stop.childForFieldName('left');
    }
    return null;
  }
  if ((/(^|\.)tqdm$/.test(call.qualified ?? callee) || callee === 'enumerate' || /(^|\.)trange$/.test(call.qualified ?? '')) && call.args[0]) {
    if (/(^|\.)trange$/.test(call.qualified ?? '')) return call.args.length === 1 ? call.args[0] : null;
    return rangeCount(m, call.args[0]);
  }
  return null;
}

function loopFacts(m: PythonModel): { epochLoop: LoopInfo | null; foldLoop: LoopInfo | null } {
  const facts = m.trainingLoops();
  const all = [...facts.values()];
  // epoch loops: training loops whose inner training loops are all batch loops
  const epochs = all.filter((f) => f.inner.length > 0 && f.inner.every((l) => facts.get(l)!.inner.length === 0)).map((f) => f.loop);
  const epochLoop = epochs[0] ?? null;
  const isEpoch = new Set(epochs);
  const folds = all.filter((f) => f.inner.some((l) => isEpoch.has(l))).map((f) => f.loop);
  return { epochLoop, foldLoop: folds[0] ?? null };
}

const SPLITTERS = /^(sklearn\.model_selection\.(KFold|StratifiedKFold|GroupKFold|StratifiedGroupKFold|RepeatedKFold|RepeatedStratifiedKFold)|iterstrat\.ml_stratifiers\.MultilabelStratifiedKFold)$/;

function splitterCall(m: PythonModel): CallSite | null {
  return m.calls.find((c) => SPLITTERS.test(c.qualified ?? '')) ?? null;
}

function foldsFact(m: PythonModel, foldLoop: LoopInfo | null): Fact<number> | null {
  if (foldLoop) {
    const n = rangeCount(m, foldLoop.iter);
    if (n) {
      const f = intFact(m, n, 1);
      if (f) return f;
    }
    // for fold in [0, 1, 2] / CFG.trn_fold = [0, 1, 2]
    const list = foldLoop.iter?.type === 'list' ? foldLoop.iter : null;
    if (list) return { value: list.namedChildren.length, literal: null, source: `${list.text} (line ${lineOf(list)})` };
  }
  const split = splitterCall(m);
  if (split) {
    const n = split.keywords.get('n_splits') ?? split.args[0] ?? null;
    if (n) return intFact(m, n, 2);
    return { value: 5, literal: null, source: `${split.callee.text}() without n_splits: scikit-learn's default 5 (line ${lineOf(split.node)})` };
  }
  return null;
}

/** Epochs given to a framework's fit/train call. */
function frameworkEpochs(m: PythonModel): Fact<number> | null {
  for (const c of m.calls) {
    const q = c.qualified ?? '';
    let e: Node | null = null;
    if (/^pytorch_lightning\.(Trainer|trainer\.Trainer)$/.test(q)) e = c.keywords.get('max_epochs') ?? null;
    else if (/^transformers\.(TrainingArguments|Seq2SeqTrainingArguments)$/.test(q)) e = c.keywords.get('num_train_epochs') ?? null;
    else if (c.method && /^(fit|fit_one_cycle|fine_tune|fit_flat_cos)$/.test(c.method) && c.receiver && m.frameworkLoops().some((f) => f.call === c)) {
      e = c.keywords.get('epochs') ?? c.keywords.get('n_epoch') ?? (c.method === 'fit' && m.frameworkLoops().find((f) => f.call === c)?.framework === 'keras' ? null : c.args[0] ?? null);
    }
    if (e) {
      const f = intFact(m, e, 1);
      if (f) return f;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Names (fallback only)

const NAME_FALLBACK: Record<'epochs' | 'folds' | 'batchSize' | 'imgSize' | 'samples', RegExp> = {
  epochs: /^(n_|num_)?epochs?$/i,
  folds: /^(n_|num_)?(folds?|splits)$/i,
  batchSize: /^(train_)?(batch_size|bs)$/i,
  imgSize: /^(img|image)_?size$/i,
  samples: /^(n_|num_)?(train_)?samples(_per_epoch)?$|^(n|num)_train$/i,
};

/** A module-level constant, class attribute of a config class or config-dict key with a conventional name. */
function byName(m: PythonModel, kind: keyof typeof NAME_FALLBACK, min: number): Fact<number> | null {
  const re = NAME_FALLBACK[kind];
  for (const [name, bs] of m.bindings) {
    if (!re.test(name) || bs.length !== 1 || bs[0].kind !== 'assign' || bs[0].fn) continue;
    const f = intFact(m, bs[0].node, min);
    if (f) return f;
  }
  for (const cls of m.classes.values()) {
    for (const stmt of cls.node.childForFieldName('body')?.namedChildren ?? []) {
      const a = stmt.type === 'expression_statement' ? stmt.namedChildren[0] : null;
      const left = a?.type === 'assignment' ? a.childForFieldName('left') : null;
      if (left?.type === 'identifier' && re.test(left.text)) {
        const f = intFact(m, a!.childForFieldName('right'), min);
        if (f) return f;
      }
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Loader, images, data

function trainLoader(m: PythonModel): CallSite | null {
  const loaders = m.calls.filter((c) => c.qualified === 'torch.utils.data.DataLoader' || c.qualified === 'torch.utils.data.dataloader.DataLoader');
  return loaders.find((c) => c.keywords.get('shuffle')?.text === 'True') ?? loaders[0] ?? null;
}

const SIZE_TRANSFORMS = /^(torchvision\.transforms(\.v2)?\.(Resize|RandomResizedCrop|CenterCrop|RandomCrop)|albumentations\.(Resize|RandomResizedCrop|CenterCrop|RandomCrop|LongestMaxSize|SmallestMaxSize))$/;

/** The training image side: the largest size a resize/crop transform (or `create_model(img_size=)`) sets. */
function imgSizeFact(m: PythonModel): Fact<number> | null {
  let best: Fact<number> | null = null;
  const consider = (f: Fact<number> | null) => {
    if (f && f.value >= 16 && f.value <= 4096 && (!best || f.value > best.value)) best = f;
  };
  for (const c of m.calls) {
    const q = c.qualified ?? '';
    if (q === 'timm.create_model' || q === 'timm.models.create_model') consider(intFact(m, c.keywords.get('img_size') ?? null, 1));
    if (!SIZE_TRANSFORMS.test(q)) continue;
    const first = c.keywords.get('size') ?? c.keywords.get('height') ?? c.keywords.get('max_size') ?? c.args[0] ?? null;
    if (!first) continue;
    if (first.type === 'tuple' || first.type === 'list') {
      // (h, w): the side of the same pixel count
      const [h, w] = first.namedChildren.map((x) => intFact(m, x, 1));
      if (h && w) consider({ value: Math.round(Math.sqrt(h.value * w.value)), literal: h.value === w.value ? null : null, source: `${c.callee.text}(${first.text}) (line ${lineOf(c.node)})` });
      continue;
    }
    const width = q.startsWith('albumentations.') && !c.keywords.get('size') ? c.keywords.get('width') ?? c.args[1] ?? null : null;
    const h = intFact(m, first, 1);
    const w = width ? intFact(m, width, 1) : null;
    if (h && w && w.value !== h.value) consider({ value: Math.round(Math.sqrt(h.value * w.value)), literal: null, source: `${c.callee.text}(...) (line ${lineOf(c.node)})` });
    else consider(h);
  }
  return best ?? byName(m, 'imgSize', 16);
}

/** Training-split sizes of torchvision datasets (from the datasets' documentation): [train, test]. */
const DATASET_SIZES: Record<string, [number, number]> = {
  MNIST: [60000, 10000],
  FashionMNIST: [60000, 10000],
  KMNIST: [60000, 10000],
  CIFAR10: [50000, 10000],
  CIFAR100: [50000, 10000],
  SVHN: [73257, 26032],
  STL10: [5000, 8000],
  Food101: [75750, 25250],
  Flowers102: [1020, 6149],
  OxfordIIITPet: [3680, 3669],
};

function datasetFacts(m: PythonModel): { total: Fact<number> | null; heldOut: Fact<number> | null } {
  let total: Fact<number> | null = null;
  let heldOut: Fact<number> | null = null;
  for (const c of m.calls) {
    const d = /^torchvision\.datasets\.(\w+)$/.exec(c.qualified ?? '');
    const sizes = d ? DATASET_SIZES[d[1]] : undefined;
    if (!d || !sizes) continue;
    const trainKw = c.keywords.get('train');
    const splitKw = c.keywords.get('split');
    const split = splitKw ? stringValue(splitKw) : null;
    const isTest = trainKw?.text === 'False' || (split !== null && split !== 'train');
    const fact = { value: isTest ? sizes[1] : sizes[0], literal: null, source: `torchvision ${d[1]} ${isTest ? 'test' : 'training'} split: ${isTest ? sizes[1] : sizes[0]} samples (line ${lineOf(c.node)})` };
    if (isTest) heldOut ??= fact;
    else total ??= fact;
  }
  return { total: total ?? byName(m, 'samples', 1), heldOut };
}

function ampFact(m: PythonModel): boolean | null {
  if (m.autocastBlocks().length) return true;
  for (const c of m.calls) {
    const q = c.qualified ?? '';
    if (/GradScaler$/.test(q) && /^torch\./.test(q)) return true;
    if (q === 'accelerate.Accelerator') {
      const mp = c.keywords.get('mixed_precision');
      if (mp) return /fp16|bf16|fp8/.test(mp.text);
    }
    if (/^pytorch_lightning\.(Trainer|trainer\.Trainer)$/.test(q) && c.keywords.has('precision')) return /16|bf16/.test(c.keywords.get('precision')!.text);
    if (/^transformers\.(TrainingArguments|Seq2SeqTrainingArguments)$/.test(q)) return c.keywords.get('fp16')?.text === 'True' || c.keywords.get('bf16')?.text === 'True';
    if (/mixed_precision\.set_global_policy$/.test(q)) return /mixed/.test(c.args[0]?.text ?? '');
  }
  return m.trainingLoops().size ? false : null;
}

function multiGpuFact(m: PythonModel): boolean {
  for (const c of m.calls) {
    const q = c.qualified ?? '';
    if (/^torch\.nn\.(DataParallel|parallel\.DistributedDataParallel|parallel\.DataParallel)$/.test(q)) return true;
    if (q === 'accelerate.Accelerator') return true;
    if (/^pytorch_lightning\.(Trainer|trainer\.Trainer)$/.test(q)) {
      const d = c.keywords.get('devices') ?? c.keywords.get('gpus');
      if (d && (/^-1$|^"auto"$|^'auto'$/.test(d.text) || (Number(d.text) > 1))) return true;
    }
  }
  return false;
}

/** Everything the estimator needs from a script. Never throws on odd code: missing facts are null. */
export function scriptFacts(m: PythonModel): ScriptFacts {
  const { model, others } = modelFacts(m);
  const { epochLoop, foldLoop } = loopFacts(m);
  const epochs = (epochLoop ? intFact(m, rangeCount(m, epochLoop.iter), 1) : null) ?? frameworkEpochs(m) ?? byName(m, 'epochs', 1);
  const folds = foldsFact(m, foldLoop) ?? byName(m, 'folds', 1);
  const loader = trainLoader(m);
  const batchSize = (loader ? intFact(m, loader.keywords.get('batch_size') ?? loader.args[1] ?? null, 1) : null) ?? byName(m, 'batchSize', 1);
  let numWorkers: Fact<number> | null = null;
  if (loader) {
    const nw = loader.keywords.get('num_workers');
    numWorkers = nw ? intFact(m, nw, 0) : { value: 0, literal: null, source: `DataLoader without num_workers: PyTorch's default 0 (line ${lineOf(loader.node)})` };
  }
  const data = datasetFacts(m);
  const split = splitterCall(m);
  return {
    model,
    otherModels: others,
    folds,
    minFolds: split ? 2 : 1,
    epochs,
    batchSize,
    imgSize: imgSizeFact(m),
    numWorkers,
    datasetSamples: data.total,
    heldOutSamples: data.heldOut,
    amp: ampFact(m),
    multiGpu: multiGpuFact(m),
  };
}

/** Training and validation samples per epoch for `folds` folds of `total` samples (K-fold: (K-1)/K and 1/K). */
export function samplesPerEpoch(total: number, folds: number, heldOut: number | null): { train: number; val: number } {
  if (folds > 1) return { train: Math.round((total * (folds - 1)) / folds), val: Math.round(total / folds) };
  return { train: total, val: heldOut ?? 0 };
}

/** The facts as plain data (no tree nodes): value, where it comes from, and the literal's range. */
export const FACT_KEYS = ['model', 'folds', 'epochs', 'batchSize', 'imgSize', 'numWorkers', 'datasetSamples', 'heldOutSamples'] as const;
export type FactKey = (typeof FACT_KEYS)[number];

export function plainFacts(f: ScriptFacts): Partial<Record<FactKey, { value: string | number; source: string; range: Range | null }>> {
  const out: Partial<Record<FactKey, { value: string | number; source: string; range: Range | null }>> = {};
  for (const key of FACT_KEYS) {
    const x = f[key];
    if (x) out[key] = { value: x.value, source: x.source, range: x.literal ? nodeRange(x.literal) : null };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Edits: write a plan back into the script

export interface PlanChange {
  model?: string;
  folds?: number;
  epochs?: number;
}

/** Names torchvision.models.get_model accepts among the families the estimator suggests. */
const TORCHVISION_NAMES = new Set([
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => `efficientnet_b${i}`),
  'resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152',
  'resnext50_32x4d', 'resnext101_32x8d', 'convnext_tiny', 'convnext_small', 'convnext_base', 'convnext_large',
]);

function quoteLike(lit: Node, value: string): string {
  const m = /^([rRbBuU]*)("""|'''|"|')/.exec(lit.text);
  const prefix = m?.[1] ?? '';
  const q = m?.[2] ?? "'";
  return `${prefix}${q}${value}${q}`;
}

/**
 * The text edits that set the script's model name, folds and epochs to `change`, each at the literal
 * that sets it. Returns the edits and, for what cannot be written (no literal, a model the library
 * would not accept), the reasons.
 */
export function editsForPlan(facts: ScriptFacts, change: PlanChange): { edits: TextEdit[]; problems: string[] } {
  const edits: TextEdit[] = [];
  const problems: string[] = [];
  if (change.model !== undefined && change.model !== facts.model?.value) {
    const f = facts.model;
    if (!f) problems.push('the script creates no model Train Guard can read');
    else if (!f.literal || f.literal.type !== 'string') problems.push(`the model is set by ${f.source}, not a string literal: change it by hand`);
    else if (f.library === 'timm' && modelRecord(change.model)) edits.push(replaceNode(f.literal, quoteLike(f.literal, change.model)));
    else if (f.library === 'torchvision' && TORCHVISION_NAMES.has(change.model)) edits.push(replaceNode(f.literal, quoteLike(f.literal, change.model)));
    else problems.push(`${change.model} cannot be written into a ${f.library} call: change it by hand`);
  }
  for (const key of ['folds', 'epochs'] as const) {
    const v = change[key];
    const f = facts[key];
    if (v === undefined || v === f?.value) continue;
    if (!Number.isInteger(v) || v < 1) problems.push(`${key} must be a whole number of at least 1`);
    else if (key === 'folds' && v < facts.minFolds) problems.push(`the script's splitter needs at least ${facts.minFolds} folds`);
    else if (!f) problems.push(`the script sets no ${key} Train Guard can read`);
    else if (!f.literal) problems.push(`${key} comes from ${f.source}, not a literal: change it by hand`);
    else edits.push(replaceNode(f.literal, String(v)));
  }
  // two facts may share one literal (EPOCHS used for both): keep one edit per range
  const seen = new Set<string>();
  const unique = edits.filter((e) => {
    const k = `${e.range.start.line}:${e.range.start.character}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return { edits: unique, problems };
}
