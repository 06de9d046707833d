/**
 * TG803 zero-grad-breaks-accumulation
 *
 * What it does: finds gradient accumulation (the optimizer step gated by `(i + 1) % accum == 0` on
 * the batch index or a step counter) where `zero_grad()` still runs on every iteration, outside the
 * condition, on the stepped optimizer or on the model.
 * Why it is bad: each reset throws away the gradients of the batches before it, so every step uses
 * the gradient of a single micro-batch: the larger effective batch the accumulation was written for
 * never exists, and with the loss divided by `accum` the updates are also `accum` times too small.
 * The run costs as much as the intended one and trains like a smaller, noisier one. Hints, section 8.
 * Example: `optimizer.zero_grad()` first in the loop body, `optimizer.step()` under the condition.
 * Fix: move the reset under the condition, right after the step (after `scaler.update()`), keeping
 * its text and trailing comment; a reset written twice on the same optimizer moves once, both lines
 * deleted (the one left behind would keep discarding the accumulated gradients).
 * Silent: the reset inside the same condition; resets under another condition; no accumulation.
 */
import type { Node } from '../analysis/parser';
import type { CallSite, PythonModel } from '../analysis/model';
import { isWithin } from '../analysis/model';
import { accumulationGate, gatedSteps, isZeroGrad, optimizerCoversModel, runsEveryIteration, sameValue, steppedOptimizer } from '../analysis/optim';
import { insertLinesAfter } from '../fixes/edits';
import { deleteStatementLines, ownLineStatement } from '../fixes/statements';
import { afterStepAnchor, isOneShot } from './tg1002-missing-zero-grad';
import type { Fix, Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG803',
    name: 'zero-grad-breaks-accumulation',
    severity: 'error',
    section: '8. GPU memory & OOM: gradient accumulation',
    summary: 'zero_grad() runs every iteration while the optimizer step waits for accumulation',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    const reported = new Set<number>();
    for (const loop of m.batchLoops()) {
      if (isOneShot(loop)) continue;
      const gated = gatedSteps(m, loop);
      if (!gated.length) continue;
      for (const z of m.reachableFromLoop(loop)) {
        if (!isZeroGrad(z) || reported.has(z.node.id)) continue;
        if (gated.some((g) => isWithin(z.node, g.gate.block)) || accumulationGate(m, z, loop) || !runsEveryIteration(m, z, loop)) continue;
        const hit = matchingStep(m, z, gated);
        if (!hit) continue;
        reported.add(z.node.id);
        ctx.report({
          node: z.node,
          message: `\`${z.node.text}\` runs on every batch but \`${hit.step.node.text}\` only every \`${hit.gate.divisor.text}\` batches: each reset discards the accumulated gradients. Reset after the step, inside the same condition`,
          fix: moveUnderCondition(m, z, hit.step, hit.gate, everyIterationResets(m, z, loop, gated)),
          related: [{ range: rangeOf(hit.gate.modulo), message: 'the accumulation condition' }],
        });
      }
    }
  },
};

type Gated = ReturnType<typeof gatedSteps>[number];

function rangeOf(n: { startPosition: { row: number; column: number }; endPosition: { row: number; column: number } }) {
  return { start: { line: n.startPosition.row, character: n.startPosition.column }, end: { line: n.endPosition.row, character: n.endPosition.column } };
}

/** The gated step whose gradients the reset clears: the same optimizer, or an optimizer over the reset model's parameters. */
function matchingStep(m: PythonModel, z: CallSite, gated: Gated[]): Gated | null {
  const receiver = z.receiver!;
  const isModel = m.hasRole(receiver, 'model');
  for (const g of gated) {
    const opt = steppedOptimizer(m, g.step);
    if (!opt) continue;
    if (isModel ? optimizerCoversModel(m, opt, receiver) : sameValue(m, receiver, opt)) return g;
  }
  return null;
}

/**
 * The other resets of the same receiver that also run on every iteration of `loop`, outside the
 * condition (`optimizer.zero_grad()` written twice): one fix moves them all, or the one it leaves
 * behind keeps discarding the accumulated gradients.
 */
function everyIterationResets(m: PythonModel, z: CallSite, loop: Parameters<typeof runsEveryIteration>[2], gated: Gated[]): CallSite[] {
  return m.reachableFromLoop(loop).filter(
    (c) => c !== z && isZeroGrad(c) && c.fn === z.fn && c.receiver?.text === z.receiver?.text && !gated.some((g) => isWithin(c.node, g.gate.block)) && runsEveryIteration(m, c, loop),
  );
}

/** The reset's own one-line statement (the fix deletes it whole), or null. */
function resetStatement(m: PythonModel, z: CallSite): Node | null {
  const stmt = ownLineStatement(m, z.node);
  if (!stmt || stmt.type !== 'expression_statement' || stmt.namedChildren[0]?.id !== z.node.id) return null;
  return stmt.startPosition.row === stmt.endPosition.row ? stmt : null;
}

function moveUnderCondition(m: PythonModel, reported: CallSite, step: CallSite, acc: Gated['gate'], duplicates: CallSite[]): Fix | null {
  // the resets of one receiver share one fix (the same edits whichever is reported): the first one's
  // text goes under the condition, every line is deleted
  const group = [reported, ...duplicates].sort((a, b) => a.node.startIndex - b.node.startIndex);
  const z = group[0];
  const others = group.slice(1);
  if (z.fn !== acc.fn) return null;
  const stmt = resetStatement(m, z);
  if (!stmt) return null;
  const del = deleteStatementLines(m, stmt);
  const anchor = step.fn === acc.fn ? afterStepAnchor(m, step) : gatedCallStatement(m, step, acc);
  if (!del || !anchor) return null;
  const src = m.source;
  const edits = [del];
  for (const o of others) {
    const s = resetStatement(m, o);
    const d = s ? deleteStatementLines(m, s) : null;
    if (!d) return null;
    edits.push(d);
  }
  // already reset under the condition: only the unconditional reset goes
  const already = m.callsInside(acc.block.startIndex, acc.block.endIndex).some((c) => c !== z && isZeroGrad(c) && c.receiver?.text === z.receiver?.text);
  if (!already) {
    const line = src.lineText(stmt.startPosition.row).slice(stmt.startPosition.column);
    edits.push(insertLinesAfter(src, anchor, [src.indentOf(anchor.startPosition.row) + line.trimEnd()]));
  }
  return { title: `Move \`${z.node.text}\` under the accumulation condition, after the step`, applicability: 'safe', edits };
}

/** In the gated block, the statement whose call leads (through the file's functions) to `step`. */
function gatedCallStatement(m: PythonModel, step: CallSite, acc: Gated['gate']): Node | null {
  const site = m.callsWithin(acc.fn, acc.block.startIndex, acc.block.endIndex).find((c) => m.calleesOf(c).some((f) => f === step.fn || m.reachableFromFunction(f).includes(step)));
  return site ? ownLineStatement(m, site.node) : null;
}
