/**
 * `npm run fuzz:long -- [--count 100000] [--seeds 11,12,13] [--workers N] [--chunk 1000] [--cli-every 5]
 * [--seconds N] [--corpus DIR]... [--strict] [--save]`: the fuzzer at scale.
 *
 * The total count is shared out over the seeds (seed 11 checks its inputs 0..n-1, seed 12 its own
 * 0..n-1, ...), each seed's range cut into chunks of `--chunk` inputs, and the chunks handed to
 * `--workers` worker processes (default: one per core), each running `fuzz()` on its chunk (the
 * inputs before it are generated, not checked, so input i of a seed is the same text as in
 * `npm run fuzz -- --seed S --only i`). A progress line per chunk; at the end the totals (inputs,
 * fixes, fix-all runs, CLI runs, failures), every distinct failure with the command that replays
 * it, and with `--save` its minimised input in test/fixtures/fuzz-regressions/. A finding a fix makes
 * appear is a failure, except an unmasked one (on the user's code, after the fix changed a fact the
 * rules share), counted by `FIX->NEW (fact)` (failures with `--strict`: see `CheckStats.newFindings`).
 *
 * Exit code: 0 when the whole count ran with no failure; 1 on any failure, a worker that died, or a
 * count cut short by `--seconds`; 2 bad arguments.
 */
import { fork, type ChildProcess } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { fuzz, loadCorpus, signature, type Corpus, type FuzzReport } from './fuzz';
import { corpusFromArgs, saveRegressions } from './run';
import { stopPython } from '../support/python';

interface Chunk {
  seed: number;
  from: number;
  to: number;
}

type Crash = FuzzReport['crashes'][number] & { seed: number };

interface Done {
  chunk: Chunk;
  report: Omit<FuzzReport, 'crashes'> & { crashes: Crash[] };
}

function numberArg(name: string, fallback: number, min = 0): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < min) {
    process.stderr.write(`fuzz:long: ${name} needs an integer >= ${min}\n`);
    process.exit(2);
  }
  return v;
}

function seedsArg(): number[] {
  const i = process.argv.indexOf('--seeds');
  if (i < 0) return [11, 12, 13];
  const seeds = (process.argv[i + 1] ?? '').split(',').map(Number);
  if (!seeds.length || seeds.some((s) => !Number.isInteger(s) || s < 0) || new Set(seeds).size !== seeds.length) {
    process.stderr.write('fuzz:long: --seeds needs distinct non-negative integers, e.g. --seeds 11,12,13\n');
    process.exit(2);
  }
  return seeds;
}

/**
 * The chunks of `count` inputs over `seeds`: as even a share per seed as the count allows, in turns
 * (the first chunk of every seed, then the second...), so a run cut short by `--seconds` has still
 * covered every seed about as far.
 */
export function chunksOf(count: number, seeds: readonly number[], size: number): Chunk[] {
  const perSeed = seeds.map((seed, k) => {
    const share = Math.floor(count / seeds.length) + (k < count % seeds.length ? 1 : 0);
    const chunks: Chunk[] = [];
    for (let from = 0; from < share; from += size) chunks.push({ seed, from, to: Math.min(share, from + size) });
    return chunks;
  });
  const out: Chunk[] = [];
  for (let i = 0; perSeed.some((c) => i < c.length); i++) for (const c of perSeed) if (i < c.length) out.push(c[i]);
  return out;
}

/** Worker: loads the corpus once, then fuzzes each chunk it is sent and answers with the report. */
function worker(): void {
  let corpus: Corpus[] | undefined;
  process.on('message', (msg: { chunk?: Chunk; seconds: number; cliEvery: number; strict: boolean } | 'exit') => {
    if (msg === 'exit' || !msg.chunk) {
      stopPython();
      process.disconnect?.();
      return;
    }
    const { chunk, seconds, cliEvery, strict } = msg;
    void (async () => {
      corpus ??= loadCorpus();
      const report = await fuzz({ seed: chunk.seed, from: chunk.from, count: chunk.to, seconds, cliEvery, strict, minimise: true }, corpus);
      const done: Done = { chunk, report: { ...report, crashes: report.crashes.map((c) => ({ ...c, seed: chunk.seed })) } };
      process.send!(done);
    })().catch((e) => {
      process.stderr.write(`fuzz:long worker: ${(e as Error)?.stack ?? e}\n`);
      process.exit(3);
    });
  });
}

async function main(): Promise<number> {
  corpusFromArgs();
  const count = numberArg('--count', 100_000, 1);
  const seeds = seedsArg();
  const chunkSize = numberArg('--chunk', 1000, 1);
  const cliEvery = numberArg('--cli-every', 5);
  const seconds = numberArg('--seconds', 24 * 3600, 1);
  const save = process.argv.includes('--save');
  const strict = process.argv.includes('--strict');
  const chunks = chunksOf(count, seeds, chunkSize);
  const workers = Math.min(numberArg('--workers', os.availableParallelism(), 1), chunks.length);
  const corpus = loadCorpus();
  const started = Date.now();
  const deadline = started + seconds * 1000;
  process.stdout.write(
    `fuzz:long: ${count} inputs over seeds ${seeds.join(',')} (${chunks.length} chunks of up to ${chunkSize}), ${workers} worker(s), ` +
      `${corpus.length} seed files (${corpus.filter((c) => !c.name.startsWith(path.join('test', 'fixtures'))).length} of them examples and real code), CLI on every ${cliEvery}th input\n`,
  );

  const totals = { inputs: 0, skipped: 0, fixes: 0, fixAlls: 0, cliRuns: 0 };
  const newFindings = new Map<string, number>();
  const crashes: Crash[] = [];
  const seen = new Set<string>();
  const problems: string[] = [];
  let failures = 0;
  let next = 0;
  let stoppedByTime = false;
  const elapsed = () => (Date.now() - started) / 1000;

  await new Promise<void>((resolve) => {
    let running = 0;
    const give = (child: ChildProcess, busy: { chunk?: Chunk }) => {
      const remaining = Math.ceil((deadline - Date.now()) / 1000);
      if (next >= chunks.length || remaining <= 0) {
        if (next < chunks.length) stoppedByTime = true;
        busy.chunk = undefined;
        child.send('exit');
        return;
      }
      busy.chunk = chunks[next++];
      child.send({ chunk: busy.chunk, seconds: remaining, cliEvery, strict });
    };
    for (let w = 0; w < workers; w++) {
      const child = fork(__filename, ['--worker'], { env: process.env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const busy: { chunk?: Chunk } = {};
      running++;
      child.on('message', (done: Done) => {
        const r = done.report;
        totals.inputs += r.inputs;
        totals.skipped += r.skipped;
        totals.fixes += r.fixes;
        totals.fixAlls += r.fixAlls;
        totals.cliRuns += r.cliRuns;
        for (const [pair, n] of Object.entries(r.newFindings)) newFindings.set(pair, (newFindings.get(pair) ?? 0) + n);
        if (r.stoppedByTime) stoppedByTime = true;
        failures += r.crashes.length;
        for (const c of r.crashes) {
          const sig = signature(c.failure);
          process.stdout.write(`  FAIL seed ${c.seed} input ${c.index} (${c.from}; ${c.ops.join(', ')}): ${c.failure.kind} in ${c.failure.where}: ${c.failure.message}\n`);
          if (seen.has(sig)) continue;
          seen.add(sig);
          crashes.push(c);
        }
        const rate = totals.inputs / Math.max(1, elapsed());
        process.stdout.write(
          `[${new Date().toISOString().slice(11, 19)}] seed ${done.chunk.seed} inputs ${done.chunk.from}-${done.chunk.to - 1}: ${r.inputs} inputs, ${r.crashes.length} failure(s)` +
            ` | total ${totals.inputs}/${count} inputs, ${totals.fixes} fixes, ${totals.fixAlls} fix-all runs, ${totals.cliRuns} CLI runs, ${failures} failure(s), ${rate.toFixed(0)}/s\n`,
        );
        give(child, busy);
      });
      child.on('exit', (code, signal) => {
        if (busy.chunk) problems.push(`worker ${child.pid} died (${signal ?? `exit ${code}`}) on seed ${busy.chunk.seed} inputs ${busy.chunk.from}-${busy.chunk.to - 1}`);
        if (--running === 0) resolve();
      });
      give(child, busy);
    }
  });

  const s = elapsed();
  process.stdout.write(
    `\nfuzz:long seeds=${seeds.join(',')}: ${totals.inputs} inputs (${totals.skipped} skipped by the limits), ${totals.fixes} fixes checked, ${totals.fixAlls} fix-all runs, ` +
      `${totals.cliRuns} CLI runs, ${failures} failure(s) (${crashes.length} distinct) in ${(s / 60).toFixed(1)} min${stoppedByTime ? '; stopped by --seconds before the count' : ''}\n`,
  );
  for (const p of problems) process.stdout.write(`  ${p}\n`);
  if (newFindings.size) {
    const n = [...newFindings.values()].reduce((a, b) => a + b, 0);
    process.stdout.write(`  ${n} unmasked finding(s), on the user's code after a fix changed a fact (${strict ? 'failures, --strict' : 'counted, not failures; --strict fails on them'}): ${[...newFindings].sort((a, b) => b[1] - a[1]).map(([p, k]) => `${p} ${k}`).join(', ')}\n`);
  }
  for (const c of crashes) {
    process.stdout.write(`  ${c.failure.kind} in ${c.failure.where} (seed ${c.seed} input ${c.index}): ${c.failure.message}\n    replay: npm run fuzz -- --seed ${c.seed} --count ${c.index + 1} --only ${c.index}\n`);
  }
  if (save) {
    const bySeed = new Map<number, Crash[]>();
    for (const c of crashes) bySeed.set(c.seed, [...(bySeed.get(c.seed) ?? []), c]);
    for (const [seed, cs] of bySeed) for (const p of saveRegressions(seed, cs)) process.stdout.write(`saved ${p}\n`);
  }
  return failures || problems.length || stoppedByTime || totals.inputs < count ? 1 : 0;
}

if (require.main === module && process.argv.includes('--worker')) worker();
else if (require.main === module)
  main().then(
    (code) => {
      stopPython();
      process.exitCode = code;
    },
    (e) => {
      stopPython();
      process.stderr.write(`fuzz:long: ${(e as Error)?.stack ?? e}\n`);
      process.exitCode = 2;
    },
  );
