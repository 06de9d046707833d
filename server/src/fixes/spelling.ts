/**
 * How to write a value in another place: the device of the batch loop at the model's creation, a
 * module-level constant inside a function, a library name through the file's own imports
 * (`tf.keras.callbacks.ModelCheckpoint`, `keras.callbacks.ModelCheckpoint`, `ModelCheckpoint`).
 * Fixes use these so inserted code reuses the file's own names; null means "cannot be certain".
 */
import type { Node } from '../analysis/parser';
import type { FunctionInfo, PythonModel } from '../analysis/model';
import type { TextEdit } from '../analysis/source';
import { nameInScope } from '../analysis/training';
import { nodesOfType } from '../analysis/memo';
import { ensureFromImport, ensureModuleImport, importedNameFor, moduleAlias } from './imports';

/**
 * The text of `expr` (written where it stands) valid in scope `target` at offset `before`: every
 * name it reads must mean the same there (parameters are followed back to the caller's names for
 * a lone identifier). Null when some name is not visible there.
 */
export function spellAt(m: PythonModel, expr: Node, target: FunctionInfo | null, before: number): string | null {
  const from = m.functionAt(expr);
  if (expr.type === 'identifier') return nameInScope(m, expr.text, from, target, before);
  if (!/^(attribute|call|string|integer|float|true|false|none|subscript|binary_operator|parenthesized_expression|conditional_expression)$/.test(expr.type)) return null;
  if (hasInterpolatedOrLambda(expr)) return null;
  for (const id of m.identifiersIn(expr)) {
    if (nameInScope(m, id, from, target, before) !== id) return null;
  }
  return expr.text;
}

function hasInterpolatedOrLambda(n: Node): boolean {
  if (n.type === 'lambda' || n.type === 'named_expression') return true;
  return n.namedChildren.some(hasInterpolatedOrLambda);
}

/** Is `name` free to be bound by an `import name` line (not bound to anything else in the file)? */
export function nameIsFree(m: PythonModel, name: string): boolean {
  return !m.bindings.has(name) && !m.imports.has(name);
}

/**
 * A callable `module.attr` spelled through the file's imports (`import time` -> `time.time`,
 * `from time import time` -> `time`), adding `import module` when the name is free. Null when the
 * module's name is taken by something else.
 */
export function spellModuleAttr(m: PythonModel, module: string, attr: string): { text: string; edit: TextEdit | null } | null {
  const existing = importedNameFor(m, `${module}.${attr}`);
  if (existing) return { text: existing, edit: null };
  const top = module.split('.')[0];
  if (!nameIsFree(m, top) && !moduleAlias(m, module)) return null;
  const imp = ensureModuleImport(m, module);
  return { text: `${imp.name}.${attr}`, edit: imp.edit };
}

/** Which Keras the file uses: `tensorflow.keras` (also `tf.keras`) or standalone `keras`. */
export function kerasFlavour(m: PythonModel): 'tensorflow.keras' | 'keras' {
  for (const node of m.importNodes) if (/\b(tensorflow|tf_keras)\b/.test(node.text)) return 'tensorflow.keras';
  return 'keras';
}

/**
 * A Keras name (`callbacks.ModelCheckpoint`, `mixed_precision.set_global_policy`) spelled through
 * the file's imports: the name itself, its module, `keras.`, or `tf.keras.`; else imported with
 * `from <flavour>.<module> import <name>` (merged into an existing import of that module), or,
 * with `importModule`, `from <flavour> import <module>` and `<module>.<name>`.
 */
export function spellKeras(m: PythonModel, path: string, importModule = false): { text: string; edit: TextEdit | null } {
  const q = `keras.${path}`;
  const direct = importedNameFor(m, q);
  if (direct) return { text: direct, edit: null };
  const parts = path.split('.');
  // a module on the way: `from tensorflow.keras import callbacks` -> callbacks.ModelCheckpoint
  for (let i = parts.length - 1; i >= 1; i--) {
    const mod = `keras.${parts.slice(0, i).join('.')}`;
    const alias = moduleAlias(m, mod);
    if (alias) return { text: `${alias}.${parts.slice(i).join('.')}`, edit: null };
  }
  const keras = moduleAlias(m, 'keras');
  if (keras) return { text: `${keras}.${path}`, edit: null };
  const tf = moduleAlias(m, 'tensorflow');
  if (tf) return { text: `${tf}.keras.${path}`, edit: null };
  if (importModule && parts.length > 1 && nameIsFree(m, parts[0])) {
    const imp = ensureFromImport(m, kerasFlavour(m), parts[0]);
    return { text: `${imp.name}.${parts.slice(1).join('.')}`, edit: imp.edit };
  }
  const name = parts[parts.length - 1];
  const module = `${kerasFlavour(m)}.${parts.slice(0, -1).join('.')}`;
  const imp = ensureFromImport(m, module, name);
  return { text: imp.name, edit: imp.edit };
}

/** The file's quote for new strings: the one most of its string literals use (`"` on a tie). */
export function fileQuote(m: PythonModel): string {
  let q = QUOTES.get(m);
  if (q === undefined) QUOTES.set(m, (q = countQuotes(m)));
  return q;
}

const QUOTES = new WeakMap<PythonModel, string>();

/** Counted once per file (every fix asked for it, over every string of the file). */
function countQuotes(m: PythonModel): string {
  let single = 0;
  let double = 0;
  for (const s of nodesOfType(m, 'string')) {
    const q = /^[a-zA-Z]*(['"])/.exec(s.text)?.[1];
    if (q === "'") single++;
    else if (q === '"') double++;
  }
  return single > double ? "'" : '"';
}
