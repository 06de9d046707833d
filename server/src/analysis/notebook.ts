/**
 * A notebook as one Python program: the Python code cells concatenated in cell order (a model defined
 * in cell 3 and trained in cell 7 is the same model), with a map from every position of that program
 * back to its cell and line, and from edits of the program back to edits of one cell.
 *
 * IPython-only lines are masked so positions map 1:1 and the parser never sees them: a line magic
 * (`%time x`), a shell escape (`!nvidia-smi`, `files = !ls`), a help request (`x?`), and every line of
 * a cell magic whose body is not Python (`%%bash`, `%%writefile`...) become comments of the same length
 * (their first non-blank character is replaced by `#`). `%%time` / `%%timeit` / `%%capture` cells keep
 * their Python body. Shell commands (`!cmd`, `%sx`/`%system`, `%%bash`/`%%sh` bodies) are collected in
 * `shellCommands`: rules may read them (TG203 counts `!nvidia-smi` as a GPU-memory report).
 *
 * Markdown and raw cells, and code cells in another language, are not part of the program.
 *
 * Used by the language server (notebook document sync) and the CLI (`.ipynb` files). No editor or
 * protocol import: positions are the analyser's 0-based lines and UTF-16 columns.
 */
import { SourceText, minimalEdit, type Position, type Range, type TextEdit } from './source';

export type CellKind = 'code' | 'markdown' | 'raw';

export interface CellInput {
  kind: CellKind;
  /** Language of a code cell; absent = the notebook's language (Python). */
  language?: string;
  text: string;
}

/** A span of masked IPython text, as offsets within the cell's text. */
export interface MaskedSpan {
  start: number;
  end: number;
}

export interface MaskResult {
  /** The cell's text with the IPython-only lines turned into comments (same length). */
  text: string;
  masked: MaskedSpan[];
  shellCommands: string[];
}

/** One Python cell's place in the program. */
export interface CellSegment {
  /** Index of the cell in the notebook's cell list (0-based, markdown and raw cells counted). */
  cell: number;
  /** Offset of the cell's first character in the program. */
  start: number;
  /** Length of the cell's text. */
  length: number;
  /** What follows the cell's text in the program: "\n" when the cell does not end with a line break. */
  sep: string;
  /** Program line of the cell's first line. */
  startLine: number;
  /** Program lines the cell (with its separator) occupies. */
  lineCount: number;
  /** The cell's own (unmasked) text. */
  raw: string;
  masked: MaskedSpan[];
}

/** Cell magics whose body is Python (the first line alone is IPython). */
const PYTHON_BODY_CELL_MAGICS = new Set(['time', 'timeit', 'capture', 'prun', 'debug', 'memit', 'mprun']);
/** Cell magics whose body is shell commands. */
const SHELL_CELL_MAGICS = new Set(['bash', 'sh', 'script', 'system']);

export function isPythonLanguage(language: string | undefined): boolean {
  return language === undefined || language === '' || language.toLowerCase() === 'python' || language.toLowerCase() === 'python3' || language.toLowerCase() === 'ipython';
}

export function isPythonCell(c: CellInput): boolean {
  return c.kind === 'code' && isPythonLanguage(c.language);
}

interface Line {
  start: number;
  /** End of the line's content (before its line break). */
  end: number;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      lines.push({ start, end: i });
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
  }
  lines.push({ start, end: text.length });
  return lines;
}

/**
 * Lexical state carried from one line to the next, enough to tell whether a line starts a new
 * statement (so `%` / `!` there is IPython, not a modulo or `!=` continuing an expression).
 */
interface ScanState {
  depth: number;
  /** The open triple-quoted string's quote, or null. */
  triple: string | null;
  /** The previous line ended with a backslash continuation. */
  continued: boolean;
}

function scanLine(text: string, from: number, to: number, s: ScanState): void {
  let i = from;
  s.continued = false;
  while (i < to) {
    const c = text[i];
    if (s.triple) {
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (text.startsWith(s.triple, i)) {
        i += 3;
        s.triple = null;
        continue;
      }
      i++;
      continue;
    }
    if (c === '#') return;
    if (c === '"' || c === "'") {
      if (text.startsWith(c.repeat(3), i)) {
        s.triple = c.repeat(3);
        i += 3;
        continue;
      }
      // a one-line string: to its closing quote or the end of the line
      i++;
      while (i < to && text[i] !== c) i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') s.depth++;
    else if (c === ')' || c === ']' || c === '}') s.depth = Math.max(0, s.depth - 1);
    else if (c === '\\' && i === to - 1) s.continued = true;
    i++;
  }
}

function maskLine(chars: string[], line: Line, text: string): number {
  let i = line.start;
  while (i < line.end && (text[i] === ' ' || text[i] === '\t')) i++;
  if (i < line.end) chars[i] = '#';
  return i;
}

/** Masks the IPython-only lines of one code cell (see the file comment). */
export function maskIPython(text: string): MaskResult {
  const lines = splitLines(text);
  const chars = text.split('');
  const masked: MaskedSpan[] = [];
  const shellCommands: string[] = [];
  let changed = false;
  const mask = (l: Line) => {
    const at = maskLine(chars, l, text);
    if (at < l.end) {
      masked.push({ start: at, end: l.end });
      changed = true;
    }
  };
  let first = 0;
  // a cell magic: `%%name args` on the first non-blank line
  while (first < lines.length && !text.slice(lines[first].start, lines[first].end).trim()) first++;
  const head = first < lines.length ? text.slice(lines[first].start, lines[first].end) : '';
  const cellMagic = /^\s*%%([A-Za-z_][\w.-]*)/.exec(head);
  let from = 0;
  if (cellMagic) {
    mask(lines[first]);
    const name = cellMagic[1];
    if (PYTHON_BODY_CELL_MAGICS.has(name)) from = first + 1;
    else {
      for (let k = first + 1; k < lines.length; k++) {
        const body = text.slice(lines[k].start, lines[k].end);
        if (body.trim()) {
          if (SHELL_CELL_MAGICS.has(name)) shellCommands.push(body.trim());
          mask(lines[k]);
        }
      }
      from = lines.length;
    }
  }
  const state: ScanState = { depth: 0, triple: null, continued: false };
  for (let k = from; k < lines.length; k++) {
    const l = lines[k];
    const content = text.slice(l.start, l.end);
    const atStatement = state.depth === 0 && !state.triple && !state.continued;
    if (atStatement) {
      const trimmed = content.trimStart();
      const shell = /^(?:[A-Za-z_][\w.,\s]*=\s*)?!!?(.*)$/.exec(trimmed);
      const magic = /^(?:[A-Za-z_][\w.,\s]*=\s*)?%(?!%)([A-Za-z_]\w*)(.*)$/.exec(trimmed);
      const help = /^\?\??[\w.]+|^[\w.]+\?\??$/.test(trimmed.trimEnd());
      if (shell && !trimmed.startsWith('!=')) {
        shellCommands.push(shell[1].trim());
        mask(l);
        continue;
      }
      if (magic) {
        if (magic[1] === 'sx' || magic[1] === 'system') shellCommands.push(magic[2].trim());
        mask(l);
        continue;
      }
      if (help) {
        mask(l);
        continue;
      }
    }
    scanLine(text, l.start, l.end, state);
  }
  return { text: changed ? chars.join('') : text, masked, shellCommands };
}

function endsWithBreak(text: string): boolean {
  const c = text.charCodeAt(text.length - 1);
  return c === 10 || c === 13;
}

function lineBreaks(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      n++;
    }
  }
  return n;
}


export interface CellEdits {
  /** The cell (index in the notebook's cell list). */
  cell: number;
  /** Edits in the cell's own coordinates, to apply to its (unmasked) text. */
  edits: TextEdit[];
  /** The cell's text after the edits. */
  text: string;
}

/** Why a program edit cannot be mapped to one cell. */
export type UnmappableReason = 'spans-cells' | 'touches-ipython' | 'outside-cells';

export class NotebookProgram {
  /** The program: Python cells (masked) in order, each followed by a line break. */
  readonly text: string;
  readonly segments: readonly CellSegment[];
  /** Shell commands the notebook runs (`!cmd`, `%%bash` bodies...), in cell order. */
  readonly shellCommands: readonly string[];
  private readonly source: SourceText;
  private readonly byCell = new Map<number, CellSegment>();

  private constructor(text: string, segments: CellSegment[], shellCommands: string[]) {
    this.text = text;
    this.segments = segments;
    this.shellCommands = shellCommands;
    this.source = new SourceText(text);
    for (const s of segments) this.byCell.set(s.cell, s);
  }

  /**
   * Builds the program of a notebook's cells. `masks` (optional) caches masking by cell text, so an
   * editor rebuilding after a keystroke re-masks only the cell that changed.
   */
  static fromCells(cells: readonly CellInput[], masks?: Map<string, MaskResult>): NotebookProgram {
    const parts: string[] = [];
    const segments: CellSegment[] = [];
    const shellCommands: string[] = [];
    let offset = 0;
    let line = 0;
    const used = masks ? new Map<string, MaskResult>() : null;
    cells.forEach((c, index) => {
      if (!isPythonCell(c)) return;
      let m = masks?.get(c.text);
      if (!m) m = maskIPython(c.text);
      used?.set(c.text, m);
      const sep = c.text.length && endsWithBreak(c.text) ? '' : '\n';
      const seg: CellSegment = { cell: index, start: offset, length: c.text.length, sep, startLine: line, lineCount: lineBreaks(c.text) + (sep ? 1 : 0), raw: c.text, masked: m.masked };
      segments.push(seg);
      parts.push(m.text, sep);
      shellCommands.push(...m.shellCommands);
      offset += c.text.length + sep.length;
      line += seg.lineCount;
    });
    if (masks && used) {
      masks.clear();
      for (const [k, v] of used) masks.set(k, v);
    }
    return new NotebookProgram(parts.join(''), segments, shellCommands);
  }

  /** The segment of a cell, or undefined when the cell is not part of the program. */
  segmentOf(cell: number): CellSegment | undefined {
    return this.byCell.get(cell);
  }

  /** The segment holding a program line (a line past the last cell belongs to the last cell). */
  segmentAtLine(line: number): CellSegment | undefined {
    const segs = this.segments;
    if (!segs.length || line < 0) return undefined;
    let lo = 0;
    let hi = segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segs[mid].startLine <= line) lo = mid;
      else hi = mid - 1;
    }
    return segs[lo];
  }

  /** A program position as a cell and a position in that cell. */
  toCell(pos: Position): { cell: number; position: Position } | null {
    const seg = this.segmentAtLine(pos.line);
    if (!seg) return null;
    return { cell: seg.cell, position: clampToCell(seg, { line: pos.line - seg.startLine, character: pos.character }) };
  }

  /** A program range as a range of the cell it starts in (its end clamped to that cell). */
  rangeToCell(range: Range): { cell: number; range: Range } | null {
    const start = this.toCell(range.start);
    if (!start) return null;
    const seg = this.byCell.get(start.cell)!;
    const endLine = range.end.line - seg.startLine;
    const end = endLine >= seg.lineCount ? cellEnd(seg) : clampToCell(seg, { line: endLine, character: range.end.character });
    return { cell: start.cell, range: { start: start.position, end } };
  }

  /** A position of a cell as a program position (null when the cell is not in the program). */
  fromCell(cell: number, pos: Position): Position | null {
    const seg = this.byCell.get(cell);
    if (!seg) return null;
    const p = clampToCell(seg, pos);
    return { line: seg.startLine + p.line, character: p.character };
  }

  fromCellRange(cell: number, range: Range): Range | null {
    const start = this.fromCell(cell, range.start);
    const end = this.fromCell(cell, range.end);
    return start && end ? { start, end } : null;
  }

  /**
   * Groups one fix's program edits by the cell each falls in: a fix that adds an import in the
   * imports cell and changes a call three cells below edits both cells. When all the edits fit one
   * cell they stay together (so a boundary insertion goes where the others are); otherwise each edit
   * must fall inside one cell on its own. Error when an edit crosses cells or touches IPython text.
   */
  groupEditsByCell(edits: readonly TextEdit[]): Map<number, TextEdit[]> | { error: UnmappableReason } {
    const whole = this.editsToCell(edits);
    if (!('error' in whole)) return new Map([[whole.cell, [...edits]]]);
    if (whole.error !== 'spans-cells') return whole;
    const groups = new Map<number, TextEdit[]>();
    for (const e of edits) {
      const one = this.editsToCell([e]);
      if ('error' in one) return one;
      groups.set(one.cell, [...(groups.get(one.cell) ?? []), e]);
    }
    return groups;
  }

  /** One fix's (or several fixes' grouped) program edits as edits of each cell they touch, by cell. */
  editsToCells(edits: readonly TextEdit[] | ReadonlyMap<number, readonly TextEdit[]>): CellEdits[] | { error: UnmappableReason } {
    const groups = 'get' in edits ? edits : this.groupEditsByCell(edits as readonly TextEdit[]);
    if ('error' in groups) return groups;
    const out: CellEdits[] = [];
    for (const [cell, group] of groups) {
      const m = this.editsToCell(group);
      if ('error' in m) return m;
      if (m.cell !== cell) return { error: 'spans-cells' };
      out.push(m);
    }
    return out.sort((a, b) => a.cell - b.cell);
  }

  /**
   * Maps one fix's program edits to edits of a single cell, or says why it cannot: the edits touch
   * two cells, or change masked IPython text (whose masked form must never be written back).
   * A pure insertion of whole lines at the boundary between two cells may go to either; it goes to
   * the cell the other edits are in, else to the end of the earlier cell (at column 0 both places
   * run in the same order). An indented insertion there continues the block the earlier cell ends
   * with, so it goes there only (each cell is compiled on its own: a later cell cannot start
   * indented). Text that does not end a line prefixes the next cell's first line: that cell only.
   */
  editsToCell(edits: readonly TextEdit[]): CellEdits | { error: UnmappableReason } {
    if (!edits.length) return { error: 'outside-cells' };
    const spans = edits.map((e) => ({ s: this.source.offsetAt(e.range.start), e: this.source.offsetAt(e.range.end), text: e.newText }));
    let candidates: CellSegment[] | null = null;
    for (const sp of spans) {
      const here = this.segments.filter((seg) => {
        const end = seg.start + seg.length + seg.sep.length;
        if (seg.start > sp.s || sp.e > end) return false;
        // an indented insertion at the start of a cell continues the block the previous cell ends with
        if (sp.s === seg.start && sp.s === sp.e && seg.start > 0 && /^[ \t]/.test(sp.text)) return false;
        if (sp.s < end) return true;
        // an insertion at the start of the next cell: this cell's end only for whole lines
        return sp.s === sp.e && (sp.text === '' || endsWithBreak(sp.text));
      });
      if (!here.length) return { error: this.segments.some((seg) => sp.s < seg.start + seg.length + seg.sep.length && seg.start < sp.e) ? 'spans-cells' : 'outside-cells' };
      candidates = candidates ? candidates.filter((c) => here.includes(c)) : here;
      if (!candidates.length) return { error: 'spans-cells' };
    }
    const seg = candidates![0];
    for (const sp of spans) {
      const s = sp.s - seg.start;
      const e = sp.e - seg.start;
      for (const m of seg.masked) {
        if (s === e ? m.start < s && s < m.end : s < m.end && m.start < e) return { error: 'touches-ipython' };
      }
    }
    const local = spans.map((sp) => ({ s: sp.s - seg.start, e: sp.e - seg.start, text: sp.text })).sort((a, b) => a.s - b.s || a.e - b.e);
    let out = '';
    let cursor = 0;
    const body = seg.raw + seg.sep;
    for (const sp of local) {
      if (sp.s < cursor) return { error: 'outside-cells' };
      out += body.slice(cursor, sp.s) + sp.text;
      cursor = sp.e;
    }
    out += body.slice(cursor);
    // the separator is the program's, not the cell's: drop it again when it survived
    const text = seg.sep && out.endsWith(seg.sep) ? out.slice(0, -seg.sep.length) : out;
    if (local.every((sp) => sp.e <= seg.length)) {
      const cellSrc = cellSource(seg);
      return { cell: seg.cell, text, edits: local.map((sp) => ({ range: { start: cellSrc.positionAt(sp.s), end: cellSrc.positionAt(sp.e) }, newText: sp.text })) };
    }
    return { cell: seg.cell, text, edits: text === seg.raw ? [] : [minimalEdit(seg.raw, text)] };
  }
}

const cellSources = new WeakMap<CellSegment, SourceText>();

function cellSource(seg: CellSegment): SourceText {
  let src = cellSources.get(seg);
  if (!src) cellSources.set(seg, (src = new SourceText(seg.raw)));
  return src;
}

function clampToCell(seg: CellSegment, pos: Position): Position {
  const src = cellSource(seg);
  if (pos.line < 0) return { line: 0, character: 0 };
  if (pos.line >= src.lineCount) return cellEnd(seg);
  const max = src.lineEndOffset(pos.line) - src.lineStartOffset(pos.line);
  return { line: pos.line, character: Math.max(0, Math.min(pos.character, max)) };
}

function cellEnd(seg: CellSegment): Position {
  return cellSource(seg).positionAt(seg.raw.length);
}
