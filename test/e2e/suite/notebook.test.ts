/**
 * In the real extension host: a Jupyter notebook (a scratch copy of
 * test/fixtures/notebooks/kaggle-flow.ipynb) opens as a notebook through VS Code's built-in ipynb
 * serializer (the `vscode.ipynb` extension; the Jupyter extension is not needed and not installed),
 * its Python cells are checked as one program through notebook document sync, the diagnostics land on
 * the right cell and line, and the preferred TG303 quick fix edits that cell only.
 *
 * Uses only the `vscode` API and bounded waits that name what they waited for; self-contained so it
 * does not depend on the suite's helpers.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { codeOf, ours, waitFor } from './helpers';

/** The repository (this file runs from out/test/e2e/suite/). */
const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const FIXTURE = path.join(REPO, 'test', 'fixtures', 'notebooks', 'kaggle-flow.ipynb');

function describeCell(cell: vscode.NotebookCell): string {
  return `cell ${cell.index + 1} [${ours(cell.document.uri).map((d) => `${codeOf(d)}@${d.range.start.line + 1}`).join(', ')}]`;
}

/** A scratch copy of the fixture in the workspace the runner opened (a temporary folder without one). */
function scratchNotebook(): vscode.Uri {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tg-e2e-nb-'));
  const target = path.join(root, 'notebook', 'kaggle-flow.ipynb');
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(FIXTURE, target);
  return vscode.Uri.file(target);
}

describe('notebooks in the extension host', () => {
  let nb: vscode.NotebookDocument;
  const cell = (n: number) => nb.cellAt(n - 1);
  const all = () => nb.getCells().map(describeCell).join('; ');

  before(async () => {
    const ext = vscode.extensions.getExtension<{ ready(): Promise<void> }>('trainguard.train-guard');
    assert.ok(ext, 'Train Guard is not loaded in this extension host');
    const api = await ext.activate();
    await api.ready();
    nb = await vscode.workspace.openNotebookDocument(scratchNotebook());
    await vscode.window.showNotebookDocument(nb);
  });

  after(async () => {
    // leave the scratch notebook unchanged on disk and close it without a save prompt
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('opens as a Jupyter notebook without the Jupyter extension (built-in ipynb serializer)', () => {
    assert.strictEqual(nb.notebookType, 'jupyter-notebook');
    assert.strictEqual(nb.cellCount, 9);
    assert.deepStrictEqual(
      nb.getCells().map((c) => (c.kind === vscode.NotebookCellKind.Code ? c.document.languageId : 'markup')),
      // the serializer opens a raw cell as a code cell in the language "raw": not synced (not Python)
      ['markup', 'python', 'python', 'markup', 'python', 'raw', 'python', 'python', 'python'],
    );
  });

  it('diagnostics land on the right cells and lines (the model of cell 8 is trained in cell 9)', async () => {
    // TG203 on the epoch loop (cell 9): its batch loop is in a helper of cell 5 (rules.md anchoring)
    await waitFor('TG303 on cell 5, TG203, TG211 and TG701 on cell 9', () => {
      const c5 = ours(cell(5).document.uri).map((d) => `${codeOf(d)}@${d.range.start.line + 1}:${d.range.start.character + 1}`);
      const c9 = ours(cell(9).document.uri).map((d) => `${codeOf(d)}@${d.range.start.line + 1}:${d.range.start.character + 1}`);
      return ['TG303@10:16'].every((x) => c5.includes(x)) && ['TG203@2:1', 'TG211@2:1', 'TG701@8:9'].every((x) => c9.includes(x));
    }, { lastSeen: all });
    const tg303 = ours(cell(5).document.uri).find((d) => codeOf(d) === 'TG303')!;
    assert.ok(cell(5).document.lineAt(tg303.range.start.line).text.includes('loss = criterion(logits, labels)'));
    for (const n of [1, 4, 6]) assert.deepStrictEqual(ours(cell(n).document.uri), [], `cell ${n} is not Python`);
    // cell 2: nothing on the %matplotlib and !pip lines, nor on the torch.cuda.amp import: TG304 is on
    // each deprecated call, `with autocast():` in cell 5 and `GradScaler()` in cell 8
    const c2 = ours(cell(2).document.uri);
    assert.deepStrictEqual(c2.map((d) => `${codeOf(d)}@${d.range.start.line + 1}`), [], 'the %matplotlib and !pip lines are no errors');
    const tg304 = (n: number) => ours(cell(n).document.uri).filter((d) => codeOf(d) === 'TG304').map((d) => cell(n).document.getText(d.range));
    assert.deepStrictEqual(tg304(5), ['autocast()']);
    assert.deepStrictEqual(tg304(8), ['GradScaler()']);
  });

  it('the preferred TG303 quick fix edits cell 5 only, and TG303 clears', async () => {
    const doc = cell(5).document;
    const tg303 = await waitFor('TG303 on cell 5', () => ours(doc.uri).find((d) => codeOf(d) === 'TG303'), { lastSeen: all });
    const before = nb.getCells().map((c) => c.document.getText());
    const actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', doc.uri, tg303.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a): a is vscode.CodeAction => 'isPreferred' in a && !!a.isPreferred && a.title.endsWith('(TG303)'));
    assert.ok(fix?.edit, `no preferred TG303 quick fix among ${JSON.stringify(actions.map((a) => a.title))}`);
    assert.deepStrictEqual(fix.edit.entries().map(([u]) => u.toString()), [doc.uri.toString()], 'the edit is for cell 5 only');
    assert.ok(await vscode.workspace.applyEdit(fix.edit), 'the edit was refused');
    const loss = doc.getText().split('\n').find((l) => l.includes('loss = criterion(logits, labels)'));
    assert.strictEqual(loss?.match(/^ */)?.[0].length, 12, 'the loss moved into the autocast block');
    nb.getCells().forEach((c, i) => {
      if (i !== 4) assert.strictEqual(c.document.getText(), before[i], `cell ${i + 1} unchanged`);
    });
    await waitFor('TG303 gone from cell 5 while TG211 stays on cell 9', () => !ours(doc.uri).some((d) => codeOf(d) === 'TG303') && ours(cell(9).document.uri).some((d) => codeOf(d) === 'TG211'), { lastSeen: all });
  });
});
