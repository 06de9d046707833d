/**
 * Entry of the CLI's worker threads (bundled as dist/cli-worker.js): checks the files the main thread
 * hands it, one message each, with its own parser and its own cache of configuration reads, and
 * answers with plain data (cli/checkFile.ts). A failure on one file is an error for that file; if the
 * thread dies anyway, the main thread reports the file it was checking (cli/pool.ts).
 */
import { parentPort, workerData } from 'worker_threads';
import { initParser } from '../analysis/parser';
import { Checker, checkSafely, injectedFault, type CheckOptions, type FileOutcome } from './checkFile';

export interface WorkRequest {
  index: number;
  file: string;
}

export type WorkReply = { ready: true } | { index: number; outcome: FileOutcome } | { fatal: string };

const port = parentPort;
if (port) {
  const options = workerData as CheckOptions;
  const checker = new Checker(options);
  initParser().then(
    () => {
      port.on('message', (m: WorkRequest) => {
        // the crash-isolation tests end this thread the way a fatal error would (see injectedFault)
        if (injectedFault(m.file) === 'exit') process.exit(70);
        const outcome: FileOutcome = checkSafely(m.file, () => checker.checkFile(m.file), options.verbose);
        port.postMessage({ index: m.index, outcome } satisfies WorkReply);
      });
      port.postMessage({ ready: true } satisfies WorkReply);
    },
    (e: unknown) => port.postMessage({ fatal: `the parser did not load: ${(e as Error)?.message ?? e}` } satisfies WorkReply),
  );
}
