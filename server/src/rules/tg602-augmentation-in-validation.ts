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
import { isWithin } from '../analysis/model';
import { pipelinesOf, type RandomTransform, type TransformPipeline } from '../analysis/augment';
import { builtFromTestData, dataLoaders, datasetSources, loaderInstances, useWritesOut, type LoaderContextUses } from '../analysis/dataloaders';
import { reachingBindings, returnReachable } from '../analysis/flow';
import { identifiersNamedInScopeOf } from '../analysis/node-index';
import { decideCondition } from '../analysis/config-values';
import type { TextEdit } from '../analysis/source';
import { replaceNode } from '../fixes/edits';
import { ensureFromImport } from '../fixes/imports';
import { removeListElements } from '../fixes/lists';
import { nodeRange, type Fix, type Rule } from './types';

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
        fix: certain ? removalFix(m, pipeline) : null,
        related: reported.slice(0, 3).map((u) => ({ range: nodeRange(u.at), message: test ? 'used for prediction here' : 'used for validation here' })),
      });
    }
  },
};

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
      const tta = g.evaluation && g.uses.length > 0 && g.uses.every((u) => !!u.loop && isRepeatedPass(m, u.loop));
      for (const ds of datasetSources(m, info, g.context)) {
        const call = ds.node.type === 'call' ? m.callAt(ds.node) : undefined;
        if (!call) continue;
        for (const arg of [...call.args, ...call.keywords.values()]) {
          for (const { pipeline } of pipelinesOf(m, arg, ds.context)) {
            let e = out.get(pipeline.call.node.id);
            if (!e) out.set(pipeline.call.node.id, (e = { pipeline, uses: [], datasets: new Set() }));
            e.datasets.add(call.node.id);
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

