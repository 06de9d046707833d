/**
 * From a script's facts and the settings (VS Code / pyproject / `# trainguard: budget=... gpu=...`)
 * to the estimator's input: what TG101, the panel and `trainguard estimate FILE` all start from.
 */
import type { EstimateInput } from './estimate';
import { samplesPerEpoch, type ScriptFacts } from './scriptFacts';
import { SEED_GPU } from './seed';

export interface ScriptInput {
  /** null when the script gives no model or no epoch count: nothing to estimate. */
  input: EstimateInput | null;
  /** Defaults the input takes because neither the script nor the settings say (stated, never hidden). */
  assumptions: string[];
}

export function inputFromScript(facts: ScriptFacts, settings: { budgetMinutes: number | null; gpu: string | null }): ScriptInput {
  const assumptions: string[] = [];
  if (!facts.model || !facts.epochs) return { input: null, assumptions };
  const folds = facts.folds?.value ?? 1;
  if (!facts.folds) assumptions.push('no fold loop or splitter found: one training run');
  let gpu = settings.gpu;
  if (!gpu) {
    gpu = SEED_GPU;
    assumptions.push(`GPU not set (trainguard.gpu or \`# trainguard: gpu=T4\`): estimated for an ${SEED_GPU}, the hints' reference`);
  }
  const amp = facts.amp ?? true;
  if (facts.amp === null) assumptions.push('mixed precision not visible in the script: AMP assumed');
  let trainSamples: number | null = null;
  let valSamples: number | null = null;
  if (facts.datasetSamples) {
    const s = samplesPerEpoch(facts.datasetSamples.value, folds, facts.heldOutSamples?.value ?? null);
    trainSamples = s.train;
    valSamples = s.val;
  }
  return {
    input: {
      model: facts.model.value,
      folds,
      epochs: facts.epochs.value,
      gpu,
      amp,
      multiGpu: facts.multiGpu,
      imgSize: facts.imgSize?.value ?? null,
      batchSize: facts.batchSize?.value ?? null,
      numWorkers: facts.numWorkers?.value ?? null,
      trainSamples,
      valSamples,
      budgetMinutes: settings.budgetMinutes,
    },
    assumptions,
  };
}
