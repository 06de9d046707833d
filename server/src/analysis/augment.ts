/**
 * Augmentation facts: Mixup / CutMix in a training loop (timm's `Mixup`, `FastCollateMixup`, or a
 * mixup written by hand: a Beta-distributed mixing weight plus a permutation / flip of the batch),
 * and random transforms (torchvision, albumentations, timm `create_transform(is_training=True)`)
 * inside transform pipelines.
 */
import type { Node } from './parser';
import type { CallSite, LoopInfo, PythonModel } from './model';
import { sources, constantValue } from './config-values';
import type { Context } from './flow';
import { dataLoaders, loaderArg, trainUses, type LoaderInfo, type LoaderUse } from './dataloaders';

// -------------------------------------------------------------------------------------------------
// Mixup

const TIMM_MIXUP = /^timm\.data\.(mixup\.)?Mixup$/;
const TIMM_COLLATE_MIXUP = /^timm\.data\.(mixup\.)?FastCollateMixup$/;
const BETA_DRAWS = new Set(['numpy.random.beta', 'torch.distributions.beta.Beta', 'torch.distributions.Beta', 'random.betavariate', 'scipy.stats.beta.rvs']);
const PERMUTATIONS = new Set(['torch.randperm', 'numpy.random.permutation', 'numpy.random.shuffle', 'torch.flip', 'torch.roll', 'random.shuffle']);
const RNG_FACTORIES = /^numpy\.random\.(default_rng|RandomState|Generator)$/;

export interface MixupUse {
  kind: 'timm' | 'custom';
  /** The call that mixes (the Mixup instance called, or the Beta draw of a hand-written mixup). */
  node: Node;
}

/** Is `call` a call of a timm `Mixup` instance (`mixup_fn(x, y)`, `Mixup(...)(x, y)`)? */
export function isTimmMixupCall(m: PythonModel, call: CallSite): boolean {
  if (call.callee.type === 'call') return TIMM_MIXUP.test(m.callAt(call.callee)?.qualified ?? '');
  if (call.callee.type !== 'identifier' && call.callee.type !== 'attribute') return false;
  if (call.method && call.callee.type === 'attribute' && m.qualify(call.callee)) return false;
  return sources(m, call.callee).some((s) => s.node.type === 'call' && TIMM_MIXUP.test(m.callAt(s.node)?.qualified ?? ''));
}

function isBetaDraw(m: PythonModel, c: CallSite): boolean {
  if (c.qualified && BETA_DRAWS.has(c.qualified)) return true;
  if (c.method === 'beta' && c.receiver) return m.originsOf(c.receiver).some((o) => !!o.base && RNG_FACTORIES.test(o.base));
  return false;
}

function isPermutation(m: PythonModel, c: CallSite): boolean {
  if (c.qualified && PERMUTATIONS.has(c.qualified)) return true;
  if ((c.method === 'flip' || c.method === 'roll') && c.receiver && !c.qualified) return true;
  if (c.method === 'permutation' && c.receiver) return m.originsOf(c.receiver).some((o) => !!o.base && RNG_FACTORIES.test(o.base));
  return false;
}

/** Mixup / CutMix applied to the batches of a training loop (in its body or the functions it calls). */
export function mixupInLoop(m: PythonModel, loop: LoopInfo): MixupUse | null {
  const reach = m.reachableFromLoop(loop);
  const timm = reach.find((c) => isTimmMixupCall(m, c));
  if (timm) return { kind: 'timm', node: timm.node };
  const beta = reach.find((c) => isBetaDraw(m, c));
  if (beta && reach.some((c) => isPermutation(m, c))) return { kind: 'custom', node: beta.node };
  return null;
}

/** A timm `FastCollateMixup` given as a DataLoader's `collate_fn` (mixup done while collating). */
export function collateMixup(m: PythonModel, collate: Node | null, ctx: Context): MixupUse | null {
  if (!collate) return null;
  for (const s of sources(m, collate, ctx)) {
    if (s.node.type === 'call' && TIMM_COLLATE_MIXUP.test(m.callAt(s.node)?.qualified ?? '')) return { kind: 'timm', node: s.node };
  }
  return null;
}

export interface MixupLoader {
  info: LoaderInfo;
  /** Its hand-written training uses. */
  uses: LoaderUse[];
  mixup: MixupUse;
}

/** Training DataLoaders whose batches go through Mixup / CutMix (in the loop that iterates them, or their collate_fn). */
export function mixupTrainingLoaders(m: PythonModel): MixupLoader[] {
  const out: MixupLoader[] = [];
  for (const info of dataLoaders(m)) {
    const uses = trainUses(info);
    if (!uses.length) continue;
    let mixup: MixupUse | null = null;
    for (const u of uses) {
      mixup = (u.loop && mixupInLoop(m, u.loop)) || collateMixup(m, loaderArg(info, 'collate_fn'), u.context);
      if (mixup) break;
    }
    if (mixup) out.push({ info, uses, mixup });
  }
  return out;
}

// -------------------------------------------------------------------------------------------------
// Random transforms

const TV_RANDOM = new Set([
  'RandomHorizontalFlip', 'RandomVerticalFlip', 'RandomResizedCrop', 'RandomSizedCrop', 'RandomCrop', 'RandomRotation', 'RandomAffine',
  'RandomPerspective', 'ColorJitter', 'RandomGrayscale', 'RandomErasing', 'RandAugment', 'AutoAugment', 'TrivialAugmentWide', 'AugMix',
  'RandomApply', 'RandomChoice', 'RandomOrder', 'RandomInvert', 'RandomPosterize', 'RandomSolarize', 'RandomAdjustSharpness',
  'RandomAutocontrast', 'RandomEqualize', 'GaussianBlur', 'ElasticTransform', 'RandomIoUCrop', 'RandomZoomOut', 'RandomPhotometricDistort',
  'ScaleJitter', 'RandomShortestSize', 'RandomResize', 'RandomChannelPermutation', 'GaussianNoise', 'MixUp', 'CutMix',
]);
/** torchvision transforms that are deterministic at p=1 (always applied) or p=0 (never). */
const TV_P_DETERMINISTIC = new Set(['RandomHorizontalFlip', 'RandomVerticalFlip', 'RandomGrayscale', 'RandomInvert', 'RandomAutocontrast', 'RandomEqualize']);

const ALBU_RANDOM = new Set([
  'HorizontalFlip', 'VerticalFlip', 'Flip', 'Transpose', 'RandomRotate90', 'Rotate', 'SafeRotate', 'ShiftScaleRotate', 'Affine', 'Perspective',
  'ElasticTransform', 'GridDistortion', 'OpticalDistortion', 'RandomResizedCrop', 'RandomSizedCrop', 'RandomCrop', 'RandomScale',
  'CoarseDropout', 'Cutout', 'GridDropout', 'ChannelDropout', 'RandomBrightnessContrast', 'RandomBrightness', 'RandomContrast',
  'HueSaturationValue', 'RGBShift', 'ColorJitter', 'RandomGamma', 'CLAHE', 'ChannelShuffle', 'ToGray', 'ToSepia', 'InvertImg', 'Solarize',
  'Posterize', 'Equalize', 'Sharpen', 'Emboss', 'GaussNoise', 'ISONoise', 'MultiplicativeNoise', 'GaussianBlur', 'Blur', 'MotionBlur',
  'MedianBlur', 'GlassBlur', 'Downscale', 'ImageCompression', 'JpegCompression', 'RandomFog', 'RandomRain', 'RandomShadow', 'RandomSnow',
  'RandomSunFlare', 'RandomToneCurve', 'OneOf', 'SomeOf', 'OneOrOther', 'RandomGridShuffle', 'PixelDropout', 'AdvancedBlur', 'Defocus',
  'ZoomBlur', 'RandomGravel', 'Spatter', 'UnsharpMask', 'FancyPCA', 'XYMasking', 'RingingOvershoot', 'Superpixels', 'Morphological',
  'PlanckianJitter', 'RandomErasing', 'ShotNoise', 'SaltAndPepper', 'D4', 'GridElasticDeform', 'RandomSizedBBoxSafeCrop', 'CropAndPad',
]);
/** albumentations transforms whose only randomness is whether they apply (deterministic at p=1 / p=0). */
const ALBU_P_DETERMINISTIC = new Set(['HorizontalFlip', 'VerticalFlip', 'Transpose', 'ToGray', 'ToSepia', 'InvertImg', 'Equalize']);

const COMPOSE = /^(torchvision\.transforms\.(v2\.)?Compose|albumentations\.(core\.composition\.)?Compose|albumentations\.Sequential)$/;

export type TransformLibrary = 'torchvision' | 'albumentations' | 'timm';

export interface RandomTransform {
  call: CallSite;
  /** `RandomHorizontalFlip`, `A.ColorJitter`'s class name. */
  name: string;
  library: TransformLibrary;
}

function transformClass(q: string | null): { name: string; library: TransformLibrary } | null {
  if (!q) return null;
  let m = /^torchvision\.transforms\.(?:v2\.|transforms\.|v2\.transforms\.)?([A-Za-z0-9_]+)$/.exec(q);
  if (m) return { name: m[1], library: 'torchvision' };
  m = /^albumentations\.(?:augmentations\.(?:[a-z_]+\.)*|core\.composition\.)?([A-Za-z0-9_]+)$/.exec(q);
  if (m) return { name: m[1], library: 'albumentations' };
  return null;
}

function probability(m: PythonModel, call: CallSite, positional: number | null): number | undefined {
  const p = call.keywords.get('p') ?? (positional !== null ? call.args[positional] ?? null : null);
  if (!p) return undefined;
  const v = constantValue(m, p);
  return typeof v === 'number' ? v : undefined;
}

/** Is this call a random augmentation (a transform whose output differs between two calls on the same image)? */
export function randomTransform(m: PythonModel, call: CallSite): RandomTransform | null {
  const q = call.qualified;
  if (q && /^timm\.data\.(transforms_factory\.)?create_transform$/.test(q)) {
    const training = call.keywords.get('is_training') ?? call.args[1] ?? null;
    return training && constantValue(m, training) === true ? { call, name: 'create_transform(is_training=True)', library: 'timm' } : null;
  }
  const cls = transformClass(q);
  if (!cls) return null;
  if (cls.library === 'torchvision') {
    if (!TV_RANDOM.has(cls.name)) return null;
    if (TV_P_DETERMINISTIC.has(cls.name)) {
      const p = probability(m, call, 0);
      if (p === 0 || p === 1) return null;
    }
    if (cls.name === 'GaussianBlur') {
      const sigma = call.keywords.get('sigma') ?? call.args[1] ?? null;
      if (sigma && typeof constantValue(m, sigma) === 'number') return null;
    }
    return { call, ...cls };
  }
  if (!ALBU_RANDOM.has(cls.name)) return null;
  const p = probability(m, call, null);
  if (p === 0) return null;
  if (ALBU_P_DETERMINISTIC.has(cls.name) && (p === 1 || call.keywords.get('always_apply')?.type === 'true')) return null;
  return { call, ...cls };
}

export interface TransformPipeline {
  /** The Compose call, or the single transform call when no Compose is used. */
  call: CallSite;
  /** The list of entries (`Compose([...])`), when there is one. */
  list: Node | null;
  /** Random entries (top-level entries of the list; a RandomApply / OneOf counts as one). */
  random: RandomTransform[];
}

/** A transform pipeline built by `call`, with its random entries; null when `call` builds no transform. */
export function transformPipeline(m: PythonModel, call: CallSite): TransformPipeline | null {
  if (call.qualified && COMPOSE.test(call.qualified)) {
    const list = call.keywords.get('transforms') ?? call.args[0] ?? null;
    if (!list || list.type !== 'list') return { call, list: null, random: [] };
    const random: RandomTransform[] = [];
    for (const el of list.namedChildren) {
      if (el.type !== 'call') continue;
      const c = m.callAt(el);
      const r = c && randomTransform(m, c);
      if (r) random.push(r);
    }
    return { call, list, random };
  }
  const single = randomTransform(m, call);
  return single ? { call, list: null, random: [single] } : null;
}

/** The transform pipelines an expression may be (a Compose, a single transform, `create_transform(...)`). */
export function pipelinesOf(m: PythonModel, expr: Node | null, ctx: Context): { pipeline: TransformPipeline; context: Context }[] {
  const out: { pipeline: TransformPipeline; context: Context }[] = [];
  for (const s of sources(m, expr, ctx)) {
    const c = s.node.type === 'call' ? m.callAt(s.node) : undefined;
    const p = c && transformPipeline(m, c);
    if (p) out.push({ pipeline: p, context: s.context });
  }
  return out;
}
