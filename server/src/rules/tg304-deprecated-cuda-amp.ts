/**
 * TG304 deprecated-cuda-amp
 *
 * What it does: finds each use of what torch 2.4 deprecated in `torch.cuda.amp` / `torch.cpu.amp`
 * (what TorchFix's TOR101 reports): calls of `torch.cuda.amp.autocast(...)`,
 * `torch.cpu.amp.autocast(...)`, `torch.cuda.amp.GradScaler(...)`, and the decorators
 * `torch.cuda.amp.custom_fwd` / `custom_bwd` (bare, `@custom_fwd`, or called,
 * `@custom_fwd(cast_inputs=...)`), however they are spelled (`import torch`, `import torch.cuda.amp
 * as amp`, `from torch.cuda.amp import autocast as ac`).
 * Reported on each use (the call, or the bare decorator): where the FutureWarning fires and where a
 * `# noqa: TG304` silences that use only. Never on the import.
 * Why it is bad: deprecated since torch 2.4 (a FutureWarning every time a block is entered, a scaler
 * built or a function decorated, burying the training log) and to be removed; the `torch.amp` forms
 * are the supported API for every device.
 * Example: `scaler = torch.cuda.amp.GradScaler()`, `with autocast(enabled=True):`.
 * Fix (this use): the callee becomes `torch.amp.X` (adding `import torch` when the file has none),
 * keeping the arguments: `"cuda"` / `"cpu"` first for autocast and GradScaler (autocast's positional
 * arguments become keywords: the old signature was `(enabled, dtype, cache_enabled)`, the new one
 * starts with `device_type, dtype`), `device_type="cuda"` for custom_fwd / custom_bwd. When the call
 * was the last user of a name imported from `torch.cuda.amp` (or of `import torch.cuda.amp as amp`),
 * that name leaves the import: no unused import is left behind. Fix-all applies this one.
 * Further action (offered beside it, never applied by fix-all): rewrite every use in the file at
 * once; names imported from `torch.cuda.amp` then keep their short form (the import moves to
 * `torch.amp`) when every use of them is a call or decorator being rewritten. Uses silenced by
 * `# noqa` are left alone.
 * Silent: `torch.amp.autocast("cuda", ...)`, `torch.amp.GradScaler("cuda")`, `torch.autocast`,
 * `torch.amp.custom_fwd(device_type="cuda")`; a workspace that pins torch below 2.4 (not deprecated there).
 */
import type { Node } from '../analysis/parser';
import type { CallSite, PythonModel } from '../analysis/model';
import type { Range, TextEdit } from '../analysis/source';
import { isSuppressed, suppressionLines, type Directives } from '../analysis/directives';
import { identifiersNamed } from '../analysis/node-index';
import { ceilingBelow, ceilingOf, requirement } from '../analysis/versions';
import { fixSpans } from '../fixes/apply';
import { replaceNode } from '../fixes/edits';
import { addKeywordArguments } from '../fixes/arguments';
import { ensureModuleImport } from '../fixes/imports';
import { deleteStatementLines, ownLineStatement } from '../fixes/statements';
import { fileQuote, nameIsFree } from '../fixes/spelling';
import { nodeRange, type Fix, type Rule, type RuleContext } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG304',
    name: 'deprecated-cuda-amp',
    severity: 'warning',
    section: '3. Library version conflicts: mixed precision',
    summary: 'torch.cuda.amp / torch.cpu.amp autocast, GradScaler, custom_fwd / custom_bwd are deprecated since torch 2.4: use torch.amp',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    const torchPin = ceilingOf(requirement(ctx.workspace.requirements, 'torch'));
    if (torchPin && ceilingBelow(torchPin, [2, 4])) return;
    const uses = deprecatedUses(m);
    if (!uses.length) return;
    // the whole-file rewrite: offered beside each use's own fix when there is more than one use to rewrite
    const open = uses.filter((u) => !suppressed(m, ctx.directives, u));
    const whole = open.length > 1 ? fileFix(m, open) : null;
    for (const use of uses) {
      const fix = useFix(m, use);
      ctx.report({
        node: use.node,
        message: message(use.spec, use.call !== null),
        fix,
        alternativeFixes: whole ? [whole] : undefined,
      });
    }
  },
};

type NewName = 'autocast' | 'GradScaler' | 'custom_fwd' | 'custom_bwd';

interface Deprecated {
  /** The deprecated spelling, for messages. */
  old: string;
  /** Its name in `torch.amp`. */
  name: NewName;
  device: 'cuda' | 'cpu';
}

const cudaAutocast: Deprecated = { old: 'torch.cuda.amp.autocast', name: 'autocast', device: 'cuda' };
const cpuAutocast: Deprecated = { old: 'torch.cpu.amp.autocast', name: 'autocast', device: 'cpu' };
const scaler: Deprecated = { old: 'torch.cuda.amp.GradScaler', name: 'GradScaler', device: 'cuda' };
const customFwd: Deprecated = { old: 'torch.cuda.amp.custom_fwd', name: 'custom_fwd', device: 'cuda' };
const customBwd: Deprecated = { old: 'torch.cuda.amp.custom_bwd', name: 'custom_bwd', device: 'cuda' };

/** Qualified names (as the model resolves them, also through the defining submodules) -> what they are. */
const DEPRECATED: ReadonlyMap<string, Deprecated> = new Map([
  ['torch.cuda.amp.autocast', cudaAutocast],
  ['torch.cuda.amp.autocast_mode.autocast', cudaAutocast],
  ['torch.cpu.amp.autocast', cpuAutocast],
  ['torch.cpu.amp.autocast_mode.autocast', cpuAutocast],
  ['torch.cuda.amp.GradScaler', scaler],
  ['torch.cuda.amp.grad_scaler.GradScaler', scaler],
  ['torch.cuda.amp.custom_fwd', customFwd],
  ['torch.cuda.amp.autocast_mode.custom_fwd', customFwd],
  ['torch.cuda.amp.custom_bwd', customBwd],
  ['torch.cuda.amp.autocast_mode.custom_bwd', customBwd],
]);

/** Modules whose names are all deprecated spellings (an import from them may go once unused). */
const DEPRECATED_NAMESPACE = /^torch\.(cuda|cpu)\.amp(\.|$)/;
/** Modules a `from ... import` of deprecated names may be moved from, to `torch.amp`. */
const MOVABLE_MODULE = /^torch\.(cuda|cpu)\.amp(\.autocast_mode|\.grad_scaler)?$/;

interface Use {
  /** What is reported: the call, or the bare decorator's expression. */
  node: Node;
  /** The expression naming the deprecated callable. */
  callee: Node;
  /** Null for a bare decorator (`@torch.cuda.amp.custom_fwd`). */
  call: CallSite | null;
  spec: Deprecated;
}

function message(spec: Deprecated, called: boolean): string {
  const q = '"';
  if (spec.name === 'custom_fwd' || spec.name === 'custom_bwd') {
    return `${spec.old} is deprecated since torch 2.4 (a FutureWarning for every function it decorates): use torch.amp.${spec.name}(device_type=${q}cuda${q}${spec.name === 'custom_fwd' ? ', ...' : ''})`;
  }
  const when = spec.name === 'GradScaler' ? 'every time a scaler is built' : 'every time the block is entered';
  return `${spec.old}${called ? '(...)' : ''} is deprecated since torch 2.4 (a FutureWarning ${when}): use torch.amp.${spec.name}(${q}${spec.device}${q}, ...)`;
}

const USES = new WeakMap<PythonModel, Use[]>();

/** Every deprecated use in the file, in source order (found once per model). */
function deprecatedUses(m: PythonModel): Use[] {
  let out = USES.get(m);
  if (out) return out;
  out = [];
  for (const c of m.calls) {
    const spec = c.qualified ? DEPRECATED.get(c.qualified) : undefined;
    if (spec) out.push({ node: c.node, callee: c.callee, call: c, spec });
  }
  // bare decorators: `@torch.cuda.amp.custom_fwd` (no call, applied to the function below)
  for (const d of m.syntax.ofTypes(DECORATOR, 0, m.syntax.count, true)) {
    const expr = d.namedChildren.find((c) => c.type !== 'comment');
    if (!expr || (expr.type !== 'identifier' && expr.type !== 'attribute')) continue;
    const q = m.qualify(expr);
    const spec = q ? DEPRECATED.get(q) : undefined;
    if (spec && (spec.name === 'custom_fwd' || spec.name === 'custom_bwd')) out.push({ node: expr, callee: expr, call: null, spec });
  }
  out.sort((a, b) => a.node.startIndex - b.node.startIndex);
  USES.set(m, out);
  return out;
}

const DECORATOR: ReadonlySet<string> = new Set(['decorator']);

function suppressed(m: PythonModel, d: Directives, use: Use): boolean {
  const start = { line: use.node.startPosition.row, character: use.node.startPosition.column };
  return isSuppressed(d, 'TG304', d.lines.size ? suppressionLines(m.root, start) : []);
}

/** Does TG304 report deprecated amp spellings for this workspace (torch not pinned below 2.4)? */
export function reportsDeprecatedAmp(ctx: RuleContext): boolean {
  const torchPin = ceilingOf(requirement(ctx.workspace.requirements, 'torch'));
  return !(torchPin && ceilingBelow(torchPin, [2, 4]));
}

/**
 * For a fix that writes a copy of an autocast expression (TG211's smoke test): the text in the
 * torch.amp form when `expr` is a deprecated autocast call (with the `import torch` edit it needs),
 * so the copy is not a new TG304 finding; `expr`'s own text otherwise; null when it cannot be
 * rewritten (positional splats, the name `torch` taken).
 */
export function currentAutocastText(m: PythonModel, expr: Node): { text: string; edit: TextEdit | null } | null {
  const call = expr.type === 'call' ? m.callAt(expr) : undefined;
  const spec = call?.qualified ? DEPRECATED.get(call.qualified) : undefined;
  if (!call || !spec || spec.name !== 'autocast') return { text: expr.text, edit: null };
  const torch = torchName(m);
  const args = call.node.childForFieldName('arguments');
  if (!torch || !args || args.type !== 'argument_list') return null;
  const items = args.namedChildren.filter((c) => c.type !== 'comment');
  const positional = items.filter((c) => c.type !== 'keyword_argument' && c.type !== 'dictionary_splat');
  if (positional.some((c) => c.type === 'list_splat') || positional.length > AUTOCAST_POSITIONAL.length) return null;
  const quote = fileQuote(m);
  const written = items.map((c) => (positional.includes(c) ? `${AUTOCAST_POSITIONAL[positional.indexOf(c)]}=${c.text}` : c.text));
  return { text: `${torch.name}.amp.autocast(${[`${quote}${spec.device}${quote}`, ...written].join(', ')})`, edit: torch.edit };
}

// -------------------------------------------------------------------------------------------------
// Arguments

const AUTOCAST_POSITIONAL = ['enabled', 'dtype', 'cache_enabled'];

/**
 * Edits of a use's arguments for the torch.amp form: the device first for autocast and GradScaler
 * (autocast's positional arguments as keywords), `device_type=` for custom_fwd / custom_bwd (a bare
 * decorator gets the call `(device_type="cuda")` appended). Null when the arguments cannot be kept.
 */
function argumentEdits(m: PythonModel, use: Use): TextEdit[] | null {
  const quote = fileQuote(m);
  const device = `${quote}${use.spec.device}${quote}`;
  if (use.spec.name === 'custom_fwd' || use.spec.name === 'custom_bwd') {
    if (!use.call) {
      const end = { line: use.node.endPosition.row, character: use.node.endPosition.column };
      return [{ range: { start: end, end }, newText: `(device_type=${device})` }];
    }
    if (use.call.keywords.has('device_type')) return null;
    return addKeywordArguments(m, use.call, [`device_type=${device}`]);
  }
  const args = use.call?.node.childForFieldName('arguments');
  if (!args || args.type !== 'argument_list') return null;
  const open = { line: args.startPosition.row, character: args.startPosition.column + 1 };
  const items = args.namedChildren.filter((c) => c.type !== 'comment');
  const edits: TextEdit[] = [{ range: { start: open, end: open }, newText: items.length ? `${device}, ` : device }];
  if (use.spec.name === 'autocast') {
    const positional = items.filter((c) => c.type !== 'keyword_argument' && c.type !== 'dictionary_splat');
    if (positional.some((c) => c.type === 'list_splat') || positional.length > AUTOCAST_POSITIONAL.length) return null;
    positional.forEach((p, i) => {
      const at = { line: p.startPosition.row, character: p.startPosition.column };
      edits.push({ range: { start: at, end: at }, newText: `${AUTOCAST_POSITIONAL[i]}=` });
    });
  }
  return edits;
}

// -------------------------------------------------------------------------------------------------
// Imports

/** An import binding of a deprecated module or name: `from torch.cuda.amp import autocast as ac`, `import torch.cuda.amp as amp`. */
interface DeprecatedImport {
  stmt: Node;
  /** The statement's element that binds it (`autocast as ac`, `torch.cuda.amp as amp`). */
  element: Node;
  local: string;
}

/** The leftmost name of a dotted expression (`amp` of `amp.autocast`), or null. */
function headOf(expr: Node): Node | null {
  let n: Node | null = expr;
  while (n && n.type === 'attribute') n = n.childForFieldName('object');
  return n?.type === 'identifier' ? n : null;
}

/** The import that binds `id`, when it imports something under `torch.cuda.amp` / `torch.cpu.amp` and nothing else binds the name there. */
function deprecatedImportOf(m: PythonModel, id: Node): DeprecatedImport | null {
  const bindings = m.bindingsIn(id.text, m.functionAt(id));
  if (bindings.length !== 1 || bindings[0].kind !== 'import') return null;
  const bound = bindings[0].node;
  const element = bound.parent?.type === 'aliased_import' ? bound.parent : bound;
  const stmt = element.parent;
  if (!stmt || (stmt.type !== 'import_statement' && stmt.type !== 'import_from_statement')) return null;
  let target: string;
  if (stmt.type === 'import_from_statement') {
    const module = stmt.childForFieldName('module_name');
    if (!module || module.type !== 'dotted_name') return null;
    const name = element.type === 'aliased_import' ? element.childForFieldName('name')?.text : element.text;
    target = `${module.text}.${name}`;
  } else {
    // `import torch.cuda.amp` binds `torch`, which is not deprecated; only an alias binds the module
    if (element.type !== 'aliased_import') return null;
    target = element.childForFieldName('name')?.text ?? '';
  }
  return DEPRECATED_NAMESPACE.test(target) ? { stmt, element, local: id.text } : null;
}

/** Identifiers that read the name `imp` binds (outside its statement, resolving to an import there). */
function references(m: PythonModel, imp: DeprecatedImport): Node[] {
  const { stmt, local } = imp;
  return identifiersNamed(m, local).filter((id) => {
    if (id.startIndex >= stmt.startIndex && id.endIndex <= stmt.endIndex) return false;
    const p = id.parent;
    if (p?.type === 'attribute' && p.childForFieldName('attribute')?.id === id.id) return false;
    if (p?.type === 'keyword_argument' && p.childForFieldName('name')?.id === id.id) return false;
    return m.bindingsIn(local, m.functionAt(id)).some((b) => b.kind === 'import');
  });
}

/** The elements of an import statement that bind names (`a`, `b as c`), without the module of a `from` import. */
function elementsOf(stmt: Node): Node[] {
  const moduleId = stmt.childForFieldName('module_name')?.id;
  return stmt.namedChildren.filter((c) => c.id !== moduleId && (c.type === 'dotted_name' || c.type === 'aliased_import'));
}

/**
 * Edits that take `remove` (elements of `stmt`) out of the import: the whole statement when nothing
 * is left (its own lines), one element with the comma beside it, or the statement rewritten on one
 * line. Null when that cannot be done cleanly (a comment inside, a statement sharing its line).
 */
function removeImported(m: PythonModel, stmt: Node, remove: readonly Node[]): TextEdit | null {
  const elements = elementsOf(stmt);
  const ids = new Set(remove.map((r) => r.id));
  const kept = elements.filter((e) => !ids.has(e.id));
  if (!kept.length) {
    if (ownLineStatement(m, stmt) !== stmt) return null;
    return deleteStatementLines(m, stmt);
  }
  if (stmt.namedChildren.some((c) => c.type === 'comment')) return null;
  if (remove.length === 1) {
    const i = elements.findIndex((e) => e.id === remove[0].id);
    const el = elements[i];
    const range: Range =
      i + 1 < elements.length
        ? { start: pos(el.startPosition), end: pos(elements[i + 1].startPosition) }
        : { start: pos(elements[i - 1].endPosition), end: pos(el.endPosition) };
    return { range, newText: '' };
  }
  const names = kept.map((e) => e.text).join(', ');
  const text = stmt.type === 'import_statement' ? `import ${names}` : `from ${stmt.childForFieldName('module_name')!.text} import ${names}`;
  return replaceNode(stmt, text);
}

function pos(p: { row: number; column: number }) {
  return { line: p.row, character: p.column };
}

// -------------------------------------------------------------------------------------------------
// Fixes

const TORCH = new WeakMap<PythonModel, { name: string; edit: TextEdit | null } | null>();

/** How `torch` is spelled for the rewritten callee (and the `import torch` to add), or null when the name is taken. */
function torchName(m: PythonModel): { name: string; edit: TextEdit | null } | null {
  if (!TORCH.has(m)) {
    const t = ensureModuleImport(m, 'torch');
    TORCH.set(m, t.edit && !nameIsFree(m, 'torch') ? null : t);
  }
  return TORCH.get(m)!;
}

/** The callee rewritten to `torch.amp.X` with its arguments; no import edits. */
function qualifyEdits(m: PythonModel, use: Use, torch: string): TextEdit[] | null {
  if (use.callee.type !== 'attribute' && use.callee.type !== 'identifier') return null;
  const args = argumentEdits(m, use);
  if (!args) return null;
  const callee = `${torch}.amp.${use.spec.name}`;
  if (!use.call) return [replaceNode(use.callee, `${callee}${args[0].newText}`)];
  return [replaceNode(use.callee, callee), ...args];
}

/**
 * This use alone: the callee becomes `torch.amp.X`; when it was the last reader of a deprecated
 * import, that name leaves the import (the statement goes when nothing is left, replaced by the
 * `import torch` the call now needs, if the file has none).
 */
function useFix(m: PythonModel, use: Use): Fix | null {
  const torch = torchName(m);
  if (!torch) return null;
  const edits = qualifyEdits(m, use, torch.name);
  if (!edits) return null;
  let torchEdit = torch.edit;
  const head = headOf(use.callee);
  const imp = head ? deprecatedImportOf(m, head) : null;
  let dependsOn: Range[] | undefined;
  if (imp) {
    // the other users of the import are rewritten by their own fixes: one per round in fix-all, so that
    // the last one sees it is the last
    dependsOn = [nodeRange(imp.stmt)];
    if (references(m, imp).every((r) => r.id === head!.id)) {
      const emptied = elementsOf(imp.stmt).length === 1;
      if (emptied && torchEdit && imp.stmt.parent?.type === 'module' && ownLineStatement(m, imp.stmt) === imp.stmt) {
        edits.push(replaceNode(imp.stmt, `import ${torch.name}`));
        torchEdit = null;
      } else {
        const removal = removeImported(m, imp.stmt, [imp.element]);
        if (!removal) return null;
        edits.push(removal);
      }
    }
  }
  if (torchEdit) edits.push(torchEdit);
  if (!fixSpans(m.source, edits)) return null;
  const shown = use.spec.name === 'custom_fwd' || use.spec.name === 'custom_bwd' ? `torch.amp.${use.spec.name}(device_type="cuda")` : `torch.amp.${use.spec.name}("${use.spec.device}", ...)`;
  return { title: `Use ${shown}`, applicability: 'safe', edits, dependsOn };
}

/**
 * Every use in the file at once (those silenced by `# noqa` excepted). A `from torch.cuda.amp
 * import ...` whose deprecated names are used only by the calls and decorators being rewritten moves
 * to `torch.amp`, and those keep their short names; every other use is qualified as in its own fix,
 * and an import left with no reader is removed.
 */
function fileFix(m: PythonModel, uses: readonly Use[]): Fix | null {
  const edits: TextEdit[] = [];
  const rewritten = new Set<number>(); // ids of heads of the uses qualified below
  const moved = new Set<Use>();
  // 1. imports that can move to torch.amp
  const byStmt = new Map<number, { stmt: Node; uses: Use[] }>();
  for (const u of uses) {
    if (u.callee.type !== 'identifier') continue;
    const imp = deprecatedImportOf(m, u.callee);
    if (!imp || imp.stmt.type !== 'import_from_statement' || !MOVABLE_MODULE.test(imp.stmt.childForFieldName('module_name')?.text ?? '')) continue;
    const group = byStmt.get(imp.stmt.id) ?? { stmt: imp.stmt, uses: [] };
    group.uses.push(u);
    byStmt.set(imp.stmt.id, group);
  }
  for (const { stmt, uses: group } of byStmt.values()) {
    const move = moveImport(m, stmt, group);
    if (!move) continue;
    edits.push(...move);
    for (const u of group) moved.add(u);
  }
  // 2. the other uses, qualified
  const torch = uses.some((u) => !moved.has(u)) ? torchName(m) : null;
  for (const u of uses) {
    if (moved.has(u)) continue;
    if (!torch) return null;
    const e = qualifyEdits(m, u, torch.name);
    if (!e) return null;
    edits.push(...e);
    const head = headOf(u.callee);
    if (head) rewritten.add(head.id);
  }
  // 3. deprecated imports no longer read
  const unread = new Map<number, { stmt: Node; elements: Node[] }>();
  const seen = new Set<number>();
  for (const u of uses) {
    if (moved.has(u)) continue;
    const head = headOf(u.callee);
    const imp = head ? deprecatedImportOf(m, head) : null;
    if (!imp || seen.has(imp.element.id)) continue;
    seen.add(imp.element.id);
    if (!references(m, imp).every((r) => rewritten.has(r.id))) continue;
    const entry = unread.get(imp.stmt.id) ?? { stmt: imp.stmt, elements: [] };
    entry.elements.push(imp.element);
    unread.set(imp.stmt.id, entry);
  }
  let torchEdit = torch?.edit ?? null;
  for (const { stmt, elements } of unread.values()) {
    if (torchEdit && elementsOf(stmt).length === elements.length && stmt.parent?.type === 'module' && ownLineStatement(m, stmt) === stmt) {
      edits.push(replaceNode(stmt, `import ${torch!.name}`));
      torchEdit = null;
      continue;
    }
    const removal = removeImported(m, stmt, elements);
    if (!removal) return null;
    edits.push(removal);
  }
  if (torchEdit) edits.push(torchEdit);
  if (!edits.length || !fixSpans(m.source, edits)) return null;
  const spaces = [...new Set(uses.map((u) => `torch.${u.spec.device}.amp`))].sort().reverse().join(' / ');
  return { title: `Rewrite every deprecated ${spaces} use in the file`, applicability: 'safe', edits };
}

/**
 * `from torch.cuda.amp import autocast, GradScaler` -> `from torch.amp import ...`, with the argument
 * edits of `uses` (the calls of the moved names); null when a moved name is read other than by one of
 * those uses (it would change meaning unseen), or the statement cannot be rewritten cleanly.
 */
function moveImport(m: PythonModel, stmt: Node, uses: readonly Use[]): TextEdit[] | null {
  const useHeads = new Set(uses.map((u) => u.callee.id));
  const elements = elementsOf(stmt);
  const movedElements: Node[] = [];
  for (const el of elements) {
    const bound = el.type === 'aliased_import' ? el.childForFieldName('alias') : el;
    const name = el.type === 'aliased_import' ? el.childForFieldName('name')?.text : el.text;
    const module = stmt.childForFieldName('module_name')!.text;
    const spec = DEPRECATED.get(`${module}.${name}`);
    if (!spec || !bound) continue;
    const imp: DeprecatedImport = { stmt, element: el, local: bound.text };
    if (!references(m, imp).every((r) => useHeads.has(r.id))) return null;
    movedElements.push(el);
  }
  if (!movedElements.length) return null;
  const edits: TextEdit[] = [];
  for (const u of uses) {
    const args = argumentEdits(m, u);
    if (!args) return null;
    edits.push(...args);
  }
  const moduleName = stmt.childForFieldName('module_name')!;
  if (movedElements.length === elements.length) {
    edits.push(replaceNode(moduleName, 'torch.amp'));
  } else {
    if (stmt.namedChildren.some((c) => c.type === 'comment') || stmt.parent?.type !== 'module' || ownLineStatement(m, stmt) !== stmt) return null;
    const kept = elements.filter((e) => !movedElements.includes(e));
    const eol = m.source.eol;
    edits.push(replaceNode(stmt, `from ${moduleName.text} import ${kept.map((e) => e.text).join(', ')}${eol}from torch.amp import ${movedElements.map((e) => e.text).join(', ')}`));
  }
  return edits;
}
