/**
 * Quick fixes: one per fixable finding the client asks about (and one per alternative fix a finding
 * carries, such as TG101's plans or TG304's whole-file rewrite, once when several findings carry the
 * same), preferred when safe. Unsafe fixes are offered here too (one at a
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
        // a further action several findings share (TG304's whole-file rewrite) is offered once
        const offered = new Set<string>();
        for (const { diagnostic, finding } of req.matched) {
          for (const fix of [...(finding.fix ? [finding.fix] : []), ...(finding.alternativeFixes ?? [])]) {
            const key = `${finding.code}\u0000${fix.title}\u0000${JSON.stringify(fix.edits)}`;
            if (offered.has(key)) continue;
            offered.add(key);
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
