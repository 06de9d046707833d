/**
 * The Training budget panel (a webview view in Train Guard's activity-bar container) and its
 * commands, registered at activation. The panel itself and the estimator behind
 * `trainguard.estimateActiveFile` are client/src/lazy/panel.ts, loaded the first time the view is
 * shown or one of the panel's commands runs; until then there is no view to keep up to date.
 */
import vscode = require('vscode');
import type { ClientFeature } from './types';
import { VIEW_ID } from './ids';
import { featureHost, lazyBundle } from '../lazyBundle';
import type * as Impl from '../lazy/panel';

const load = lazyBundle<typeof Impl>('panel');

export const panel: ClientFeature = {
  name: 'budget panel',
  activate(context, client, output) {
    let loaded: Impl.BudgetPanel | undefined;
    const provider = () => (loaded ??= new (load().BudgetPanel)(featureHost(context, client, output)));
    context.subscriptions.push(
      vscode.window.registerWebviewViewProvider(VIEW_ID, { resolveWebviewView: (view) => provider().resolveWebviewView(view) }, { webviewOptions: { retainContextWhenHidden: true } }),
      // the panel follows the active Python editor once it exists (before, there is no view to refresh)
      vscode.window.onDidChangeActiveTextEditor(() => void loaded?.refresh()),
      vscode.workspace.onDidChangeTextDocument((e) => e.document === vscode.window.activeTextEditor?.document && e.document.languageId === 'python' && loaded?.scheduleRefresh()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('trainguard') && void loaded?.refresh()),
      vscode.commands.registerCommand('trainguard.estimateActiveFile', () => provider().estimateActiveFile()),
      vscode.commands.registerCommand('trainguard.applyPlan', (change: unknown) => provider().applyPlan(change)),
      vscode.commands.registerCommand('trainguard.openMeasureSnippet', async () => {
        const file = vscode.Uri.joinPath(context.extensionUri, 'snippets', 'measure-throughput.py');
        const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
        const doc = await vscode.workspace.openTextDocument({ language: 'python', content: text });
        await vscode.window.showTextDocument(doc, { preview: false });
      }),
    );
  },
};
