/** A client-side feature (panel, commands, status...), activated with the running language client. */
import type * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

export interface ClientFeature {
  name: string;
  /** Commands this feature implements that the server may put in code actions (sent in initializationOptions). */
  clientCommands?: readonly string[];
  activate(context: vscode.ExtensionContext, client: LanguageClient, output: vscode.LogOutputChannel): void | Promise<void>;
}
