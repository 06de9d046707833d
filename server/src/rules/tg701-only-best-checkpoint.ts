/**
 * TG701 only-best-checkpoint
 *
 * What it does: finds an epoch loop whose every checkpoint save sits inside a best-metric `if`
 * (`if val_loss < best_loss: best_loss = val_loss; torch.save(...)`), directly or in a helper the
 * loop calls; and, for framework loops, Keras `ModelCheckpoint(save_best_only=True)` or Lightning
 * `ModelCheckpoint(monitor=...)` without `save_last=True`, with no other save of the last state.
 * Why it is bad: when the run is killed at the time budget (or a fold never improves), only
 * `fold0_best.pth` exists and predict.py has nothing for the other folds. Hints, section 7.
 * Example: the best-only save above, nothing after the `if`.
 * Fix: insert the last-checkpoint save after the `if`, same indentation and naming scheme
 * (`..._best.pth` -> `..._last.pth`); for Lightning, add `save_last=True`.
 * Silent: any unconditional save of the last state in the loop (whatever its name).
 */
import type { Node } from '../analysis/parser';
import type { CallSite, LoopInfo, PythonModel } from '../analysis/model';
import { isLibraryModule, isWithin, stringValue } from '../analysis/model';
import { insertLinesAfter, rowsInsideStrings } from '../fixes/edits';
import type { Fix, Rule, RuleContext } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG701',
    name: 'only-best-checkpoint',
    severity: 'warning',
    section: '7. Model saving & checkpointing',
    summary: 'The training loop saves a checkpoint only when the metric improves: a killed run leaves no last state',
    fixable: true,
  },
  check(ctx) {
    checkHandWrittenLoops(ctx);
    checkFrameworkCallbacks(ctx);
  },
};

const SAVE_METHODS = new Set(['save_pretrained', 'save_weights', 'save_state', 'save_model', 'save_checkpoint']);

/** A call that writes model state to disk. */
export function isCheckpointSave(m: PythonModel, call: CallSite): boolean {
  const q = call.qualified;
  if (q === 'torch.save' || q === 'safetensors.torch.save_file' || q === 'safetensors.torch.save_model') return true;
  if (q === 'joblib.dump' || q === 'pickle.dump') return call.args.length > 0 && m.hasRole(call.args[0], 'model');
  if (savesThroughHelper(m, call)) return true;
  if (!call.method || !call.receiver) return false;
  if (SAVE_METHODS.has(call.method)) return !m.calleesOf(call).length;
  if (call.method === 'save') {
    // accelerator.save(state, path), keras model.save(path)
    const roles = m.originsOf(call.receiver).map((o) => o.base ?? '');
    return roles.some((b) => b === 'accelerate.Accelerator' || /^keras\./.test(b)) || m.hasRole(call.receiver, 'model');
  }
  return false;
}

/**
 * `save_checkpoint({"model": net.state_dict()}, path)`: a model's state handed to a function of the
 * project that the file cannot read (imported from a module that is not a library). A model's
 * `state_dict()` has one use outside the file's own code: to be written. The file's own functions are
 * read instead (their saves count where they are), and a library call (`copy.deepcopy`,
 * `load_state_dict`) is not a save.
 */
function savesThroughHelper(m: PythonModel, call: CallSite): boolean {
  if (m.calleesOf(call).length) return false;
  const q = m.qualify(call.callee);
  if (!q || q.startsWith('<local') || isLibraryModule(q)) return false;
  const args = [...call.args, ...call.keywords.values()];
  return args.some((a) => carriesModelState(m, a, 0));
}

function carriesModelState(m: PythonModel, n: Node, depth: number): boolean {
  if (depth > 3) return false;
  if (n.type === 'call') {
    const c = m.callAt(n);
    return !!c && c.method === 'state_dict' && !!c.receiver && m.hasRole(c.receiver, 'model');
  }
  if (n.type === 'dictionary') return n.namedChildren.some((p) => p.type === 'pair' && !!p.childForFieldName('value') && carriesModelState(m, p.childForFieldName('value')!, depth + 1));
  if (n.type === 'list' || n.type === 'tuple') return n.namedChildren.some((e) => carriesModelState(m, e, depth + 1));
  if (n.type === 'identifier') {
    const bs = m.bindingsIn(n.text, m.functionAt(n));
    return bs.length > 0 && bs.every((b) => b.kind === 'assign' && !!b.value && carriesModelState(m, b.value, depth + 1));
  }
  return false;
}

/**
 * Epoch loops: over batch loops, full-batch, or delegating the step to an unreadable function; and
 * a batch loop no epoch loop of the file reaches (a trainer class's epoch method, whose epochs are
 * run by another script) when it saves checkpoints itself (a mid-epoch evaluation that saves).
 */
function epochLoops(m: PythonModel): LoopInfo[] {
  const proper = m.epochLoopsProper();
  const reached = new Set(proper.flatMap((l) => m.loopsReachedFrom(l)));
  const facts = m.trainingLoops();
  const lone = m.batchLoops().filter((l) => !reached.has(l) && !facts.get(l)?.outer.length);
  return [...proper, ...lone];
}

function checkHandWrittenLoops(ctx: RuleContext): void {
  const m = ctx.model;
  const proper = new Set(m.epochLoopsProper());
  for (const loop of epochLoops(m)) {
    const saves = m.reachableFromLoop(loop).filter((c) => isCheckpointSave(m, c));
    if (!saves.length) continue;
    // a trainer's batch loop: a save after the loop in the same method keeps the epoch's last state
    if (!proper.has(loop) && loop.fn && m.reachableFromFunction(loop.fn).some((c) => isCheckpointSave(m, c) && !saves.includes(c))) continue;
    const guards = saves.map((s) => bestGuard(m, s, loop));
    if (guards.some((g) => g === null)) continue;
    const first = guards[0]!;
    ctx.report({
      node: first.statement,
      message: 'Only the best checkpoint is saved: if the run is killed or a fold never improves, no last state exists for predict.py. Also save the last state every epoch',
      fix: lastSaveFix(m, first),
    });
  }
}

interface BestGuard {
  /** The best-metric `if` statement. */
  ifNode: Node;
  /** The statement inside the `if` that leads to the save (the save itself, or the helper call). */
  statement: Node;
  save: CallSite;
}

/**
 * The best-metric `if` that guards `save` on its way from `loop`, or null if the save is reached
 * unconditionally (or under some other condition, such as a periodic save).
 */
function bestGuard(m: PythonModel, save: CallSite, loop: LoopInfo, depth = 0): BestGuard | null {
  if (depth > 6) return null;
  const guard = enclosingBestIf(m, save.node, save.fn === loop.fn ? loop.body : save.fn?.body ?? null);
  if (guard) return { ifNode: guard, statement: statementIn(guard, save.node), save };
  if (save.fn === loop.fn || !save.fn) return null;
  // a helper: every call site on the way must itself be guarded
  const callers = m.callersOf(save.fn).filter((c) => c.fn === loop.fn ? isWithin(c.node, loop.body) : true);
  if (!callers.length) return null;
  let result: BestGuard | null = null;
  for (const c of callers) {
    const g = bestGuard(m, c, loop, depth + 1);
    if (!g) return null;
    result ??= { ...g, save };
  }
  return result;
}

/** The statement directly inside the if's body (or elif/else body) that holds `node`. */
function statementIn(ifNode: Node, node: Node): Node {
  let n: Node = node;
  while (n.parent && n.parent.parent && n.parent.parent.id !== ifNode.id && n.parent.id !== ifNode.id) n = n.parent;
  return n.type === 'block' ? node : n;
}

function enclosingBestIf(m: PythonModel, node: Node, stop: Node | null): Node | null {
  for (let n: Node | null = node.parent; n && (!stop || n.id !== stop.id); n = n.parent) {
    if (n.type !== 'block') continue;
    const owner = n.parent;
    if (!owner) continue;
    if (owner.type === 'if_statement' && owner.childForFieldName('consequence')?.id === n.id && isBestCondition(m, owner.childForFieldName('condition'), n)) return owner;
    if (owner.type === 'elif_clause' && isBestCondition(m, owner.childForFieldName('condition'), n)) return owner.parent;
  }
  return null;
}

/**
 * `val_loss < best_loss` where the compared name is re-assigned in the guarded block, or a name
 * bound to such a comparison (`is_best = score > best; best = max(...)`).
 */
function isBestCondition(m: PythonModel, cond: Node | null, guarded: Node): boolean {
  if (!cond) return false;
  if (cond.type === 'parenthesized_expression') return isBestCondition(m, cond.namedChildren[0] ?? null, guarded);
  if (cond.type === 'boolean_operator') return cond.namedChildren.some((c) => isBestCondition(m, c, guarded));
  // `if not best:` / `if best is None:` that sets `best` in its block: the first epoch's record, part of the same best tracking
  if (cond.type === 'not_operator' || (cond.type === 'comparison_operator' && /^is$/.test(cond.children.filter((c) => c && !c.isNamed).map((c) => c!.type).join(' ')) && cond.namedChildren[1]?.type === 'none')) {
    const subject = cond.type === 'not_operator' ? cond.childForFieldName('argument') : cond.namedChildren[0];
    if (subject && /^(identifier|attribute)$/.test(subject.type)) {
      return (m.bindings.get(subject.text) ?? []).some((b) => b.kind === 'assign' && isWithin(b.node, guarded)) && comparedLater(subject.text, guarded);
    }
    return false;
  }
  if (cond.type === 'comparison_operator' && isPatienceReset(m, cond)) return true;
  if (cond.type === 'comparison_operator') {
    const ops = cond.children.filter((c) => c && !c.isNamed).map((c) => c!.type);
    if (!ops.some((o) => o === '<' || o === '>' || o === '<=' || o === '>=')) return false;
    const names = cond.namedChildren.map((c) => c.text);
    const fn = m.functionAt(cond);
    return names.some((name) =>
      (m.bindings.get(name) ?? []).some((b) => (b.kind === 'assign' || b.kind === 'augassign') && (isWithin(b.node, guarded) || (b.fn === fn && b.value !== null && isMaxMin(b.value)))),
    ) || names.some((name) => name.startsWith('self.') && (m.bindings.get(name) ?? []).some((b) => isWithin(b.node, guarded)));
  }
  if (cond.type === 'identifier') {
    const bs = m.bindingsIn(cond.text, m.functionAt(cond)).filter((b) => b.kind === 'assign' && b.value);
    return bs.length > 0 && bs.every((b) => b.value!.type === 'comparison_operator' && isBestCondition(m, b.value, guardedLoopBody(b.value!) ?? guarded));
  }
  return false;
}

/**
 * `bad_epochs == 0` where the counter is reset to 0 in one branch of a metric comparison and
 * incremented in the other (`if score < best_seen: bad += 1 else: bad = 0`): true in the epochs that improved.
 */
function isPatienceReset(m: PythonModel, cond: Node): boolean {
  const ops = cond.children.filter((c) => c && !c.isNamed).map((c) => c!.type);
  if (ops.length !== 1 || ops[0] !== '==') return false;
  const [a, b] = cond.namedChildren;
  const counter = a?.type === 'integer' && a.text === '0' ? b : b?.type === 'integer' && b.text === '0' ? a : null;
  if (!counter || counter.type !== 'identifier') return false;
  const bs = m.bindingsIn(counter.text, m.functionAt(cond));
  const resets = bs.filter((x) => x.kind === 'assign' && x.value?.type === 'integer' && x.value.text === '0');
  const increments = bs.filter((x) => x.kind === 'augassign' && x.node.parent?.childForFieldName('operator')?.type === '+=');
  return resets.some((r) => increments.some((i) => {
    const shared = sharedOrderingIf(r.node, i.node);
    return !!shared;
  }));
}

/** The `if` with an ordering comparison (`<`, `>`, `<=`, `>=`) whose different branches hold `a` and `b`. */
function sharedOrderingIf(a: Node, b: Node): Node | null {
  for (let n: Node | null = a.parent; n; n = n.parent) {
    if (n.type === 'function_definition' || n.type === 'for_statement' || n.type === 'while_statement') return null;
    if (n.type !== 'if_statement' || !isWithin(b, n)) continue;
    const cond = n.childForFieldName('condition');
    const ordering = !!cond && cond.type === 'comparison_operator' && cond.children.some((o) => !!o && !o.isNamed && /^(<|>|<=|>=)$/.test(o.type));
    const cons = n.childForFieldName('consequence');
    const split = !!cons && isWithin(a, cons) !== isWithin(b, cons);
    return ordering && split ? n : null;
  }
  return null;
}

/** Is `name` compared (`<`, `>`, `<=`, `>=`) somewhere in the loop around `guarded`: a best value, not a first-run flag? */
function comparedLater(name: string, guarded: Node): boolean {
  const body = guardedLoopBody(guarded);
  if (!body) return false;
  return body.descendantsOfType('comparison_operator').some(
    (c) => c.namedChildren.some((x) => x.text === name) && c.children.some((o) => !!o && !o.isNamed && /^(<|>|<=|>=)$/.test(o.type)),
  );
}

/** The body of the loop around `n`: a best-flag's compared name must be re-assigned somewhere in it. */
function guardedLoopBody(n: Node): Node | null {
  for (let p: Node | null = n.parent; p; p = p.parent) if (p.type === 'for_statement' || p.type === 'while_statement') return p.childForFieldName('body');
  return null;
}

function isMaxMin(v: Node): boolean {
  return v.type === 'call' && /^(max|min)$/.test(v.childForFieldName('function')?.text ?? '');
}

const CKPT_EXT = /(\.(pth|pt|ckpt|bin|h5|keras|safetensors|pkl|pickle|tar))$/;

/** The best-save statement again after the `if`, with its path renamed from best to last. */
function lastSaveFix(m: PythonModel, g: BestGuard): Fix | null {
  const src = m.source;
  const stmt = g.statement;
  if (stmt.startPosition.row === g.ifNode.startPosition.row) return null;
  const ifIndent = src.indentOf(g.ifNode.startPosition.row);
  const stmtIndent = src.indentOf(stmt.startPosition.row);
  const frozen = rowsInsideStrings(m.root, stmt.startPosition.row, stmt.endPosition.row);
  const lines = stmt.text.split(/\r\n|\n|\r/).map((line, i) => {
    if (i === 0) return ifIndent + line;
    if (frozen.has(stmt.startPosition.row + i) || !line.startsWith(stmtIndent)) return line;
    return ifIndent + line.slice(stmtIndent.length);
  });
  const renamed = renamePaths(m, stmt, lines.join('\n'));
  if (renamed === null) return null;
  return {
    title: 'Also save the last checkpoint every epoch',
    applicability: 'safe',
    edits: [insertLinesAfter(src, g.ifNode, [`${ifIndent}# Always save the last state too: a killed run keeps it`, ...renamed.split('\n')])],
  };
}

/** best -> last in the path strings of the statement text (inlining a path variable bound to a string). */
function renamePaths(m: PythonModel, stmt: Node, text: string): string | null {
  const strings: Node[] = [];
  const visit = (n: Node) => {
    if (n.type === 'string') strings.push(n);
    else n.namedChildren.forEach(visit);
  };
  visit(stmt);
  for (const s of strings) {
    if (/best/i.test(s.text)) return text.split(s.text).join(bestToLast(s.text));
  }
  for (const s of strings) {
    const inner = s.text.replace(/^[rbfuRBFU]*("""|'''|"|')/, '').replace(/("""|'''|"|')$/, '');
    if (CKPT_EXT.test(inner)) return text.split(s.text).join(s.text.replace(new RegExp(`${CKPT_EXT.source.slice(0, -1)}(?=["']+$)`), '_last$1'));
  }
  // a path variable: `torch.save(state, best_path)` with `best_path = f'...best.pth'`
  for (const id of collectIdentifiers(stmt)) {
    const bs = m.bindingsIn(id.text, m.functionAt(stmt)).filter((b) => b.kind === 'assign');
    if (bs.length !== 1 || bs[0].value?.type !== 'string') continue;
    const lit = bs[0].value;
    if (!/best/i.test(lit.text) || (stringValue(lit) === null && lit.text.includes('{') && !isWithin(lit, m.functionAt(stmt)?.body ?? m.root))) continue;
    const re = new RegExp(`\\b${id.text}\\b`);
    return text.replace(re, bestToLast(lit.text));
  }
  return null;
}

function collectIdentifiers(n: Node): Node[] {
  if (n.type === 'identifier') return [n];
  return n.namedChildren.flatMap(collectIdentifiers);
}

function bestToLast(s: string): string {
  return s.replace(/best/g, 'last').replace(/Best/g, 'Last').replace(/BEST/g, 'LAST');
}

function checkFrameworkCallbacks(ctx: RuleContext): void {
  const m = ctx.model;
  const fw = m.frameworkLoops();
  const otherSaves = m.calls.filter((c) => isCheckpointSave(m, c) || c.method === 'save_checkpoint');
  for (const call of m.calls) {
    const q = call.qualified ?? '';
    // no fit in the file: a helper that builds the callbacks and returns them for another script's Trainer
    if (!fw.length) {
      if (!LIGHTNING_CHECKPOINT.test(q) || !call.keywords.has('monitor') || call.keywords.get('save_last')?.text === 'True') continue;
      if (otherSaves.some((s) => s.method === 'save_checkpoint') || !returnedByItsFunction(m, call)) continue;
      ctx.report({
        node: call.node,
        message: 'Lightning ModelCheckpoint(monitor=...) keeps only the best checkpoints: set save_last=True so a killed run keeps its last state',
        fix: addKeyword(call, 'save_last=True'),
      });
      continue;
    }
    if (/^keras\.callbacks\.ModelCheckpoint$/.test(q) && fw.some((f) => f.framework === 'keras')) {
      const best = call.keywords.get('save_best_only');
      if (best?.text !== 'True') continue;
      const unconditional = m.calls.some((c) => /^keras\.callbacks\.(ModelCheckpoint|BackupAndRestore)$/.test(c.qualified ?? '') && c !== call && c.keywords.get('save_best_only')?.text !== 'True');
      if (unconditional || otherSaves.some((s) => s.node.startIndex > fw[0].call.node.startIndex)) continue;
      ctx.report({
        node: call.node,
        message: 'ModelCheckpoint(save_best_only=True) is the only save: a killed run keeps no last state. Add a second ModelCheckpoint without save_best_only, or BackupAndRestore',
      });
    } else if (LIGHTNING_CHECKPOINT.test(q) && fw.some((f) => f.framework === 'lightning')) {
      if (!call.keywords.has('monitor')) continue;
      if (call.keywords.get('save_last')?.text === 'True') continue;
      if (otherSaves.some((s) => s.method === 'save_checkpoint')) continue;
      ctx.report({
        node: call.node,
        message: 'Lightning ModelCheckpoint(monitor=...) keeps only the best checkpoints: set save_last=True so a killed run keeps its last state',
        fix: addKeyword(call, 'save_last=True'),
      });
    }
  }
}

const LIGHTNING_CHECKPOINT = /^(pytorch_lightning|lightning\.pytorch|lightning)\.callbacks\.(ModelCheckpoint|model_checkpoint\.ModelCheckpoint)$/;

/**
 * Is the callback returned by the function that makes it: returned as is, or put in a list
 * (`callbacks.append(ckpt)`, `[ckpt, ...]`) that is returned?
 */
function returnedByItsFunction(m: PythonModel, call: CallSite): boolean {
  const fn = call.fn;
  if (!fn || !fn.returns.length) return false;
  const held = new Set<string>();
  const parent = call.node.parent;
  if (parent?.type === 'assignment' && parent.childForFieldName('left')?.type === 'identifier') held.add(parent.childForFieldName('left')!.text);
  // the call written inside a list literal bound to a name, or appended directly
  for (let n: Node | null = call.node.parent; n && n.id !== fn.body.id; n = n.parent) {
    if (n.type === 'assignment' && n.childForFieldName('left')?.type === 'identifier') held.add(n.childForFieldName('left')!.text);
    if (n.type === 'expression_statement' || n.type === 'block') break;
  }
  for (const c of fn.calls) {
    if ((c.method === 'append' || c.method === 'extend' || c.method === 'insert') && c.receiver?.type === 'identifier') {
      if (c.args.some((a) => a.id === call.node.id || (a.type === 'identifier' && held.has(a.text)))) held.add(c.receiver.text);
    }
  }
  return fn.returns.some((r) => isWithin(call.node, r) || m.identifiersIn(r).some((id) => held.has(id)));
}

function addKeyword(call: CallSite, kw: string): Fix | null {
  const args = call.node.childForFieldName('arguments');
  if (!args) return null;
  const named = args.namedChildren.filter((c) => c.type !== 'comment');
  const last = named[named.length - 1];
  if (!last) {
    return { title: `Add ${kw}`, applicability: 'safe', edits: [{ range: { start: pos(args.endPosition, -1), end: pos(args.endPosition, -1) }, newText: kw }] };
  }
  const at = { line: last.endPosition.row, character: last.endPosition.column };
  return { title: `Add ${kw}`, applicability: 'safe', edits: [{ range: { start: at, end: at }, newText: `, ${kw}` }] };
}

function pos(p: { row: number; column: number }, delta: number) {
  return { line: p.row, character: p.column + delta };
}
