/**
 * TG403 odd-batch-size-with-mixup
 *
 * What it does: finds a training DataLoader whose batches go through Mixup / CutMix (timm `Mixup`,
 * `FastCollateMixup`, a hand-written mixup) with an odd batch size: a literal, or a constant,
 * config entry, argparse default or factory argument that resolves to one.
 * Why it is bad: timm's Mixup (and pair-wise mixups that split or flip the batch) require an even
 * batch: every batch fails the assertion, so the run crashes at its first step; `drop_last=True`
 * does not help. Hints, section 4 ("Batch size even if using Mixup/CutMix?").
 * Example: `BATCH_SIZE = 15` ... `DataLoader(ds, batch_size=BATCH_SIZE, drop_last=True)` and `mixup_fn(x, y)`.
 * Fix: round the literal that defines the batch size up to the next even number, where it is
 * defined (`BATCH_SIZE = 15` -> `16`, `default=15` -> `16`). Safe when the literal is the
 * DataLoader's own argument or a constant read only as DataLoader batch sizes; unsafe when other
 * code reads it too (a config entry, an argparse default, a constant used elsewhere).
 * Silent: even batch sizes; batch sizes that cannot be resolved; no Mixup; framework loops.
 */
import type { Node } from '../analysis/parser';
import { mixupTrainingLoaders } from '../analysis/augment';
import { isDataLoaderCall, loaderArg, loaderArgValues } from '../analysis/dataloaders';
import { isWithin, type PythonModel } from '../analysis/model';
import { reachingBindings } from '../analysis/flow';
import { identifiersNamedInScopeOf } from '../analysis/node-index';
import { replaceNode } from '../fixes/edits';
import { nodeRange, type Fix, type Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG403',
    name: 'odd-batch-size-with-mixup',
    severity: 'error',
    section: '4. Batch size & data loading: Mixup/CutMix requires an even batch size',
    summary: 'Mixup/CutMix with an odd batch size: every batch fails the even-size assertion',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    for (const { info, uses, mixup } of mixupTrainingLoaders(m)) {
      const bs = loaderArg(info, 'batch_size');
      if (!bs || info.args.has('batch_sampler')) continue;
      const vals = loaderArgValues(m, info, 'batch_size', uses);
      if (!vals) continue;
      const odd = vals.filter((v) => typeof v.value === 'number' && Number.isInteger(v.value) && Math.abs(v.value % 2) === 1);
      if (!odd.length) continue;
      const size = odd[0].value as number;
      const literals = new Map<number, Node>();
      for (const v of odd) literals.set(v.node.id, v.node);
      let fix: Fix | null = null;
      if ([...literals.values()].every((n) => n.type === 'integer' && /^\d+$/.test(n.text))) {
        const dedicated = [...literals.values()].every((n) => isWithin(n, info.call.node) || onlyFeedsBatchSizes(m, n));
        fix = {
          title: `Round the batch size up to ${size + 1}`,
          applicability: dedicated ? 'safe' : 'unsafe',
          edits: [...literals.values()].map((n) => replaceNode(n, String(Number(n.text) + 1))),
        };
      }
      const definedAt = odd[0].node;
      ctx.report({
        node: bs,
        message: `Batch size ${size} is odd but the batches go through Mixup/CutMix, which needs an even batch: ${mixup.kind === 'timm' ? 'timm asserts "Batch size should be even" on the first step' : 'pair-wise mixing leaves a sample unpaired'}. Use ${size + 1}`,
        fix,
        related: [
          ...(definedAt.startPosition.row !== bs.startPosition.row ? [{ range: nodeRange(definedAt), message: `batch size ${size} is set here` }] : []),
          { range: nodeRange(mixup.node), message: 'Mixup/CutMix applied here' },
        ],
      });
    }
  },
};

/** `NAME = <literal>` where every read of that binding is a DataLoader's batch_size argument. */
function onlyFeedsBatchSizes(m: PythonModel, literal: Node): boolean {
  const assign = literal.parent;
  const left = assign?.type === 'assignment' ? assign.childForFieldName('left') : null;
  if (!assign || assign.childForFieldName('right')?.id !== literal.id || left?.type !== 'identifier') return false;
  const binding = m.bindingAt(left.text, left);
  if (!binding) return false;
  // (only the reads inside the binding's function can see it)
  const reads = identifiersNamedInScopeOf(m, left.text, binding).filter((n) => n.id !== left.id);
  let any = false;
  for (const r of reads) {
    if (!reachingBindings(m, r).includes(binding)) continue;
    any = true;
    const kw = r.parent?.type === 'keyword_argument' && r.parent.childForFieldName('value')?.id === r.id ? r.parent : null;
    const argList = (kw ?? r).parent;
    const call = argList?.type === 'argument_list' ? m.callAt(argList.parent!) : undefined;
    if (!call || !isDataLoaderCall(call)) return false;
    if (kw ? kw.childForFieldName('name')?.text !== 'batch_size' : call.args[1]?.id !== r.id) return false;
  }
  return any;
}
