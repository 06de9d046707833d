/**
 * "Train Guard: Run with guard" and its companions, registered at activation: the commands, the
 * "Run with guard" CodeLens over a training script, the run status item and the menus' context keys.
 * What runs a script (the runner, the watcher, the submission check) is client/src/lazy/runGuard.ts,
 * loaded the first time one of the commands runs (a CodeLens or the editor-title button runs them).
 * Only in trusted workspaces: in an untrusted one the command refuses and no CodeLens is shown.
 */
import vscode = require('vscode');
import type { ClientFeature } from './types';
import { OPEN_LOG_COMMAND, RUN_ACTIVE_CONTEXT, RUN_COMMAND, RUNS_COMMAND, SHOW_RUN_COMMAND, STOP_COMMAND, WORKSPACE_TRUSTED_CONTEXT } from './ids';
import { scriptInfo } from './runGuardInfo';
import { featureHost, lazyBundle } from '../lazyBundle';
import type { FeatureHost } from '../lazy/host';
import type * as Impl from '../lazy/runGuard';

const load = lazyBundle<typeof Impl>('runGuard');

class RunLenses implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  constructor(
    private readonly host: FeatureHost,
    private readonly active: Map<string, Impl.ActiveRun>,
  ) {}

  refresh(): void {
    this.changed.fire();
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!vscode.workspace.isTrusted || doc.uri.scheme !== 'file') return [];
    const info = (await scriptInfo(this.host, doc))?.info;
    if (!info?.trainingScript || info.trainingLine === null) return [];
    const range = new vscode.Range(info.trainingLine, 0, info.trainingLine, 0);
    const run = this.active.get(doc.uri.fsPath);
    if (run?.run.running) {
      return [
        new vscode.CodeLens(range, { title: '$(debug-stop) Stop guarded run', command: STOP_COMMAND, arguments: [doc.uri] }),
        new vscode.CodeLens(range, { title: 'Show output', command: SHOW_RUN_COMMAND, arguments: [doc.uri] }),
      ];
    }
    return [new vscode.CodeLens(range, { title: '$(shield) Run with guard', tooltip: 'Run this script under Train Guard: warns on hangs, an idle GPU, a loss at the random baseline, a run over budget and known errors', command: RUN_COMMAND, arguments: [doc.uri] })];
  }
}

export const runGuardFeature: ClientFeature = {
  name: 'run guard',
  activate(context, client, output) {
    const host = featureHost(context, client, output);
    const active = new Map<string, Impl.ActiveRun>();
    const lenses = new RunLenses(host, active);
    const item = vscode.window.createStatusBarItem('trainguard.runGuard', vscode.StatusBarAlignment.Left, 50);
    item.name = 'Train Guard run';
    let loaded: ReturnType<typeof Impl.createRunGuard> | undefined;
    const guard = () => (loaded ??= load().createRunGuard(host, { active, item, lenses }));

    context.subscriptions.push(
      item,
      vscode.languages.registerCodeLensProvider({ language: 'python', scheme: 'file' }, lenses),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        void vscode.commands.executeCommand('setContext', WORKSPACE_TRUSTED_CONTEXT, true);
        lenses.refresh();
      }),
      vscode.commands.registerCommand(RUN_COMMAND, (target?: unknown) => guard().runWithGuard(target)),
      vscode.commands.registerCommand(STOP_COMMAND, (target?: unknown) => guard().stop(target)),
      vscode.commands.registerCommand(SHOW_RUN_COMMAND, (target?: unknown) => guard().showRun(target)),
      vscode.commands.registerCommand(OPEN_LOG_COMMAND, () => guard().openRunLog()),
      vscode.commands.registerCommand(RUNS_COMMAND, () => guard().runs()),
      vscode.window.onDidCloseTerminal((t) => {
        for (const [script, a] of active) if (a.terminal === t && !a.run.running) active.delete(script);
      }),
      // the window is closing: the runs must not outlive it (they would keep the GPU)
      { dispose: () => [...active.values()].forEach((a) => a.run.abandon()) },
    );
    void vscode.commands.executeCommand('setContext', RUN_ACTIVE_CONTEXT, false);
    void vscode.commands.executeCommand('setContext', WORKSPACE_TRUSTED_CONTEXT, vscode.workspace.isTrusted);
  },
};
