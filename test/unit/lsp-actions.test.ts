/**
 * The language server's fix and suppression actions over the real protocol: the bundled server
 * (dist/server.js) runs on stdio and this test is its client. It checks what VS Code relies on:
 * `source.fixAll.trainguard` answers `only: [source.fixAll]` and `[source.fixAll.trainguard]` with a
 * versioned edit of that document only, equal to fix-all; quick fixes, "Ignore ... on this line / in
 * this file" and "Show documentation" come back for a diagnostic; `trainguard.showSuppressionActions:
 * false` hides the suppressions; the fix-all command sends a versioned workspace/applyEdit.
 * Every wait is on a protocol event, never on a timer.
 */
import * as assert from 'assert';
import * as path from 'path';
import { spawn, type ChildProcess } from 'child_process';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import type { CodeAction, Diagnostic, PublishDiagnosticsParams, TextDocumentEdit, WorkspaceEdit, ApplyWorkspaceEditParams, InitializeResult } from 'vscode-languageserver-protocol';
import { applyEdits, type TextEdit } from '../../server/src/analysis/source';
import { fixAll } from '../../server/src/fixes/apply';
import { ready, ROOT } from './helpers';

const URI = 'file:///work/project/train.py';
const TEXT = [
  'import torch',
  'from torch.amp import autocast',
  '',
  'model = torch.nn.Linear(3, 1).cuda()',
  'criterion = torch.nn.MSELoss()',
  '',
  '',
  'def step(x, y):',
  '    with autocast("cuda"):',
  '        pred = model(x)',
  '    err = criterion(pred, y)',
  '    err.backward()',
  '',
].join('\n');

class Client {
  readonly conn: ProtocolConnection;
  private readonly proc: ChildProcess;
  settings: Record<string, unknown> = {};
  applied: ApplyWorkspaceEditParams[] = [];
  private waiters: { uri: string; version: number; resolve: (d: Diagnostic[]) => void }[] = [];
  private latest = new Map<string, PublishDiagnosticsParams>();

  constructor() {
    this.proc = spawn(process.execPath, [path.join(ROOT, 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.conn = createProtocolConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => this.settings));
    this.conn.onRequest('workspace/applyEdit', (p: ApplyWorkspaceEditParams) => {
      this.applied.push(p);
      return { applied: true };
    });
    this.conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.latest.set(p.uri, p);
      this.waiters = this.waiters.filter((w) => {
        if (w.uri !== p.uri || p.version !== w.version) return true;
        w.resolve(p.diagnostics);
        return false;
      });
    });
    this.conn.onNotification('window/logMessage', () => undefined);
    this.conn.listen();
  }

  diagnostics(uri: string, version: number): Promise<Diagnostic[]> {
    const have = this.latest.get(uri);
    if (have && have.version === version) return Promise.resolve(have.diagnostics);
    return new Promise((resolve) => this.waiters.push({ uri, version, resolve }));
  }

  async stop(): Promise<void> {
    await this.conn.sendRequest('shutdown');
    this.conn.sendNotification('exit');
    this.conn.dispose();
    this.proc.kill();
  }
}

function onlyEdit(edit: WorkspaceEdit | undefined, uri: string, version: number): TextEdit[] {
  assert.ok(edit?.documentChanges, 'a versioned edit (documentChanges)');
  assert.strictEqual(edit.changes, undefined);
  assert.strictEqual(edit.documentChanges.length, 1, 'one document changed');
  const change = edit.documentChanges[0] as TextDocumentEdit;
  assert.deepStrictEqual(change.textDocument, { uri, version }, 'the edit is for this document at this version');
  return change.edits as TextEdit[];
}

/** A server with TEXT open at version 1, initialised with the workspace capabilities the tests need plus `capabilities`. */
async function startClient(capabilities: Record<string, unknown>, initializationOptions?: Record<string, unknown>): Promise<{ client: Client; init: InitializeResult }> {
  await ready();
  const client = new Client();
  const init = (await client.conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: 'file:///work/project',
    capabilities: { workspace: { configuration: true, workspaceEdit: { documentChanges: true }, applyEdit: true }, ...capabilities },
    ...(initializationOptions ? { initializationOptions } : {}),
  })) as InitializeResult;
  client.conn.sendNotification('initialized', {});
  client.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: URI, languageId: 'python', version: 1, text: TEXT } });
  return { client, init };
}

/** The code actions for the start of URI, with a kind filter (`only`) or without (the lightbulb). */
async function codeActionsAt(client: Client, only: string[] | undefined, diagnostics: Diagnostic[]): Promise<CodeAction[]> {
  return (await client.conn.sendRequest('textDocument/codeAction', {
    textDocument: { uri: URI },
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    context: { diagnostics, ...(only ? { only } : {}) },
  })) as CodeAction[];
}

describe('language server: fix-all, quick fixes, suppressions (over stdio)', function () {
  let client: Client;
  let init: InitializeResult;
  let version = 1;
  let text = TEXT;

  before(async () => {
    ({ client, init } = await startClient({}, { clientCommands: ['trainguard.showDocumentation'] }));
  });
  after(async () => {
    await client?.stop();
  });

  const codeActions = (only: string[] | undefined, diagnostics: Diagnostic[] = []) => codeActionsAt(client, only, diagnostics);

  it('advertises the action kinds and the server commands', () => {
    const cap = init.capabilities.codeActionProvider;
    assert.ok(cap && typeof cap === 'object');
    assert.ok(cap.codeActionKinds?.includes('quickfix'));
    assert.ok(cap.codeActionKinds?.includes('source.fixAll.trainguard'));
    // this client cannot resolve an action's edit later: every edit comes in the list
    assert.strictEqual(cap.resolveProvider, false);
    assert.deepStrictEqual([...(init.capabilities.executeCommandProvider?.commands ?? [])].sort(), ['trainguard.server.applyFixAll', 'trainguard.server.showDocumentation']);
  });

  for (const only of [['source.fixAll'], ['source.fixAll.trainguard'], ['source']]) {
    it(`answers only=${JSON.stringify(only)} with the fix-all edit (what codeActionsOnSave asks)`, async () => {
      await client.diagnostics(URI, version);
      const actions = await codeActions(only);
      assert.deepStrictEqual(actions.map((a) => a.kind), ['source.fixAll.trainguard']);
      const edits = onlyEdit(actions[0].edit, URI, version);
      assert.strictEqual(applyEdits(text, edits), fixAll(text).text);
      assert.notStrictEqual(applyEdits(text, edits), text);
    });
  }

  it('gives no fix-all for only=[quickfix], and nothing for a kind it does not have', async () => {
    const diags = await client.diagnostics(URI, version);
    assert.ok(!(await codeActions(['quickfix'], diags)).some((a) => a.kind?.startsWith('source')));
    assert.deepStrictEqual(await codeActions(['refactor']), []);
  });

  it('offers the quick fix, both suppressions and the documentation for a diagnostic', async () => {
    const diags = (await client.diagnostics(URI, version)).filter((d) => d.code === 'TG303');
    assert.strictEqual(diags.length, 1);
    const all = await codeActions(undefined, diags);
    // without a kind filter the fix-all source action comes along (VS Code keeps it out of the lightbulb)
    assert.deepStrictEqual(all.filter((a) => a.kind === 'source.fixAll.trainguard').map((a) => a.title), ['Train Guard: fix all safe problems (1)']);
    const actions = all.filter((a) => a.kind === 'quickfix');
    const titles = actions.map((a) => a.title);
    assert.deepStrictEqual(titles, ['Move the loss into the autocast block (TG303)', 'Ignore TG303 on this line', 'Ignore TG303 in this file', 'Show documentation for TG303']);
    const [fix, line, file, docs] = actions;
    assert.strictEqual(fix.isPreferred, true);
    assert.deepStrictEqual(applyEdits(text, onlyEdit(line.edit, URI, version)).split('\n')[10], '    err = criterion(pred, y)  # noqa: TG303');
    assert.deepStrictEqual(applyEdits(text, onlyEdit(file.edit, URI, version)).split('\n')[0], '# trainguard: ignore-file[TG303]');
    assert.deepStrictEqual(docs.command, { title: 'Show documentation for TG303', command: 'trainguard.showDocumentation', arguments: ['TG303'] });
    assert.strictEqual(docs.edit, undefined);
  });

  it('after an edit, actions carry the new version and the new text', async () => {
    const change = { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# header\n' };
    version++;
    client.conn.sendNotification('textDocument/didChange', { textDocument: { uri: URI, version }, contentChanges: [change] });
    text = '# header\n' + text;
    const diags = (await client.diagnostics(URI, version)).filter((d) => d.code === 'TG303');
    assert.strictEqual(diags[0].range.start.line, 11);
    const actions = await codeActions(undefined, diags);
    for (const a of actions.filter((x) => x.edit)) onlyEdit(a.edit, URI, version);
    const stale = await codeActions(undefined, [{ ...diags[0], range: { start: { line: 10, character: 10 }, end: { line: 10, character: 28 } } }]);
    assert.deepStrictEqual(stale.filter((a) => a.kind === 'quickfix'), [], 'a diagnostic of the older version matches no finding: nothing is offered for it');
  });

  it('hides the suppression actions when trainguard.showSuppressionActions is false', async () => {
    client.settings = { showSuppressionActions: false };
    client.conn.sendNotification('workspace/didChangeConfiguration', { settings: { trainguard: client.settings } });
    const diags = (await client.diagnostics(URI, version)).filter((d) => d.code === 'TG303');
    const titles = (await codeActions(['quickfix'], diags)).map((a) => a.title);
    assert.deepStrictEqual(titles, ['Move the loss into the autocast block (TG303)', 'Show documentation for TG303']);
    client.settings = {};
    client.conn.sendNotification('workspace/didChangeConfiguration', { settings: { trainguard: client.settings } });
  });

  it('the fix-all command sends a versioned workspace/applyEdit and reports what it fixed', async () => {
    client.applied = [];
    const answer = (await client.conn.sendRequest('workspace/executeCommand', { command: 'trainguard.server.applyFixAll', arguments: [{ uri: URI }] })) as { status: string; fixed: number };
    assert.deepStrictEqual(answer, { status: 'applied', fixed: 1 });
    assert.strictEqual(client.applied.length, 1);
    const edits = onlyEdit(client.applied[0].edit, URI, version);
    assert.strictEqual(applyEdits(text, edits), fixAll(text).text);
  });

  it('the fix-all command on a file with nothing to fix, or not open, changes nothing', async () => {
    client.applied = [];
    const fixed = fixAll(text).text;
    version++;
    client.conn.sendNotification('textDocument/didChange', { textDocument: { uri: URI, version }, contentChanges: [{ text: fixed }] });
    text = fixed;
    await client.diagnostics(URI, version);
    assert.deepStrictEqual(await client.conn.sendRequest('workspace/executeCommand', { command: 'trainguard.server.applyFixAll', arguments: [{ uri: URI }] }), { status: 'nothing-to-fix', fixed: 0 });
    assert.deepStrictEqual(await client.conn.sendRequest('workspace/executeCommand', { command: 'trainguard.server.applyFixAll', arguments: [{ uri: 'file:///nowhere.py' }] }), { status: 'not-open', fixed: 0 });
    assert.deepStrictEqual(await codeActions(['source.fixAll']), []);
    assert.strictEqual(client.applied.length, 0);
  });

  it('fixes nothing, on save or by command, where Train Guard is disabled (trainguard.enable: false)', async () => {
    const uri = 'file:///work/project/disabled.py';
    client.settings = { enable: false };
    client.conn.sendNotification('workspace/didChangeConfiguration', { settings: { trainguard: client.settings } });
    client.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text: TEXT } });
    assert.deepStrictEqual(await client.diagnostics(uri, 1), []);
    const actions = (await client.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll'] },
    })) as CodeAction[];
    assert.deepStrictEqual(actions, []);
    client.applied = [];
    assert.deepStrictEqual(await client.conn.sendRequest('workspace/executeCommand', { command: 'trainguard.server.applyFixAll', arguments: [{ uri }] }), { status: 'disabled', fixed: 0 });
    assert.strictEqual(client.applied.length, 0);
    client.settings = {};
    client.conn.sendNotification('workspace/didChangeConfiguration', { settings: { trainguard: client.settings } });
  });

  it('rejects the command without a document', async () => {
    await assert.rejects(client.conn.sendRequest('workspace/executeCommand', { command: 'trainguard.server.applyFixAll', arguments: [] }), /needs/);
  });
});

describe('language server: fix-all computed when picked (codeAction/resolve, as VS Code asks)', function () {
  let client: Client;
  let init: InitializeResult;
  let version = 1;
  let text = TEXT;

  before(async () => {
    ({ client, init } = await startClient({ textDocument: { codeAction: { resolveSupport: { properties: ['edit'] } } } }));
  });
  after(async () => {
    await client?.stop();
  });

  const codeActions = (only: string[] | undefined, diagnostics: Diagnostic[] = []) => codeActionsAt(client, only, diagnostics);
  const resolve = async (a: CodeAction) => (await client.conn.sendRequest('codeAction/resolve', a)) as CodeAction;

  it('advertises resolveProvider to a client that resolves edits', () => {
    const cap = init.capabilities.codeActionProvider;
    assert.ok(cap && typeof cap === 'object');
    assert.strictEqual(cap.resolveProvider, true);
  });

  it('the lightbulb request gets fix-all without its edit; resolving it gives the fix-all edit', async () => {
    const diags = (await client.diagnostics(URI, version)).filter((d) => d.code === 'TG303');
    const all = await codeActions(undefined, diags);
    const fixAllActions = all.filter((a) => a.kind === 'source.fixAll.trainguard');
    assert.strictEqual(fixAllActions.length, 1);
    assert.strictEqual(fixAllActions[0].edit, undefined, 'not computed on every cursor move');
    assert.strictEqual(fixAllActions[0].title, 'Train Guard: fix all safe problems');
    // the quick fixes are cheap (one finding's edits, already computed): they still come with their edits
    assert.ok(all.find((a) => a.kind === 'quickfix' && a.title.startsWith('Move the loss'))?.edit);
    const resolved = await resolve(fixAllActions[0]);
    assert.strictEqual(applyEdits(text, onlyEdit(resolved.edit, URI, version)), fixAll(text).text);
  });

  it('codeActionsOnSave (only: source.fixAll) still gets the edit in the list', async () => {
    await client.diagnostics(URI, version);
    const actions = await codeActions(['source.fixAll']);
    assert.strictEqual(applyEdits(text, onlyEdit(actions[0].edit, URI, version)), fixAll(text).text);
  });

  it('an action resolved after the document changed comes back without an edit', async () => {
    const diags = await client.diagnostics(URI, version);
    const offered = (await codeActions(undefined, diags)).find((a) => a.kind === 'source.fixAll.trainguard')!;
    version++;
    text = '# header\n' + text;
    client.conn.sendNotification('textDocument/didChange', { textDocument: { uri: URI, version }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# header\n' }] });
    await client.diagnostics(URI, version);
    const stale = await resolve(offered);
    assert.strictEqual(stale.edit, undefined);
    // a fresh request offers a fresh action that resolves against the new text
    const fresh = (await codeActions(undefined, await client.diagnostics(URI, version))).find((a) => a.kind === 'source.fixAll.trainguard')!;
    assert.strictEqual(applyEdits(text, onlyEdit((await resolve(fresh)).edit, URI, version)), fixAll(text).text);
  });

  it('an action that is not ours, or malformed data, comes back as it was', async () => {
    const foreign = { title: 'x', kind: 'source.fixAll.trainguard', data: { trainguard: 'fixAll', uri: 42 } };
    assert.deepStrictEqual(await resolve(foreign as unknown as CodeAction), foreign);
    const other = { title: 'y', data: null };
    assert.deepStrictEqual(await resolve(other as unknown as CodeAction), other);
  });
});
