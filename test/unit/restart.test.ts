/**
 * The language server killed mid-request comes back. The bundled server (dist/server.js) is started
 * the way the extension starts it (a forked Node process over --node-ipc) by a small supervisor that
 * does what vscode-languageclient does on a closed connection: ask the extension's restart policy
 * (client/src/restartPolicy.ts `onServerClosed`), start a new process and send it the open documents
 * again. The real extension host is covered by test/e2e/suite/recovery.test.ts.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { fork, spawn, type ChildProcess } from 'child_process';
import {
  createProtocolConnection,
  IPCMessageReader,
  IPCMessageWriter,
  InitializeRequest,
  InitializedNotification,
  DidOpenTextDocumentNotification,
  PublishDiagnosticsNotification,
  ExecuteCommandRequest,
  ShutdownRequest,
  ExitNotification,
  type ApplyWorkspaceEditParams,
  type ApplyWorkspaceEditResult,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type TextDocumentEdit,
} from 'vscode-languageserver-protocol/node';
import { ROOT } from './helpers';
import { MAX_RESTARTS, RestartPolicy, WINDOW_MS, onServerClosed } from '../../client/src/restartPolicy';

const SERVER = path.join(ROOT, 'dist', 'server.js');
const example = fs.readFileSync(path.join(ROOT, 'examples', 'train.py'), 'utf8');
const HEADLINE = ['TG203', 'TG211', 'TG303', 'TG701'];
const codes = (p: PublishDiagnosticsParams) => p.diagnostics.map((d) => String(d.code)).sort();

/** Resolves with `p`, or rejects after `ms` naming `what` (a hang guard). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function gone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

interface Published extends PublishDiagnosticsParams {
  /** The server process that published it. */
  pid: number;
}

/** A language client reduced to what recovery needs: documents, diagnostics, restarts. */
class Supervisor {
  readonly policy: RestartPolicy;
  readonly log: string[] = [];
  gaveUp: string | null = null;
  child!: ChildProcess;
  conn!: ProtocolConnection;
  readonly pids: number[] = [];
  readonly docs = new Map<string, { text: string; version: number }>();
  applyEdit: (p: ApplyWorkspaceEditParams) => ApplyWorkspaceEditResult | Promise<ApplyWorkspaceEditResult> = () => ({ applied: true });
  private readonly latest = new Map<string, Published>();
  private waiters: { pred: (p: Published) => boolean; resolve: (p: Published) => void }[] = [];
  private startWaiters: { pred: () => boolean; resolve: () => void }[] = [];
  private stopping = false;
  running: Promise<void> = Promise.resolve();

  constructor(policy = new RestartPolicy(MAX_RESTARTS, WINDOW_MS)) {
    this.policy = policy;
  }

  /** Starts a server process, initializes it and opens every document the client holds. */
  async start(): Promise<void> {
    const child = fork(SERVER, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    child.stderr!.resume();
    this.child = child;
    const pid = child.pid!;
    this.pids.push(pid);
    const conn = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    this.conn = conn;
    conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      const pub = { ...p, pid };
      this.latest.set(p.uri, pub);
      for (const w of [...this.waiters]) if (w.pred(pub)) (this.waiters.splice(this.waiters.indexOf(w), 1), w.resolve(pub));
    });
    conn.onRequest('workspace/applyEdit', (p: ApplyWorkspaceEditParams) => this.applyEdit(p));
    child.on('exit', () => {
      conn.dispose();
      if (this.stopping || this.child !== child) return;
      const decision = onServerClosed(this.policy);
      if (decision.restart) {
        this.log.push(decision.log);
        this.running = this.start();
      } else this.gaveUp = decision.message;
    });
    conn.listen();
    await conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: { textDocument: { publishDiagnostics: { versionSupport: true } }, workspace: { applyEdit: true, workspaceEdit: { documentChanges: true } } }, initializationOptions: { settings: { debounceMs: 0 } } });
    await conn.sendNotification(InitializedNotification.type, {});
    for (const [uri, d] of this.docs) await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'python', version: d.version, text: d.text } });
    for (const w of [...this.startWaiters]) if (w.pred()) (this.startWaiters.splice(this.startWaiters.indexOf(w), 1), w.resolve());
  }

  /** Resolves once a server other than `pid` is initialized and has the documents. */
  restartedFrom(pid: number): Promise<void> {
    const pred = () => this.pids[this.pids.length - 1] !== pid;
    return new Promise((resolve) => this.startWaiters.push({ pred, resolve }));
  }

  async open(uri: string, text: string, version = 1): Promise<void> {
    this.docs.set(uri, { text, version });
    await this.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'python', version, text } });
  }

  /** Diagnostics on `uri` published by the server process `pid`. */
  diagnostics(uri: string, pid: number): Promise<Published> {
    const pred = (p: Published) => p.uri === uri && p.pid === pid && p.diagnostics.length > 0;
    const have = this.latest.get(uri);
    if (have && pred(have)) return Promise.resolve(have);
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      try {
        await within(this.conn.sendRequest(ShutdownRequest.type), 2000, 'shutdown');
        await this.conn.sendNotification(ExitNotification.type);
      } catch {
        /* already gone */
      }
      if (!(await gone(child.pid!, 2000))) child.kill('SIGKILL');
    }
    this.conn.dispose();
  }
}

describe('language server killed mid-request (dist/server.js over node IPC, as the extension starts it)', function () {
  this.timeout(60000);
  let sup: Supervisor;
  afterEach(async () => {
    await sup?.stop();
    for (const pid of sup?.pids ?? []) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });

  it('a request in flight fails instead of hanging, the server comes back with the open documents and answers again', async () => {
    sup = new Supervisor();
    await sup.start();
    const uri = 'file:///ws/train.py';
    await sup.open(uri, example, 3);
    const first = sup.pids[0];
    assert.deepStrictEqual(codes(await within(sup.diagnostics(uri, first), 15000, 'first diagnostics')), HEADLINE);

    // fix-all waits on the client's answer to workspace/applyEdit: the request is certainly in flight
    // when the server is killed
    let editArrived!: () => void;
    const arrived = new Promise<void>((r) => (editArrived = r));
    sup.applyEdit = () => (editArrived(), new Promise<ApplyWorkspaceEditResult>(() => undefined));
    const inFlight = sup.conn.sendRequest(ExecuteCommandRequest.type, { command: 'trainguard.server.applyFixAll', arguments: [{ uri }] });
    inFlight.catch(() => undefined);
    await within(arrived, 15000, 'the fix-all edit');
    const back = sup.restartedFrom(first);
    process.kill(first, 'SIGKILL');

    await assert.rejects(within(inFlight, 10000, 'the request in flight'), (e: Error) => !/nothing within/.test(e.message), 'the request in flight is rejected when the connection closes, not left hanging');
    await within(back, 15000, 'the restart');
    assert.ok(await gone(first, 5000), 'the killed server is gone');
    const second = sup.pids[1];
    assert.notStrictEqual(second, first);
    assert.deepStrictEqual(sup.log, [`language server stopped unexpectedly; restarting (1/${MAX_RESTARTS} in 3 minutes)`]);
    assert.strictEqual(sup.gaveUp, null);

    // the new server received the document again (same version) and publishes its findings
    const again = await within(sup.diagnostics(uri, second), 15000, 'diagnostics from the restarted server');
    assert.deepStrictEqual(codes(again), HEADLINE);
    assert.strictEqual(again.version, 3);
    // and the request that was lost answers now, with an edit of the version the client holds
    const edits: ApplyWorkspaceEditParams[] = [];
    sup.applyEdit = (p) => (edits.push(p), { applied: true });
    const r = (await within(sup.conn.sendRequest(ExecuteCommandRequest.type, { command: 'trainguard.server.applyFixAll', arguments: [{ uri }] }), 15000, 'fix-all after the restart')) as { status: string; fixed: number };
    assert.strictEqual(r.status, 'applied');
    assert.ok(r.fixed > 0);
    assert.deepStrictEqual((edits[0].edit.documentChanges?.[0] as TextDocumentEdit).textDocument, { uri, version: 3 });
  });

  it('a server that keeps dying is restarted 4 times, then left stopped with a message for the user', async () => {
    sup = new Supervisor();
    await sup.start();
    const uri = 'file:///ws/crashy.py';
    await sup.open(uri, example);
    for (let i = 1; i <= MAX_RESTARTS + 1; i++) {
      const pid = sup.pids[sup.pids.length - 1];
      await within(sup.diagnostics(uri, pid), 15000, `diagnostics from server ${i}`);
      const back = i <= MAX_RESTARTS ? sup.restartedFrom(pid) : null;
      process.kill(pid, 'SIGKILL');
      assert.ok(await gone(pid, 5000));
      if (back) await within(back, 15000, `restart ${i}`);
    }
    await new Promise((r) => setTimeout(r, 300)); // a 6th server would have been forked by now
    assert.strictEqual(sup.pids.length, MAX_RESTARTS + 1, 'one start and four restarts, no fifth');
    assert.strictEqual(sup.log.length, MAX_RESTARTS);
    assert.match(sup.log[MAX_RESTARTS - 1], /restarting \(4\/4 in 3 minutes\)/);
    assert.strictEqual(sup.gaveUp, `Train Guard's language server stopped 5 times in 3 minutes and was not restarted. See the log for the cause.`);
    assert.ok(sup.pids.every((pid) => !alive(pid)), 'no server left running');
  });

  it('a server whose editor died exits by itself (no orphan process)', async () => {
    // a stand-in for the editor's process: the server watches the processId given in initialize
    const editor = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const server = fork(SERVER, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    const conn = createProtocolConnection(new IPCMessageReader(server), new IPCMessageWriter(server));
    conn.listen();
    try {
      await conn.sendRequest(InitializeRequest.type, { processId: editor.pid!, rootUri: null, capabilities: {} });
      await conn.sendNotification(InitializedNotification.type, {});
      assert.ok(alive(server.pid!));
      editor.kill('SIGKILL');
      assert.ok(await gone(server.pid!, 15000), 'the server outlived its editor by 15 s');
    } finally {
      conn.dispose();
      editor.kill('SIGKILL');
      if (alive(server.pid!)) server.kill('SIGKILL');
    }
  });
});

describe('onServerClosed (what the extension does when the server stops)', () => {
  it('restarts with a log line while the policy allows, then stops with a message naming the count', () => {
    let now = 0;
    const p = new RestartPolicy(2, 120_000, () => now);
    assert.deepStrictEqual(onServerClosed(p), { restart: true, log: 'language server stopped unexpectedly; restarting (1/2 in 2 minutes)' });
    now = 10;
    assert.deepStrictEqual(onServerClosed(p), { restart: true, log: 'language server stopped unexpectedly; restarting (2/2 in 2 minutes)' });
    now = 20;
    assert.deepStrictEqual(onServerClosed(p), { restart: false, message: "Train Guard's language server stopped 3 times in 2 minutes and was not restarted. See the log for the cause." });
    assert.strictEqual(MAX_RESTARTS, 4);
    assert.strictEqual(WINDOW_MS, 180_000);
  });
});
