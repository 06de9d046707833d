/**
 * One-click suppression: "Ignore TGxxx on this line" (adds or extends a `# noqa: TGxxx` comment) and
 * "Ignore TGxxx in this file" (adds or extends `# trainguard: ignore-file[TGxxx]` at the top). The edits
 * come from `fixes/suppress.ts`; the setting `trainguard.showSuppressionActions: false` hides both.
 */
import { CodeActionKind, type CodeAction } from 'vscode-languageserver/node';
import { parseDirectives } from '../../analysis/directives';
import { suppressFileEdit, suppressLineEdit } from '../../fixes/suppress';
import type { ServerFeature } from '../context';

export const suppressions: ServerFeature = {
  name: 'suppression actions',
  register(ctx) {
    ctx.addCodeActionSource({
      name: 'suppressions',
      kinds: [CodeActionKind.QuickFix],
      provide(req) {
        if (!req.wants(CodeActionKind.QuickFix) || req.clientSettings.showSuppressionActions === false || !req.matched.length) return [];
        const model = ctx.modelOf(req.state);
        const directives = parseDirectives(model.comments);
        const lineActions: CodeAction[] = [];
        const fileActions: CodeAction[] = [];
        const seenLine = new Set<string>();
        const seenFile = new Set<string>();
        for (const { diagnostic, finding } of req.matched) {
          const key = `${finding.code}@${finding.range.start.line}`;
          if (!seenLine.has(key)) {
            seenLine.add(key);
            const e = suppressLineEdit(model, directives, finding.range.start, finding.code);
            const edit = e && req.edit([e]);
            if (edit) lineActions.push({ title: `Ignore ${finding.code} on this line`, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], edit });
          }
          if (!seenFile.has(finding.code)) {
            seenFile.add(finding.code);
            const e = suppressFileEdit(model, directives, finding.code);
            const edit = e && req.edit([e]);
            if (edit) fileActions.push({ title: `Ignore ${finding.code} in this file`, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], edit });
          }
        }
        return [...lineActions, ...fileActions];
      },
    });
  },
};
