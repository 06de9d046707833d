/**
 * TG1005 no-early-stopping
 *
 * What it does: finds a hand-written epoch loop (a training loop whose inner training loops are
 * batch loops, a full-batch loop, or a loop whose step is a call to an unreadable project function)
 * that runs more than 10 epochs (`range(start_epoch, N)` after resume logic: up to N) — `range(N)`, `range(a, b)`, `trange(N)`, with N a
 * literal or a value resolved from the file (a constant, a class / dict / namespace config entry, an
 * argparse default, a parameter's arguments or default) — and has no way out before the last epoch:
 * no `break` or `return` in its body (outside the inner loops), which is how patience logic and
 * EarlyStopping helpers stop a loop.
 * Why it is bad: most fine-tuning runs plateau after a few epochs; without patience the remaining
 * epochs burn the GPU budget (and the folds after this one) for no gain, or overfit. Hints, section
 * 10 (template: `if patience_counter >= 5: break`) and the launch checklist.
 * Example: `for epoch in range(30): train_one_epoch(...); validate(...)`.
 * Fix: none (the metric, its direction and the patience are choices); the message describes it.
 * Silent: a conditional exit in the epoch loop (patience counter, EarlyStopping object, time budget);
 * 10 epochs or fewer; an epoch count the file does not determine; framework loops (Keras
 * `EarlyStopping`, Lightning, Hugging Face callbacks are their own settings).
 */
import type { Node } from '../analysis/parser';
import type { LoopInfo, PythonModel } from '../analysis/model';
import { intValue, resolveValues, sources, valuesBeforeOverrides } from '../analysis/config-values';
import { peelIterable } from '../analysis/training';
import { headerRange } from './tg211-no-smoke-test';
import type { Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG1005',
    name: 'no-early-stopping',
    severity: 'information',
    section: '10. Training template (early stopping)',
    summary: 'More than 10 epochs with no patience / early stopping',
    fixable: false,
  },
  check(ctx) {
    const m = ctx.model;
    // epoch loops: over batch loops, delegating the step to an unreadable function, or full-batch
    const reported = new Set<LoopInfo>();
    for (const proper of m.epochLoopsProper()) {
      const loop = repeatedEpochOwner(m, proper) ?? proper;
      if (reported.has(loop)) continue;
      reported.add(loop);
      const epochs = epochCount(m, loop);
      if (epochs === null || epochs <= 10 || canStopEarly(m, loop)) continue;
      ctx.report({
        range: headerRange(loop.node),
        message: `${epochs} epochs with no early stopping: stop when the validation metric has not improved for 3-5 epochs (a patience counter and \`break\`), so a plateaued run does not burn the rest of the budget`,
      });
    }
  },
};

/**
 * `for epoch in range(E): for _ in range(repeat): train_one_epoch(..., epoch)`: the inner loop repeats
 * the step without reading its own counter while the outer loop's counter reaches it; the outer loop
 * is the one that counts the epochs. Null for anything else (a fold loop around an epoch loop: the
 * inner loop reads its own counter).
 */
function repeatedEpochOwner(m: PythonModel, loop: LoopInfo): LoopInfo | null {
  const outer = loop.parent;
  if (!outer || outer.fn !== loop.fn || outer.kind !== 'for' || !m.trainingLoops().has(outer)) return null;
  const used = (names: readonly string[]) => loop.body.descendantsOfType('identifier').some((id) => names.includes(id.text));
  if (!loop.targets.length || used(loop.targets)) return null;
  return outer.targets.length && used(outer.targets) ? outer : null;
}

const TRANGE = /^tqdm\.(auto\.|notebook\.|std\.)?trange$/;

/** The number of iterations of `for _ in range(...)` / `trange(...)` when the file determines it. */
export function epochCount(m: PythonModel, loop: LoopInfo): number | null {
  if (loop.kind !== 'for') return null;
  let it: Node | null | undefined = peelIterable(m, loop)?.loader;
  // `bar = trange(start, N)` before the loop, then `for epoch in bar`
  if (it?.type === 'identifier') it = boundCall(m, it);
  if (!it || it.type !== 'call') return null;
  const callee = it.childForFieldName('function');
  const isRange = callee?.type === 'identifier' && callee.text === 'range' && !m.bindingsIn('range', m.functionAt(it)).length && !m.imports.has('range');
  if (!isRange && !TRANGE.test(m.qualify(callee) ?? '')) return null;
  const args = (it.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a.type !== 'comment');
  if (!args.length || args.length > 3 || args.some((a) => a.type === 'keyword_argument' || a.type === 'list_splat')) return null;
  // the stop may differ on two paths (`args.epochs = 2` under a debug flag): the longest run the file shows
  const values = args.map((a, i) => (i === 1 || args.length === 1 ? largestInt(m, a) : intValue(m, a) ?? null));
  // `range(start_epoch, start_epoch + 200)`: 200 epochs whatever the start (same expression on both sides)
  const span = args.length === 2 ? spanAfter(m, args[0], args[1]) : null;
  if (span !== null) return Math.max(0, span);
  // `range(start_epoch, EPOCHS)` where a resume may move the start: a fresh run starts at the
  // smallest start the file shows, so it runs up to that many epochs
  if (args.length >= 2 && values[0] === null && values.slice(1).every((v) => v !== null)) values[0] = smallestStart(m, args[0]);
  if (values.some((v) => v === null)) return null;
  const [a, b, step] = args.length === 1 ? [0, values[0]!, 1] : [values[0]!, values[1]!, values[2] ?? 1];
  if (step <= 0) return null;
  return Math.max(0, Math.ceil((b - a) / step));
}

/** `stop` written as `start + N` (or `N + start`) with N known: N, else null. */
function spanAfter(m: PythonModel, start: Node, stop: Node): number | null {
  if (stop.type !== 'binary_operator' || stop.childForFieldName('operator')?.type !== '+') return null;
  const left = stop.childForFieldName('left');
  const right = stop.childForFieldName('right');
  const other = left?.text === start.text ? right : right?.text === start.text ? left : null;
  if (!other || !/^(identifier|attribute|subscript)$/.test(start.type)) return null;
  return intValue(m, other) ?? null;
}

/** The smallest integer a start expression may be on the paths the file shows (`first = 0`, then `first = ckpt["epoch"] + 1` on resume), or null. */
function smallestStart(m: PythonModel, start: Node): number | null {
  let least: number | null = null;
  const take = (v: number | undefined | null) => {
    if (v !== undefined && v !== null && Number.isInteger(v) && (least === null || v < least)) least = v;
  };
  for (const s of sources(m, start)) take(intValue(m, s.node));
  // `args.start_epoch` (argparse default 0) overwritten on resume: a fresh run starts at the default
  for (const r of valuesBeforeOverrides(m, start) ?? []) if (typeof r.value === 'number') take(r.value);
  return least;
}

/** The largest integer an expression is on the paths the file shows, when every path is known. */
function largestInt(m: PythonModel, e: Node): number | null {
  const vals = resolveValues(m, e);
  if (!vals || !vals.length || !vals.every((v) => typeof v.value === 'number' && Number.isInteger(v.value))) return null;
  return Math.max(...vals.map((v) => v.value as number));
}

/** The call a name is bound to once (`bar = trange(...)`), or null. */
function boundCall(m: PythonModel, name: Node): Node | null {
  const bs = m.bindingsIn(name.text, m.functionAt(name));
  return bs.length === 1 && bs[0].kind === 'assign' && bs[0].value?.type === 'call' ? bs[0].value : null;
}

/** A `break`, `return` or `sys.exit()` in the loop body outside its inner loops and nested definitions. */
function canStopEarly(m: PythonModel, loop: LoopInfo): boolean {
  let found = false;
  const visit = (n: Node) => {
    if (found) return;
    if (n.type === 'break_statement' || n.type === 'return_statement') {
      found = true;
      return;
    }
    if (n.type === 'call') {
      const q = m.qualify(n.childForFieldName('function'));
      const name = n.childForFieldName('function')?.text;
      if (q === 'sys.exit' || q === 'os._exit' || ((name === 'exit' || name === 'quit') && !q)) {
        found = true;
        return;
      }
    }
    if (/^(for_statement|while_statement|function_definition|class_definition|lambda|decorated_definition)$/.test(n.type)) return;
    for (const c of n.namedChildren) visit(c);
  };
  for (const c of loop.body.namedChildren) visit(c);
  return found;
}
