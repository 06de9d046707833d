/**
 * The rules' view of the project's other modules (issue 18): epoch loops whose step is a function
 * of another module that was read, with what that function does (project/facts.ts), and the
 * related information that points a finding at it. Without a project (a file checked alone) there
 * are none: what depends on another module stays unknown and the rules stay silent about it.
 */
import * as path from 'path';
import type { CallSite, LoopInfo, PythonModel } from './model';
import type { Node } from './parser';
import type { ImportedFunction, KnownFacts } from '../project/facts';
import type { Range } from './source';

export interface DelegatedLoop {
  loop: LoopInfo;
  /** The step functions' facts together (true wins, then unknown). */
  facts: KnownFacts;
  functions: ImportedFunction[];
  /** The calls of the loop that run them. */
  calls: CallSite[];
}

/** Delegated training loops that run when the file runs and whose step functions were all read. */
export function delegatedLoops(m: PythonModel): DelegatedLoop[] {
  if (!m.project) return [];
  const out: DelegatedLoop[] = [];
  for (const f of m.trainingLoops().values()) {
    if (!f.delegated || !m.runsInFile(f.loop) || f.loop.body.namedChildren.some((c) => c.type === 'break_statement')) continue;
    const d = m.delegatedFacts(f.loop);
    if (d) out.push({ loop: f.loop, ...d });
  }
  return out;
}

/**
 * The arguments a delegated loop hands its step functions for a parameter the step trains with as
 * its loss (`fit_one_epoch(net, loader, crit, opt, device)` where `fit_one_epoch` computes
 * `loss = criterion(...)` then `loss.backward()`): the expressions of this file passed there.
 */
export function lossArguments(d: DelegatedLoop): Node[] {
  return d.calls.flatMap((c, i) => lossArgumentsOf(c, d.functions[i]));
}

/** The arguments of `c` (a call of `fn`, a function of another module) for the parameters `fn` trains with as its loss. */
export function lossArgumentsOf(c: CallSite, fn: ImportedFunction): Node[] {
  const out: Node[] = [];
  const params = fn.summary.params.filter((p) => p !== 'self');
  for (const [p, roles] of Object.entries(fn.summary.paramRoles)) {
    if (!roles.includes('loss')) continue;
    const kw = c.keywords.get(p);
    const at = params.indexOf(p);
    const arg = kw ?? (at >= 0 && at < c.args.length && !c.args.slice(0, at + 1).some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat') ? c.args[at] : null);
    if (arg) out.push(arg);
  }
  return out;
}

/**
 * Calls, in code that runs, of a function of another module of the project that holds a whole
 * training (its epoch loop around its batch loop): `engine.train(model=..., loss_fn=..., epochs=...)`
 * at module level. Not inside a training loop of the file (there the loop is judged).
 */
export function wholeTrainingCalls(m: PythonModel): { call: CallSite; fn: ImportedFunction }[] {
  if (!m.project) return [];
  const run = m.functionsRun();
  const out: { call: CallSite; fn: ImportedFunction }[] = [];
  const training = m.trainingLoops();
  for (const c of m.calls) {
    if (c.fn && !run.has(c.fn)) continue;
    if (c.loops.some((l) => training.has(l))) continue;
    const fn = m.importedFunction(c);
    if (fn && fn.facts.epochLoop === true && fn.facts.trainingStep === true) out.push({ call: c, fn });
  }
  return out;
}

/** "`train_one_epoch` (engine.py)", the step function(s) of a delegated loop. */
export function describeImported(d: DelegatedLoop): string {
  const names = [...new Set(d.functions.map((f) => `\`${f.summary.name}\` (${path.basename(f.file)})`))];
  return names.join(', ');
}

/** Related information at each step function's `def`, in its own file. */
export function relatedImported(d: DelegatedLoop, message: string): { range: Range; message: string; file: string }[] {
  const seen = new Set<string>();
  const out: { range: Range; message: string; file: string }[] = [];
  for (const f of d.functions) {
    const key = `${f.file}:${f.summary.line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const line = f.summary.line;
    out.push({ file: f.file, range: { start: { line, character: 0 }, end: { line, character: 0 } }, message: `${f.summary.name}: ${message}` });
  }
  return out;
}
