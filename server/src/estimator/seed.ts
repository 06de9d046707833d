/**
 * The seed's own sizing figures (kaggle-training-hints.txt, section 1), kept as printed: minutes per
 * epoch for EfficientNet B2-B5 on an A10 at 224 px, predict.py time and the 20% buffer. The worked
 * example quotes 1000 samples per epoch. The estimator cross-checks against these figures and falls
 * back on them (labelled as the hints' figures) only when the epoch size is unknown.
 */

export interface SeedRow {
  model: string;
  label: string;
  /** Minutes per epoch as printed: `low`-`high` (B4 = "2-3 min"); `point` is the middle of the range. */
  low: number;
  high: number;
  point: number;
}

export const SEED_TABLE: readonly SeedRow[] = [
  { model: 'efficientnet_b2', label: 'B2', low: 0.5, high: 0.5, point: 0.5 },
  { model: 'efficientnet_b3', label: 'B3', low: 1, high: 1, point: 1 },
  { model: 'efficientnet_b4', label: 'B4', low: 2, high: 3, point: 2.5 },
  { model: 'efficientnet_b5', label: 'B5', low: 4, high: 5, point: 4.5 },
];

export const SEED_GPU = 'A10';
export const SEED_IMG_SIZE = 224;
/** The worked example's epoch: "EfficientNet-B4, 3 folds, 10 epochs, 1000 samples/epoch". */
export const SEED_EXAMPLE_SAMPLES_PER_EPOCH = 1000;
/** "inference_time = ~5-8 min (predict.py for test set)". */
export const SEED_INFERENCE_MINUTES = { low: 5, point: 6.5, high: 8 };
/** "Add 20% buffer for overhead (data loading, validation, saving checkpoints)". */
export const SEED_BUFFER = 0.2;

export function seedRow(model: string): SeedRow | null {
  return SEED_TABLE.find((r) => r.model === model) ?? null;
}

/**
 * The hints' formula in its own terms: folds x epochs x min/epoch (the training part only, as the
 * worked example computes it: B4, 3 x 10 x 2.5 = 75 min; B3, 3 x 10 x 1 = 30 min).
 */
export function seedTrainingMinutes(model: string, folds: number, epochs: number): { low: number; point: number; high: number } | null {
  const r = seedRow(model);
  if (!r) return null;
  return { low: folds * epochs * r.low, point: folds * epochs * r.point, high: folds * epochs * r.high };
}
