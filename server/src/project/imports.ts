/**
 * The import statements of a module, read from its model's import nodes (the model is only read):
 * `import x`, `import x.y as z`, `from x import y as w`, `from .x import y`, `from .. import y`,
 * `from x import *`, at module level or inside a function or a `try:`.
 */
import type { Node } from '../analysis/parser';
import type { PythonModel } from '../analysis/model';

interface ImportedName {
  name: string;
  /** `as w`, or null. */
  alias: string | null;
}

export interface ImportRef {
  kind: 'import' | 'from';
  /** Leading dots of a relative import (0 = absolute). */
  level: number;
  /** The dotted module: `x.y` of `import x.y` / `from x.y import z`; '' for `from . import y`. */
  module: string;
  /** `import x.y as z`: `z` (for `import`; `from` imports name their aliases per name). */
  alias: string | null;
  /** What `from ... import` names (empty for `import` and for `*`). */
  names: ImportedName[];
  star: boolean;
  /** 0-based line of the statement. */
  line: number;
  /** Inside a function (imported when it runs, not when the module loads). */
  inFunction: boolean;
}

/** `.`, `..x` -> [level, module]. */
function relative(node: Node): [number, string] {
  let level = 0;
  let mod = '';
  for (const c of node.children) {
    if (c.type === 'import_prefix') level += c.text.length;
    else if (c.type === 'dotted_name') mod = c.text;
  }
  return [level, mod];
}

function inFunction(node: Node): boolean {
  for (let p = node.parent; p; p = p.parent) if (p.type === 'function_definition') return true;
  return false;
}

/** The imports of a module, in source order, one entry per imported module (`import a, b` gives two). */
export function importsOf(m: PythonModel): ImportRef[] {
  const out: ImportRef[] = [];
  for (const node of m.importNodes) {
    const line = node.startPosition.row;
    const inFn = inFunction(node);
    if (node.type === 'import_statement') {
      for (const c of node.namedChildren) {
        if (c.type === 'dotted_name') out.push({ kind: 'import', level: 0, module: c.text, alias: null, names: [], star: false, line, inFunction: inFn });
        else if (c.type === 'aliased_import') {
          const name = c.childForFieldName('name')?.text;
          if (name) out.push({ kind: 'import', level: 0, module: name, alias: c.childForFieldName('alias')?.text ?? null, names: [], star: false, line, inFunction: inFn });
        }
      }
      continue;
    }
    if (node.type !== 'import_from_statement') continue;
    const moduleNode = node.childForFieldName('module_name');
    if (!moduleNode) continue;
    const [level, module] = moduleNode.type === 'relative_import' ? relative(moduleNode) : [0, moduleNode.text];
    const ref: ImportRef = { kind: 'from', level, module, alias: null, names: [], star: false, line, inFunction: inFn };
    for (const c of node.namedChildren) {
      if (c.id === moduleNode.id) continue;
      if (c.type === 'wildcard_import') ref.star = true;
      else if (c.type === 'dotted_name') ref.names.push({ name: c.text, alias: null });
      else if (c.type === 'aliased_import') {
        const name = c.childForFieldName('name')?.text;
        if (name) ref.names.push({ name, alias: c.childForFieldName('alias')?.text ?? null });
      }
    }
    out.push(ref);
  }
  return out;
}

/** How the statement reads (for listings): `from .engine import train_one_epoch, evaluate`. */
export function importText(r: ImportRef): string {
  const mod = '.'.repeat(r.level) + r.module;
  if (r.kind === 'import') return `import ${mod}${r.alias ? ` as ${r.alias}` : ''}`;
  const names = r.star ? '*' : r.names.map((n) => (n.alias ? `${n.name} as ${n.alias}` : n.name)).join(', ');
  return `from ${mod} import ${names}`;
}
