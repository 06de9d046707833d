/**
 * In the real extension host (vscode API only): fix-all on save through `editor.codeActionsOnSave`
 * with `source.fixAll.trainguard: explicit` (and no change on save without it), the "Train Guard: Fix
 * all in file" command (both give what the server's fix-all action computes, the loss moved into the
 * autocast block among it), the "Ignore TG303 on this line / in this file" actions (the comment is
 * written and the squiggle goes), `trainguard.showSuppressionActions: false` hiding them, and "Show
 * documentation for TG303" opening the shipped page in the markdown preview.
 *
 * Works on scratch copies of test/fixtures/rules/TG303/invalid-basic.py inside the workspace folder the
 * runner opened (never the repository). Waits are on events, bounded by a hang guard.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { codeOf, EXTENSION_ID, ours, REPO, waitFor } from './helpers';

const FIXTURE = path.join(REPO, 'test', 'fixtures', 'rules', 'TG303', 'invalid-basic.py');
const LOSS_LINE = 'loss = criterion(output, target)';

function scratchRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open: the e2e runner must open a scratch folder');
  const root = path.resolve(folder.uri.fsPath);
  const rel = path.relative(REPO, root);
  if (!rel.startsWith('..') && !path.isAbsolute(rel) && !/^\.vscode-(e2e|test)([\\/]|$)/.test(rel)) throw new Error(`refusing to write test files into ${root}`);
  return root;
}

/** A fresh copy of `text` at `name` in the scratch workspace, opened in an editor. */
async function openCopy(name: string, text: string): Promise<{ doc: vscode.TextDocument; editor: vscode.TextEditor }> {
  const file = path.join(scratchRoot(), 'fixes', name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const editor = await vscode.window.showTextDocument(doc);
  assert.strictEqual(doc.languageId, 'python');
  return { doc, editor };
}

function diagnostic(uri: vscode.Uri, code: string): Promise<vscode.Diagnostic> {
  return waitFor(`${code} on ${path.basename(uri.fsPath)}`, () => ours(uri).find((d) => codeOf(d) === code));
}

function gone(uri: vscode.Uri, code: string): Promise<true> {
  return waitFor(`${code} to disappear from ${path.basename(uri.fsPath)}`, () => (ours(uri).some((d) => codeOf(d) === code) ? undefined : true));
}

/** `text` with the edits of `edit` for `doc` applied (positions read from `doc`, which must still be at the version they were computed for). */
function applied(doc: vscode.TextDocument, text: string, edit: vscode.WorkspaceEdit): string {
  const edits = edit.get(doc.uri).map((e) => ({ start: doc.offsetAt(e.range.start), end: doc.offsetAt(e.range.end), text: e.newText }));
  assert.deepStrictEqual(edit.entries().map(([u]) => u.toString()), [doc.uri.toString()], 'a fix must not edit another file');
  edits.sort((a, b) => b.start - a.start);
  for (const e of edits) text = text.slice(0, e.start) + e.text + text.slice(e.end);
  return text;
}

/** What the server's `source.fixAll.trainguard` action would make of the document now. */
async function fixAllResult(doc: vscode.TextDocument): Promise<string> {
  const version = doc.version;
  const all = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, new vscode.Range(0, 0, 0, 0), 'source.fixAll.trainguard');
  const actions = (all ?? []).filter((a) => a.kind?.value === 'source.fixAll.trainguard');
  assert.strictEqual(actions.length, 1, `one source.fixAll.trainguard action expected, got ${JSON.stringify((all ?? []).map((a) => a.title))}`);
  assert.ok(actions[0].edit);
  assert.strictEqual(doc.version, version, 'the document changed while the fix-all action was computed');
  return applied(doc, doc.getText(), actions[0].edit);
}

/** The loss line sits inside the autocast block (TG303 fixed), whatever else fix-all did. */
function assertLossInsideAutocast(text: string): void {
  const lines = text.split(/\r?\n/);
  const indent = (l: string) => l.length - l.trimStart().length;
  // `with autocast():`, or `with torch.amp.autocast("cuda"):` once TG304's per-call fix has run too
  const withLine = lines.findIndex((l) => /^with (?:[\w.]+\.)?autocast\(.*\):$/.test(l.trim()));
  const loss = lines.findIndex((l) => l.includes(LOSS_LINE));
  assert.ok(withLine >= 0 && loss > withLine, 'the autocast block and the loss line should both be there');
  for (let i = withLine + 1; i <= loss; i++) if (lines[i].trim()) assert.ok(indent(lines[i]) > indent(lines[withLine]), `line ${i + 1} ${JSON.stringify(lines[i])} is not inside the autocast block`);
}

async function quickFixes(uri: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  const all = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', uri, range, vscode.CodeActionKind.QuickFix.value);
  return (all ?? []).filter((a): a is vscode.CodeAction => typeof (a as vscode.Command).command !== 'string');
}

describe('fixes, fix-all and suppressions in the extension host', () => {
  const fixture = fs.readFileSync(FIXTURE, 'utf8');
  const editorConfig = () => vscode.workspace.getConfiguration('editor', { languageId: 'python' });

  before(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded in this extension host`);
    await ext.activate();
  });

  after(async () => {
    await editorConfig().update('codeActionsOnSave', undefined, vscode.ConfigurationTarget.Workspace, true);
    await vscode.workspace.getConfiguration('trainguard').update('showSuppressionActions', undefined, vscode.ConfigurationTarget.Workspace);
    for (const doc of vscode.workspace.textDocuments) {
      if (!doc.isDirty || doc.isUntitled) continue;
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('fix-all on save: editor.codeActionsOnSave {"source.fixAll.trainguard": "explicit"} applies the safe fixes', async () => {
    await editorConfig().update('codeActionsOnSave', { 'source.fixAll.trainguard': 'explicit' }, vscode.ConfigurationTarget.Workspace, true);
    try {
      assert.deepStrictEqual(editorConfig().get('codeActionsOnSave'), { 'source.fixAll.trainguard': 'explicit' });
      const { doc, editor } = await openCopy('on-save.py', fixture);
      await diagnostic(doc.uri, 'TG303');
      // a real user edit first (an explicit save of a dirty file): a comment line at the end
      const end = doc.lineAt(doc.lineCount - 1).range.end;
      assert.ok(await editor.edit((b) => b.insert(end, '# edited\n')));
      await diagnostic(doc.uri, 'TG303');
      const expected = await fixAllResult(doc);
      assert.notStrictEqual(expected, doc.getText());
      assert.ok(expected.endsWith('# edited\n'), 'the user edit must survive fix-all');
      assertLossInsideAutocast(expected);
      await vscode.commands.executeCommand('workbench.action.files.save');
      assert.strictEqual(doc.getText(), expected, 'the saved document is not the fix-all result');
      assert.strictEqual(doc.isDirty, false);
      assert.strictEqual(fs.readFileSync(doc.uri.fsPath, 'utf8'), expected, 'the file on disk is not the fixed text');
      await gone(doc.uri, 'TG303');
    } finally {
      // the next test checks saving without it: reset even when this one fails
      await editorConfig().update('codeActionsOnSave', undefined, vscode.ConfigurationTarget.Workspace, true);
    }
  });

  it('without codeActionsOnSave, saving leaves the file as typed', async () => {
    const onSave = JSON.stringify(editorConfig().get('codeActionsOnSave') ?? {});
    assert.ok(!onSave.includes('source.fixAll'), `codeActionsOnSave is still ${onSave}`);
    const { doc, editor } = await openCopy('plain-save.py', fixture);
    await diagnostic(doc.uri, 'TG303');
    assert.ok(await editor.edit((b) => b.insert(doc.lineAt(doc.lineCount - 1).range.end, '# edited\n')));
    await vscode.commands.executeCommand('workbench.action.files.save');
    assert.strictEqual(doc.getText(), `${fixture}# edited\n`);
  });

  it('"Train Guard: Fix all in file" (trainguard.fixAll) applies the safe fixes to the editor', async () => {
    const { doc } = await openCopy('command.py', fixture);
    await diagnostic(doc.uri, 'TG303');
    const expected = await fixAllResult(doc);
    const answer = await vscode.commands.executeCommand<{ status: string; fixed: number }>('trainguard.fixAll');
    assert.strictEqual(answer?.status, 'applied', JSON.stringify(answer));
    assert.ok(answer.fixed >= 1);
    assert.strictEqual(doc.getText(), expected);
    assertLossInsideAutocast(doc.getText());
    await gone(doc.uri, 'TG303');
    const again = await vscode.commands.executeCommand<{ status: string; fixed: number }>('trainguard.fixAll');
    assert.deepStrictEqual(again, { status: 'nothing-to-fix', fixed: 0 });
  });

  it('the lightbulb\'s fix-all is computed only when picked: VS Code resolves its edit (codeAction/resolve)', async () => {
    const { doc } = await openCopy('resolve.py', fixture);
    const d = await diagnostic(doc.uri, 'TG303');
    const expected = await fixAllResult(doc);
    // no kind filter, as the lightbulb asks on a cursor move; the last argument: how many actions VS Code resolves
    const fixAllOf = async (resolveCount: number) => {
      const all = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', doc.uri, d.range, undefined, resolveCount);
      const found = (all ?? []).filter((a): a is vscode.CodeAction => (a as vscode.CodeAction).kind?.value === 'source.fixAll.trainguard');
      assert.strictEqual(found.length, 1, `one fix-all action expected, got ${JSON.stringify((all ?? []).map((a) => a.title))}`);
      return found[0];
    };
    assert.strictEqual((await fixAllOf(0)).edit, undefined, 'listed without its edit');
    const picked = await fixAllOf(100);
    assert.ok(picked.edit, 'resolved: the edit is there');
    assert.strictEqual(applied(doc, doc.getText(), picked.edit), expected);
  });

  it('"Ignore TG303 on this line" writes "# noqa: TG303" on the line and the squiggle disappears', async () => {
    const { doc } = await openCopy('noqa.py', fixture);
    const d = await diagnostic(doc.uri, 'TG303');
    const actions = await quickFixes(doc.uri, d.range);
    const ignore = actions.find((a) => a.title === 'Ignore TG303 on this line');
    assert.ok(ignore?.edit, `no "Ignore TG303 on this line" among ${JSON.stringify(actions.map((a) => a.title))}`);
    assert.ok(await vscode.workspace.applyEdit(ignore.edit));
    const line = doc.lineAt(d.range.start.line).text;
    assert.ok(line.includes(LOSS_LINE) && line.endsWith('  # noqa: TG303'), `line is now ${JSON.stringify(line)}`);
    await gone(doc.uri, 'TG303');
  });

  it('"Ignore TG303 in this file" writes the ignore-file directive at the top and the squiggle disappears', async () => {
    const { doc } = await openCopy('ignore-file.py', fixture);
    const d = await diagnostic(doc.uri, 'TG303');
    const ignore = (await quickFixes(doc.uri, d.range)).find((a) => a.title === 'Ignore TG303 in this file');
    assert.ok(ignore?.edit);
    assert.ok(await vscode.workspace.applyEdit(ignore.edit));
    assert.strictEqual(doc.lineAt(0).text, '# trainguard: ignore-file[TG303]');
    await gone(doc.uri, 'TG303');
  });

  it('trainguard.showSuppressionActions: false hides the suppression actions, not the fix', async () => {
    const { doc } = await openCopy('hidden.py', fixture);
    const d = await diagnostic(doc.uri, 'TG303');
    assert.ok((await quickFixes(doc.uri, d.range)).some((a) => a.title.startsWith('Ignore TG303')));
    await vscode.workspace.getConfiguration('trainguard').update('showSuppressionActions', false, vscode.ConfigurationTarget.Workspace);
    const titles = await waitFor('the suppression actions to go', async () => {
      const t = (await quickFixes(doc.uri, d.range)).map((a) => a.title);
      return t.some((x) => x.startsWith('Ignore')) ? undefined : t;
    });
    assert.ok(titles.includes('Move the loss into the autocast block (TG303)'), JSON.stringify(titles));
    await vscode.workspace.getConfiguration('trainguard').update('showSuppressionActions', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('"Show documentation for TG303" opens the shipped docs/rules/TG303.md in the markdown preview', async () => {
    assert.ok(fs.existsSync(path.join(REPO, 'docs', 'rules', 'TG303.md')), 'docs/rules/TG303.md is not in the extension');
    const { doc } = await openCopy('docs.py', fixture);
    const d = await diagnostic(doc.uri, 'TG303');
    const docs = (await quickFixes(doc.uri, d.range)).find((a) => a.title === 'Show documentation for TG303');
    assert.ok(docs?.command, 'no "Show documentation for TG303" action');
    assert.deepStrictEqual([docs.command.command, docs.command.arguments], ['trainguard.showDocumentation', ['TG303']]);
    const how = await vscode.commands.executeCommand(docs.command.command, ...(docs.command.arguments ?? []));
    assert.strictEqual(how, 'preview');
    await waitFor('a markdown preview tab', () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && /markdown\.preview/.test(t.input.viewType) && t.label.includes('TG303')),
    );
  });
});
