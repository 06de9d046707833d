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
