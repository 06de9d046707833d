/** A client-side feature (panel, commands, status...), activated with the running language client. */
import type * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

export interface ClientFeature {
  name: string;
  activate(context: vscode.ExtensionContext, client: LanguageClient, output: vscode.LogOutputChannel): void | Promise<void>;
}
