/**
 * Protocol tests: the bundled server (dist/server.js) started as a child process over stdio and
 * driven by a real JSON-RPC client. Covers initialize, diagnostics, quick fixes, incremental edits,
 * fix-all, and survival of garbage input and half-typed files.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { spawn, type ChildProcess } from 'child_process';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  InitializeRequest,
  InitializedNotification,
  DidOpenTextDocumentNotification,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  PublishDiagnosticsNotification,
  CodeActionRequest,
  ShutdownRequest,
  ExitNotification,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Diagnostic,
  type CodeAction,
  type TextDocumentEdit,
} from 'vscode-languageserver-protocol/node';
import { applyEdits } from '../../server/src/analysis/source';
import { ROOT } from './helpers';

export class LspSession {
  readonly child: ChildProcess;
  readonly conn: ProtocolConnection;
  private readonly waiters: { uri: string; pred: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  readonly latest = new Map<string, PublishDiagnosticsParams>();
  /** Called with every publishDiagnostics, in arrival order. */
  onPublish?: (p: PublishDiagnosticsParams) => void;
  stderr = '';

  constructor(args: string[] = [path.join(ROOT, 'dist', 'server.js'), '--stdio']) {
    this.child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (d) => (this.stderr += d));
    this.conn = createProtocolConnection(new StreamMessageReader(this.child.stdout!), new StreamMessageWriter(this.child.stdin!));
    this.conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.latest.set(p.uri, p);
      this.onPublish?.(p);
      for (const w of [...this.waiters]) {
        if (w.uri === p.uri && w.pred(p)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(p);
        }
      }
    });
    this.conn.listen();
  }

  /** `resolveEdits`: the client resolves code actions' edits lazily, as VS Code does. */
  async initialize(settings: Record<string, unknown> = { debounceMs: 0 }, resolveEdits = false): Promise<unknown> {
    const r = await this.conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: { textDocument: { publishDiagnostics: { versionSupport: true }, ...(resolveEdits ? { codeAction: { resolveSupport: { properties: ['edit'] } } } : {}) } },
      initializationOptions: { settings },
    });
    await this.conn.sendNotification(InitializedNotification.type, {});
    return r;
  }

  /** Waits (bounded) for diagnostics on `uri` that satisfy `pred`. */
  diagnostics(uri: string, pred: (p: PublishDiagnosticsParams) => boolean = () => true, ms = 10000): Promise<PublishDiagnosticsParams> {
    const have = this.latest.get(uri);
    if (have && pred(have)) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching diagnostics for ${uri} within ${ms} ms; last: ${JSON.stringify(this.latest.get(uri)?.diagnostics.map((d) => d.code))}\nserver stderr: ${this.stderr}`)), ms);
      this.waiters.push({ uri, pred, resolve: (p) => (clearTimeout(timer), resolve(p)) });
    });
  }

  open(uri: string, text: string, version = 1, languageId = 'python'): Promise<void> {
    return this.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version, text } });
  }

  async close(): Promise<void> {
    try {
      await Promise.race([this.conn.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 2000))]);
      await this.conn.sendNotification(ExitNotification.type);
    } catch {
      /* already gone */
    }
    this.conn.dispose();
    this.child.kill();
  }
}

const codes = (p: PublishDiagnosticsParams) => p.diagnostics.map((d) => d.code).sort();

describe('language server over stdio (dist/server.js)', function () {
  this.timeout(30000);
  let s: LspSession;
  const example = fs.readFileSync(path.join(ROOT, 'examples', 'train.py'), 'utf8');

  beforeEach(async () => {
    s = new LspSession();
    await s.initialize();
  });
  afterEach(async () => s.close());

  it('announces incremental sync and code actions', async () => {
    const s2 = new LspSession();
    const r = (await s2.initialize()) as { capabilities: { textDocumentSync: { change: number }; codeActionProvider: { codeActionKinds: string[] } } };
    assert.strictEqual(r.capabilities.textDocumentSync.change, 2);
    assert.ok(r.capabilities.codeActionProvider.codeActionKinds.includes('quickfix'));
    assert.ok(r.capabilities.codeActionProvider.codeActionKinds.includes('source.fixAll.trainguard'));
    await s2.close();
  });

  it('publishes the four headline findings with code, source and docs link', async () => {
    const uri = 'file:///ws/train.py';
    await s.open(uri, example);
    const p = await s.diagnostics(uri, (x) => x.diagnostics.length > 0);
    assert.deepStrictEqual(codes(p), ['TG203', 'TG211', 'TG303', 'TG701']);
    for (const d of p.diagnostics) {
      assert.strictEqual(d.source, 'trainguard');
      assert.match(d.codeDescription!.href, new RegExp(`docs/rules/${d.code}\\.md$`));
    }
    assert.strictEqual(p.version, 1);
  });

  it('offers a preferred quick fix whose versioned edit removes the diagnostic', async () => {
    const uri = 'file:///ws/train.py';
    await s.open(uri, example);
    const p = await s.diagnostics(uri, (x) => x.diagnostics.length > 0);
    const d = p.diagnostics.find((x) => x.code === 'TG303') as Diagnostic;
    const actions = (await s.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: d.range, context: { diagnostics: [d], only: ['quickfix'] } })) as CodeAction[];
    const fix = actions.find((a) => a.isPreferred)!;
    assert.ok(fix, 'no preferred quick fix');
    const change = fix.edit!.documentChanges![0] as TextDocumentEdit;
    assert.strictEqual(change.textDocument.version, 1);
    const fixed = applyEdits(example, change.edits as { range: Diagnostic['range']; newText: string }[]);
    // send the change as incremental edits, as VS Code does
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: change.edits.map((e) => ({ range: (e as { range: Diagnostic['range'] }).range, text: (e as { newText: string }).newText })) });
    const after = await s.diagnostics(uri, (x) => x.version === 2);
    assert.deepStrictEqual(codes(after), ['TG203', 'TG211', 'TG701']);
    assert.ok(fixed.includes('            loss = criterion(logits, labels)'));
  });

  it('checks a .py / .pyi document whatever its languageId (an empty one from Neovim without filetype detection, plaintext)', async () => {
    const sent: { uri: string; languageId: string }[] = [
      { uri: 'file:///ws/empty-id.py', languageId: '' },
      { uri: 'file:///ws/plain.py', languageId: 'plaintext' },
      { uri: 'file:///ws/stub.PYI', languageId: '' },
      { uri: 'file:///ws/with%20space.py?x=1', languageId: 'text' },
    ];
    for (const d of sent) await s.open(d.uri, example, 1, d.languageId);
    for (const d of sent) {
      const p = await s.diagnostics(d.uri, (x) => x.diagnostics.length > 0);
      assert.deepStrictEqual(codes(p), ['TG203', 'TG211', 'TG303', 'TG701'], d.uri);
    }
    // and its quick fixes are served as for any Python document
    const d = s.latest.get(sent[0].uri)!.diagnostics.find((x) => x.code === 'TG303')!;
    const actions = (await s.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri: sent[0].uri }, range: d.range, context: { diagnostics: [d], only: ['quickfix'] } })) as CodeAction[];
    assert.ok(actions.some((a) => a.isPreferred && a.title.endsWith('(TG303)')), actions.map((a) => a.title).join('; '));
  });

  it('checks a .ipynb sent as a text document (its JSON) as a notebook: each finding where its cell\'s source is written', async () => {
    const uri = 'file:///ws/flow.ipynb';
    const json = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'notebooks', 'kaggle-flow.ipynb'), 'utf8');
    await s.open(uri, json, 1, '');
    const p = await s.diagnostics(uri, (x) => x.diagnostics.length > 0);
    const lines = json.split('\n');
    const at = (code: string) => p.diagnostics.filter((d) => d.code === code).map((d) => lines[d.range.start.line].slice(d.range.start.character, d.range.start.character + 20));
    assert.deepStrictEqual(at('TG303'), ['criterion(logits, la']);
    assert.deepStrictEqual(at('TG304'), ['autocast():\\n",', 'GradScaler()\\n",']);
    // the criterion of TG205, with its epoch loop as related information, mapped into the JSON too
    const tg205 = p.diagnostics.find((d) => d.code === 'TG205')!;
    assert.ok(lines[tg205.range.start.line].slice(tg205.range.start.character).startsWith('nn.CrossEntropyLoss()'), lines[tg205.range.start.line]);
    const loop = tg205.relatedInformation![0].location;
    assert.strictEqual(loop.uri, uri);
    assert.ok(lines[loop.range.start.line].slice(loop.range.start.character).startsWith('for epoch in range(EPOCHS):'), lines[loop.range.start.line]);
    // diagnostics only: no fix would be written into the JSON
    assert.ok(p.diagnostics.every((d) => (d.data as { fixable: boolean }).fixable === false));
    const actions = (await s.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: p.diagnostics[0].range, context: { diagnostics: p.diagnostics, only: ['quickfix'] } })) as CodeAction[];
    assert.deepStrictEqual(actions, []);
    // an edit that breaks the JSON: nothing to say until it is a notebook again
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, text: '' }] });
    assert.deepStrictEqual((await s.diagnostics(uri, (x) => x.version === 2)).diagnostics, []);
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 3 }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '{' }] });
    assert.strictEqual((await s.diagnostics(uri, (x) => x.version === 3)).diagnostics.length, p.diagnostics.length);
  });

  it('does not check a document that is neither Python by its languageId nor by its name (notes.txt, plaintext)', async () => {
    const txt = 'file:///ws/notes.txt';
    const md = 'file:///ws/train.py.md';
    await s.open(txt, example, 1, 'plaintext');
    await s.open(md, example, 1, 'markdown');
    // a Python document opened after them is checked; by then the others would have been too
    await s.open('file:///ws/after.py', example);
    await s.diagnostics('file:///ws/after.py', (x) => x.diagnostics.length > 0);
    await new Promise((r) => setTimeout(r, 300));
    assert.strictEqual(s.latest.get(txt), undefined, 'notes.txt got diagnostics');
    assert.strictEqual(s.latest.get(md), undefined, 'train.py.md got diagnostics');
    const none = await s.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri: txt }, range: { start: { line: 0, character: 0 }, end: { line: 99, character: 0 } }, context: { diagnostics: [] } });
    assert.deepStrictEqual(none, []);
  });

  it('TG304: each deprecated call has its own fix; the whole-file rewrite they share is offered once', async () => {
    const uri = 'file:///ws/amp.py';
    const text = 'import torch\nfrom torch.cuda.amp import GradScaler, autocast\n\nscaler = GradScaler()\nwith autocast():\n    out = model(x)\n';
    await s.open(uri, text);
    const p = await s.diagnostics(uri, (x) => x.diagnostics.filter((d) => d.code === 'TG304').length === 2);
    const tg304 = p.diagnostics.filter((d) => d.code === 'TG304');
    assert.deepStrictEqual(tg304.map((d) => d.range.start.line), [3, 4]);
    const whole = { start: { line: 0, character: 0 }, end: { line: 6, character: 0 } };
    const all = (await s.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: whole, context: { diagnostics: tg304, only: ['quickfix'] } })) as CodeAction[];
    const actions = all.filter((a) => a.title.endsWith('(TG304)')); // (the suppressions are quick fixes too)
    assert.deepStrictEqual(actions.map((a) => a.title), [
      'Use torch.amp.GradScaler("cuda", ...) (TG304)',
      'Rewrite every deprecated torch.cuda.amp use in the file (TG304)',
      'Use torch.amp.autocast("cuda", ...) (TG304)',
    ]);
    const apply = (a: CodeAction) => applyEdits(text, (a.edit!.documentChanges![0] as TextDocumentEdit).edits as { range: Diagnostic['range']; newText: string }[]);
    assert.strictEqual(apply(actions[0]), 'import torch\nfrom torch.cuda.amp import autocast\n\nscaler = torch.amp.GradScaler("cuda")\nwith autocast():\n    out = model(x)\n');
    assert.strictEqual(apply(actions[1]), 'import torch\nfrom torch.amp import GradScaler, autocast\n\nscaler = GradScaler("cuda")\nwith autocast("cuda"):\n    out = model(x)\n');
  });

  it('re-checks after incremental edits and clears when the problem is gone', async () => {
    const uri = 'file:///ws/t.py';
    const text = 'import torch\nfrom torch.cuda.amp import autocast\nmodel = torch.nn.Linear(2, 2).cuda()\ncrit = torch.nn.MSELoss()\nopt = torch.optim.SGD(model.parameters(), lr=0.1)\nfor x, y in []:\n    with autocast():\n        out = model(x)\n    loss = crit(out, y)\n    loss.backward()\n    opt.step()\n    opt.zero_grad()\n';
    await s.open(uri, text);
    await s.diagnostics(uri, (x) => codes(x).includes('TG303'));
    // indent the loss line by four spaces: one incremental insertion at line 8, column 0
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 8, character: 0 }, end: { line: 8, character: 0 } }, text: '    ' }] });
    const p = await s.diagnostics(uri, (x) => x.version === 2);
    assert.ok(!codes(p).includes('TG303'), `still reported: ${codes(p)}`);
  });

  it('fix-all returns one edit that leaves only unfixable findings', async () => {
    const uri = 'file:///ws/train.py';
    await s.open(uri, example);
    await s.diagnostics(uri, (x) => x.diagnostics.length > 0);
    const actions = (await s.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [], only: ['source.fixAll.trainguard'] } })) as CodeAction[];
    assert.strictEqual(actions.length, 1);
    const change = actions[0].edit!.documentChanges![0] as TextDocumentEdit;
    const fixed = applyEdits(example, change.edits as { range: Diagnostic['range']; newText: string }[]);
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
    const after = await s.diagnostics(uri, (x) => x.version === 2);
    assert.deepStrictEqual(after.diagnostics.filter((d) => (d.data as { fixable: boolean }).fixable), []);
  });

  it('survives half-typed code, garbage bytes and requests for unknown documents', async () => {
    const uri = 'file:///ws/half.py';
    await s.open(uri, 'import torch\nfor epoch in range(\n    with torch.autocast("cuda"):\n        out = model(\n\x00\x01\uFFFD def (((\n');
    await s.diagnostics(uri);
    const none = await s.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri: 'file:///nope.py' }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [] } });
    assert.deepStrictEqual(none, []);
    // an edit range past the end of the document is clamped, not fatal
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 99, character: 5 }, end: { line: 120, character: 0 } }, text: 'x = 1\n' }] });
    await s.diagnostics(uri, (x) => x.version === 2);
    await s.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    // still serving
    await s.open('file:///ws/again.py', example);
    const p = await s.diagnostics('file:///ws/again.py', (x) => x.diagnostics.length > 0);
    assert.strictEqual(p.diagnostics.length, 4);
  });

  it('skips a file over the size limit with one information message, and checks it again once small', async () => {
    const uri = 'file:///ws/huge.py';
    const huge = example + '#'.repeat(80) .concat('\n').repeat(30000);
    await s.open(uri, huge);
    const p = await s.diagnostics(uri);
    assert.strictEqual(p.diagnostics.length, 1);
    assert.strictEqual(p.diagnostics[0].severity, 3);
    assert.match(String(p.diagnostics[0].message), /skipped this file: .* MB is over the 2\.0 MB limit/);
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ text: example }] });
    const again = await s.diagnostics(uri, (x) => x.version === 2);
    assert.deepStrictEqual(codes(again), ['TG203', 'TG211', 'TG303', 'TG701']);
  });

  it('honours trainguard.enable = false from initialization options', async () => {
    const off = new LspSession();
    await off.initialize({ enable: false, debounceMs: 0 });
    await off.open('file:///ws/train.py', example);
    const p = await off.diagnostics('file:///ws/train.py');
    assert.deepStrictEqual(p.diagnostics, []);
    await off.close();
  });

  it('the CLI starts the same server with `trainguard lsp`', async () => {
    const viaCli = new LspSession([path.join(ROOT, 'bin', 'trainguard.js'), 'lsp']);
    await viaCli.initialize();
    await viaCli.open('file:///ws/train.py', example);
    const p = await viaCli.diagnostics('file:///ws/train.py', (x) => x.diagnostics.length > 0);
    assert.strictEqual(p.diagnostics.length, 4);
    await viaCli.close();
  });
});
