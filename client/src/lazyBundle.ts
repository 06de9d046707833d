/**
 * Feature implementations loaded on first use. A feature that is heavy and not needed at activation
 * (the budget panel with the estimator, the run guard, verify submission with the CSV parser)
 * registers its commands, views and CodeLens provider in activate() from client.js, and the code
 * behind them is its own bundle, dist/lazy/<name>.js (scripts/build.mjs), `require`d the first
 * time a command runs or the view opens: activation neither compiles nor initialises it (measured
 * in bench/NOTES.md). The bundles import `vscode` like client.js (VS Code answers that `require`
 * for every file of the extension).
 */
import path = require('path');
import type * as vscode from 'vscode';
import lc = require('vscode-languageclient/node');
import type { LanguageClient } from 'vscode-languageclient/node';
import type { FeatureHost } from './lazy/host';

/** A loader for dist/lazy/<name>.js: requires it the first time it is called, then returns the same module. */
export function lazyBundle<T>(name: string): () => T {
  let loaded: T | undefined;
  // a computed path, so esbuild leaves this require to run time instead of bundling the file
  return () => (loaded ??= require(path.join(__dirname, 'lazy', `${name}.js`)) as T);
}

/** What a lazily loaded feature gets from client.js (it may not import vscode-languageclient's values itself). */
export function featureHost(context: vscode.ExtensionContext, client: LanguageClient, output: vscode.LogOutputChannel): FeatureHost {
  return {
    context,
    client,
    output,
    isRunning: () => client.state === lc.State.Running,
    whenRunning: () => {
      if (client.state === lc.State.Running) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const d = client.onDidChangeState((e) => {
          if (e.newState === lc.State.Running) {
            d.dispose();
            resolve();
          } else if (e.newState === lc.State.Stopped) {
            d.dispose();
            reject(new Error('the Train Guard language server stopped'));
          }
        });
      });
    },
  };
}
