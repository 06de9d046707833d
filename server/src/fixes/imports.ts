/**
 * Adding an import once and in the right place: after the module docstring and `__future__` imports,
 * after the last top-level import, merged into an existing `from x import ...` where there is one.
 */
import type { PythonModel } from '../analysis/model';
import type { TextEdit } from '../analysis/source';

/** The local name under which `module` is imported as a whole (`import torch` -> `torch`), or null. */
export function moduleAlias(m: PythonModel, module: string): string | null {
  for (const [local, q] of m.imports) if (q === module && m.bindingsIn(local, null).every((b) => b.kind === 'import')) return local;
  return null;
}

/** The local name for `module.name` (`from torch.amp import autocast` -> `autocast`), or null. */
export function importedNameFor(m: PythonModel, qualified: string): string | null {
  for (const [local, q] of m.imports) if (q === qualified) return local;
  const dot = qualified.lastIndexOf('.');
  const alias = moduleAlias(m, qualified.slice(0, dot));
  return alias ? `${alias}.${qualified.slice(dot + 1)}` : null;
}

/** Where a new top-level import goes: the line after the last top-level import (or docstring / __future__). */
function importInsertionRow(m: PythonModel): number {
  let row = 0;
  const top = m.root.namedChildren;
  let i = 0;
  // module docstring
  if (top[0]?.type === 'expression_statement' && top[0].namedChildren[0]?.type === 'string') {
    row = top[0].endPosition.row + 1;
    i = 1;
  }
  for (const n of top.slice(i)) {
    if (n.type === 'import_statement' || n.type === 'import_from_statement' || n.type === 'future_import_statement') row = n.endPosition.row + 1;
    else if (n.type === 'comment' && row === n.startPosition.row) continue;
    else if (n.type !== 'comment') break;
  }
  return row;
}

/** An edit inserting a whole line at the start of `row` (or at the end of a file without a final newline). */
function insertLineAt(m: PythonModel, row: number, line: string): TextEdit {
  const src = m.source;
  if (row >= src.lineCount) {
    const end = src.positionAt(src.text.length);
    return { range: { start: end, end }, newText: `${src.eol}${line}` };
  }
  const at = { line: row, character: 0 };
  return { range: { start: at, end: at }, newText: `${line}${src.eol}` };
}

/** An edit that adds `import module` unless the module is already imported whole; null if nothing to add. */
export function ensureModuleImport(m: PythonModel, module: string): { name: string; edit: TextEdit | null } {
  const existing = moduleAlias(m, module);
  if (existing) return { name: existing, edit: null };
  return { name: module, edit: insertLineAt(m, importInsertionRow(m), `import ${module}`) };
}

/** An edit that makes `name` from `module` available (merging into an existing `from module import`). */
export function ensureFromImport(m: PythonModel, module: string, name: string): { name: string; edit: TextEdit | null } {
  const local = [...m.imports].find(([, q]) => q === `${module}.${name}`)?.[0];
  if (local) return { name: local, edit: null };
  for (const node of m.importNodes) {
    if (node.type !== 'import_from_statement' || node.parent?.type !== 'module') continue;
    if (node.childForFieldName('module_name')?.text !== module) continue;
    if (node.namedChildren.some((c) => c.type === 'wildcard_import')) return { name, edit: null };
    const last = node.namedChildren[node.namedChildren.length - 1];
    const at = { line: last.endPosition.row, character: last.endPosition.column };
    return { name, edit: { range: { start: at, end: at }, newText: `, ${name}` } };
  }
  return { name, edit: insertLineAt(m, importInsertionRow(m), `from ${module} import ${name}`) };
}
