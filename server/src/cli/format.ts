/**
 * Output formats of `trainguard check`. JSON follows Ruff's shape (rows and columns 1-based) so tools
 * that read Ruff's output read ours.
 */
import type { Finding } from '../rules/types';
import { docsUrl } from '../rules/types';
import type { Position } from '../analysis/source';

export interface FileReport {
  filename: string;
  findings: Finding[];
  /** A problem with the file itself (unreadable, not UTF-8, broken notebook). */
  notes: string[];
  /** For notebooks: each Python cell's number (1-based, every cell counted) and first line in the analysed program, in order. */
  cells?: { cell: number; startLine: number }[];
}

/** For a notebook's report: the cell (1-based) and 0-based line in the cell of an analysed line. */
export function cellOf(r: FileReport, line: number): { cell: number; line: number } | null {
  const cells = r.cells;
  if (!cells?.length) return null;
  let lo = 0;
  let hi = cells.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (cells[mid].startLine <= line) lo = mid;
    else hi = mid - 1;
  }
  return { cell: cells[lo].cell, line: Math.max(0, line - cells[lo].startLine) };
}

export interface JsonFinding {
  code: string;
  message: string;
  severity: string;
  filename: string;
  cell: number | null;
  location: { row: number; column: number };
  end_location: { row: number; column: number };
  fix: { message: string; applicability: string; edits: { content: string; location: { row: number; column: number }; end_location: { row: number; column: number } }[] } | null;
  url: string;
}

function loc(p: Position, r: FileReport): { row: number; column: number } {
  const c = cellOf(r, p.line);
  return { row: (c ? c.line : p.line) + 1, column: p.character + 1 };
}

export function toJson(reports: FileReport[]): JsonFinding[] {
  const out: JsonFinding[] = [];
  for (const r of reports) {
    for (const f of r.findings) {
      out.push({
        code: f.code,
        message: f.message,
        severity: f.severity,
        filename: r.filename,
        cell: cellOf(r, f.range.start.line)?.cell ?? null,
        location: loc(f.range.start, r),
        end_location: loc(f.range.end, r),
        fix: f.fix
          ? { message: f.fix.title, applicability: f.fix.applicability, edits: f.fix.edits.map((e) => ({ content: e.newText, location: loc(e.range.start, r), end_location: loc(e.range.end, r) })) }
          : null,
        url: docsUrl(f.code),
      });
    }
  }
  return out;
}

const SEVERITY_LABEL: Record<string, string> = { error: 'error', warning: 'warning', information: 'info' };

export function toText(reports: FileReport[], color: boolean): string {
  const lines: string[] = [];
  const paint = (code: string, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  for (const r of reports) {
    for (const note of r.notes) lines.push(`${paint('1', r.filename)}: ${paint('33', 'note')}: ${note}`);
    for (const f of r.findings) {
      const c = cellOf(r, f.range.start.line);
      const where = c ? `cell ${c.cell}:${c.line + 1}:${f.range.start.character + 1}` : `${f.range.start.line + 1}:${f.range.start.character + 1}`;
      const fixable = f.fix ? paint('32', ' [*]') : '';
      const sev = SEVERITY_LABEL[f.severity];
      const sevColored = paint(f.severity === 'error' ? '31' : f.severity === 'warning' ? '33' : '36', sev);
      lines.push(`${paint('1', r.filename)}:${where}: ${paint('1;31', f.code)}${fixable} ${sevColored}: ${f.message}`);
    }
  }
  return lines.join('\n');
}

export function summary(reports: FileReport[]): string {
  const n = reports.reduce((a, r) => a + r.findings.length, 0);
  const fixable = reports.reduce((a, r) => a + r.findings.filter((f) => f.fix?.applicability === 'safe').length, 0);
  if (!n) return `All checks passed (${reports.length} file${reports.length === 1 ? '' : 's'}).`;
  return `Found ${n} problem${n === 1 ? '' : 's'} in ${reports.filter((r) => r.findings.length).length} of ${reports.length} file${reports.length === 1 ? '' : 's'}.` + (fixable ? `\n[*] ${fixable} fixable with \`trainguard check --fix\`.` : '');
}
