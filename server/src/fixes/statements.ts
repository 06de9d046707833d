/**
 * Statement-level edit helpers: find the statement that holds a call when it sits on lines of its
 * own, insert lines after / before it with its indentation, delete it (keeping the block non-empty),
 * and wrap a statement in a `with` block, re-indented with the file's own unit.
 */
import type { Node } from '../analysis/parser';
import type { PythonModel } from '../analysis/model';
import type { TextEdit } from '../analysis/source';
import { reindentLines } from './edits';

/**
 * The simple statement (directly in a block or the module) that holds `node`, when it starts its
 * first line and nothing but a comment follows it on its last line; null otherwise (a one-line
 * compound `if x: y`, `a; b`, a call inside a loop header).
 */
export function ownLineStatement(m: PythonModel, node: Node): Node | null {
  const stmt = m.statementOf(node);
  if (!stmt.parent || (stmt.parent.type !== 'block' && stmt.parent.type !== 'module')) return null;
  const src = m.source;
  if (stmt.startPosition.column !== src.indentOf(stmt.startPosition.row).length) return null;
  const rest = src.lineText(stmt.endPosition.row).slice(stmt.endPosition.column).trim();
  if (rest && !rest.startsWith('#')) return null;
  // a block whose first statement shares the header's line (`for x in y: a`) is not ours to edit
  if (stmt.parent.type === 'block' && stmt.parent.parent && stmt.parent.parent.startPosition.row === stmt.startPosition.row) return null;
  return stmt;
}

/** Is `stmt` a compound statement that holds a block (for, if, with ...)? Simple statements only may be repeated or moved. */
export function isSimpleStatement(stmt: Node): boolean {
  return /^(expression_statement|return_statement|pass_statement|delete_statement|raise_statement|assert_statement|global_statement|nonlocal_statement)$/.test(stmt.type);
}

/** The text a whole-line deletion of `stmt` removes, as an edit: from its line start to the next line start. Null if it would empty its block. */
export function deleteStatementLines(m: PythonModel, stmt: Node): TextEdit | null {
  const parent = stmt.parent;
  if (!parent) return null;
  const siblings = parent.namedChildren.filter((c) => c.type !== 'comment');
  if (parent.type === 'block' && siblings.length < 2) return null;
  const src = m.source;
  const startRow = stmt.startPosition.row;
  const endRow = stmt.endPosition.row;
  const start = { line: startRow, character: 0 };
  const end = endRow + 1 < src.lineCount ? { line: endRow + 1, character: 0 } : src.positionAt(src.text.length);
  if (endRow + 1 >= src.lineCount && startRow > 0) {
    // last line of the file: remove the line break before it instead
    return { range: { start: src.positionAt(src.lineEndOffset(startRow - 1)), end }, newText: '' };
  }
  return { range: { start, end }, newText: '' };
}

/**
 * Replaces rows [fromRow, toRow] (a statement that starts at `indent`) by `header` at `indent`
 * followed by the same rows re-indented one `unit` deeper. Null when a line cannot be moved.
 */
export function wrapRows(m: PythonModel, fromRow: number, toRow: number, indent: string, header: string): TextEdit | null {
  const src = m.source;
  const lines = reindentLines(src, m.root, fromRow, toRow, indent, indent + src.indentUnit);
  if (!lines) return null;
  const start = { line: fromRow, character: 0 };
  const end = src.positionAt(src.lineEndOffset(toRow));
  return { range: { start, end }, newText: [indent + header, ...lines].join(src.eol) };
}
