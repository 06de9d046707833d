/**
 * The analysis pipeline: text -> tree -> model -> every enabled rule -> findings, with suppressions
 * and severity overrides applied. No rule can take the others down: a rule that throws is reported
 * through `onRuleError` and skipped.
 *
 * `analyzeModel` runs the rules in one go (the CLI, the tests). `analyzeModelSliced` runs the same
 * rules, one `Analysis.run` each, in slices: between two rules it hands the event loop a turn once a
 * slice has lasted `sliceMs`, and it stops as soon as the caller's `isStale()` says its result is no
 * longer wanted (the language server: a newer version of the document arrived).
 */
import { parsePython, type Tree } from './parser';
import { PythonModel } from './model';
import { SourceText } from './source';
import { parseDirectives, isSuppressed, suppressionLines, type Directives } from './directives';
import { effectiveSeverity, defaultSettings, type ResolvedSettings, type WorkspaceFacts } from '../config/settings';
import { nodeRange, type Finding, type Rule, type RuleContext } from '../rules/types';
import { ALL_RULES, KNOWN_CODES } from '../rules/index';
import type { Program } from '../project/loader';

export interface AnalyzeOptions {
  settings?: ResolvedSettings;
  workspace?: WorkspaceFacts;
  rules?: readonly Rule[];
  /** Called once per failing rule with the error; the other rules still run. */
  onRuleError?: (code: string, error: unknown) => void;
  /** Time budget for all rules (ms). Rules not started by then are skipped and named in `skippedRules`. */
  timeBudgetMs?: number;
  /**
   * Rules not to run, named in `skippedRules` as if the budget had run out before them: the language
   * server passes the rules an earlier check of the same document skipped, so that a document near
   * its budget does not show a different set of findings after every keystroke.
   */
  skipRules?: ReadonlySet<string>;
  /** Shell commands the program runs outside Python (a notebook's `!cmd` lines, `%%bash` cells). */
  shellCommands?: readonly string[];
  /** The clock of the time budget and of the slices (ms); `Date.now` unless a test injects one. */
  now?: () => number;
  /**
   * The project modules the checked file imports (project/loader.ts `loadProgram`), loaded by the
   * caller (the CLI, the language server): the analysis itself reads no file. Absent = the file alone.
   */
  program?: Program;
}

export interface SlicedAnalyzeOptions extends AnalyzeOptions {
  /**
   * Asked before the model is first read, before every rule and after every pause: true abandons the
   * analysis (a newer version of the text, the document closed). After a pause it is asked before
   * the model is touched again, so a model whose tree was dropped meanwhile is never read.
   */
  isStale: () => boolean;
  /** The event loop gets a turn between two rules once this much time has passed since the last one (ms). */
  sliceMs?: number;
  /** How the event loop is given its turn: `nextTurn` (one setImmediate) unless the caller needs longer. */
  pause?: () => Promise<void>;
}

/** How long the sliced analysis runs before it lets other work (requests, newer edits) in, by default (ms). */
export const DEFAULT_SLICE_MS = 5;

export type SlicedAnalysis =
  /** `pauses`: how many times the event loop got a turn. */
  | { cancelled: false; result: AnalysisResult; pauses: number }
  /** Abandoned (`isStale()`) after `rulesRun` rules. */
  | { cancelled: true; rulesRun: number; pauses: number };

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
  /** Rules skipped because the time budget ran out (empty normally), or named in `skipRules`. */
  skippedRules: string[];
  /** How many of `skippedRules` were skipped because `skipRules` named them. */
  skippedAsAsked: number;
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

/**
 * One analysis of a model: what every rule is given, and the findings so far. `analyzeModel` and
 * `analyzeModelSliced` both drive it one rule at a time, so the two give the same findings.
 */
class Analysis {
  private readonly directives: Directives;
  private readonly settings: ResolvedSettings;
  private readonly workspace: WorkspaceFacts;
  private readonly syntaxError: boolean;
  private readonly findings: Finding[] = [];
  private readonly skippedRules: string[] = [];
  private skippedAsAsked = 0;
  private readonly now: () => number;
  /** When the rules started, moved forward by every pause: time spent on other work is not the rules'. */
  private started: number;

  constructor(
    private readonly model: PythonModel,
    private readonly opts: AnalyzeOptions,
  ) {
    this.directives = parseDirectives(model.comments);
    this.settings = settingsForFile(opts.settings ?? defaultSettings(), this.directives);
    this.workspace = opts.workspace ?? {};
    this.syntaxError = model.root.hasError;
    this.now = opts.now ?? Date.now;
    this.started = this.now();
  }

  /** Runs one rule, or skips it (the time budget spent, the rule in `skipRules`, the rule disabled); a rule that throws is reported and skipped. */
  run(rule: Rule): void {
    const { model, settings, workspace, directives, syntaxError, findings, opts } = this;
    if (opts.skipRules?.has(rule.meta.code)) {
      this.skippedRules.push(rule.meta.code);
      this.skippedAsAsked++;
      return;
    }
    if (opts.timeBudgetMs !== undefined && this.now() - this.started > opts.timeBudgetMs) {
      this.skippedRules.push(rule.meta.code);
      return;
    }
    const severity = effectiveSeverity(rule.meta.code, rule.meta.severity, settings);
    if (!severity) return;
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

  /** `ms` were spent on other work (a pause): they do not count against the time budget. */
  paused(ms: number): void {
    this.started += ms;
  }

  result(): AnalysisResult {
    const { findings, model, directives, syntaxError, skippedRules, skippedAsAsked } = this;
    findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || a.code.localeCompare(b.code));
    return { findings, model, directives, syntaxError, skippedRules, skippedAsAsked, elapsedMs: this.now() - this.started };
  }
}

export function analyzeModel(model: PythonModel, opts: AnalyzeOptions = {}): AnalysisResult {
  const analysis = new Analysis(model, opts);
  for (const rule of opts.rules ?? ALL_RULES) analysis.run(rule);
  return analysis.result();
}

/** Resolves once the event loop has had a turn (the I/O and the callbacks already waiting go first). */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * `analyzeModel` in slices: the same rules and findings (the time budget counts the rules' own time,
 * not the pauses), but between two rules the event loop gets a turn once `sliceMs` have passed, and
 * the analysis is abandoned (`cancelled: true`) at the first rule boundary where `isStale()` is true.
 * A rule itself is never interrupted.
 */
export async function analyzeModelSliced(model: PythonModel, opts: SlicedAnalyzeOptions): Promise<SlicedAnalysis> {
  if (opts.isStale()) return { cancelled: true, rulesRun: 0, pauses: 0 };
  const now = opts.now ?? Date.now;
  const sliceMs = opts.sliceMs ?? DEFAULT_SLICE_MS;
  const analysis = new Analysis(model, opts);
  let pauses = 0;
  let rulesRun = 0;
  let sliceStart = now();
  for (const rule of opts.rules ?? ALL_RULES) {
    if (rulesRun > 0 && now() - sliceStart >= sliceMs) {
      const before = now();
      await (opts.pause ?? nextTurn)();
      pauses++;
      sliceStart = now();
      analysis.paused(sliceStart - before);
    }
    // before the model is touched again: a newer edit may have dropped its tree during the pause
    if (opts.isStale()) return { cancelled: true, rulesRun, pauses };
    analysis.run(rule);
    rulesRun++;
  }
  return { cancelled: false, result: analysis.result(), pauses };
}

export { nodeRange };
