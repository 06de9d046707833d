/**
 * The VS Code side of Train Guard: starts the language server over IPC, shows its state and the
 * active file's finding count in a language status item, and keeps an output channel for the log.
 * All analysis happens in the server.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { LanguageClient, State, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

export interface TrainGuardApi {
  /** The running language client (for tests and other extensions). */
  client(): LanguageClient | undefined;
}

export async function activate(context: vscode.ExtensionContext): Promise<TrainGuardApi> {
  const output = vscode.window.createOutputChannel('Train Guard', { log: true });
  context.subscriptions.push(output);
  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6010'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'python' },
      { scheme: 'untitled', language: 'python' },
    ],
    synchronize: { configurationSection: 'trainguard' },
    outputChannel: output,
    traceOutputChannel: output,
  };
  client = new LanguageClient('trainguard', 'Train Guard', serverOptions, clientOptions);

  const status = vscode.languages.createLanguageStatusItem('trainguard.status', { language: 'python' });
  status.name = 'Train Guard';
  status.command = { title: 'Show log', command: 'trainguard.showOutput' };
  context.subscriptions.push(status);

  const refresh = () => {
    const state = client?.state;
    const editor = vscode.window.activeTextEditor;
    const enabled = vscode.workspace.getConfiguration('trainguard', editor?.document.uri).get<boolean>('enable', true);
    if (!enabled) {
      status.text = 'Train Guard: off';
      status.severity = vscode.LanguageStatusSeverity.Information;
      return;
    }
    if (state === State.Running) {
      const ours = editor ? vscode.languages.getDiagnostics(editor.document.uri).filter((d) => d.source === 'trainguard') : [];
      status.text = ours.length ? `Train Guard: ${ours.length} finding${ours.length === 1 ? '' : 's'}` : 'Train Guard: no findings';
      status.severity = ours.some((d) => d.severity === vscode.DiagnosticSeverity.Error) ? vscode.LanguageStatusSeverity.Warning : vscode.LanguageStatusSeverity.Information;
      status.busy = false;
    } else if (state === State.Starting) {
      status.text = 'Train Guard: starting';
      status.busy = true;
    } else {
      status.text = 'Train Guard: stopped';
      status.severity = vscode.LanguageStatusSeverity.Error;
      status.busy = false;
    }
  };
  context.subscriptions.push(
    vscode.commands.registerCommand('trainguard.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('trainguard.restartServer', async () => {
      await client?.restart();
    }),
    client.onDidChangeState(refresh),
    vscode.languages.onDidChangeDiagnostics(refresh),
    vscode.window.onDidChangeActiveTextEditor(refresh),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('trainguard')) refresh();
    }),
  );
  refresh();
  await client.start();
  refresh();
  return { client: () => client };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
