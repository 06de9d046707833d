/**
 * `trainguard.showDocumentation` (run by the "Show documentation for TGxxx" code action): opens the
 * rule's page shipped in the extension (`docs/rules/TGxxx.md`) in the markdown preview; when the page
 * is missing or the preview cannot open, the page on the web.
 */
import vscode = require('vscode');
import { docsUrl } from '../../../server/src/rules/types';
import type { ClientFeature } from './types';

export const SHOW_DOCS_COMMAND = 'trainguard.showDocumentation';

export const documentation: ClientFeature = {
  name: 'documentation',
  clientCommands: [SHOW_DOCS_COMMAND],
  activate(context, _client, output) {
    context.subscriptions.push(
      vscode.commands.registerCommand(SHOW_DOCS_COMMAND, async (code?: unknown): Promise<'preview' | 'web' | undefined> => {
        if (typeof code !== 'string' || !/^TG\d{3,4}$/.test(code)) {
          const input = await vscode.window.showInputBox({ prompt: 'Train Guard rule code', placeHolder: 'TG303', validateInput: (v) => (/^TG\d{3,4}$/i.test(v.trim()) ? null : 'a code like TG303') });
          if (!input) return undefined;
          code = input.trim().toUpperCase();
        }
        const page = vscode.Uri.joinPath(context.extensionUri, 'docs', 'rules', `${code as string}.md`);
        try {
          await vscode.workspace.fs.stat(page);
          await vscode.commands.executeCommand('markdown.showPreview', page);
          return 'preview';
        } catch (e) {
          output.info(`documentation for ${code as string}: local page not shown (${(e as Error)?.message ?? e}), opening the web page`);
        }
        await vscode.env.openExternal(vscode.Uri.parse(docsUrl(code as string)));
        return 'web';
      }),
    );
  },
};
