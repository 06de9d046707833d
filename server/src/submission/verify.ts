/**
 * Verifies a competition submission CSV, optionally against the competition's sample_submission.csv
 * (the checklist of the Kaggle hints, sections 2C and 9), and repairs what is safe to repair.
 *
 * Checks: the text is readable CSV (not binary, quotes closed), it has a header and at least one data
 * row, every row has as many cells as the header, no cell is missing or not finite (empty, `nan`, `NA`,
 * `null`... as pandas reads them, `inf`, `-inf`, `Infinity`...). With a sample: the columns and their
 * order equal the sample's, the ids (the sample's first column) are the sample's ids (no duplicate,
 * none missing, none unexpected), the row count is the sample's, and (a warning only) the rows are in
 * the sample's order.
 *
 * Positions are 1-based: `row` counts CSV records with the header as row 1 (blank lines are skipped,
 * a quoted multi-line cell stays one row), `column` counts cells from the left.
 *
 * `fixSubmission` repairs only:
 * - the column order, when the header holds exactly the sample's columns in another order;
 * - missing values (empty / NaN-like cells) in a numeric column other than the id column: a column
 *   whose present values are all finite numbers in [0, 1] with at least one non-integer is taken as
 *   probabilities and filled with `0.5`; any other numeric column (integer labels, regression
 *   targets) is filled with its median, the lower middle value when the count is even, written as it
 *   appears in the file, so an integer column stays integer.
 * Infinite values, missing text cells, bad ids and wrong row counts are left for the user: no
 * default for them is certainly right. The fixed text keeps the BOM and line endings of the input;
 * cells are re-quoted only where CSV needs it.
 *
 * No vscode / language-server import: the CLI and the extension both use this module.
 */
import { parse } from 'csv-parse/sync';

export type ProblemKind =
  | 'unreadable'
  | 'empty'
  | 'no-rows'
  | 'ragged-row'
  | 'duplicate-column'
  | 'missing-value'
  | 'infinite-value'
  | 'missing-column'
  | 'extra-column'
  | 'column-order'
  | 'duplicate-id'
  | 'missing-id'
  | 'unexpected-id'
  | 'row-count'
  | 'row-order'
  | 'too-many';

export interface SubmissionProblem {
  kind: ProblemKind;
  /** 'warning' problems (row order) are shown but do not make the file invalid. */
  severity: 'error' | 'warning';
  message: string;
  /** 1-based record number, header = 1; null when the problem is about the whole file. */
  row: number | null;
  /** 1-based column; null when the problem is about a whole row or the file. */
  column: number | null;
}

export interface VerifyOptions {
  /** Detailed problems per kind before one "... and N more" line (default 20). */
  maxPerKind?: number;
}

export interface VerifyResult {
  /** No error-severity problem. */
  valid: boolean;
  problems: SubmissionProblem[];
  /** Data rows (header excluded), 0 when unreadable. */
  rows: number;
  header: string[];
  /** Whether a sample was given and readable (column / id checks ran). */
  checkedAgainstSample: boolean;
}

export interface FixResult {
  /** The repaired text, or null when nothing was changed. */
  text: string | null;
  /** One line per change, for the user. */
  changes: string[];
  /** The verification of the result (of the input when nothing changed). */
  after: VerifyResult;
}

/** A sample that cannot be used (unreadable, no header): the caller reports it as an input error. */
export class SampleError extends Error {}

const NA_TOKENS = new Set(
  ['', '#n/a', '#n/a n/a', '#na', '-1.#ind', '-1.#qnan', '-nan', '1.#ind', '1.#qnan', '<na>', 'n/a', 'na', 'null', 'nan', 'none'].map((s) => s.toLowerCase()),
);
const INF_TOKENS = new Set(['inf', '+inf', '-inf', 'infinity', '+infinity', '-infinity']);

/** The cell is missing as pandas.read_csv would read it (empty, NaN, NA, null, None...). */
export function isMissing(cell: string): boolean {
  return NA_TOKENS.has(cell.trim().toLowerCase());
}

/** The cell is an infinite number (`inf`, `-Infinity`, `1e999`...). */
export function isInfinite(cell: string): boolean {
  const t = cell.trim().toLowerCase();
  if (INF_TOKENS.has(t)) return true;
  const n = Number(t);
  return t !== '' && !Number.isNaN(n) && !Number.isFinite(n);
}

function finiteNumber(cell: string): number | null {
  const t = cell.trim();
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

interface Parsed {
  bom: boolean;
  eol: string;
  trailingEol: boolean;
  records: string[][];
}

type ParseOutcome = { ok: true; parsed: Parsed } | { ok: false; problem: SubmissionProblem };

function parseCsv(text: string): ParseOutcome {
  const bom = text.startsWith('\ufeff');
  const body = bom ? text.slice(1) : text;
  if (body.includes('\u0000')) {
    return { ok: false, problem: fileProblem('unreadable', 'not a CSV file: it holds NUL bytes (binary data)') };
  }
  if (body.trim() === '') return { ok: false, problem: fileProblem('empty', 'the file is empty: no header, no rows') };
  let records: string[][];
  try {
    records = parse(body, { relax_column_count: true, skip_empty_lines: true }) as string[][];
  } catch (e) {
    const err = e as { message?: string; lines?: number };
    const where = typeof err.lines === 'number' ? err.lines : null;
    return { ok: false, problem: { kind: 'unreadable', severity: 'error', message: `not readable as CSV: ${err.message ?? String(e)}`, row: where, column: null } };
  }
  // a file of only blank-looking lines parses to records of one empty cell
  records = records.filter((r) => !(r.length === 1 && r[0].trim() === ''));
  if (!records.length) return { ok: false, problem: fileProblem('empty', 'the file is empty: no header, no rows') };
  const eol = body.includes('\r\n') ? '\r\n' : body.includes('\r') && !body.includes('\n') ? '\r' : '\n';
  return { ok: true, parsed: { bom, eol, trailingEol: /[\r\n]$/.test(body), records } };
}

function fileProblem(kind: ProblemKind, message: string): SubmissionProblem {
  return { kind, severity: 'error', message, row: null, column: null };
}

/** Collects problems, keeping at most `max` per kind and counting the rest. */
class Problems {
  readonly list: SubmissionProblem[] = [];
  private readonly counts = new Map<ProblemKind, number>();
  constructor(private readonly max: number) {}
  add(p: SubmissionProblem): void {
    const n = (this.counts.get(p.kind) ?? 0) + 1;
    this.counts.set(p.kind, n);
    if (n <= this.max) this.list.push(p);
  }
  finish(): SubmissionProblem[] {
    // whole-file problems first, then by row and column (the sort is stable)
    this.list.sort((a, b) => (a.row ?? 0) - (b.row ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    for (const [kind, n] of this.counts) {
      if (n > this.max) {
        const severity = this.list.find((p) => p.kind === kind)?.severity ?? 'error';
        this.list.push({ kind: 'too-many', severity, message: `... and ${n - this.max} more ${kind} problem${n - this.max === 1 ? '' : 's'}`, row: null, column: null });
      }
    }
    return this.list;
  }
}

function quoteList(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}

/** Verifies `text`; with `sampleText`, against the sample. Throws SampleError only for an unusable sample. */
export function verifySubmission(text: string, sampleText?: string | null, options: VerifyOptions = {}): VerifyResult {
  const sample = sampleText == null ? null : parseSample(sampleText);
  return verifyParsed(parseCsv(text), sample, options);
}

function parseSample(sampleText: string): string[][] {
  const s = parseCsv(sampleText);
  if (!s.ok) throw new SampleError(`the sample submission cannot be used: ${s.problem.message}`);
  return s.parsed.records;
}

function verifyParsed(outcome: ParseOutcome, sample: string[][] | null, options: VerifyOptions): VerifyResult {
  const checkedAgainstSample = sample !== null;
  if (!outcome.ok) return { valid: false, problems: [outcome.problem], rows: 0, header: [], checkedAgainstSample };
  const records = outcome.parsed.records;
  const header = records[0];
  const data = records.slice(1);
  const out = new Problems(Math.max(1, options.maxPerKind ?? 20));

  if (!data.length) out.add(fileProblem('no-rows', 'the file has a header but no data rows'));

  const seen = new Map<string, number>();
  header.forEach((name, i) => {
    const first = seen.get(name);
    if (first !== undefined) out.add({ kind: 'duplicate-column', severity: 'error', message: `column "${name}" appears twice (columns ${first + 1} and ${i + 1})`, row: 1, column: i + 1 });
    else seen.set(name, i);
  });

  data.forEach((cells, r) => {
    const row = r + 2;
    if (cells.length !== header.length) {
      out.add({ kind: 'ragged-row', severity: 'error', message: `row has ${cells.length} cell${cells.length === 1 ? '' : 's'}, the header has ${header.length}`, row, column: null });
    }
    cells.forEach((cell, c) => {
      const name = header[c] ?? `#${c + 1}`;
      if (isMissing(cell)) out.add({ kind: 'missing-value', severity: 'error', message: `missing value (${cell.trim() === '' ? 'empty cell' : `"${cell.trim()}"`}) in column "${name}"`, row, column: c + 1 });
      else if (isInfinite(cell)) out.add({ kind: 'infinite-value', severity: 'error', message: `infinite value "${cell.trim()}" in column "${name}"`, row, column: c + 1 });
    });
  });

  if (sample) checkAgainstSample(header, data, sample, out);

  const problems = out.finish();
  return { valid: !problems.some((p) => p.severity === 'error'), problems, rows: data.length, header, checkedAgainstSample };
}

function checkAgainstSample(header: string[], data: string[][], sample: string[][], out: Problems): void {
  const sHeader = sample[0];
  const sData = sample.slice(1);
  const missing = sHeader.filter((n) => !header.includes(n));
  const extra = header.filter((n) => !sHeader.includes(n));
  for (const n of missing) {
    const near = header.find((h) => h.trim().toLowerCase() === n.trim().toLowerCase());
    out.add({ kind: 'missing-column', severity: 'error', message: `column "${n}" of the sample is missing${near !== undefined ? ` (found "${near}": names must match exactly)` : ''}`, row: 1, column: null });
  }
  header.forEach((n, i) => {
    if (extra.includes(n)) out.add({ kind: 'extra-column', severity: 'error', message: `column "${n}" is not in the sample (expected ${quoteList(sHeader)})`, row: 1, column: i + 1 });
  });
  if (!missing.length && !extra.length && header.length === sHeader.length && header.some((n, i) => n !== sHeader[i])) {
    const i = header.findIndex((n, k) => n !== sHeader[k]);
    out.add({ kind: 'column-order', severity: 'error', message: `columns are in the order ${quoteList(header)}; the sample's order is ${quoteList(sHeader)}`, row: 1, column: i + 1 });
  }

  if (data.length !== sData.length) {
    out.add({ kind: 'row-count', severity: 'error', message: `${data.length} data row${data.length === 1 ? '' : 's'}; the sample has ${sData.length}`, row: null, column: null });
  }

  const idName = sHeader[0];
  const idCol = header.indexOf(idName);
  if (idCol < 0 || !data.length) return;
  const sampleIds = new Map<string, number>();
  sData.forEach((cells, r) => {
    const id = (cells[0] ?? '').trim();
    if (!sampleIds.has(id)) sampleIds.set(id, r + 2);
  });
  const firstRow = new Map<string, number>();
  const order: string[] = [];
  data.forEach((cells, r) => {
    const row = r + 2;
    const raw = cells[idCol];
    if (raw === undefined || isMissing(raw)) return; // reported as ragged-row / missing-value
    const id = raw.trim();
    const first = firstRow.get(id);
    if (first !== undefined) {
      out.add({ kind: 'duplicate-id', severity: 'error', message: `id "${id}" appears again (first at row ${first})`, row, column: idCol + 1 });
      return;
    }
    firstRow.set(id, row);
    order.push(id);
    if (!sampleIds.has(id)) out.add({ kind: 'unexpected-id', severity: 'error', message: `id "${id}" is not in the sample`, row, column: idCol + 1 });
  });
  for (const [id, sRow] of sampleIds) {
    if (!firstRow.has(id)) out.add({ kind: 'missing-id', severity: 'error', message: `id "${id}" (sample row ${sRow}) has no row`, row: null, column: idCol + 1 });
  }
  // order: compare the ids both files share, in file order
  const sampleOrder = [...sampleIds.keys()].filter((id) => firstRow.has(id));
  const shared = order.filter((id) => sampleIds.has(id));
  const k = shared.findIndex((id, i) => id !== sampleOrder[i]);
  if (k >= 0) {
    out.add({ kind: 'row-order', severity: 'warning', message: `rows are not in the sample's order: id "${shared[k]}" where the sample has "${sampleOrder[k]}" (some graders match rows by position)`, row: firstRow.get(shared[k]) ?? null, column: idCol + 1 });
  }
}

/** Repairs the safe problems (column order, missing numbers) and verifies the result. */
export function fixSubmission(text: string, sampleText?: string | null, options: VerifyOptions = {}): FixResult {
  const sample = sampleText == null ? null : parseSample(sampleText);
  const outcome = parseCsv(text);
  if (!outcome.ok) return { text: null, changes: [], after: verifyParsed(outcome, sample, options) };
  const { bom, eol, trailingEol } = outcome.parsed;
  let records = outcome.parsed.records.map((r) => [...r]);
  const changes: string[] = [];
  let header = records[0];
  const uniqueHeader = new Set(header).size === header.length;

  if (sample && uniqueHeader) {
    const sHeader = sample[0];
    const sameSet = header.length === sHeader.length && new Set(sHeader).size === sHeader.length && sHeader.every((n) => header.includes(n));
    if (sameSet && header.some((n, i) => n !== sHeader[i]) && records.every((r) => r.length === header.length)) {
      const from = sHeader.map((n) => header.indexOf(n));
      records = records.map((r) => from.map((i) => r[i]));
      changes.push(`reordered the columns to the sample's order: ${quoteList(sHeader)}`);
      header = records[0];
    }
  }

  const idCol = sample ? header.indexOf(sample[0][0]) : -1;
  const data = records.slice(1);
  for (let c = 0; c < header.length; c++) {
    if (c === idCol) continue;
    const present: { n: number; s: string }[] = [];
    const holes: number[] = [];
    let numeric = true;
    data.forEach((cells, r) => {
      const cell = cells[c];
      if (cell === undefined) return;
      if (isMissing(cell)) holes.push(r);
      else if (isInfinite(cell)) return; // numeric, but not a value to compute a default from
      else {
        const n = finiteNumber(cell);
        if (n === null) numeric = false;
        else present.push({ n, s: cell.trim() });
      }
    });
    if (!holes.length || !numeric || !present.length) continue;
    const probability = present.every((p) => p.n >= 0 && p.n <= 1) && present.some((p) => !Number.isInteger(p.n));
    let fill: string;
    if (probability) fill = '0.5';
    else {
      const sorted = [...present].sort((a, b) => a.n - b.n);
      fill = sorted[Math.floor((sorted.length - 1) / 2)].s;
    }
    for (const r of holes) data[r][c] = fill;
    changes.push(`filled ${holes.length} missing value${holes.length === 1 ? '' : 's'} in column "${header[c]}" with ${fill} (${probability ? 'probability column' : 'the column median'})`);
  }

  if (!changes.length) return { text: null, changes, after: verifyParsed(outcome, sample, options) };
  const fixed = (bom ? '\ufeff' : '') + records.map((r) => r.map(csvCell).join(',')).join(eol) + (trailingEol ? eol : '');
  return { text: fixed, changes, after: verifyParsed(parseCsv(fixed), sample, options) };
}

function csvCell(cell: string): string {
  return /[",\r\n]|^\s|\s$/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** Where to look for the sample of `file`: its folder, then up to `levels` parents (nearest first). */
export function sampleCandidates(file: string, levels = 5, sep: '/' | '\\' = '/'): string[] {
  const parts = file.split(/[\\/]/);
  parts.pop();
  const out: string[] = [];
  for (let up = 0; up <= levels && parts.length > 0; up++) {
    const dir = parts.join(sep);
    out.push((dir === '' ? '' : dir) + sep + 'sample_submission.csv');
    if (parts.length === 1) break;
    parts.pop();
  }
  return out;
}
