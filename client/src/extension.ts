/**
 * The VS Code side of Train Guard: starts the language server over IPC and activates the client
 * features (status item, ...). All analysis happens in the server.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { FEATURES } from './features/index';

let client: LanguageClient | undefined;

/** What the extension returns from activate(): used by the end-to-end tests. */
export interface TrainGuardApi {
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
  };
  client = new LanguageClient('trainguard', 'Train Guard', serverOptions, clientOptions);
  for (const f of FEATURES) {
    try {
      await f.activate(context, client, output);
    } catch (e) {
      output.error(`feature ${f.name} failed to activate: ${(e as Error)?.stack ?? e}`);
    }
  }
  await client.start();
  return { client: () => client };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
