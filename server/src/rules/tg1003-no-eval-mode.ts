/**
 * TG1003 no-eval-mode
 *
 * What it does: finds a validation or prediction pass — a loop that runs a model forward over a
 * DataLoader / Dataset, or over index ranges of tensors (`model(X[s:s + bs])` in a `range` loop),
 * without any training step reachable (decided by what the loop does, not by names) — that starts while the model is not in eval mode: no `model.eval()` / `model.train(False)`
 * before it on every way it is reached (in its function, in the callers of that function, in
 * helpers called before it), or a `model.train()` after the last `eval()`.
 * Why it is bad: in train mode dropout stays active and BatchNorm normalises with the statistics of
 * each validation batch (and updates its running averages with validation data). Validation scores
 * are noisy and pessimistic, checkpoint selection and early stopping follow noise, and test
 * predictions are wrong: a silent score loss after the whole budget was spent training.
 * Example: `for epoch ...: train_one_epoch(...); validate(model, val_loader)` with no eval().
 * Fix: insert `model.eval()` right before the pass loop (the file's own model names). When the pass
 * runs inside training and nothing puts the model back into train mode before the training batches,
 * `model.train()` is inserted before the training batch loop too, so the next epoch trains normally.
 * Silent: eval() set before the pass (anywhere on the way, also chained `create_model(...).eval()`
 * or in a loader helper); passes inside framework code (Lightning `validation_step`, HF `evaluate`,
 * Keras `predict` are not hand-written loops).
 */
import type { LoopInfo, PythonModel } from '../analysis/model';
import { loopModelNames, modeAt, modelPasses, passInEvalMode, passModelNames, type ModelPass } from '../analysis/passes';
import type { TextEdit } from '../analysis/source';
import { insertLinesBefore } from '../fixes/edits';
import { headerRange } from './tg211-no-smoke-test';
import type { Fix, Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG1003',
    name: 'no-eval-mode',
    severity: 'warning',
    section: '10. Training template (validation)',
    summary: 'A validation / prediction pass runs with the model in train mode (no model.eval())',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    for (const pass of modelPasses(m)) {
      if (passInEvalMode(m, pass)) continue;
      const names = passModelNames(m, pass);
      const what = pass.trainingLoops.length ? 'Validation' : 'Prediction';
      ctx.report({
        range: headerRange(pass.loop.node),
        message: `${what} pass without \`${names[0] ?? 'model'}.eval()\`: dropout stays on and BatchNorm uses (and updates) batch statistics, so scores and predictions are wrong. Call \`eval()\` before the pass`,
        fix: evalFix(m, pass, names),
      });
    }
  },
};

function evalFix(m: PythonModel, pass: ModelPass, names: string[]): Fix | null {
  const src = m.source;
  if (!names.length) return null;
  const loop = pass.loop;
  const indent = src.indentOf(loop.node.startPosition.row);
  if (loop.node.startPosition.column !== indent.length) return null;
  const edits: TextEdit[] = [insertLinesBefore(src, loop.node, names.map((n) => `${indent}${n}.eval()`))];
  // inside training: the batches after this pass must run in train mode again
  if (pass.trainingLoops.length) {
    const facts = m.trainingLoops();
    if (pass.trainingLoops.some((l) => facts.get(l)!.inner.length === 0)) return null; // a pass inside the batch loop itself
    const batches = new Set<LoopInfo>();
    for (const l of pass.trainingLoops) for (const b of facts.get(l)!.inner) if (facts.get(b)!.inner.length === 0) batches.add(b);
    for (const b of batches) {
      const mode = modeAt(m, b.node, b.fn);
      if (mode === 'train' || mode === 'unknown') continue;
      if (mode === 'eval') return null;
      const models = loopModelNames(m, b, m.reachableFromLoop(b).filter((c) => m.isModelCall(c)));
      const bIndent = src.indentOf(b.node.startPosition.row);
      if (!models.length || b.node.startPosition.column !== bIndent.length) return null;
      edits.push(insertLinesBefore(src, b.node, models.map((n) => `${bIndent}${n}.train()`)));
    }
  }
  return {
    title: `Put the model in eval mode before the pass (${names.map((n) => `${n}.eval()`).join(', ')})`,
    applicability: 'safe',
    edits,
  };
}
