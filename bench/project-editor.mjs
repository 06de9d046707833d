// The project analysis in the language server (issue 18), on the generated workspace of
// bench/project-workspace.mjs (2,000 modules): `npm run build && node bench/project-editor.mjs [--files=N] [--keys=N]`.
//
// Two servers (dist/server.js over stdio, VS Code's capabilities: versioned diagnostics, dynamic file
// watchers), each with the workspace as its folder:
//   off  `trainguard.followImports: false`: no Program, no index (the checks of before issue 18);
//   on   the defaults: a Program per checked file, the workspace indexed in the background.
// Measured: keystroke -> diagnostics of a file that imports nothing of the project (solo.py, the
// examples' train.py), in `off`, in `on` WHILE the index runs, and in `on` once it is done; the first
// diagnostics of train.py (examples' train.py + imports reaching 200 modules: the cold Program load)
// and its keystrokes (the Program kept); while the index runs, typing in bursts with pauses; an edit of an imported module -> train.py republished; the
// index's walk and run times as the server logs them; the server's RSS. Numbers are copied by hand
// into bench/NOTES.md.
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generate } from './project-workspace.mjs';
import { keystrokeAt, keystrokeChange } from './keystroke.mjs';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rpc = require('vscode-languageserver-protocol/node');
const { SERVER_EXEC_ARGV } = require(path.join(ROOT, 'out/client/src/serverOptions.js'));

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const FILES = Number(arg('files') ?? 2000);
const KEYS = Number(arg('keys') ?? 30);
const KEY_INTERVAL_MS = 120;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor((a.length * p) / 100))];
const med = (a) => pct(a, 50);
const f1 = (x) => x.toFixed(1);

async function startServer(root, settings) {
  const child = spawn(process.execPath, [...SERVER_EXEC_ARGV, path.join(ROOT, 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = rpc.createProtocolConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
  const waiters = new Map();
  const logs = [];
  conn.onNotification(rpc.PublishDiagnosticsNotification.type, (p) => {
    for (const [key, resolve] of [...waiters]) {
      if (key === `${p.uri}@${p.version}` || key === `${p.uri}@any`) {
        waiters.delete(key);
        resolve(p);
      }
    }
  });
  conn.onNotification(rpc.LogMessageNotification.type, (m) => logs.push(m.message));
  conn.onRequest(rpc.RegistrationRequest.type, () => null);
  conn.onRequest(rpc.ShowMessageRequest.type, () => null);
  conn.listen();
  const uri = pathToFileURL(root).href;
  await conn.sendRequest(rpc.InitializeRequest.type, {
    processId: process.pid,
    rootUri: uri,
    workspaceFolders: [{ uri, name: 'ws' }],
    capabilities: { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } }, textDocument: { publishDiagnostics: { versionSupport: true } } },
    initializationOptions: { settings },
  });
  await conn.sendNotification(rpc.InitializedNotification.type, {});
  const published = (u, version) => new Promise((resolve) => waiters.set(`${u}@${version}`, resolve));
  const rssMB = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
  const stop = async () => {
    const exited = new Promise((r) => child.once('exit', r));
    await conn.sendRequest(rpc.ShutdownRequest.type);
    await conn.sendNotification(rpc.ExitNotification.type);
    await Promise.race([exited, sleep(3000)]);
    conn.dispose();
    child.kill();
  };
  const progress = async (u) => conn.sendRequest('trainguard/projectModules', { uri: u });
  return { conn, published, rssMB, stop, logs, progress };
}

async function open(server, file) {
  const uri = pathToFileURL(file).href;
  const text = fs.readFileSync(file, 'utf8');
  const p = server.published(uri, 1);
  const t0 = performance.now();
  await server.conn.sendNotification(rpc.DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'python', version: 1, text } });
  await p;
  return { uri, text, firstMs: performance.now() - t0, version: 1 };
}

/** `n` keystrokes (one character typed, then deleted), each awaited: latencies (ms). `until()` true stops early. */
async function keystrokes(server, doc, n, until = () => false) {
  const at = keystrokeAt(doc.text);
  const lat = [];
  for (let i = 0; i < n && !until(); i++) {
    await sleep(KEY_INTERVAL_MS);
    const v = ++doc.version;
    const p = server.published(doc.uri, v);
    const t0 = performance.now();
    await server.conn.sendNotification(rpc.DidChangeTextDocumentNotification.type, { textDocument: { uri: doc.uri, version: v }, contentChanges: [keystrokeChange(at, v)] });
    await p;
    lat.push(performance.now() - t0);
  }
  return lat;
}

/**
 * Typing in bursts (8 keys 120 ms apart, then a pause of 700 ms) until `until()` or `n` bursts: the
 * latencies of the first key after a pause, and of the others.
 */
async function bursts(server, doc, n, until = () => false) {
  const first = [];
  const rest = [];
  for (let b = 0; b < n && !until(); b++) {
    const burst = await keystrokes(server, doc, 8, until);
    if (burst.length) first.push(burst[0]);
    rest.push(...burst.slice(1));
    await sleep(700);
  }
  return { first, rest };
}

const line = (label, lat) => `${label}: median ${f1(med(lat))} ms, p95 ${f1(pct(lat, 95))} ms, max ${f1(Math.max(...lat))} ms (${lat.length} keystrokes)`;

const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tg-editor-bench-')));
try {
  const { files } = generate(root, FILES);
  const example = fs.readFileSync(path.join(ROOT, 'examples', 'train.py'), 'utf8');
  fs.writeFileSync(path.join(root, 'solo.py'), example);
  fs.writeFileSync(path.join(root, 'train.py'), example.replace(/^import torch$/m, 'import torch\nfrom p00.m00 import *\nfrom p01 import m01\nimport p02.m02'));
  console.log(`workspace: ${files.length + 1} .py files`);

  // off: the single-file baseline
  const off = await startServer(root, { followImports: false });
  const offSolo = await open(off, path.join(root, 'solo.py'));
  await keystrokes(off, offSolo, 5);
  const offB = await bursts(off, offSolo, Math.ceil(KEYS / 4));
  const offRss = off.rssMB();
  await off.stop();
  console.log(line('follow-imports off, solo.py, keys of a burst', offB.rest));
  console.log(line('follow-imports off, solo.py, the first key after a pause', offB.first));

  // on: solo.py first (its diagnostics start the index: nothing to load), keystrokes while the index runs
  const on = await startServer(root, {});
  const rss0 = on.rssMB();
  const solo = await open(on, path.join(root, 'solo.py'));
  // the Program of solo.py has no module: the index starts only once a check used one, so open train.py first
  const train = await open(on, path.join(root, 'train.py'));
  console.log(`train.py first diagnostics (cold Program: ${(await on.progress(train.uri)).program?.modules.length} modules): ${f1(train.firstMs)} ms; solo.py first diagnostics ${f1(solo.firstMs)} ms`);
  let done = false;
  const t0 = performance.now();
  const watch = (async () => {
    while (!done) {
      const a = await on.progress(solo.uri);
      if (a.index.done && a.index.state === 'running') done = true;
      else await sleep(250);
    }
  })();
  // typed in bursts (8 keys 120 ms apart, then a pause of 700 ms, in which the index runs): the first
  // key after a pause may land in a slice of the index; the others come while it waits (INDEX_QUIET_MS)
  const { first: firstAfterPause, rest: during } = await bursts(on, solo, Infinity, () => done);
  await watch;
  const indexWall = performance.now() - t0;
  const rssIndexed = on.rssMB();
  console.log(line('follow-imports on, solo.py, WHILE the index runs, keys of a burst', during));
  console.log(line('follow-imports on, solo.py, WHILE the index runs, the first key after a pause', firstAfterPause));
  console.log(`index: ${indexWall.toFixed(0)} ms wall while typing; server log: ${on.logs.filter((l) => /project index/.test(l)).join(' | ')}`);
  const stats = (await on.progress(solo.uri)).stats;
  console.log(`index thread: ${stats.thread}; index slices: longest ${f1(stats.longestSliceMs)} ms (between two yields; with the thread this includes waiting for its summary, not holding the server's thread)`);
  const after = await bursts(on, solo, Math.ceil(KEYS / 4));
  console.log(line('follow-imports on, solo.py, index done, keys of a burst', after.rest));
  console.log(line('follow-imports on, solo.py, index done, the first key after a pause', after.first));
  const trainLat = await keystrokes(on, train, KEYS);
  console.log(line('follow-imports on, train.py (200-module Program kept)', trainLat));
  // an imported module edited: train.py republished
  const mod = await open(on, path.join(root, 'p00', 'm00.py'));
  const rep = [];
  for (let i = 0; i < 5; i++) {
    await sleep(600);
    const p = on.published(train.uri, 'any');
    const t = performance.now();
    const v = ++mod.version;
    await on.conn.sendNotification(rpc.DidChangeTextDocumentNotification.type, { textDocument: { uri: mod.uri, version: v }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: `# edit ${v}\n` }] });
    await p;
    rep.push(performance.now() - t);
  }
  console.log(`imported module edited -> train.py republished: median ${f1(med(rep))} ms (includes the 250 ms dependents delay)`);
  console.log(`RSS: off ${f1(offRss)} MB; on: at start ${f1(rss0)} MB, after indexing ${f1(rssIndexed)} MB, at the end ${f1(on.rssMB())} MB`);
  await on.stop();
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}

