/**
 * In the real extension host: Train Guard's snippets are offered in Python completion, insert
 * through `editor.action.insertSnippet` and through `trainguard.insertTemplate` (by argument and by
 * the quick pick), and VS Code's own insertion gives exactly the text test/unit/snippet-syntax.ts
 * predicts (so the unit tests' expander is checked against the editor itself). vscode API only.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { expandSnippet } from '../../unit/snippet-syntax';
import { parseTemplates, type Template } from '../../../client/src/features/template-list';

/** The repository: this file runs from out/test/e2e/suite/. */
const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const EXTENSION_ID = 'trainguard.train-guard';

const TEMPLATES: Template[] = parseTemplates(fs.readFileSync(path.join(REPO, 'snippets', 'python.json'), 'utf8'));

function template(prefix: string): Template {
  const t = TEMPLATES.find((x) => x.prefix === prefix);
  if (!t) throw new Error(`no snippet ${prefix} in snippets/python.json`);
  return t;
}

let scratch: string | undefined;
let counter = 0;

/** A folder for this suite's files: in the workspace the runner opened (a scratch copy), else a temp folder. */
function scratchDir(): string {
  if (!scratch) {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder) {
      const rel = path.relative(REPO, path.resolve(folder.uri.fsPath));
      if (!rel.startsWith('..') && !path.isAbsolute(rel) && !/^\.vscode-(e2e|test)([\\/]|$)/.test(rel)) throw new Error(`refusing to write test files into ${folder.uri.fsPath}`);
    }
    scratch = folder ? path.join(folder.uri.fsPath, 'snippets-e2e') : fs.mkdtempSync(path.join(os.tmpdir(), 'trainguard-snippets-'));
    fs.mkdirSync(scratch, { recursive: true });
  }
  return scratch;
}

/**
 * A Python editor on a new file holding `content`, cursor at its end, indented with `indent`. Files,
 * not untitled documents: a closed "Untitled-1" and the next one share a URI, which races.
 */
async function pythonEditor(content = '', indent: '    ' | '\t' = '    '): Promise<vscode.TextEditor> {
  const file = path.join(scratchDir(), `insert-${++counter}.py`);
  fs.writeFileSync(file, content);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  assert.strictEqual(doc.getText(), content, `${file} did not open with its content`);
  const editor = await vscode.window.showTextDocument(doc);
  editor.options = { insertSpaces: indent !== '\t', tabSize: 4 };
  const end = doc.lineAt(doc.lineCount - 1).range.end;
  editor.selection = new vscode.Selection(end, end);
  return editor;
}

/** Reverts every changed document (files and untitled alike) and closes the editors, with no save prompt. */
async function closeAll(): Promise<void> {
  for (const doc of vscode.workspace.textDocuments) {
    if (!doc.isDirty) continue;
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Train Guard snippets in the extension host', () => {
  before(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not loaded`);
    await ext.activate();
  });

  afterEach(closeAll);

  it('offers every tg- prefix in completion inside a Python file', async () => {
    const editor = await pythonEditor('tg');
    const items = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', editor.document.uri, editor.selection.active);
    const labels = new Set(items.items.filter((i) => i.kind === vscode.CompletionItemKind.Snippet).map((i) => (typeof i.label === 'string' ? i.label : i.label.label)));
    const missing = TEMPLATES.map((t) => t.prefix).filter((p) => !labels.has(p));
    assert.deepStrictEqual(missing, [], `snippet completions seen: ${[...labels].join(', ')}`);
  });

  it('editor.action.insertSnippet inserts a contributed snippet by name, as the unit tests expand it', async () => {
    const t = template('tg-smoke-test');
    const editor = await pythonEditor();
    await vscode.commands.executeCommand('editor.action.insertSnippet', { langId: 'python', name: t.name });
    assert.strictEqual(editor.document.getText(), expandSnippet(t.body, { indentUnit: '    ' }));
  });

  it('trainguard.insertTemplate inserts the named template at the cursor, re-indented like any snippet', async () => {
    const t = template('tg-checkpoint');
    const head = 'for epoch in range(3):\n    ';
    const editor = await pythonEditor(head);
    const inserted = await vscode.commands.executeCommand<boolean>('trainguard.insertTemplate', 'tg-checkpoint');
    assert.strictEqual(inserted, true);
    assert.strictEqual(editor.document.getText(), head + expandSnippet(t.body, { indentUnit: '    ', baseIndent: '    ' }));
  });

  it('trainguard.insertTemplate follows an editor indented with tabs', async () => {
    const t = template('tg-train');
    const editor = await pythonEditor('', '\t');
    assert.strictEqual(await vscode.commands.executeCommand<boolean>('trainguard.insertTemplate', t.name), true);
    assert.strictEqual(editor.document.getText(), expandSnippet(t.body, { indentUnit: '\t' }));
  });

  it('trainguard.insertTemplate opens an untitled Python file when no editor is open', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    assert.strictEqual(await vscode.commands.executeCommand<boolean>('trainguard.insertTemplate', 'tg-budget'), true);
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'no editor after inserting');
    assert.strictEqual(editor.document.languageId, 'python');
    assert.strictEqual(editor.document.getText(), expandSnippet(template('tg-budget').body));
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor'); // discard the untitled file, no save prompt
  });

  it('trainguard.insertTemplate refuses an unknown template and leaves the text alone', async () => {
    const editor = await pythonEditor('x = 1\n');
    assert.strictEqual(await vscode.commands.executeCommand<boolean>('trainguard.insertTemplate', 'tg-no-such-template'), false);
    assert.strictEqual(editor.document.getText(), 'x = 1\n');
  });

  it('trainguard.insertTemplate without an argument asks with a quick pick and inserts the accepted entry', async () => {
    const editor = await pythonEditor();
    const result = vscode.commands.executeCommand<boolean>('trainguard.insertTemplate');
    let settled = false;
    void result.then(() => (settled = true), () => (settled = true));
    // accept the quick pick's first entry (the first snippet of the file) once it is open; bounded
    for (let i = 0; i < 100 && !settled; i++) {
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      await sleep(100);
    }
    assert.ok(settled, 'the quick pick never closed');
    assert.strictEqual(await result, true);
    assert.strictEqual(editor.document.getText(), expandSnippet(TEMPLATES[0].body, { indentUnit: '    ' }));
  });
});
