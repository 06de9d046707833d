/**
 * Quick fixes: one per fixable finding the client asks about (and one per alternative fix a finding
 * carries, such as TG101's plans), preferred when safe. Unsafe fixes are offered here too (one at a
 * time, when the user picks them), never by fix-all.
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
          for (const fix of [finding.fix, ...(finding.alternativeFixes ?? [])]) {
            const edit = req.edit(fix.edits);
            if (!edit) {
              ctx.error(`${finding.code}: a fix with an edit outside the document was withheld`);
              continue;
            }
            actions.push({
              title: `${fix.title} (${finding.code})${fix.applicability === 'unsafe' ? ' [unsafe]' : ''}`,
              kind: CodeActionKind.QuickFix,
              diagnostics: [diagnostic],
              isPreferred: fix === finding.fix && fix.applicability === 'safe',
              edit,
            });
          }
        }
        return actions;
      },
    });
  },
};
