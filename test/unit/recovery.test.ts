/**
 * Recovery and protocol robustness of the bundled server (dist/server.js over stdio): a request
 * handler that throws answers with an LSP error and the server keeps serving; requests about closed
 * or unknown documents are answered harmlessly; fix-all never applies an edit computed for one version
 * to another; a huge file, a file with one enormous line and a binary file each get one message.
 * Also the client's restart policy (client/src/restartPolicy.ts), with an injected clock.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  CodeActionRequest,
  HoverRequest,
  ExecuteCommandRequest,
  ErrorCodes,
  ResponseError,
  type ApplyWorkspaceEditParams,
  type ApplyWorkspaceEditResult,
  type TextDocumentEdit,
  type TextEdit,
} from 'vscode-languageserver-protocol/node';
import { LspSession } from './lsp.test';
import { ROOT } from './helpers';
import { applyEdits } from '../../server/src/analysis/source';
import { RestartPolicy } from '../../client/src/restartPolicy';

const example = fs.readFileSync(path.join(ROOT, 'examples', 'train.py'), 'utf8');
const codes = (ds: { code?: unknown }[]) => ds.map((d) => String(d.code)).sort();

/** The error a request failed with (the test fails if it succeeded). */
async function requestError(p: Promise<unknown>): Promise<ResponseError<unknown>> {
  try {
    const v = await p;
    assert.fail(`expected an error response, got ${JSON.stringify(v)}`);
  } catch (e) {
    assert.ok(e instanceof ResponseError, `not an LSP error response: ${e}`);
    return e;
  }
}

/** The server still analyses: a fresh document gets its four headline findings. */
async function stillServing(s: LspSession, name: string): Promise<void> {
  const uri = `file:///ws/${name}.py`;
  await s.open(uri, example);
  const p = await s.diagnostics(uri, (x) => x.diagnostics.length > 0);
  assert.deepStrictEqual(codes(p.diagnostics), ['TG203', 'TG211', 'TG303', 'TG701']);
  assert.strictEqual(s.child.exitCode, null, 'the server process exited');
}

describe('language server recovery (dist/server.js over stdio)', function () {
  this.timeout(30000);
  let s: LspSession;
  let edits: ApplyWorkspaceEditParams[];
  let answerEdit: (p: ApplyWorkspaceEditParams) => ApplyWorkspaceEditResult | Promise<ApplyWorkspaceEditResult>;

  beforeEach(async () => {
    s = new LspSession();
    edits = [];
    answerEdit = () => ({ applied: true });
    s.conn.onRequest('workspace/applyEdit', (p: ApplyWorkspaceEditParams) => {
      edits.push(p);
      return answerEdit(p);
    });
    await s.initialize();
  });
  afterEach(async () => s.close());

  it('answers a request whose handler throws with an LSP error, and keeps serving', async () => {
    const uri = 'file:///ws/open.py';
    await s.open(uri, example);
    await s.diagnostics(uri, (x) => x.diagnostics.length > 0);
    // a misbehaving client answers workspace/applyEdit with null: the fix-all command handler throws
    // reading the answer, and the request fails with an internal error instead of taking the server down
    answerEdit = () => null as unknown as ApplyWorkspaceEditResult;
    const thrown = await requestError(s.conn.sendRequest(ExecuteCommandRequest.type, { command: 'trainguard.server.applyFixAll', arguments: [{ uri }] }));
    assert.strictEqual(thrown.code, ErrorCodes.InternalError);
    assert.match(thrown.message, /trainguard\.server\.applyFixAll failed/);
    assert.strictEqual(edits.length, 1);
    // malformed params: refused by the protocol layer (params by position) or by our checks, never a crash
    for (const method of [HoverRequest.method, ExecuteCommandRequest.method, CodeActionRequest.method]) {
      assert.strictEqual((await requestError(s.conn.sendRequest(method, null))).code, ErrorCodes.InvalidParams, method);
    }
    assert.strictEqual((await requestError(s.conn.sendRequest(ExecuteCommandRequest.method, {}))).code, ErrorCodes.InvalidParams);
    assert.strictEqual((await requestError(s.conn.sendRequest(ExecuteCommandRequest.type, { command: 'trainguard.server.applyFixAll', arguments: [{ uri: 42 }] }))).code, ErrorCodes.InvalidParams);
    assert.strictEqual((await requestError(s.conn.sendRequest(ExecuteCommandRequest.type, { command: 'trainguard.nope', arguments: [] }))).code, ErrorCodes.InvalidParams);
    // a hover or code action request missing its fields, for an open document: answered with nothing
    assert.strictEqual(await s.conn.sendRequest(HoverRequest.method, {}), null);
    assert.deepStrictEqual(await s.conn.sendRequest(CodeActionRequest.method, { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }), []);
    assert.deepStrictEqual(await s.conn.sendRequest(CodeActionRequest.method, { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: 5 } }), []);
    await stillServing(s, 'after-errors');
  });

  it('answers requests about closed and unknown documents harmlessly', async () => {
    const uri = 'file:///ws/closed.py';
    await s.open(uri, example);
    await s.diagnostics(uri, (x) => x.diagnostics.length > 0);
    await s.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    // closing clears the document's diagnostics
    await s.diagnostics(uri, (x) => x.diagnostics.length === 0);
    const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    for (const u of [uri, 'file:///ws/never-opened.py', 'untitled:Untitled-1', 'not a uri at all']) {
      assert.deepStrictEqual(await s.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri: u }, range, context: { diagnostics: [] } }), [], u);
      assert.strictEqual(await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri: u }, position: { line: 0, character: 0 } }), null, u);
      assert.deepStrictEqual(await s.conn.sendRequest(ExecuteCommandRequest.type, { command: 'trainguard.server.applyFixAll', arguments: [{ uri: u }] }), { status: 'not-open', fixed: 0 }, u);
    }
    // a change to a closed document is ignored; opening it again starts from the opened text
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 5 }, contentChanges: [{ text: 'garbage (((' }] });
    await s.open(uri, example, 7);
    const p = await s.diagnostics(uri, (x) => x.version === 7);
    assert.deepStrictEqual(codes(p.diagnostics), ['TG203', 'TG211', 'TG303', 'TG701']);
    assert.deepStrictEqual(edits, [], 'no edit was sent');
  });

  it('fix-all sends an edit of the version it analysed, and a client refusing a stale edit loses nothing', async () => {
    const uri = 'file:///ws/fix.py';
    await s.open(uri, example, 1);
    await s.diagnostics(uri, (x) => x.version === 1);
    // the user types (version 2) before asking for fix-all: the command fixes version 2, not 1
    const v2 = '# edited\n' + example;
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# edited\n' }] });
    const ok = (await s.conn.sendRequest(ExecuteCommandRequest.type, { command: 'trainguard.server.applyFixAll', arguments: [{ uri }] })) as { status: string; fixed: number };
    assert.strictEqual(ok.status, 'applied');
    assert.strictEqual(edits.length, 1);
    const change = edits[0].edit.documentChanges?.[0] as TextDocumentEdit;
    assert.ok(change, 'a versioned edit (documentChanges)');
    assert.deepStrictEqual(change.textDocument, { uri, version: 2 });
    assert.strictEqual(edits[0].edit.changes, undefined, 'no unversioned changes');
    const fixed = applyEdits(v2, change.edits as TextEdit[]);
    assert.ok(fixed.startsWith('# edited\n'), 'the user\'s edit is kept');

    // now the user types while the edit is in flight: the client (like VS Code) refuses an edit for
    // version 3 once the document is at version 4; the server reports the refusal and sends nothing else
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 3 }, contentChanges: [{ text: v2 }] });
    answerEdit = async (p) => {
      const c = p.edit.documentChanges?.[0] as TextDocumentEdit;
      await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 4 }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# typed meanwhile\n' }] });
      return c.textDocument.version === 4 ? { applied: true } : { applied: false, failureReason: `version ${c.textDocument.version} is stale, the document is at 4` };
    };
    const refused = (await s.conn.sendRequest(ExecuteCommandRequest.type, { command: 'trainguard.server.applyFixAll', arguments: [{ uri }] })) as { status: string; fixed: number; reason: string };
    assert.deepStrictEqual(refused, { status: 'refused', fixed: 0, reason: 'version 3 is stale, the document is at 4' });
    assert.strictEqual(edits.length, 2, 'one edit per command, no retry behind the user\'s back');
    // the server's own view follows the user's text, not the refused fix
    const after = await s.diagnostics(uri, (x) => x.version === 4);
    assert.ok(codes(after.diagnostics).includes('TG303'), 'the refused fix was not applied on the server side either');
  });

  it('skips a huge file, a file with one enormous line and a binary file with one message each, and keeps serving', async () => {
    const big = 'x = 1\n'.repeat(400_000); // 2.4 MB
    const longLine = `data = "${'a'.repeat(20_000)}"\n`;
    // bytes of a PNG and random binary decoded as the client would: invalid UTF-8 becomes U+FFFD
    const bytes = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))]);
    const binary = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    assert.ok(binary.includes('\ufffd') && binary.includes('\0'));
    const cases: [string, string, RegExp][] = [
      ['big', big, /MB is over the 2\.0 MB limit/],
      ['long', longLine, /line 1 is 20009 characters long/],
      ['binary', binary, /contains a NUL byte .* binary data/],
    ];
    for (const [name, text, message] of cases) {
      const uri = `file:///ws/${name}.py`;
      await s.open(uri, text);
      const p = await s.diagnostics(uri);
      assert.strictEqual(p.diagnostics.length, 1, name);
      assert.strictEqual(p.diagnostics[0].severity, 3, name);
      assert.match(String(p.diagnostics[0].message), message);
      // and nothing is fixed there
      assert.deepStrictEqual(await s.conn.sendRequest(ExecuteCommandRequest.type, { command: 'trainguard.server.applyFixAll', arguments: [{ uri }] }), { status: 'too-large', fixed: 0 }, name);
    }
    // binary data without NUL bytes (only replacement characters and control bytes) is analysed: no crash
    const noNul = binary.replace(/\0/g, '');
    await s.open('file:///ws/binary2.py', noNul);
    const p = await s.diagnostics('file:///ws/binary2.py');
    assert.ok(p.diagnostics.every((d) => d.source === 'trainguard'));
    assert.deepStrictEqual(edits, []);
    await stillServing(s, 'after-binary');
  });
});

describe('client restart policy (restartingErrorHandler)', () => {
  it('restarts a stopped server up to the limit within the window, then stops restarting', () => {
    let now = 0;
    const p = new RestartPolicy(4, 180_000, () => now);
    const decisions = [0, 1000, 2000, 3000, 4000].map((t) => ((now = t), p.stopped()));
    assert.deepStrictEqual(decisions.map((d) => d.restart), [true, true, true, true, false]);
    assert.deepStrictEqual(decisions.map((d) => d.count), [1, 2, 3, 4, 5]);
  });

  it('forgets stops older than the window, and everything on a manual restart', () => {
    let now = 0;
    const p = new RestartPolicy(2, 1000, () => now);
    p.stopped();
    now = 500;
    p.stopped();
    now = 1400; // the stop at 0 is out of the window, the one at 500 is not
    assert.deepStrictEqual(p.stopped(), { restart: true, count: 2 });
    now = 1450;
    assert.deepStrictEqual(p.stopped(), { restart: false, count: 3 });
    p.reset();
    assert.deepStrictEqual(p.stopped(), { restart: true, count: 1 });
  });
});
