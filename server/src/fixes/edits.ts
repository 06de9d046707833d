/**
 * Edit helpers for fixes: every fix keeps the file's own indentation (tabs or spaces, any width),
 * line endings and comments, and touches nothing outside what it fixes.
 */
import type { Node } from '../analysis/parser';
import type { SyntaxTree } from '../analysis/syntax';
import type { PythonModel, FunctionInfo } from '../analysis/model';
import type { SourceText, TextEdit, Range } from '../analysis/source';

/** Rows (0-based) that are inside multi-line string literals after their first line: never re-indent them. */
export function rowsInsideStrings(root: Node, fromRow: number, toRow: number): Set<number> {
  // the outermost multi-line strings under `root` that touch [fromRow, toRow], all their rows after
  // the first (as a walk from `root` that stops at such a string finds them; the strings are listed
  // once per tree, not found again by a walk over every statement for every fix)
  const rows = new Set<number>();
  if (root.endPosition.row < fromRow || root.startPosition.row > toRow) return rows;
  const end = root.tree.subtreeEnd[root.index];
  for (const s of multiLineStrings(root)) {
    if (s.index < root.index || s.index >= end || s.end < fromRow || s.start > toRow) continue;
    for (let r = s.start + 1; r <= s.end; r++) rows.add(r);
  }
  return rows;
}

const MULTI_LINE = new WeakMap<SyntaxTree, { index: number; start: number; end: number }[]>();

/** The tree's multi-line string literals not inside another one, in source order, with their rows. */
function multiLineStrings(root: Node): { index: number; start: number; end: number }[] {
  const tree = root.tree;
  let list = MULTI_LINE.get(tree);
  if (!list) {
    list = [];
    let open = -1;
    for (const s of tree.root.descendantsOfType('string')) {
      if (s.index < open) continue;
      const start = s.startPosition.row;
      const end = s.endPosition.row;
      if (end > start) {
        list.push({ index: s.index, start, end });
        open = tree.subtreeEnd[s.index];
      }
    }
    MULTI_LINE.set(tree, list);
  }
  return list;
}

/**
 * Text of lines [fromRow, toRow] with the leading `fromIndent` of each line replaced by `toIndent`.
 * Blank lines stay blank; lines indented less than `fromIndent` (comments at column 0) and lines
 * inside multi-line strings are kept as they are. Returns null if a code line cannot be moved.
 */
export function reindentLines(src: SourceText, root: Node, fromRow: number, toRow: number, fromIndent: string, toIndent: string): string[] | null {
  const frozen = rowsInsideStrings(root, fromRow, toRow);
  const out: string[] = [];
  for (let r = fromRow; r <= toRow; r++) {
    const line = src.lineText(r);
    if (frozen.has(r) || !line.trim()) out.push(line);
    else if (line.startsWith(fromIndent)) out.push(toIndent + line.slice(fromIndent.length));
    else if (line.trimStart().startsWith('#')) out.push(line);
    else return null;
  }
  return out;
}

/** The indentation of a statement's first line. */
export function indentOfNode(src: SourceText, node: Node): string {
  return src.indentOf(node.startPosition.row);
}

/** The indentation of the statements of a block (its first statement's line). */
export function blockIndent(src: SourceText, block: Node): string | null {
  const first = block.namedChildren.find((c) => c.type !== 'comment') ?? block.namedChildren[0];
  if (!first) return null;
  const line = src.lineText(first.startPosition.row);
  // a body on the header's line (`with x: y`) has no indentation of its own
  if (line.slice(0, first.startPosition.column).trim() !== '') return null;
  return line.slice(0, first.startPosition.column);
}

/**
 * Do the code lines from `startRow` to `endRow` indent with one character only (all spaces or all
 * tabs)? Inserting lines into a block that mixes them can turn indentation python3 accepts into a
 * TabError (it compares with tabs as 8 columns and as 1), so a fix declines there.
 */
export function indentationIsUniform(src: SourceText, startRow: number, endRow: number): boolean {
  let kind = '';
  for (let row = startRow; row <= endRow && row < src.lineCount; row++) {
    const line = src.lineText(row);
    const lead = /^[ \t]*/.exec(line)![0];
    if (lead.length === line.length || !lead) continue; // blank line, or no indentation
    for (const c of lead) {
      if (!kind) kind = c;
      else if (c !== kind) return false;
    }
  }
  return true;
}

/** Inserts `lines` (already indented) after the last line of `node`. */
export function insertLinesAfter(src: SourceText, node: Node, lines: string[]): TextEdit {
  const row = node.endPosition.row;
  const at = src.positionAt(src.lineEndOffset(row));
  return { range: { start: at, end: at }, newText: lines.map((l) => src.eol + l).join('') };
}

/** Inserts `lines` (already indented) before the first line of `node`. */
export function insertLinesBefore(src: SourceText, node: Node, lines: string[]): TextEdit {
  const at = { line: node.startPosition.row, character: 0 };
  return { range: { start: at, end: at }, newText: lines.map((l) => l + src.eol).join('') };
}

/** Indents a block of template lines (written with 4-space steps) with `base` and the file's own unit. */
export function indentTemplate(lines: string[], base: string, unit: string): string[] {
  return lines.map((l) => {
    if (!l.trim()) return '';
    const m = /^( {4})*/.exec(l)![0];
    return base + unit.repeat(m.length / 4) + l.slice(m.length);
  });
}

/** A name not bound anywhere in the file (nor used as an identifier), starting from `preferred`. */
export function freshName(model: PythonModel, preferred: string, _scope?: FunctionInfo | null): string {
  const used = (name: string) => model.bindings.has(name) || model.imports.has(name) || wordUsed(model, name);
  if (!used(preferred)) return preferred;
  for (let i = 2; ; i++) if (!used(`${preferred}${i}`)) return `${preferred}${i}`;
}

const WORDS = new WeakMap<PythonModel, ReadonlySet<string>>();

/**
 * Does `name` occur as a whole word anywhere in the text (code, comments, strings)? For a name of
 * word characters that is: one of the text's maximal runs of word characters is the name, so the
 * runs are collected once per file instead of the whole text being searched for each candidate.
 */
function wordUsed(model: PythonModel, name: string): boolean {
  if (!/^\w+$/.test(name)) return new RegExp(`\\b${name}\\b`).test(model.source.text);
  let words = WORDS.get(model);
  if (!words) WORDS.set(model, (words = new Set(model.source.text.match(/\w+/g) ?? [])));
  return words.has(name);
}

export function rangeOfRows(src: SourceText, fromRow: number, toRow: number): Range {
  return { start: { line: fromRow, character: 0 }, end: src.positionAt(src.lineEndOffset(toRow)) };
}

/** Replaces the text of `node` with `text`. */
export function replaceNode(node: Node, text: string): TextEdit {
  // `for b in*r:` -> `for b in enumerate(*r):`, never `inenumerate(*r)`: a word written where the old
  // text touched another word (the node began with punctuation) keeps the two apart
  const src = node.tree.text;
  let newText = text;
  if (newText && isWordChar(src.charCodeAt(node.startIndex - 1)) && isWordChar(newText.charCodeAt(0))) newText = ` ${newText}`;
  if (newText && isWordChar(src.charCodeAt(node.endIndex)) && isWordChar(newText.charCodeAt(newText.length - 1))) newText = `${newText} `;
  return {
    range: { start: { line: node.startPosition.row, character: node.startPosition.column }, end: { line: node.endPosition.row, character: node.endPosition.column } },
    newText,
  };
}

/** A character of a Python name (ASCII letters, digits, `_`, and any non-ASCII letter). */
function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
}
