/**
 * Adding an import once and in the right place: after the module docstring and `__future__` imports,
 * after the last top-level import, merged into an existing `from x import ...` where there is one.
 */
import type { PythonModel } from '../analysis/model';
import type { Node } from '../analysis/parser';
import type { TextEdit } from '../analysis/source';
import { freshName } from './edits';

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

const isImport = (n: Node) => n.type === 'import_statement' || n.type === 'import_from_statement' || n.type === 'future_import_statement';
const isDocstring = (n: Node) => n.type === 'expression_statement' && n.namedChildren.length === 1 && n.namedChildren[0].type === 'string';

/**
 * Where a new top-level import goes: after the last import of the file's leading import block, which
 * may follow header comments (shebang, encoding, licence), the module docstring and `__future__`
 * imports. A file with no leading imports gets it after the docstring, or after its shebang and
 * encoding lines (a comment that introduces the first statement stays with it).
 */
export function importInsertionRow(m: PythonModel): number {
  const top = m.root.namedChildren;
  const src = m.source;
  let i = 0;
  while (top[i]?.type === 'comment') i++;
  const headerComments = top.slice(0, i);
  let row = -1;
  if (top[i] && isDocstring(top[i])) row = top[i++].endPosition.row + 1;
  for (; i < top.length; i++) {
    const n = top[i];
    if (isImport(n)) row = n.endPosition.row + 1;
    else if (n.type !== 'comment') break;
  }
  // (an import that shares its line with more code, `import os; x = 1`, puts the new one after that line)
  if (row >= 0) return row;
  // no docstring, no import: after the shebang / encoding lines at the top
  let header = 0;
  for (const c of headerComments) {
    if (c.startPosition.row !== header) break;
    if (header === 0 && c.text.startsWith('#!')) header = 1;
    else if (header <= 1 && /^#.*?coding[:=][ \t]*[-\w.]+/.test(c.text)) header = c.startPosition.row + 1;
    else break;
  }
  return Math.min(header, src.lineCount);
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

/** An edit that adds `import module` unless the module is already imported whole (`import module as module_module` when the file binds the name itself); null if nothing to add. */
export function ensureModuleImport(m: PythonModel, module: string): { name: string; edit: TextEdit | null } {
  const existing = moduleAlias(m, module);
  if (existing) return { name: existing, edit: null };
  const top = module.split('.')[0];
  // (`import timm` binds the package itself: `import timm.loss` adds to it)
  const taken = (m.imports.has(top) && m.imports.get(top) !== top) || (m.bindings.get(top) ?? []).some((b) => b.kind !== 'import');
  if (taken) {
    // the name is the file's own (`from t import torch`, a variable called torch): a plain `import torch`
    // would be overridden by it, or override it, so the module gets a name of its own
    const alias = freshName(m, `${module.replace(/\./g, '_')}_module`);
    return { name: alias, edit: insertLineAt(m, importInsertionRow(m), `import ${module} as ${alias}`) };
  }
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

/**
 * Like `ensureModuleImport`, but a new import is written `import module as alias` (`import pandas
 * as pd`) when `alias` is not bound in the file; an existing import of the module is reused.
 */
export function ensureModuleImportAs(m: PythonModel, module: string, alias: string): { name: string; edit: TextEdit | null } {
  const existing = moduleAlias(m, module);
  if (existing) return { name: existing, edit: null };
  if (alias === module || m.bindings.has(alias) || m.imports.has(alias)) return ensureModuleImport(m, module);
  return { name: alias, edit: insertLineAt(m, importInsertionRow(m), `import ${module} as ${alias}`) };
}
