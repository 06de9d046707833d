/**
 * TG1004 no-grad-in-validation
 *
 * What it does: finds a validation or prediction pass — a loop that runs a model forward over a
 * DataLoader / Dataset with no training step reachable — whose forward passes run with autograd on:
 * not inside `with torch.no_grad():` / `torch.inference_mode()` / `torch.set_grad_enabled(False)`
 * and not in a function decorated with `@torch.no_grad()` / `@torch.inference_mode()`, on every way
 * the loop reaches them (the loop's function, its callers, the helpers it calls).
 * Why it is bad: autograd keeps every activation of every batch alive for a backward that never
 * comes: validation uses several times the memory it needs (OOM on the first validation, after a
 * whole epoch of training) and runs slower, so the budget buys fewer epochs. Outputs collected into a
 * list keep their graphs alive across batches.
 * Example: `model.eval(); for x, y in val_loader: out = model(x.cuda())`.
 * Fix: wrap the pass loop in `with torch.no_grad():` (re-indented with the file's own unit; `import
 * torch` added once if needed).
 * Silent: gradients disabled on the way; passes that need gradients on purpose (Grad-CAM / saliency
 * with `torch.autograd.grad`, backward hooks, `requires_grad_` inputs, `torch.enable_grad()`, captum,
 * torchcam, pytorch-grad-cam); a `.backward()` in the loop makes it a training loop, not a pass.
 */
import type { PythonModel } from '../analysis/model';
import { modelPasses, passNeedsGradients, passRunsWithoutGrad, type ModelPass } from '../analysis/passes';
import type { TextEdit } from '../analysis/source';
import { ensureModuleImport } from '../fixes/imports';
import { wrapRows } from '../fixes/statements';
import { headerRange } from './tg211-no-smoke-test';
import type { Fix, Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG1004',
    name: 'no-grad-in-validation',
    severity: 'information',
    section: '10. Training template (validation)',
    summary: 'A validation / prediction pass runs with autograd on (no torch.no_grad() / inference_mode())',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    for (const pass of modelPasses(m)) {
      if (passRunsWithoutGrad(m, pass) || passNeedsGradients(m, pass)) continue;
      const what = pass.trainingLoops.length ? 'Validation' : 'Prediction';
      ctx.report({
        range: headerRange(pass.loop.node),
        message: `${what} pass with autograd on: every activation is kept for a backward that never comes (several times the memory, slower). Run it under \`torch.no_grad()\` or \`torch.inference_mode()\``,
        fix: wrapFix(m, pass),
      });
    }
  },
};

function wrapFix(m: PythonModel, pass: ModelPass): Fix | null {
  const src = m.source;
  const loop = pass.loop.node;
  const indent = src.indentOf(loop.startPosition.row);
  if (loop.startPosition.column !== indent.length) return null;
  const rest = src.lineText(loop.endPosition.row).slice(loop.endPosition.column).trim();
  if (rest && !rest.startsWith('#')) return null;
  const torch = ensureModuleImport(m, 'torch');
  const wrap = wrapRows(m, loop.startPosition.row, loop.endPosition.row, indent, `with ${torch.name}.no_grad():`);
  if (!wrap) return null;
  const edits: TextEdit[] = [wrap];
  if (torch.edit) edits.push(torch.edit);
  return { title: 'Run the pass under torch.no_grad()', applicability: 'safe', edits };
}
