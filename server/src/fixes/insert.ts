/**
 * Insertion points inside compound statements that `edits.ts` does not cover: the top of a body,
 * above the comments that open it (tree-sitter hangs those on the statement, not on its block).
 */
import type { Node } from '../analysis/parser';
import type { SourceText, TextEdit } from '../analysis/source';

/**
 * Inserts `lines` (already indented) as the first lines of `compound`'s body: on the line after
 * the header's `:`. Null when the body starts on the header line (`for x in y: f(x)`).
 */
export function insertAtBodyTop(src: SourceText, compound: Node, body: Node, lines: string[]): TextEdit | null {
  const colon = compound.children.find((c) => c?.type === ':' && c.endIndex <= body.startIndex);
  if (!colon) return null;
  const row = colon.endPosition.row;
  if (body.startPosition.row === row) return null;
  if (src.lineText(row).slice(colon.endPosition.column).trim() && !src.lineText(row).slice(colon.endPosition.column).trim().startsWith('#')) return null;
  const at = { line: row + 1, character: 0 };
  return { range: { start: at, end: at }, newText: lines.map((l) => l + src.eol).join('') };
}

/** The row after the file's last top-level import (after a module docstring when there is none). */
export function rowAfterImports(root: Node): number {
  let row = 0;
  const top = root.namedChildren;
  if (top[0]?.type === 'expression_statement' && top[0].namedChildren[0]?.type === 'string') row = top[0].endPosition.row + 1;
  for (const n of top) {
    if (n.type === 'import_statement' || n.type === 'import_from_statement' || n.type === 'future_import_statement') row = n.endPosition.row + 1;
  }
  return row;
}

/** Inserts whole `lines` at the start of `row` (at the end of a file that has no line there). */
export function insertLinesAtRow(src: SourceText, row: number, lines: string[]): TextEdit {
  if (row >= src.lineCount) {
    const end = src.positionAt(src.text.length);
    const sep = src.text.length && !/[\r\n]$/.test(src.text) ? src.eol : '';
    return { range: { start: end, end }, newText: sep + lines.map((l) => l + src.eol).join('') };
  }
  const at = { line: row, character: 0 };
  return { range: { start: at, end: at }, newText: lines.map((l) => l + src.eol).join('') };
}

/**
 * Appends `text` as a new last item of a list / argument list / tuple, in the container's own
 * layout: `[a, b]` -> `[a, b, X]`; a multi-line container gets `X` on its own line, indented like
 * the last item, keeping a trailing comma if the container uses one.
 */
export function appendItem(src: SourceText, container: Node, text: string): TextEdit {
  const items = container.namedChildren.filter((c) => c.type !== 'comment');
  const last = items[items.length - 1];
  const open = container.children[0];
  if (!last || !open) {
    const at = { line: container.startPosition.row, character: container.startPosition.column + 1 };
    return { range: { start: at, end: at }, newText: text };
  }
  const after = last.nextSibling;
  const trailingComma = after?.type === ',';
  const ownLine = src.lineText(last.startPosition.row).slice(0, last.startPosition.column).trim() === '';
  const multiLine = last.startPosition.row > open.startPosition.row && ownLine;
  if (multiLine) {
    const indent = src.indentOf(last.startPosition.row);
    if (trailingComma) {
      const at = { line: after!.endPosition.row, character: after!.endPosition.column };
      return { range: { start: at, end: at }, newText: `${src.eol}${indent}${text},` };
    }
    const at = { line: last.endPosition.row, character: last.endPosition.column };
    return { range: { start: at, end: at }, newText: `,${src.eol}${indent}${text}` };
  }
  const at = { line: last.endPosition.row, character: last.endPosition.column };
  return { range: { start: at, end: at }, newText: `, ${text}` };
}
