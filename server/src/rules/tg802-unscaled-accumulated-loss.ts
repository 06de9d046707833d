/**
 * TG802 unscaled-accumulated-loss
 *
 * What it does: finds gradient accumulation (the optimizer step gated by `(i + 1) % accum == 0` on
 * the batch index or a step counter) whose backward runs on the loss as is: not divided by the
 * accumulation steps where it is computed, re-bound (`loss = loss / accum`, `loss /= accum`), passed
 * (`(loss / accum).backward()`, `scaler.scale(loss / accum)`, apex `amp.scale_loss(loss / accum, opt)`)
 * or returned by a helper.
 * Why it is bad: the gradients of `accum` micro-batches are summed, so each step is `accum` times
 * larger than the large-batch step the accumulation imitates: the same as multiplying the learning
 * rate by `accum`. Training diverges or lands on a worse optimum, and gradient clipping thresholds
 * silently mean something else. Hints, section 8 (`loss = criterion(output, target) / accumulation_steps`).
 * Example: `loss = criterion(model(x), y); loss.backward(); if (i + 1) % 4 == 0: optimizer.step()`.
 * Fix: divide the loss by the accumulation divisor where it is backpropagated
 * (`(loss / ACCUM).backward()`, `scaler.scale(loss / ACCUM).backward()`), so logged losses keep
 * their scale. Offered when the divisor can be spelled where the backward is.
 * Silent: the loss divided anywhere on its way to backward; no accumulation (step every batch, or a
 * divisor of 1); `accelerate` with `gradient_accumulation_steps` (it divides on its own).
 */
import type { Node } from '../analysis/parser';
import type { CallSite, FunctionInfo, PythonModel } from '../analysis/model';
import { intValue } from '../analysis/config-values';
import { accumulationOf, argumentAt, backwardLoss, isAcceleratorBackward, scaleCallOf, spelledSameIn, type Accumulation } from '../analysis/optim';
import { replaceNode } from '../fixes/edits';
import { isOneShot } from './tg1002-missing-zero-grad';
import type { Fix, Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG802',
    name: 'unscaled-accumulated-loss',
    severity: 'warning',
    section: '8. GPU memory & OOM: gradient accumulation',
    summary: 'Gradient accumulation without dividing the loss by the accumulation steps',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    const acceleratorDivides = m.calls.some((c) => c.qualified === 'accelerate.Accelerator' && c.keywords.has('gradient_accumulation_steps'));
    const reported = new Set<number>();
    for (const loop of m.batchLoops()) {
      if (isOneShot(loop)) continue;
      const acc = accumulationOf(m, loop);
      if (!acc) continue;
      for (const b of m.reachableFromLoop(loop)) {
        if (b.method !== 'backward' || reported.has(b.node.id)) continue;
        if (isAcceleratorBackward(m, b) && acceleratorDivides) continue;
        const loss = backwardLoss(m, b);
        if (!loss || isDivided(m, loss, b.fn, acc, 0, new Set())) continue;
        reported.add(b.node.id);
        ctx.report({
          node: b.node,
          message: `The loss is accumulated over \`${acc.divisor.text}\` batches but not divided by it: each step is \`${acc.divisor.text}\` times too large (like multiplying the learning rate). Divide the loss by \`${acc.divisor.text}\``,
          fix: divideFix(m, b, loss, acc),
          related: [{ range: rangeOf(acc.modulo), message: 'the accumulation condition' }],
        });
      }
    }
  },
};

function rangeOf(n: Node) {
  return { start: { line: n.startPosition.row, character: n.startPosition.column }, end: { line: n.endPosition.row, character: n.endPosition.column } };
}

/** Is the value divided by the accumulation steps somewhere on its way (an unknown divisor counts; a different constant does not)? */
function isDivided(m: PythonModel, expr: Node | null, fn: FunctionInfo | null, acc: Accumulation, depth: number, seen: Set<number>): boolean {
  if (!expr || depth > 10 || seen.has(expr.id)) return false;
  seen.add(expr.id);
  switch (expr.type) {
    case 'parenthesized_expression':
      return isDivided(m, expr.namedChildren[0] ?? null, fn, acc, depth + 1, seen);
    case 'binary_operator': {
      const op = expr.childForFieldName('operator')?.type;
      const left = expr.childForFieldName('left');
      const right = expr.childForFieldName('right');
      if (op === '/' && compatibleDivisor(m, right, acc)) return true;
      if (op === '*' && (isReciprocal(m, left, acc) || isReciprocal(m, right, acc))) return true;
      // (loss / accum) * w, w * (loss / accum), loss_a / accum + loss_b / accum
      if (op === '*') return isDivided(m, left, fn, acc, depth + 1, seen) || isDivided(m, right, fn, acc, depth + 1, seen);
      if (op === '/') return isDivided(m, left, fn, acc, depth + 1, seen);
      if (op === '+' || op === '-') return isDivided(m, left, fn, acc, depth + 1, seen) && isDivided(m, right, fn, acc, depth + 1, seen);
      return false;
    }
    case 'identifier': {
      for (const b of m.bindingsIn(expr.text, fn)) {
        if (b.kind === 'augassign') {
          const op = b.node.parent?.childForFieldName('operator')?.type;
          if (op === '/=' && compatibleDivisor(m, b.value, acc)) return true;
          if (op === '*=' && isReciprocal(m, b.value, acc)) return true;
        } else if (b.kind === 'assign' && isDivided(m, b.value, b.fn, acc, depth + 1, seen)) return true;
        else if (b.kind === 'with' && b.value) {
          // apex `with amp.scale_loss(loss, opt) as scaled:` passes on the loss it was given (scaled for fp16 only)
          const cm = b.value.type === 'call' ? m.callAt(b.value) : undefined;
          if (cm && LOSS_PASSING_CONTEXTS.has(cm.qualified ?? '') && isDivided(m, cm.args[0] ?? cm.keywords.get('loss') ?? null, b.fn, acc, depth + 1, seen)) return true;
        }
        else if (b.kind === 'param' && b.fn) {
          for (const site of m.callersOf(b.fn)) {
            const arg = argumentAt(b.fn, b.name, site);
            if (arg && isDivided(m, arg, site.fn, acc, depth + 1, seen)) return true;
          }
        }
      }
      return false;
    }
    case 'call': {
      const call = m.callAt(expr);
      if (!call) return false;
      // loss.mean() / loss.sum() / a helper that returns the divided loss
      if (call.method && /^(mean|sum|float|double|squeeze)$/.test(call.method) && call.receiver && !m.qualify(call.callee)) return isDivided(m, call.receiver, fn, acc, depth + 1, seen);
      return m.calleesOf(call).some((f) => f.returns.some((r) => isDivided(m, r, f, acc, depth + 1, seen)));
    }
    default:
      return false;
  }
}

/** Context managers whose `as` target is the loss they were given (scaled for mixed precision only). */
const LOSS_PASSING_CONTEXTS: ReadonlySet<string> = new Set(['apex.amp.scale_loss', 'apex.amp.handle.scale_loss']);

/** A divisor that may be the accumulation steps: the same value when both are known, anything when one is unknown. */
function compatibleDivisor(m: PythonModel, d: Node | null, acc: Accumulation): boolean {
  if (!d) return false;
  if (acc === ANY_DIVISOR) return true;
  const a = intValue(m, acc.divisor) ?? null;
  const b = numberOf(m, d);
  if (a === null || b === null) return d.type !== 'integer' && d.type !== 'float' ? true : a === null;
  return a === b;
}

/** `1 / accum`, `1.0 / ACCUM`, or a float literal equal to 1 / divisor. */
function isReciprocal(m: PythonModel, n: Node | null, acc: Accumulation): boolean {
  if (!n) return false;
  if (acc === ANY_DIVISOR) return n.type === 'float' || (n.type === 'binary_operator' && n.childForFieldName('operator')?.type === '/');
  if (n.type === 'parenthesized_expression') return isReciprocal(m, n.namedChildren[0] ?? null, acc);
  if (n.type === 'binary_operator' && n.childForFieldName('operator')?.type === '/') {
    const one = numberOf(m, n.childForFieldName('left'));
    return one === 1 && compatibleDivisor(m, n.childForFieldName('right'), acc);
  }
  const a = intValue(m, acc.divisor) ?? null;
  const v = numberOf(m, n);
  return a !== null && v !== null && a > 0 && Math.abs(v - 1 / a) < 1e-9;
}

function numberOf(m: PythonModel, n: Node | null): number | null {
  if (!n) return null;
  if (n.type === 'float') return Number(n.text.replace(/_/g, ''));
  return intValue(m, n) ?? null;
}

/** A stand-in accumulation that accepts any divisor: "is the loss divided by anything at all?" */
const ANY_DIVISOR = {} as Accumulation;

const ATOMIC = /^(identifier|attribute|call|subscript|parenthesized_expression|integer|float)$/;

function operand(n: Node): string {
  return ATOMIC.test(n.type) ? n.text : `(${n.text})`;
}

/** `(loss / ACCUM).backward()`, `scaler.scale(loss / ACCUM).backward()`, `accelerator.backward(loss / ACCUM)`. */
function divideFix(m: PythonModel, b: CallSite, loss: Node, acc: Accumulation): Fix | null {
  if (!spelledSameIn(m, acc.divisor, acc.fn, b.fn)) return null;
  if (loss.text.includes('\n') || loss.text.includes('\r')) return null;
  const divided = `${operand(loss)} / ${operand(acc.divisor)}`;
  const asReceiver = !scaleCallOf(m, b) && !isAcceleratorBackward(m, b);
  // already divided by some other constant (an average of two heads, or a stale accumulation value): ask first
  const dividedElsewhere = isDivided(m, loss, b.fn, ANY_DIVISOR, 0, new Set());
  return {
    title: `Divide the loss by ${acc.divisor.text} before backward`,
    applicability: dividedElsewhere ? 'unsafe' : 'safe',
    edits: [replaceNode(loss, asReceiver ? `(${divided})` : divided)],
  };
}
