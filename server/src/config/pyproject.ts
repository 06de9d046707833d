/**
 * `[tool.trainguard]` in pyproject.toml: the project's own settings, shared by the editor and the CLI.
 *
 *   [tool.trainguard]
 *   select = ["TG2", "TG303"]         # codes or prefixes (or "ALL"); empty / absent = every rule
 *   ignore = ["TG205"]
 *   severity = { TG701 = "error", TG221 = "off" }
 *   budget-minutes = 30               # or "1.5h"
 *   gpu = "T4"
 *   follow-imports = false            # do not read the project modules a file imports (default true)
 *
 * The nearest pyproject.toml that has a `[tool.trainguard]` table (or that cannot be read, so we
 * cannot tell) is the file's configuration: walking up from the file's folder to the workspace root
 * (or to the filesystem root when the file is outside it), like Ruff. A broken file gives one problem
 * and no settings (the defaults); unknown keys, codes and values give one problem each and are
 * otherwise skipped. Nothing here throws.
 */
import * as path from 'path';
import type { SettingsLayer } from './resolve';
import { isKnownSelector, SEVERITY_OVERRIDES, type SeverityOverride } from './settings';
import { ancestors, type FileCache } from './files';
import { parseDuration } from '../analysis/directives';

// smol-toml ships an ES module with a CommonJS build beside it ("require" export): the CommonJS one is
// what esbuild bundles and what the compiled tests load; TypeScript's node16 resolution would type the
// ESM entry, which a CommonJS file cannot import, hence the typed require. Its TomlError carries 1-based
// `line` and `column`.
const { parse: parseToml } = require('smol-toml') as { parse: (text: string) => unknown };

export const CONFIG_FILE = 'pyproject.toml';
export const CONFIG_KEYS = ['select', 'ignore', 'severity', 'budget-minutes', 'gpu', 'follow-imports'] as const;

/** A problem with a configuration file, for a diagnostic on it (editor) or a line on stderr (CLI). */
export interface ConfigProblem {
  file: string;
  /** 0-based line, or null when the problem is with the whole file. */
  line: number | null;
  character: number;
  message: string;
}

export interface PyprojectConfig {
  path: string;
  /** The parsed document; null when the file is unreadable or not valid TOML. */
  document: Record<string, unknown> | null;
  /** Has a `[tool.trainguard]` table. */
  hasSection: boolean;
  /** What `[tool.trainguard]` sets; null = nothing (no section, or the file could not be read). */
  layer: SettingsLayer | null;
  problems: ConfigProblem[];
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (isTable(v)) return 'a table';
  if (typeof v === 'string') return `the string "${v}"`;
  return `${typeof v} ${String(v)}`;
}

/** Levenshtein distance, for "did you mean" on a misspelt key. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length][b.length];
}

/** Where a key or value sits in the text, found by reading the lines of `[tool.trainguard]` (best effort). */
class Locator {
  private readonly lines: string[];
  private readonly sectionStart: number;

  constructor(text: string) {
    this.lines = text.split(/\r\n|\n|\r/);
    this.sectionStart = this.lines.findIndex((l) => /^\s*\[\s*tool\s*\.\s*["']?trainguard["']?\s*[\].]/.test(l) || /^\s*(tool\s*\.\s*)?trainguard\s*\./.test(l));
  }

  /** The line of `key = ...` (or of `needle`) inside the trainguard section, else the section header. */
  find(needle: string, asKey: boolean): { line: number | null; character: number } {
    const from = Math.max(0, this.sectionStart);
    const esc = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = asKey ? new RegExp(`(^|[\\s.{,])["']?${esc}["']?\\s*=`) : new RegExp(`["']${esc}["']`);
    for (let i = from; i < this.lines.length; i++) {
      const m = re.exec(this.lines[i]);
      if (m) return { line: i, character: m.index + (asKey && m[1] ? m[1].length : 0) };
    }
    return this.sectionStart >= 0 ? { line: this.sectionStart, character: 0 } : { line: null, character: 0 };
  }
}

/** Parses a pyproject.toml's text (pure: no file access). `knownCodes` validates codes and prefixes. */
export function parsePyproject(text: string, file: string, knownCodes: ReadonlySet<string>): PyprojectConfig {
  const name = path.basename(file);
  const out: PyprojectConfig = { path: file, document: null, hasSection: false, layer: null, problems: [] };
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    const err = e as { line?: number; column?: number; message?: string };
    const first = String(err?.message ?? e).split('\n')[0].replace(/^Invalid TOML document:\s*/i, '');
    const line = typeof err?.line === 'number' && err.line > 0 ? err.line - 1 : null;
    const character = typeof err?.column === 'number' && err.column > 0 ? err.column - 1 : 0;
    out.problems.push({ file, line, character, message: `${name} is not valid TOML (${first}${line !== null ? ` at line ${line + 1}` : ''}): Train Guard uses its default settings` });
    return out;
  }
  out.document = doc;
  const tool = doc.tool;
  if (!isTable(tool) || !('trainguard' in tool)) return out;
  out.hasSection = true;
  const section = tool.trainguard;
  const loc = new Locator(text);
  const problem = (needle: string, asKey: boolean, message: string) => out.problems.push({ file, ...loc.find(needle, asKey), message });
  if (!isTable(section)) {
    problem('trainguard', true, `[tool.trainguard] must be a table, not ${describe(section)}: ignored`);
    return out;
  }
  const layer: SettingsLayer = {};
  const known = [...knownCodes];
  for (const [key, value] of Object.entries(section)) {
    switch (key) {
      case 'select':
      case 'ignore': {
        if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
          problem(key, true, `[tool.trainguard] ${key} must be an array of rule codes or prefixes (e.g. ["TG303", "TG7"]), not ${describe(value)}: ignored`);
          break;
        }
        const codes = (value as string[]).map((v) => v.trim().toUpperCase()).filter(Boolean);
        for (const c of codes) {
          if (!isKnownSelector(c, known)) problem(c, false, `[tool.trainguard] ${key} names "${c}", which is not a Train Guard rule code or prefix (see \`trainguard rules\`)`);
        }
        layer[key] = codes;
        break;
      }
      case 'severity': {
        if (!isTable(value)) {
          problem(key, true, `[tool.trainguard] severity must be a table like { TG205 = "off" }, not ${describe(value)}: ignored`);
          break;
        }
        const sev: Record<string, SeverityOverride> = {};
        for (const [rawCode, level] of Object.entries(value)) {
          const code = rawCode.trim().toUpperCase();
          if (!knownCodes.has(code)) {
            problem(rawCode, true, `[tool.trainguard] severity names "${rawCode}", which is not a Train Guard rule code (severities are set per code, e.g. TG303)`);
          }
          if (typeof level !== 'string' || !SEVERITY_OVERRIDES.includes(level as SeverityOverride)) {
            problem(rawCode, true, `[tool.trainguard] severity of ${rawCode} must be one of ${SEVERITY_OVERRIDES.map((s) => `"${s}"`).join(', ')}, not ${describe(level)}: ignored`);
            continue;
          }
          sev[code] = level as SeverityOverride;
        }
        layer.severity = sev;
        break;
      }
      case 'budget-minutes': {
        const minutes = typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : typeof value === 'string' ? parseDuration(value) : null;
        if (minutes === null || !Number.isFinite(minutes) || minutes <= 0) {
          problem(key, true, `[tool.trainguard] budget-minutes must be a positive number of minutes (e.g. 30) or a duration like "1.5h", not ${describe(value)}: ignored`);
          break;
        }
        layer.budgetMinutes = minutes;
        break;
      }
      case 'gpu': {
        if (typeof value !== 'string' || !value.trim()) {
          problem(key, true, `[tool.trainguard] gpu must be a GPU name like "T4" or "A10", not ${describe(value)}: ignored`);
          break;
        }
        layer.gpu = value.trim();
        break;
      }
      case 'follow-imports': {
        if (typeof value !== 'boolean') {
          problem(key, true, `[tool.trainguard] follow-imports must be true or false, not ${describe(value)}: ignored`);
          break;
        }
        layer.followImports = value;
        break;
      }
      default: {
        const near = CONFIG_KEYS.filter((k) => distance(k, key.toLowerCase()) <= 2);
        const hint = near.length ? `did you mean "${near[0]}"? ` : '';
        problem(key, true, `unknown key "${key}" in [tool.trainguard]: ignored (${hint}known keys: ${CONFIG_KEYS.join(', ')})`);
      }
    }
  }
  out.layer = layer;
  return out;
}

/** Reads one pyproject.toml through the cache (a read problem becomes the file's one problem). */
export function readPyproject(cache: FileCache, file: string, knownCodes: ReadonlySet<string>): PyprojectConfig | null {
  return cache.memo('pyproject', file, () => {
    const r = cache.readText(file);
    if (r.missing) return null;
    if (r.text === null) {
      return { path: file, document: null, hasSection: false, layer: null, problems: [{ file, line: null, character: 0, message: `${path.basename(file)}: ${r.error}: Train Guard uses its default settings` }] };
    }
    return parsePyproject(r.text, file, knownCodes);
  });
}

/**
 * The configuration that applies to `file`: the nearest pyproject.toml with a `[tool.trainguard]`
 * table, or one that cannot be read (its problem is reported and the defaults are used), walking up
 * from the file's folder to `root` (or the filesystem root when `root` does not contain the file).
 */
export function findConfig(cache: FileCache, file: string, root: string | null, knownCodes: ReadonlySet<string>): PyprojectConfig | null {
  for (const dir of ancestors(path.dirname(path.resolve(file)), root)) {
    if (!cache.has(dir, CONFIG_FILE)) continue;
    const cfg = readPyproject(cache, path.join(dir, CONFIG_FILE), knownCodes);
    if (cfg && (cfg.hasSection || cfg.document === null)) return cfg;
  }
  return null;
}
