/**
 * The request the extension's run guard sends the language server (method name and shapes, shared
 * by both sides; plain data only): what the script says that the guard needs, read from the model
 * the server already keeps, and the budget after every settings layer.
 */
import type { ScriptRunInfo } from './scriptInfo';

/** `trainguard/runGuardInfo`. */
export const RUN_GUARD_INFO_REQUEST = 'trainguard/runGuardInfo';

export interface RunGuardInfoParams {
  uri: string;
  /** The document's text and version as the client sees them (used when the server's copy differs). */
  text: string;
  version: number;
}

export interface RunGuardInfoResult {
  uri: string;
  version: number;
  /** null when the file is not analysed (over the size limits, Train Guard disabled). */
  info: ScriptRunInfo | null;
  /** The budget after settings, pyproject.toml and the file's `# trainguard: budget=` comment. */
  budgetMinutes: number | null;
}
