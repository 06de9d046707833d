/**
 * Protocol tests of the project analysis in the editor (issue 18; dist/server.js over stdio through
 * the LspSession of lsp.test.ts), on copies of the fixture projects (test/fixtures/projects/):
 * each checked file gets the Program of the project modules it imports (`trainguard/projectModules`
 * says what its last check read), editing / closing / deleting / creating an imported module
 * republishes the open files that import it (the edited file first), follow-imports off loads
 * nothing, a module with a syntax error or on an import cycle is no crash, a client without file
 * watchers re-reads at each check, and the workspace is indexed in the background.
 *
 * These check republishing and what was read, not cross-file findings: the rules read the Program in
 * the analysis side of issue 18.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import {
  InitializeRequest,
  InitializedNotification,
  RegistrationRequest,
  DidChangeWatchedFilesNotification,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  FileChangeType,
  type Registration,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { LspSession } from './lsp.test';
import { FIXTURES } from './helpers';
import { tempTree } from './tempTree';

const uriOf = (file: string) => pathToFileURL(file).href;

interface Answer {
  program: { entry: string; truncated: boolean; modules: { file: string; status: string; reason: string | null }[] } | null;
  index: { indexed: number; total: number; skipped: number; done: boolean; state: string };
  stats: { loads: number; reused: number; lastLoadMs: number; walkMs: number; indexMs: number; longestSliceMs: number };
}

/** A copy of the fixture project `name` in a new temporary folder (its real path). */
function copyProject(name: string): string {
  const root = tempTree({});
  fs.cpSync(path.join(FIXTURES, 'projects', name), root, { recursive: true });
  return root;
}

async function start(root: string, opts: { watchers: boolean; settings?: Record<string, unknown> }): Promise<{ s: LspSession; registered: Promise<Registration[]> }> {
  const s = new LspSession();
  let resolveReg!: (r: Registration[]) => void;
  const registered = new Promise<Registration[]>((r) => (resolveReg = r));
  s.conn.onRequest(RegistrationRequest.type, (p) => {
    resolveReg(p.registrations);
  });
  await s.conn.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: uriOf(root),
    workspaceFolders: [{ uri: uriOf(root), name: 'ws' }],
    capabilities: {
      workspace: opts.watchers ? { didChangeWatchedFiles: { dynamicRegistration: true } } : {},
      textDocument: { publishDiagnostics: { versionSupport: true } },
    },
    initializationOptions: { settings: { debounceMs: 0, ...(opts.settings ?? {}) } },
  });
  await s.conn.sendNotification(InitializedNotification.type, {});
  if (opts.watchers) await registered;
  return { s, registered };
}

/** Records every publication, in order, as `name@version`. */
function recorder(s: LspSession): string[] {
  const seen: string[] = [];
  s.onPublish = (p) => seen.push(`${path.basename(decodeURIComponent(new URL(p.uri).pathname))}@${p.version ?? '-'}`);
  return seen;
}

/** The next publication for `uri` after now (not the latest one already received). */
function nextPublish(s: LspSession, uri: string, ms = 10000): Promise<PublishDiagnosticsParams> {
  const before = s.latest.get(uri);
  return s.diagnostics(uri, (p) => p !== before, ms);
}

const modules = async (s: LspSession, uri: string) => ((await s.conn.sendRequest('trainguard/projectModules', { uri })) as Answer).program;
const statuses = (p: Answer['program'], root: string) => Object.fromEntries((p?.modules ?? []).map((m) => [path.relative(root, m.file), m.status]));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function change(s: LspSession, uri: string, version: number, text: string): Promise<void> {
  return s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
}

describe('language server: project modules (issue 18)', function () {
  this.timeout(30000);
  let root: string;
  let s: LspSession | undefined;
  const file = (rel: string) => path.join(root, rel);
  const read = (rel: string) => fs.readFileSync(file(rel), 'utf8');

  afterEach(async () => {
    await s?.close();
    s = undefined;
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('registers **/*.py with the other watchers, and loads the Program of the open file', async () => {
    root = copyProject('amp');
    const started = await start(root, { watchers: true });
    s = started.s;
    const regs = await started.registered;
    const globs = (regs[0].registerOptions as { watchers: { globPattern: string }[] }).watchers.map((w) => w.globPattern);
    assert.ok(globs.includes('**/*.py'), globs.join(' '));
    const train = uriOf(file('train.py'));
    await s.open(train, read('train.py'));
    await s.diagnostics(train);
    assert.deepStrictEqual(statuses(await modules(s, train), root), { 'dataset.py': 'read', 'engine.py': 'read' });
  });

  it('(1) editing engine.py republishes train.py, whose Program includes it, after engine.py itself; an unrelated edit does not', async () => {
    root = copyProject('amp');
    fs.writeFileSync(file('notes.py'), 'print("not imported by anyone")\n');
    ({ s } = await start(root, { watchers: true }));
    const train = uriOf(file('train.py'));
    const engine = uriOf(file('engine.py'));
    const notes = uriOf(file('notes.py'));
    await s.open(train, read('train.py'));
    await s.open(engine, read('engine.py'));
    await s.open(notes, read('notes.py'));
    await Promise.all([s.diagnostics(train), s.diagnostics(engine), s.diagnostics(notes)]);
    await sleep(400); // a re-check of train.py for opening engine.py (same text: none is due) would come now
    const seen = recorder(s);
    const republished = nextPublish(s, train);
    await change(s, engine, 2, read('engine.py').replace(/with autocast\([^)]*\):/, 'if True:'));
    const p = await republished;
    assert.strictEqual(p.version, 1, 'train.py itself did not change');
    assert.deepStrictEqual(seen.slice(0, 2), ['engine.py@2', 'train.py@1'], 'the edited file first');

    // a burst of edits to engine.py: train.py is re-checked once after it, not once per keystroke
    seen.length = 0;
    const text = read('engine.py');
    for (let v = 3; v < 8; v++) {
      await change(s, engine, v, text + '#'.repeat(v) + '\n');
      await sleep(20);
    }
    await nextPublish(s, train);
    await sleep(500);
    assert.strictEqual(seen.filter((x) => x.startsWith('train.py')).length, 1, seen.join(' '));

    // notes.py is in nobody's Program
    seen.length = 0;
    await change(s, notes, 2, 'print("still not imported")\n');
    await s.diagnostics(notes, (x) => x.version === 2);
    await sleep(600);
    assert.deepStrictEqual(seen, ['notes.py@2']);
  });

  it('a module changed on disk (closed) republishes its importers; an open buffer wins over the disk', async () => {
    root = copyProject('amp');
    ({ s } = await start(root, { watchers: true }));
    const train = uriOf(file('train.py'));
    await s.open(train, read('train.py'));
    await s.diagnostics(train);
    fs.writeFileSync(file('dataset.py'), read('dataset.py') + '\n\ndef extra():\n    return 1\n');
    const republished = nextPublish(s, train);
    await s.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uriOf(file('dataset.py')), type: FileChangeType.Changed }] });
    await republished;
    // dataset.py becomes unparsable on disk: the new Program says so
    fs.writeFileSync(file('dataset.py'), 'def broken(:\n');
    const again = nextPublish(s, train);
    await s.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uriOf(file('dataset.py')), type: FileChangeType.Changed }] });
    await again;
    assert.strictEqual(statuses(await modules(s, train), root)['dataset.py'], 'syntax-error');
    // open in the editor: its buffer is read, and a change on disk meanwhile re-checks nobody
    const dataset = uriOf(file('dataset.py'));
    const fromBuffer = nextPublish(s, train);
    await s.open(dataset, 'def make_loader(images, labels, batch_size, shuffle):\n    return None\n');
    await fromBuffer;
    assert.strictEqual(statuses(await modules(s, train), root)['dataset.py'], 'read');
    const seen = recorder(s);
    fs.writeFileSync(file('dataset.py'), 'def broken_again(:\n');
    await s.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: dataset, type: FileChangeType.Changed }] });
    await sleep(600);
    assert.deepStrictEqual(seen, []);
    assert.strictEqual(statuses(await modules(s, train), root)['dataset.py'], 'read');
  });

  it('(2) an imported module deleted while open: no crash, its importers re-checked, gone once closed; created again: read', async () => {
    root = copyProject('amp');
    ({ s } = await start(root, { watchers: true }));
    const train = uriOf(file('train.py'));
    const engine = uriOf(file('engine.py'));
    const engineText = read('engine.py');
    await s.open(train, read('train.py'));
    await s.open(engine, engineText);
    await Promise.all([s.diagnostics(train), s.diagnostics(engine)]);
    fs.rmSync(file('engine.py'));
    let republished = nextPublish(s, train);
    await s.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: engine, type: FileChangeType.Deleted }] });
    await republished;
    assert.strictEqual(statuses(await modules(s, train), root)['engine.py'], 'read', 'still open: its buffer is read');
    republished = nextPublish(s, train);
    await s.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: engine } });
    await republished;
    // no engine.py in the project any more: `from engine import ...` is taken for an installed package (not read)
    assert.deepStrictEqual(statuses(await modules(s, train), root), { 'dataset.py': 'read' });
    // and back: created on disk
    fs.writeFileSync(file('engine.py'), engineText);
    republished = nextPublish(s, train);
    await s.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: engine, type: FileChangeType.Created }] });
    await republished;
    assert.strictEqual(statuses(await modules(s, train), root)['engine.py'], 'read');
    // a closed module deleted
    fs.rmSync(file('dataset.py'));
    republished = nextPublish(s, train);
    await s.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uriOf(file('dataset.py')), type: FileChangeType.Deleted }] });
    await republished;
    assert.deepStrictEqual(statuses(await modules(s, train), root), { 'engine.py': 'read' });
    assert.doesNotMatch(s.stderr, /Error|failed/);
  });

  it('(3) follow-imports off (pyproject.toml or the client setting): no Program is loaded and nothing is re-checked for an import', async () => {
    root = copyProject('amp');
    fs.writeFileSync(file('pyproject.toml'), '[tool.trainguard]\nfollow-imports = false\n');
    ({ s } = await start(root, { watchers: true }));
    const train = uriOf(file('train.py'));
    const engine = uriOf(file('engine.py'));
    await s.open(train, read('train.py'));
    await s.open(engine, read('engine.py'));
    await Promise.all([s.diagnostics(train), s.diagnostics(engine)]);
    assert.strictEqual(await modules(s, train), null);
    const seen = recorder(s);
    await change(s, engine, 2, read('engine.py') + '\n# edited\n');
    await s.diagnostics(engine, (x) => x.version === 2);
    await sleep(600);
    assert.deepStrictEqual(seen, ['engine.py@2'], 'train.py is not re-checked');
    await s.close();

    fs.rmSync(file('pyproject.toml'));
    ({ s } = await start(root, { watchers: true, settings: { followImports: false } }));
    await s.open(train, read('train.py'));
    await s.diagnostics(train);
    assert.strictEqual(await modules(s, train), null);
  });

  it('(4) a module with a syntax error, an import cycle, a file importing itself: diagnostics, no crash', async () => {
    root = tempTree({ 'self/train.py': 'import torch\nfrom train import helper\n\n\ndef helper():\n    return 1\n\n\nprint(helper())\n' });
    fs.cpSync(path.join(FIXTURES, 'projects', 'syntax-error'), file('syntax-error'), { recursive: true });
    fs.cpSync(path.join(FIXTURES, 'projects', 'circular'), file('circular'), { recursive: true });
    ({ s } = await start(root, { watchers: true }));
    const broken = uriOf(file('syntax-error/train.py'));
    const circular = uriOf(file('circular/train.py'));
    const self = uriOf(file('self/train.py'));
    await s.open(broken, read('syntax-error/train.py'));
    await s.open(circular, read('circular/train.py'));
    await s.open(self, read('self/train.py'));
    await Promise.all([s.diagnostics(broken), s.diagnostics(circular), s.diagnostics(self)]);
    assert.deepStrictEqual(statuses(await modules(s, broken), root), { 'syntax-error/broken.py': 'syntax-error', 'syntax-error/fine.py': 'read' });
    assert.deepStrictEqual(statuses(await modules(s, circular), root), { 'circular/a.py': 'circular', 'circular/b.py': 'circular', 'circular/late.py': 'read' });
    assert.deepStrictEqual(statuses(await modules(s, self), root), {});
    // the broken module opened and fixed in the editor: its importer is re-checked and reads it
    const brokenModule = uriOf(file('syntax-error/broken.py'));
    await s.open(brokenModule, read('syntax-error/broken.py'));
    await s.diagnostics(brokenModule);
    const republished = nextPublish(s, broken);
    await change(s, brokenModule, 2, 'def train_one_epoch(model, loader):\n    return 0\n');
    await republished;
    assert.strictEqual(statuses(await modules(s, broken), root)['syntax-error/broken.py'], 'read');
    // the entry itself half-typed: still checked, its Program still loaded
    const half = read('syntax-error/train.py') + 'for x in (\n';
    await change(s, broken, 2, half);
    await s.diagnostics(broken, (x) => x.version === 2);
    assert.strictEqual(statuses(await modules(s, broken), root)['syntax-error/fine.py'], 'read');
    assert.doesNotMatch(s.stderr, /Error|failed/);
  });

  it('without file watchers: imported modules are read again at each check', async () => {
    root = copyProject('amp');
    ({ s } = await start(root, { watchers: false }));
    const train = uriOf(file('train.py'));
    const text = read('train.py');
    await s.open(train, text);
    await s.diagnostics(train);
    assert.strictEqual(statuses(await modules(s, train), root)['engine.py'], 'read');
    fs.writeFileSync(file('engine.py'), 'def broken(:\n');
    await change(s, train, 2, text + '\n');
    await s.diagnostics(train, (x) => x.version === 2);
    assert.strictEqual(statuses(await modules(s, train), root)['engine.py'], 'syntax-error');
  });

  it('indexes the workspace in the background after the first diagnostics', async () => {
    root = copyProject('relative');
    ({ s } = await start(root, { watchers: true }));
    const train = uriOf(file('pkg/train.py'));
    await s.open(train, read('pkg/train.py'));
    await s.diagnostics(train);
    let a: Answer | undefined;
    for (let i = 0; i < 100; i++) {
      a = (await s.conn.sendRequest('trainguard/projectModules', { uri: train })) as Answer;
      if (a.index.done) break;
      await sleep(50);
    }
    const total = fs.readdirSync(root, { recursive: true }).filter((f) => String(f).endsWith('.py')).length;
    assert.deepStrictEqual({ done: a!.index.done, indexed: a!.index.indexed, total: a!.index.total }, { done: true, indexed: total, total });
    assert.ok(a!.program!.modules.length > 0);
    assert.strictEqual((a!.stats as { thread?: boolean }).thread, true, 'the first indexing summarised on the index thread (dist/index-worker.js)');
  });
});
