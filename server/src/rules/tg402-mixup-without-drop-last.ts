/**
 * TG402 mixup-without-drop-last
 *
 * What it does: finds a DataLoader iterated by a hand-written training loop that applies Mixup /
 * CutMix to its batches (a timm `Mixup` instance called in the loop or a function it calls, timm
 * `FastCollateMixup` as the `collate_fn`, or a hand-written mixup: a Beta-distributed weight plus a
 * permutation / flip of the batch) while the loader does not set `drop_last=True`.
 * Why it is bad: the last batch of an epoch holds `len(dataset) % batch_size` samples; timm's Mixup
 * asserts an even batch ("Batch size should be even when using this") and the run dies at the end
 * of the first epoch, after the whole epoch's GPU time; a pair-wise mixup on a 1-sample batch mixes
 * a sample with itself. Hints, section 4.
 * Example: `loader = DataLoader(ds, batch_size=64, shuffle=True)` and `x, y = mixup_fn(x, y)` in the loop.
 * Fix: add `drop_last=True` (or turn an explicit `drop_last=False` into True). Not offered when the
 * same DataLoader call also builds an evaluation loader (dropping samples there would lose predictions).
 * Silent: `drop_last=True` (also through a constant); a `batch_sampler`; a `**kwargs` that may set it;
 * framework loops; loaders whose drop_last cannot be resolved.
 */
import { mixupTrainingLoaders } from '../analysis/augment';
import { evalUses, loaderArg, loaderArgValues } from '../analysis/dataloaders';
import { truthy } from '../analysis/config-values';
import { addKeywordArguments, replaceArgument } from '../fixes/arguments';
import { nodeRange, type Fix, type Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG402',
    name: 'mixup-without-drop-last',
    severity: 'error',
    section: '4. Batch size & data loading: Mixup/CutMix requires an even batch size',
    summary: 'Mixup/CutMix is applied to a training DataLoader without drop_last=True: the short last batch crashes the epoch',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    for (const { info, uses, mixup } of mixupTrainingLoaders(m)) {
      if (info.args.has('batch_sampler')) continue;
      const dropLast = loaderArg(info, 'drop_last');
      if (dropLast) {
        const vals = loaderArgValues(m, info, 'drop_last', uses);
        if (!vals || !vals.length || vals.some((v) => truthy(v.value))) continue;
      } else if (info.opaque) continue;
      let fix: Fix | null = null;
      if (!evalUses(info).length) {
        if (!dropLast) {
          const edits = addKeywordArguments(m, info.call, ['drop_last=True']);
          if (edits) fix = { title: 'Add drop_last=True', applicability: 'safe', edits };
        } else if (dropLast.type === 'false') {
          fix = { title: 'Set drop_last=True', applicability: 'safe', edits: [replaceArgument(dropLast, 'True')] };
        }
      }
      ctx.report({
        node: info.call.node,
        message:
          mixup.kind === 'timm'
            ? "timm Mixup/CutMix needs an even batch, but this training DataLoader keeps the short last batch: set drop_last=True (else \"Batch size should be even when using this\" ends the run after a full epoch)"
            : 'Mixup/CutMix mixes samples within a batch, but this training DataLoader keeps the short last batch (possibly a single sample): set drop_last=True',
        fix,
        related: [{ range: nodeRange(mixup.node), message: 'Mixup/CutMix applied here' }],
      });
    }
  },
};
