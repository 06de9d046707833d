/**
 * The models the estimator knows: every model of the timm tables (data/throughput.json), a catalog
 * of the common ones with human names and families (for search and for "the largest model that
 * fits"), and the mapping from what a script writes (timm names with pretrained tags, torchvision
 * constructors, Hugging Face ids, efficientnet_pytorch names) to a timm table name.
 */
import data from './data/throughput.json';

export interface ModelRecord {
  /** The timm name the numbers belong to. */
  name: string;
  /** Measured training samples/s (AMP, RTX 3090) at `imgSize`, or derived from inference (see `quality`). */
  samplesPerSec: number;
  imgSize: number;
  /** Batch size of the measurement. */
  batchSize: number | null;
  paramsM: number | null;
  /**
   * 'measured-train': the timm training table. 'from-inference-3090' / 'from-inference-4090': no
   * training row; training throughput = forward-only throughput / the median measured forward/training
   * ratio (and, for the 4090 table, x Lambda's RTX 3090 / RTX 4090 ResNet-50 ratio).
   */
  quality: 'measured-train' | 'from-inference-3090' | 'from-inference-4090';
  /** Measured forward-only / training throughput at the same size on the same GPU, when both are measured. */
  inferOverTrain: number | null;
  /** throughput ~ pixels^-e: [e, where it was fitted], or null (pixels, e = 1). */
  sizeExponent: [number, string] | null;
}

type Train = Record<string, [number, number, number, number]>;
type InferOnly = Record<string, [number, number, string]>;
const TRAIN = data.train as unknown as Train;
const INFER_ONLY = data.inferOnly as unknown as InferOnly;
const SIZE_EXP = data.sizeExponent as unknown as Record<string, [number, string]>;
const INFER_OVER_TRAIN = data.inferOverTrain as unknown as Record<string, number>;
export const INFER_OVER_TRAIN_STATS = data.inferOverTrainStats;
const LAMBDA = data.lambdaResnet50 as Record<string, number>;

/** The table record for a timm name (exact), or null. */
export function modelRecord(name: string): ModelRecord | null {
  const t = TRAIN[name];
  if (t) {
    return { name, samplesPerSec: t[0], imgSize: t[1], batchSize: t[2], paramsM: t[3], quality: 'measured-train', inferOverTrain: INFER_OVER_TRAIN[name] ?? null, sizeExponent: SIZE_EXP[name] ?? null };
  }
  const i = INFER_ONLY[name];
  if (i) {
    const [sps, size, table] = i;
    const gpuRatio = table === '4090' ? LAMBDA['RTX 3090'] / LAMBDA['RTX 4090'] : 1;
    return {
      name,
      samplesPerSec: (sps * gpuRatio) / INFER_OVER_TRAIN_STATS.median,
      imgSize: size,
      batchSize: null,
      paramsM: null,
      quality: table === '4090' ? 'from-inference-4090' : 'from-inference-3090',
      inferOverTrain: null,
      sizeExponent: SIZE_EXP[name] ?? null,
    };
  }
  return null;
}

export const ALL_MODEL_NAMES: readonly string[] = [...Object.keys(TRAIN), ...Object.keys(INFER_ONLY)].sort();

export interface CatalogEntry {
  name: string;
  label: string;
  family: string;
  /** Position in the family, smallest first. */
  rank: number;
  aliases: string[];
}

const FAMILIES: [family: string, members: [name: string, label: string, aliases: string[]][]][] = [
  ['EfficientNet', [0, 1, 2, 3, 4, 5, 6, 7].map((i) => [`efficientnet_b${i}`, `EfficientNet-B${i}`, [`efficientnet-b${i}`, `b${i}`, `effnet b${i}`, `effnet-b${i}`, `EfficientNetB${i}`]])],
  [
    'ResNet',
    [
      ['resnet18', 'ResNet-18', ['resnet-18']],
      ['resnet34', 'ResNet-34', ['resnet-34']],
      ['resnet50', 'ResNet-50', ['resnet-50']],
      ['resnet101', 'ResNet-101', ['resnet-101']],
      ['resnet152', 'ResNet-152', ['resnet-152']],
    ],
  ],
  [
    'ResNeXt',
    [
      ['resnext50_32x4d', 'ResNeXt-50 32x4d', ['resnext50', 'resnext-50']],
      ['resnext101_32x4d', 'ResNeXt-101 32x4d', ['resnext101']],
      ['resnext101_32x8d', 'ResNeXt-101 32x8d', []],
    ],
  ],
  [
    'ConvNeXt',
    [
      ['convnext_tiny', 'ConvNeXt-T', ['convnext t', 'convnext-t', 'convnext tiny']],
      ['convnext_small', 'ConvNeXt-S', ['convnext s', 'convnext-s', 'convnext small']],
      ['convnext_base', 'ConvNeXt-B', ['convnext b', 'convnext-b', 'convnext base']],
      ['convnext_large', 'ConvNeXt-L', ['convnext l', 'convnext-l', 'convnext large']],
    ],
  ],
  [
    'ViT',
    [
      ['vit_tiny_patch16_224', 'ViT-Ti/16', ['vit ti', 'vit-ti', 'vit tiny']],
      ['vit_small_patch16_224', 'ViT-S/16', ['vit s', 'vit-s', 'vit small', 'vit-s/16']],
      ['vit_base_patch16_224', 'ViT-B/16', ['vit b', 'vit-b', 'vit base', 'vit-b/16', 'vit_b_16']],
      ['vit_large_patch16_224', 'ViT-L/16', ['vit l', 'vit-l', 'vit large', 'vit_l_16']],
    ],
  ],
  [
    'Swin',
    [
      ['swin_tiny_patch4_window7_224', 'Swin-T', ['swin t', 'swin-t', 'swin tiny', 'swin_t', 'swin']],
      ['swin_small_patch4_window7_224', 'Swin-S', ['swin s', 'swin-s', 'swin small', 'swin_s']],
      ['swin_base_patch4_window7_224', 'Swin-B', ['swin b', 'swin-b', 'swin base', 'swin_b']],
      ['swin_large_patch4_window7_224', 'Swin-L', ['swin l', 'swin-l', 'swin large']],
    ],
  ],
  [
    'NFNet',
    [
      ['eca_nfnet_l0', 'ECA-NFNet-L0', ['eca nfnet l0']],
      ['nfnet_l0', 'NFNet-L0', ['nfnet l0', 'nfnet']],
      ['dm_nfnet_f0', 'NFNet-F0', ['nfnet f0', 'nfnet-f0']],
      ['dm_nfnet_f1', 'NFNet-F1', ['nfnet f1', 'nfnet-f1']],
    ],
  ],
];

export const CATALOG: readonly CatalogEntry[] = FAMILIES.flatMap(([family, members]) =>
  members.map(([name, label, aliases], rank) => ({ name, label, family, rank, aliases: aliases.map((a) => a.toLowerCase()) })),
);

export function catalogEntry(name: string): CatalogEntry | null {
  return CATALOG.find((c) => c.name === name) ?? null;
}

/** Members of the family of `name`, smallest first (empty when the model is in no family). */
export function familyOf(name: string): CatalogEntry[] {
  const e = catalogEntry(name);
  return e ? CATALOG.filter((c) => c.family === e.family) : [];
}

/** torchvision constructor names whose timm name differs. */
const TORCHVISION: Record<string, string> = {
  vit_b_16: 'vit_base_patch16_224',
  vit_b_32: 'vit_base_patch32_224',
  vit_l_16: 'vit_large_patch16_224',
  vit_l_32: 'vit_large_patch32_224',
  swin_t: 'swin_tiny_patch4_window7_224',
  swin_s: 'swin_small_patch4_window7_224',
  swin_b: 'swin_base_patch4_window7_224',
  mobilenet_v2: 'mobilenetv2_100',
  mobilenet_v3_large: 'mobilenetv3_large_100',
  mobilenet_v3_small: 'mobilenetv3_small_100',
  efficientnet_v2_s: 'tf_efficientnetv2_s',
  efficientnet_v2_m: 'tf_efficientnetv2_m',
  efficientnet_v2_l: 'tf_efficientnetv2_l',
  googlenet: 'inception_v3',
};

/** Hugging Face repository ids (lower-case, after the owner) whose timm name is not the id with `-` -> `_`. */
const HF: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^resnet-(\d+)$/, (m) => `resnet${m[1]}`],
  [/^convnext-(tiny|small|base|large)-(224|384)(?:-.*)?$/, (m) => `convnext_${m[1]}`],
  [/^convnextv2-(tiny|small|base|large)-.*$/, (m) => `convnextv2_${m[1]}`],
  [/^(vit|deit)-(tiny|small|base|large)-patch(\d+)-(\d+)(?:-.*)?$/, (m) => `${m[1]}_${m[2]}_patch${m[3]}_${m[4]}`],
  [/^swin-(tiny|small|base|large)-patch4-window7-224(?:-.*)?$/, (m) => `swin_${m[1]}_patch4_window7_224`],
  [/^efficientnet-(b\d)$/, (m) => `efficientnet_${m[1]}`],
];

export interface ResolvedModel {
  /** The timm table name, or null when the name is not one the tables know. */
  name: string | null;
  /** What the script or the user wrote. */
  given: string;
  /** How the name was mapped (for the panel: "torchvision vit_b_16 = timm vit_base_patch16_224"). */
  note: string | null;
}

/** A human model name compared loosely: lower case, `-`, `_`, `/` and spaces as one space. */
function humanKey(x: string): string {
  return x.toLowerCase().replace(/[-_\s/]+/g, ' ').trim();
}

let CATALOG_KEYS: { entry: CatalogEntry; keys: string[] }[] | undefined;

/** Each catalog entry with the keys of its label and aliases (made once, not per name looked up). */
function catalogKeys(): { entry: CatalogEntry; keys: string[] }[] {
  return (CATALOG_KEYS ??= CATALOG.map((entry) => ({ entry, keys: [humanKey(entry.label), ...entry.aliases.map(humanKey)] })));
}

/**
 * Maps a model name as written (timm, `timm/...` hub ids, pretrained tags, torchvision, Hugging Face,
 * efficientnet_pytorch, or a human name such as "EfficientNet B4") to a table name.
 */
export function resolveModelName(given: string): ResolvedModel {
  const raw = given.trim();
  let s = raw.toLowerCase();
  if (!s) return { name: null, given, note: null };
  const exact = (n: string) => (TRAIN[n] || INFER_ONLY[n] ? n : null);
  if (exact(s)) return { name: s, given, note: null };
  // hf-hub:timm/name.tag, timm/name.tag
  s = s.replace(/^hf[-_]hub:/, '').replace(/^timm\//, '');
  const noTag = s.replace(/\.[a-z0-9_]+$/, '');
  if (exact(noTag)) return { name: noTag, given, note: noTag !== raw ? `timm ${noTag}` : null };
  const tv = TORCHVISION[noTag];
  if (tv && exact(tv)) return { name: tv, given, note: `torchvision ${noTag} = timm ${tv}` };
  const owner = noTag.includes('/') ? noTag.slice(noTag.indexOf('/') + 1) : noTag;
  for (const [re, to] of HF) {
    const m = re.exec(owner);
    if (m && exact(to(m))) return { name: to(m), given, note: `${raw} = timm ${to(m)} (same architecture)` };
  }
  const underscored = owner.replace(/-/g, '_');
  if (exact(underscored)) return { name: underscored, given, note: underscored !== raw ? `${raw} = timm ${underscored}` : null };
  const humanOf = (x: string) => {
    const k = humanKey(x);
    return catalogKeys().find((e) => e.keys.includes(k))?.entry;
  };
  const hit = humanOf(noTag) ?? humanOf(owner);
  if (hit) return { name: hit.name, given, note: `${raw} = timm ${hit.name}` };
  return { name: null, given, note: null };
}

/**
 * Search for the panel's model box: catalog entries first (label or alias match), then table names
 * containing every word of the query. At most `limit` results.
 */
export function searchModels(query: string, limit = 20): { name: string; label: string }[] {
  const q = query.trim().toLowerCase();
  if (!q) return CATALOG.map((c) => ({ name: c.name, label: `${c.label} (${c.name})` })).slice(0, limit);
  const words = q.split(/[\s_\-/]+/).filter(Boolean);
  const out: { name: string; label: string }[] = [];
  const seen = new Set<string>();
  const resolved = resolveModelName(query).name;
  if (resolved) {
    const c = catalogEntry(resolved);
    out.push({ name: resolved, label: c ? `${c.label} (${resolved})` : resolved });
    seen.add(resolved);
  }
  for (const c of CATALOG) {
    const hay = `${c.label} ${c.name} ${c.aliases.join(' ')}`.toLowerCase();
    if (!seen.has(c.name) && words.every((w) => hay.includes(w))) {
      out.push({ name: c.name, label: `${c.label} (${c.name})` });
      seen.add(c.name);
    }
  }
  for (const n of ALL_MODEL_NAMES) {
    if (out.length >= limit) break;
    if (!seen.has(n) && words.every((w) => n.includes(w))) {
      out.push({ name: n, label: n });
      seen.add(n);
    }
  }
  return out.slice(0, limit);
}
