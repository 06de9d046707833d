/**
 * TG201 model-not-on-gpu
 *
 * What it does: finds a model that a hand-written loop trains (its forward pass is reached from a
 * batch loop) while nothing ever puts it on a device: no `.cuda()`, no `.to(device)`, no `device=` /
 * `device_map=` at creation, no `accelerator.prepare` / Fabric / DeepSpeed, no
 * `torch.set_default_device`. The model is followed from its creation through names, `self.`
 * attributes, factory functions and parameters, so a move in a helper counts.
 * Why it is bad: the whole run trains on the CPU, 10-100x slower, and nothing says so until the
 * budget is gone; if the batch is moved, the first step crashes instead. Hints, section 2.
 * Example: `model = timm.create_model("resnet18")`, then `x, y = x.to(device), y.to(device)` and
 * `model(x)` in the loop.
 * Fix: append the device move the loop already uses for its batches (`.to(device)` or `.cuda()`) to
 * the creation call. Not offered when the loop does not move its batches (moving the model alone
 * would break the step) or the device cannot be written at the creation.
 * Silent: a move anywhere on the model's path; framework-managed models; framework loops; a script
 * written for the CPU (no GPU evidence, and model outputs turned into NumPy without `.cpu()`).
 */
import type { Node } from '../analysis/parser';
import type { LoopInfo, PythonModel } from '../analysis/model';
import { modelCreations, modelMoves, toDeviceArg, trainedModelUses, writtenForCpu } from '../analysis/devices';
import { spellAt } from '../fixes/spelling';
import { nodeRange, type Fix, type Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG201',
    name: 'model-not-on-gpu',
    severity: 'error',
    section: '2. GPU validation: training on CPU',
    summary: 'A model trained in a hand-written loop is never moved to the GPU',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    // "device possibly cuda": a script with no GPU evidence whose model outputs go through `.numpy()`
    // without `.cpu()` is a CPU run by design (moving the model would crash that line)
    if (writtenForCpu(m)) return;
    const reported = new Set<number>();
    for (const use of trainedModelUses(m)) {
      const creations = modelCreations(m, use.expr);
      if (!creations.length || modelMoves(m, creations).length) continue;
      for (const creation of creations) {
        if (reported.has(creation.id)) continue;
        reported.add(creation.id);
        ctx.report({
          node: creation,
          message: `\`${use.expr.text}\` is trained in a loop but never moved to the GPU: add .to(device) / .cuda() where it is created (on the CPU training is 10-100x slower; with the batch on the GPU the first step crashes)`,
          fix: moveFix(m, creation, use.loop),
          related: [{ range: nodeRange(use.call.node), message: 'the forward pass of the training loop' }],
        });
      }
    }
  },
};

/** How the loop moves its batches: `.cuda()` or `.to(<device>)` on a tensor that is not a model. */
function batchMove(m: PythonModel, loop: LoopInfo): { kind: 'cuda' } | { kind: 'to'; device: Node } | null {
  for (const c of loop.calls) {
    if (c.fn !== loop.fn || !c.receiver || modelCreations(m, c.receiver).length) continue;
    if (c.method === 'cuda') return { kind: 'cuda' };
    if (c.method === 'to') {
      const dev = toDeviceArg(m, c);
      if (dev) return { kind: 'to', device: dev };
    }
  }
  return null;
}

function moveFix(m: PythonModel, creation: Node, loop: LoopInfo): Fix | null {
  const move = batchMove(m, loop);
  if (!move) return null;
  let suffix: string;
  if (move.kind === 'cuda') suffix = '.cuda()';
  else {
    const dev = spellAt(m, move.device, m.functionAt(creation), m.statementOf(creation).startIndex);
    if (!dev) return null;
    suffix = `.to(${dev})`;
  }
  const at = { line: creation.endPosition.row, character: creation.endPosition.column };
  return {
    title: `Move the model to the GPU where it is created (${suffix})`,
    applicability: 'safe',
    edits: [{ range: { start: at, end: at }, newText: suffix }],
  };
}
