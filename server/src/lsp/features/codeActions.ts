/**
 * Quick fixes: one per fixable finding the client asks about, preferred when safe. Unsafe fixes are
 * offered here too (one at a time, when the user picks them), never by fix-all.
 */
import { CodeActionKind, type CodeAction } from 'vscode-languageserver/node';
import type { ServerFeature } from '../context';

export const codeActions: ServerFeature = {
  name: 'quick fixes',
  register(ctx) {
    ctx.addCodeActionSource({
      name: 'quick fixes',
      kinds: [CodeActionKind.QuickFix],
      provide(req) {
        if (!req.wants(CodeActionKind.QuickFix)) return [];
        const actions: CodeAction[] = [];
        for (const { diagnostic, finding } of req.matched) {
          if (!finding.fix) continue;
          const edit = req.edit(finding.fix.edits);
          if (!edit) {
            ctx.error(`${finding.code}: a fix with an edit outside the document was withheld`);
            continue;
          }
          actions.push({
            title: `${finding.fix.title} (${finding.code})${finding.fix.applicability === 'unsafe' ? ' [unsafe]' : ''}`,
            kind: CodeActionKind.QuickFix,
            diagnostics: [diagnostic],
            isPreferred: finding.fix.applicability === 'safe',
            edit,
          });
        }
        return actions;
      },
    });
  },
};
