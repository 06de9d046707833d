/**
 * Output formats of `trainguard check`. JSON follows Ruff's shape (rows and columns 1-based) so tools
 * that read Ruff's output read ours.
 */
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { Finding, Rule, Severity } from '../rules/types';
import { docsUrl } from '../rules/types';
import type { Position } from '../analysis/source';

export interface FileReport {
  filename: string;
  findings: Finding[];
  /** A problem with the file itself (unreadable, not UTF-8, broken notebook). */
  notes: string[];
  /**
   * For notebooks: each Python cell's number (1-based, every cell counted), its first line in the
   * analysed program, and for each of its lines the 0-based line of the .ipynb file holding it (a
   * list-form source has a JSON string per line; a string-form source is on one file line).
   */
  cells?: { cell: number; startLine: number; fileLines?: number[] }[];
}

/** For a notebook's report: the cell (1-based) and 0-based line in the cell of an analysed line. */
export function cellOf(r: FileReport, line: number): { cell: number; line: number; fileLine: number | null } | null {
  const cells = r.cells;
  if (!cells?.length) return null;
  let lo = 0;
  let hi = cells.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (cells[mid].startLine <= line) lo = mid;
    else hi = mid - 1;
  }
  const inCell = Math.max(0, line - cells[lo].startLine);
  const fl = cells[lo].fileLines;
  return { cell: cells[lo].cell, line: inCell, fileLine: fl?.length ? fl[Math.min(inCell, fl.length - 1)] : null };
}

/** An input that could not be checked (unreadable, a broken notebook, an internal error while checking it). */
export interface InputFailure {
  filename: string;
  message: string;
}

export interface JsonFinding {
  /** Null for an input that could not be checked (as Ruff's JSON gives a syntax error no code). */
  code: string | null;
  message: string;
  severity: string;
  filename: string;
  cell: number | null;
  location: { row: number; column: number };
  end_location: { row: number; column: number };
  fix: { message: string; applicability: string; edits: { content: string; location: { row: number; column: number }; end_location: { row: number; column: number } }[] } | null;
  url: string | null;
}

function loc(p: Position, r: FileReport): { row: number; column: number } {
  const c = cellOf(r, p.line);
  return { row: (c ? c.line : p.line) + 1, column: p.character + 1 };
}

/** The JSON entry of an input that could not be checked: an error at 1:1 with no code, no fix, no url. */
function failureEntry(f: InputFailure): JsonFinding {
  const at = { row: 1, column: 1 };
  return { code: null, message: f.message, severity: 'error', filename: f.filename, cell: null, location: at, end_location: at, fix: null, url: null };
}

/** The findings, then an error entry for each input that could not be checked. */
export function toJson(reports: FileReport[], failures: readonly InputFailure[] = []): JsonFinding[] {
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
  for (const f of failures) out.push(failureEntry(f));
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

/** `file:line:col: CODE message` (`file:cell N:line:col: ...` in a notebook), one line per finding. */
export function toConcise(reports: FileReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    for (const f of r.findings) {
      const c = cellOf(r, f.range.start.line);
      const where = c ? `cell ${c.cell}:${c.line + 1}` : `${f.range.start.line + 1}`;
      lines.push(`${r.filename}:${where}:${f.range.start.character + 1}: ${f.code} ${f.message}`);
    }
  }
  return lines.join('\n');
}

/** JSON Lines: the objects of the JSON output, one per line. */
export function toJsonLines(reports: FileReport[], failures: readonly InputFailure[] = []): string {
  return toJson(reports, failures)
    .map((x) => JSON.stringify(x))
    .join('\n');
}

// GitHub workflow commands: data escapes %, CR, LF; property values also ':' and ','
const ghData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const ghProp = (s: string) => ghData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
const GH_LEVEL: Record<Severity, string> = { error: 'error', warning: 'warning', information: 'notice' };

/**
 * GitHub Actions annotations: `::error file=F,line=L,col=C,endLine=..,endColumn=..,title=TG303::message`.
 * In a notebook the line is the .ipynb file's line holding that source line (columns are left out:
 * inside a JSON string they do not match), and the message starts with `cell N:line:col:`.
 */
export function toGithub(reports: FileReport[], failures: readonly InputFailure[] = []): string {
  const lines: string[] = [];
  for (const r of reports) {
    for (const f of r.findings) {
      const c = cellOf(r, f.range.start.line);
      let props: string;
      let message = f.message;
      if (c) {
        const end = cellOf(r, f.range.end.line);
        const endLine = end && end.cell === c.cell && end.fileLine !== null ? end.fileLine : c.fileLine;
        props = c.fileLine !== null ? `,line=${c.fileLine + 1},endLine=${Math.max(c.fileLine, endLine ?? c.fileLine) + 1}` : '';
        message = `cell ${c.cell}:${c.line + 1}:${f.range.start.character + 1}: ${message}`;
      } else {
        props = `,line=${f.range.start.line + 1},col=${f.range.start.character + 1},endLine=${f.range.end.line + 1},endColumn=${f.range.end.character + 1}`;
      }
      lines.push(`::${GH_LEVEL[f.severity]} file=${ghProp(r.filename)}${props},title=${ghProp(f.code)}::${ghData(message)}`);
    }
  }
  for (const f of failures) lines.push(`::error file=${ghProp(f.filename)},title=${ghProp('trainguard: not checked')}::${ghData(f.message)}`);
  return lines.join('\n');
}

export interface Statistic {
  code: string;
  name: string;
  count: number;
  /** How many of them have a fix. */
  fixable: number;
}

/** Findings counted per code (Ruff's --statistics): most frequent first, then by code. */
export function statistics(reports: FileReport[], rules: readonly Rule[]): Statistic[] {
  const byCode = new Map<string, Statistic>();
  const names = new Map(rules.map((r) => [r.meta.code, r.meta.name]));
  for (const r of reports) {
    for (const f of r.findings) {
      const st = byCode.get(f.code) ?? { code: f.code, name: names.get(f.code) ?? '', count: 0, fixable: 0 };
      st.count++;
      if (f.fix) st.fixable++;
      byCode.set(f.code, st);
    }
  }
  return [...byCode.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code, 'en', { numeric: true }));
}

export function statisticsText(stats: Statistic[]): string {
  const width = Math.max(1, ...stats.map((s) => String(s.count).length));
  const codeWidth = Math.max(0, ...stats.map((s) => s.code.length));
  return stats.map((s) => `${String(s.count).padStart(width)}\t${s.code.padEnd(codeWidth)}\t${s.fixable === s.count ? '[*] ' : s.fixable ? '[-] ' : '    '}${s.name}`).join('\n');
}

const SARIF_LEVEL: Record<Severity, string> = { error: 'error', warning: 'warning', information: 'note' };

export interface SarifOptions {
  rules: readonly Rule[];
  version: string;
  /** Folder the artifact URIs are relative to (`%SRCROOT%`). */
  root: string;
  /** Other problems (a path that does not exist, a rule that failed on a file), as tool notifications. */
  errors: string[];
  /** Inputs that could not be checked: error notifications located at the file. */
  failures?: readonly InputFailure[];
}

function artifactUri(file: string, root: string): string {
  const abs = path.resolve(file);
  const rel = path.relative(root, abs);
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).map(encodeURIComponent).join('/');
  return pathToFileURL(abs).href;
}

/**
 * SARIF 2.1.0 (what GitHub code scanning and other review tools read): one run, the rules with their
 * metadata and docs link, each finding with its region (UTF-16 columns, as the analyser counts) and
 * its fix as `fixes[].artifactChanges`. In a notebook the region is the .ipynb file's line holding the
 * source line, the cell is named in the message and in `properties`, and no fix is given (a
 * replacement inside a JSON string cannot be expressed on the file's text).
 */
export function toSarif(reports: FileReport[], opts: SarifOptions): object {
  const index = new Map(opts.rules.map((r, i) => [r.meta.code, i]));
  const rules = opts.rules.map((r) => ({
    id: r.meta.code,
    name: r.meta.name,
    shortDescription: { text: r.meta.summary },
    helpUri: docsUrl(r.meta.code),
    help: { text: `${r.meta.summary}. See ${docsUrl(r.meta.code)}` },
    defaultConfiguration: { level: SARIF_LEVEL[r.meta.severity] },
    properties: { fixable: r.meta.fixable, section: r.meta.section },
  }));
  const results: object[] = [];
  const failures = opts.failures ?? [];
  const notifications: object[] = opts.errors.map((e) => ({ level: 'error', message: { text: e } }));
  for (const f of failures) {
    const uri = artifactUri(f.filename, opts.root);
    const artifactLocation = uri.startsWith('file:') ? { uri } : { uri, uriBaseId: '%SRCROOT%' };
    notifications.push({ level: 'error', message: { text: `${f.filename}: ${f.message}` }, locations: [{ physicalLocation: { artifactLocation } }] });
  }
  for (const r of reports) {
    const uri = artifactUri(r.filename, opts.root);
    const artifactLocation = uri.startsWith('file:') ? { uri } : { uri, uriBaseId: '%SRCROOT%' };
    for (const note of r.notes) notifications.push({ level: 'note', message: { text: note }, locations: [{ physicalLocation: { artifactLocation } }] });
    for (const f of r.findings) {
      const c = cellOf(r, f.range.start.line);
      const region = (start: Position, end: Position) => ({ startLine: start.line + 1, startColumn: start.character + 1, endLine: end.line + 1, endColumn: end.character + 1 });
      const result: Record<string, unknown> = {
        ruleId: f.code,
        level: SARIF_LEVEL[f.severity],
        message: { text: c ? `cell ${c.cell}:${c.line + 1}:${f.range.start.character + 1}: ${f.message}` : f.message },
      };
      const i = index.get(f.code);
      if (i !== undefined) result.ruleIndex = i;
      if (c) {
        const loc: Record<string, unknown> = { artifactLocation };
        if (c.fileLine !== null) loc.region = { startLine: c.fileLine + 1 };
        result.locations = [{ physicalLocation: loc }];
        result.properties = { cell: c.cell, cellLine: c.line + 1, cellColumn: f.range.start.character + 1 };
      } else {
        result.locations = [{ physicalLocation: { artifactLocation, region: region(f.range.start, f.range.end) } }];
        if (f.fix) {
          result.fixes = [
            {
              description: { text: `${f.fix.title}${f.fix.applicability === 'unsafe' ? ' (unsafe: review it)' : ''}` },
              artifactChanges: [{ artifactLocation, replacements: f.fix.edits.map((e) => ({ deletedRegion: region(e.range.start, e.range.end), insertedContent: { text: e.newText } })) }],
            },
          ];
        }
      }
      results.push(result);
    }
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'trainguard', fullName: 'Train Guard', version: opts.version, semanticVersion: opts.version, informationUri: 'https://github.com/trainguard/train-guard', rules } },
        invocations: [{ executionSuccessful: opts.errors.length === 0 && failures.length === 0, toolExecutionNotifications: notifications }],
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(opts.root + path.sep).href } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}
