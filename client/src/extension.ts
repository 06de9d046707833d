/**
 * The VS Code side of Train Guard: starts the language server over IPC and activates the client
 * features (status item, ...). All analysis happens in the server.
 */
import path = require('path');
import vscode = require('vscode');
import lc = require('vscode-languageclient/node');
import type { ErrorHandler, LanguageClient, LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import { FEATURES } from './features/index';
import { MAX_RESTARTS, RestartPolicy, WINDOW_MS, onServerClosed } from './restartPolicy';
import { SERVER_EXEC_ARGV } from './serverOptions';

let client: LanguageClient | undefined;

/** What the extension returns from activate(): used by the end-to-end tests. */
export interface TrainGuardApi {
  client(): LanguageClient | undefined;
  /** Resolves once the language server is running. */
  ready(): Promise<void>;
}

export async function activate(context: vscode.ExtensionContext): Promise<TrainGuardApi> {
  const output = vscode.window.createOutputChannel('Train Guard', { log: true });
  context.subscriptions.push(output);
  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: lc.TransportKind.ipc, options: { execArgv: [...SERVER_EXEC_ARGV] } },
    debug: { module: serverModule, transport: lc.TransportKind.ipc, options: { execArgv: [...SERVER_EXEC_ARGV, '--nolazy', '--inspect=6010'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'python' },
      { scheme: 'untitled', language: 'python' },
      // Python cells of Jupyter notebooks: synced through notebook document sync (the server's
      // notebookDocumentSync), and this entry lets code actions and hovers reach the cells
      { notebook: { notebookType: 'jupyter-notebook' }, language: 'python' },
    ],
    // No synchronize.fileEvents: the server registers its own watchers (pyproject.toml,
    // sample_submission.csv, requirements*.txt) dynamically; both would deliver every event twice.
    synchronize: { configurationSection: 'trainguard' },
    // commands the client implements, so the server may offer them in code actions
    initializationOptions: { clientCommands: FEATURES.flatMap((f) => f.clientCommands ?? []) },
    outputChannel: output,
    errorHandler: restartingErrorHandler(output),
    middleware: {
      // code actions answered for a version the document has left (typing went on during the request)
      // are dropped: their edits reach VS Code without the version the server put on them
      async provideCodeActions(document, range, context, token, next) {
        const version = document.version;
        const actions = await next(document, range, context, token);
        return document.version === version ? actions : [];
      },
    },
  };
  client = new lc.LanguageClient('trainguard', 'Train Guard', serverOptions, clientOptions);
  for (const f of FEATURES) {
    try {
      await f.activate(context, client, output);
    } catch (e) {
      output.error(`feature ${f.name} failed to activate: ${(e as Error)?.stack ?? e}`);
    }
  }
  // Not awaited: activation returns at once and the server comes up in the background
  // (loading the grammar's wasm takes longer than an activation should).
  const started = client.start().catch((e) => output.error(`the language server did not start: ${(e as Error)?.stack ?? e}`));
  return { client: () => client, ready: () => started.then(() => undefined) };
}

/** Restarts a crashed server up to MAX_RESTARTS times in WINDOW_MS, then stops and says so, with the log one click away. */
export function restartingErrorHandler(output: vscode.LogOutputChannel, policy = new RestartPolicy(MAX_RESTARTS, WINDOW_MS)): ErrorHandler {
  return {
    error: () => ({ action: lc.ErrorAction.Continue }),
    closed: () => {
      const decision = onServerClosed(policy);
      if (decision.restart) {
        output.warn(decision.log);
        return { action: lc.CloseAction.Restart, handled: true };
      }
      const message = decision.message;
      output.error(message);
      void vscode.window.showErrorMessage(message, 'Show Log', 'Restart').then((choice) => {
        if (choice === 'Show Log') output.show(true);
        if (choice === 'Restart') {
          policy.reset();
          void vscode.commands.executeCommand('trainguard.restartServer');
        }
      });
      return { action: lc.CloseAction.DoNotRestart, handled: true };
    },
  };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
