/**
 * TG1002 missing-zero-grad
 *
 * What it does: finds a hand-written batch loop that runs `.backward()` and an optimizer step
 * (`optimizer.step()` or `scaler.step(optimizer)`, resolved through imports and aliases) but never
 * resets the gradients: no `zero_grad()` on the optimizer or the model (with or without
 * `set_to_none`), no `p.grad = None`, no `p.grad.zero_()`, in the loop or in the functions it calls.
 * Why it is bad: PyTorch adds every backward into `.grad`. Without a reset each step applies the sum
 * of all gradients since the start: the effective learning rate grows every batch, the loss
 * diverges or plateaus, and the whole run is wasted GPU time. Hints, section 10 (template).
 * Example: `for x, y in loader: loss = crit(model(x), y); loss.backward(); optimizer.step()`.
 * Fix: insert `optimizer.zero_grad()` right after the step (after `scaler.update()` when it follows),
 * with the file's own optimizer name and indentation, so it lands under an accumulation condition
 * when the step is under one. Unsafe when the loop steps several optimizers.
 * Silent: a reset anywhere in the loop; one-shot loops (a smoke test that breaks after a batch);
 * framework loops (Lightning, Hugging Face Trainer, Keras, fastai reset gradients themselves).
 */
import type { Node } from '../analysis/parser';
import type { CallSite, LoopInfo, PythonModel } from '../analysis/model';
import { isWithin } from '../analysis/model';
import { isOptimizerStep, isScalerStep, loopResetsGradients, steppedOptimizer } from '../analysis/optim';
import { isPlainName } from '../analysis/passes';
import { insertLinesAfter } from '../fixes/edits';
import { ownLineStatement } from '../fixes/statements';
import type { Fix, Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG1002',
    name: 'missing-zero-grad',
    severity: 'error',
    section: '10. Training template',
    summary: 'backward() and an optimizer step in a loop that never resets the gradients',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    const reported = new Set<number>();
    for (const loop of m.batchLoops()) {
      if (isOneShot(loop)) continue;
      const reach = m.reachableFromLoop(loop);
      if (!reach.some((c) => c.method === 'backward')) continue;
      const steps = reach.filter((c) => isOptimizerStep(m, c));
      if (!steps.length || loopResetsGradients(m, loop)) continue;
      const first = steps[0];
      if (reported.has(first.node.id)) continue;
      reported.add(first.node.id);
      const opt = steppedOptimizer(m, first);
      ctx.report({
        node: first.node,
        message: `Gradients are never reset in this loop: every \`${opt?.text ?? 'optimizer'}\` step applies the sum of all gradients so far and training diverges. Call \`zero_grad()\` once per step`,
        fix: zeroGradFix(m, steps),
      });
    }
  },
};

/** A loop whose body ends every iteration with a `break`: it runs one batch (a smoke test). */
export function isOneShot(loop: LoopInfo): boolean {
  return loop.body.namedChildren.some((c) => c.type === 'break_statement');
}

/** The statement after which a reset goes: the step's own statement, or a `scaler.update()` right after it. */
export function afterStepAnchor(m: PythonModel, step: CallSite): Node | null {
  const stmt = ownLineStatement(m, step.node);
  if (!stmt) return null;
  let anchor = stmt;
  if (isScalerStep(m, step)) {
    for (let next = stmt.nextNamedSibling; next; next = next.nextNamedSibling) {
      if (next.type === 'comment') continue;
      const update = m.callsByMethod('update').find((c) => isWithin(c.node, next!) && c.receiver?.text === step.receiver?.text);
      if (update && ownLineStatement(m, update.node)?.id === next.id) anchor = next;
      break;
    }
  }
  return anchor;
}

function zeroGradFix(m: PythonModel, steps: CallSite[]): Fix | null {
  const src = m.source;
  const edits = [];
  const optimizers = new Set<string>();
  const anchors = new Set<number>();
  for (const step of steps) {
    const opt = steppedOptimizer(m, step);
    if (!opt || !isPlainName(opt)) return null;
    const anchor = afterStepAnchor(m, step);
    if (!anchor) return null;
    optimizers.add(opt.text);
    if (anchors.has(anchor.id)) continue;
    anchors.add(anchor.id);
    edits.push(insertLinesAfter(src, anchor, [`${src.indentOf(anchor.startPosition.row)}${opt.text}.zero_grad()`]));
  }
  if (!edits.length) return null;
  return {
    title: `Reset the gradients after each step (${[...optimizers].map((o) => `${o}.zero_grad()`).join(', ')})`,
    applicability: optimizers.size === 1 ? 'safe' : 'unsafe',
    edits,
  };
}
