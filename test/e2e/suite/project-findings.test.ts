/**
 * In the real extension host: editing the module a script imports changes the script's diagnostics.
 * The `amp` fixture project is copied; train.py is opened and its diagnostics recorded; engine.py is
 * opened and its text replaced (unsaved, in the editor) by the `noamp` project's engine.py: the step
 * loses its autocast, its GradScaler use and its GPU-memory report, facts train.py's findings depend
 * on once imports are followed (e.g. TG203, no GPU-memory report in the epoch loop). The test waits
 * for train.py's diagnostics to differ, then restores engine.py's text and waits for them to come
 * back. TG203 (no GPU-memory report on train.py's epoch loop) depends only on engine.py's step: absent with
the AMP step (it prints GPU memory), present without it, absent again after the restore. (TG801 stays silent
throughout: train.py builds a GradScaler itself.)
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { activateTrainGuard, closeAllEditors, codeOf, copyAmpProject, ours, REPO, waitFor } from './helpers';

/** train.py's diagnostics as a comparable string: code, line, message. */
const signature = (uri: vscode.Uri) =>
  ours(uri)
    .map((d) => `${codeOf(d)}@${d.range.start.line}: ${d.message}`)
    .sort()
    .join('\n');

async function replaceAll(doc: vscode.TextDocument, text: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), text);
  assert.strictEqual(await vscode.workspace.applyEdit(edit), true, 'VS Code refused the edit');
}

describe('an edit of an imported module changes the script diagnostics (issue 18)', () => {
  after(closeAllEditors);

  it("engine.py loses its autocast, scaler and GPU-memory report: train.py's diagnostics change, and come back when it is restored", async () => {
    const api = await activateTrainGuard();
    await api.ready();
    const train = copyAmpProject('project-edit');
    const trainDoc = await vscode.workspace.openTextDocument(train);
    await vscode.window.showTextDocument(trainDoc);
    await waitFor('first diagnostics on train.py', () => ours(train).length > 0);
    // the first diagnostics settle (the re-check for opening engine.py below must not be mistaken for the edit's)
    const engineDoc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(path.dirname(train.fsPath), 'engine.py')));
    await vscode.window.showTextDocument(engineDoc, { preview: false, preserveFocus: true });
    await new Promise((r) => setTimeout(r, 1500));
    const before = signature(train);
    const original = engineDoc.getText();
    const stepFindings = () => ours(train).filter((d) => codeOf(d) === 'TG203').map(codeOf).join(',');
    assert.strictEqual(stepFindings(), '', `the AMP step reports GPU memory: ${before}`);

    await replaceAll(engineDoc, fs.readFileSync(path.join(REPO, 'test', 'fixtures', 'projects', 'noamp', 'engine.py'), 'utf8'));
    await waitFor("train.py's diagnostics to change after engine.py lost its AMP", () => signature(train) !== before && stepFindings() === 'TG203', { lastSeen: () => signature(train) });

    await replaceAll(engineDoc, original);
    await waitFor("train.py's diagnostics to come back once engine.py is restored", () => signature(train) === before && stepFindings() === '', { lastSeen: () => `${signature(train)}\n(before:\n${before})` });
  });
});
