/**
 * Suppression edits, for the "Ignore TGxxx on this line" and "Ignore TGxxx in this file" actions.
 *
 * On a line: the code joins an existing `# noqa: ...` or `# trainguard: ignore[...]` list; otherwise
 * `  # noqa: TGxxx` is appended after the code and after any comment already there (so `# type: ignore`
 * stays first, where mypy wants it) but before a `# trainguard:` directive, which stays whole. The line is the finding's own, or, when that line ends inside a multi-line string or
 * with a continuation backslash, the last line of its statement (`commentLineFor`; the analysis reads
 * a comment there for any finding the statement starts).
 *
 * In the file: the code joins the first `# trainguard: ignore-file[...]` list; otherwise a new
 * `# trainguard: ignore-file[TGxxx]` line goes at the top, after a shebang and a PEP 263 encoding line.
 *
 * Both return null when the code is already suppressed there (nothing to add).
 */
import type { PythonModel } from '../analysis/model';
import type { Position, TextEdit } from '../analysis/source';
import { commentLineFor, type Directives } from '../analysis/directives';

function insertAt(at: Position, newText: string): TextEdit {
  return { range: { start: at, end: at }, newText };
}

/** The edit that suppresses `code` for a finding starting at `start`, or null if it already is. */
export function suppressLineEdit(model: PythonModel, directives: Directives, start: Position, code: string): TextEdit | null {
  const src = model.source;
  const row = commentLineFor(model, start);
  const here = directives.lines.get(row) ?? [];
  if (here.some((s) => s.codes === null || s.codes.includes(code))) return null;
  // extend a list that is already there: noqa first, then trainguard: ignore[...]
  for (const kind of ['noqa', 'ignore'] as const) {
    const s = here.find((x) => x.kind === kind && x.codeRanges.length);
    if (s) return insertAt(s.codeRanges[s.codeRanges.length - 1].range.end, `, ${code}`);
  }
  const comment = model.comments.find((c) => c.line === row);
  if (comment) {
    const tg = /#\s*trainguard\s*:/i.exec(comment.text);
    if (tg) return insertAt({ line: row, character: comment.node.startPosition.column + tg.index }, `# noqa: ${code}  `);
    const end = comment.node.startPosition.column + comment.text.length;
    return insertAt({ line: row, character: end }, `  # noqa: ${code}`);
  }
  // no comment: after the code, replacing trailing white space
  const text = src.lineText(row);
  const trimmed = text.trimEnd().length;
  return { range: { start: { line: row, character: trimmed }, end: { line: row, character: text.length } }, newText: `  # noqa: ${code}` };
}

const ENCODING = /^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+/;

/** The row where a new file-level directive goes: after a shebang and an encoding declaration. */
export function fileHeaderRow(model: PythonModel): number {
  const src = model.source;
  let row = src.lineText(0).startsWith('#!') ? 1 : 0;
  // PEP 263: an encoding declaration counts on line 1, or on line 2 after a comment-only line 1
  for (let r = row; r <= 1 && r < src.lineCount; r++) {
    if (r === 1 && !/^\s*(#.*)?$/.test(src.lineText(0))) break;
    if (ENCODING.test(src.lineText(r))) row = r + 1;
  }
  return row;
}

/** The edit that suppresses `code` in the whole file, or null if it already is. */
export function suppressFileEdit(model: PythonModel, directives: Directives, code: string): TextEdit | null {
  if (directives.fileAll || directives.fileCodes?.has(code)) return null;
  const src = model.source;
  const ranges = directives.fileRanges;
  if (ranges.length) {
    // the first ignore-file comment: after its last code
    const line = Math.min(...ranges.map((r) => r.range.start.line));
    const onLine = ranges.filter((r) => r.range.start.line === line);
    return insertAt(onLine[onLine.length - 1].range.end, `, ${code}`);
  }
  const directive = `# trainguard: ignore-file[${code}]`;
  const row = fileHeaderRow(model);
  if (row >= src.lineCount) {
    // the file is only a shebang / encoding line without a final newline
    const end = src.positionAt(src.text.length);
    return insertAt(end, `${src.eol}${directive}`);
  }
  return insertAt({ line: row, character: 0 }, `${directive}${src.eol}`);
}
