/**
 * Only the most recently checked documents keep their tree and model (lsp/recentModels.ts); every
 * other open document is still answered from its text: hover, suppression actions, the next edit.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { CodeActionRequest, DidChangeTextDocumentNotification, HoverRequest, type CodeAction, type MarkupContent } from 'vscode-languageserver-protocol/node';
import { RecentModels } from '../../server/src/lsp/recentModels';
import { KEPT_MODELS } from '../../server/src/lsp/server';
import { LspSession } from './lsp.test';
import { ROOT } from './helpers';

describe('RecentModels', () => {
  it('keeps the most recent, returns what falls out, forgets closed documents', () => {
    const r = new RecentModels(3);
    assert.deepStrictEqual(['a', 'b', 'c'].flatMap((u) => r.touch(u)), []);
    assert.deepStrictEqual(r.touch('d'), ['a']);
    assert.deepStrictEqual(r.touch('b'), [], 'touching a kept one moves it to the front');
    assert.deepStrictEqual(r.uris, ['b', 'd', 'c']);
    assert.deepStrictEqual(r.touch('e'), ['c']);
    r.forget('d');
    r.forget('never-opened');
    assert.deepStrictEqual(r.uris, ['e', 'b']);
    assert.deepStrictEqual(r.touch('f'), []);
  });
});

describe('language server: documents past the kept models are answered from their text', function () {
  this.timeout(30000);
  let s: LspSession;
  const example = fs.readFileSync(path.join(ROOT, 'examples', 'train.py'), 'utf8');
  const lines = example.split('\n');

  before(async () => {
    s = new LspSession();
    await s.initialize();
  });
  after(async () => s.close());

  it(`after ${KEPT_MODELS + 2} files were checked, the first still hovers, offers suppressions and re-checks edits`, async () => {
    const uri = (i: number) => `file:///ws/f${i}.py`;
    // the first file carries a suppression comment to hover on, on its first import line
    const importLine = lines.findIndex((l) => l.startsWith('import '));
    const first = lines.map((l, i) => (i === importLine ? `${l}  # noqa: TG203` : l)).join('\n');
    await s.open(uri(0), first);
    const before = await s.diagnostics(uri(0), (p) => p.version === 1);
    for (let i = 1; i < KEPT_MODELS + 2; i++) {
      await s.open(uri(i), example);
      await s.diagnostics(uri(i), (p) => p.version === 1);
    }
    // hover on the code in the suppression comment of line 1
    const col = first.split('\n')[importLine].indexOf('TG203');
    const hover = await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri: uri(0) }, position: { line: importLine, character: col + 1 } });
    assert.match((hover!.contents as MarkupContent).value, /\*\*TG203\*\*/);
    // the suppression actions read the comments of the model, rebuilt from the text
    const d = before.diagnostics.find((x) => x.code !== 'TG203')!;
    const actions = (await s.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri: uri(0) }, range: d.range, context: { diagnostics: [d] } })) as CodeAction[];
    assert.ok(actions.some((a) => a.title === `Ignore ${d.code} on this line`), JSON.stringify(actions.map((a) => a.title)));
    // an edit to it: checked again from its text, the same findings shifted by the inserted line
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: uri(0), version: 2 }, contentChanges: [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: '# a comment\n' }] });
    const after = await s.diagnostics(uri(0), (p) => p.version === 2);
    assert.deepStrictEqual(
      after.diagnostics.map((x) => `${x.code}@${x.range.start.line}`),
      before.diagnostics.map((x) => `${x.code}@${x.range.start.line + (x.range.start.line >= 1 ? 1 : 0)}`),
    );
  });
});
