/**
 * TG101 budget-exceeded
 *
 * What it does: estimates the training time of the model the file creates (folds x epochs x
 * min/epoch x 1.2 + inference, the hints' formula, with min/epoch from measured throughput; the same
 * estimate as the side panel and `trainguard estimate`) and reports when it exceeds the time budget
 * (`trainguard.budgetMinutes`, `[tool.trainguard] budget`, or `# trainguard: budget=30m gpu=A10`).
 * Why it is bad: a run that outlives its budget is killed after the first fold or two: no ensemble,
 * a worse score, sometimes no predict.py input at all. Hints, section 1.
 * Example: `timm.create_model('efficientnet_b4')`, N_FOLDS = 3, EPOCHS = 10 on an A10 with 30 min.
 * Fix (unsafe: each changes the experiment): the largest model of the same family that fits; or the
 * most EPOCHS that fit; or the most folds that fit. Each edits the literal that sets the value.
 * Silent: no budget set; the model is not in the measured tables (unknown is never presented as a
 * guess); no epoch count or epoch size can be read and the model is not in the hints' table; the
 * estimate fits.
 */
import type * as EstimateModule from '../estimator/estimate';
import type { KnownEstimate, Plan } from '../estimator/estimate';
import type * as FromScriptModule from '../estimator/fromScript';
import type * as ScriptFactsModule from '../estimator/scriptFacts';
import type { ScriptFacts } from '../estimator/scriptFacts';
import type { Fix, Rule } from './types';

/**
 * The estimator (its measured-throughput tables are the largest module of the checker), loaded the
 * first time a file has a budget: most files have none, and `trainguard check` then never
 * initialises it (issue 19; test/unit/cli-startup.test.ts).
 */
interface Estimator {
  estimate: typeof EstimateModule.estimate;
  formatMinutes: typeof EstimateModule.formatMinutes;
  formatRange: typeof EstimateModule.formatRange;
  plansThatFit: typeof EstimateModule.plansThatFit;
  inputFromScript: typeof FromScriptModule.inputFromScript;
  editsForPlan: typeof ScriptFactsModule.editsForPlan;
  scriptFacts: typeof ScriptFactsModule.scriptFacts;
}
let estimator: Estimator | undefined;
function loadEstimator(): Estimator {
  if (!estimator) {
    const e = require('../estimator/estimate') as typeof EstimateModule;
    const f = require('../estimator/fromScript') as typeof FromScriptModule;
    const s = require('../estimator/scriptFacts') as typeof ScriptFactsModule;
    estimator = { estimate: e.estimate, formatMinutes: e.formatMinutes, formatRange: e.formatRange, plansThatFit: e.plansThatFit, inputFromScript: f.inputFromScript, editsForPlan: s.editsForPlan, scriptFacts: s.scriptFacts };
  }
  return estimator;
}

export const rule: Rule = {
  meta: {
    code: 'TG101',
    name: 'budget-exceeded',
    severity: 'warning',
    section: '1. Model sizing',
    summary: 'The estimated training time (folds x epochs x min/epoch x 1.2 + inference) exceeds the time budget',
    fixable: true,
  },
  check(ctx) {
    if (ctx.settings.budgetMinutes === null) return;
    const { scriptFacts, inputFromScript, estimate, plansThatFit } = loadEstimator();
    const facts = scriptFacts(ctx.model);
    if (!facts.model) return;
    const { input, assumptions } = inputFromScript(facts, ctx.settings);
    if (!input) return;
    const e = estimate(input);
    if (e.status !== 'ok' || e.verdict !== 'does-not-fit') return;
    const plans = plansThatFit(input, { minFolds: facts.minFolds, maxEpochs: input.epochs - 1, maxFolds: input.folds - 1 });
    const fixes = plans.map((p) => planFix(facts, e, p)).filter((f): f is Fix => f !== null);
    ctx.report({
      node: facts.model.call,
      message: message(e, plans, assumptions),
      fix: fixes[0] ?? null,
      alternativeFixes: fixes.slice(1),
    });
  },
};

function message(e: KnownEstimate, plans: Plan[], assumptions: string[]): string {
  const { formatMinutes, formatRange } = loadEstimator();
  const p = e.parts;
  const how =
    e.method === 'seed-table'
      ? `${runs(e)} x ${formatMinutes(e.minPerEpoch.point)}/epoch (the hints' table; epoch size unknown)`
      : `${runs(e)} x ${formatMinutes(e.minPerEpoch.point)}/epoch (measured throughput${p.validation ? ', incl. validation' : ''})`;
  let text = `Estimated ${formatRange(e.total)} for ${e.model.label} on ${e.gpu.id} at ${e.imgSize} px exceeds the ${formatMinutes(e.budgetMinutes!)} budget: ${how} + 20% buffer + ${formatMinutes(p.inference.point)} inference.`;
  const smaller = plans.filter((x) => (x.kind === 'model' && x.model !== e.model.name) || (x.kind === 'epochs' && x.epochs < e.epochs) || (x.kind === 'folds' && x.folds < e.folds));
  if (smaller.length) text += ` Fits: ${smaller.map((x) => (x.kind === 'model' ? x.model : x.kind === 'epochs' ? `EPOCHS=${x.epochs}` : `N_FOLDS=${x.folds}`) + ` (${formatMinutes(x.total.point)})`).join('; or ')}.`;
  else text += ' Nothing of the same family, no fewer epochs or folds fits: a smaller model family or a larger budget is needed.';
  const stated = e.gpu.note ? [...assumptions, e.gpu.note] : assumptions;
  if (stated.length) text += ` Assumed: ${stated.join('; ')}.`;
  return text;
}

function runs(e: KnownEstimate): string {
  return `${e.folds} fold${e.folds === 1 ? '' : 's'} x ${e.epochs} epoch${e.epochs === 1 ? '' : 's'}`;
}

function planFix(facts: ScriptFacts, e: KnownEstimate, plan: Plan): Fix | null {
  const { editsForPlan, formatMinutes } = loadEstimator();
  if (plan.kind === 'model' && plan.model === e.model.name) return null;
  if (plan.kind === 'epochs' && plan.epochs >= e.epochs) return null;
  if (plan.kind === 'folds' && plan.folds >= e.folds) return null;
  const change = plan.kind === 'model' ? { model: plan.model } : plan.kind === 'epochs' ? { epochs: plan.epochs } : { folds: plan.folds };
  const { edits, problems } = editsForPlan(facts, change);
  if (problems.length || !edits.length) return null;
  const what = plan.kind === 'model' ? `Use ${plan.model}` : plan.kind === 'epochs' ? `Lower epochs to ${plan.epochs}` : `Lower folds to ${plan.folds}`;
  return { title: `${what} (estimated ${formatMinutes(plan.total.point)}, fits the budget)`, applicability: 'unsafe', edits };
}
