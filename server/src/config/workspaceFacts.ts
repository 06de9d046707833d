/**
 * Workspace facts for the workspace-aware rules (TG902 submission columns, TG301 pinned versions),
 * read by the core for the adapters, never by the rules:
 *
 * - `sample_submission.csv`: the nearest one, from the file's folder up to the workspace root; only
 *   its header line is read (the first 64 KiB), so a 2 GB sample is as cheap as a small one.
 * - requirements: the nearest folder (same walk) with a `requirements*.txt` that lists anything or a
 *   pyproject.toml that declares dependencies (`[project] dependencies`, its optional dependencies,
 *   `[tool.poetry.dependencies]`). In that folder `requirements.txt` comes first, then the other
 *   `requirements*.txt` files by name, then pyproject.toml; the first file to pin a package wins.
 *   `-r` / `-c` includes are followed (relative to the including file, no loops, 5 levels).
 */
import * as path from 'path';
import type { WorkspaceFacts } from './settings';
import { ancestors, type FileCache } from './files';
import { readPyproject, type ConfigProblem } from './pyproject';

export const SAMPLE_SUBMISSION = 'sample_submission.csv';
const HEAD_BYTES = 64 * 1024;
const MAX_INCLUDE_DEPTH = 5;

/** Header columns of a CSV text (its first record): RFC 4180 quoting, BOM and CR/LF handled. */
export function parseCsvHeader(text: string): string[] | null {
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const cols: string[] = [];
  let cur = '';
  let quoted = false;
  let i = 0;
  let ended = false;
  for (; i < t.length; i++) {
    const c = t[i];
    if (quoted) {
      if (c === '"') {
        if (t[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else cur += c;
    } else if (c === '"' && cur === '') quoted = true;
    else if (c === ',') {
      cols.push(cur);
      cur = '';
    } else if (c === '\n' || c === '\r') {
      ended = true;
      break;
    } else cur += c;
  }
  if (quoted) return null; // the header runs past what was read (or an unclosed quote)
  if (!ended && t.length >= HEAD_BYTES) return null; // the first line is longer than the head we read
  cols.push(cur);
  const trimmed = cols.map((c) => c.trim());
  if (trimmed.length === 1 && trimmed[0] === '') return null;
  return trimmed;
}

/** The normalised name of a Python package (PEP 503): lower-case, runs of `-_.` as one `-`. */
export function normalizePackageName(name: string): string {
  return name.trim().toLowerCase().replace(/[-_.]+/g, '-');
}

/** One PEP 508 requirement (`name[extra] >= 1.0, < 2 ; markers`) -> [name, spec], or null. */
export function parseRequirement(line: string): [string, string] | null {
  const noMarker = line.split(';')[0].trim();
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$/.exec(noMarker);
  if (!m) return null;
  let spec = m[3].trim();
  if (spec.startsWith('@')) spec = ''; // a direct URL reference: listed, no version
  else if (spec.startsWith('(') && spec.endsWith(')')) spec = spec.slice(1, -1);
  spec = spec.replace(/\s+/g, '');
  if (spec && !/^(===|==|~=|!=|<=|>=|<|>)/.test(spec)) return null;
  return [normalizePackageName(m[1]), spec];
}

/** Requirements of one requirements.txt text; `-r`/`-c` includes are handed to `include`. */
export function parseRequirementsText(text: string, include?: (ref: string) => void): Record<string, string> {
  const out: Record<string, string> = {};
  // backslash continuations join lines
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r\n|\n|\r/);
  for (const raw of lines) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    const inc = /^(?:-r|--requirement|-c|--constraint)(?:\s+|=)(\S+)/.exec(line);
    if (inc) {
      include?.(inc[1]);
      continue;
    }
    if (line.startsWith('-')) {
      // -e git+...#egg=name: listed, no version
      const egg = /#egg=([A-Za-z0-9._-]+)/.exec(raw);
      if (/^(-e|--editable)\b/.test(line) && egg) out[normalizePackageName(egg[1])] ??= '';
      continue; // other options: --index-url, --hash...
    }
    const r = parseRequirement(line.replace(/\s--hash=\S+/g, ''));
    if (r && !(r[0] in out)) out[r[0]] = r[1];
  }
  return out;
}

/** A Poetry constraint (`^1.4`, `~1.4`, `1.4.0`, `*`) as a PEP 440-ish spec string (kept as written but `==` for an exact version). */
function poetrySpec(v: unknown): string | null {
  const s = typeof v === 'string' ? v : typeof v === 'object' && v !== null && typeof (v as { version?: unknown }).version === 'string' ? (v as { version: string }).version : null;
  if (s === null) return typeof v === 'object' && v !== null ? '' : null;
  const t = s.replace(/\s+/g, '');
  if (t === '*' || t === '') return '';
  return /^\d/.test(t) ? `==${t}` : t;
}

/** Dependencies a parsed pyproject.toml declares (PEP 621 and Poetry). */
export function pyprojectDependencies(doc: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (list: unknown) => {
    if (!Array.isArray(list)) return;
    for (const item of list) {
      if (typeof item !== 'string') continue;
      const r = parseRequirement(item);
      if (r && !(r[0] in out)) out[r[0]] = r[1];
    }
  };
  const project = doc.project as Record<string, unknown> | undefined;
  if (project && typeof project === 'object') {
    add(project.dependencies);
    const opt = project['optional-dependencies'];
    if (opt && typeof opt === 'object') for (const list of Object.values(opt as Record<string, unknown>)) add(list);
  }
  const poetry = ((doc.tool as Record<string, unknown> | undefined)?.poetry as Record<string, unknown> | undefined)?.dependencies;
  if (poetry && typeof poetry === 'object' && !Array.isArray(poetry)) {
    for (const [name, v] of Object.entries(poetry as Record<string, unknown>)) {
      if (name.toLowerCase() === 'python') continue;
      const spec = poetrySpec(v);
      const key = normalizePackageName(name);
      if (spec !== null && !(key in out)) out[key] = spec;
    }
  }
  return out;
}

function readRequirementsFile(cache: FileCache, file: string): Record<string, string> {
  return cache.memo('requirements', file, () => {
    const seen = new Set<string>();
    const read = (f: string, depth: number): Record<string, string> => {
      const abs = path.resolve(f);
      if (seen.has(abs) || depth > MAX_INCLUDE_DEPTH) return {};
      seen.add(abs);
      const r = cache.readText(abs);
      if (r.text === null) return {};
      const included: string[] = [];
      const own = parseRequirementsText(r.text, (ref) => included.push(ref));
      const out = { ...own };
      for (const ref of included) {
        for (const [k, v] of Object.entries(read(path.resolve(path.dirname(abs), ref), depth + 1))) if (!(k in out)) out[k] = v;
      }
      return out;
    };
    return read(file, 0);
  });
}

const REQUIREMENTS_FILE = /^requirements.*\.txt$/i;

/** Requirements declared in one folder, or null when it declares none. */
function folderRequirements(cache: FileCache, dir: string, knownCodes: ReadonlySet<string>, problems: ConfigProblem[]): { pins: Record<string, string>; from: string } | null {
  const names = cache.list(dir);
  const reqFiles = names.filter((n) => REQUIREMENTS_FILE.test(n)).sort((a, b) => (a.toLowerCase() === 'requirements.txt' ? -1 : b.toLowerCase() === 'requirements.txt' ? 1 : a.localeCompare(b)));
  const sources: [string, Record<string, string>][] = reqFiles.map((n) => [path.join(dir, n), readRequirementsFile(cache, path.join(dir, n))]);
  if (names.includes('pyproject.toml')) {
    const cfg = readPyproject(cache, path.join(dir, 'pyproject.toml'), knownCodes);
    if (cfg?.document) sources.push([cfg.path, pyprojectDependencies(cfg.document)]);
    else if (cfg) problems.push(...cfg.problems);
  }
  const pins: Record<string, string> = {};
  let from: string | null = null;
  for (const [file, list] of sources) {
    if (!Object.keys(list).length) continue;
    from ??= file;
    for (const [k, v] of Object.entries(list)) if (!(k in pins)) pins[k] = v;
  }
  return from ? { pins, from } : null;
}

export interface FactsResult {
  facts: WorkspaceFacts;
  /** Problems of the pyproject.toml files read on the way (a broken one cannot declare dependencies). */
  problems: ConfigProblem[];
}

/** The workspace facts for `file`, looking from its folder up to `root`. */
export function workspaceFactsFor(cache: FileCache, file: string, root: string | null, knownCodes: ReadonlySet<string>): FactsResult {
  const problems: ConfigProblem[] = [];
  const facts: WorkspaceFacts = { sampleSubmissionColumns: null, sampleSubmissionPath: null, requirements: null, requirementsPath: null };
  const dirs = ancestors(path.dirname(path.resolve(file)), root);
  for (const dir of dirs) {
    if (!cache.has(dir, SAMPLE_SUBMISSION)) continue;
    const p = path.join(dir, SAMPLE_SUBMISSION);
    const head = cache.readHead(p, HEAD_BYTES);
    const cols = head === null ? null : parseCsvHeader(head);
    if (!cols) continue; // unreadable or empty: keep looking further up
    facts.sampleSubmissionColumns = cols;
    facts.sampleSubmissionPath = p;
    break;
  }
  for (const dir of dirs) {
    const r = folderRequirements(cache, dir, knownCodes, problems);
    if (!r) continue;
    facts.requirements = r.pins;
    facts.requirementsPath = r.from;
    break;
  }
  return { facts, problems };
}
