/**
 * In the real extension host: the project modules a script imports (issue 18). A copy of the `amp`
 * fixture project (train.py + engine.py + dataset.py): train.py's Program includes the two modules
 * (`trainguard/projectModules`, asked through the client), and a module deleted on disk reaches the
 * server through VS Code's own file watcher (the server's `**\/*.py` registration): train.py is
 * re-checked without it. The findings that follow an edit of engine.py are tested by
 * project.pending.ts (enabled once the rules read the Program).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { activateTrainGuard, closeAllEditors, copyAmpProject, waitFor, workspaceRoot } from './helpers';

interface Modules {
  program: { modules: { file: string; status: string }[] } | null;
}

describe('project modules in the extension host (issue 18)', () => {
  after(closeAllEditors);

  it("train.py's Program includes engine.py and dataset.py; dataset.py deleted on disk is seen through VS Code's file watcher", async () => {
    const api = await activateTrainGuard();
    await api.ready();
    const client = api.client();
    assert.ok(client, 'the language client');
    const train = copyAmpProject('project-watch');
    const doc = await vscode.workspace.openTextDocument(train);
    await vscode.window.showTextDocument(doc);
    const modulesOf = async () => {
      const r = (await client.sendRequest('trainguard/projectModules', { uri: train.toString() })) as Modules;
      return Object.fromEntries((r.program?.modules ?? []).map((m) => [path.basename(m.file), m.status]));
    };
    let last = '';
    await waitFor(
      "train.py's Program with engine.py and dataset.py read",
      async () => {
        const m = await modulesOf();
        last = JSON.stringify(m);
        return m['engine.py'] === 'read' && m['dataset.py'] === 'read';
      },
      { lastSeen: () => last },
    );
    fs.rmSync(path.join(workspaceRoot(), 'project-watch', 'dataset.py'));
    await waitFor(
      'train.py re-checked without dataset.py (a file event from VS Code)',
      async () => {
        const m = await modulesOf();
        last = JSON.stringify(m);
        return m['engine.py'] === 'read' && !('dataset.py' in m);
      },
      { lastSeen: () => last },
    );
  });
});
