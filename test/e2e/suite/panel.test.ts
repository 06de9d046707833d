/**
 * In the real extension host (the harness runs test/e2e/suite/*.test.js inside code-server): the
 * Training budget panel's commands on the active file. `trainguard.estimateActiveFile` reads the
 * script through the language server as the panel does (model, folds, epochs, budget and GPU from its
 * `# trainguard:` comment) and estimates it with the core; `trainguard.applyPlan` writes a plan into
 * the literals as one undoable edit; the result follows the active editor. vscode API only; the
 * documents are untitled, so nothing on disk is touched.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { waitFor } from './helpers';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const EXTENSION_ID = 'trainguard.train-guard';

interface EstimateResult {
  script: { input: { model: string; folds: number; epochs: number; gpu: string; budgetMinutes: number | null } | null; budgetFrom: string | null; gpuFrom: string | null; facts: Record<string, { value: string | number; source: string }> };
  estimate: { status: string; verdict?: string; method?: string; total?: { point: number } } | null;
  plans: { kind: string; model: string; folds: number; epochs: number; total: { point: number } }[];
}

function fixture(name: string): string {
  return fs.readFileSync(path.join(REPO, 'test', 'fixtures', 'rules', 'TG101', name), 'utf8');
}

async function openUntitled(content: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument({ language: 'python', content });
  return vscode.window.showTextDocument(doc, { preview: false });
}

/** Resolves when `probe` holds, re-checking on every diagnostics change; fails after `ms` naming `what`. */
function whenDiagnostics(what: string, probe: () => boolean, ms = 30000): Promise<void> {
  if (probe()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    const sub = vscode.languages.onDidChangeDiagnostics(() => {
      if (!probe()) return;
      clearTimeout(timer);
      sub.dispose();
      resolve();
    });
  });
}

async function closeAll(): Promise<void> {
  // untitled documents: revert, so closing asks nothing
  while (vscode.window.activeTextEditor) {
    const before = vscode.window.activeTextEditor;
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    if (vscode.window.activeTextEditor === before) break;
  }
}

describe('Training budget panel commands in the extension host', () => {
  before(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not loaded`);
    await ext.activate();
  });

  after(closeAll);

  it('contributes the panel, its container and the budget settings', () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { views: Record<string, { id: string }[]>; viewsContainers: { activitybar: { id: string }[] }; configuration: { properties: Record<string, unknown> } } };
    assert.ok(pkg.contributes.viewsContainers.activitybar.some((c) => c.id === 'trainguard'));
    assert.ok(pkg.contributes.views.trainguard.some((v) => v.id === 'trainguard.budget'));
    assert.ok('trainguard.budgetMinutes' in pkg.contributes.configuration.properties);
    assert.ok('trainguard.gpu' in pkg.contributes.configuration.properties);
  });

  it('estimates the active file as the panel reads it: the hints\' example does not fit 30 min', async () => {
    const editor = await openUntitled(fixture('invalid-seed-example.py'));
    const r = await vscode.commands.executeCommand<EstimateResult>('trainguard.estimateActiveFile');
    assert.ok(r, 'the command answers for an active Python file');
    assert.deepStrictEqual(
      { model: r.script.input?.model, folds: r.script.input?.folds, epochs: r.script.input?.epochs, gpu: r.script.input?.gpu, budget: r.script.input?.budgetMinutes },
      { model: 'efficientnet_b4', folds: 3, epochs: 10, gpu: 'A10', budget: 30 },
    );
    assert.strictEqual(r.script.budgetFrom, 'file comment');
    assert.strictEqual(r.script.facts.epochs.source, 'EPOCHS = 10 (line 12)');
    assert.strictEqual(r.estimate?.status, 'ok');
    assert.strictEqual(r.estimate?.verdict, 'does-not-fit');
    assert.ok(r.plans.some((p) => p.kind === 'model' && p.model === 'efficientnet_b2'), JSON.stringify(r.plans));
    // TG101 reports the same verdict on the file
    const uri = editor.document.uri;
    await whenDiagnostics('TG101 on the example', () => vscode.languages.getDiagnostics(uri).some((d) => d.source === 'trainguard' && String(typeof d.code === 'object' ? d.code.value : d.code) === 'TG101'));
  });

  it('applies a plan to the file as one edit, and undo restores it', async () => {
    const editor = vscode.window.activeTextEditor!;
    const original = editor.document.getText();
    const r = await vscode.commands.executeCommand<{ applied: boolean; problems: string[] }>('trainguard.applyPlan', { model: 'efficientnet_b2', epochs: 6 });
    assert.deepStrictEqual(r, { applied: true, problems: [] });
    const text = editor.document.getText();
    assert.match(text, /timm\.create_model\("efficientnet_b2", pretrained=True/);
    assert.match(text, /^EPOCHS = 6$/m);
    assert.match(text, /^N_FOLDS = 3$/m);
    const after = await vscode.commands.executeCommand<EstimateResult>('trainguard.estimateActiveFile');
    assert.strictEqual(after.script.input?.model, 'efficientnet_b2');
    // `undo` acts on the focused editor: give it focus first (a notification or the panel may hold it)
    await vscode.window.showTextDocument(editor.document, { preserveFocus: false, preview: false });
    await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
    await vscode.commands.executeCommand('undo');
    await waitFor('one undo to restore the file', () => editor.document.getText() === original, { timeoutMs: 10000, lastSeen: () => editor.document.getText() });
    assert.strictEqual(editor.document.getText(), original, 'one undo restores the file');
  });

  it('refuses a malformed plan', async () => {
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('trainguard.applyPlan', { model: 'x"; import os', epochs: -1 })));
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('trainguard.applyPlan', 'efficientnet_b0')));
  });

  it('follows the active editor: an unknown model is unknown, not guessed', async () => {
    await openUntitled(fixture('valid-unknown-model.py'));
    const r = await vscode.commands.executeCommand<EstimateResult>('trainguard.estimateActiveFile');
    assert.strictEqual(r.script.input?.model, 'my_private_net_v2');
    assert.strictEqual(r.script.input?.gpu, 'T4');
    assert.strictEqual(r.estimate?.status, 'unknown');
    assert.deepStrictEqual(r.plans, []);
  });
});
