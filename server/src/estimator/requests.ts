/**
 * The two requests the client's budget panel sends the language server (method names and shapes,
 * shared by both sides; plain data only).
 */
import type { EstimateInput } from './estimate';
import type { Range, TextEdit } from '../analysis/source';
import type { FactKey } from './scriptFacts';

/** `trainguard/scriptEstimateInput`: what a script says, as the estimator's input. */
export const SCRIPT_INPUT_REQUEST = 'trainguard/scriptEstimateInput';

export interface ScriptInputParams {
  uri: string;
  /** The document's text and version as the client sees them (used when the server's copy differs). */
  text: string;
  version: number;
}

export interface ScriptFactSummary {
  value: string | number;
  source: string;
  /** Where the literal sits (for "show me"), when the value comes from one. */
  range: Range | null;
}

export interface ScriptInputResult {
  uri: string;
  version: number;
  /** null: the script gives no model or no epoch count. */
  input: EstimateInput | null;
  assumptions: string[];
  /** Each fact the input was built from. */
  facts: Partial<Record<FactKey, ScriptFactSummary>>;
  otherModels: string[];
  minFolds: number;
  amp: boolean | null;
  multiGpu: boolean;
  /** Budget and GPU after every layer (settings, pyproject, the file's `# trainguard:` comment). */
  budgetMinutes: number | null;
  gpu: string | null;
  /** Where the budget and GPU come from: 'file comment' or 'settings'. */
  budgetFrom: 'file comment' | 'settings' | null;
  gpuFrom: 'file comment' | 'settings' | null;
}

/** `trainguard/planEdits`: the edits that write a model / folds / epochs plan into the script. */
export const PLAN_EDITS_REQUEST = 'trainguard/planEdits';

export interface PlanEditsParams {
  uri: string;
  text: string;
  version: number;
  change: { model?: string; folds?: number; epochs?: number };
}

export interface PlanEditsResult {
  version: number;
  edits: TextEdit[];
  /** What could not be written, and why. */
  problems: string[];
}
