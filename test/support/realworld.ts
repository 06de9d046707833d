/**
 * Scores Train Guard against the real-code corpus (test/realworld, issue 16): runs the CLI as a user
 * would (`trainguard check --output-format json` on each repository's folder, each one project
 * whose imports are followed), then matches its findings to
 * the labels of test/realworld/labels.json.
 *
 * Matching: a finding matches a label when the code is the same, the cell is the same (notebooks), and
 * its line is within 3 lines of the label's line or of one of its `alt_lines`. Each finding takes the
 * nearest label not yet matched; a second report of an already-matched label is a duplicate (neither a
 * TP nor an FP); a finding that matches only an ambiguous label is not scored.
 */
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';

export const REALWORLD = path.resolve(__dirname, '..', '..', '..', 'test', 'realworld');
const ROOT = path.resolve(REALWORLD, '..', '..');
export const WINDOW = 3;

export interface Label { code: string; line: number; alt_lines?: number[]; cell?: number; why: string }
export interface FileLabels { expected: Label[]; ambiguous?: Label[]; notes?: string }
export interface Reported { file: string; code: string; line: number; cell: number | null; message: string }

export interface RuleScore { tp: number; fp: number; fn: number; precision: number; recall: number }
export interface Score {
  rules: Record<string, RuleScore>;
  total: RuleScore;
  /** `file[:cell N]:line CODE` of every label found (TP), by the label's own line. */
  found: string[];
  /** Misses: `file[:cell N]:line CODE why` */
  misses: string[];
  /** False positives: `file[:cell N]:line CODE message` */
  falsePositives: string[];
  /** Stable keys of the false positives (`file[:cell N]:line CODE`), for the ratchet's diff. */
  fpKeys: string[];
  files: number;
  duplicates: number;
  ignoredAmbiguous: number;
}

export function loadLabels(): Record<string, FileLabels> {
  const raw = JSON.parse(fs.readFileSync(path.join(REALWORLD, 'labels.json'), 'utf8')) as { files: Record<string, FileLabels> };
  return raw.files;
}

/** The corpus files (relative to corpus/), .py and .ipynb. */
export function corpusFiles(): string[] {
  const base = path.join(REALWORLD, 'corpus');
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(py|ipynb)$/.test(e.name)) out.push(path.relative(base, p).split(path.sep).join('/'));
    }
  };
  walk(base);
  return out.sort();
}

/** Runs the built CLI (dist/, `npm run build` first) over the corpus and returns its findings. */
export function runChecker(extraArgs: string[] = []): Reported[] {
  const base = path.join(REALWORLD, 'corpus');
  // each repository of the corpus is one project: its folder is given on its own, so that its files'
  // imports are looked up from the repository's root (its src/ layout, its packages), as a user
  // checking that repository would have them
  const repos = fs.readdirSync(base, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(base, e.name)).sort();
  let out: string;
  try {
    out = execFileSync(process.execPath, [path.join(ROOT, 'bin', 'trainguard.js'), 'check', '--output-format', 'json', '--exit-zero', ...extraArgs, ...repos], {
      cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string };
    throw new Error(`trainguard check failed on the corpus (exit ${err.status}): ${err.stderr ?? ''}`);
  }
  const items = JSON.parse(out) as { code: string | null; message: string; filename: string; cell: number | null; location: { row: number } }[];
  return items.map((x) => {
    if (x.code === null) throw new Error(`the checker could not check ${x.filename}: ${x.message}`);
    const abs = path.resolve(ROOT, x.filename);
    return { file: path.relative(base, abs).split(path.sep).join('/'), code: x.code, line: x.location.row, cell: x.cell, message: x.message };
  });
}

const where = (file: string, cell: number | null | undefined, line: number): string =>
  cell ? `${file}:cell ${cell}:${line}` : `${file}:${line}`;

function near(l: Label, r: Reported): number {
  if (l.code !== r.code) return Infinity;
  if ((l.cell ?? null) !== (r.cell ?? null)) return Infinity;
  let best = Infinity;
  for (const line of [l.line, ...(l.alt_lines ?? [])]) best = Math.min(best, Math.abs(line - r.line));
  return best <= WINDOW ? best : Infinity;
}

const ratio = (a: number, b: number): number => (b === 0 ? 1 : a / b);

export function score(labels: Record<string, FileLabels>, reported: Reported[]): Score {
  const rules: Record<string, RuleScore> = {};
  const rule = (code: string): RuleScore => (rules[code] ??= { tp: 0, fp: 0, fn: 0, precision: 1, recall: 1 });
  const found: string[] = [];
  const misses: string[] = [];
  const falsePositives: string[] = [];
  const fpKeys: string[] = [];
  let duplicates = 0;
  let ignoredAmbiguous = 0;
  const byFile = new Map<string, Reported[]>();
  for (const r of reported) {
    if (!(r.file in labels)) throw new Error(`the checker reported on ${r.file}, which has no labels`);
    (byFile.get(r.file) ?? byFile.set(r.file, []).get(r.file)!).push(r);
  }
  for (const [file, fl] of Object.entries(labels)) {
    const got = (byFile.get(file) ?? []).slice().sort((a, b) => (a.cell ?? 0) - (b.cell ?? 0) || a.line - b.line || a.code.localeCompare(b.code));
    const matched = new Set<number>();
    // Nearest pairs first, so a finding between two labels takes the closer one.
    const pairs: { d: number; li: number; ri: number }[] = [];
    fl.expected.forEach((l, li) => got.forEach((r, ri) => { const d = near(l, r); if (d !== Infinity) pairs.push({ d, li, ri }); }));
    pairs.sort((a, b) => a.d - b.d || a.li - b.li || a.ri - b.ri);
    const usedR = new Set<number>();
    for (const p of pairs) {
      if (matched.has(p.li) || usedR.has(p.ri)) continue;
      matched.add(p.li); usedR.add(p.ri);
    }
    got.forEach((r, ri) => {
      if (usedR.has(ri)) { rule(r.code).tp++; return; }
      if (fl.expected.some((l) => near(l, r) !== Infinity)) { duplicates++; return; }
      if ((fl.ambiguous ?? []).some((l) => near(l, r) !== Infinity)) { ignoredAmbiguous++; return; }
      rule(r.code).fp++;
      fpKeys.push(`${where(file, r.cell, r.line)} ${r.code}`);
      falsePositives.push(`${where(file, r.cell, r.line)} ${r.code} ${r.message}`);
    });
    fl.expected.forEach((l, li) => {
      if (matched.has(li)) { found.push(`${where(file, l.cell, l.line)} ${l.code}`); return; }
      rule(l.code).fn++;
      misses.push(`${where(file, l.cell, l.line)} ${l.code} ${l.why}`);
    });
  }
  const total: RuleScore = { tp: 0, fp: 0, fn: 0, precision: 1, recall: 1 };
  for (const s of Object.values(rules)) {
    s.precision = ratio(s.tp, s.tp + s.fp);
    s.recall = ratio(s.tp, s.tp + s.fn);
    total.tp += s.tp; total.fp += s.fp; total.fn += s.fn;
  }
  total.precision = ratio(total.tp, total.tp + total.fp);
  total.recall = ratio(total.tp, total.tp + total.fn);
  const sortedRules = Object.fromEntries(Object.entries(rules).sort(([a], [b]) => Number(a.slice(2)) - Number(b.slice(2))));
  return { rules: sortedRules, total, found: found.sort(), misses: misses.sort(), falsePositives: falsePositives.sort(), fpKeys: fpKeys.sort(), files: Object.keys(labels).length, duplicates, ignoredAmbiguous };
}

export interface Baseline {
  precision: number;
  recall: number;
  rules: Record<string, { precision: number }>;
  found: string[];
  falsePositives: string[];
}

export function baselineOf(s: Score): Baseline {
  const r3 = (x: number): number => Math.floor(x * 1000) / 1000;
  return {
    precision: r3(s.total.precision),
    recall: r3(s.total.recall),
    rules: Object.fromEntries(Object.entries(s.rules).map(([c, v]) => [c, { precision: r3(v.precision) }])),
    found: s.found,
    falsePositives: s.fpKeys,
  };
}

/** Where the score fell below the baseline, with the findings that appeared or disappeared. Empty = held. */
export function ratchet(s: Score, b: Baseline): string[] {
  const fell: string[] = [];
  const eps = 1e-9;
  if (s.total.precision + eps < b.precision) fell.push(`overall precision ${s.total.precision.toFixed(3)} < baseline ${b.precision}`);
  if (s.total.recall + eps < b.recall) fell.push(`overall recall ${s.total.recall.toFixed(3)} < baseline ${b.recall}`);
  for (const [code, r] of Object.entries(b.rules)) {
    const now = s.rules[code]?.precision ?? 1;
    if (now + eps < r.precision) fell.push(`${code} precision ${now.toFixed(3)} < baseline ${r.precision}`);
  }
  if (!fell.length) return [];
  const was = new Set(b.found);
  const is = new Set(s.found);
  const wasFp = new Set(b.falsePositives);
  const isFp = new Set(s.fpKeys);
  const lost = b.found.filter((k) => !is.has(k)).map((k) => `  no longer found: ${k}`);
  const gained = s.found.filter((k) => !was.has(k)).map((k) => `  newly found: ${k}`);
  const newFp = s.fpKeys.filter((k) => !wasFp.has(k)).map((k) => `  new false positive: ${k}`);
  const goneFp = b.falsePositives.filter((k) => !isFp.has(k)).map((k) => `  false positive gone: ${k}`);
  return [...fell, ...lost, ...newFp, ...gained, ...goneFp];
}

const pct = (x: number): string => x.toFixed(3);

export function report(s: Score, labelsCount: { expected: number; ambiguous: number }): string {
  const lines: string[] = [];
  lines.push('| rule | TP | FP | FN | precision | recall |', '|---|---:|---:|---:|---:|---:|');
  for (const [code, r] of Object.entries(s.rules)) lines.push(`| ${code} | ${r.tp} | ${r.fp} | ${r.fn} | ${pct(r.precision)} | ${pct(r.recall)} |`);
  lines.push(`| **total** | **${s.total.tp}** | **${s.total.fp}** | **${s.total.fn}** | **${pct(s.total.precision)}** | **${pct(s.total.recall)}** |`);
  lines.push('', `${s.files} files; ${labelsCount.expected} expected labels, ${labelsCount.ambiguous} ambiguous (not scored); ${s.duplicates} duplicate reports of matched labels, ${s.ignoredAmbiguous} reports on ambiguous labels.`);
  lines.push('', `### Misses (${s.misses.length})`, '', ...s.misses.map((m) => `- ${m}`));
  lines.push('', `### False positives (${s.falsePositives.length})`, '', ...s.falsePositives.map((m) => `- ${m}`));
  return lines.join('\n');
}
