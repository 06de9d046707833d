/**
 * Removing elements from a list literal without disturbing the rest: whole lines (with the entry's
 * own trailing comment) when the entries sit one per line, a rebuilt one-line list when the list
 * is written on a single line. Anything else (entries wrapped over shared lines) returns null.
 * `replace` (element id -> text) rewrites kept elements in the same edits: a one-line list is rebuilt
 * as a whole, so another edit inside it would overlap the rebuild; an id that is not an element of
 * the list returns null.
 */
import type { Node } from '../analysis/parser';
import type { SourceText, TextEdit } from '../analysis/source';

export function removeListElements(src: SourceText, list: Node, remove: Node[], replace: ReadonlyMap<number, string> = new Map()): TextEdit[] | null {
  const elements = list.namedChildren.filter((c) => c.type !== 'comment');
  const removeIds = new Set(remove.map((r) => r.id));
  if (!remove.every((r) => elements.some((e) => e.id === r.id))) return null;
  if (![...replace.keys()].every((id) => elements.some((e) => e.id === id) && !removeIds.has(id))) return null;
  const open = list.child(0);
  const close = list.child(list.childCount - 1);
  if (!open || !close) return null;

  if (list.startPosition.row === list.endPosition.row) {
    if (list.namedChildren.some((c) => c.type === 'comment')) return null;
    const kept = elements.filter((e) => !removeIds.has(e.id));
    const text = `${open.text}${kept.map((e) => replace.get(e.id) ?? e.text).join(', ')}${close.text}`;
    return [{ range: rangeOf(list), newText: text }];
  }

  // one entry per line: each removed entry owns its lines
  const edits: TextEdit[] = [];
  for (const el of remove) {
    const before = src.lineText(el.startPosition.row).slice(0, el.startPosition.column);
    if (before.trim() !== '') return null;
    const rest = src.lineText(el.endPosition.row).slice(el.endPosition.column);
    if (!/^\s*,?\s*(#.*)?$/.test(rest)) return null;
    // no other element starts or ends on these lines
    if (elements.some((o) => o.id !== el.id && o.endPosition.row >= el.startPosition.row && o.startPosition.row <= el.endPosition.row)) return null;
    if (el.startPosition.row === open.startPosition.row || el.endPosition.row === close.startPosition.row) return null;
    edits.push({
      range: { start: { line: el.startPosition.row, character: 0 }, end: { line: el.endPosition.row + 1, character: 0 } },
      newText: '',
    });
  }
  // the kept elements own their lines: rewritten where they are
  for (const e of elements) {
    const text = replace.get(e.id);
    if (text !== undefined) edits.push({ range: rangeOf(e), newText: text });
  }
  return edits;
}

function rangeOf(n: Node) {
  return { start: { line: n.startPosition.row, character: n.startPosition.column }, end: { line: n.endPosition.row, character: n.endPosition.column } };
}
