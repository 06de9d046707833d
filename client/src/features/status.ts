/** The language status item: server state and the active file's finding count; a click shows the log. */
import vscode = require('vscode');
import lc = require('vscode-languageclient/node');
import type { ClientFeature } from './types';

export const status: ClientFeature = {
  name: 'status',
  activate(context, client, output) {
    const item = vscode.languages.createLanguageStatusItem('trainguard.status', { language: 'python' });
    item.name = 'Train Guard';
    item.command = { title: 'Show log', command: 'trainguard.showOutput' };
    context.subscriptions.push(item);
    const refresh = () => {
      const editor = vscode.window.activeTextEditor;
      const enabled = vscode.workspace.getConfiguration('trainguard', editor?.document.uri).get<boolean>('enable', true);
      item.busy = client.state === lc.State.Starting;
      if (!enabled) {
        item.text = 'Train Guard: off';
        item.severity = vscode.LanguageStatusSeverity.Information;
      } else if (client.state === lc.State.Running) {
        const ours = editor ? vscode.languages.getDiagnostics(editor.document.uri).filter((d) => d.source === 'trainguard') : [];
        item.text = ours.length ? `Train Guard: ${ours.length} finding${ours.length === 1 ? '' : 's'}` : 'Train Guard: no findings';
        item.severity = ours.some((d) => d.severity === vscode.DiagnosticSeverity.Error) ? vscode.LanguageStatusSeverity.Warning : vscode.LanguageStatusSeverity.Information;
      } else if (client.state === lc.State.Starting) {
        item.text = 'Train Guard: starting';
      } else {
        item.text = 'Train Guard: stopped';
        item.severity = vscode.LanguageStatusSeverity.Error;
      }
    };
    context.subscriptions.push(
      vscode.commands.registerCommand('trainguard.showOutput', () => output.show(true)),
      vscode.commands.registerCommand('trainguard.restartServer', () => client.restart()),
      client.onDidChangeState(refresh),
      vscode.languages.onDidChangeDiagnostics(refresh),
      vscode.window.onDidChangeActiveTextEditor(refresh),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('trainguard') && refresh()),
    );
    refresh();
  },
};
