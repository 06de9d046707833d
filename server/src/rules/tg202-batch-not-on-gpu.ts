/**
 * TG202 batch-not-on-gpu
 *
 * What it does: in a hand-written loop over a torch DataLoader, finds tensors unpacked from the
 * batch that reach the model or the criterion as the loader yielded them (no `.cuda()` / `.to()`
 * on the way) while the model trained there is on the GPU. The batch is followed through
 * re-bindings in the loop (`x, y = batch`, `x = x.float()`); a helper or unknown call that
 * touches the tensor counts as a possible move, never as proof of a CPU tensor.
 * Why it is bad: `RuntimeError: Expected all tensors to be on the same device` at the first step
 * (minutes into the run, after the workers spin up), or, for the target only, a crash in the loss.
 * Hints, section 2: "Verify: data.cuda(), target.cuda(), model.cuda()".
 * Example: `model = Net().cuda()` and `for x, y in loader: loss = crit(model(x), y)`.
 * Fix: insert `x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)` (the
 * model's own device, or `.cuda(non_blocking=True)`) as the first statement of the loop, or right
 * after the statement that unpacks the batch.
 * Silent: tensors moved in a collate function, a dataset or a helper; models not on the GPU;
 * Lightning `training_step`, Hugging Face Trainer and other framework loops (no hand-written loop).
 */
import type { CallSite, LoopInfo, PythonModel } from '../analysis/model';
import type { Node } from '../analysis/parser';
import { loaderMovesBatches, loopOverDataLoader, modelCreations, modelMoves, unmovedBatchUses, type UnmovedBatchUse } from '../analysis/devices';
import { blockIndent, insertLinesAfter } from '../fixes/edits';
import { insertAtBodyTop } from '../fixes/insert';
import { spellAt } from '../fixes/spelling';
import type { Fix, Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG202',
    name: 'batch-not-on-gpu',
    severity: 'error',
    section: '2. GPU validation: training on CPU',
    summary: 'Batch tensors reach the GPU model or the criterion without .cuda() / .to(device)',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    for (const loop of m.batchLoops()) {
      const loader = loopOverDataLoader(m, loop);
      if (!loader || loaderMovesBatches(m, loader)) continue;
      const uses = unmovedBatchUses(m, loop);
      if (!uses.length) continue;
      const gpu = gpuModelOf(m, loop);
      if (!gpu) continue;
      const names = [...new Set(uses.map((u) => u.status.name ?? u.arg.text))];
      ctx.report({
        node: uses[0].arg,
        message: `${names.map((n) => `\`${n}\``).join(', ')} ${names.length > 1 ? 'reach' : 'reaches'} the model / criterion on the CPU while the model is on the GPU: move the batch with .to(device, non_blocking=True) (a device mismatch crashes the first step)`,
        fix: moveFix(m, loop, uses, gpu),
      });
    }
  },
};

/** The forward pass in `loop` whose model is placed on a device that may be the GPU. */
function gpuModelOf(m: PythonModel, loop: LoopInfo): { call: CallSite; moves: ReturnType<typeof modelMoves> } | null {
  for (const call of loop.calls) {
    if (call.fn !== loop.fn || !m.isModelCall(call)) continue;
    const expr = call.method === 'forward' && call.receiver ? call.receiver : call.callee;
    const moves = modelMoves(m, modelCreations(m, expr)).filter((mv) => mv.where !== 'cpu');
    if (moves.length) return { call, moves };
  }
  return null;
}

function moveFix(m: PythonModel, loop: LoopInfo, uses: UnmovedBatchUse[], gpu: { moves: ReturnType<typeof modelMoves> }): Fix | null {
  const src = m.source;
  const indent = blockIndent(src, loop.body);
  if (indent === null) return null;
  const names: string[] = [];
  for (const u of uses) {
    if (!u.status.name) return null;
    if (!names.includes(u.status.name)) names.push(u.status.name);
  }
  // where: the top of the body when every name is a loop target, else after the last loop-body
  // statement that binds one of them, provided no use comes before that point
  let after: Node | null = null;
  for (const u of uses) {
    if (u.status.target) continue;
    if (!u.status.after) return null;
    if (!after || u.status.after.endIndex > after.endIndex) after = u.status.after;
  }
  if (after && uses.some((u) => u.call.node.startIndex < after!.endIndex)) return null;
  const anchorStart = after ? after.endIndex : loop.body.startIndex;

  let move: string | null = null;
  let safe = true;
  for (const mv of gpu.moves) {
    if (mv.kind === 'cuda') move = '.cuda(non_blocking=True)';
    else if ((mv.kind === 'to' || mv.kind === 'device-kw' || mv.kind === 'default-device') && mv.device) {
      const dev = spellAt(m, mv.device, loop.fn, anchorStart);
      if (dev) move = `.to(${dev}, non_blocking=True)`;
    }
    if (move) break;
  }
  if (!move) {
    // the model's device cannot be written here: .cuda() is right only on a GPU machine
    if (!gpu.moves.some((mv) => mv.where === 'cuda' || mv.where === 'maybe-cuda')) return null;
    move = '.cuda(non_blocking=True)';
    safe = false;
  }
  const line = `${indent}${names.join(', ')} = ${names.map((n) => `${n}${move}`).join(', ')}`;
  const edit = after ? insertLinesAfter(src, after, [line]) : insertAtBodyTop(src, loop.node, loop.body, [line]);
  if (!edit) return null;
  return { title: `Move the batch to the model's device (${names.join(', ')})`, applicability: safe ? 'safe' : 'unsafe', edits: [edit] };
}
