/**
 * Settings for one file: defaults, then the nearest pyproject.toml's [tool.trainguard], then the
 * adapter's own overrides (VS Code settings, then CLI flags). Each layer only sets what it names;
 * later layers win. Rule selection across layers follows Ruff (see settings.ts): a layer with a
 * non-empty `select` starts over, the `ignore`s of layers after it always win.
 */
import { defaultSettings, isKnownSelector, SEVERITY_OVERRIDES, type ResolvedSettings, type SeverityOverride } from './settings';

export type SettingsLayer = Partial<Omit<ResolvedSettings, 'laterIgnore'>>;

export function mergeSettings(...layers: (SettingsLayer | null | undefined)[]): ResolvedSettings {
  const out = defaultSettings();
  const laterIgnore: string[] = [];
  for (const l of layers) {
    if (!l) continue;
    if (l.select && l.select.length) {
      // this layer's selection replaces everything below it
      out.select = [...l.select];
      out.ignore = l.ignore ? [...l.ignore] : [];
      laterIgnore.length = 0;
    } else if (l.ignore && l.ignore.length) {
      // no select in this layer: its ignores apply on top of whatever was selected below
      if (out.select.length) laterIgnore.push(...l.ignore);
      else out.ignore = [...out.ignore, ...l.ignore];
    }
    if (l.severity) out.severity = { ...out.severity, ...l.severity };
    if (l.budgetMinutes !== undefined && l.budgetMinutes !== null) out.budgetMinutes = l.budgetMinutes;
    if (l.gpu !== undefined && l.gpu !== null && l.gpu !== '') out.gpu = l.gpu;
    if (typeof l.followImports === 'boolean') out.followImports = l.followImports;
  }
  if (laterIgnore.length) out.laterIgnore = laterIgnore;
  return out;
}

/** Settings as an editor hands them over (any JSON: users edit settings.json by hand). */
export interface RawSettings {
  select?: unknown;
  ignore?: unknown;
  severity?: unknown;
  budgetMinutes?: unknown;
  gpu?: unknown;
  followImports?: unknown;
}

/**
 * A layer from editor settings (`trainguard.select`, ...): wrong types are dropped, codes are
 * upper-cased, and each unknown code or bad value gives one problem (`trainguard.select: ...`).
 */
export function layerFromSettings(raw: RawSettings, knownCodes: ReadonlySet<string>, prefix = 'trainguard'): { layer: SettingsLayer; problems: string[] } {
  const layer: SettingsLayer = {};
  const problems: string[] = [];
  const known = [...knownCodes];
  for (const key of ['select', 'ignore'] as const) {
    const v = raw[key];
    if (v === undefined || v === null) continue;
    if (!Array.isArray(v)) {
      problems.push(`${prefix}.${key} must be a list of rule codes or prefixes (e.g. ["TG303", "TG7"]): ignored`);
      continue;
    }
    const codes = v.filter((c): c is string => typeof c === 'string').map((c) => c.trim().toUpperCase()).filter(Boolean);
    for (const c of codes) if (!isKnownSelector(c, known)) problems.push(`${prefix}.${key}: "${c}" is not a Train Guard rule code or prefix`);
    layer[key] = codes;
  }
  if (raw.severity !== undefined && raw.severity !== null) {
    if (typeof raw.severity !== 'object' || Array.isArray(raw.severity)) problems.push(`${prefix}.severity must be an object like { "TG205": "off" }: ignored`);
    else {
      const sev: Record<string, SeverityOverride> = {};
      for (const [rawCode, level] of Object.entries(raw.severity as Record<string, unknown>)) {
        const code = rawCode.trim().toUpperCase();
        if (!knownCodes.has(code)) problems.push(`${prefix}.severity: "${rawCode}" is not a Train Guard rule code`);
        if (typeof level === 'string' && SEVERITY_OVERRIDES.includes(level as SeverityOverride)) sev[code] = level as SeverityOverride;
        else problems.push(`${prefix}.severity: ${rawCode} must be one of ${SEVERITY_OVERRIDES.join(', ')}: ignored`);
      }
      layer.severity = sev;
    }
  }
  if (raw.budgetMinutes !== undefined && raw.budgetMinutes !== null) {
    if (typeof raw.budgetMinutes === 'number' && Number.isFinite(raw.budgetMinutes) && raw.budgetMinutes > 0) layer.budgetMinutes = raw.budgetMinutes;
    else problems.push(`${prefix}.budgetMinutes must be a positive number of minutes: ignored`);
  }
  if (raw.gpu !== undefined && raw.gpu !== null && raw.gpu !== '') {
    if (typeof raw.gpu === 'string') layer.gpu = raw.gpu.trim();
    else problems.push(`${prefix}.gpu must be a GPU name like "T4": ignored`);
  }
  if (raw.followImports !== undefined && raw.followImports !== null) {
    if (typeof raw.followImports === 'boolean') layer.followImports = raw.followImports;
    else problems.push(`${prefix}.followImports must be true or false: ignored`);
  }
  return { layer, problems };
}
