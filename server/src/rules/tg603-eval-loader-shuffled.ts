/**
 * TG603 eval-loader-shuffled
 *
 * What it does: finds a DataLoader used for validation, test or prediction (iterated by a loop that
 * runs the model without a training step, passed to a predict function, handed to Lightning's
 * `validate` / `test` / `predict` or returned by a `val_dataloader()`, or built from test files)
 * with `shuffle` resolving to True, directly or through a factory argument / constant.
 * Why it is bad: a shuffled evaluation loader returns the predictions in a random order; once they
 * are matched to ids (`sub['label'] = preds`, `DataFrame({'id': ids, ...})`) or stored at fold
 * indices (`oof[val_idx] = preds`) every row gets another sample's prediction: a submission that
 * scores like random guessing, an OOF score that lies. Error (E) when the predictions are written
 * out or matched to ids/indices, or the loader reads test data; warning (W) for a metric-only
 * validation pass (the metric survives, but the shuffle is pointless and per-sample outputs do not).
 * Example: `test_loader = DataLoader(test_ds, batch_size=64, shuffle=True)` then
 * `sub['target'] = predict(model, test_loader)`.
 * Fix: set `shuffle=False` where the value is decided for this loader (the DataLoader's argument,
 * or the argument a factory call passes). Not offered when that spot also decides a training loader.
 * Silent: training loaders (also one factory call building both: only the evaluation instance is
 * checked); `shuffle=False` / absent; values that cannot be resolved.
 */
import type { Node } from '../analysis/parser';
import { truthy, resolveValues } from '../analysis/config-values';
import { builtFromTestData, dataLoaders, loaderArg, loaderInstances, useWritesOut, type LoaderContextUses, type LoaderInfo } from '../analysis/dataloaders';
import { argumentAt, type Context } from '../analysis/flow';
import type { PythonModel } from '../analysis/model';
import { isWithin } from '../analysis/model';
import { replaceNode } from '../fixes/edits';
import type { Fix, Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG603',
    name: 'eval-loader-shuffled',
    severity: 'error',
    section: '6. Data leakage & CV/LB mismatch (9. row order matters)',
    summary: 'A validation / test / prediction DataLoader shuffles: predictions no longer line up with their ids',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    for (const info of dataLoaders(m)) {
      const shuffle = loaderArg(info, 'shuffle');
      if (!shuffle) continue;
      const instances = loaderInstances(info);
      const fromTest = builtFromTestData(m, info);
      const candidates: LoaderContextUses[] = instances.filter((g) => g.evaluation);
      if (!instances.length && fromTest) candidates.push({ context: [], uses: [], training: false, evaluation: true });
      const reported = new Set<number>();
      for (const g of candidates) {
        const vals = resolveValues(m, shuffle, g.context);
        if (!vals || !vals.length || !vals.every((v) => truthy(v.value))) continue;
        const site = decidingSite(m, info, shuffle, g.context);
        // a value set outside the call (a kwargs dict splatted into it) is reported at the DataLoader
        const at = site && (site.followed || isWithin(site.node, info.call.node)) ? site.node : info.call.node;
        if (reported.has(at.id)) continue;
        reported.add(at.id);
        const written = fromTest || g.uses.some((u) => u.kind === 'framework-predict' || useWritesOut(m, u, info));
        const fix: Fix | null = site && site.editable ? { title: 'Set shuffle=False', applicability: 'safe', edits: [replaceNode(site.node, 'False')] } : null;
        ctx.report({
          node: at,
          severity: written ? 'error' : 'warning',
          message: written
            ? 'This DataLoader feeds predictions that are matched to ids / written out, but it shuffles: every row gets another sample\'s prediction (a silently wrong submission or OOF). Set shuffle=False'
            : 'Validation DataLoader with shuffle=True: evaluation needs no shuffling, and any per-sample output (OOF predictions, error analysis) comes out misaligned. Set shuffle=False',
          fix,
        });
      }
    }
  },
};

/**
 * The expression that decides `shuffle` for this loader instance: the DataLoader's own argument, or
 * (through a factory parameter) the argument its caller passes. Editable when no training instance
 * shares that expression.
 */
function decidingSite(m: PythonModel, info: LoaderInfo, shuffle: Node, ctx: Context): { node: Node; editable: boolean; followed: boolean } | null {
  const training = loaderInstances(info).filter((g) => g.training);
  let node = shuffle;
  let context = ctx;
  // shuffle=param of the factory: follow to the caller's argument
  for (let i = 0; i < 4 && node.type === 'identifier'; i++) {
    const fn = m.functionAt(node);
    const top = context[context.length - 1];
    if (!fn || !top || !fn.params.includes(node.text) || !m.bindingsIn(node.text, fn).every((b) => b.kind === 'param')) break;
    if (!m.calleesOf(top).includes(fn)) break;
    const arg = argumentAt(fn, node.text, top);
    if (!arg) return null;
    node = arg;
    context = context.slice(0, -1);
  }
  // shared by a training instance? The DataLoader's own argument runs for every instance; an
  // argument at a factory call site only for the instances built through that call site.
  const followed = context.length < ctx.length;
  const path = ctx.slice(0, context.length + 1);
  const shared = followed ? training.some((g) => isPrefix(path, g.context)) : training.length > 0;
  // the same expression decides another DataLoader too (a kwargs dict given to both)
  const elsewhere = dataLoaders(m).some((o) => o !== info && [...o.args.values()].some((v) => v.id === node.id));
  return { node, editable: !shared && !elsewhere, followed };
}

function isPrefix(a: Context, b: Context): boolean {
  return a.length <= b.length && a.every((x, i) => b[i] === x);
}
