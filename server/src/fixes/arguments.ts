/**
 * Edits of a call's argument list that keep its layout: a keyword added inline (`f(a, b, kw=1)`)
 * or, when the arguments sit one per line, on a line of its own with the same indentation (and a
 * trailing comma when the call already uses one); comments after the last argument stay put.
 */
import type { Node } from '../analysis/parser';
import type { CallSite, PythonModel } from '../analysis/model';
import type { TextEdit } from '../analysis/source';
import { replaceNode } from './edits';

function at(row: number, column: number) {
  return { line: row, character: column };
}

/** Adds keyword arguments (`'drop_last=True'`) at the end of a call's arguments; null when the layout is not understood. */
export function addKeywordArguments(m: PythonModel, call: CallSite, keywords: string[]): TextEdit[] | null {
  if (!keywords.length) return [];
  const src = m.source;
  const args = call.node.childForFieldName('arguments');
  if (!args || args.type !== 'argument_list') return null;
  const open = args.child(0);
  const close = args.child(args.childCount - 1);
  if (open?.type !== '(' || close?.type !== ')') return null;
  const items = args.namedChildren.filter((c) => c.type !== 'comment');
  const last = items[items.length - 1];
  if (!last) {
    // f(): inside the parentheses (a comment inside them would swallow the text: give up)
    if (args.namedChildren.length) return null;
    return [{ range: { start: at(open.endPosition.row, open.endPosition.column), end: at(open.endPosition.row, open.endPosition.column) }, newText: keywords.join(', ') }];
  }
  // the token right after the last argument: a trailing comma or the closing parenthesis
  let trailingComma: Node | null = null;
  for (let i = 0; i < args.childCount; i++) {
    const c = args.child(i);
    if (c && c.startIndex >= last.endIndex && c.type === ',') {
      trailingComma = c;
      break;
    }
  }
  const lineBefore = src.lineText(last.startPosition.row).slice(0, last.startPosition.column);
  const ownLine = last.startPosition.row > open.startPosition.row && lineBefore.trim() === '' && close.startPosition.row > last.endPosition.row;
  if (ownLine) {
    const indent = lineBefore;
    const endOfLine = src.positionAt(src.lineEndOffset((trailingComma ?? last).endPosition.row));
    const edits: TextEdit[] = [];
    if (!trailingComma) edits.push({ range: { start: at(last.endPosition.row, last.endPosition.column), end: at(last.endPosition.row, last.endPosition.column) }, newText: ',' });
    const lines = keywords.map((k, i) => `${indent}${k}${i < keywords.length - 1 || trailingComma ? ',' : ''}`);
    edits.push({ range: { start: endOfLine, end: endOfLine }, newText: lines.map((l) => src.eol + l).join('') });
    return edits;
  }
  const pos = at(last.endPosition.row, last.endPosition.column);
  return [{ range: { start: pos, end: pos }, newText: keywords.map((k) => `, ${k}`).join('') }];
}

/** Replaces an argument's value expression. */
export function replaceArgument(value: Node, text: string): TextEdit {
  return replaceNode(value, text);
}
