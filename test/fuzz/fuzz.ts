/**
 * The fuzzer: seeded mutations of the rule fixtures and the examples, fed to every consumer of a file
 * (the analyser with every rule, each offered fix, fix-all, the CLI's `check` and `check --diff`).
 *
 * A failure is any of: an exception escaping, a rule error reported through `onRuleError`, a fix
 * whose edits are malformed (outside the text, overlapping), a fix or fix-all turning a text python3
 * accepts into one it rejects, or the CLI answering a readable file with exit code 2 or an
 * "internal error" line. Everything is deterministic for a seed: `--seed 7 --count 500` finds the
 * same inputs every time (the time limit only cuts the run short).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initParser } from '../../server/src/analysis/parser';
import { analyzeText, type AnalysisResult } from '../../server/src/analysis/analyze';
import { applyEdits, SourceText, type TextEdit } from '../../server/src/analysis/source';
import type { PythonModel } from '../../server/src/analysis/model';
import { usesGpu } from '../../server/src/analysis/devices';
import { fixAll, fixSpans, parses } from '../../server/src/fixes/apply';
import { parseIpynb } from '../../server/src/analysis/ipynb';
import { NotebookProgram } from '../../server/src/analysis/notebook';
import { limitExceeded } from '../../server/src/analysis/limits';
import { run as runCli } from '../../server/src/cli/main';
import { pythonSyntaxError } from '../support/python';

export const ROOT = path.resolve(__dirname, '..', '..', '..');

/** mulberry32: a small deterministic PRNG so every run of a seed sees the same inputs. */
export function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Corpus {
  name: string;
  text: string;
}

/** Extra seed folders from the environment: `TRAINGUARD_FUZZ_CORPUS=dir1<path.delimiter>dir2` (the CLIs' `--corpus DIR` sets it). */
export function corpusDirsFromEnv(): string[] {
  return (process.env.TRAINGUARD_FUZZ_CORPUS ?? '').split(path.delimiter).filter((d) => d.trim() !== '');
}

/** The Python a seed file holds: a `.py` file's text, a notebook's program (its Python cells, IPython masked, as the analysis reads them). */
function seedText(file: string): string | null {
  const text = fs.readFileSync(file, 'utf8');
  if (!file.endsWith('.ipynb')) return text;
  const nb = parseIpynb(text);
  return 'error' in nb ? null : NotebookProgram.fromCells(nb.cells).text;
}

/** Seeds longer than this many lines are fuzzed in pieces (`pieces`). */
export const PIECE_LINES = 120;

/**
 * A long real script cut into pieces of at most about `PIECE_LINES` lines, each a run of whole
 * top-level statements (cut before a line that starts at column 0 with a name or a keyword, outside a
 * bracket and a triple-quoted string as far as a line scan can tell) with the script's top-level
 * imports before it, so each piece is still a program the rules understand. Every input costs
 * analyses and fixes of its whole text: a 2,000-line script as one seed would make most of a run's
 * time go to a few files, and a piece keeps the shapes (decorators, call chains, comments in calls,
 * continuations) at a fraction of the cost.
 */
export function pieces(name: string, text: string): Corpus[] {
  const ls = lines(text);
  if (ls.length <= PIECE_LINES) return [{ name, text }];
  const imports: string[] = [];
  const starts: number[] = [];
  let depth = 0;
  let triple: string | null = null;
  ls.forEach((l, i) => {
    const top = depth === 0 && triple === null && /^[A-Za-z_@]/.test(l);
    if (top) {
      if (/^(import|from)\s/.test(l) && !/[(\\]\s*$/.test(l)) imports.push(l);
      else starts.push(i);
    }
    // brackets and triple quotes, roughly: strings and comments on one line are skipped
    const code = l.replace(/#.*$/, '');
    for (const m of code.matchAll(/"""|'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[()[\]{}]/g)) {
      const t = m[0];
      if (triple !== null) {
        if (t === triple) triple = null;
      } else if (t === '"""' || t === "'''") triple = t;
      else if (t.length === 1) depth = Math.max(0, depth + ('([{'.includes(t) ? 1 : -1));
    }
  });
  const out: Corpus[] = [];
  const head = imports.join('');
  for (let k = 0; k < starts.length; ) {
    const from = starts[k];
    let j = k + 1;
    while (j < starts.length && starts[j] - from < PIECE_LINES) j++;
    const to = j < starts.length ? starts[j] : ls.length;
    const body = ls.slice(from, to).filter((l) => !imports.includes(l)).join('');
    if (body.trim()) out.push({ name: `${name}:${from + 1}-${to}`, text: head + body });
    k = j;
  }
  return out.length ? out : [{ name, text }];
}

/**
 * The seed corpus: every rule fixture (`test/fixtures/rules/**\/*.py`), `examples/*.py`, the real-code
 * corpus (`test/realworld/corpus/**\/*.py` and `*.ipynb`, when it is there), and every `.py` and
 * `.ipynb` under `extraDirs` (by default the folders in `TRAINGUARD_FUZZ_CORPUS`). Sorted, so a seed
 * gives the same inputs on every machine with the same files. Long real scripts (not the fixtures
 * and examples) are seeds in pieces (`pieces`).
 */
export function loadCorpus(root = ROOT, extraDirs: readonly string[] = corpusDirsFromEnv()): Corpus[] {
  const out: Corpus[] = [];
  const names = new Set<string>();
  const walk = (dir: string, realCode: boolean) => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p, realCode);
      else if (e.isFile() && (e.name.endsWith('.py') || (realCode && e.name.endsWith('.ipynb')))) {
        const rel = path.relative(root, p);
        const name = rel.startsWith('..') || path.isAbsolute(rel) ? p : rel;
        if (names.has(name)) continue;
        const text = seedText(p);
        if (text === null) continue;
        names.add(name);
        out.push(...(realCode ? pieces(name, text) : [{ name, text }]));
      }
    }
  };
  walk(path.join(root, 'test', 'fixtures', 'rules'), false);
  walk(path.join(root, 'examples'), false);
  walk(path.join(root, 'test', 'realworld', 'corpus'), true);
  for (const d of extraDirs) walk(path.resolve(d), true);
  return out;
}

const UNICODE = ['é', 'Ω', '😀', '\u200b', '\u202e', '\u2028', '\ufeff', '\ufffd', 'ﬁ', '中文', '\u0301', '\ud800', '\udc00', 'ℌ'];
const SNIPPETS = ['(', ')', '[', ']', '{', '}', ':', ',', '\\', '"""', "'''", '"', "'", '#', ' # noqa', '  # noqa: TG303', '# trainguard: ignore-file', '# trainguard: budget=', 'lambda', 'with', 'for', 'async ', 'await ', 'yield', '@', '*', '**', '=', ':=', '->', 'f"{', '\r', '\r\n', '\t', '\n    ', 'torch.', 'model(', '.backward()', 'autocast(', 'import torch\n', 'from torch.cuda.amp import autocast\n'];

type Mutator = (text: string, r: () => number) => string;

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: () => number, n: number) => Math.floor(r() * n);

function lines(text: string): string[] {
  return text.split(/(?<=\n)/);
}

/** Identifiers, numbers, whitespace runs and single other characters. */
function tokens(text: string): string[] {
  return text.match(/[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[ \t]+|\r?\n|[^]/g) ?? [];
}

function nest(depth: number, open: string, close: string, inner: string): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

export const MUTATORS: Record<string, Mutator> = {
  deleteLine(t, r) {
    const ls = lines(t);
    if (ls.length) ls.splice(int(r, ls.length), 1 + int(r, 3));
    return ls.join('');
  },
  duplicateLine(t, r) {
    const ls = lines(t);
    if (!ls.length) return t;
    const i = int(r, ls.length);
    ls.splice(i, 0, ...ls.slice(i, i + 1 + int(r, 4)));
    return ls.join('');
  },
  swapLines(t, r) {
    const ls = lines(t);
    if (ls.length < 2) return t;
    const i = int(r, ls.length);
    const j = int(r, ls.length);
    [ls[i], ls[j]] = [ls[j], ls[i]];
    return ls.join('');
  },
  deleteToken(t, r) {
    const ts = tokens(t);
    if (ts.length) ts.splice(int(r, ts.length), 1 + int(r, 2));
    return ts.join('');
  },
  duplicateToken(t, r) {
    const ts = tokens(t);
    if (!ts.length) return t;
    const i = int(r, ts.length);
    ts.splice(i, 0, ts[i]);
    return ts.join('');
  },
  swapTokens(t, r) {
    const ts = tokens(t);
    if (ts.length < 2) return t;
    const i = int(r, ts.length);
    const j = int(r, ts.length);
    [ts[i], ts[j]] = [ts[j], ts[i]];
    return ts.join('');
  },
  truncate(t, r) {
    return t.slice(0, int(r, t.length + 1));
  },
  insertBytes(t, r) {
    const at = int(r, t.length + 1);
    let s = '';
    for (let n = 1 + int(r, 6); n > 0; n--) s += String.fromCharCode(int(r, 256));
    return t.slice(0, at) + s + t.slice(at);
  },
  insertUnicode(t, r) {
    const at = int(r, t.length + 1);
    return t.slice(0, at) + pick(r, UNICODE) + t.slice(at);
  },
  insertSnippet(t, r) {
    const at = int(r, t.length + 1);
    return t.slice(0, at) + pick(r, SNIPPETS) + t.slice(at);
  },
  mixIndentation(t, r) {
    return lines(t)
      .map((l) => (r() < 0.3 ? l.replace(/^( {4})+/, (m) => (r() < 0.5 ? '\t'.repeat(m.length / 4) : m.replace(/ {4}$/, '\t'))) : l))
      .join('');
  },
  crlf(t, r) {
    return r() < 0.5 ? t.replace(/\r?\n/g, '\r\n') : t.replace(/\r?\n/g, r() < 0.5 ? '\r' : '\n');
  },
  deepParentheses(t, r) {
    const ls = lines(t);
    const i = int(r, ls.length + 1);
    const depth = 50 + int(r, 500);
    ls.splice(i, 0, `x = ${nest(depth, '(', ')', 'loss')}\n`);
    return ls.join('');
  },
  deepBlocks(t, r) {
    // below Python's limit of 100 levels (analysed), or far past it (skipped: the parser once crashed at ~600)
    const depth = r() < 0.5 ? 20 + int(r, 80) : 100 + int(r, 700);
    let s = '';
    const unit = pick(r, ['    ', ' ', '\t']);
    for (let d = 0; d < depth; d++) s += `${unit.repeat(d)}${pick(r, ['if x:', 'for i in y:', 'with torch.autocast("cuda"):', 'def f():', 'class C:', 'try:'])}\n`;
    s += `${unit.repeat(depth)}loss = criterion(model(x), y)\n`;
    const ls = lines(t);
    ls.splice(int(r, ls.length + 1), 0, s);
    return ls.join('');
  },
  deepCalls(t, r) {
    const depth = 50 + int(r, 400);
    return t + `\nout = ${'model('.repeat(depth)}x${')'.repeat(depth)}\n`;
  },
};

/** Cuts `t` anywhere and continues with a piece of another corpus text. */
function spliceOther(t: string, r: () => number, other: string): string {
  const a = int(r, t.length + 1);
  const b = int(r, other.length + 1);
  return t.slice(0, a) + other.slice(b, b + int(r, 400));
}

const MUTATOR_NAMES = [...Object.keys(MUTATORS), 'spliceOther'];

/** One fuzz input: a corpus text with 1-2 seeded mutations. */
export function mutate(corpus: readonly Corpus[], r: () => number): { text: string; from: string; ops: string[] } {
  const base = pick(r, corpus);
  let text = base.text;
  const ops: string[] = [];
  for (let n = 1 + int(r, 2); n > 0; n--) {
    const name = pick(r, MUTATOR_NAMES);
    ops.push(name);
    text = name === 'spliceOther' ? spliceOther(text, r, pick(r, corpus).text) : MUTATORS[name](text, r);
  }
  return { text, from: base.name, ops };
}

export interface Failure {
  /**
   * `fix-keeps-finding`: the fix's own finding is still there after it; `fix-adds-finding`: a finding
   * the text did not have appears, of its own rule, on its own text, or on the user's code with no
   * shared fact changed (`classifyNewFinding`; an unmasked one only with `strict`); `fix-all-refused`: fix-all had to leave out a fix it was offered
   * (its safety net held, but the user loses a fix they were shown).
   */
  kind: 'exception' | 'rule-error' | 'malformed-fix' | 'fix-breaks-syntax' | 'fix-keeps-finding' | 'fix-adds-finding' | 'fix-all-breaks-syntax' | 'fix-all-refused' | 'cli';
  /** The rule code (or the stage) that failed. */
  where: string;
  message: string;
}

export interface CheckStats {
  /** Inputs the adapters skip (over the limits: size, line length, NUL bytes, nesting): only the CLI runs on them. */
  skipped: number;
  fixes: number;
  fixAlls: number;
  cliRuns: number;
  /**
   * Unmasked findings: findings a fix made appear on the user's own code because it changed a fact
   * the rules share (TG204 puts training on the GPU, and TG801 then rightly asks for mixed precision
   * in the user's loop), by `FIX->NEW (fact)`. Counted, not failures (failures with `strict`). Every
   * other finding a fix makes appear is a failure (`fix-adds-finding`, see `classifyNewFinding`).
   */
  newFindings: Record<string, number>;
}

const SKIP = Symbol('skipped by the limits');

let tmpDir: string | undefined;

function scratchFile(): string {
  if (!tmpDir) {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trainguard-fuzz-'));
    process.once('exit', () => fs.rmSync(tmpDir!, { recursive: true, force: true }));
  }
  return path.join(tmpDir, 'input.py');
}

function describe(e: unknown): string {
  return String((e as Error)?.stack ?? e).split('\n').slice(0, 4).join(' | ');
}

/**
 * Feeds one text to every consumer and returns what went wrong (empty: nothing). `cli` also runs the
 * command-line entry on the text written to a scratch file (slower: a few file reads per run).
 */
export async function checkInput(text: string, opts: { cli?: boolean; stats?: CheckStats; strict?: boolean } = {}): Promise<Failure[]> {
  await initParser();
  const failures: Failure[] = [];
  const stats = opts.stats ?? { skipped: 0, fixes: 0, fixAlls: 0, cliRuns: 0, newFindings: {} };
  let inputParses: boolean | undefined;
  const pythonAccepts = async () => (inputParses ??= (await pythonSyntaxError(text)) === null);
  // the server and the CLI never analyse a file over the limits; neither does the fuzzer
  const skipped = limitExceeded(text) !== null;
  if (skipped) stats.skipped++;
  // fix-all's first round is this very analysis (the rules are deterministic): when it offers no fix
  // or finds a syntax error, fix-all returns the text unchanged after it, and is not run again
  let fixAllNeeded = true;
  try {
    if (skipped) throw SKIP;
    const result = analyzeText(text, { onRuleError: (code, e) => failures.push({ kind: 'rule-error', where: code, message: describe(e) }) });
    const src = new SourceText(text);
    // a fix is held to everything only on a text that parses (tree-sitter and python3): on broken
    // text, its edits must still be well-formed
    fixAllNeeded = result.findings.some((f) => f.fix) && !result.syntaxError;
    const clean = fixAllNeeded && (await pythonAccepts());
    const count = (fs: readonly { code: string }[]) => fs.reduce((m, f) => m.set(f.code, (m.get(f.code) ?? 0) + 1), new Map<string, number>());
    const before = count(result.findings);
    for (const f of result.findings) {
      if (!f.fix) continue;
      stats.fixes++;
      if (!fixSpans(src, f.fix.edits)) {
        failures.push({ kind: 'malformed-fix', where: f.code, message: JSON.stringify(f.fix.edits).slice(0, 300) });
        continue;
      }
      const fixed = applyEdits(text, f.fix.edits);
      if (!(await pythonAccepts())) continue;
      const pyErr = await pythonSyntaxError(fixed);
      if (pyErr !== null) {
        failures.push({ kind: 'fix-breaks-syntax', where: f.code, message: `${f.fix.title}: ${pyErr}` });
        continue;
      }
      if (!clean) continue;
      if (!parses(fixed)) {
        failures.push({ kind: 'fix-breaks-syntax', where: f.code, message: `${f.fix.title}: tree-sitter finds an ERROR or MISSING node` });
        continue;
      }
      // the finding is gone, and nothing new appears (as test/unit/helpers.ts checkFixRoundTrip)
      const afterResult = analyzeText(fixed);
      const afterFindings = afterResult.findings;
      const after = count(afterFindings);
      const fixedSrc = new SourceText(fixed);
      const map = offsetMap(src, f.fix.edits);
      const moved = map(src.offsetAt(f.range.start));
      const stays = afterFindings.some((g) => g.code === f.code && g.message === f.message && fixedSrc.offsetAt(g.range.start) === moved);
      if (stays) failures.push({ kind: 'fix-keeps-finding', where: f.code, message: `${f.fix.title}: ${f.code} still reported at the same place` });
      for (const added of newFindings(result.findings, afterFindings, f, stays, src, fixedSrc, map, before, after)) {
        const verdict = classifyNewFinding(f.code, { code: added.code, start: fixedSrc.offsetAt(added.range.start) }, insertedSpans(src, f.fix.edits), () => changedFacts(result.model, afterResult.model));
        const pair = `${f.code}->${added.code}`;
        if (verdict.unmasked) {
          const key = `${pair} (${verdict.why})`;
          stats.newFindings[key] = (stats.newFindings[key] ?? 0) + 1;
          if (opts.strict) failures.push({ kind: 'fix-adds-finding', where: pair, message: `${f.fix.title}: ${added.code} appeared on the code (${verdict.why}; --strict)` });
        } else failures.push({ kind: 'fix-adds-finding', where: pair, message: `${f.fix.title}: ${added.code} appeared (${verdict.why}) at ${added.range.start.line + 1}:${added.range.start.character + 1}: ${added.message.slice(0, 120)}` });
      }
    }
  } catch (e) {
    if (e !== SKIP) failures.push({ kind: 'exception', where: 'analyze', message: describe(e) });
  }
  for (const unsafe of skipped || !fixAllNeeded ? [] : [false, true]) {
    try {
      stats.fixAlls++;
      const r = fixAll(text, { unsafe, onRuleError: (code, e) => failures.push({ kind: 'rule-error', where: code, message: describe(e) }) });
      if (r.rejected.size) failures.push({ kind: 'fix-all-refused', where: [...r.rejected.keys()].join(','), message: `fix-all${unsafe ? ' --unsafe' : ''} left out ${[...r.rejected].map(([c, n]) => `${n} ${c}`).join(', ')}` });
      if (r.text !== text && (await pythonAccepts())) {
        const err = await pythonSyntaxError(r.text);
        if (err !== null) failures.push({ kind: 'fix-all-breaks-syntax', where: [...r.applied.keys()].join(','), message: err });
      }
    } catch (e) {
      failures.push({ kind: 'exception', where: `fixAll${unsafe ? ' --unsafe' : ''}`, message: describe(e) });
    }
  }
  if (opts.cli) {
    const file = scratchFile();
    fs.writeFileSync(file, text, 'utf8');
    for (const argv of [['check', file, '--output-format', 'json'], ['check', file, '--diff', '--unsafe-fixes']]) {
      // a skipped file is still handed to the CLI, which must say so and carry on
      stats.cliRuns++;
      let stderr = '';
      try {
        const code = await runCli(argv, { stdout: () => undefined, stderr: (s) => (stderr += s) });
        if (code === 2 || /internal error|please report/.test(stderr)) failures.push({ kind: 'cli', where: argv.slice(2).join(' '), message: `exit ${code}: ${stderr.slice(0, 300)}` });
      } catch (e) {
        failures.push({ kind: 'exception', where: `cli ${argv.slice(2).join(' ')}`, message: describe(e) });
      }
    }
  }
  return failures;
}

/** The identity of a failure, for minimising: the same kind in the same place. */
export function signature(f: Failure): string {
  return `${f.kind}:${f.where}`;
}

/**
 * Shrinks `text` while `stillFails` holds: whole lines first (chunks halving down to one line), then
 * single characters, each pass repeated until nothing more can go. Bounded by `maxTries` checks.
 */
export async function minimise(text: string, stillFails: (t: string) => Promise<boolean>, maxTries = 2000): Promise<string> {
  let tries = 0;
  const reduce = async (parts: string[]): Promise<string[]> => {
    for (let chunk = Math.max(1, Math.floor(parts.length / 2)); chunk >= 1; chunk = Math.floor(chunk / 2)) {
      let progress = true;
      while (progress) {
        progress = false;
        for (let i = 0; i + chunk <= parts.length && tries < maxTries; ) {
          const candidate = [...parts.slice(0, i), ...parts.slice(i + chunk)];
          tries++;
          if (await stillFails(candidate.join(''))) {
            parts = candidate;
            progress = true;
          } else i += chunk;
        }
      }
      if (chunk === 1) break;
    }
    return parts;
  };
  let current = (await reduce(lines(text))).join('');
  current = (await reduce([...current])).join('');
  return current;
}


/**
 * Where an offset of the original text is after the edits: edits wholly before it shift it; an
 * insertion exactly at it moves it past the inserted text; an edit over it keeps its start.
 */
function offsetMap(src: SourceText, edits: readonly TextEdit[]): (offset: number) => number {
  const spans = edits.map((e) => ({ start: src.offsetAt(e.range.start), end: src.offsetAt(e.range.end), len: e.newText.length }));
  return (at) => at + spans.reduce((d, e) => (e.end <= at && e.start < at ? d + e.len - (e.end - e.start) : e.start === at && e.end === at ? d + e.len : d), 0);
}

/**
 * The text each edit writes, in offsets of the fixed text, less what it keeps of the text it
 * replaces (the common start and end): `for p in r:` -> `for i, p in enumerate(r):` wrote
 * `i, p in enumerate(r)`, not the `for` the loop's findings start at.
 */
export function insertedSpans(src: SourceText, edits: readonly TextEdit[]): { start: number; end: number }[] {
  const sorted = edits.map((e) => ({ start: src.offsetAt(e.range.start), end: src.offsetAt(e.range.end), text: e.newText })).sort((a, b) => a.start - b.start || a.end - b.end); // as applyEdits applies them
  const out: { start: number; end: number }[] = [];
  let shift = 0;
  for (const e of sorted) {
    const old = src.text.slice(e.start, e.end);
    let pre = 0;
    while (pre < old.length && pre < e.text.length && old[pre] === e.text[pre]) pre++;
    let suf = 0;
    while (suf < old.length - pre && suf < e.text.length - pre && old[old.length - 1 - suf] === e.text[e.text.length - 1 - suf]) suf++;
    const start = e.start + shift + pre;
    const end = e.start + shift + e.text.length - suf;
    if (end > start) out.push({ start, end });
    shift += e.text.length - (e.end - e.start);
  }
  return out;
}

type Found = AnalysisResult['findings'][number];

/**
 * The findings a fix made appear: for each rule reported more often after the fix than before (its
 * own rule counted without the finding it fixed), the findings of that rule that no finding of the
 * original text maps to (same rule, same start after the edits).
 */
function newFindings(
  beforeFindings: readonly Found[], afterFindings: readonly Found[], fixed: Found, stays: boolean,
  src: SourceText, fixedSrc: SourceText, map: (o: number) => number, before: Map<string, number>, after: Map<string, number>,
): Found[] {
  const out: Found[] = [];
  for (const [code, n] of after) {
    if (n <= (before.get(code) ?? 0) - (code === fixed.code && !stays ? 1 : 0) || (code === fixed.code && stays)) continue;
    const known = new Set(beforeFindings.filter((h) => h.code === code && h !== fixed).map((h) => map(src.offsetAt(h.range.start))));
    const mine = afterFindings.filter((g) => g.code === code);
    const unmatched = mine.filter((g) => !known.has(fixedSrc.offsetAt(g.range.start)));
    out.push(...(unmatched.length ? unmatched : mine.slice(-1)));
  }
  return out;
}

/**
 * The facts of a program that rules read from code a fix may add to: the names its imports bind, whether
 * it trains on the GPU, how many moves to the GPU it makes, how many training loops it has, how many loops
 * read their own counter. Each changed fact, in words.
 */
export function changedFacts(a: PythonModel, b: PythonModel): string[] {
  const out: string[] = [];
  // a name the file reads now bound by an import (`torch.nn.functional.cross_entropy(...)` resolves
  // once a fix adds `import torch`)
  const bound = [...b.imports.keys()].filter((k) => !a.imports.has(k));
  if (bound.length) out.push(`imports ${bound.sort().join(', ')}`);
  if (!usesGpu(a) && usesGpu(b)) out.push('now on the GPU');
  // a model or batch moved to a device that may be CUDA (TG201 moves the model: TG202 then rightly
  // sees the batches the user's loop leaves on the CPU)
  else if (gpuMoves(b) > gpuMoves(a)) out.push('more moves to a device that may be the GPU');
  if (b.trainingLoops().size > a.trainingLoops().size) out.push('more training loops');
  // a loop whose counter its body now reads (TG221's epoch print reads `epoch`): TG1005 takes an outer
  // loop for the epoch counter only while the inner one's counter goes unread
  if (countersRead(b) > countersRead(a)) out.push('a loop counter now read');
  return out;
}

/** For-loops whose body reads one of the names the loop binds. */
function countersRead(m: PythonModel): number {
  return m.loops.filter((l) => l.kind === 'for' && l.targets.length && l.body.descendantsOfType('identifier').some((id) => l.targets.includes(id.text))).length;
}

/**
 * `.cuda()` calls and `.to(device)` calls to a device that may be the GPU: not known to be the CPU, as
 * TG202 reads a model's placement (`.to(DEVICE)` with a device the file does not show counts).
 */
function gpuMoves(m: PythonModel): number {
  return m.calls.filter((c) => !!c.receiver && (c.method === 'cuda' || (c.method === 'to' && m.deviceOf(c.args[0] ?? c.keywords.get('device') ?? null) !== 'cpu'))).length;
}

/**
 * Is a finding that appeared after a fix a fact the user's code really has, unmasked by what the fix
 * changed (TG204 puts the model on the GPU, and TG801 then rightly asks for autocast in the user's
 * loop; a fix's `import torch` lets `torch.nn.functional.cross_entropy(...)` in the user's loop resolve), or damage the fix did? Damage: a finding that starts in the text the fix wrote (an inserted
 * print, checkpoint or smoke test another rule reports, or the fix's own rule again), or one on the
 * user's code where no fact the rules share changed (then the fix's text itself is what the rule
 * read, or the fix re-triggers its own rule elsewhere). Unmasked: on the user's code, and the fix
 * changed a named fact (`changedFacts`): the same rule included, when it now sees another place of
 * the user's code (TG204's fix adds `import torch`, and the model's own `.to("cpu")`, unresolved
 * before, is now reported too).
 */
export function classifyNewFinding(
  fixCode: string, added: { code: string; start: number }, inserted: readonly { start: number; end: number }[], facts: () => string[],
): { unmasked: boolean; why: string } {
  const own = added.code === fixCode;
  if (inserted.some((s) => added.start >= s.start && added.start < s.end)) return { unmasked: false, why: own ? "the fix re-triggers its own rule on its own text" : "on the fix's own text" };
  const changed = facts();
  if (!changed.length) return { unmasked: false, why: own ? "the fix re-triggers its own rule elsewhere, and no shared fact changed" : "on the user's code, and no shared fact changed" };
  return { unmasked: true, why: changed.join('; ') };
}

export interface FuzzOptions {
  seed: number;
  /** Inputs `from` (default 0) up to `count` (exclusive) of the seed's sequence are checked. */
  count: number;
  from?: number;
  /** Stop starting new inputs after this many seconds (a run limit, not an assertion). */
  seconds: number;
  /** Run the CLI on every n-th input (0: never). */
  cliEvery?: number;
  /** Only check these input indexes (the others are generated, so the seed's sequence stays the same, but not checked). */
  only?: readonly number[];
  /** An unmasked finding (see `CheckStats.newFindings`) is a failure too, not only counted. */
  strict?: boolean;
  /** Minimise each new failure signature (slower). */
  minimise?: boolean;
  log?: (line: string) => void;
}

export interface FuzzReport {
  inputs: number;
  skipped: number;
  fixes: number;
  fixAlls: number;
  cliRuns: number;
  /** Unmasked findings, by `FIX->NEW (fact)` (failures only with `strict`; see `CheckStats.newFindings`). */
  newFindings: Record<string, number>;
  /** One entry per distinct failure signature: the first input that showed it (minimised when asked). */
  crashes: { failure: Failure; input: string; minimised?: string; from: string; ops: string[]; index: number }[];
  stoppedByTime: boolean;
}

export async function fuzz(opts: FuzzOptions, corpus: readonly Corpus[] = loadCorpus()): Promise<FuzzReport> {
  await initParser();
  if (!corpus.length) throw new Error('fuzz: no seed corpus (test/fixtures/rules, examples)');
  const r = rng(opts.seed);
  const stats: CheckStats = { skipped: 0, fixes: 0, fixAlls: 0, cliRuns: 0, newFindings: {} };
  const report: FuzzReport = { inputs: 0, skipped: 0, fixes: 0, fixAlls: 0, cliRuns: 0, newFindings: {}, crashes: [], stoppedByTime: false };
  const seen = new Set<string>();
  const deadline = Date.now() + opts.seconds * 1000;
  for (let i = 0; i < opts.count; i++) {
    if (Date.now() > deadline) {
      report.stoppedByTime = true;
      break;
    }
    const { text, from, ops } = mutate(corpus, r);
    if (i < (opts.from ?? 0) || (opts.only && !opts.only.includes(i))) continue;
    const cli = !!opts.cliEvery && i % opts.cliEvery === 0;
    const failures = await checkInput(text, { cli, stats, strict: opts.strict });
    report.inputs++;
    for (const failure of failures) {
      const sig = signature(failure);
      if (seen.has(sig)) continue;
      seen.add(sig);
      const crash: FuzzReport['crashes'][number] = { failure, input: text, from, ops, index: i };
      opts.log?.(`input ${i} (${from}; ${ops.join(', ')}): ${failure.kind} in ${failure.where}: ${failure.message}`);
      if (opts.minimise) {
        crash.minimised = await minimise(text, async (t) => (await checkInput(t, { cli, strict: opts.strict })).some((f) => signature(f) === sig));
        opts.log?.(`  minimised to ${crash.minimised.length} characters`);
      }
      report.crashes.push(crash);
    }
  }
  Object.assign(report, { skipped: stats.skipped, fixes: stats.fixes, fixAlls: stats.fixAlls, cliRuns: stats.cliRuns, newFindings: stats.newFindings });
  return report;
}
