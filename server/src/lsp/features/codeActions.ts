/**
 * Quick fixes (one per fixable finding, preferred when safe) and `source.fixAll.trainguard` (every
 * safe fix, applied in rounds). Edits are versioned: VS Code refuses them if the document changed.
 */
import { CodeActionKind, ResponseError, ErrorCodes, type CodeAction, type TextDocumentEdit } from 'vscode-languageserver/node';
import { fixAll } from '../../fixes/apply';
import { SourceText, type Range, type TextEdit } from '../../analysis/source';
import { SOURCE } from '../diagnostics';
import type { ServerFeature } from '../context';

export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.trainguard`;

export function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

/** The smallest single edit turning `before` into `after` (common prefix and suffix kept). */
export function minimalEdit(before: string, after: string): TextEdit {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before.charCodeAt(endB - 1) === after.charCodeAt(endA - 1)) {
    endB--;
    endA--;
  }
  const src = new SourceText(before);
  return { range: { start: src.positionAt(start), end: src.positionAt(endB) }, newText: after.slice(start, endA) };
}

export const codeActions: ServerFeature = {
  name: 'code actions',
  capabilities: () => ({ codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND], resolveProvider: false } }),
  register(ctx) {
    ctx.connection.onCodeAction(async (params) => {
      const uri = params.textDocument.uri;
      try {
        const state = await ctx.ensureAnalyzed(uri);
        if (!state) return [];
        const version = state.doc.version;
        const edit = (edits: TextEdit[]) => ({ documentChanges: [{ textDocument: { uri, version }, edits } satisfies TextDocumentEdit] });
        const only = params.context.only;
        const wants = (kind: string) => !only || only.some((k) => kind === k || kind.startsWith(`${k}.`));
        const actions: CodeAction[] = [];
        if (wants(CodeActionKind.QuickFix)) {
          for (const d of params.context.diagnostics) {
            if (d.source !== SOURCE) continue;
            const f = state.findings.find((x) => x.code === d.code && sameRange(x.range, d.range));
            if (!f?.fix) continue;
            actions.push({ title: `${f.fix.title} (${f.code})`, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: f.fix.applicability === 'safe', edit: edit(f.fix.edits) });
          }
        }
        if (wants(FIX_ALL_KIND) && (only?.length || state.findings.some((f) => f.fix?.applicability === 'safe'))) {
          const before = state.doc.text;
          const after = fixAll(before, { settings: await ctx.settingsFor(uri) }).text;
          if (after !== before) actions.push({ title: 'Train Guard: fix all safe problems', kind: FIX_ALL_KIND, edit: edit([minimalEdit(before, after)]) });
        }
        return actions;
      } catch (e) {
        ctx.error(`code actions failed: ${(e as Error)?.stack ?? e}`);
        throw new ResponseError(ErrorCodes.InternalError, `Train Guard could not compute code actions: ${(e as Error)?.message ?? e}`);
      }
    });
  },
};
