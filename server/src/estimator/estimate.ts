/**
 * The training-time estimate shared by the side panel, TG101 and `trainguard estimate`.
 *
 * Method (docs/estimator.md has the derivations):
 *   total = folds x epochs x (train + validation minutes per epoch) x 1.2 + inference
 * (the hints' formula with its 20% buffer), where the minutes per epoch come from MEASURED throughput:
 * the timm training table (samples/s, AMP, RTX 3090, at the model's own image size), scaled to the
 * chosen image size by the model's measured throughput-vs-size exponent (GMACs, or pixels, when
 * there is none), to the chosen GPU by a documented factor, to FP32 by AMP's measured speed-up;
 * validation is forward-only (measured forward/training ratio); a data-loading floor caps the rate
 * when the DataLoader's worker count is known. Every part is a low-point-high range.
 *
 * Pure: no vscode, no file system. The same code runs in the language server, the CLI and the
 * panel's webview.
 */
import { AMP_SPEEDUP, findGpu, type GpuSpec, type Range3 } from './gpus';
import { familyOf, modelRecord, resolveModelName, INFER_OVER_TRAIN_STATS, type ModelRecord } from './models';
import { SEED_BUFFER, SEED_GPU, SEED_IMG_SIZE, SEED_INFERENCE_MINUTES, SEED_EXAMPLE_SAMPLES_PER_EPOCH, seedRow, type SeedRow } from './seed';

export type { Range3 } from './gpus';

export interface EstimateInput {
  /** The model as written: a timm name, torchvision name, Hugging Face id or "EfficientNet B4". */
  model: string;
  /** The user's own measured training samples/s on their GPU at their settings: replaces the tables. */
  samplesPerSec?: number | null;
  /** Training image side in pixels (null: 224, the hints' reference size, stated as assumed). */
  imgSize?: number | null;
  /** Training samples per epoch (one fold's training part). */
  trainSamples?: number | null;
  /** Validation samples per epoch. */
  valSamples?: number | null;
  folds: number;
  epochs: number;
  batchSize?: number | null;
  /** GPU id or alias (P100, T4, T4x2, L4, A10, A100, H100...). */
  gpu: string;
  /** Mixed precision (default on). */
  amp?: boolean;
  /** For multi-GPU machines (T4x2): does the script train on every GPU? (default: yes) */
  multiGpu?: boolean;
  /** DataLoader workers (null: unknown, no data-loading floor). */
  numWorkers?: number | null;
  budgetMinutes?: number | null;
  /** Minutes for predict.py (null: the hints' 5-8 min). */
  inferenceMinutes?: number | null;
}

export type Method = 'measured' | 'user-measured' | 'seed-table';

export interface SeedCrossCheck {
  row: SeedRow;
  /** folds x epochs x the hints' min/epoch, as printed (A10, 224 px). */
  trainingMinutesAsPrinted: Range3;
  /** The hints' min/epoch scaled to this GPU and image size by the same factors as the estimate. */
  minPerEpochScaled: Range3;
  /** The measured estimate's min/epoch (train + validation), when there is one. */
  measuredMinPerEpoch: Range3 | null;
  /** Measured training samples/s of this model on an A10 at 224 px (AMP). */
  measuredSamplesPerSecA10: number;
  /** How many samples per epoch the hints' min/epoch corresponds to at that measured rate. */
  impliedSamplesPerEpoch: number;
  /** Measured / seed min/epoch (at this GPU and size), when both exist. */
  ratio: number | null;
  /** The two differ by more than 1.5x either way. */
  differs: boolean;
  summary: string;
}

export interface EstimateParts {
  train: Range3;
  /** null when the hints' min/epoch already includes it (seed-table method). */
  validation: Range3 | null;
  inference: Range3;
  buffer: Range3;
}

export type Verdict = 'fits' | 'does-not-fit' | 'no-budget';

export interface KnownEstimate {
  status: 'ok';
  method: Method;
  methodText: string;
  model: { name: string; given: string; note: string | null; label: string; quality: ModelRecord['quality'] | 'user-measured'; tableSamplesPerSec: number; tableImgSize: number };
  gpu: { id: string; label: string; how: string; quality: GpuSpec['quality']; usedGpus: number; note: string | null };
  imgSize: number;
  folds: number;
  epochs: number;
  /** Training samples/s on the chosen GPU at the chosen settings (null for the seed-table method). */
  trainSamplesPerSec: Range3 | null;
  valSamplesPerSec: Range3 | null;
  minPerEpoch: Range3;
  parts: EstimateParts;
  total: Range3;
  budgetMinutes: number | null;
  verdict: Verdict;
  seed: SeedCrossCheck | null;
  /** Stated assumptions and caveats, in the order they apply. */
  notes: string[];
}

export interface UnknownEstimate {
  status: 'unknown';
  /** What is missing: the model is not in the tables, the epoch size, or the GPU. */
  missing: 'model' | 'samples' | 'gpu' | 'input';
  message: string;
  model: string;
  notes: string[];
}

export type Estimate = KnownEstimate | UnknownEstimate;

/** ± spread around the timm training table's figure (run-to-run, PyTorch version): an assumption, stated. */
export const TABLE_SPREAD = 0.1;

/**
 * Data loading on one CPU core: JPEG decode of a 500x375 photo + random resized crop + flip, measured
 * with scripts/measure-decode-rate.py (Pillow 9.4, one core of the development machine's AMD EPYC):
 * 257 samples/s at 224 px, 114 at 384 px, so rate ~ 257 x (size/224)^-1.51. The range assumes CPUs
 * from half to 1.5x that core (ToTensor/normalise and heavier augmentation cost more; faster cores less).
 */
export const LOADER = { samplesPerSecAt224: 257, sizeExponent: Math.log(257 / 113.7) / Math.log(384 / 224), slow: 0.5, fast: 1.5 };

/**
 * GPU utilisation against batch size: NVIDIA's ResNet-50 V100 AMP inference throughput per batch
 * (DeepLearningExamples resnet50v1.5 README). Only the pessimistic end of the range uses it, when the
 * script's batch is smaller than the timm measurement's.
 */
const BATCH_CURVE: [number, number][] = [
  [1, 78], [2, 154], [4, 300], [8, 595], [16, 1178], [32, 2146], [64, 2984], [128, 3249], [256, 3382],
];

function utilisation(batch: number): number {
  const top = BATCH_CURVE[BATCH_CURVE.length - 1];
  if (batch >= top[0]) return 1;
  for (let i = 0; i + 1 < BATCH_CURVE.length; i++) {
    const [b0, v0] = BATCH_CURVE[i];
    const [b1, v1] = BATCH_CURVE[i + 1];
    if (batch >= b0 && batch <= b1) {
      const t = Math.log(batch / b0) / Math.log(b1 / b0);
      return Math.exp(Math.log(v0) + t * (Math.log(v1) - Math.log(v0))) / top[1];
    }
  }
  return BATCH_CURVE[0][1] / top[1];
}

const r3 = (low: number, point: number, high: number): Range3 => ({ low, point, high });
const scale = (r: Range3, k: number): Range3 => r3(r.low * k, r.point * k, r.high * k);
const add = (...rs: Range3[]): Range3 => r3(rs.reduce((a, r) => a + r.low, 0), rs.reduce((a, r) => a + r.point, 0), rs.reduce((a, r) => a + r.high, 0));
/** Time from a rate: the high rate gives the low time. */
const timeFor = (samples: number, rate: Range3): Range3 => r3(samples / rate.high, samples / rate.point, samples / rate.low);
const minR = (a: Range3, b: Range3): Range3 => r3(Math.min(a.low, b.low), Math.min(a.point, b.point), Math.min(a.high, b.high));

function positive(n: number | null | undefined): n is number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0;
}

/** The throughput multiplier for training at `size` instead of the record's own size. */
export function sizeMultiplier(rec: ModelRecord, size: number): number {
  const e = rec.sizeExponent ? Math.min(1.5, Math.max(0.5, rec.sizeExponent[0])) : 1;
  return ((size * size) / (rec.imgSize * rec.imgSize)) ** -e;
}

/** GPU factor for AMP or FP32 training, with the multi-GPU choice applied. */
export function gpuFactor(gpu: GpuSpec, amp: boolean, multiGpu: boolean): { factor: Range3; usedGpus: number; note: string | null } {
  let g = gpu;
  let note: string | null = null;
  if (gpu.count > 1 && !multiGpu) {
    const single = findGpu(gpu.id.replace(/x\d+$/, ''));
    if (single) {
      g = single;
      note = `${gpu.label}: the script trains on one GPU (no DataParallel/DDP/accelerate), so one ${single.id} is counted`;
    }
  }
  if (amp) return { factor: g.factor, usedGpus: g.count, note };
  if (g.fp32Factor) return { factor: g.fp32Factor, usedGpus: g.count, note };
  const s = AMP_SPEEDUP[g.arch];
  const mid = Math.sqrt(s.low * s.high);
  return { factor: r3(g.factor.low / s.high, g.factor.point / mid, g.factor.high / s.low), usedGpus: g.count, note };
}

/** Training samples/s of a table model on one RTX 3090 with AMP at `size` (range), before the GPU factor. */
function tableRate(rec: ModelRecord, size: number, batch: number | null, notes: string[] | null): Range3 {
  const base = rec.samplesPerSec * sizeMultiplier(rec, size);
  let low = base * (1 - TABLE_SPREAD);
  let high = base * (1 + TABLE_SPREAD);
  if (rec.quality !== 'measured-train') {
    const s = INFER_OVER_TRAIN_STATS;
    low = base * (s.median / s.p75) * (1 - TABLE_SPREAD);
    high = base * (s.median / s.p25) * (1 + TABLE_SPREAD);
  }
  if (batch && rec.batchSize && batch < rec.batchSize) {
    const u = utilisation(batch) / utilisation(rec.batchSize);
    if (u < 1) {
      low *= u;
      notes?.push(`batch ${batch} is smaller than the measurement's ${rec.batchSize}: the slow end assumes the GPU loses what NVIDIA's ResNet-50 batch curve shows (x${u.toFixed(2)})`);
    }
  }
  return r3(low, base, high);
}

/** Training and forward-only (validation) samples/s of a table model on one RTX 3090 with AMP. */
function tableRates(rec: ModelRecord, size: number, batch: number | null, notes: string[] | null): { train: Range3; val: Range3 } {
  const train = tableRate(rec, size, batch, notes);
  const s = INFER_OVER_TRAIN_STATS;
  const val = rec.inferOverTrain ? scale(train, rec.inferOverTrain) : r3(train.low * s.p25, train.point * s.median, train.high * s.p75);
  return { train, val };
}

/**
 * The table rates, never faster than a smaller model of the same family at the same settings (the
 * tables measure family members at different sizes and batches; scaled, a bigger one can come out a
 * few percent faster, which it is not).
 */
function familyRates(rec: ModelRecord, size: number, batch: number | null, notes: string[]): { train: Range3; val: Range3 } {
  let rates = tableRates(rec, size, batch, notes);
  const fam = familyOf(rec.name);
  const me = fam.findIndex((c) => c.name === rec.name);
  for (let i = 0; i < me; i++) {
    const smaller = modelRecord(fam[i].name);
    if (!smaller) continue;
    const r = tableRates(smaller, size, batch, null);
    if (r.train.point < rates.train.point) notes.push(`${rec.name} is capped at ${smaller.name}'s rate: scaled from the tables it came out ${((rates.train.point / r.train.point - 1) * 100).toFixed(0)}% faster than the smaller ${smaller.name}`);
    rates = { train: minR(rates.train, r.train), val: minR(rates.val, r.val) };
  }
  return rates;
}

function inferenceMinutes(input: EstimateInput, notes: string[]): Range3 {
  if (typeof input.inferenceMinutes === 'number' && Number.isFinite(input.inferenceMinutes) && input.inferenceMinutes >= 0) {
    const m = input.inferenceMinutes;
    return r3(m, m, m);
  }
  notes.push(`inference (predict.py) not given: the hints' ${SEED_INFERENCE_MINUTES.low}-${SEED_INFERENCE_MINUTES.high} min is used`);
  return { ...SEED_INFERENCE_MINUTES };
}

function verdictOf(total: Range3, budget: number | null): Verdict {
  if (budget === null) return 'no-budget';
  return total.point <= budget ? 'fits' : 'does-not-fit';
}

function validInt(n: unknown, min: number): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= min;
}

/** The estimate. Never throws for bad input: it answers `unknown` with what is missing. */
export function estimate(input: EstimateInput): Estimate {
  const notes: string[] = [];
  const given = String(input.model ?? '').trim();
  if (!validInt(input.folds, 1) || !validInt(input.epochs, 1)) {
    return { status: 'unknown', missing: 'input', message: 'folds and epochs must be whole numbers of at least 1', model: given, notes };
  }
  const gpu = findGpu(input.gpu);
  if (!gpu) return { status: 'unknown', missing: 'gpu', message: `unknown GPU "${input.gpu}"`, model: given, notes };
  const amp = input.amp !== false;
  const multi = input.multiGpu !== false;
  const budget = positive(input.budgetMinutes) ? input.budgetMinutes : null;
  const resolved = resolveModelName(given);
  const rec = resolved.name ? modelRecord(resolved.name) : null;
  const userRate = positive(input.samplesPerSec) ? input.samplesPerSec : null;
  if (!rec && !userRate) {
    return {
      status: 'unknown',
      missing: 'model',
      message: `"${given || '(no model)'}" is not in the measured tables: unknown. Measure its training samples/s on your GPU (snippets/measure-throughput.py) and enter it`,
      model: given,
      notes,
    };
  }
  let imgSize = positive(input.imgSize) ? Math.round(input.imgSize) : null;
  if (imgSize === null) {
    imgSize = SEED_IMG_SIZE;
    if (!userRate) notes.push(`image size not given: ${SEED_IMG_SIZE} px assumed (the hints' reference size)`);
  }
  const batch = positive(input.batchSize) ? Math.round(input.batchSize) : null;
  const g = gpuFactor(gpu, amp, multi);
  if (g.note) notes.push(g.note);
  const inference = inferenceMinutes(input, notes);
  const { folds, epochs } = input;
  const runs = folds * epochs;
  const seed = rec ? seedRow(rec.name) : null;

  const label = resolved.name ?? given;
  const modelInfo: KnownEstimate['model'] = {
    name: rec?.name ?? given,
    given,
    note: resolved.note,
    label,
    quality: userRate ? 'user-measured' : rec!.quality,
    tableSamplesPerSec: rec?.samplesPerSec ?? userRate!,
    tableImgSize: rec?.imgSize ?? imgSize,
  };
  const gpuInfo = { id: gpu.id, label: gpu.label, how: gpu.how, quality: gpu.quality, usedGpus: g.usedGpus, note: g.note };

  // Rates on the chosen GPU.
  let trainRate: Range3;
  let valRate: Range3;
  let method: Method;
  const onGpu = (r: Range3) => r3(r.low * g.factor.low, r.point * g.factor.point, r.high * g.factor.high);
  if (userRate) {
    trainRate = r3(userRate, userRate, userRate);
    const ratio = rec?.inferOverTrain ?? null;
    const s = INFER_OVER_TRAIN_STATS;
    valRate = ratio ? scale(trainRate, ratio) : r3(userRate * s.p25, userRate * s.median, userRate * s.p75);
    method = 'user-measured';
    notes.push(`training rate: your measured ${userRate} samples/s (it already includes your GPU, image size, batch and precision)`);
  } else {
    const rates = familyRates(rec!, imgSize, batch, notes);
    trainRate = onGpu(rates.train);
    valRate = onGpu(rates.val);
    method = 'measured';
    if (rec!.quality !== 'measured-train') notes.push(`${rec!.name} has no training row: its rate is derived from the ${rec!.quality === 'from-inference-4090' ? 'RTX 4090' : 'RTX 3090'} inference table / the median forward/training ratio ${INFER_OVER_TRAIN_STATS.median}`);
  }

  const seedCheck = (measuredMinPerEpoch: Range3 | null): SeedCrossCheck | null => {
    if (!seed || !rec) return null;
    const a10 = findGpu(SEED_GPU)!;
    const a10Rate = tableRate(rec, SEED_IMG_SIZE, null, null).point * a10.factor.point;
    const sizeK = 1 / (sizeMultiplier(rec, imgSize!) / sizeMultiplier(rec, SEED_IMG_SIZE));
    const gpuK = a10.factor.point / g.factor.point;
    const scaled = r3(seed.low * sizeK * gpuK, seed.point * sizeK * gpuK, seed.high * sizeK * gpuK);
    const implied = seed.point * 60 * a10Rate;
    const rt = measuredMinPerEpoch ? measuredMinPerEpoch.point / scaled.point : null;
    const differs = rt !== null && (rt > 1.5 || rt < 1 / 1.5);
    const asPrinted = r3(runs * seed.low, runs * seed.point, runs * seed.high);
    const fmt = (x: number) => (x >= 10 ? x.toFixed(0) : x.toFixed(1));
    let summary = `Hints' table: ${seed.label} = ${seed.low === seed.high ? seed.low : `${seed.low}-${seed.high}`} min/epoch on an A10 at 224 px, so ${folds} x ${epochs} x ${seed.point} = ${fmt(asPrinted.point)} min of training.`;
    summary += ` Measured, ${rec.name} trains at ${a10Rate.toFixed(0)} samples/s on an A10 at 224 px: the hints' ${seed.point} min/epoch is an epoch of about ${Math.round(implied / 1000) * 1000 || Math.round(implied)} samples (its example says ${SEED_EXAMPLE_SAMPLES_PER_EPOCH}).`;
    if (rt !== null) summary += differs ? ` For your epoch the measured estimate is ${fmt(measuredMinPerEpoch!.point)} min/epoch vs the hints' ${fmt(scaled.point)} (scaled to your GPU and size): they differ ${rt > 1 ? `${rt.toFixed(1)}x` : `${(1 / rt).toFixed(1)}x`}.` : ` For your epoch both agree within 1.5x (${fmt(measuredMinPerEpoch!.point)} vs ${fmt(scaled.point)} min/epoch).`;
    return { row: seed, trainingMinutesAsPrinted: asPrinted, minPerEpochScaled: scaled, measuredMinPerEpoch, measuredSamplesPerSecA10: a10Rate, impliedSamplesPerEpoch: implied, ratio: rt, differs, summary };
  };

  const trainSamples = positive(input.trainSamples) ? Math.round(input.trainSamples) : null;
  const valSamples = typeof input.valSamples === 'number' && Number.isFinite(input.valSamples) && input.valSamples >= 0 ? Math.round(input.valSamples) : null;

  if (trainSamples === null) {
    if (seed && !userRate) {
      // The hints' min/epoch, scaled to this GPU and image size by the same factors: labelled as such.
      const sc = seedCheck(null)!;
      const per = sc.minPerEpochScaled;
      const train = scale(per, runs);
      const buffer = scale(train, SEED_BUFFER);
      const total = add(train, buffer, inference);
      notes.unshift(`training samples per epoch unknown: the hints' sizing table (${seed.label} = ${seed.low === seed.high ? seed.low : `${seed.low}-${seed.high}`} min/epoch on an A10 at 224 px) is used, scaled to your GPU and image size; enter the epoch size for a measured estimate`);
      return {
        status: 'ok',
        method: 'seed-table',
        methodText: methodText('seed-table'),
        model: modelInfo,
        gpu: gpuInfo,
        imgSize,
        folds,
        epochs,
        trainSamplesPerSec: null,
        valSamplesPerSec: null,
        minPerEpoch: per,
        parts: { train, validation: null, inference, buffer },
        total,
        budgetMinutes: budget,
        verdict: verdictOf(total, budget),
        seed: sc,
        notes,
      };
    }
    return {
      status: 'unknown',
      missing: 'samples',
      message: `training samples per epoch unknown: enter the epoch size to estimate ${label}`,
      model: given,
      notes,
    };
  }
  const val = valSamples ?? 0;
  if (valSamples === null) notes.push('validation samples not given: no validation time counted');

  let trainSec = timeFor(trainSamples, trainRate);
  let valSec = val ? timeFor(val, valRate) : r3(0, 0, 0);
  // Data-loading floor.
  if (typeof input.numWorkers === 'number' && Number.isInteger(input.numWorkers) && input.numWorkers >= 0) {
    const perCore = LOADER.samplesPerSecAt224 * (imgSize / 224) ** -LOADER.sizeExponent;
    const workers = Math.max(1, input.numWorkers);
    const loadRate = r3(perCore * workers * LOADER.slow, perCore * workers, perCore * workers * LOADER.fast);
    const loadTrain = timeFor(trainSamples, loadRate);
    const loadVal = val ? timeFor(val, loadRate) : r3(0, 0, 0);
    if (input.numWorkers === 0) {
      trainSec = add(trainSec, loadTrain);
      valSec = add(valSec, loadVal);
      notes.push(`num_workers=0: images are decoded in the training process, one at a time, at about ${perCore.toFixed(0)} samples/s (measured decode + crop on one core), added to the GPU time`);
    } else {
      const maxR = (a: Range3, b: Range3) => r3(Math.max(a.low, b.low), Math.max(a.point, b.point), Math.max(a.high, b.high));
      const before = trainSec.point;
      trainSec = maxR(trainSec, loadTrain);
      valSec = maxR(valSec, loadVal);
      if (trainSec.point > before) notes.push(`data loading limits training: ${workers} workers decode about ${(perCore * workers).toFixed(0)} samples/s (measured ${perCore.toFixed(0)} per core), slower than the GPU`);
    }
  } else {
    notes.push('DataLoader workers unknown: no data-loading floor applied');
  }
  const perEpochTrain = scale(trainSec, 1 / 60);
  const perEpochVal = scale(valSec, 1 / 60);
  const minPerEpoch = add(perEpochTrain, perEpochVal);
  const train = scale(perEpochTrain, runs);
  const validation = scale(perEpochVal, runs);
  const buffer = scale(add(train, validation), SEED_BUFFER);
  const total = add(train, validation, buffer, inference);
  return {
    status: 'ok',
    method,
    methodText: methodText(method),
    model: modelInfo,
    gpu: gpuInfo,
    imgSize,
    folds,
    epochs,
    trainSamplesPerSec: trainRate,
    valSamplesPerSec: valRate,
    minPerEpoch,
    parts: { train, validation, inference, buffer },
    total,
    budgetMinutes: budget,
    verdict: verdictOf(total, budget),
    seed: seedCheck(minPerEpoch),
    notes,
  };
}

export function methodText(method: Method): string {
  const formula = 'total = folds x epochs x min/epoch x 1.2 (the hints\' 20% buffer) + inference';
  switch (method) {
    case 'measured':
      return `${formula}; min/epoch from measured throughput: the timm training table (AMP, RTX 3090), scaled to your image size and GPU, validation forward-only, with a data-loading floor`;
    case 'user-measured':
      return `${formula}; min/epoch from the samples/s you measured`;
    case 'seed-table':
      return `${formula}; min/epoch from the hints' sizing table (epoch size unknown), scaled to your GPU and image size`;
  }
}

// ---------------------------------------------------------------------------------------------
// Plans that fit

export interface Plan {
  kind: 'model' | 'epochs' | 'folds';
  model: string;
  folds: number;
  epochs: number;
  total: Range3;
  /** One line for the panel and the quick fix: "efficientnet_b3: 28 min". */
  title: string;
}

export interface PlanOptions {
  /** Smallest fold count worth suggesting (2 when the script splits with KFold: n_splits >= 2). */
  minFolds?: number;
  /** Largest epochs/folds to try when looking for the most that fit. */
  maxEpochs?: number;
  maxFolds?: number;
}

function fitsWith(input: EstimateInput, change: Partial<EstimateInput>): KnownEstimate | null {
  const e = estimate({ ...input, ...change });
  return e.status === 'ok' && e.verdict === 'fits' ? e : null;
}

/**
 * The best plans that fit the budget, each changing one thing: the largest model of the same family,
 * the most epochs, the most folds. Empty without a budget or when nothing fits.
 */
export function plansThatFit(input: EstimateInput, opts: PlanOptions = {}): Plan[] {
  const base = estimate(input);
  if (base.status !== 'ok' || base.budgetMinutes === null) return [];
  const out: Plan[] = [];
  const fmt = (m: number) => `${Math.round(m)} min`;
  const n = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  // Largest model of the family that fits (the user's own measured rate belongs to their model only).
  if (!positive(input.samplesPerSec)) {
    const fam = familyOf(base.model.name);
    for (let i = fam.length - 1; i >= 0; i--) {
      const e = fitsWith(input, { model: fam[i].name });
      if (e) {
        out.push({ kind: 'model', model: fam[i].name, folds: input.folds, epochs: input.epochs, total: e.total, title: `${fam[i].label} (${fam[i].name}), ${n(input.folds, 'fold')} x ${n(input.epochs, 'epoch')}: ${fmt(e.total.point)}` });
        break;
      }
    }
  }
  const maxEpochs = opts.maxEpochs ?? Math.max(input.epochs * 3, 30);
  for (let ep = maxEpochs; ep >= 1; ep--) {
    const e = fitsWith(input, { epochs: ep });
    if (e) {
      out.push({ kind: 'epochs', model: base.model.name, folds: input.folds, epochs: ep, total: e.total, title: `${n(ep, 'epoch')} (${n(input.folds, 'fold')}, ${base.model.name}): ${fmt(e.total.point)}` });
      break;
    }
  }
  const minFolds = opts.minFolds ?? 1;
  const maxFolds = opts.maxFolds ?? Math.max(input.folds, 10);
  for (let f = maxFolds; f >= minFolds; f--) {
    const e = fitsWith(input, { folds: f });
    if (e) {
      out.push({ kind: 'folds', model: base.model.name, folds: f, epochs: input.epochs, total: e.total, title: `${n(f, 'fold')} (${n(input.epochs, 'epoch')}, ${base.model.name}): ${fmt(e.total.point)}` });
      break;
    }
  }
  return out;
}

/** Minutes as people read them: `48 min`, `1 h 35 min`, `12 s`. */
export function formatMinutes(m: number): string {
  if (!Number.isFinite(m)) return '?';
  if (m < 1) return `${Math.max(1, Math.round(m * 60))} s`;
  if (m < 60) return `${m < 10 ? m.toFixed(1).replace(/\.0$/, '') : Math.round(m)} min`;
  const h = Math.floor(m / 60);
  const rest = Math.round(m - h * 60);
  return rest ? `${h} h ${rest} min` : `${h} h`;
}

export function formatRange(r: Range3): string {
  return `${formatMinutes(r.point)} (${formatMinutes(r.low)}-${formatMinutes(r.high)})`;
}
