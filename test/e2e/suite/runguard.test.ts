/**
 * In the real extension host (vscode API only): "Train Guard: Run with guard" on a fake training
 * script that hangs. The timeouts are shortened through the settings (`trainguard.runGuard.*`), the
 * run is started with the command, its no-output warning is read back (`trainguard.runGuardRuns`,
 * what the notification shows), "Train Guard: Stop guarded run" stops it, and the script and the child
 * it started (one that ignores SIGTERM) are gone, and "Open run log" opens its log. Also: the CodeLens
 * on a training script (and none on a script without a training loop), and the manifest's trust settings.
 *
 * Runs in a trusted workspace: the command refuses in an untrusted one. Works on scratch copies inside
 * the workspace folder the runner opened (never the repository); waits are bounded by a hang guard,
 * never on a measured speed.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { activateTrainGuard, closeAllEditors, EXTENSION_ID, scratchCopy, setWorkspaceSetting, waitFor, workspaceRoot } from './helpers';
import { alive } from '../support/proc';

const HANG = 'test/fixtures/runguard/hang.py';
const TRAINING = 'test/fixtures/rules/TG205/invalid-basic.py';

interface RunSummary {
  script: string;
  python: string;
  pid: number | null;
  logFile: string | null;
  running: boolean;
  warnings: { kind: string; message: string; line: string | null }[];
  result: { exitCode: number | null; signal: string | null; stoppedBy: string | null; spawnError: string | null } | null;
}

async function runs(): Promise<RunSummary[]> {
  return (await vscode.commands.executeCommand<RunSummary[]>('trainguard.runGuardRuns')) ?? [];
}

describe('Run with guard in the extension host', function () {
  this.timeout(120000);

  before(async () => {
    await activateTrainGuard();
    await setWorkspaceSetting('runGuard.noOutputSeconds', 2);
    await setWorkspaceSetting('runGuard.firstEpochSeconds', 0);
    await setWorkspaceSetting('runGuard.autoStop', false);
  });

  after(async () => {
    for (const r of await runs()) if (r.running) await vscode.commands.executeCommand('trainguard.stopRun', vscode.Uri.file(r.script));
    for (const key of ['runGuard.noOutputSeconds', 'runGuard.firstEpochSeconds', 'runGuard.autoStop']) await setWorkspaceSetting(key, undefined);
    for (const t of vscode.window.terminals) if (t.name.startsWith('Train Guard: ')) t.dispose();
    await closeAllEditors();
    fs.rmSync(path.join(workspaceRoot(), 'runguard-e2e'), { recursive: true, force: true });
  });

  it('declares the command, its menus and the settings it reads as restricted in untrusted workspaces', () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
      capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } };
      contributes: { commands: { command: string }[]; menus: Record<string, { command: string; when?: string }[]>; configuration: { properties: Record<string, unknown> } };
    };
    assert.ok(pkg.contributes.commands.some((c) => c.command === 'trainguard.runWithGuard'));
    assert.ok(pkg.contributes.menus['editor/title'].some((m) => m.command === 'trainguard.runWithGuard' && /trainguard\.workspaceTrusted/.test(m.when ?? '')));
    for (const key of ['trainguard.pythonPath', 'trainguard.runGuard.autoStop', 'trainguard.runGuard.noOutputSeconds', 'trainguard.runGuard.firstEpochSeconds']) {
      assert.ok(key in pkg.contributes.configuration.properties, key);
      assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(key), `${key} is not restricted`);
    }
  });

  it('shows the "Run with guard" CodeLens on the training loop of a training script, none on a script without one', async () => {
    assert.ok(vscode.workspace.isTrusted, 'the e2e workspace must be trusted (Run with guard is off in untrusted workspaces)');
    const training = scratchCopy(TRAINING, 'runguard-e2e/train_cls.py');
    const doc = await vscode.workspace.openTextDocument(training);
    await vscode.window.showTextDocument(doc);
    const loopLine = doc.getText().split('\n').findIndex((l) => l.startsWith('for epoch in range(EPOCHS):'));
    assert.ok(loopLine > 0);
    const lens = await waitFor('the Run with guard lens', async () => {
      const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', training)) ?? [];
      return lenses.find((l) => l.command?.command === 'trainguard.runWithGuard');
    });
    assert.strictEqual(lens.range.start.line, loopLine);
    assert.match(lens.command!.title, /Run with guard/);
    const hang = scratchCopy(HANG, 'runguard-e2e/hang_nolens.py');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(hang));
    // the server answers for the training script above, so it is up: a script with no training loop gets no lens
    const none = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', hang)) ?? [];
    assert.deepStrictEqual(none.filter((l) => l.command?.command === 'trainguard.runWithGuard'), []);
  });

  it('runs a hanging script, warns after the no-output timeout set in the settings, and the stop kills the whole tree', async () => {
    assert.ok(vscode.workspace.isTrusted, 'the e2e workspace must be trusted (Run with guard is off in untrusted workspaces)');
    const script = scratchCopy(HANG, 'runguard-e2e/hang.py');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(script));
    const started = await vscode.commands.executeCommand<RunSummary>('trainguard.runWithGuard', script);
    assert.ok(started, 'the command starts a run in a trusted workspace');
    assert.strictEqual(started.script, script.fsPath);
    assert.ok(started.pid, `no process started: ${JSON.stringify(started)}`);
    assert.ok(started.logFile && started.logFile.startsWith(path.join(path.dirname(script.fsPath), '.trainguard', 'runs')), String(started.logFile));
    assert.ok(vscode.window.terminals.some((t) => t.name === 'Train Guard: hang.py'), 'the run has its terminal');

    // the warning, with the line before the silence (the Python start-up itself may be flagged first)
    const warning = await waitFor('the no-output warning after "Creating model"', async () => {
      const r = (await runs()).find((x) => x.script === script.fsPath);
      if (r && !r.running) throw new Error(`the run ended before the warning: ${JSON.stringify(r)}`);
      return r?.warnings.find((w) => w.kind === 'no-output' && w.line === 'Creating model (pretrained)...');
    });
    assert.match(warning.message, /^no output for 2 s/);
    const log = fs.readFileSync(started.logFile, 'utf8');
    const child = Number(/PIDS (\d+)/.exec(log)?.[1]);
    assert.ok(child > 0, `the script's child PID is in the log: ${log}`);
    assert.ok(alive(started.pid) && alive(child), 'both run before the stop');
    assert.ok((await runs()).find((x) => x.script === script.fsPath)?.running, 'without auto-stop the run goes on after the warning');

    const stopped = await vscode.commands.executeCommand<RunSummary>('trainguard.stopRun', script);
    assert.ok(stopped);
    assert.strictEqual(stopped.running, false);
    assert.strictEqual(stopped.result?.stoppedBy, 'user');
    assert.ok(!alive(started.pid), `the script ${started.pid} is still alive`);
    assert.ok(!alive(child), `its child ${child} is still alive (it ignores SIGTERM: the stop must escalate to SIGKILL)`);
    const after = fs.readFileSync(started.logFile, 'utf8');
    assert.match(after, /\[trainguard\] WARNING \(no-output\)/);
    assert.match(after, /\[trainguard\] run stopped on request after /);

    // "Open run log" lists it first (newest first): accepting the quick pick's first entry opens it
    const opening = vscode.commands.executeCommand<string | undefined>('trainguard.openRunLog');
    let opened: string | undefined | null = null;
    void opening.then((v) => (opened = v ?? undefined));
    await waitFor('the run-log quick pick to be accepted', async () => {
      if (opened !== null) return true;
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      return undefined;
    });
    assert.strictEqual(opened, started.logFile);
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.fsPath, started.logFile);
  });
});
