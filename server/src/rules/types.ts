/**
 * The shape of a rule (ESLint-style: metadata + check) and of what it reports. Rules read the shared
 * PythonModel and report Findings; a finding may carry a Fix made of text edits computed from the tree.
 */
import type { Node } from '../analysis/parser';
import type { PythonModel } from '../analysis/model';
import type { Range, TextEdit } from '../analysis/source';
import type { WorkspaceFacts, ResolvedSettings } from '../config/settings';
import type { Directives } from '../analysis/directives';

export type Severity = 'error' | 'warning' | 'information';

/** Ruff's terms: safe fixes are applied by fix-all; unsafe ones only when asked for one by one. */
export type Applicability = 'safe' | 'unsafe';

export interface Fix {
  /** What the lightbulb says: "Move the loss into the autocast block". */
  title: string;
  applicability: Applicability;
  edits: TextEdit[];
  /**
   * Text the fix relies on without editing it (TG304: the import a rewritten call stops using, which
   * the call that is its last user removes). Fix-all applies no two fixes in one round whose edits
   * or `dependsOn` ranges overlap, so each such fix sees what the others changed.
   */
  dependsOn?: Range[];
}

export interface Finding {
  code: string;
  message: string;
  severity: Severity;
  range: Range;
  fix?: Fix;
  /** Other ways to fix the same finding (offered as further quick fixes; never applied by fix-all). */
  alternativeFixes?: Fix[];
  /**
   * Other places that explain the finding (shown as related information): in the same file, or in
   * `file` (an absolute path: another module of the project, issue 18).
   */
  related?: { range: Range; message: string; file?: string }[];
}

export interface RuleMeta {
  code: string;
  /** kebab-case, stable */
  name: string;
  severity: Severity;
  /** Section of kaggle-training-hints.txt the rule comes from. */
  section: string;
  /** One line: what the rule catches. */
  summary: string;
  /** Does the rule offer a quick fix (for at least some findings)? */
  fixable: boolean;
}

export interface RuleContext {
  readonly model: PythonModel;
  readonly settings: ResolvedSettings;
  readonly workspace: WorkspaceFacts;
  /** The file's comment directives (suppressions, budget, gpu), parsed once. */
  readonly directives: Directives;
  /** Every code the registry knows. */
  readonly knownCodes: ReadonlySet<string>;
  /** Shell commands the program runs outside Python: a notebook's `!nvidia-smi` lines, `%%bash` cells (empty for a .py file). */
  readonly shellCommands: readonly string[];
  report(finding: { node?: Node; range?: Range; message: string; fix?: Fix | null; alternativeFixes?: Fix[]; related?: { range: Range; message: string; file?: string }[]; severity?: Severity }): void;
}

export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): void;
}

export const DOCS_BASE_URL = 'https://github.com/trainguard/train-guard/blob/main/docs/rules/';

export function docsUrl(code: string): string {
  return `${DOCS_BASE_URL}${code}.md`;
}

export function nodeRange(node: Node): Range {
  return {
    start: { line: node.startPosition.row, character: node.startPosition.column },
    end: { line: node.endPosition.row, character: node.endPosition.column },
  };
}
