// Train Guard benchmark (`npm run bench`, never part of `npm test`). Writes bench/results.md.
//
// Measures, each as the median of repeated runs with the spread (min-max), on one core:
//   - analysis throughput (lines/s) of the CLI's analysis (parse + model + every rule) on the
//     project's realistic scripts and fixtures and on generated 1k / 10k / 100k-line files, side by
//     side with Ruff's own linter built to WebAssembly (select ALL, and E+F) on the same texts in
//     the same process, interleaved run by run, so the ratios hold on a noisy machine;
//   - the tree-sitter parse alone (the floor) and analysis-after-parse / parse;
//   - linearity: the cost per 1000 lines at 1k, 10k and 100k lines;
//   - CLI cold start (a first run with an empty cache folder, later runs with the code cache it
//     wrote) and extension activation (bench/activate.cjs, first and later), wall and CPU time;
//   - the language server over stdio with its default settings (debounce included): keystroke ->
//     publishDiagnostics for a one-character edit in the middle of a loop of a 1k- and a 10k-line
//     file, typed at a human pace; a typing burst (a word typed one key every KEY_INTERVAL_MS):
//     last key -> publishDiagnostics of the final version, and the server's CPU time per burst; a
//     hover sent in the middle of a 10k-line check; code-action latency; RSS with 50 files open.
//
// Flags: --quick (fewer repetitions), --repeat=N, --only=throughput,cli,activation,server,project
// (sections to run; results.md is only written when every section ran).
import { createRequire } from 'node:module';
import { spawn, spawnSync, execSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { keystrokeAt, keystrokeChange } from './keystroke.mjs';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { initParser, parsePython } = require(path.join(ROOT, 'out/server/src/analysis/parser.js'));
const { analyzeTree } = require(path.join(ROOT, 'out/server/src/analysis/analyze.js'));
const { SourceText } = require(path.join(ROOT, 'out/server/src/analysis/source.js'));
const { limitExceeded } = require(path.join(ROOT, 'out/server/src/analysis/limits.js'));
const { Workspace, PositionEncoding } = require('@astral-sh/ruff-wasm-nodejs');
const rpc = require('vscode-languageserver-protocol/node');
const { SERVER_EXEC_ARGV } = require(path.join(ROOT, 'out/client/src/serverOptions.js'));

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const QUICK = process.argv.includes('--quick');
const REPEAT = Number(arg('repeat') ?? (QUICK ? 3 : 7));
const ONLY = new Set((arg('only') ?? 'throughput,cli,activation,server,project').split(','));
const ALL_SECTIONS = ['throughput', 'cli', 'activation', 'server', 'project'].every((s) => ONLY.has(s));
/** Keystrokes are typed at most this fast (ms between keys): a quick typist, ~10 keys a second. */
const KEY_INTERVAL_MS = 100;
/** The word of a typing burst, typed one key every KEY_INTERVAL_MS at the keystroke position. */
const BURST_WORD = 'progress';

// ---------------------------------------------------------------------------------------------
// statistics

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
/** The measures of even (parity 0: version 2, 4... where `x` is typed) or odd (deleted) keystrokes. */
const byParity = (xs, parity) => xs.filter((_, i) => i % 2 === parity);
function spread(xs) {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}
function time(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const fmtS = (s) => `${fmt(s.median)} [${fmt(s.min)}-${fmt(s.max)}]`;
const log = (msg) => process.stderr.write(`${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// machine

const started = new Date();
const loadAtStart = os.loadavg();
const cpuModel = (() => {
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    return /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown CPU';
  } catch {
    return os.cpus()[0]?.model ?? 'unknown CPU';
  }
})();
const pkgVersion = (name) => JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
const commit = (() => {
  try {
    return execSync('git rev-parse --short HEAD', { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();

// ---------------------------------------------------------------------------------------------
// corpus: the project's realistic scripts and fixtures, plus generated 1k/10k/100k-line files

function pyFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...pyFiles(p));
    else if (e.name.endsWith('.py') && !e.name.endsWith('.fixed.py')) out.push(p);
  }
  return out.sort();
}

function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Concatenates corpus files, each wrapped in a uniquely named function so names vary, to ~`lines` lines. */
function generate(corpus, lines, seed) {
  const rand = rng(seed);
  const parts = [];
  let n = 0;
  for (let i = 0; n < lines; i++) {
    const src = corpus[Math.floor(rand() * corpus.length)];
    const body = src
      .split(/\r?\n/)
      .map((l) => (l.trim() ? '    ' + l.replace(/\t/g, '    ') : ''))
      .join('\n');
    const chunk = `def section_${i}_${Math.floor(rand() * 1e6)}():\n${body}\n    pass\n\n`;
    parts.push(chunk);
    n += chunk.split('\n').length - 1;
  }
  return parts.join('');
}

const sources = [...pyFiles(path.join(ROOT, 'examples')), ...pyFiles(path.join(ROOT, 'test', 'fixtures'))]
  .map((f) => fs.readFileSync(f, 'utf8'))
  // what the CLI and the server skip (nested 100+ blocks deep, binary, huge) is not analysed: leave it out
  .filter((t) => !limitExceeded(t));

await initParser();
const lineCount = (t) => t.split('\n').length;
const corpusLines = sources.reduce((a, s) => a + lineCount(s), 0);
const generated = { '1k': generate(sources, 1000, 1), '10k': generate(sources, 10000, 2), '100k': generate(sources, 100000, 3) };
const benchDir = path.join(ROOT, 'bench', 'corpus');
fs.mkdirSync(benchDir, { recursive: true });
for (const [k, v] of Object.entries(generated)) fs.writeFileSync(path.join(benchDir, `generated-${k}.py`), v);

// ---------------------------------------------------------------------------------------------
// throughput: ours (parse, then analysis) and Ruff, interleaved run by run

const ruffAll = new Workspace({ lint: { select: ['ALL'] } }, PositionEncoding.Utf16);
const ruffEF = new Workspace({ lint: { select: ['E', 'F'] } }, PositionEncoding.Utf16);

function measureSet(texts, repeat) {
  const parse = [];
  const analysis = [];
  const ours = [];
  const all = [];
  const ef = [];
  const once = () => {
    let p = 0;
    let a = 0;
    for (const t of texts) {
      let tree;
      p += time(() => (tree = parsePython(t)));
      a += time(() => {
        analyzeTree(tree, new SourceText(t));
        tree.delete();
      });
    }
    return { p, a };
  };
  // warm-up (JIT), not measured
  once();
  for (const t of texts) {
    ruffAll.check(t);
    ruffEF.check(t);
  }
  for (let r = 0; r < repeat; r++) {
    const { p, a } = once();
    parse.push(p);
    analysis.push(a);
    ours.push(p + a);
    all.push(time(() => texts.forEach((t) => ruffAll.check(t))));
    ef.push(time(() => texts.forEach((t) => ruffEF.check(t))));
  }
  return { ours: spread(ours), parse: spread(parse), analysis: spread(analysis), all: spread(all), ef: spread(ef) };
}

const rows = [];
if (ONLY.has('throughput')) {
  const sets = [
    ['corpus (examples + fixtures)', sources, corpusLines, sources.length],
    ['generated 1k lines', [generated['1k']], lineCount(generated['1k']), 1],
    ['generated 10k lines', [generated['10k']], lineCount(generated['10k']), 1],
    ['generated 100k lines', [generated['100k']], lineCount(generated['100k']), 1],
  ];
  for (const [name, texts, lines, files] of sets) {
    const m = measureSet(texts, name.includes('100k') ? Math.max(3, REPEAT - 4) : REPEAT);
    rows.push({ name, lines, files, ...m });
    log(`${name}: ours ${fmt(m.ours.median)} ms (parse ${fmt(m.parse.median)}, analysis ${fmt(m.analysis.median)}), ruff ALL ${fmt(m.all.median)} ms, ruff E,F ${fmt(m.ef.median)} ms`);
  }
}

// ---------------------------------------------------------------------------------------------
// CLI cold start, extension activation

// The CLI on one file, `trainguard check examples/train.py`, as a new process each time: "first" with an
// empty cache folder (the first run after an install or update: it compiles everything and writes the
// code cache of dist/cli/check.js at its end), "later" with the cache the first run wrote (every later
// run), and an empty Node process for scale, interleaved. Wall time from spawn to exit, and the
// process's own CPU time (bench/cpu-at-exit.cjs: user + system of every thread), which depends less on
// the machine's load than wall time (server/src/cli/codeCache.ts, bench/NOTES.md).
const cold = { first: [], later: [], node: [], firstCpu: [], laterCpu: [], nodeCpu: [] };
const activation = [];
const activationCpu = [];
if (ONLY.has('cli')) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-bench-cli-'));
  const cpuFile = path.join(dir, 'cpu');
  const timed = (args, env) => {
    fs.rmSync(cpuFile, { force: true });
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['--require', path.join(ROOT, 'bench', 'cpu-at-exit.cjs'), ...args], { cwd: ROOT, env: { ...process.env, ...env, TG_BENCH_CPU_FILE: cpuFile }, encoding: 'utf8' });
    const wall = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0 && r.status !== 1) throw new Error(`CLI measure failed (${r.status}): ${r.stderr}`);
    return { wall, cpu: Number(fs.readFileSync(cpuFile, 'utf8')), stderr: r.stderr };
  };
  const check = (env) => timed([path.join(ROOT, 'bin', 'trainguard.js'), 'check', path.join(ROOT, 'examples', 'train.py')], { TRAINGUARD_CACHE_TRACE: '1', TRAINGUARD_NO_CACHE: '', ...env });
  try {
    const warm = path.join(dir, 'warm');
    const prepared = check({ TRAINGUARD_CACHE_DIR: warm });
    if (!/check\.js absent, written/.test(prepared.stderr)) throw new Error(`the CLI wrote no code cache: ${prepared.stderr}`);
    for (let i = 0; i < (QUICK ? 3 : 10); i++) {
      const first = check({ TRAINGUARD_CACHE_DIR: path.join(dir, `cold-${i}`) });
      const later = check({ TRAINGUARD_CACHE_DIR: warm });
      if (!/check\.js accepted/.test(later.stderr)) throw new Error(`the CLI's code cache was not accepted: ${later.stderr}`);
      const node = timed(['-e', '0'], {});
      cold.first.push(first.wall), cold.firstCpu.push(first.cpu);
      cold.later.push(later.wall), cold.laterCpu.push(later.cpu);
      cold.node.push(node.wall), cold.nodeCpu.push(node.cpu);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  log(`CLI cold start: first ${fmt(median(cold.first))} ms (CPU ${fmt(median(cold.firstCpu))} ms), later ${fmt(median(cold.later))} ms (CPU ${fmt(median(cold.laterCpu))} ms); node -e 0 ${fmt(median(cold.node))} ms (CPU ${fmt(median(cold.nodeCpu))} ms)`);
}
// Activation with an empty global storage (a first activation: no V8 code cache yet, as after an install
// or update) and with the code cache the first activation wrote (every later one), interleaved
// (client/src/loader.ts, bench/NOTES.md).
const activationWarm = [];
const activationWarmCpu = [];
if (ONLY.has('activation')) {
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-bench-activation-'));
  // [wall, CPU] of require + activate() (bench/activate.cjs --cpu: process.cpuUsage over the same span)
  const activate = (args) => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bench', 'activate.cjs'), '--cpu', ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`activation measure failed: ${r.stderr}`);
    return r.stdout.trim().split(/\s+/).map(Number);
  };
  try {
    activate([`--storage=${path.join(storage, 'warm')}`, '--save']);
    for (let i = 0; i < (QUICK ? 3 : 10); i++) {
      const [first, firstCpu] = activate([`--storage=${path.join(storage, `cold-${i}`)}`]);
      const [later, laterCpu] = activate([`--storage=${path.join(storage, 'warm')}`]);
      activation.push(first), activationCpu.push(firstCpu);
      activationWarm.push(later), activationWarmCpu.push(laterCpu);
    }
  } finally {
    fs.rmSync(storage, { recursive: true, force: true });
  }
  log(`activation: first ${fmt(median(activation))} ms (CPU ${fmt(median(activationCpu))} ms), later (code cache) ${fmt(median(activationWarm))} ms (CPU ${fmt(median(activationWarmCpu))} ms)`);
}

// ---------------------------------------------------------------------------------------------
// Language server: keystroke-to-diagnostics, code actions, RSS

async function startServer() {
  const child = spawn(process.execPath, [...SERVER_EXEC_ARGV, ...(process.env.SERVER_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.SERVER_PROF] : []), path.join(ROOT, 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = rpc.createProtocolConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
  const waiters = new Map();
  conn.onNotification(rpc.PublishDiagnosticsNotification.type, (p) => {
    const key = `${p.uri}@${p.version}`;
    waiters.get(key)?.(p);
    waiters.delete(key);
  });
  // a check over the time budget is announced with a message: answered, not left pending
  conn.onRequest(rpc.ShowMessageRequest.type, () => null);
  conn.listen();
  // default settings: the debounce the user gets is part of what is measured
  // the client capabilities of VS Code that change the server's work: versioned diagnostics, code
  // actions whose edit is resolved when picked
  await conn.sendRequest(rpc.InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: { textDocument: { publishDiagnostics: { versionSupport: true }, codeAction: { resolveSupport: { properties: ['edit'] } } } } });
  await conn.sendNotification(rpc.InitializedNotification.type, {});
  const published = (uri, version) => new Promise((resolve) => waiters.set(`${uri}@${version}`, resolve));
  /** CPU time (user + system) the server has used so far, ms (/proc: 10 ms ticks). */
  const cpuMs = () => {
    const fields = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
  const memory = () => {
    const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
    return { rssMB: kb('VmRSS') / 1024, peakMB: kb('VmHWM') / 1024 };
  };
  const stop = async () => {
    const exited = new Promise((r) => child.once('exit', r));
    await conn.sendRequest(rpc.ShutdownRequest.type);
    await conn.sendNotification(rpc.ExitNotification.type);
    await Promise.race([exited, sleep(3000)]);
    conn.dispose();
    child.kill();
  };
  return { conn, published, memory, cpuMs, stop };
}

/**
 * Where a keystroke's time goes, without the server: bench/keystroke-phases.mjs in a process of its
 * own, started with the server's Node flags (the young generation's size changes the garbage
 * collector's share of the analysis: bench/NOTES.md, "Server vs in-process").
 */
function keystrokePhases(file, edits) {
  const r = spawnSync(process.execPath, [...SERVER_EXEC_ARGV, path.join(ROOT, 'bench', 'keystroke-phases.mjs'), file, String(edits)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`keystroke phases failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function serverMeasures() {
  const { conn, published, stop, memory, cpuMs } = await startServer();
  const idleMB = memory().rssMB;

  /** Opens `text` as bench/`label`.py and waits for its first diagnostics. */
  async function openChecked(label, text) {
    const uri = `file:///bench/${label}.py`;
    const p = published(uri, 1);
    await conn.sendNotification(rpc.DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'python', version: 1, text } });
    await p;
    return uri;
  }

  async function keystrokes(label, text, edits) {
    const uri = await openChecked(label, text);
    // a one-character edit in the middle of a loop body: the first `for` line past the middle
    const at = keystrokeAt(text);
    const lat = [];
    let lastSent = 0;
    for (let v = 2; v < edits + 2; v++) {
      // typed, not fired: the next key comes KEY_INTERVAL_MS after the previous one at the earliest
      const wait = lastSent + KEY_INTERVAL_MS - performance.now();
      if (wait > 0) await sleep(wait);
      const p = published(uri, v);
      const t0 = process.hrtime.bigint();
      lastSent = performance.now();
      await conn.sendNotification(rpc.DidChangeTextDocumentNotification.type, { textDocument: { uri, version: v }, contentChanges: [keystrokeChange(at, v)] });
      await p;
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    await conn.sendNotification(rpc.DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    return lat;
  }
  const k1 = await keystrokes('k1', generated['1k'], QUICK ? 20 : 60);
  log(`keystroke 1k: p95 ${fmt(percentile(k1, 95))} ms; all: ${k1.map(fmt).join(' ')}`);
  const k10 = await keystrokes('k10', generated['10k'], QUICK ? 10 : 30);
  log(`keystroke 10k: p95 ${fmt(percentile(k10, 95))} ms; all: ${k10.map(fmt).join(' ')}`);

  // typing bursts: BURST_WORD typed one key every KEY_INTERVAL_MS (not waiting for diagnostics), then
  // the time from the LAST key to the diagnostics of the final version; the word is then deleted in
  // one edit and its diagnostics awaited before the next burst (not measured)
  async function bursts(label, text, n) {
    const uri = await openChecked(label, text);
    let p;
    const { row, col } = keystrokeAt(text);
    const lat = [];
    const cpu = [];
    let v = 1;
    for (let b = 0; b < n; b++) {
      await sleep(KEY_INTERVAL_MS * 3);
      const cpu0 = cpuMs();
      let t0 = 0;
      for (let i = 0; i < BURST_WORD.length; i++) {
        if (i > 0) await sleep(KEY_INTERVAL_MS);
        v++;
        if (i === BURST_WORD.length - 1) p = published(uri, v);
        t0 = process.hrtime.bigint();
        await conn.sendNotification(rpc.DidChangeTextDocumentNotification.type, {
          textDocument: { uri, version: v },
          contentChanges: [{ range: { start: { line: row, character: col + i }, end: { line: row, character: col + i } }, text: BURST_WORD[i] }],
        });
      }
      await p;
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
      cpu.push(cpuMs() - cpu0);
      v++;
      p = published(uri, v);
      await conn.sendNotification(rpc.DidChangeTextDocumentNotification.type, {
        textDocument: { uri, version: v },
        contentChanges: [{ range: { start: { line: row, character: col }, end: { line: row, character: col + BURST_WORD.length } }, text: '' }],
      });
      await p;
    }
    await conn.sendNotification(rpc.DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    return { lat, cpu };
  }
  const b1 = await bursts('b1', generated['1k'], QUICK ? 5 : 15);
  log(`typing burst 1k: last key -> diagnostics median ${fmt(median(b1.lat))} p95 ${fmt(percentile(b1.lat, 95))} ms, server CPU per burst median ${fmt(median(b1.cpu))} ms; all: ${b1.lat.map(fmt).join(' ')}`);
  const b10 = await bursts('b10', generated['10k'], QUICK ? 5 : 10);
  log(`typing burst 10k: last key -> diagnostics median ${fmt(median(b10.lat))} p95 ${fmt(percentile(b10.lat, 95))} ms, server CPU per burst median ${fmt(median(b10.cpu))} ms; all: ${b10.lat.map(fmt).join(' ')}`);

  // a hover sent in the middle of a 10k-line check (half the median keystroke latency after a
  // one-character edit): how long until it is answered, and whether before that check's diagnostics
  async function hoverDuringCheck(label, text, n, delayMs) {
    const uri = await openChecked(label, text);
    const at = keystrokeAt(text);
    // on a `# trainguard:` / `# noqa` comment when the file has one: a hover with an answer
    const lines = text.split('\n');
    const line = Math.max(0, lines.findIndex((l) => /#\s*(trainguard:|noqa)/.test(l)));
    const position = { line, character: Math.max(0, lines[line].indexOf('#') + 3) };
    const lat = [];
    let answeredFirst = 0;
    for (let v = 2; v < n + 2; v++) {
      await sleep(KEY_INTERVAL_MS * 3);
      const p = published(uri, v);
      let publishedAt = null;
      p.then(() => (publishedAt = process.hrtime.bigint()));
      await conn.sendNotification(rpc.DidChangeTextDocumentNotification.type, { textDocument: { uri, version: v }, contentChanges: [keystrokeChange(at, v)] });
      await sleep(delayMs);
      const t0 = process.hrtime.bigint();
      await conn.sendRequest(rpc.HoverRequest.type, { textDocument: { uri }, position });
      const t1 = process.hrtime.bigint();
      lat.push(Number(t1 - t0) / 1e6);
      await p;
      if (publishedAt === null || publishedAt > t1) answeredFirst++;
    }
    await conn.sendNotification(rpc.DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    return { lat, answeredFirst, delayMs };
  }
  const hover10 = await hoverDuringCheck('h10', generated['10k'], QUICK ? 5 : 15, Math.round(median(k10) / 2));
  log(`hover in the middle of a 10k check (sent ${hover10.delayMs} ms after the edit): median ${fmt(median(hover10.lat))} p95 ${fmt(percentile(hover10.lat, 95))} ms, answered before the check's diagnostics ${hover10.answeredFirst}/${hover10.lat.length}; all: ${hover10.lat.map(fmt).join(' ')}`);

  // code actions as the lightbulb asks for them (no kind filter) on a finding, on a small and a 10k-line file
  async function codeActions(label, text, n) {
    const uri = `file:///bench/${label}.py`;
    const p = published(uri, 1);
    await conn.sendNotification(rpc.DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'python', version: 1, text } });
    const diags = (await p).diagnostics;
    const lat = [];
    for (let i = 0; i < n; i++) {
      const d = diags[(i * 7) % diags.length];
      const t0 = process.hrtime.bigint();
      await conn.sendRequest(rpc.CodeActionRequest.type, { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    await conn.sendNotification(rpc.DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    return lat;
  }
  const ca = await codeActions('train', fs.readFileSync(path.join(ROOT, 'examples', 'train.py'), 'utf8'), QUICK ? 10 : 40);
  const ca10 = await codeActions('ca10', generated['10k'], QUICK ? 5 : 20);
  log(`code actions: train.py p95 ${fmt(percentile(ca, 95))} ms, 10k p95 ${fmt(percentile(ca10, 95))} ms`);
  await stop();

  // 50 files open in a fresh server (the realistic scripts and fixtures, the largest first), once
  // they are all checked
  const fresh = await startServer();
  const freshIdleMB = fresh.memory().rssMB;
  const bySize = [...sources].sort((a, b) => b.length - a.length);
  let chars = 0;
  for (let i = 0; i < 50; i++) {
    const uri = `file:///bench/open${i}.py`;
    const text = bySize[i % bySize.length];
    chars += text.length;
    const q = fresh.published(uri, 1);
    await fresh.conn.sendNotification(rpc.DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'python', version: 1, text } });
    await q;
  }
  await sleep(500);
  const rss = { ...fresh.memory(), idleMB: freshIdleMB, chars, lines: bySize.slice(0, 50).reduce((a, t) => a + lineCount(t), 0) };
  await fresh.stop();
  // Node itself, for scale: an empty process
  const bare = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 1000)']);
  await sleep(500);
  rss.nodeMB = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${bare.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
  bare.kill();
  log(`RSS with 50 files open: ${rss.rssMB.toFixed(0)} MB (peak ${rss.peakMB.toFixed(0)} MB; server idle ${rss.idleMB.toFixed(0)} MB; empty Node ${rss.nodeMB.toFixed(0)} MB)`);
  return { k1, k10, b1, b10, hover10, ca, ca10, rss, idleMB };
}
const server = ONLY.has('server') ? await serverMeasures() : null;
const phases = ONLY.has('server') ? { k1: keystrokePhases(path.join(benchDir, 'generated-1k.py'), QUICK ? 20 : 60), k10: keystrokePhases(path.join(benchDir, 'generated-10k.py'), QUICK ? 10 : 30) } : null;
if (phases) for (const [k, ph] of Object.entries(phases)) log(`keystroke phases ${k}: p95 re-parse ${fmt(percentile(ph.reparse, 95))}, model ${fmt(percentile(ph.model, 95))}, rules ${fmt(percentile(ph.rules, 95))}, total ${fmt(percentile(ph.total, 95))} ms; median total x typed / deleted ${fmt(median(byParity(ph.total, 0)))} / ${fmt(median(byParity(ph.total, 1)))} ms (CPU ${fmt(median(byParity(ph.cpu, 0)))} / ${fmt(median(byParity(ph.cpu, 1)))} ms)`);
if (server) for (const k of ['k1', 'k10']) log(`keystroke ${k} through the server: median x typed / deleted ${fmt(median(byParity(server[k], 0)))} / ${fmt(median(byParity(server[k], 1)))} ms`);

// ---------------------------------------------------------------------------------------------
// project analysis (issue 18): the workspace index on a generated 2,000-module workspace (time,
// slices, heap against the stated bound), and the editor's keystrokes while it is indexed. Each runs
// in its own process (the index script needs --expose-gc); their own reports are kept as printed.

function projectBenches() {
  const run = (args) => {
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    return r.stdout.trim();
  };
  const index = run(['--expose-gc', path.join(ROOT, 'bench', 'project-index.mjs')]);
  log('project index: done');
  const editor = run([path.join(ROOT, 'bench', 'project-editor.mjs'), ...(QUICK ? ['--keys=20'] : [])]);
  log('project editor: done');
  return { index, editor };
}
const project = ONLY.has('project') ? projectBenches() : null;

// ---------------------------------------------------------------------------------------------
// report

const loadAtEnd = os.loadavg();
if (!ALL_SECTIONS) {
  log('(not every section ran: bench/results.md left as it is)');
  process.exit(0);
}
const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
const corpus = byName['corpus (examples + fixtures)'];
const ratioAll = corpus.ours.median / corpus.all.median;
const ratioEF = corpus.ours.median / corpus.ef.median;
const analysisOverParse = rows.map((r) => r.analysis.median / r.parse.median);
const perK = (r, key) => (r[key].median / r.lines) * 1000;
const lin = rows.slice(1);
const k1p95 = percentile(server.k1, 95);
const k10p95 = percentile(server.k10, 95);
const act = median(activation);
const actWarm = median(activationWarm);
const check = (ok) => (ok ? 'met' : '**not met**');
const loaded = loadAtStart[0] > os.cpus().length * 0.5;

const md = `# Train Guard benchmark

Generated ${started.toISOString()} by \`npm run bench\` (commit ${commit}${QUICK ? ', --quick' : ''}).

| | |
|---|---|
| machine | ${cpuModel}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, ${os.platform()} ${os.release()} |
| load average (1/5/15 min) | at start ${loadAtStart.map((x) => x.toFixed(2)).join(' / ')}; at end ${loadAtEnd.map((x) => x.toFixed(2)).join(' / ')} |
| Node | ${process.version} |
| web-tree-sitter / tree-sitter-python | ${pkgVersion('web-tree-sitter')} / ${pkgVersion('tree-sitter-python')} |
| Ruff | @astral-sh/ruff-wasm-nodejs ${pkgVersion('@astral-sh/ruff-wasm-nodejs')} (Ruff ${Workspace.version()}, its linter built to WebAssembly, in the same process) |
| method | wall time; each number is the median of ${REPEAT} runs (${Math.max(3, REPEAT - 4)} at 100k lines), [min-max]; ours and Ruff alternate run by run on the same texts, one core |
${loaded ? `\n**The machine was shared and loaded** (load average ${loadAtStart[0].toFixed(1)} on ${os.cpus().length} cores at the start): absolute times are inflated and noisy; the ratios, measured in the same runs, are the comparable numbers.\n` : ''}
## Throughput (one core)

"ours" is what the CLI does per file: the tree-sitter parse, then the analysis (the syntax arrays, the
model and every rule). Ratios are ours / Ruff's time (below 1: we are faster).

| corpus | files | lines | ours (ms) | lines/s | parse (ms) | analysis (ms) | analysis / parse | Ruff ALL (ms) | Ruff E,F (ms) | ours / Ruff ALL | ours / Ruff E,F |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rows
  .map(
    (r, i) =>
      `| ${r.name} | ${r.files} | ${r.lines} | ${fmtS(r.ours)} | ${Math.round((r.lines / r.ours.median) * 1000).toLocaleString('en-US')} | ${fmtS(r.parse)} | ${fmtS(r.analysis)} | ${analysisOverParse[i].toFixed(2)} | ${fmtS(r.all)} | ${fmtS(r.ef)} | ${(r.ours.median / r.all.median).toFixed(2)} | ${(r.ours.median / r.ef.median).toFixed(2)} |`,
  )
  .join('\n')}

Linearity, cost per 1000 lines (median):

| | ${lin.map((r) => r.name.replace('generated ', '')).join(' | ')} |
|---|${lin.map(() => '---:').join('|')}|
| ours | ${lin.map((r) => `${fmt(perK(r, 'ours'))} ms`).join(' | ')} |
| parse | ${lin.map((r) => `${fmt(perK(r, 'parse'))} ms`).join(' | ')} |
| analysis | ${lin.map((r) => `${fmt(perK(r, 'analysis'))} ms`).join(' | ')} |
| Ruff ALL | ${lin.map((r) => `${fmt(perK(r, 'all'))} ms`).join(' | ')} |

## Editor

The language server over stdio with its default settings (the debounce included), keystrokes typed
at most every ${KEY_INTERVAL_MS} ms; latency = didChange sent -> publishDiagnostics for that version received.
A typing burst is the word \`${BURST_WORD}\` typed one key every ${KEY_INTERVAL_MS} ms at the same place, without
waiting for diagnostics: latency = the last key's didChange sent -> publishDiagnostics of the final
version; the server's CPU time (user + system, 10 ms ticks) is counted from the first key to those
diagnostics. The hover is sent ${server.hover10.delayMs} ms (half the median keystroke latency) after a one-character
edit of the 10k-line file, in the middle of its check: latency = hover sent -> answer received.

| measure | runs | median | p95 | max |
|---|---:|---:|---:|---:|
| keystroke -> diagnostics, 1k-line file | ${server.k1.length} | ${fmt(median(server.k1))} ms | ${fmt(k1p95)} ms | ${fmt(Math.max(...server.k1))} ms |
| keystroke -> diagnostics, 10k-line file | ${server.k10.length} | ${fmt(median(server.k10))} ms | ${fmt(k10p95)} ms | ${fmt(Math.max(...server.k10))} ms |
| typing burst, last key -> diagnostics of the final version, 1k-line file | ${server.b1.lat.length} | ${fmt(median(server.b1.lat))} ms | ${fmt(percentile(server.b1.lat, 95))} ms | ${fmt(Math.max(...server.b1.lat))} ms |
| typing burst, last key -> diagnostics of the final version, 10k-line file | ${server.b10.lat.length} | ${fmt(median(server.b10.lat))} ms | ${fmt(percentile(server.b10.lat, 95))} ms | ${fmt(Math.max(...server.b10.lat))} ms |
| typing burst, server CPU time per burst, 1k-line file | ${server.b1.cpu.length} | ${fmt(median(server.b1.cpu))} ms | ${fmt(percentile(server.b1.cpu, 95))} ms | ${fmt(Math.max(...server.b1.cpu))} ms |
| typing burst, server CPU time per burst, 10k-line file | ${server.b10.cpu.length} | ${fmt(median(server.b10.cpu))} ms | ${fmt(percentile(server.b10.cpu, 95))} ms | ${fmt(Math.max(...server.b10.cpu))} ms |
| hover sent in the middle of a 10k-line check (answered before its diagnostics: ${server.hover10.answeredFirst} of ${server.hover10.lat.length}) | ${server.hover10.lat.length} | ${fmt(median(server.hover10.lat))} ms | ${fmt(percentile(server.hover10.lat, 95))} ms | ${fmt(Math.max(...server.hover10.lat))} ms |
| code actions on a finding, as the lightbulb asks (examples/train.py) | ${server.ca.length} | ${fmt(median(server.ca))} ms | ${fmt(percentile(server.ca, 95))} ms | ${fmt(Math.max(...server.ca))} ms |
| code actions on a finding, as the lightbulb asks (10k-line file) | ${server.ca10.length} | ${fmt(median(server.ca10))} ms | ${fmt(percentile(server.ca10, 95))} ms | ${fmt(Math.max(...server.ca10))} ms |
| CLI cold start, first run after an install (\`trainguard check examples/train.py\`, empty cache folder: writes the code cache) | ${cold.first.length} | ${fmt(median(cold.first))} ms | ${fmt(percentile(cold.first, 95))} ms | ${fmt(Math.max(...cold.first))} ms |
| CLI cold start, later runs (the same with the code cache the first run wrote) | ${cold.later.length} | ${fmt(median(cold.later))} ms | ${fmt(percentile(cold.later, 95))} ms | ${fmt(Math.max(...cold.later))} ms |
| for scale: an empty Node process (\`node -e 0\`) | ${cold.node.length} | ${fmt(median(cold.node))} ms | ${fmt(percentile(cold.node, 95))} ms | ${fmt(Math.max(...cold.node))} ms |
| extension activation, first (bench/activate.cjs: require dist/client.js + activate(), VS Code API stubbed, no code cache yet) | ${activation.length} | ${fmt(act)} ms | ${fmt(percentile(activation, 95))} ms | ${fmt(Math.max(...activation))} ms |
| extension activation, later (the same with the V8 code cache the first one wrote) | ${activationWarm.length} | ${fmt(actWarm)} ms | ${fmt(percentile(activationWarm, 95))} ms | ${fmt(Math.max(...activationWarm))} ms |

CPU time of the same runs (user + system, every thread; medians), which depends less on the machine's
load than the wall times above: the CLI process from start to exit (bench/cpu-at-exit.cjs), activation
over require + activate() (bench/activate.cjs --cpu).

| measure | first | later (with the code cache) | empty Node process |
|---|---:|---:|---:|
| CLI cold start, CPU | ${fmt(median(cold.firstCpu))} ms | ${fmt(median(cold.laterCpu))} ms | ${fmt(median(cold.nodeCpu))} ms |
| extension activation, CPU | ${fmt(median(activationCpu))} ms | ${fmt(median(activationWarmCpu))} ms | |

Where a keystroke's time goes, measured without the server in a process started with the server's
Node flags (\`${SERVER_EXEC_ARGV.join(' ')}\`; bench/keystroke-phases.mjs): the same edits applied
to a document as the server does, the edit and tree-sitter's incremental re-parse with the edited old tree, the
model, every rule. Median / p95 of each phase.

| file | edits | re-parse | model | rules | total |
|---|---:|---:|---:|---:|---:|
${[['1k-line', phases.k1], ['10k-line', phases.k10]].map(([name, ph]) => `| ${name} | ${ph.total.length} | ${['reparse', 'model', 'rules', 'total'].map((k) => `${fmt(median(ph[k]))} / ${fmt(percentile(ph[k], 95))} ms`).join(' | ')} |`).join('\n')}

The keystrokes alternate between two texts that do not cost the same (the typed \`x\` makes the line a
syntax error in the 10k-line file), so a p95 is the dearer text's: compare the server and the phases
text by text (medians; "CPU" is the phases process's CPU time, every thread).

| file | text | server: keystroke -> diagnostics | in process: total | in process: CPU |
|---|---|---:|---:|---:|
${[['1k-line', server.k1, phases.k1], ['10k-line', server.k10, phases.k10]].flatMap(([name, lat, ph]) => [['\`x\` typed', 0], ['\`x\` deleted', 1]].map(([text, parity]) => `| ${name} | ${text} | ${fmt(median(byParity(lat, parity)))} ms | ${fmt(median(byParity(ph.total, parity)))} ms | ${fmt(median(byParity(ph.cpu, parity)))} ms |`)).join('\n')}

Server memory (a fresh server, ${SERVER_EXEC_ARGV.join(' ')} as VS Code starts it) with 50 files open (${server.rss.lines} lines), all checked: RSS ${server.rss.rssMB.toFixed(0)} MB (peak ${server.rss.peakMB.toFixed(0)} MB). For scale: the same server idle, before any file, ${server.rss.idleMB.toFixed(0)} MB; an empty Node process ${server.rss.nodeMB.toFixed(0)} MB.

## Project analysis (issue 18)

\`node --expose-gc bench/project-index.mjs\` (the workspace index on a generated 2,000-module workspace):

\`\`\`
${project.index}
\`\`\`

\`node bench/project-editor.mjs\` (keystrokes on a file importing nothing while the workspace is indexed, and
the editor's load and re-check costs):

\`\`\`
${project.editor}
\`\`\`

## Targets

| target | measured | |
|---|---|---|
| throughput >= 2x Ruff-wasm with ALL rules (ours / Ruff ALL <= 0.5, corpus) | ${ratioAll.toFixed(2)} | ${check(ratioAll <= 0.5)} |
| throughput >= Ruff-wasm with E,F (ours / Ruff E,F <= 1, corpus) | ${ratioEF.toFixed(2)} | ${check(ratioEF <= 1)} |
| analysis costs no more than the parse (analysis / parse <= 1) | ${analysisOverParse.map((x) => x.toFixed(2)).join(' / ')} (corpus / 1k / 10k / 100k) | ${check(analysisOverParse.every((x) => x <= 1))} |
| keystroke p95 < 15 ms on 1k lines | ${fmt(k1p95)} ms | ${check(k1p95 < 15)} |
| keystroke p95 < 60 ms on 10k lines | ${fmt(k10p95)} ms | ${check(k10p95 < 60)} |
| CLI cold start < 300 ms (first run / later runs, with the code cache) | ${fmt(median(cold.first))} / ${fmt(median(cold.later))} ms | ${check(median(cold.later) < 300)} (later) ${check(median(cold.first) < 300)} (first) |
| extension activation < 100 ms (first / later, with the code cache) | ${fmt(act)} / ${fmt(actWarm)} ms | ${check(actWarm < 100)} (later) ${check(act < 100)} (first) |
| server RSS < 80 MB with 50 files open | ${server.rss.rssMB.toFixed(0)} MB | ${check(server.rss.rssMB < 80)} |
| linear growth (ours per 1000 lines at 100k within 2x of 1k) | ${fmt(perK(lin[0], 'ours'))} -> ${fmt(perK(lin[1], 'ours'))} -> ${fmt(perK(lin[2], 'ours'))} ms | ${check(perK(lin[2], 'ours') <= perK(lin[0], 'ours') * 2)} |
`;
const notesFile = path.join(ROOT, 'bench', 'NOTES.md');
const notes = fs.existsSync(notesFile) ? `\n${fs.readFileSync(notesFile, 'utf8')}` : '';
fs.writeFileSync(path.join(ROOT, 'bench', 'results.md'), md + notes);
process.stdout.write(md + notes);
