/**
 * The estimator through the language server (dist/server.js over stdio): TG101's plans as separate
 * unsafe quick fixes, and the two requests the budget panel sends (what the script says, the edits
 * that write a plan).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { CodeActionRequest, type CodeAction, type Diagnostic, type TextDocumentEdit } from 'vscode-languageserver-protocol/node';
import { applyEdits } from '../../server/src/analysis/source';
import { PLAN_EDITS_REQUEST, SCRIPT_INPUT_REQUEST, type PlanEditsResult, type ScriptInputResult } from '../../server/src/estimator/requests';
import { FIXTURES } from './helpers';
import { LspSession } from './lsp.test';

describe('estimator through the language server', function () {
  this.timeout(30000);
  let s: LspSession;
  const uri = 'file:///ws/train.py';
  const text = fs.readFileSync(path.join(FIXTURES, 'rules', 'TG101', 'invalid-seed-example.py'), 'utf8');

  beforeEach(async () => {
    s = new LspSession();
    await s.initialize({ debounceMs: 0, select: ['TG101'] });
    await s.open(uri, text);
  });
  afterEach(async () => s.close());

  it('offers each plan that fits as its own unsafe quick fix, none preferred', async () => {
    const p = await s.diagnostics(uri, (x) => x.diagnostics.some((d) => d.code === 'TG101'));
    const d = p.diagnostics.find((x) => x.code === 'TG101') as Diagnostic;
    const actions = (await s.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: d.range, context: { diagnostics: [d], only: ['quickfix'] } })) as CodeAction[];
    const ours = actions.filter((a) => a.title.includes('(TG101)'));
    assert.deepStrictEqual(ours.map((a) => a.title.replace(/ \(estimated .*?\)/, '')), ['Use efficientnet_b2 (TG101) [unsafe]', 'Lower epochs to 2 (TG101) [unsafe]']);
    assert.ok(ours.every((a) => !a.isPreferred));
    const edits = (ours[1].edit!.documentChanges![0] as TextDocumentEdit).edits as { range: Diagnostic['range']; newText: string }[];
    assert.match(applyEdits(text, edits), /^EPOCHS = 2$/m);
  });

  it('answers the panel: the script as estimator input, and the edits for a plan', async () => {
    const r = (await s.conn.sendRequest(SCRIPT_INPUT_REQUEST, { uri, text, version: 1 })) as ScriptInputResult;
    assert.deepStrictEqual([r.input?.model, r.input?.folds, r.input?.epochs, r.gpu, r.budgetMinutes, r.budgetFrom], ['efficientnet_b4', 3, 10, 'A10', 30, 'file comment']);
    assert.deepStrictEqual(r.facts.folds, { value: 3, source: 'N_FOLDS = 3 (line 11)', range: { start: { line: 10, character: 10 }, end: { line: 10, character: 11 } } });
    const e = (await s.conn.sendRequest(PLAN_EDITS_REQUEST, { uri, text, version: 1, change: { model: 'efficientnet_b3', folds: 2 } })) as PlanEditsResult;
    assert.deepStrictEqual(e.problems, []);
    const out = applyEdits(text, e.edits);
    assert.match(out, /timm\.create_model\("efficientnet_b3"/);
    assert.match(out, /^N_FOLDS = 2$/m);
    // a text that differs from the server's copy is read as sent
    const other = text.replace('EPOCHS = 10', 'EPOCHS = 4');
    const r2 = (await s.conn.sendRequest(SCRIPT_INPUT_REQUEST, { uri, text: other, version: 2 })) as ScriptInputResult;
    assert.strictEqual(r2.input?.epochs, 4);
    await assert.rejects(Promise.resolve(s.conn.sendRequest(SCRIPT_INPUT_REQUEST, { uri })));
  });
});
