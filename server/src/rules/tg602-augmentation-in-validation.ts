/**
 * TG602 augmentation-in-validation
 *
 * What it does: finds random augmentations (torchvision RandomHorizontalFlip, RandomResizedCrop,
 * ColorJitter, RandAugment...; albumentations HorizontalFlip, ShiftScaleRotate, CoarseDropout,
 * OneOf...; timm `create_transform(is_training=True)`) in a transform pipeline that reaches a
 * validation, test or prediction DataLoader: the transform is given to the dataset of a loader
 * whose only uses are evaluation passes (a loop running the model without a training step, a
 * Lightning `val_dataloader()` / `predict`), or of a loader built from test files. The transform is
 * followed through variables, dicts of transforms (`tfms['valid']`), getter functions (the branch
 * picked by the caller's constant argument), `Subset` / `random_split` of a shared dataset.
 * Why it is bad: validation then scores randomly altered images: the CV score is noisy and biased
 * (hints, section 6: "CV score unrealistic"), early stopping and checkpoint selection follow the
 * noise, and test predictions change from run to run.
 * Example: `val_tfms = A.Compose([A.HorizontalFlip(), A.Normalize(), ToTensorV2()])` given to the
 * validation dataset.
 * Fix: remove the random entries from the pipeline (whole lines, comments of the entry included);
 * a random crop becomes its deterministic counterpart of the same output size (`RandomCrop` ->
 * `CenterCrop`, torchvision `RandomResizedCrop(s)` -> `Resize(s)`, unsafe as it changes framing);
 * timm `is_training=True` becomes False. Not offered when the same pipeline also feeds training or
 * another use this rule cannot see, or when an entry has no deterministic counterpart.
 * Silent: explicit test-time augmentation: the prediction pass repeated in a loop (that does not
 * load another model each time) and averaged; p=1 / p=0 flips (deterministic); training loaders.
 */
import type { Node } from '../analysis/parser';
import type { CallSite, LoopInfo, PythonModel } from '../analysis/model';
import { pipelinesOf, type RandomTransform, type TransformPipeline } from '../analysis/augment';
import { builtFromTestData, dataLoaders, datasetSources, loaderInstances, useWritesOut, type LoaderContextUses } from '../analysis/dataloaders';
import { reachingBindings, returnReachable } from '../analysis/flow';
import { identifiersNamedInScopeOf } from '../analysis/node-index';
import { constantValue, decideCondition, sources, truthy } from '../analysis/config-values';
import type { TextEdit } from '../analysis/source';
import { freshName, indentOfNode, insertLinesAfter, replaceNode } from '../fixes/edits';
import { applyEdits } from '../analysis/source';
import { ensureFromImport } from '../fixes/imports';
import { removeListElements } from '../fixes/lists';
import { nodeRange, type Fix, type Rule, type RuleContext } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG602',
    name: 'augmentation-in-validation',
    severity: 'warning',
    section: '6. Data leakage & CV/LB mismatch: augmentation on validation',
    summary: 'A random augmentation is in a transform used for validation or test',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    checkKerasGenerators(ctx);
    const uses = pipelineUses(m);
    for (const entry of uses.values()) {
      const { pipeline } = entry;
      if (!pipeline.random.length) continue;
      const evalUses = entry.uses.filter((u) => u.evaluation);
      const reported = evalUses.filter((u) => !u.tta);
      if (!reported.length) continue;
      const names = [...new Set(pipeline.random.map((r) => r.name))];
      const test = reported.some((u) => u.test);
      const certain = !entry.uses.some((u) => !u.evaluation || u.tta) && onlyFeedsKnownDatasets(m, pipeline.call.node, entry.datasets);
      ctx.report({
        node: pipeline.random[0].call.node,
        message: `Random augmentation (${names.join(', ')}) in a transform used for ${test ? 'test predictions' : 'validation'}: ${
          test ? 'predictions are made on randomly altered images and change from run to run' : 'the CV score is computed on randomly altered images, so it is noisy and biased, and early stopping / best-checkpoint choice follow the noise'
        }. Keep augmentation for training only (or make it explicit test-time augmentation, averaged)`,
        fix: certain ? removalFix(m, pipeline) : separateEvalFix(m, entry),
        related: reported.slice(0, 3).map((u) => ({ range: nodeRange(u.at), message: test ? 'used for prediction here' : 'used for validation here' })),
      });
    }
  },
};

/** `ImageDataGenerator` keywords that alter images at random (a truthy flag, a non-zero range, a brightness range). */
const KERAS_RANDOM_FLAGS = new Set(['horizontal_flip', 'vertical_flip']);
const KERAS_RANDOM_RANGES = new Set(['rotation_range', 'width_shift_range', 'height_shift_range', 'zoom_range', 'shear_range', 'channel_shift_range']);
const KERAS_FLOWS = new Set(['flow', 'flow_from_directory', 'flow_from_dataframe']);

/** The random keywords of an `ImageDataGenerator(...)` call (those whose value is known to alter images). */
function kerasRandomKeywords(m: PythonModel, gen: CallSite): Node[] {
  const out: Node[] = [];
  for (const [k, v] of gen.keywords) {
    const val = constantValue(m, v);
    if (KERAS_RANDOM_FLAGS.has(k) && val !== undefined && truthy(val)) out.push(v.parent ?? v);
    else if (KERAS_RANDOM_RANGES.has(k) && val !== undefined && (typeof val === 'number' ? val !== 0 : Array.isArray(val) ? val.length > 0 : false)) out.push(v.parent ?? v);
    else if (k === 'brightness_range' && val !== undefined && val !== null) out.push(v.parent ?? v);
  }
  return out;
}

/**
 * Keras: the generator given as `validation_data` to `fit` comes from `gen.flow*(...)` of an
 * `ImageDataGenerator` with random augmentation (`horizontal_flip=True`, `rotation_range=20`...).
 */
function checkKerasGenerators(ctx: RuleContext): void {
  const m = ctx.model;
  const reported = new Set<number>();
  for (const fw of m.frameworkLoops()) {
    if (fw.framework !== 'keras') continue;
    const val = fw.call.keywords.get('validation_data');
    if (!val) continue;
    for (const src of sources(m, val)) {
      const flow = src.node.type === 'call' ? m.callAt(src.node) : undefined;
      if (!flow || !flow.method || !KERAS_FLOWS.has(flow.method) || !flow.receiver) continue;
      for (const g of sources(m, flow.receiver)) {
        const gen = g.node.type === 'call' ? m.callAt(g.node) : undefined;
        if (!gen || !/^keras\.(preprocessing\.image\.|src\.legacy\.preprocessing\.image\.)?ImageDataGenerator$/.test(gen.qualified ?? '') || reported.has(gen.node.id)) continue;
        const random = kerasRandomKeywords(m, gen);
        if (!random.length) continue;
        reported.add(gen.node.id);
        const names = random.map((r) => r.childForFieldName('name')?.text ?? r.text);
        ctx.report({
          node: random[0],
          message: `Random augmentation (${names.join(', ')}) in the ImageDataGenerator used for validation_data: the validation score is computed on randomly altered images, so it is noisy and biased, and early stopping / best-checkpoint choice follow the noise. Give validation a generator without augmentation`,
          fix: kerasEvalGeneratorFix(m, gen, random, flow),
          related: [{ range: nodeRange(flow.node), message: 'used for validation here' }],
        });
      }
    }
  }
}

/**
 * Validation's own generator: `gen_eval = ImageDataGenerator(<the other keywords>)` after the
 * shared one, and the validation `flow*` call made on it (training keeps the augmentation).
 */
function kerasEvalGeneratorFix(m: PythonModel, gen: CallSite, random: Node[], flow: CallSite): Fix | null {
  const assign = gen.node.parent;
  const left = assign?.type === 'assignment' && assign.childForFieldName('right')?.id === gen.node.id ? assign.childForFieldName('left') : null;
  const stmt = assign?.parent;
  if (!left || left.type !== 'identifier' || stmt?.type !== 'expression_statement' || flow.receiver?.type !== 'identifier' || flow.receiver.text !== left.text) return null;
  const binding = m.bindingAt(left.text, left);
  const reaching = reachingBindings(m, flow.receiver);
  if (!binding || reaching.length !== 1 || reaching[0] !== binding) return null;
  const args = gen.node.childForFieldName('arguments');
  if (!args || args.namedChildren.some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat' || a.type === 'comment')) return null;
  const drop = new Set(random.map((r) => r.id));
  const kept = args.namedChildren.filter((a) => !drop.has(a.id)).map((a) => a.text);
  const name = freshName(m, `${left.text}_eval`);
  const src = m.source;
  return {
    title: 'Give validation its own generator without the random augmentations',
    applicability: 'safe',
    edits: [insertLinesAfter(src, stmt, [`${indentOfNode(src, stmt)}${name} = ${gen.callee.text}(${kept.join(', ')})`]), replaceNode(flow.receiver, name)],
  };
}

interface PipelineUse {
  evaluation: boolean;
  tta: boolean;
  test: boolean;
  at: Node;
}

interface PipelineEntry {
  pipeline: TransformPipeline;
  uses: PipelineUse[];
  /** Dataset construction calls the pipeline is given to. */
  datasets: Set<number>;
  /** The dataset arguments through which the pipeline reaches loaders, with what those loaders do. */
  args: { arg: Node; dataset: number; training: boolean; evaluation: boolean }[];
}

/** Every transform pipeline reaching a DataLoader's dataset, with how those loaders are used. */
function pipelineUses(m: PythonModel): Map<number, PipelineEntry> {
  const out = new Map<number, PipelineEntry>();
  for (const info of dataLoaders(m)) {
    const instances: LoaderContextUses[] = loaderInstances(info);
    if (!instances.length && builtFromTestData(m, info)) instances.push({ context: [], uses: [], training: false, evaluation: true });
    for (const g of instances) {
      if (!g.training && !g.evaluation) continue;
      const test = g.evaluation && (builtFromTestData(m, info) || g.uses.some((u) => u.kind === 'framework-predict' || useWritesOut(m, u, info)));
      // the evaluation passes only: a loop that shows a few images (`plt.imshow(...); break`) runs no model
      const passes = g.uses.filter((u) => u.kind !== 'other');
      const tta = g.evaluation && passes.length > 0 && passes.every((u) => !!u.loop && isRepeatedPass(m, u.loop));
      for (const ds of datasetSources(m, info, g.context)) {
        const call = ds.node.type === 'call' ? m.callAt(ds.node) : undefined;
        if (!call) continue;
        for (const arg of [...call.args, ...call.keywords.values()]) {
          for (const { pipeline } of pipelinesOf(m, arg, ds.context)) {
            let e = out.get(pipeline.call.node.id);
            if (!e) out.set(pipeline.call.node.id, (e = { pipeline, uses: [], datasets: new Set(), args: [] }));
            e.datasets.add(call.node.id);
            e.args.push({ arg, dataset: call.node.id, training: g.training, evaluation: g.evaluation && !tta });
            e.uses.push({ evaluation: g.evaluation, tta, test, at: g.uses[0]?.node ?? info.call.node });
          }
        }
      }
    }
  }
  return out;
}

/** Is an evaluation pass repeated by an enclosing loop that does not load another model each time (test-time augmentation)? */
function isRepeatedPass(m: PythonModel, pass: LoopInfo): boolean {
  for (let p = pass.parent; p; p = p.parent) if (repeats(m, p)) return true;
  // through the calls that run the pass: loops around the call sites, up to three callers deep
  let fns = pass.fn ? [pass.fn] : [];
  for (let depth = 0; depth < 3 && fns.length; depth++) {
    const next = [];
    for (const fn of fns) {
      for (const call of m.callersOf(fn)) {
        if (call.loops.some((l) => repeats(m, l))) return true;
        if (call.fn) next.push(call.fn);
      }
    }
    fns = next;
  }
  return false;
}

/** A loop that repeats a prediction: not a training loop, and no model (re)loaded or created in it. */
function repeats(m: PythonModel, loop: LoopInfo): boolean {
  if (m.trainingLoops().has(loop)) return false;
  return !m.reachableFromLoop(loop).some((c) => loadsModel(m, c));
}

function loadsModel(m: PythonModel, c: CallSite): boolean {
  if (c.method === 'load_state_dict' || c.method === 'load_from_checkpoint' || c.method === 'from_pretrained') return true;
  if (c.qualified === 'torch.load' || c.qualified === 'keras.models.load_model' || c.qualified === 'joblib.load') return true;
  return !!c.qualified && m.roleOfOrigin({ base: c.qualified, chain: [], node: c.node }) === 'model';
}

/**
 * Is every way the pipeline leaves its definition a direct argument of one of `datasets` (so that
 * editing it changes nothing else)? Follows a name it is bound to and a function returning it.
 */
function onlyFeedsKnownDatasets(m: PythonModel, pipeline: Node, datasets: Set<number>, depth = 0): boolean {
  if (depth > 3) return false;
  const parent = pipeline.parent;
  if (!parent) return false;
  const argOf = (n: Node): CallSite | undefined => {
    const holder = n.parent?.type === 'keyword_argument' ? n.parent : n;
    return holder.parent?.type === 'argument_list' ? m.callAt(holder.parent.parent!) : undefined;
  };
  if (parent.type === 'argument_list' || parent.type === 'keyword_argument') {
    const c = argOf(pipeline);
    return !!c && datasets.has(c.node.id);
  }
  if (parent.type === 'return_statement') {
    const fn = m.functionAt(pipeline);
    if (!fn) return false;
    // only the callers whose constant arguments lead to this return
    const ret = parent;
    const callers = m.callersOf(fn).filter((c) => returnReachable(ret, fn, [c], (cond, ctx) => decideCondition(m, cond, ctx)));
    return callers.length > 0 && callers.every((c) => onlyFeedsKnownDatasets(m, c.node, datasets, depth + 1));
  }
  if (parent.type === 'assignment' && parent.childForFieldName('right')?.id === pipeline.id) {
    const left = parent.childForFieldName('left');
    if (left?.type !== 'identifier') return false;
    const binding = m.bindingAt(left.text, left);
    if (!binding) return false;
    // (only the reads inside the binding's function can see it)
    const reads = identifiersNamedInScopeOf(m, left.text, binding).filter((r) => r.id !== left.id && reachingBindings(m, r).includes(binding));
    return reads.length > 0 && reads.every((r) => {
      const c = argOf(r);
      if (c) return datasets.has(c.node.id);
      if (r.parent?.type === 'return_statement') return onlyFeedsKnownDatasets(m, r, datasets, depth + 1);
      // a dict of transforms read with a constant key elsewhere: not followed
      return false;
    });
  }
  return false;
}

/** Size-changing random crops and their deterministic counterparts (same output size). */
function replacementFor(m: PythonModel, r: RandomTransform): { text: string; edits: TextEdit[] } | null | undefined {
  const c = r.call;
  const callee = c.callee;
  const rename = (to: string): { prefix: string; edits: TextEdit[] } | null => {
    if (callee.type === 'attribute') return { prefix: `${callee.childForFieldName('object')!.text}.${to}`, edits: [] };
    if (callee.type !== 'identifier') return null;
    const module = (c.qualified ?? '').replace(/\.[^.]+$/, '');
    const imp = ensureFromImport(m, module, to);
    return { prefix: imp.name, edits: imp.edit ? [imp.edit] : [] };
  };
  if (r.library === 'torchvision' && (r.name === 'RandomCrop' || r.name === 'RandomResizedCrop')) {
    const size = c.keywords.get('size') ?? c.args[0];
    if (!size) return null;
    const to = rename(r.name === 'RandomCrop' ? 'CenterCrop' : 'Resize');
    if (!to) return null;
    const sizeText = r.name === 'RandomResizedCrop' && size.type !== 'tuple' && size.type !== 'list' ? `(${size.text}, ${size.text})` : size.text;
    return { text: `${to.prefix}(${sizeText})`, edits: to.edits };
  }
  if (r.library === 'albumentations' && r.name === 'RandomCrop') {
    const h = c.keywords.get('height') ?? c.args[0];
    const w = c.keywords.get('width') ?? c.args[1];
    if (!h || !w) return null;
    const to = rename('CenterCrop');
    return to ? { text: `${to.prefix}(${h.text}, ${w.text})`, edits: to.edits } : null;
  }
  if (/^(RandomSizedCrop|RandomResizedCrop|RandomScale|RandomIoUCrop|RandomZoomOut|ScaleJitter|RandomShortestSize|RandomResize|CropAndPad|RandomSizedBBoxSafeCrop)$/.test(r.name)) return null;
  return undefined; // no counterpart needed: remove the entry
}

/**
 * The augmented pipeline is shared with training (`aug = T.Compose([...])` given to both datasets):
 * validation gets its own plain copy (`aug_eval = T.Compose([...])`, the random entries removed or
 * made deterministic as `removalFix` would) right after it, and the validation datasets' argument
 * names the copy. The shared pipeline itself is never edited: training keeps its augmentation.
 */
function separateEvalFix(m: PythonModel, entry: PipelineEntry): Fix | null {
  const p = entry.pipeline;
  const assign = p.call.node.parent;
  const left = assign?.type === 'assignment' && assign.childForFieldName('right')?.id === p.call.node.id ? assign.childForFieldName('left') : null;
  const stmt = assign?.parent;
  if (!left || left.type !== 'identifier' || stmt?.type !== 'expression_statement') return null;
  const binding = m.bindingAt(left.text, left);
  if (!binding) return null;
  const evalArgs = entry.args.filter((a) => a.evaluation && !a.training);
  const trainDatasets = new Set(entry.args.filter((a) => a.training).map((a) => a.dataset));
  if (!evalArgs.length || !trainDatasets.size) return null;
  // each validation dataset names the shared pipeline directly, and is not also a training dataset
  for (const a of evalArgs) {
    if (trainDatasets.has(a.dataset) || a.arg.type !== 'identifier' || a.arg.text !== left.text) return null;
    const reaching = reachingBindings(m, a.arg);
    if (reaching.length !== 1 || reaching[0] !== binding) return null;
  }
  const stripped = removalFix(m, p);
  if (!stripped) return null;
  const src = m.source;
  const start = src.offsetAt({ line: p.call.node.startPosition.row, character: p.call.node.startPosition.column });
  const end = src.offsetAt({ line: p.call.node.endPosition.row, character: p.call.node.endPosition.column });
  const inside = (e: TextEdit) => src.offsetAt(e.range.start) >= start && src.offsetAt(e.range.end) <= end;
  const inner = stripped.edits.filter(inside);
  const outer = stripped.edits.filter((e) => !inside(e));
  // the list's rewrite first (it may contain the replaced entries), then each replacement by its text
  const size = (e: TextEdit) => src.offsetAt(e.range.end) - src.offsetAt(e.range.start);
  const ordered = [...inner].sort((a, b) => size(b) - size(a));
  let text = src.text.slice(start, end);
  for (const e of ordered) {
    const from = src.offsetAt(e.range.start);
    const to = src.offsetAt(e.range.end);
    const original = src.text.slice(from, to);
    if (e === ordered[0]) text = applyEdits(src.text, [e]).slice(start, end + e.newText.length - original.length);
    else {
      const i = text.indexOf(original);
      if (!original || i < 0 || text.indexOf(original, i + 1) >= 0) return null;
      text = text.slice(0, i) + e.newText + text.slice(i + original.length);
    }
  }
  const name = freshName(m, `${left.text}_eval`);
  const indent = indentOfNode(src, stmt);
  const seen = new Set<number>();
  const renames = evalArgs.filter((a) => !seen.has(a.arg.id) && seen.add(a.arg.id)).map((a) => replaceNode(a.arg, name));
  return {
    title: 'Give validation its own transform without the random augmentations',
    applicability: stripped.applicability,
    edits: [insertLinesAfter(src, stmt, [`${indent}${name} = ${text}`]), ...renames, ...outer],
  };
}

function removalFix(m: PythonModel, p: TransformPipeline): Fix | null {
  if (p.random.length === 1 && p.random[0].library === 'timm') {
    const c = p.random[0].call;
    const flag = c.keywords.get('is_training') ?? c.args[1];
    return flag ? { title: 'Use the evaluation transform (is_training=False)', applicability: 'safe', edits: [replaceNode(flag, 'False')] } : null;
  }
  if (!p.list) return null;
  const remove: Node[] = [];
  const replaced = new Map<number, string>();
  const edits: TextEdit[] = [];
  let unsafe = false;
  for (const r of p.random) {
    const repl = replacementFor(m, r);
    if (repl === null) return null;
    if (repl === undefined) remove.push(r.call.node);
    else {
      unsafe = true;
      replaced.set(r.call.node.id, repl.text);
      edits.push(...repl.edits);
    }
  }
  // removals and replacements in one set of edits (a one-line list is rebuilt whole: a replacement
  // inside it would overlap the rebuild)
  const removal = remove.length ? removeListElements(m.source, p.list, remove, replaced) : p.random.filter((r) => replaced.has(r.call.node.id)).map((r) => replaceNode(r.call.node, replaced.get(r.call.node.id)!));
  if (!removal) return null;
  // one import line added at most once
  const seen = new Set<string>();
  const unique = [...removal, ...edits].filter((e) => {
    const k = `${e.range.start.line}:${e.range.start.character}:${e.newText}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return {
    title: remove.length && !edits.length ? 'Remove the random augmentations from the validation transform' : 'Make the validation transform deterministic',
    applicability: unsafe ? 'unsafe' : 'safe',
    edits: unique,
  };
}

