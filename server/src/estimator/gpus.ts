/**
 * GPUs the estimator knows and how fast each trains relative to the RTX 3090 of the timm tables.
 * Every factor says how it was obtained (docs/estimator.md has the same table with the arithmetic).
 *
 * Sources:
 * - Lambda = lambdal/deeplearning-benchmark (MIT), pytorch/pytorch-train-throughput-fp16.csv:
 *   measured ResNet-50 training images/s with mixed precision, one GPU (values in data/throughput.json).
 * - DLE = NVIDIA/DeepLearningExamples, PyTorch/Classification/ConvNets/resnet50v1.5/README.md:
 *   V100 16GB training FP32 367 / AMP 1200 img/s; A100 80GB TF32 938 / AMP 2470 (1 GPU),
 *   7248 / 16621 (8 GPUs); inference at batch 256, AMP: V100 3382, T4 1198; FP32: V100 1261, T4 415.
 *   DLE numbers come from a different, more tuned pipeline (DALI, NHWC) than Lambda's, so they are
 *   only used as ratios between two DLE figures, anchored on a Lambda figure.
 * - Datasheet = vendor peak figures (../shared/data/gpus.csv): bounds, never throughput by themselves.
 */
import data from './data/throughput.json';

export type Arch = 'pascal' | 'volta-turing' | 'ampere-or-later';

export interface Range3 {
  low: number;
  point: number;
  high: number;
}

export interface GpuSpec {
  id: string;
  label: string;
  /** Training throughput with AMP relative to one RTX 3090 (the timm tables' GPU), for this many GPUs. */
  factor: Range3;
  /** How `factor` was obtained. */
  how: string;
  /** FP32 (AMP off) factor when it is known more directly than `factor` / AMP speed-up (P100). */
  fp32Factor?: Range3;
  /** 'measured' = Lambda's ratio; 'derived' = from NVIDIA's figures or datasheet bounds. */
  quality: 'measured' | 'derived';
  arch: Arch;
  /** GPUs on the machine (2 for Kaggle's T4 x2). */
  count: number;
  memoryGb: number;
  aliases: string[];
}

const L = data.lambdaResnet50 as Record<string, number>;
const REF = L['RTX 3090'];

/** Spread put around a measured ResNet-50 ratio when it is applied to another model (an assumption, stated). */
export const MEASURED_TRANSFER_SPREAD = 0.15;
/** Spread around a ratio derived from NVIDIA's figures rather than measured on training (an assumption, stated). */
export const DERIVED_SPREAD = 0.25;

function measured(id: string, label: string, lambdaName: string, arch: Arch, memoryGb: number, aliases: string[]): GpuSpec {
  const v = L[lambdaName];
  if (!v) throw new Error(`no Lambda row for ${lambdaName}`);
  const f = v / REF;
  return {
    id,
    label,
    factor: { low: f * (1 - MEASURED_TRANSFER_SPREAD), point: f, high: f * (1 + MEASURED_TRANSFER_SPREAD) },
    how: `Lambda, ResNet-50 AMP training: ${lambdaName} ${v} / RTX 3090 ${REF} img/s = ${f.toFixed(3)}`,
    quality: 'measured',
    arch,
    count: 1,
    memoryGb,
    aliases,
  };
}

// T4: DLE's T4/V100 AMP inference ratio (batch 256) applied to Lambda's V100 training figure.
const T4_OVER_V100 = 1198 / 3382;
const T4_IMG_S = L['V100 16GB'] * T4_OVER_V100;
const T4_FACTOR = T4_IMG_S / REF;

// P100 (no tensor cores): DLE's V100 FP32/AMP training ratio anchored on Lambda's V100, times the
// datasheet FP32 ratio P100 PCIe / V100 SXM2 (9.3 / 15.7 TFLOPS) = P100 FP32 training. AMP on P100 runs
// FP16 on CUDA cores at most 18.7 / 9.3 = 2.01x the FP32 rate: the range runs from "AMP gains nothing"
// to "AMP gains the full FP16 rate"; the point is their geometric mean.
const P100_FP32_IMG_S = L['V100 16GB'] * (367 / 1200) * (9.3 / 15.7);
const P100_FP16_GAIN = 18.7 / 9.3;
const P100_LOW = P100_FP32_IMG_S / REF;
const P100_HIGH = (P100_FP32_IMG_S * P100_FP16_GAIN) / REF;

// L4: no measured training figure in our sources. Bounded against the A10 (Lambda-measured) by the
// datasheet: compute-bound end = FP16 tensor 121 / 125 TFLOPS, bandwidth-bound end = 300 / 600 GB/s.
const A10 = L['A10'] / REF;
const L4_LOW = A10 * (300 / 600);
const L4_HIGH = A10 * (121 / 125);

/**
 * Two-GPU scaling measured by Lambda on two RTX 3090s (PCIe, the closest to Kaggle's two T4s):
 * 1751 / 905. Applies only when the script trains on both GPUs (DataParallel, DDP, accelerate...).
 */
export const TWO_GPU_SCALING = L['2x RTX 3090'] / REF;

function spread(point: number, low: number, high: number): Range3 {
  return { low: low * (1 - DERIVED_SPREAD), point, high: high * (1 + DERIVED_SPREAD) };
}

export const GPUS: readonly GpuSpec[] = [
  {
    id: 'P100',
    label: 'P100 16GB (Kaggle)',
    factor: spread(Math.sqrt(P100_LOW * P100_HIGH), P100_LOW, P100_HIGH),
    how:
      `derived: Lambda V100 ${L['V100 16GB']} x DLE V100 FP32/AMP training 367/1200 x datasheet FP32 P100/V100 9.3/15.7 = ${P100_FP32_IMG_S.toFixed(0)} img/s in FP32; ` +
      `AMP without tensor cores gains 1x to 18.7/9.3 = ${P100_FP16_GAIN.toFixed(2)}x, so ${P100_LOW.toFixed(3)}-${P100_HIGH.toFixed(3)} of an RTX 3090 (point: geometric mean)`,
    fp32Factor: spread(P100_LOW, P100_LOW, P100_LOW),
    quality: 'derived',
    arch: 'pascal',
    count: 1,
    memoryGb: 16,
    aliases: ['p100', 'tesla p100', 'gpu p100', 'p100 pcie', 'p100-pcie-16gb'],
  },
  {
    id: 'T4',
    label: 'T4 16GB (Kaggle, Colab)',
    factor: spread(T4_FACTOR, T4_FACTOR, T4_FACTOR),
    how: `derived: Lambda V100 ${L['V100 16GB']} img/s x DLE T4/V100 AMP inference 1198/3382 = ${T4_IMG_S.toFixed(0)} img/s; / RTX 3090 ${REF} = ${T4_FACTOR.toFixed(3)}`,
    quality: 'derived',
    arch: 'volta-turing',
    count: 1,
    memoryGb: 16,
    aliases: ['t4', 'tesla t4', 'gpu t4', 't4x1'],
  },
  {
    id: 'T4x2',
    label: '2 x T4 (Kaggle "GPU T4 x2")',
    factor: spread(T4_FACTOR * TWO_GPU_SCALING, T4_FACTOR * TWO_GPU_SCALING, T4_FACTOR * TWO_GPU_SCALING),
    how: `T4 (derived, ${T4_FACTOR.toFixed(3)}) x Lambda 2-GPU scaling 2x RTX 3090 ${L['2x RTX 3090']} / ${REF} = ${TWO_GPU_SCALING.toFixed(3)}; only when the script trains on both GPUs, else as one T4`,
    quality: 'derived',
    arch: 'volta-turing',
    count: 2,
    memoryGb: 16,
    aliases: ['t4x2', 't4 x2', '2xt4', '2x t4', 'gpu t4 x2', 't4*2', 't4 x 2'],
  },
  {
    id: 'L4',
    label: 'L4 24GB (Colab, cloud)',
    factor: spread(Math.sqrt(L4_LOW * L4_HIGH), L4_LOW, L4_HIGH),
    how: `derived: A10 (Lambda ${L['A10']} / ${REF} = ${A10.toFixed(3)}) x datasheet bounds L4/A10: bandwidth 300/600 to FP16 tensor 121/125, so ${L4_LOW.toFixed(3)}-${L4_HIGH.toFixed(3)} (point: geometric mean)`,
    quality: 'derived',
    arch: 'ampere-or-later',
    count: 1,
    memoryGb: 24,
    aliases: ['l4', 'nvidia l4'],
  },
  measured('A10', 'A10 24GB (the hints\' reference)', 'A10', 'ampere-or-later', 24, ['a10', 'a10g', 'nvidia a10']),
  measured('V100', 'V100 16GB', 'V100 16GB', 'volta-turing', 16, ['v100', 'tesla v100', 'v100 16gb']),
  measured('RTX3090', 'RTX 3090 24GB (the timm tables\' GPU)', 'RTX 3090', 'ampere-or-later', 24, ['rtx3090', 'rtx 3090', '3090']),
  measured('RTX4090', 'RTX 4090 24GB', 'RTX 4090', 'ampere-or-later', 24, ['rtx4090', 'rtx 4090', '4090']),
  measured('A100', 'A100 40GB PCIe (Colab)', 'A100 40GB PCIe', 'ampere-or-later', 40, ['a100', 'a100 40gb', 'a100-40gb', 'a100 pcie']),
  measured('A100-80GB', 'A100 80GB SXM4', 'A100 80GB SXM4', 'ampere-or-later', 80, ['a100 80gb', 'a100-80gb', 'a100-sxm4-80gb', 'a100 sxm']),
  measured('H100', 'H100 80GB PCIe', 'H100 80GB PCIe Gen5', 'ampere-or-later', 80, ['h100', 'h100 pcie', 'h100-pcie']),
  measured('H100-SXM', 'H100 80GB SXM5', 'H100 80GB SXM5', 'ampere-or-later', 80, ['h100 sxm', 'h100-sxm', 'h100 sxm5', 'h100-sxm5']),
];

/**
 * AMP's speed-up over FP32 training, per architecture (fp32 throughput = AMP throughput / speed-up):
 * - Volta/Turing: DLE V100 FP32 -> AMP training 1200/367 = 3.27 (high); DLE T4 FP32 -> AMP inference 1198/415 = 2.89 (low).
 * - Ampere or later: PyTorch's "FP32" convolutions run in TF32 by default (cudnn.allow_tf32); DLE A100 TF32 -> AMP
 *   training 2470/938 = 2.63 on one GPU (high), 16621/7248 = 2.29 on eight (low).
 * - Pascal (P100, no tensor cores): 1x to 18.7/9.3 = 2.01x (datasheet bounds).
 */
export const AMP_SPEEDUP: Record<Arch, { low: number; high: number; how: string }> = {
  'volta-turing': { low: 1198 / 415, high: 1200 / 367, how: 'DLE: T4 AMP/FP32 inference 1198/415 to V100 AMP/FP32 training 1200/367' },
  'ampere-or-later': { low: 16621 / 7248, high: 2470 / 938, how: 'DLE: A100 AMP/TF32 training, 8 GPUs 16621/7248 to 1 GPU 2470/938' },
  pascal: { low: 1, high: 18.7 / 9.3, how: 'P100 datasheet: no tensor cores, FP16 at most 18.7/9.3 the FP32 rate' },
};

function norm(s: string): string {
  return s.trim().toLowerCase().replace(/^nvidia\s+/, '').replace(/\s+/g, ' ');
}

/** The GPU named `name` (id or alias, case-insensitive), or null. */
export function findGpu(name: string | null | undefined): GpuSpec | null {
  if (!name) return null;
  const n = norm(name);
  return GPUS.find((g) => g.id.toLowerCase() === n || g.aliases.includes(n)) ?? null;
}

export const GPU_IDS: readonly string[] = GPUS.map((g) => g.id);
