/**
 * What client.js hands a feature implementation loaded on first use (client/src/lazyBundle.ts). The
 * files of this folder are bundled on their own (dist/lazy/*.js, scripts/build.mjs) and must import
 * nothing but types from vscode-languageclient: a value import would put a second copy of the
 * library into their bundle (test/unit/bundles.test.ts checks). The client's state is asked here.
 */
import type * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

export interface FeatureHost {
  context: vscode.ExtensionContext;
  client: LanguageClient;
  output: vscode.LogOutputChannel;
  /** Whether the language server is running now. */
  isRunning(): boolean;
  /** Resolves once the language server is running; rejects if it stops first. */
  whenRunning(): Promise<void>;
}
