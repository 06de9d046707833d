/**
 * In the real extension host: examples/train.py (a scratch copy) gets Train Guard's four headline
 * diagnostics with their docs links, the preferred TG303 quick fix moves the loss into the autocast
 * block, and `trainguard.enable` switches the diagnostics off and on again.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import { activateTrainGuard, closeAllEditors, codeOf, codesOn, docsTarget, DOCS_BASE, lineOf, ours, scratchCopy, setWorkspaceSetting, SOURCE, waitForCodes } from './helpers';

const HEADLINE = ['TG203', 'TG211', 'TG303', 'TG701'];
const LOSS_LINE = 'loss = criterion(logits, labels)';
const hasAll = (codes: string[], wanted: string[]) => wanted.every((c) => codes.includes(c));

describe('diagnostics and the TG303 quick fix in the extension host', () => {
  let doc: vscode.TextDocument;
  let original: string;

  before(async () => {
    await activateTrainGuard();
    const uri = scratchCopy('examples/train.py', 'diagnostics/train.py');
    doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    assert.strictEqual(doc.languageId, 'python', 'train.py should open as Python');
    original = doc.getText();
  });

  after(async () => {
    await setWorkspaceSetting('enable', undefined);
    await closeAllEditors();
  });

  it('publishes TG303, TG701, TG211 and TG203 with source "trainguard" and a docs link in `code`', async () => {
    const diags = await waitForCodes(doc.uri, `diagnostics ${HEADLINE.join(', ')}`, (codes) => hasAll(codes, HEADLINE));
    for (const code of HEADLINE) {
      const d = diags.find((x) => codeOf(x) === code);
      assert.ok(d, `${code} missing`);
      assert.strictEqual(d.source, SOURCE);
      assert.strictEqual(docsTarget(d), `${DOCS_BASE}${code}.md`, `${code} should link its docs page in code.target`);
      assert.ok(d.message.length > 20, `${code} should have a real message, got ${JSON.stringify(d.message)}`);
    }
    const tg303 = diags.find((x) => codeOf(x) === 'TG303');
    assert.ok(tg303);
    assert.strictEqual(tg303.severity, vscode.DiagnosticSeverity.Error);
    assert.strictEqual(tg303.range.start.line, lineOf(doc, LOSS_LINE), 'TG303 should point at the loss line');
    assert.match(tg303.message, /autocast/);
  });

  it('the preferred TG303 fix from executeCodeActionProvider moves the loss into the autocast block and TG303 clears', async () => {
    const [tg303] = (await waitForCodes(doc.uri, 'TG303', (codes) => codes.includes('TG303'))).filter((d) => codeOf(d) === 'TG303');
    const actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', doc.uri, tg303.range, vscode.CodeActionKind.QuickFix.value);
    // the fix's title ends with its code; the API's CodeAction does not carry the diagnostics back
    const all = actions.filter((a): a is vscode.CodeAction => typeof (a as vscode.Command).command !== 'string');
    const seen = all.map((a) => `${a.title} [${a.kind?.value ?? 'no kind'}${a.isPreferred ? ', preferred' : ''}]`);
    const preferred = all.filter((a) => a.isPreferred && a.title.endsWith('(TG303)') && a.kind?.value === vscode.CodeActionKind.QuickFix.value);
    assert.strictEqual(preferred.length, 1, `one preferred TG303 quick fix expected, got: ${JSON.stringify(seen)}`);
    const fix = preferred[0];
    assert.ok(fix.edit, 'the fix should carry a workspace edit');

    const lossLine = lineOf(doc, LOSS_LINE);
    const withLine = lineOf(doc, 'with autocast("cuda"):');
    const lines = original.split('\n');
    assert.strictEqual(lines[lossLine].trim().startsWith(LOSS_LINE), true);
    const expected = [...lines.slice(0, lossLine), `    ${lines[lossLine]}`, ...lines.slice(lossLine + 1)].join('\n');

    assert.strictEqual(await vscode.workspace.applyEdit(fix.edit), true, 'VS Code refused the edit');
    assert.strictEqual(doc.getText(), expected, 'only the loss line should change: indented one level, into the autocast block');
    // structurally: the loss now sits in the `with autocast("cuda"):` body, right after the model call
    const indent = (s: string) => s.length - s.trimStart().length;
    const now = doc.getText().split('\n');
    assert.ok(indent(now[lossLine]) > indent(now[withLine]), `loss line ${JSON.stringify(now[lossLine])} should be inside ${JSON.stringify(now[withLine])}`);
    assert.strictEqual(indent(now[lossLine]), indent(now[withLine + 1]), 'the loss should be at the same depth as the model call inside autocast');

    await waitForCodes(doc.uri, 'TG303 to clear while TG701, TG211 and TG203 stay', (codes) => !codes.includes('TG303') && hasAll(codes, ['TG203', 'TG211', 'TG701']));
  });

  it('trainguard.enable false clears the diagnostics; true brings the same ones back', async () => {
    const before = await waitForCodes(doc.uri, 'some Train Guard diagnostics', (codes) => codes.length > 0);
    const codes = before.map(codeOf).sort();

    await setWorkspaceSetting('enable', false);
    await waitForCodes(doc.uri, 'no Train Guard diagnostics after trainguard.enable = false', (c) => c.length === 0);
    assert.deepStrictEqual(ours(doc.uri), []);

    await setWorkspaceSetting('enable', true);
    await waitForCodes(doc.uri, `diagnostics ${codes.join(', ')} back after trainguard.enable = true`, (c) => c.join() === codes.join());
    assert.deepStrictEqual(codesOn(doc.uri), codes);
  });
});
