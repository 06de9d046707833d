/**
 * Checking many files on all cores: worker threads (dist/cli-worker.js) take files from one queue,
 * and the outcomes are handed back in the files' order (sorted), whatever order they finish in, so
 * output is the same as a run in one thread. Small inputs, a single core, or a missing worker bundle
 * (running from the TypeScript build, in tests) run in this thread instead.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { Checker, CheckOptions, FileOutcome } from './checkFile';
import type { WorkReply } from './worker';

/** Below this many files, starting workers (each loads the parser) costs more than it saves. */
export const PARALLEL_THRESHOLD = 16;
/** Files per worker at least: no worker is started for fewer. */
const FILES_PER_WORKER = 4;

export function workerScript(): string | null {
  const p = path.join(__dirname, 'cli-worker.js');
  return fs.existsSync(p) ? p : null;
}

/** How many workers for `files` files: `jobs` when given (1 = none), else one per core for a large input. */
export function workerCount(files: number, jobs: number | undefined, script: string | null): number {
  if (!script) return 0;
  if (jobs !== undefined) return jobs <= 1 ? 0 : Math.min(jobs, files);
  if (files < PARALLEL_THRESHOLD) return 0;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return cores > 1 ? Math.min(cores, Math.ceil(files / FILES_PER_WORKER)) : 0;
}

/**
 * Checks `files`, calling `emit` with each outcome in the files' order. With `workers` > 0 the files
 * are checked in worker threads; a worker that cannot start or dies leaves its files to this thread.
 */
export async function checkAll(
  files: readonly string[],
  options: CheckOptions,
  local: () => Checker,
  workers: number,
  emit: (outcome: FileOutcome, index: number) => void,
  script: string | null = workers > 0 ? workerScript() : null,
): Promise<void> {
  const outcomes: (FileOutcome | undefined)[] = new Array(files.length);
  let next = 0;
  const flush = () => {
    while (next < files.length && outcomes[next]) {
      emit(outcomes[next]!, next);
      outcomes[next] = undefined;
      next++;
    }
  };
  if (!script || workers <= 0) {
    const checker = local();
    files.forEach((f, i) => emit(checker.checkFile(f), i));
    return;
  }
  let queued = 0;
  const pending = new Set<number>();
  const orphans: number[] = [];
  const { rules: _rules, ...plain } = options; // rules are code: workers use the registry
  await Promise.all(
    Array.from({ length: workers }, () =>
      new Promise<void>((resolve) => {
        const w = new Worker(script, { workerData: plain });
        let current: number | null = null;
        let finished = false;
        const give = () => {
          if (queued >= files.length) {
            finished = true;
            void w.terminate().then(() => resolve());
            return;
          }
          current = queued++;
          pending.add(current);
          w.postMessage({ index: current, file: files[current] });
        };
        w.on('message', (m: WorkReply) => {
          if ('fatal' in m) {
            finished = true;
            void w.terminate().then(() => resolve());
            return;
          }
          if ('index' in m) {
            pending.delete(m.index);
            outcomes[m.index] = m.outcome;
            current = null;
            flush();
          }
          give();
        });
        const lost = () => {
          if (finished) return;
          finished = true;
          if (current !== null) orphans.push(current);
          resolve();
        };
        w.on('error', lost);
        w.on('exit', lost);
      }),
    ),
  );
  // files no worker finished (a worker failed to start or died): checked here, in order
  const rest = [...orphans, ...pending];
  for (let i = queued; i < files.length; i++) rest.push(i);
  if (rest.length) {
    const checker = local();
    for (const i of [...new Set(rest)].sort((a, b) => a - b)) if (!outcomes[i]) outcomes[i] = checker.checkFile(files[i]);
  }
  flush();
}
