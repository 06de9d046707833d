/** Command, view and context-key names shared by a feature's registration (client.js) and its lazily loaded implementation (client/src/lazy/). No imports. */
export const VIEW_ID = 'trainguard.budget';

export const RUN_COMMAND = 'trainguard.runWithGuard';
export const STOP_COMMAND = 'trainguard.stopRun';
export const OPEN_LOG_COMMAND = 'trainguard.openRunLog';
export const RUNS_COMMAND = 'trainguard.runGuardRuns';
export const SHOW_RUN_COMMAND = 'trainguard.showRun';
export const RUN_ACTIVE_CONTEXT = 'trainguard.runActive';
/**
 * The extension's own view of workspace trust (`vscode.workspace.isTrusted`), for the menus: what the
 * command checks. (VS Code's `isWorkspaceTrusted` key was not set in code-server started with
 * --disable-workspace-trust, where the workspace counts as trusted, and the command vanished.)
 */
export const WORKSPACE_TRUSTED_CONTEXT = 'trainguard.workspaceTrusted';
