/**
 * "Train Guard: Show Resolved Configuration for This File": asks the server what applies to the
 * active file (the pyproject.toml it read, the merged settings, the sample_submission.csv header and
 * the requirement pins it found) and prints it in the Train Guard output channel.
 */
import vscode = require('vscode');
import type { ClientFeature } from './types';

/** Same name as the server's RESOLVED_CONFIG_REQUEST (the client bundle does not import server code). */
const RESOLVED_CONFIG_REQUEST = 'trainguard/resolvedConfig';

export const resolvedConfig: ClientFeature = {
  name: 'resolved configuration',
  activate(context, client, output) {
    context.subscriptions.push(
      vscode.commands.registerCommand('trainguard.showResolvedConfig', async () => {
        const doc = vscode.window.activeTextEditor?.document;
        if (!doc || doc.languageId !== 'python') {
          void vscode.window.showInformationMessage('Train Guard: open a Python file to see the configuration that applies to it.');
          return;
        }
        try {
          const result = await client.sendRequest(RESOLVED_CONFIG_REQUEST, { uri: doc.uri.toString() });
          output.info(`Resolved configuration for ${doc.uri.fsPath}:\n${JSON.stringify(result, null, 2)}`);
          output.show(true);
        } catch (e) {
          output.error(`Resolved configuration for ${doc.uri.fsPath} failed: ${(e as Error)?.message ?? e}`);
          output.show(true);
        }
      }),
    );
  },
};
