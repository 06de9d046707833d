/**
 * TG1001 gradscaler-misuse
 *
 * What it does: in a file that creates a `GradScaler` (any spelling: `torch.cuda.amp.GradScaler`,
 * `torch.amp.GradScaler`, an alias), checks each hand-written batch loop for the three calls of the
 * AMP step: the backward must be scaled (`scaler.scale(loss).backward()`), the optimizer must step
 * through the scaler (`scaler.step(optimizer)`), and `scaler.update()` must follow every step.
 * Why it is bad: an unscaled fp16 backward underflows to zero gradients (the model silently stops
 * learning); `optimizer.step()` after a scaled backward applies gradients 65536x too large and skips
 * the inf/NaN check (the weights blow up on the first batch); without `update()` the scale never
 * adapts, so after one overflow every later step is skipped. Each one wastes the whole run.
 * Example: `scaler = GradScaler()` then `loss.backward(); optimizer.step()` in the loop.
 * Fix: rewrite to `scaler.scale(loss).backward()`, `scaler.step(optimizer)`, `scaler.update()`
 * with the file's own names (adding `scaler.unscale_(optimizer)` before gradient clipping when the
 * backward becomes scaled). Offered when the scaler's name is visible where the step is written.
 * Silent: correct scaler use; a plain `loss.backward()` in the non-AMP branch of
 * `if use_amp: ... else: ...`; a scaler created with `enabled=False`; one-shot smoke-test loops;
 * framework loops (Lightning `precision=16`, Hugging Face `fp16=True`, accelerate).
 */
import type { Node } from '../analysis/parser';
import type { CallSite, FunctionInfo, LoopInfo, PythonModel } from '../analysis/model';
import { isWithin } from '../analysis/model';
import { GRAD_SCALER } from '../analysis/knowledge';
import { isAcceleratorBackward, isConditionalWithin, isDirectOptimizerStep, isScalerStep, scaleCallOf, steppedOptimizer } from '../analysis/optim';
import { isPlainName } from '../analysis/passes';
import { insertLinesAfter, insertLinesBefore, replaceNode } from '../fixes/edits';
import { ownLineStatement } from '../fixes/statements';
import type { TextEdit } from '../analysis/source';
import { isOneShot } from './tg1002-missing-zero-grad';
import type { Fix, Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG1001',
    name: 'gradscaler-misuse',
    severity: 'error',
    section: '10. Training template (AMP step)',
    summary: 'A GradScaler is created but the backward is not scaled, or scaler.step / scaler.update is missing',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    const scalers = m.calls.filter((c) => c.qualified !== null && GRAD_SCALER.has(c.qualified) && c.keywords.get('enabled')?.type !== 'false');
    if (!scalers.length) return;
    const loops = m.batchLoops().filter((l) => !isOneShot(l));
    const usesScaler = (l: LoopInfo) => m.reachableFromLoop(l).some((c) => c.receiver !== null && m.hasRole(c.receiver, 'scaler'));
    const scalerUsedAnywhere = loops.some(usesScaler);
    const reported = new Set<number>();
    for (const loop of loops) {
      const problems = scalerProblems(m, loop, usesScaler(loop), scalerUsedAnywhere);
      if (!problems) continue;
      const first = problems.items.sort((a, b) => a.node.startIndex - b.node.startIndex)[0];
      if (reported.has(first.node.id)) continue;
      reported.add(first.node.id);
      ctx.report({
        node: first.node,
        message: `GradScaler misuse: ${problems.items.map((p) => p.text).join('; ')}. Use \`scaler.scale(loss).backward()\`, \`scaler.step(optimizer)\`, \`scaler.update()\``,
        fix: scalerFix(m, loop, problems, scalers),
      });
    }
  },
};

interface Problems {
  items: { node: Node; text: string }[];
  /** Backward calls to scale. */
  unscaled: CallSite[];
  /** `optimizer.step()` calls to route through the scaler. */
  direct: CallSite[];
  /** The step after which `scaler.update()` is missing (null when present). */
  needsUpdateAfter: CallSite | null;
  /** The backward will become scaled (clipping then needs `unscale_`). */
  scalingAdded: boolean;
  /** The scaler receiver already used in the loop (its spelling), if any. */
  scalerInLoop: CallSite | null;
  /** Where the step is read: the batch loop, or the loop around it when the backward runs in an accumulation loop. */
  stepLoop: LoopInfo;
}

function scalerProblems(m: PythonModel, loop: LoopInfo, loopUsesScaler: boolean, usedAnywhere: boolean): Problems | null {
  const reach = m.reachableFromLoop(loop);
  const backwards = reach.filter((c) => c.method === 'backward' && c.receiver && !isAcceleratorBackward(m, c));
  if (!backwards.length) return null;
  const scaled = backwards.filter((b) => scaleCallOf(m, b));
  // Gradient accumulation: the backward runs in an inner loop over micro-steps and the step after it,
  // in the enclosing loop of the same function. The step, update and their conditions are read there.
  const isStep = (c: CallSite) => isScalerStep(m, c) || isDirectOptimizerStep(m, c);
  const outer = !reach.some(isStep) && loop.parent && loop.parent.fn === loop.fn ? loop.parent : null;
  const stepLoop = outer ?? loop;
  const stepReach = outer ? m.reachableFromLoop(outer) : reach;
  const scalerSteps = stepReach.filter((c) => isScalerStep(m, c));
  const directSteps = stepReach.filter((c) => isDirectOptimizerStep(m, c));
  // a backward with no step at all (saliency, a probe) is not an AMP training step
  if (!scaled.length && !scalerSteps.length && !directSteps.length) return null;
  const items: Problems['items'] = [];
  let unscaled: CallSite[] = [];
  if (scaled.length) {
    // `if use_amp: scaler.scale(loss).backward() else: loss.backward()`: the plain branch is the non-AMP path
    unscaled = backwards.filter((b) => !scaleCallOf(m, b) && !conditionalInLoop(b, loop));
  } else if (loopUsesScaler || !usedAnywhere) {
    unscaled = backwards;
  }
  for (const b of unscaled) {
    items.push({ node: b.node, text: scaled.length || loopUsesScaler ? `\`${b.node.text}\` is not scaled` : `the GradScaler is created but \`${b.node.text}\` is not scaled (fp16 gradients can underflow to zero)` });
  }
  if (!scaled.length && !unscaled.length) return null;

  let direct: CallSite[] = [];
  if (!scalerSteps.length) {
    direct = directSteps;
    for (const d of direct) {
      items.push({ node: d.node, text: scaled.length ? `\`${d.node.text}\` bypasses the scaler (it applies the scaled gradients and skips the inf/NaN check)` : `\`${d.node.text}\` does not go through \`scaler.step\`` });
    }
    if (!direct.length) items.push({ node: (scaled[0] ?? unscaled[0]).node, text: 'no `scaler.step(optimizer)`: the optimizer never steps' });
  } else {
    direct = directSteps.filter((d) => !conditionalInLoop(d, stepLoop));
    for (const d of direct) items.push({ node: d.node, text: `\`${d.node.text}\` steps a second time, outside the scaler` });
  }
  const hasUpdate = stepReach.some((c) => c.method === 'update' && c.receiver !== null && m.hasRole(c.receiver, 'scaler'));
  const stepForUpdate = scalerSteps[0] ?? direct[0] ?? null;
  let needsUpdateAfter: CallSite | null = null;
  if (!hasUpdate && stepForUpdate) {
    needsUpdateAfter = scalerSteps[0] ?? direct[0];
    items.push({ node: needsUpdateAfter.node, text: '`scaler.update()` is never called after the step (the scale cannot adapt; after one overflow every step is skipped)' });
  }
  if (!items.length) return null;
  const scalerInLoop = stepReach.find((c) => c.receiver !== null && m.hasRole(c.receiver, 'scaler') && (c.method === 'scale' || c.method === 'step' || c.method === 'update')) ?? null;
  return { items, unscaled, direct, needsUpdateAfter, scalingAdded: unscaled.length > 0, scalerInLoop, stepLoop };
}

function conditionalInLoop(c: CallSite, loop: LoopInfo): boolean {
  const stop = c.fn === loop.fn ? loop.body : c.fn?.body;
  return !!stop && isConditionalWithin(c.node, stop);
}

/** The scaler's spelling in `fn`: the receiver already used there, or the name a GradScaler is bound to and visible from `fn`. */
function scalerName(m: PythonModel, fn: FunctionInfo | null, before: number, problems: Problems, scalers: CallSite[]): string | null {
  if (problems.scalerInLoop && problems.scalerInLoop.fn === fn && isPlainName(problems.scalerInLoop.receiver!)) return problems.scalerInLoop.receiver!.text;
  const names = new Set<string>();
  for (const s of scalers) {
    const assign = s.node.parent;
    const left = assign?.type === 'assignment' && assign.childForFieldName('right')?.id === s.node.id ? assign.childForFieldName('left') : null;
    if (left?.type !== 'identifier') continue;
    const binding = m.bindingAt(left.text, left);
    if (!binding) continue;
    const visible = m.bindingsIn(left.text, fn);
    if (!visible.includes(binding) || visible.length !== 1) continue;
    if (binding.fn === fn && binding.node.startIndex > before) continue;
    names.add(left.text);
  }
  return names.size === 1 ? [...names][0] : null;
}

function scalerFix(m: PythonModel, loop: LoopInfo, p: Problems, scalers: CallSite[]): Fix | null {
  const src = m.source;
  const edited = [...p.unscaled, ...p.direct, ...(p.needsUpdateAfter ? [p.needsUpdateAfter] : [])];
  const fns = new Set(edited.map((c) => c.fn));
  if (fns.size !== 1) return null;
  const fn = edited[0].fn;
  const before = Math.min(...edited.map((c) => c.node.startIndex));
  const s = scalerName(m, fn, before, p, scalers);
  if (!s) return null;
  const edits: TextEdit[] = [];
  for (const b of p.unscaled) {
    if (b.receiver!.text.includes('\n') || b.receiver!.text.includes('\r')) return null;
    edits.push(replaceNode(b.receiver!, `${s}.scale(${b.receiver!.text})`));
  }
  for (const d of p.direct) {
    if (d.args.length || d.keywords.size || !d.receiver || !isPlainName(d.receiver)) return null;
    edits.push(replaceNode(d.node, `${s}.step(${d.receiver.text})`));
  }
  if (p.needsUpdateAfter) {
    const stmt = ownLineStatement(m, p.needsUpdateAfter.node);
    if (!stmt) return null;
    edits.push(insertLinesAfter(src, stmt, [`${src.indentOf(stmt.startPosition.row)}${s}.update()`]));
  }
  if (p.scalingAdded) {
    // clipping must see unscaled gradients: scaler.unscale_(optimizer) before it
    const reach = m.reachableFromLoop(p.stepLoop);
    const clips = reach.filter((c) => /^torch\.nn\.utils\.(clip_grad_norm_|clip_grad_value_|clip_grad_norm)$/.test(c.qualified ?? ''));
    if (clips.length && !reach.some((c) => c.method === 'unscale_')) {
      const step = p.direct[0] ?? reach.find((c) => isScalerStep(m, c));
      const opt = step ? steppedOptimizer(m, step) : null;
      if (!opt || !isPlainName(opt) || clips.some((c) => c.fn !== fn)) return null;
      for (const c of clips) {
        const stmt = ownLineStatement(m, c.node);
        if (!stmt) return null;
        edits.push(insertLinesBefore(src, stmt, [`${src.indentOf(stmt.startPosition.row)}${s}.unscale_(${opt.text})  # clip the real gradients, not the scaled ones`]));
      }
    }
  }
  if (!edits.length) return null;
  if (edited.some((c) => c.fn === loop.fn && !isWithin(c.node, p.stepLoop.body))) return null;
  return { title: `Use the scaler: ${s}.scale(loss).backward(), ${s}.step(optimizer), ${s}.update()`, applicability: 'safe', edits };
}
