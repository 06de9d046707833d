/**
 * TG221 silent-training-loop
 *
 * What it does: finds a hand-written epoch loop (a training loop whose inner training loops are
 * batch loops; or a lone batch loop that is the whole training) that reports nothing while it
 * runs: no print, no logging / loguru call, no tqdm bar, no wandb / mlflow / TensorBoard / comet /
 * neptune log, no `accelerator.print`, directly or in the functions it calls. Also Keras
 * `model.fit(..., verbose=0)` with no callback that logs.
 * Why it is bad: a silent run cannot be told from a hung one. The hints (section 2B) kill a
 * process after 60 s without output; a silent loop gets killed while healthy, or a hung one is
 * watched for minutes. Either way the budget goes.
 * Example: `for epoch in range(10): train_one_epoch(...); scheduler.step()` and nothing printed.
 * Fix: start a timer at the top of the epoch and print epoch, loss and elapsed time at its end,
 * using the file's own names (the loss the training helper returns, or the batch loop's last
 * loss). Keras: `verbose=0` -> `verbose=2` (one line per epoch).
 * Silent: loops that report each epoch or batch (also through helpers), a one-batch smoke-test
 * loop (it breaks after the first batch), calls into modules we
 * cannot see (they may log), Keras with verbose on or a logging callback, other frameworks.
 */
import type { Node } from '../analysis/parser';
import type { CallSite, LoopInfo, PythonModel } from '../analysis/model';
import { isWithin, stringValue } from '../analysis/model';
import { bodyStatements, functionTrains, lossBoundFromCall } from '../analysis/losses';
import { scriptConstant } from '../analysis/config-values';
import { listElements } from '../analysis/keras';
import { reachFromLoop } from '../analysis/memo';
import { blockIndent, freshName, insertLinesAfter, insertLinesBefore, replaceNode } from '../fixes/edits';
import { insertAtBodyTop } from '../fixes/insert';
import { nameIsFree, spellModuleAttr } from '../fixes/spelling';
import { headerRange } from './tg211-no-smoke-test';
import type { Fix, Rule } from './types';
import { delegatedLoops } from '../analysis/imported';
import { isOpaque, isPrintLike } from '../analysis/reporting';

export const rule: Rule = {
  meta: {
    code: 'TG221',
    name: 'silent-training-loop',
    severity: 'warning',
    section: '2B. Aggressive timeout policy',
    summary: 'An epoch loop prints or logs nothing: a healthy run cannot be told from a hung one',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    const facts = m.trainingLoops();
    // (a loop whose step is in a function the file cannot read may print there: not judged)
    // (one whose step is another module's function of the project, read, is judged with what that function prints)
    const known = new Map(delegatedLoops(m).map((d) => [d.loop, d]));
    const epochLoops = m.epochLoopsProper().filter((l) => facts.get(l)!.inner.length || known.get(l)?.facts.prints === false);
    // a lone batch loop is the whole training, unless it breaks after one batch (a smoke test); so is
    // a full-batch loop inside a fold loop
    const oneShot = (l: LoopInfo) => l.body.namedChildren.some((c) => c.type === 'break_statement');
    const lone = [...facts.values()].filter((f) => !f.inner.length && (!f.delegated || (f.stepElsewhere && known.get(f.loop)?.facts.prints === false)) && (!f.outer.length || m.isFullBatchLoop(f)) && !oneShot(f.loop)).map((f) => f.loop);
    for (const loop of [...epochLoops, ...lone].sort((a, b) => a.node.startIndex - b.node.startIndex)) {
      // library code (never run in this file): its caller may print around it
      if (reportsProgress(m, loop) || !m.runsInFile(loop)) continue;
      ctx.report({
        range: headerRange(loop.node),
        message: 'This training loop prints nothing while it runs: print epoch, loss and elapsed time each epoch (a silent run cannot be told from a hung one, and gets killed or watched for minutes)',
        fix: epochLoops.includes(loop) ? epochPrintFix(m, loop) : null,
      });
    }
    checkKeras(ctx.model, (node, fix) =>
      ctx.report({ node, message: 'model.fit(verbose=0) with no logging callback prints nothing while it trains: use verbose=2 (one line per epoch) so a hung run can be told from a slow one', fix }),
    );
  },
};

function reportsProgress(m: PythonModel, loop: LoopInfo): boolean {
  const calls = [...reachFromLoop(m, loop)];
  // calls in the iterable: the loop's own function's calls (not every call of the file)
  if (loop.iter) calls.push(...(loop.fn ? loop.fn.calls : m.moduleCalls).filter((c) => isWithin(c.node, loop.iter!)));
  return calls.some((c) => isPrintLike(m, c) || opaqueHere(m, c));
}

/** A call that may report progress where we cannot see: a function of another module prints when its summary says so (or cannot say). */
function opaqueHere(m: PythonModel, c: CallSite): boolean {
  const imported = m.importedFunction(c);
  if (imported) return imported.facts.prints !== false;
  return isOpaque(c);
}

function epochPrintFix(m: PythonModel, loop: LoopInfo): Fix | null {
  const src = m.source;
  if (loop.kind !== 'for' || loop.targetNode?.type !== 'identifier') return null;
  // the fix's `print(...)` must be the builtin: a file that binds `print` itself gets no fix
  if (!nameIsFree(m, 'print')) return null;
  const indent = blockIndent(src, loop.body);
  const stmts = bodyStatements(loop);
  if (indent === null || !stmts.length) return null;
  const clock = spellModuleAttr(m, 'time', 'time');
  if (!clock) return null;
  const start = freshName(m, 'epoch_start');
  const loss = lossToPrint(m, loop);
  const epoch = loop.targetNode.text;
  const print = `${indent}print(f"epoch {${epoch}}: ${loss ? `loss {${loss}:.4f} ` : ''}({${clock.text}() - ${start}:.0f}s)", flush=True)`;
  const top = insertAtBodyTop(src, loop.node, loop.body, [`${indent}${start} = ${clock.text}()`]);
  if (!top) return null;
  // before trailing exits (`continue`, `if stop: break`) so that every epoch prints
  let i = stmts.length;
  while (i > 0 && isExit(stmts[i - 1])) i--;
  const end = i === stmts.length ? insertLinesAfter(src, stmts[i - 1], [print]) : insertLinesBefore(src, stmts[i], [print]);
  const edits = [top, end];
  if (clock.edit) edits.push(clock.edit);
  return { title: 'Print epoch, loss and elapsed time each epoch', applicability: 'safe', edits };
}

/**
 * What to print as the loss: the value the training helper returns (`train_loss = train_one_epoch(...)`
 * -> `train_loss`) or the last batch's loss of a batch loop written in the epoch body
 * (`loss = criterion(...)` -> `float(loss)`). Null when neither exists.
 */
function lossToPrint(m: PythonModel, loop: LoopInfo): string | null {
  const stmts = bodyStatements(loop);
  for (const s of stmts) {
    const bound = lossBoundFromCall(m, s, (f) => functionTrains(m, f));
    if (bound) return bound.name;
  }
  const facts = m.trainingLoops();
  for (const s of stmts) {
    const inner = m.loopAt(s);
    if (!inner || !facts.has(inner) || inner.kind !== 'for') continue;
    for (const t of bodyStatements(inner)) {
      const a = t.type === 'expression_statement' ? t.namedChildren[0] : null;
      if (a?.type !== 'assignment' || a.childForFieldName('left')?.type !== 'identifier') continue;
      const value = a.childForFieldName('right');
      if (value && isScalarLoss(m, value)) return `float(${a.childForFieldName('left')!.text})`;
    }
  }
  return null;
}

/** `criterion(out, y)` or `criterion(out, y) / accum_steps` with a reducing criterion (a 0-dim tensor). */
function isScalarLoss(m: PythonModel, value: Node): boolean {
  let v: Node | null = value;
  if (v.type === 'binary_operator' && v.childForFieldName('operator')?.text === '/') v = v.childForFieldName('left');
  if (!v || v.type !== 'call') return false;
  const call = m.callAt(v);
  if (!call || !m.isLossCall(call)) return false;
  if (stringValue(call.keywords.get('reduction') ?? null) === 'none') return false;
  for (const o of m.originsOf(call.callee)) {
    const ctor = o.node.type === 'call' ? m.callAt(o.node) : undefined;
    if (ctor && stringValue(ctor.keywords.get('reduction') ?? null) === 'none') return false;
  }
  return true;
}

const QUIET_CALLBACKS = /^keras\.callbacks\.(ModelCheckpoint|EarlyStopping|ReduceLROnPlateau|LearningRateScheduler|TerminateOnNaN|BackupAndRestore)$/;

function checkKeras(m: PythonModel, report: (node: Node, fix: Fix | null) => void): void {
  if (m.calls.some((c) => /^(mlflow|wandb)\b.*autolog$/.test(c.qualified ?? ''))) return;
  for (const fw of m.frameworkLoops()) {
    if (fw.framework !== 'keras') continue;
    const verbose = fw.call.keywords.get('verbose');
    if (!verbose) continue;
    const v = scriptConstant(m, verbose);
    if (v !== 0 && v !== false) continue;
    if (callbacksMayLog(m, fw.call)) continue;
    const fix: Fix | null = verbose.type === 'integer' || verbose.type === 'false' ? { title: 'Print one line per epoch (verbose=2)', applicability: 'safe', edits: [replaceNode(verbose, '2')] } : null;
    report(verbose, fix);
  }
}

/** The `callbacks=` of a Keras fit: does any of them log (or is any of them something we cannot see)? */
function callbacksMayLog(m: PythonModel, fit: CallSite): boolean {
  const cb = fit.keywords.get('callbacks');
  if (!cb) return false;
  const found = listElements(m, cb);
  if (!found) return true;
  for (const e of found.elements) {
    const origins = m.originsOf(e);
    if (!origins.length || origins.some((o) => !o.base || !QUIET_CALLBACKS.test(o.base) || o.chain.length)) return true;
  }
  return false;
}

/** A jump, or an `if` (no else) whose body only jumps: `if patience > 3: break`. */
function isExit(stmt: Node): boolean {
  if (/^(break|continue|return|raise)_statement$/.test(stmt.type)) return true;
  if (stmt.type !== 'if_statement' || stmt.childForFieldName('alternative')) return false;
  const body = stmt.childForFieldName('consequence');
  const inner = body?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
  return inner.length > 0 && inner.every((c) => /^(break|continue|return|raise)_statement$/.test(c.type));
}
