/**
 * The analysis pipeline: text -> tree -> model -> every enabled rule -> findings, with suppressions
 * and severity overrides applied. No rule can take the others down: a rule that throws is reported
 * through `onRuleError` and skipped.
 */
import { parsePython, type Tree } from './parser';
import { PythonModel } from './model';
import { SourceText } from './source';
import { parseDirectives, isSuppressed, suppressionLines, type Directives } from './directives';
import { effectiveSeverity, defaultSettings, type ResolvedSettings, type WorkspaceFacts } from '../config/settings';
import { nodeRange, type Finding, type Rule, type RuleContext } from '../rules/types';
import { ALL_RULES, KNOWN_CODES } from '../rules/index';

export interface AnalyzeOptions {
  settings?: ResolvedSettings;
  workspace?: WorkspaceFacts;
  rules?: readonly Rule[];
  /** Called once per failing rule with the error; the other rules still run. */
  onRuleError?: (code: string, error: unknown) => void;
  /** Time budget for all rules (ms). Rules not started by then are skipped and named in `skippedRules`. */
  timeBudgetMs?: number;
  /** Shell commands the program runs outside Python (a notebook's `!cmd` lines, `%%bash` cells). */
  shellCommands?: readonly string[];
}

export interface AnalyzeTextOptions extends AnalyzeOptions {
  /** Keep the tree alive and return the model (the caller must then `model.tree.delete()`). */
  keepModel?: boolean;
}

export interface AnalysisResult {
  findings: Finding[];
  model: PythonModel;
  directives: Directives;
  /** The file does not parse cleanly: findings are still given, fixes are withheld. */
  syntaxError: boolean;
  /** Rules skipped because the time budget ran out (empty normally). */
  skippedRules: string[];
  /** How long the rules took (ms). */
  elapsedMs: number;
}

/** Settings after the file's own `# trainguard: budget=... gpu=...` directives. */
export function settingsForFile(settings: ResolvedSettings, d: Directives): ResolvedSettings {
  if (d.budgetMinutes === null && d.gpu === null) return settings;
  return { ...settings, budgetMinutes: d.budgetMinutes ?? settings.budgetMinutes, gpu: d.gpu ?? settings.gpu };
}

export function analyzeTree(tree: Tree, source: SourceText | string, opts: AnalyzeOptions = {}): AnalysisResult {
  const model = new PythonModel(tree, source);
  return analyzeModel(model, opts);
}

/**
 * Parses and analyses `text`. The tree lives in WebAssembly memory, which the garbage collector does
 * not see: it is freed here unless `keepModel` asks for the model (and its tree) back.
 */
export function analyzeText(text: string, opts: AnalyzeTextOptions = {}): AnalysisResult {
  const source = new SourceText(text);
  const tree = parsePython(text);
  try {
    return analyzeTree(tree, source, opts);
  } finally {
    if (!opts.keepModel) tree.delete();
  }
}

export function analyzeModel(model: PythonModel, opts: AnalyzeOptions = {}): AnalysisResult {
  const directives = parseDirectives(model.comments);
  const settings = settingsForFile(opts.settings ?? defaultSettings(), directives);
  const workspace = opts.workspace ?? {};
  const syntaxError = model.root.hasError;
  const findings: Finding[] = [];
  const skippedRules: string[] = [];
  const started = Date.now();
  for (const rule of opts.rules ?? ALL_RULES) {
    if (opts.timeBudgetMs !== undefined && Date.now() - started > opts.timeBudgetMs) {
      skippedRules.push(rule.meta.code);
      continue;
    }
    const severity = effectiveSeverity(rule.meta.code, rule.meta.severity, settings);
    if (!severity) continue;
    const ctx: RuleContext = {
      model,
      settings,
      workspace,
      directives,
      knownCodes: KNOWN_CODES,
      shellCommands: opts.shellCommands ?? [],
      report(f) {
        const range = f.range ?? (f.node ? nodeRange(f.node) : undefined);
        if (!range) throw new Error(`${rule.meta.code} reported without a location`);
        if (isSuppressed(directives, rule.meta.code, directives.lines.size ? suppressionLines(model.root, range.start) : [])) return;
        const finding: Finding = { code: rule.meta.code, message: f.message, severity: f.severity ?? severity, range };
        if (f.fix && !syntaxError) finding.fix = f.fix;
        if (f.alternativeFixes?.length && !syntaxError) finding.alternativeFixes = f.alternativeFixes;
        if (f.related?.length) finding.related = f.related;
        findings.push(finding);
      },
    };
    try {
      rule.check(ctx);
    } catch (error) {
      opts.onRuleError?.(rule.meta.code, error);
    }
  }
  findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || a.code.localeCompare(b.code));
  return { findings, model, directives, syntaxError, skippedRules, elapsedMs: Date.now() - started };
}

export { nodeRange };
