/**
 * Text helpers shared by the analyser and the fixes: positions are 0-based lines and UTF-16 columns,
 * exactly as tree-sitter's JavaScript binding and the LSP count them.
 */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface TextEdit {
  range: Range;
  newText: string;
}

export class SourceText {
  readonly text: string;
  private readonly lineStarts: number[];
  private cachedEol?: string;
  private cachedIndentUnit?: string;

  constructor(text: string) {
    this.text = text;
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    this.lineStarts = starts;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  offsetAt(pos: Position): number {
    if (pos.line >= this.lineStarts.length) return this.text.length;
    if (pos.line < 0) return 0;
    const start = this.lineStarts[pos.line];
    const end = this.lineEndOffset(pos.line);
    return Math.min(start + Math.max(0, pos.character), end);
  }

  positionAt(offset: number): Position {
    offset = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - this.lineStarts[lo] };
  }

  /** Offset just before the line break of `line` (or the end of the text). */
  lineEndOffset(line: number): number {
    if (line + 1 < this.lineStarts.length) {
      let end = this.lineStarts[line + 1] - 1;
      if (this.text.charCodeAt(end) === 10 && this.text.charCodeAt(end - 1) === 13) end--;
      return end;
    }
    return this.text.length;
  }

  lineText(line: number): string {
    if (line < 0 || line >= this.lineStarts.length) return '';
    return this.text.slice(this.lineStarts[line], this.lineEndOffset(line));
  }

  lineStartOffset(line: number): number {
    return this.lineStarts[Math.max(0, Math.min(line, this.lineStarts.length - 1))];
  }

  /** The file's own line ending: the first one found, else "\n". */
  get eol(): string {
    if (this.cachedEol === undefined) {
      const m = /\r\n|\n|\r/.exec(this.text);
      this.cachedEol = m ? m[0] : '\n';
    }
    return this.cachedEol;
  }

  /** The file's own indentation step: a tab, or the smallest positive run of leading spaces (default 4). */
  get indentUnit(): string {
    if (this.cachedIndentUnit === undefined) {
      let tabs = 0;
      let smallest = Infinity;
      const counts = new Map<number, number>();
      for (let i = 0; i < this.lineStarts.length && i < 5000; i++) {
        const line = this.lineText(i);
        if (!line.trim() || line.trimStart().startsWith('#')) continue;
        const m = /^[ \t]+/.exec(line);
        if (!m) continue;
        if (m[0].startsWith('\t')) tabs++;
        else {
          counts.set(m[0].length, (counts.get(m[0].length) ?? 0) + 1);
          smallest = Math.min(smallest, m[0].length);
        }
      }
      const spaces = [...counts.values()].reduce((a, b) => a + b, 0);
      if (tabs > spaces) this.cachedIndentUnit = '\t';
      else if (smallest !== Infinity && smallest <= 8) this.cachedIndentUnit = ' '.repeat(smallest);
      else this.cachedIndentUnit = '    ';
    }
    return this.cachedIndentUnit;
  }

  /** Leading white space of `line`. */
  indentOf(line: number): string {
    return /^[ \t]*/.exec(this.lineText(line))![0];
  }
}

export function comparePositions(a: Position, b: Position): number {
  return a.line - b.line || a.character - b.character;
}

/**
 * Applies non-overlapping edits (any order) to `text`. Overlapping edits are a programming error
 * in a single fix; callers that combine fixes use `applyFixesInRounds` instead.
 */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const src = new SourceText(text);
  const sorted = edits
    .map((e) => ({ start: src.offsetAt(e.range.start), end: src.offsetAt(e.range.end), text: e.newText }))
    .sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let cursor = 0;
  for (const e of sorted) {
    if (e.start < cursor) throw new Error('overlapping edits');
    out += text.slice(cursor, e.start) + e.text;
    cursor = e.end;
  }
  return out + text.slice(cursor);
}

/** The smallest single edit turning `before` into `after`, never splitting "\r\n" or a surrogate pair. */
export function minimalEdit(before: string, after: string): TextEdit {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before.charCodeAt(endB - 1) === after.charCodeAt(endA - 1)) {
    endB--;
    endA--;
  }
  const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
  const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;
  const splits = (t: string, i: number) => i > 0 && i < t.length && ((t[i - 1] === '\r' && t[i] === '\n') || (isHigh(t.charCodeAt(i - 1)) && isLow(t.charCodeAt(i))));
  while (start > 0 && (splits(before, start) || splits(after, start))) start--;
  while ((splits(before, endB) || splits(after, endA)) && endB < before.length && endA < after.length) {
    endB++;
    endA++;
  }
  const src = new SourceText(before);
  return { range: { start: src.positionAt(start), end: src.positionAt(endB) }, newText: after.slice(start, endA) };
}
