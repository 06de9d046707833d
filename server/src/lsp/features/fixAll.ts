/**
 * Fix-all: the `source.fixAll.trainguard` code action (what `"editor.codeActionsOnSave":
 * {"source.fixAll.trainguard": "explicit"}` runs, and `"source.fixAll"` too) and the
 * `trainguard.server.applyFixAll` command behind "Train Guard: Fix all in file".
 *
 * Both apply every safe fix in rounds (`fixes/apply.ts`), never an unsafe one, with the settings and
 * workspace facts the diagnostics use, and send one versioned edit of the document: the smallest
 * replacement turning the analysed text into the fixed one.
 *
 * The command lives in the server (not in the client replaying the code action) so that one
 * implementation serves VS Code's command palette and every other editor speaking LSP
 * (`trainguard lsp`): the client only names the document.
 */
import { CodeActionKind, ResponseError, ErrorCodes, type WorkspaceEdit } from 'vscode-languageserver/node';
import { fixAll, type FixAllResult } from '../../fixes/apply';
import { minimalEdit } from '../../analysis/source';
import { limitExceeded, limitsFrom } from '../../analysis/limits';
import { deferredEdit, fixAllAnswer, freshState, versionedEdit, type DeferredEdit } from '../actions';
import type { DocState, ServerContext, ServerFeature } from '../context';

export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.trainguard`;
export const APPLY_FIX_ALL_COMMAND = 'trainguard.server.applyFixAll';


/**
 * The fix-all result for a document at its analysed version, with the edit to send (null: nothing to
 * change). Nothing is fixed where nothing is checked: Train Guard disabled, or the file over the size
 * limits (`skipped`).
 */
export async function computeFixAll(ctx: ServerContext, state: DocState): Promise<{ result: FixAllResult | null; edit: WorkspaceEdit | null; skipped?: 'disabled' | 'too-large' }> {
  const version = state.doc.version;
  const before = state.doc.text;
  const cs = await ctx.clientSettings(state.uri);
  if (cs.enable === false) return { result: null, edit: null, skipped: 'disabled' };
  if (limitExceeded(before, limitsFrom(cs))) return { result: null, edit: null, skipped: 'too-large' };
  const settings = await ctx.settingsFor(state.uri);
  const result = fixAll(before, { settings, workspace: ctx.workspaceFacts(state.uri) });
  if (result.text === before || state.doc.version !== version) return { result, edit: null };
  return { result, edit: versionedEdit(ctx, state, [minimalEdit(before, result.text)]) };
}

function count(result: FixAllResult): number {
  return [...result.applied.values()].reduce((a, b) => a + b, 0);
}

export const fixAllFeature: ServerFeature = {
  name: 'fix all',
  register(ctx) {
    ctx.addCodeActionSource({
      name: 'fix all',
      kinds: [FIX_ALL_KIND],
      async provide(req) {
        // a notebook's fix-all is per cell (lsp/notebooks.ts adds it to the cell's actions)
        if (!req.wants(FIX_ALL_KIND) || req.state.notebook) return [];
        const answer = fixAllAnswer(req.params.context.only, req.state.findings, req.resolvesEdits);
        if (answer === 'none') return [];
        if (answer === 'defer') {
          const data: DeferredEdit = { trainguard: 'fixAll', uri: req.uri, version: req.version };
          return [{ title: 'Train Guard: fix all safe problems', kind: FIX_ALL_KIND, data }];
        }
        const { result, edit } = await computeFixAll(ctx, req.state);
        if (!edit || !result) return [];
        const n = count(result);
        return [{ title: `Train Guard: fix all safe problems (${n})`, kind: FIX_ALL_KIND, edit }];
      },
      async resolve(action) {
        const d = deferredEdit(action, 'fixAll');
        if (!d) return null;
        const state = await freshState(ctx, d.uri);
        if (!state || state.notebook || state.doc.version !== d.version) return action;
        const { edit } = await computeFixAll(ctx, state);
        return edit && state.doc.version === d.version ? { ...action, edit } : action;
      },
    });

    ctx.addCommand(APPLY_FIX_ALL_COMMAND, async (args) => {
      const arg = args[0] as { uri?: unknown } | undefined;
      if (!arg || typeof arg.uri !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, `${APPLY_FIX_ALL_COMMAND} needs [{ uri }]`);
      if (ctx.notebooks.isCell(arg.uri)) {
        // a notebook cell: the safe fixes that land in this cell
        const r = await ctx.notebooks.cellFixAll(arg.uri);
        if (r.status !== 'ok') return { status: r.status, fixed: 0 };
        const applied = await ctx.connection.workspace.applyEdit({ label: 'Train Guard: fix all', edit: r.edit });
        if (!applied.applied) return { status: 'refused' as const, fixed: 0, reason: applied.failureReason ?? null };
        return { status: 'applied' as const, fixed: r.fixed };
      }
      const state = await freshState(ctx, arg.uri);
      if (!state) return { status: 'not-open' as const, fixed: 0 };
      const { result, edit, skipped } = await computeFixAll(ctx, state);
      if (skipped) return { status: skipped, fixed: 0 };
      if (!edit || !result) return { status: result?.syntaxError ? ('syntax-error' as const) : ('nothing-to-fix' as const), fixed: 0 };
      const applied = await ctx.connection.workspace.applyEdit({ label: 'Train Guard: fix all', edit });
      if (!applied.applied) return { status: 'refused' as const, fixed: 0, reason: applied.failureReason ?? null };
      return { status: 'applied' as const, fixed: count(result) };
    });
  },
};
