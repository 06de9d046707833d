/**
 * TG702 no-checkpoint-fallback
 *
 * What it does: in a predict script (a file with no hand-written training loop and no framework
 * training call), finds a checkpoint load (`torch.load`, `torch.jit.load`, safetensors `load_file` /
 * `load_model`, Keras `load_model` / `load_weights`, Lightning `load_from_checkpoint`, joblib /
 * pickle loads, timm `create_model(checkpoint_path=...)`) whose path says best — the text of the
 * path's string literals contains `best`, also through a path variable or `os.path.join` — with no
 * fallback: not in an `if os.path.exists(...)` / `Path.exists()` test with an `else` / `elif`, not in
 * a `try` with an `except`, the path not chosen by such a test.
 * Why it is bad: the best checkpoint is written only when the metric improves. A fold that was
 * killed at the budget, or never improved, has `..._last.pth` but no `..._best.pth`; predict.py then
 * crashes with FileNotFoundError and the submission is never written (null score). Hints, section 7.
 * Example: `model.load_state_dict(torch.load(f"model_fold{fold}_best.pth"))`.
 * Fix: wrap the load statement in `if os.path.exists(<best>): <load best> else: <load last>`, the
 * last path derived from the best one (`best` -> `last` in its string literals only), comments kept,
 * `import os` added once. Offered when the path can be repeated safely (names visible there, no
 * calls but path joins) and the load is a simple statement of its own.
 * Silent: a fallback as above; paths that do not say best; training scripts (TG701 covers the
 * training side).
 */
import type { Node } from '../analysis/parser';
import type { CallSite, FunctionInfo, PythonModel } from '../analysis/model';
import { spelledSameIn } from '../analysis/optim';
import { decideCondition } from '../analysis/config-values';
import type { TextEdit } from '../analysis/source';
import { rowsInsideStrings } from '../fixes/edits';
import { ensureModuleImport } from '../fixes/imports';
import { isSimpleStatement, ownLineStatement } from '../fixes/statements';
import type { Fix, Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG702',
    name: 'no-checkpoint-fallback',
    severity: 'warning',
    section: '7. Model saving & checkpointing (predict.py)',
    summary: 'predict.py loads the best checkpoint with no fallback to the last one',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    if (m.trainingLoops().size || m.frameworkLoops().length) return;
    for (const call of m.calls) {
      const path = checkpointPath(m, call);
      if (!path || !saysBest(m, path, call.fn, 0)) continue;
      const guard = existsGuard(m, call);
      if (guard === 'fallback' || inTryWithExcept(m, call, path) || pathChosenByTest(m, path, call.fn) || retriesTryLoad(m, call, path)) continue;
      ctx.report({
        node: call.node,
        message:
          guard === 'guard-only'
            ? 'The best checkpoint is loaded only if it exists, with no `else`: a fold killed early (or that never improved) has no `best` file, and the model silently predicts with untrained weights. Load the last checkpoint in an `else` branch'
            : 'Loads the best checkpoint with no fallback: a fold killed early (or that never improved) has no `best` file, so predict.py crashes and no submission is written. Fall back to the last checkpoint when the best one is missing',
        fix: guard === 'none' ? fallbackFix(m, call, path) : null,
      });
    }
  },
};

const LOADERS = /^(torch\.load|torch\.jit\.load|safetensors\.torch\.load_file|joblib\.load|keras\.models\.load_model|keras\.saving\.load_model|tensorflow\.saved_model\.load|dill\.load|cloudpickle\.load)$/;
const PICKLE_LOADS = /^(pickle\.load|dill\.load|cloudpickle\.load)$/;

/** The path argument of a checkpoint load, or null. */
function checkpointPath(m: PythonModel, c: CallSite): Node | null {
  const q = c.qualified ?? '';
  if (PICKLE_LOADS.test(q)) {
    // pickle.load(open(path, "rb"))
    const f = c.args[0];
    const open = f?.type === 'call' ? m.callAt(f) : undefined;
    return open && open.callee.type === 'identifier' && open.callee.text === 'open' && !m.qualify(open.callee) ? open.args[0] ?? null : null;
  }
  if (LOADERS.test(q)) return c.args[0] ?? c.keywords.get('f') ?? c.keywords.get('filepath') ?? c.keywords.get('filename') ?? c.keywords.get('path') ?? null;
  if (q === 'safetensors.torch.load_model') return c.args[1] ?? c.keywords.get('filename') ?? null;
  if (q === 'timm.create_model' || q === 'timm.models.create_model') return c.keywords.get('checkpoint_path') ?? null;
  if (c.method === 'load_weights' && c.receiver) return c.args[0] ?? c.keywords.get('filepath') ?? null;
  if (c.method === 'load_from_checkpoint' && c.receiver) return c.args[0] ?? c.keywords.get('checkpoint_path') ?? null;
  return null;
}

/** The literal text of a string's content parts (never its interpolated names). */
function literalParts(s: Node): string {
  return s.namedChildren.filter((c) => c.type === 'string_content' || c.type === 'escape_sequence').map((c) => c.text).join('');
}

const PATH_CALLS = /^(os\.path\.join|pathlib\.Path|pathlib\.PurePath|os\.fspath|posixpath\.join)$/;

/** Does the path's text say best (in its string literals, through path joins and a path variable)? */
function saysBest(m: PythonModel, n: Node | null, fn: FunctionInfo | null, depth: number): boolean {
  if (!n || depth > 8) return false;
  switch (n.type) {
    case 'string':
      return /best/i.test(literalParts(n));
    case 'concatenated_string':
      return n.namedChildren.some((c) => saysBest(m, c, fn, depth + 1));
    case 'parenthesized_expression':
      return saysBest(m, n.namedChildren[0] ?? null, fn, depth + 1);
    case 'binary_operator': {
      const op = n.childForFieldName('operator')?.type ?? '';
      // `"fold%d_best.pth" % k`: the template's text
      if (op === '%') return saysBest(m, n.childForFieldName('left'), fn, depth + 1);
      return /^[+/]$/.test(op) && (saysBest(m, n.childForFieldName('left'), fn, depth + 1) || saysBest(m, n.childForFieldName('right'), fn, depth + 1));
    }
    case 'call': {
      const call = m.callAt(n);
      if (!call) return false;
      // `"fold{}_best.pth".format(k)`: the template's text
      if (call.method === 'format' && call.receiver && (call.receiver.type === 'string' || call.receiver.type === 'concatenated_string' || call.receiver.type === 'identifier')) return saysBest(m, call.receiver, fn, depth + 1);
      const builtinStr = call.callee.type === 'identifier' && call.callee.text === 'str' && !m.qualify(call.callee);
      if (!builtinStr && !PATH_CALLS.test(call.qualified ?? '')) return false;
      return call.args.some((a) => saysBest(m, a, fn, depth + 1));
    }
    case 'identifier': {
      // bindings in branches the file's own values rule out (`if args.eval == 'final':` with the default 'best') do not count
      const bs = m.bindingsIn(n.text, fn).filter((b) => !inDeadBranch(m, b.node, b.fn));
      if (!bs.length) return false;
      return bs.every((b) => (b.kind === 'assign' ? saysBest(m, b.value, b.fn, depth + 1) : b.kind === 'param' && b.fn ? paramSaysBest(m, b.fn, b.name, depth) : false));
    }
    default:
      return false;
  }
}

/** Is `node` in an `if` / `elif` / `else` branch that the resolved conditions never take? */
function inDeadBranch(m: PythonModel, node: Node, fn: FunctionInfo | null): boolean {
  const stop = fn?.body ?? m.root;
  for (let n: Node | null = node.parent; n && n.id !== stop.id; n = n.parent) {
    if (n.type !== 'block' || !n.parent) continue;
    const owner = n.parent;
    const ifNode = owner.type === 'if_statement' ? owner : owner.type === 'elif_clause' || owner.type === 'else_clause' ? owner.parent : null;
    if (!ifNode || ifNode.type !== 'if_statement') continue;
    // the conditions tested before this branch, and this branch's own
    const clauses = [ifNode, ...ifNode.namedChildren.filter((c) => c.type === 'elif_clause' || c.type === 'else_clause')];
    for (const clause of clauses) {
      const cond = clause.type === 'else_clause' ? null : clause.childForFieldName('condition');
      const value = cond ? decideCondition(m, cond) : true;
      const mine = clause === owner || (clause === ifNode && owner === ifNode);
      if (mine) {
        if (value === false) return true;
        break;
      }
      if (value === true) return true; // an earlier branch is always taken
    }
  }
  return false;
}

function paramSaysBest(m: PythonModel, fn: FunctionInfo, name: string, depth: number): boolean {
  const sites = m.callersOf(fn);
  const args = m.argumentsFor(fn, name);
  return sites.length > 0 && args.length === sites.length && args.every((a) => saysBest(m, a, m.functionAt(a), depth + 1));
}

/** `os.path.exists(p)`, `os.path.isfile(p)`, `Path(p).exists()`, `p.is_file()` ... inside `n`. */
function hasExistsTest(m: PythonModel, n: Node): boolean {
  return m.callsInside(n.startIndex, n.endIndex).some((c) => (/^os\.path\.(exists|isfile|isdir|lexists)$|^os\.access$|^glob\.glob$/.test(c.qualified ?? '') || (!!c.receiver && /^(exists|is_file)$/.test(c.method ?? ''))));
}

/** Is the load under an existence test: with another branch ('fallback') or without one ('guard-only')? */
function existsGuard(m: PythonModel, call: CallSite): 'fallback' | 'guard-only' | 'none' {
  const stop = call.fn?.body ?? m.root;
  for (let n: Node | null = call.node.parent; n && n.id !== stop.id; n = n.parent) {
    if (n.type === 'conditional_expression' && hasExistsTest(m, n)) return 'fallback';
    if (n.type !== 'block' || !n.parent) continue;
    const owner = n.parent;
    const ifNode = owner.type === 'if_statement' ? owner : owner.type === 'elif_clause' || owner.type === 'else_clause' ? owner.parent : null;
    if (!ifNode || ifNode.type !== 'if_statement') continue;
    const conds = [ifNode.childForFieldName('condition'), ...ifNode.namedChildren.filter((c) => c.type === 'elif_clause').map((c) => c.childForFieldName('condition'))];
    if (!conds.some((c) => c && hasExistsTest(m, c))) continue;
    const branches = ifNode.namedChildren.filter((c) => c.type === 'elif_clause' || c.type === 'else_clause');
    return branches.length ? 'fallback' : 'guard-only';
  }
  return 'none';
}

/**
 * Is the load in a `try` whose `except` does something else than load the same path again (a retry of
 * the same file with the `module.` prefixes stripped is no fallback: a missing file fails there too)?
 */
function inTryWithExcept(m: PythonModel, call: CallSite, path: Node): boolean {
  const stop = call.fn?.body ?? m.root;
  for (let n: Node | null = call.node.parent; n && n.id !== stop.id; n = n.parent) {
    if (n.type === 'block' && n.parent?.type === 'try_statement' && n.parent.childForFieldName('body')?.id === n.id) {
      const handlers = n.parent.namedChildren.filter((c) => c.type === 'except_clause' || c.type === 'except_group_clause');
      if (handlers.some((h) => !reloadsSamePath(m, h, path))) return true;
    }
  }
  return false;
}

/** A load in an `except` that retries the load of its `try` (reported there once). */
function retriesTryLoad(m: PythonModel, call: CallSite, path: Node): boolean {
  for (let n: Node | null = call.node.parent; n && n.type !== 'function_definition' && n.type !== 'module'; n = n.parent) {
    if ((n.type === 'except_clause' || n.type === 'except_group_clause') && n.parent?.type === 'try_statement') {
      const body = n.parent.childForFieldName('body');
      return !!body && m.callsInside(body.startIndex, body.endIndex).some((c) => checkpointPath(m, c)?.text === path.text);
    }
  }
  return false;
}

function reloadsSamePath(m: PythonModel, handler: Node, path: Node): boolean {
  return m.callsInside(handler.startIndex, handler.endIndex).some((c) => checkpointPath(m, c)?.text === path.text);
}

/** `path = best if os.path.exists(best) else last`, or `path` re-bound under an existence test. */
function pathChosenByTest(m: PythonModel, path: Node, fn: FunctionInfo | null): boolean {
  if (path.type !== 'identifier') return false;
  return m.bindingsIn(path.text, fn).some((b) => {
    if (b.kind !== 'assign' || !b.value) return false;
    if (b.value.type === 'conditional_expression' && hasExistsTest(m, b.value)) return true;
    for (let n: Node | null = b.node.parent; n && n.type !== 'function_definition' && n.type !== 'module'; n = n.parent) {
      if ((n.type === 'if_statement' || n.type === 'elif_clause') && n.childForFieldName('condition') && hasExistsTest(m, n.childForFieldName('condition')!)) return true;
    }
    return false;
  });
}

const PURE_NODES = /^(string|string_start|string_content|string_end|escape_sequence|interpolation|format_specifier|format_expression|type_conversion|concatenated_string|identifier|attribute|subscript|integer|binary_operator|parenthesized_expression|argument_list|keyword_argument|call)$/;

/** Can the path expression be evaluated twice (in the test and in the load) with the same result? */
function isRepeatable(m: PythonModel, n: Node): boolean {
  if (!PURE_NODES.test(n.type)) return false;
  if (n.type === 'call') {
    const call = m.callAt(n);
    const builtinStr = call?.callee.type === 'identifier' && call.callee.text === 'str' && !m.qualify(call.callee);
    if (!call || (!builtinStr && !PATH_CALLS.test(call.qualified ?? ''))) return false;
  }
  return n.namedChildren.every((c) => isRepeatable(m, c));
}

function bestToLast(s: string): string {
  return s.replace(/best/g, 'last').replace(/Best/g, 'Last').replace(/BEST/g, 'LAST');
}

/** The text of `expr` with best -> last in the content of its string literals (interpolated names untouched). */
function renameInLiterals(expr: Node): string {
  const base = expr.startIndex;
  const pieces: { from: number; to: number; text: string }[] = [];
  const visit = (n: Node) => {
    if (n.type === 'string_content' && /best/i.test(n.text)) pieces.push({ from: n.startIndex - base, to: n.endIndex - base, text: bestToLast(n.text) });
    for (const c of n.namedChildren) visit(c);
  };
  visit(expr);
  let text = expr.text;
  for (const p of pieces.sort((a, b) => b.from - a.from)) text = text.slice(0, p.from) + p.text + text.slice(p.to);
  return text;
}

/** The last checkpoint's path expression, spelled where the load is; null when it cannot be derived. */
function lastPath(m: PythonModel, path: Node, fn: FunctionInfo | null, depth = 0): string | null {
  if (depth > 4) return null;
  if (path.type === 'identifier') {
    const bs = m.bindingsIn(path.text, fn);
    if (bs.length !== 1 || bs[0].kind !== 'assign' || !bs[0].value) return null;
    const v = bs[0].value;
    if (!isRepeatable(m, v) || !spelledSameIn(m, v, bs[0].fn, fn)) return null;
    return lastPath(m, v, fn, depth + 1);
  }
  const renamed = renameInLiterals(path);
  return renamed !== path.text ? renamed : null;
}

function fallbackFix(m: PythonModel, call: CallSite, path: Node): Fix | null {
  const src = m.source;
  const stmt = ownLineStatement(m, call.node);
  if (!stmt || !isSimpleStatement(stmt) || !isRepeatable(m, path)) return null;
  // a load inside a comprehension or lambda reads names the statement level does not have
  for (let n: Node | null = call.node.parent; n && n.id !== stmt.id; n = n.parent) {
    if (/comprehension|generator_expression|lambda/.test(n.type)) return null;
  }
  const last = lastPath(m, path, call.fn);
  if (!last || /[\r\n]/.test(path.text) || /[\r\n]/.test(last)) return null;
  const os = ensureModuleImport(m, 'os');
  const indent = src.indentOf(stmt.startPosition.row);
  const unit = src.indentUnit;
  const startRow = stmt.startPosition.row;
  const endRow = stmt.endPosition.row;
  const frozen = rowsInsideStrings(m.root, startRow, endRow);
  // the statement's lines (trailing comment kept on the first copy), one level deeper
  const deeper = (text: string, row0: number) =>
    text.split(/\r\n|\n|\r/).map((line, i) => {
      if (i === 0) return indent + unit + line;
      return frozen.has(row0 + i) || !line.trim() ? line : unit + line;
    });
  const stmtStart = src.offsetAt({ line: startRow, character: stmt.startPosition.column });
  const stmtEnd = src.offsetAt({ line: endRow, character: stmt.endPosition.column });
  const pathStart = src.offsetAt({ line: path.startPosition.row, character: path.startPosition.column });
  const pathEnd = src.offsetAt({ line: path.endPosition.row, character: path.endPosition.column });
  const withComment = src.text.slice(stmtStart, src.lineEndOffset(endRow));
  const lastText = src.text.slice(stmtStart, pathStart) + last + src.text.slice(pathEnd, stmtEnd);
  const lines = [
    `${indent}# Fall back to the last checkpoint when the best one was never written (run killed early)`,
    `${indent}if ${os.name}.path.exists(${path.text}):`,
    ...deeper(withComment, startRow),
    `${indent}else:`,
    ...deeper(lastText, startRow),
  ];
  const edits: TextEdit[] = [{ range: { start: { line: startRow, character: 0 }, end: src.positionAt(src.lineEndOffset(endRow)) }, newText: lines.join(src.eol) }];
  if (os.edit) edits.push(os.edit);
  return { title: 'Fall back to the last checkpoint when the best one is missing', applicability: 'safe', edits };
}
