/**
 * TG304 deprecated-cuda-amp
 *
 * What it does: finds calls of `torch.cuda.amp.autocast(...)` and `torch.cuda.amp.GradScaler(...)`
 * however they are spelled (`from torch.cuda.amp import autocast as ac`, `import torch.cuda.amp
 * as amp`, `@torch.cuda.amp.autocast()` as a decorator).
 * Why it is bad: both are deprecated since torch 2.4 (a FutureWarning every time a block is entered
 * or a scaler built, burying the training log) and will be removed; the `torch.amp` forms are the
 * supported API for every device.
 * Example: `scaler = torch.cuda.amp.GradScaler()`, `with autocast(enabled=True):`.
 * Fix: rewrite to `torch.amp.autocast("cuda", ...)` / `torch.amp.GradScaler("cuda", ...)`, keeping
 * the arguments (autocast's positional arguments become keywords: the old signature was
 * `(enabled, dtype, cache_enabled)`, the new one starts with `device_type, dtype`). For names
 * imported from `torch.cuda.amp`, the import moves to `torch.amp` and every call is rewritten in
 * the same fix; not offered when one of those names is used other than by a call.
 * Silent: `torch.amp.autocast("cuda", ...)`, `torch.amp.GradScaler("cuda")`, `torch.autocast`;
 * a workspace that pins torch below 2.4 (not deprecated there).
 */
import type { Node } from '../analysis/parser';
import type { CallSite, PythonModel } from '../analysis/model';
import type { TextEdit } from '../analysis/source';
import { identifiersNamed } from '../analysis/node-index';
import { ceilingBelow, ceilingOf, requirement } from '../analysis/versions';
import { replaceNode } from '../fixes/edits';
import { ensureModuleImport } from '../fixes/imports';
import { fileQuote, nameIsFree } from '../fixes/spelling';
import { nodeRange, type Fix, type Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG304',
    name: 'deprecated-cuda-amp',
    severity: 'warning',
    section: '3. Library version conflicts: mixed precision',
    summary: 'torch.cuda.amp.autocast / GradScaler are deprecated since torch 2.4: use torch.amp',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    const torchPin = ceilingOf(requirement(ctx.workspace.requirements, 'torch'));
    if (torchPin && ceilingBelow(torchPin, [2, 4])) return;
    // names imported from torch.cuda.amp: one finding per import statement, whose fix moves the
    // import to torch.amp and rewrites every call with it (they must change together)
    const byImport = new Map<number, { stmt: Node; calls: CallSite[] }>();
    for (const c of m.calls) {
      const name = deprecatedName(c);
      if (!name) continue;
      const stmt = c.callee.type === 'identifier' ? importOf(m, c.callee.text) : null;
      if (stmt) {
        const group = byImport.get(stmt.id) ?? { stmt, calls: [] };
        group.calls.push(c);
        byImport.set(stmt.id, group);
        continue;
      }
      ctx.report({
        node: c.callee,
        message: `torch.cuda.amp.${name}(...) is deprecated since torch 2.4 (a FutureWarning on every use): use torch.amp.${name}("cuda", ...)`,
        fix: rewriteFix(m, c, name),
      });
    }
    for (const { stmt, calls } of byImport.values()) {
      const names = [...new Set(calls.map((c) => deprecatedName(c)!))];
      ctx.report({
        node: stmt,
        message: `torch.cuda.amp.${names.join(' / ')} ${names.length > 1 ? 'are' : 'is'} deprecated since torch 2.4 (a FutureWarning on every use): import ${names.length > 1 ? 'them' : 'it'} from torch.amp and pass "cuda" first`,
        fix: fromImportFix(m, stmt),
        related: calls.map((c) => ({ range: nodeRange(c.node), message: `a call of the deprecated ${deprecatedName(c)}` })),
      });
    }
  },
};

/** The top-level `from torch.cuda.amp import ...` statement that binds `local`, if that is what `local` is. */
function importOf(m: PythonModel, local: string): Node | null {
  return ampImports(m).get(local) ?? null;
}

const AMP_IMPORTS = new WeakMap<PythonModel, Map<string, Node>>();

/** Local name -> the first top-level `from torch.cuda.amp import ...` binding it (found once per file, not per call). */
function ampImports(m: PythonModel): Map<string, Node> {
  let byLocal = AMP_IMPORTS.get(m);
  if (!byLocal) {
    byLocal = new Map();
    for (const n of m.importNodes) {
      if (n.type !== 'import_from_statement' || n.parent?.type !== 'module' || !/^torch\.cuda\.amp(\.autocast_mode|\.grad_scaler)?$/.test(n.childForFieldName('module_name')?.text ?? '')) continue;
      for (const i of importedLocals(n)) if (!byLocal.has(i.local)) byLocal.set(i.local, n);
    }
    AMP_IMPORTS.set(m, byLocal);
  }
  return byLocal;
}

function deprecatedName(c: CallSite): 'autocast' | 'GradScaler' | null {
  if (c.qualified === 'torch.cuda.amp.autocast' || c.qualified === 'torch.cuda.amp.autocast_mode.autocast') return 'autocast';
  if (c.qualified === 'torch.cuda.amp.GradScaler' || c.qualified === 'torch.cuda.amp.grad_scaler.GradScaler') return 'GradScaler';
  return null;
}

const AUTOCAST_POSITIONAL = ['enabled', 'dtype', 'cache_enabled'];

/** Edits inside a call's argument list: `"cuda"` first, autocast's positional arguments as keywords. */
function argumentEdits(m: PythonModel, call: CallSite, name: 'autocast' | 'GradScaler'): TextEdit[] | null {
  const args = call.node.childForFieldName('arguments');
  if (!args || args.type !== 'argument_list') return null;
  const quote = fileQuote(m);
  const open = { line: args.startPosition.row, character: args.startPosition.column + 1 };
  const items = args.namedChildren.filter((c) => c.type !== 'comment');
  const edits: TextEdit[] = [{ range: { start: open, end: open }, newText: items.length ? `${quote}cuda${quote}, ` : `${quote}cuda${quote}` }];
  if (name === 'autocast') {
    const positional = items.filter((c) => c.type !== 'keyword_argument' && c.type !== 'dictionary_splat');
    if (positional.some((c) => c.type === 'list_splat') || positional.length > AUTOCAST_POSITIONAL.length) return null;
    positional.forEach((p, i) => {
      const at = { line: p.startPosition.row, character: p.startPosition.column };
      edits.push({ range: { start: at, end: at }, newText: `${AUTOCAST_POSITIONAL[i]}=` });
    });
  }
  return edits;
}

function rewriteFix(m: PythonModel, call: CallSite, name: 'autocast' | 'GradScaler'): Fix | null {
  const title = `Use torch.amp.${name}("cuda", ...)`;
  // torch.cuda.amp.X / amp.X, or a name bound to the deprecated callable some other way (`ac =
  // autocast`): the callee becomes <torch>.amp.X
  if (call.callee.type !== 'attribute' && call.callee.type !== 'identifier') return null;
  const torch = ensureModuleImport(m, 'torch');
  if (torch.edit && !nameIsFree(m, 'torch')) return null;
  const args = argumentEdits(m, call, name);
  if (!args) return null;
  const edits = [replaceNode(call.callee, `${torch.name}.amp.${name}`), ...args];
  if (torch.edit) edits.push(torch.edit);
  return { title, applicability: 'safe', edits };
}

/**
 * `from torch.cuda.amp import autocast, GradScaler`: the import moves to `torch.amp` and every call
 * of the moved names gets its arguments rewritten, in one fix (the import and the calls must change
 * together).
 */
function fromImportFix(m: PythonModel, stmt: Node): Fix | null {
  if (/#/.test(stmt.text)) return null;
  const moduleName = stmt.childForFieldName('module_name')!;
  const imported = importedLocals(stmt);
  const moved = imported.filter((i) => i.name === 'autocast' || i.name === 'GradScaler');
  const kept = imported.filter((i) => !moved.includes(i));
  const edits: TextEdit[] = [];
  for (const i of moved) {
    for (const id of references(m, i.local, stmt)) {
      const c = id.parent?.type === 'call' && id.parent.childForFieldName('function')?.id === id.id ? m.callAt(id.parent) : undefined;
      if (!c) return null; // used other than by a call: the rewrite would be incomplete
      const args = argumentEdits(m, c, i.name as 'autocast' | 'GradScaler');
      if (!args) return null;
      edits.push(...args);
    }
  }
  if (!kept.length) {
    edits.push(replaceNode(moduleName, 'torch.amp'));
  } else {
    if (moduleName.text !== 'torch.cuda.amp') return null;
    const eol = m.source.eol;
    const text = `from torch.cuda.amp import ${kept.map((i) => i.text).join(', ')}${eol}from torch.amp import ${moved.map((i) => i.text).join(', ')}`;
    edits.push(replaceNode(stmt, text));
  }
  return { title: `Import ${moved.map((i) => i.name).join(', ')} from torch.amp and pass "cuda"`, applicability: 'safe', edits };
}

interface ImportedName {
  name: string;
  local: string;
  text: string;
}

function importedLocals(stmt: Node): ImportedName[] {
  const moduleId = stmt.childForFieldName('module_name')?.id;
  const out: ImportedName[] = [];
  for (const c of stmt.namedChildren) {
    if (c.id === moduleId) continue;
    if (c.type === 'dotted_name') out.push({ name: c.text, local: c.text, text: c.text });
    else if (c.type === 'aliased_import') {
      const name = c.childForFieldName('name')?.text ?? '';
      const alias = c.childForFieldName('alias')?.text ?? name;
      out.push({ name, local: alias, text: c.text });
    }
  }
  return out;
}

/** Identifiers that read the imported `local` (resolving to the import, outside the import statement). */
function references(m: PythonModel, local: string, stmt: Node): Node[] {
  return identifiersNamed(m, local).filter((id) => {
    if ((id.startIndex >= stmt.startIndex && id.endIndex <= stmt.endIndex)) return false;
    const p = id.parent;
    if (p?.type === 'attribute' && p.childForFieldName('attribute')?.id === id.id) return false;
    if (p?.type === 'keyword_argument' && p.childForFieldName('name')?.id === id.id) return false;
    return m.bindingsIn(local, m.functionAt(id)).some((b) => b.kind === 'import');
  });
}
