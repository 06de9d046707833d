/**
 * One settings model for the editor, the CLI and the tests. Adapters (LSP, CLI) turn their inputs
 * (VS Code settings, pyproject.toml, flags) into ResolvedSettings; rules only read it.
 *
 * Rule selection follows Ruff. Within one layer (pyproject.toml, the editor's settings or the CLI's
 * flags) the most specific pattern wins: `select = ["TG303"]` with `ignore = ["TG3"]` keeps TG303
 * on; on a tie (`select = ["TG3"]`, `ignore = ["TG3"]`) ignore wins. Across layers, a layer that
 * names a `select` starts over from it (what lower layers selected or ignored no longer counts), and
 * the `ignore` of a layer above the last `select` always wins (`--ignore TG3` on the command line
 * turns TG303 off even when pyproject.toml selects TG303). An empty select means "no opinion", not
 * "nothing".
 */
import type { Severity } from '../rules/types';

export type SeverityOverride = Severity | 'off';

export const SEVERITY_OVERRIDES: readonly SeverityOverride[] = ['error', 'warning', 'information', 'off'];

export interface ResolvedSettings {
  /** Codes (or prefixes like `TG3`, or `ALL`) to enable; empty = all. */
  select: string[];
  /** Codes (or prefixes) to disable; a more specific `select` entry beats a broader `ignore` entry. */
  ignore: string[];
  /**
   * Codes (or prefixes) ignored by a layer of higher precedence than the one that set `select`
   * (e.g. `--ignore` over pyproject.toml's select): these win over any select.
   */
  laterIgnore?: string[];
  /** Per-code severity overrides (exact codes). */
  severity: Record<string, SeverityOverride>;
  /** Time budget in minutes for TG101 (null = not set). */
  budgetMinutes: number | null;
  /** GPU the budget is estimated for (`A10`, `T4`, ...). */
  gpu: string | null;
  /**
   * Read the project modules a file imports (issue 18): `follow-imports` in pyproject.toml,
   * `trainguard.followImports`, `--no-follow-imports`. Off: each file is checked alone.
   */
  followImports: boolean;
}

/** Facts read from the workspace by an adapter and handed to the rules (rules never read files). */
export interface WorkspaceFacts {
  /** Header columns of the nearest sample_submission.csv, if any. */
  sampleSubmissionColumns?: string[] | null;
  /** Path of that file (for messages). */
  sampleSubmissionPath?: string | null;
  /**
   * Requirements of the nearest folder that declares any (requirements*.txt, pyproject.toml):
   * normalised package name (lower-case, runs of `-_.` as `-`) -> version spec with the spaces
   * removed, e.g. `{albumentations: '==1.4.0', torch: '>=2.1,<2.5'}`; `''` = listed without a version.
   */
  requirements?: Record<string, string> | null;
  /** Where the pins come from (for messages): the first file of that folder that lists any. */
  requirementsPath?: string | null;
}

export function defaultSettings(): ResolvedSettings {
  return { select: [], ignore: [], severity: {}, budgetMinutes: null, gpu: null, followImports: true };
}

/** Specificity of the most specific pattern matching `code` (`ALL` = 0), or -1 when none matches. */
function specificity(code: string, patterns: readonly string[]): number {
  let best = -1;
  for (const p of patterns) {
    if (p === 'ALL') best = Math.max(best, 0);
    else if (code === p || (p.length < code.length && code.startsWith(p))) best = Math.max(best, p.length);
  }
  return best;
}

/** Is the rule on under one layer's select / ignore? A more specific pattern wins; ignore wins a tie. */
export function selectedBy(code: string, select: readonly string[], ignore: readonly string[]): boolean {
  const sel = select.length ? specificity(code, select) : 0;
  if (sel < 0) return false;
  // an empty select counts as `ALL` (specificity 0): any matching ignore then wins
  return specificity(code, ignore) < sel;
}

/** Is a rule on, and with which severity? `null` = off. */
export function effectiveSeverity(code: string, defaultSeverity: Severity, s: ResolvedSettings): Severity | null {
  const override = s.severity[code];
  if (override === 'off') return null;
  if (!selectedBy(code, s.select, s.ignore)) return null;
  if (s.laterIgnore && specificity(code, s.laterIgnore) >= 0) return null;
  return override ?? defaultSeverity;
}

/** Is `p` a rule code, a prefix of known codes, or `ALL`? (`TG3` yes, `TG9` only when a TG9xx rule exists.) */
export function isKnownSelector(p: string, known: Iterable<string>): boolean {
  if (p === 'ALL') return true;
  if (!/^[A-Z]+[0-9]*$/.test(p)) return false;
  for (const k of known) if (k === p || k.startsWith(p)) return true;
  return false;
}
