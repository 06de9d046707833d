/**
 * "Train Guard: Fix all in file" (`trainguard.fixAll`): asks the server to apply every safe fix to the
 * active Python file (`trainguard.server.applyFixAll`, the same fix-all as `source.fixAll.trainguard`
 * on save). The server sends the edit back versioned, so it is refused if the file changed meanwhile.
 */
import vscode = require('vscode');
import lc = require('vscode-languageclient/node');
import type { ClientFeature } from './types';

export const APPLY_FIX_ALL_COMMAND = 'trainguard.server.applyFixAll';

/** What the server's command answers. */
export interface FixAllAnswer {
  status: 'applied' | 'nothing-to-fix' | 'syntax-error' | 'refused' | 'not-open' | 'disabled' | 'too-large';
  fixed: number;
  reason?: string | null;
}

export const fixAll: ClientFeature = {
  name: 'fix all',
  activate(context, client) {
    context.subscriptions.push(
      vscode.commands.registerCommand('trainguard.fixAll', async (target?: vscode.Uri): Promise<FixAllAnswer | undefined> => {
        const doc = target ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString()) : vscode.window.activeTextEditor?.document;
        if (!doc || doc.languageId !== 'python') {
          void vscode.window.showInformationMessage('Train Guard: open a Python file to fix.');
          return undefined;
        }
        if (client.state !== lc.State.Running) {
          void vscode.window.showWarningMessage('Train Guard: the language server is not running.');
          return undefined;
        }
        const answer = (await client.sendRequest(lc.ExecuteCommandRequest.type, {
          command: APPLY_FIX_ALL_COMMAND,
          arguments: [{ uri: client.code2ProtocolConverter.asUri(doc.uri) }],
        })) as FixAllAnswer;
        switch (answer.status) {
          case 'applied':
            vscode.window.setStatusBarMessage(`Train Guard: fixed ${answer.fixed} problem${answer.fixed === 1 ? '' : 's'}`, 4000);
            break;
          case 'nothing-to-fix':
            vscode.window.setStatusBarMessage('Train Guard: nothing to fix automatically', 4000);
            break;
          case 'syntax-error':
            void vscode.window.showWarningMessage('Train Guard: the file has syntax errors; fix them first, then run "Fix all in file" again.');
            break;
          case 'refused':
            void vscode.window.showWarningMessage('Train Guard: the file changed while the fixes were computed; nothing was applied. Run "Fix all in file" again.');
            break;
          case 'disabled':
            void vscode.window.showInformationMessage('Train Guard is disabled for this file (trainguard.enable): nothing was fixed.');
            break;
          case 'too-large':
            void vscode.window.showInformationMessage('Train Guard skips this file (over trainguard.maxFileSize or trainguard.maxLineLength, or binary data): nothing was fixed.');
            break;
          case 'not-open':
            void vscode.window.showWarningMessage('Train Guard: the server does not have this file open.');
            break;
        }
        return answer;
      }),
    );
  },
};
