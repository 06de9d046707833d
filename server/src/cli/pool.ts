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
import { internalError, type Checker, type CheckOptions, type FileOutcome } from './checkFile';
import type { WorkReply } from './worker';

/** Below this many files, starting workers (each loads the parser) costs more than it saves. */
export const PARALLEL_THRESHOLD = 16;
/** Files per worker at least: no worker is started for fewer. */
const FILES_PER_WORKER = 4;

/** dist/cli-worker.js, in the folder above dist/cli/check.js (the bundle that starts it: scripts/build.mjs). */
export function workerScript(): string | null {
  for (const p of [path.join(__dirname, '..', 'cli-worker.js'), path.join(__dirname, 'cli-worker.js')]) if (fs.existsSync(p)) return p;
  return null;
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
 * are checked in worker threads; the files of a worker that cannot start are left to this thread, and
 * a worker that dies fails the one file it was checking (an internal error for that file).
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
        // a worker that dies while checking a file (an uncaught error, out of memory, a crash in the
        // parser) takes only that file down: it is reported, not retried here, where the same crash
        // would end the whole run; the other files go on in the other workers or in this thread
        const lost = (why: string, e?: Error) => {
          if (finished) return;
          finished = true;
          if (current !== null) {
            pending.delete(current);
            const stopped = new Error(`the worker thread checking it stopped: ${why}`);
            stopped.stack = e?.stack ? `${stopped.message}\n${e.stack}` : stopped.message;
            outcomes[current] = internalError(files[current], stopped, options.verbose);
            current = null;
            flush();
          }
          resolve();
        };
        w.on('error', (e: Error) => lost(`${e?.name ?? 'Error'}: ${String(e?.message ?? e).split('\n')[0]}`, e));
        w.on('exit', (code: number) => lost(`exit code ${code}`));
      }),
    ),
  );
  // files no worker took (workers that failed to start, or died): checked here, in order
  const rest = [...pending];
  for (let i = queued; i < files.length; i++) rest.push(i);
  if (rest.length) {
    const checker = local();
    for (const i of [...new Set(rest)].sort((a, b) => a - b)) if (!outcomes[i]) outcomes[i] = checker.checkFile(files[i]);
  }
  flush();
}
