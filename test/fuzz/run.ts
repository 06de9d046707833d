/**
 * `npm run fuzz -- --seed N --count N --seconds N [--cli-every N] [--only I,J] [--save]`: the fuzzer from the command
 * line. Prints the counts and every distinct failure (minimised); `--save` writes each minimised
 * input to test/fixtures/fuzz-regressions/ so test/unit/fuzz.test.ts keeps running it.
 * Exit code: 0 no failure, 1 failures found, 2 bad arguments.
 */
import * as fs from 'fs';
import * as path from 'path';
import { fuzz, ROOT } from './fuzz';
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

async function main(): Promise<number> {
  const seed = arg('--seed', 1);
  const count = arg('--count', 1000);
  const seconds = arg('--seconds', 120);
  const cliEvery = arg('--cli-every', 5);
  const save = process.argv.includes('--save');
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt > 0 ? process.argv[onlyAt + 1].split(',').map(Number) : undefined;
  const report = await fuzz({ seed, count, seconds, cliEvery, only, minimise: true, log: (l) => process.stdout.write(l + '\n') });
  process.stdout.write(`fuzz seed=${seed}: ${report.inputs} inputs (${report.skipped} skipped by the limits), ${report.fixes} fixes checked, ${report.fixAlls} fix-all runs, ${report.cliRuns} CLI runs, ${report.crashes.length} failure(s)${report.stoppedByTime ? ' (stopped by --seconds)' : ''}\n`);
  if (save) {
    const dir = path.join(ROOT, 'test', 'fixtures', 'fuzz-regressions');
    fs.mkdirSync(dir, { recursive: true });
    for (const c of report.crashes) {
      const name = `seed${seed}-input${c.index}-${c.failure.kind}-${c.failure.where.replace(/[^A-Za-z0-9]+/g, '_')}.py`;
      fs.writeFileSync(path.join(dir, name), c.minimised ?? c.input, 'utf8');
      process.stdout.write(`saved ${path.join('test', 'fixtures', 'fuzz-regressions', name)}\n`);
    }
  }
  return report.crashes.length ? 1 : 0;
}

main().then(
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
