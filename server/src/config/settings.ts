/**
 * One settings model for the editor, the CLI and the tests. Adapters (LSP, CLI) turn their inputs
 * (VS Code settings, pyproject.toml, flags) into ResolvedSettings; rules only read it.
 */
import type { Severity } from '../rules/types';

export type SeverityOverride = Severity | 'off';

export interface ResolvedSettings {
  /** Codes (or prefixes like `TG3`) to enable; empty = all. */
  select: string[];
  /** Codes (or prefixes) to disable. */
  ignore: string[];
  /** Per-code severity overrides. */
  severity: Record<string, SeverityOverride>;
  /** Time budget in minutes for TG101 (null = not set). */
  budgetMinutes: number | null;
  /** GPU the budget is estimated for (`A10`, `T4`, ...). */
  gpu: string | null;
}

/** Facts read from the workspace by an adapter and handed to the rules (rules never read files). */
export interface WorkspaceFacts {
  /** Header columns of the nearest sample_submission.csv, if any. */
  sampleSubmissionColumns?: string[] | null;
  /** Path of that file (for messages). */
  sampleSubmissionPath?: string | null;
  /** Pinned requirements: package name (lower-case) -> version spec, e.g. `{albumentations: '==1.4.0'}`. */
  requirements?: Record<string, string> | null;
  /** Where the pins come from (for messages). */
  requirementsPath?: string | null;
}

export function defaultSettings(): ResolvedSettings {
  return { select: [], ignore: [], severity: {}, budgetMinutes: null, gpu: null };
}

function matches(code: string, patterns: string[]): boolean {
  return patterns.some((p) => p === 'ALL' || code === p || (p.length < code.length && code.startsWith(p)));
}

/** Is a rule on, and with which severity? Ruff's semantics: select, then ignore (more specific wins). */
export function effectiveSeverity(code: string, defaultSeverity: Severity, s: ResolvedSettings): Severity | null {
  const override = s.severity[code];
  if (override === 'off') return null;
  if (s.select.length && !matches(code, s.select)) return null;
  if (matches(code, s.ignore)) {
    // a more specific select beats a broader ignore (select TG303, ignore TG3)
    const sel = s.select.filter((p) => code.startsWith(p) || p === code).map((p) => p.length);
    const ign = s.ignore.filter((p) => p === 'ALL' || code.startsWith(p)).map((p) => (p === 'ALL' ? 0 : p.length));
    if (!sel.length || Math.max(...sel) <= Math.max(...ign)) return null;
  }
  return override ?? defaultSeverity;
}
