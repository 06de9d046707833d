/**
 * `npm run fuzz -- --seed N --count N --seconds N [--from N] [--cli-every N] [--only I,J] [--corpus DIR]... [--strict] [--save]`:
 * the fuzzer from the command line. Prints the counts and every distinct failure (minimised); `--save`
 * writes each minimised input to test/fixtures/fuzz-regressions/ so test/unit/fuzz.test.ts keeps
 * running it. `--corpus DIR` adds the `.py` and `.ipynb` files under DIR to the seeds (as
 * `TRAINGUARD_FUZZ_CORPUS` does). Many seeds in parallel: `npm run fuzz:long` (long.ts).
 * Exit code: 0 no failure, 1 failures found, 2 bad arguments.
 */
import * as fs from 'fs';
import * as path from 'path';
import { fuzz, ROOT, type FuzzReport } from './fuzz';
import { stopPython } from '../support/python';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) {
    process.stderr.write(`fuzz: ${name} needs a non-negative integer\n`);
    process.exit(2);
  }
  return v;
}

/** Every value of a repeatable option. */
export function args(name: string): string[] {
  const out: string[] = [];
  process.argv.forEach((a, i) => {
    if (a === name && i + 1 < process.argv.length) out.push(process.argv[i + 1]);
  });
  return out;
}

/** Adds `--corpus DIR` folders to TRAINGUARD_FUZZ_CORPUS (read by loadCorpus, and by worker processes). */
export function corpusFromArgs(): void {
  const dirs = args('--corpus').map((d) => path.resolve(d));
  for (const d of dirs) {
    if (!fs.existsSync(d)) {
      process.stderr.write(`fuzz: --corpus ${d}: no such folder\n`);
      process.exit(2);
    }
  }
  if (dirs.length) process.env.TRAINGUARD_FUZZ_CORPUS = [process.env.TRAINGUARD_FUZZ_CORPUS, ...dirs].filter(Boolean).join(path.delimiter);
}

/** Writes each failure's (minimised) input to test/fixtures/fuzz-regressions/; returns the paths. */
export function saveRegressions(seed: number, crashes: FuzzReport['crashes']): string[] {
  const dir = path.join(ROOT, 'test', 'fixtures', 'fuzz-regressions');
  fs.mkdirSync(dir, { recursive: true });
  return crashes.map((c) => {
    const name = `seed${seed}-input${c.index}-${c.failure.kind}-${c.failure.where.replace(/[^A-Za-z0-9]+/g, '_')}.py`;
    fs.writeFileSync(path.join(dir, name), c.minimised ?? c.input, 'utf8');
    return path.join('test', 'fixtures', 'fuzz-regressions', name);
  });
}

async function main(): Promise<number> {
  corpusFromArgs();
  const seed = arg('--seed', 1);
  const from = arg('--from', 0);
  const count = arg('--count', 1000);
  const seconds = arg('--seconds', 120);
  const cliEvery = arg('--cli-every', 5);
  const save = process.argv.includes('--save');
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt > 0 ? process.argv[onlyAt + 1].split(',').map(Number) : undefined;
  const report = await fuzz({ seed, from, count, seconds, cliEvery, only, strict: process.argv.includes('--strict'), minimise: true, log: (l) => process.stdout.write(l + '\n') });
  process.stdout.write(`fuzz seed=${seed}: ${report.inputs} inputs (${report.skipped} skipped by the limits), ${report.fixes} fixes checked, ${report.fixAlls} fix-all runs, ${report.cliRuns} CLI runs, ${report.crashes.length} failure(s)${report.stoppedByTime ? ' (stopped by --seconds)' : ''}\n`);
  const added = Object.entries(report.newFindings);
  if (added.length) process.stdout.write(`unmasked findings, on the user's code after a fix changed a fact (${process.argv.includes('--strict') ? 'failures, --strict' : 'counted, not failures; --strict fails on them'}): ${added.map(([p, n]) => `${p} ${n}`).join(', ')}\n`);
  if (save) for (const p of saveRegressions(seed, report.crashes)) process.stdout.write(`saved ${p}\n`);
  return report.crashes.length ? 1 : 0;
}

if (require.main === module) main().then(
  (code) => {
    stopPython();
    process.exitCode = code;
  },
  (e) => {
    stopPython();
    process.stderr.write(`fuzz: ${(e as Error)?.stack ?? e}\n`);
    process.exitCode = 2;
  },
);
