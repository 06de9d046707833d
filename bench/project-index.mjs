// The workspace index of the project analysis (issue 18), measured on a generated workspace of
// 2,000 `.py` files: `npm run compile-tests && node --expose-gc bench/project-index.mjs [--files=N]`.
//
// The files are real code: the real-code corpus's Python files (test/realworld/corpus) and the
// fixture projects, copied round-robin into 40 packages of 50 modules, each with imports appended
// that tie it to its package (`from .m07 import *`), to another package (`from p03.m11 import x`)
// and to nothing of the project (`import torch`), so the index resolves a real import graph.
//
// Reports: indexing time (wall, with the index's default slices and yields), the longest slice (how
// long the index can hold the event loop: what a keystroke may wait for), memory (heap after a full
// GC, before and after; the summary cache's own estimate), re-indexing one changed file, the
// dependents query, and loading one program cold and warm. Nothing is written to bench/results.md:
// the numbers are copied by hand into bench/NOTES.md.
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { initParser } = require(path.join(ROOT, 'out/server/src/analysis/parser.js'));
const { DiskView } = require(path.join(ROOT, 'out/server/src/project/fsview.js'));
const { WorkspaceIndex, DEFAULT_INDEX_MAX_FILES, DEFAULT_SLICE_MS } = require(path.join(ROOT, 'out/server/src/project/index.js'));
const { SummaryCache, DEFAULT_SUMMARY_BYTES, DEFAULT_SUMMARY_CAPACITY } = require(path.join(ROOT, 'out/server/src/project/cache.js'));
const { loadProgram } = require(path.join(ROOT, 'out/server/src/project/loader.js'));

import { generate } from './project-workspace.mjs';

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const FILES = Number(arg('files') ?? 2000);

const heap = () => {
  global.gc?.();
  global.gc?.();
  return process.memoryUsage().heapUsed;
};
const mb = (b) => `${(b / 1024 / 1024).toFixed(1)} MB`;
const ms = (x) => `${x.toFixed(0)} ms`;

await initParser();
const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tg-index-bench-')));
try {
  const { files, lines, bytes } = generate(root, FILES);
  const py = files.length;
  console.log(`workspace: ${py} .py files (${FILES} modules + package __init__s + train.py), ${lines} lines, ${mb(bytes)}`);
  if (!global.gc) console.log('(run with node --expose-gc for the heap figures)');
  const heap0 = heap();
  const rss0 = process.memoryUsage().rss;
  const view = new DiskView();
  const cache = new SummaryCache();
  let sliceStart = performance.now();
  const slices = [];
  const index = new WorkspaceIndex(view, {
    workspaceRoot: root,
    cache,
    yieldTurn: () =>
      new Promise((resolve) => {
        slices.push(performance.now() - sliceStart);
        setImmediate(() => {
          sliceStart = performance.now();
          resolve();
        });
      }),
  });
  index.setFiles(files);
  const t0 = performance.now();
  sliceStart = t0;
  await index.run();
  const indexMs = performance.now() - t0;
  const heap1 = heap();
  const rss1 = process.memoryUsage().rss;
  slices.sort((a, b) => a - b);
  const p = index.progress();
  console.log(`indexing: ${ms(indexMs)} for ${p.indexed} files (${(indexMs / p.indexed).toFixed(2)} ms a file), ${slices.length} slices of ${DEFAULT_SLICE_MS} ms nominal: median ${slices[slices.length >> 1].toFixed(1)} ms, p99 ${slices[Math.floor(slices.length * 0.99)].toFixed(1)} ms, longest ${slices.at(-1).toFixed(1)} ms`);
  console.log(`memory: heap ${mb(heap0)} -> ${mb(heap1)} (+${mb(heap1 - heap0)}), rss +${mb(rss1 - rss0)}; summary cache ${cache.size} summaries, ${mb(cache.bytes)} estimated (bound ${DEFAULT_SUMMARY_CAPACITY} / ${mb(DEFAULT_SUMMARY_BYTES)}; files bound ${DEFAULT_INDEX_MAX_FILES})`);
  {
    // what the summaries take: the heap with and without them (the index's entries and the view's
    // file tests stay); the cache's estimate is compared with it
    const saved = [...files].map((f) => index.summaryOf(f));
    const withSummaries = heap();
    const estimate = cache.bytes;
    cache.clear();
    saved.length = 0;
    const without = heap();
    console.log(`summaries in the heap: ${mb(withSummaries - without)} for ${index.progress().indexed} files; the cache's estimate ${mb(estimate)}; the rest (index entries, the view's file tests) ${mb(without - heap0)}`);
    index.setFiles([]);
    index.setFiles(files);
    await index.run();
  }
  const statuses = {};
  for (const f of files) {
    const s = index.statusOf(f)?.status ?? 'none';
    statuses[s] = (statuses[s] ?? 0) + 1;
  }
  console.log(`statuses: ${JSON.stringify(statuses)}`);
  const target = path.join(root, 'p00', 'm03.py');
  let t = performance.now();
  const deps = index.dependentsOf(target);
  console.log(`dependentsOf(p00/m03.py): ${deps.length} files in ${(performance.now() - t).toFixed(2)} ms; importersOf: ${index.importersOf(target).length}`);
  fs.appendFileSync(target, '\ndef added():\n    return 1\n');
  index.invalidate(target);
  t = performance.now();
  await index.run();
  console.log(`re-index one changed file: ${(performance.now() - t).toFixed(1)} ms`);
  const entry = path.join(root, 'train.py');
  t = performance.now();
  const cold = loadProgram(new DiskView(), entry, { workspaceRoot: root, cache: new SummaryCache() });
  const coldMs = performance.now() - t;
  t = performance.now();
  const warm = loadProgram(view, entry, { workspaceRoot: root, cache });
  const warmMs = performance.now() - t;
  console.log(`loadProgram(train.py): ${cold.modules.length} modules (bound 200${cold.truncated ? ', reached' : ''}), cold ${ms(coldMs)}, warm (the index's cache) ${warmMs.toFixed(1)} ms (${warm.modules.length} modules)`);
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
