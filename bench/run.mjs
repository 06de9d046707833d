// Train Guard benchmark (`npm run bench`, never part of `npm test`).
// Measures, each as a median of repeated runs with the spread, on one core:
//   analysis throughput (lines/s) vs Ruff's own linter built to WebAssembly (select ALL, and E+F),
//   the parse floor (tree-sitter parse alone) and analysis/parse ratio, linearity (1k/10k/100k lines),
//   CLI cold start, keystroke-to-diagnostics latency through the language server (1k and 10k lines),
//   code-action latency, server RSS with 50 files open. Writes bench/results.md.
import { createRequire } from 'node:module';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { initParser, parsePython } = require(path.join(ROOT, 'out/server/src/analysis/parser.js'));
const { analyzeText } = require(path.join(ROOT, 'out/server/src/analysis/analyze.js'));
const { limitExceeded } = require(path.join(ROOT, 'out/server/src/analysis/limits.js'));
const { Workspace, PositionEncoding } = require('@astral-sh/ruff-wasm-nodejs');
const rpc = require('vscode-languageserver-protocol/node');

const QUICK = process.argv.includes('--quick');
const REPEAT = QUICK ? 3 : 7;

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
function spread(xs) {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}
function time(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

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

const sources = [...pyFiles(path.join(ROOT, 'examples')), ...pyFiles(path.join(ROOT, 'test', 'fixtures'))].map((f) => fs.readFileSync(f, 'utf8'))
  // what the CLI and the server skip (nested 100+ blocks deep, binary, huge) is not analysed: leave it out
  .filter((t) => !limitExceeded(t));

// ---------------------------------------------------------------------------------------------

await initParser();
const lineCount = (t) => t.split('\n').length;
const corpusLines = sources.reduce((a, s) => a + lineCount(s), 0);
const generated = { '1k': generate(sources, 1000, 1), '10k': generate(sources, 10000, 2), '100k': generate(sources, 100000, 3) };
const benchDir = path.join(ROOT, 'bench', 'corpus');
fs.mkdirSync(benchDir, { recursive: true });
for (const [k, v] of Object.entries(generated)) fs.writeFileSync(path.join(benchDir, `generated-${k}.py`), v);

const ruffAll = new Workspace({ lint: { select: ['ALL'] } }, PositionEncoding.Utf16);
const ruffEF = new Workspace({ lint: { select: ['E', 'F'] } }, PositionEncoding.Utf16);

function measureSet(texts, repeat) {
  const ours = [];
  const parse = [];
  const all = [];
  const ef = [];
  // warm-up
  for (const t of texts) {
    analyzeText(t);
    ruffAll.check(t);
    ruffEF.check(t);
  }
  for (let r = 0; r < repeat; r++) {
    ours.push(time(() => texts.forEach((t) => analyzeText(t))));
    parse.push(time(() => texts.forEach((t) => parsePython(t).delete())));
    all.push(time(() => texts.forEach((t) => ruffAll.check(t))));
    ef.push(time(() => texts.forEach((t) => ruffEF.check(t))));
  }
  return { ours: spread(ours), parse: spread(parse), all: spread(all), ef: spread(ef) };
}

const rows = [];
const sets = [
  ['corpus (examples + fixtures)', sources, corpusLines],
  ['generated 1k lines', [generated['1k']], lineCount(generated['1k'])],
  ['generated 10k lines', [generated['10k']], lineCount(generated['10k'])],
  ['generated 100k lines', [generated['100k']], lineCount(generated['100k'])],
];
for (const [name, texts, lines] of sets) {
  const m = measureSet(texts, name.includes('100k') ? Math.max(3, REPEAT - 4) : REPEAT);
  rows.push({ name, lines, ...m });
  process.stderr.write(`${name}: ours ${fmt(m.ours.median)} ms, parse ${fmt(m.parse.median)} ms, ruff ALL ${fmt(m.all.median)} ms, ruff E,F ${fmt(m.ef.median)} ms\n`);
}

// CLI cold start
const cold = [];
for (let i = 0; i < (QUICK ? 3 : 10); i++) {
  const t0 = process.hrtime.bigint();
  spawnSync(process.execPath, [path.join(ROOT, 'bin', 'trainguard.js'), 'check', path.join(ROOT, 'examples', 'train.py')]);
  cold.push(Number(process.hrtime.bigint() - t0) / 1e6);
}

// Language server: keystroke-to-diagnostics, code actions, RSS
async function serverMeasures() {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = rpc.createProtocolConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
  const waiters = new Map();
  conn.onNotification(rpc.PublishDiagnosticsNotification.type, (p) => {
    const key = `${p.uri}@${p.version}`;
    waiters.get(key)?.(p);
    waiters.delete(key);
  });
  conn.listen();
  await conn.sendRequest(rpc.InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: { settings: { debounceMs: 0 } } });
  await conn.sendNotification(rpc.InitializedNotification.type, {});
  const published = (uri, version) => new Promise((resolve) => waiters.set(`${uri}@${version}`, resolve));

  async function keystrokes(label, text, edits) {
    const uri = `file:///bench/${label}.py`;
    let p = published(uri, 1);
    await conn.sendNotification(rpc.DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'python', version: 1, text } });
    await p;
    // a one-character edit in the middle of a loop body: the first `for` line past the middle
    const lines = text.split('\n');
    let row = Math.floor(lines.length / 2);
    while (row < lines.length && !/^\s+for .*:\s*$/.test(lines[row])) row++;
    row = Math.min(row + 1, lines.length - 1);
    const col = lines[row].length - lines[row].trimStart().length;
    const lat = [];
    for (let v = 2; v < edits + 2; v++) {
      const insert = v % 2 === 0;
      p = published(uri, v);
      const t0 = process.hrtime.bigint();
      await conn.sendNotification(rpc.DidChangeTextDocumentNotification.type, {
        textDocument: { uri, version: v },
        contentChanges: [insert ? { range: { start: { line: row, character: col }, end: { line: row, character: col } }, text: 'x' } : { range: { start: { line: row, character: col }, end: { line: row, character: col + 1 } }, text: '' }],
      });
      await p;
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return { uri, lat };
  }
  const k1 = await keystrokes('k1', generated['1k'], QUICK ? 20 : 60);
  const k10 = await keystrokes('k10', generated['10k'], QUICK ? 10 : 30);

  const example = fs.readFileSync(path.join(ROOT, 'examples', 'train.py'), 'utf8');
  const exUri = 'file:///bench/train.py';
  let p = published(exUri, 1);
  await conn.sendNotification(rpc.DidOpenTextDocumentNotification.type, { textDocument: { uri: exUri, languageId: 'python', version: 1, text: example } });
  const diags = (await p).diagnostics;
  const ca = [];
  for (let i = 0; i < (QUICK ? 10 : 40); i++) {
    const d = diags[i % diags.length];
    const t0 = process.hrtime.bigint();
    await conn.sendRequest(rpc.CodeActionRequest.type, { textDocument: { uri: exUri }, range: d.range, context: { diagnostics: [d] } });
    ca.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  // 50 files open
  for (let i = 0; i < 50; i++) {
    const uri = `file:///bench/open${i}.py`;
    p = published(uri, 1);
    await conn.sendNotification(rpc.DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'python', version: 1, text: sources[i % sources.length] } });
    await p;
  }
  const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  const rss = { rssMB: kb('VmRSS') / 1024, peakMB: kb('VmHWM') / 1024 };
  await conn.sendRequest(rpc.ShutdownRequest.type);
  await conn.sendNotification(rpc.ExitNotification.type);
  conn.dispose();
  child.kill();
  return { k1: k1.lat, k10: k10.lat, ca, rss };
}
const server = await serverMeasures();

// ---------------------------------------------------------------------------------------------
// report

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
const corpus = byName['corpus (examples + fixtures)'];
const ratioAll = corpus.ours.median / corpus.all.median;
const ratioEF = corpus.ours.median / corpus.ef.median;
const analysisOverParse = rows.map((r) => (r.ours.median - r.parse.median) / r.parse.median);
const perLine = rows.slice(1).map((r) => (r.ours.median / r.lines) * 1000);
const k1p95 = percentile(server.k1, 95);
const k10p95 = percentile(server.k10, 95);
const check = (ok) => (ok ? 'met' : '**not met**');

const md = `# Train Guard benchmark

Machine: ${cpu}, ${os.cpus().length} cores (one used), Node ${process.version}, ${os.platform()} ${os.release()}.
Ruff: @astral-sh/ruff-wasm-nodejs ${Workspace.version()} (Ruff's linter built to WebAssembly, in the same process).
Each number is the median of ${REPEAT} runs (min-max in brackets). Generated at ${new Date().toISOString()} by \`npm run bench\`.

## Throughput (one core)

| corpus | lines | Train Guard (ms) | lines/s | tree-sitter parse (ms) | analysis / parse | Ruff ALL (ms) | Ruff E,F (ms) | ours / Ruff ALL | ours / Ruff E,F |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rows
  .map(
    (r, i) =>
      `| ${r.name} | ${r.lines} | ${fmt(r.ours.median)} [${fmt(r.ours.min)}-${fmt(r.ours.max)}] | ${Math.round((r.lines / r.ours.median) * 1000).toLocaleString('en-US')} | ${fmt(r.parse.median)} | ${analysisOverParse[i].toFixed(2)} | ${fmt(r.all.median)} [${fmt(r.all.min)}-${fmt(r.all.max)}] | ${fmt(r.ef.median)} | ${(r.ours.median / r.all.median).toFixed(2)} | ${(r.ours.median / r.ef.median).toFixed(2)} |`,
  )
  .join('\n')}

Cost per 1000 lines (linearity check): ${rows
  .slice(1)
  .map((r, i) => `${r.name.replace('generated ', '')}: ${fmt(perLine[i])} ms`)
  .join(', ')}.

## Editor latency (language server over stdio, debounce 0)

| measure | median | p95 | max |
|---|---:|---:|---:|
| keystroke -> diagnostics, 1k-line file | ${fmt(median(server.k1))} ms | ${fmt(k1p95)} ms | ${fmt(Math.max(...server.k1))} ms |
| keystroke -> diagnostics, 10k-line file | ${fmt(median(server.k10))} ms | ${fmt(k10p95)} ms | ${fmt(Math.max(...server.k10))} ms |
| code actions on a finding | ${fmt(median(server.ca))} ms | ${fmt(percentile(server.ca, 95))} ms | ${fmt(Math.max(...server.ca))} ms |
| CLI cold start (\`trainguard check examples/train.py\`) | ${fmt(median(cold))} ms | ${fmt(percentile(cold, 95))} ms | ${fmt(Math.max(...cold))} ms |

Server memory with 50 files open: RSS ${server.rss.rssMB.toFixed(0)} MB (peak ${server.rss.peakMB.toFixed(0)} MB).

## Targets

| target | measured | |
|---|---|---|
| throughput >= 2x Ruff-wasm with ALL rules (ours/Ruff <= 0.5) | ${ratioAll.toFixed(2)} | ${check(ratioAll <= 0.5)} |
| throughput >= Ruff-wasm with E,F (ours/Ruff <= 1) | ${ratioEF.toFixed(2)} | ${check(ratioEF <= 1)} |
| analysis costs no more than the parse (analysis/parse <= 1) | ${analysisOverParse.map((x) => x.toFixed(2)).join(' / ')} | ${check(analysisOverParse.every((x) => x <= 1))} |
| keystroke p95 < 15 ms on 1k lines | ${fmt(k1p95)} ms | ${check(k1p95 < 15)} |
| keystroke p95 < 60 ms on 10k lines | ${fmt(k10p95)} ms | ${check(k10p95 < 60)} |
| server RSS < 80 MB with 50 files open | ${server.rss.rssMB.toFixed(0)} MB | ${check(server.rss.rssMB < 80)} |
| linear growth (per-1000-line cost at 100k within 2x of 1k) | ${fmt(perLine[0])} -> ${fmt(perLine[2])} ms | ${check(perLine[2] <= perLine[0] * 2)} |
`;
fs.writeFileSync(path.join(ROOT, 'bench', 'results.md'), md);
process.stdout.write(md);
