/**
 * Settings for one file: defaults, then the nearest pyproject.toml's [tool.trainguard], then the
 * adapter's own overrides (VS Code settings or CLI flags). Each layer only sets what it names.
 */
import { defaultSettings, type ResolvedSettings } from './settings';

export type SettingsLayer = Partial<ResolvedSettings>;

export function mergeSettings(...layers: (SettingsLayer | null | undefined)[]): ResolvedSettings {
  const out = defaultSettings();
  for (const l of layers) {
    if (!l) continue;
    if (l.select && l.select.length) out.select = [...l.select];
    if (l.ignore && l.ignore.length) out.ignore = [...out.ignore, ...l.ignore];
    if (l.severity) out.severity = { ...out.severity, ...l.severity };
    if (l.budgetMinutes !== undefined && l.budgetMinutes !== null) out.budgetMinutes = l.budgetMinutes;
    if (l.gpu !== undefined && l.gpu !== null) out.gpu = l.gpu;
  }
  return out;
}
