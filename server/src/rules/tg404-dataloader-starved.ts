/**
 * TG404 dataloader-starved
 *
 * What it does: finds a DataLoader iterated by a hand-written training loop with `num_workers`
 * missing (0: the main process decodes every batch) or resolved below 4, or, when the script trains
 * on the GPU, without `pin_memory=True`.
 * Why it is bad: the GPU waits for data: utilisation under 50%, epochs 2-5x longer than the model
 * needs (hints, section 4: num_workers 8-12, pin_memory, prefetch_factor, persistent_workers).
 * Example: `DataLoader(train_ds, batch_size=128, shuffle=True)` in a CUDA training script.
 * Fix: add `num_workers=8, pin_memory=True, persistent_workers=True, prefetch_factor=4`, only the
 * missing ones (persistent_workers / prefetch_factor only when there will be workers). Unsafe when
 * it adds worker processes or persistent workers (a Dataset that cannot be pickled, one that changes
 * between epochs, or a notebook under spawn behaves differently); safe when it only adds
 * pin_memory / prefetch_factor. Not offered when a value is set explicitly (num_workers=2,
 * pin_memory=False): the author chose it, the finding explains.
 * For an in-memory `TensorDataset` only pin_memory is advised (workers would only add copies).
 * Silent: loaders used only for a smoke test (`next(iter(...))`, a one-batch loop) or evaluation;
 * factory loaders (timm `create_loader`, Lightning DataModules, framework loops); IterableDatasets
 * (their workers need sharding set up elsewhere); datasets whose items are already CUDA tensors
 * (pinning fails on them and CUDA cannot be used in forked workers); `**kwargs` that may set them;
 * values that cannot be resolved (`os.cpu_count()`).
 */
import { dataLoaders, datasetOnGpu, datasetSources, isInMemoryTensorDataset, isIterableDataset, loaderArg, loaderArgValues, trainUses } from '../analysis/dataloaders';
import { truthy } from '../analysis/config-values';
import { addKeywordArguments } from '../fixes/arguments';
import { usesGpu } from './tg203-no-gpu-memory-check';
import type { Fix, Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG404',
    name: 'dataloader-starved',
    severity: 'warning',
    section: '4. Batch size & data loading: num_workers too low',
    summary: 'The training DataLoader has too few workers (or no pinned memory on GPU): the GPU waits for data',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    const gpu = usesGpu(m);
    for (const info of dataLoaders(m)) {
      const uses = trainUses(info);
      if (!uses.length || info.opaque) continue;
      const datasets = uses.flatMap((u) => datasetSources(m, info, u.context));
      if (datasets.some((d) => isIterableDataset(m, d) || datasetOnGpu(m, d))) continue;

      // tensors already in memory: indexing them is cheap, worker processes only add copies
      const inMemory = datasets.length > 0 && datasets.every((d) => isInMemoryTensorDataset(m, d));
      const workersArg = loaderArg(info, 'num_workers');
      let workersMissing = false;
      let workersLow: number | null = null;
      let workersKnownPositive = false;
      if (inMemory) {
        /* no worker advice */
      } else if (!workersArg) workersMissing = true;
      else {
        const vals = loaderArgValues(m, info, 'num_workers', uses);
        if (vals && vals.length && vals.every((v) => typeof v.value === 'number')) {
          const max = Math.max(...vals.map((v) => v.value as number));
          if (max < 4) workersLow = max;
          workersKnownPositive = vals.every((v) => (v.value as number) > 0);
        }
      }
      const pinArg = loaderArg(info, 'pin_memory');
      let pinMissing = false;
      let pinFalse = false;
      if (gpu) {
        if (!pinArg) pinMissing = true;
        else {
          const vals = loaderArgValues(m, info, 'pin_memory', uses);
          if (vals && vals.length && vals.every((v) => !truthy(v.value))) pinFalse = true;
        }
      }
      if (!workersMissing && workersLow === null && !pinMissing && !pinFalse) continue;

      const problems: string[] = [];
      if (workersMissing) problems.push('no num_workers (0: the main process loads every batch)');
      else if (workersLow !== null) problems.push(`num_workers=${workersLow}`);
      if (pinMissing) problems.push('no pin_memory=True');
      else if (pinFalse) problems.push('pin_memory=False');

      let fix: Fix | null = null;
      if (workersLow === null && !pinFalse) {
        const add: string[] = [];
        if (workersMissing) add.push('num_workers=8');
        if (pinMissing) add.push('pin_memory=True');
        const willHaveWorkers = !inMemory && (workersMissing || workersKnownPositive);
        if (willHaveWorkers && !info.args.has('persistent_workers')) add.push('persistent_workers=True');
        if (willHaveWorkers && !info.args.has('prefetch_factor')) add.push('prefetch_factor=4');
        const edits = add.length ? addKeywordArguments(m, info.call, add) : null;
        if (edits) {
          const unsafe = add.some((a) => a.startsWith('num_workers') || a.startsWith('persistent_workers'));
          fix = { title: `Add ${add.join(', ')}`, applicability: unsafe ? 'unsafe' : 'safe', edits };
        }
      }
      ctx.report({
        node: info.call.node,
        message: inMemory
          ? `Training DataLoader over in-memory tensors has ${problems.join(', ')}: pinned memory makes the host-to-GPU copy asynchronous and faster`
          : `Training DataLoader starves the GPU: ${problems.join(', ')}. Use num_workers=8-12${gpu ? ', pin_memory=True' : ''}, persistent_workers=True, prefetch_factor=4 (GPU utilisation otherwise stays under 50%)`,
        fix,
      });
    }
  },
};
