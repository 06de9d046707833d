/**
 * Entry of the CLI's worker threads (bundled as dist/cli-worker.js): checks the files the main thread
 * hands it, one message each, with its own parser and its own cache of configuration reads, and
 * answers with plain data (cli/checkFile.ts). A failure on one file is an error for that file.
 */
import { parentPort, workerData } from 'worker_threads';
import { initParser } from '../analysis/parser';
import { Checker, type CheckOptions, type FileOutcome } from './checkFile';

export interface WorkRequest {
  index: number;
  file: string;
}

export type WorkReply = { ready: true } | { index: number; outcome: FileOutcome } | { fatal: string };

const port = parentPort;
if (port) {
  const checker = new Checker(workerData as CheckOptions);
  initParser().then(
    () => {
      port.on('message', (m: WorkRequest) => {
        let outcome: FileOutcome;
        try {
          outcome = checker.checkFile(m.file);
        } catch (e) {
          outcome = { report: null, stderr: [`trainguard: internal error on ${m.file}: ${(e as Error)?.stack ?? e}\n`], failed: true, hiddenUnsafe: 0 };
        }
        port.postMessage({ index: m.index, outcome } satisfies WorkReply);
      });
      port.postMessage({ ready: true } satisfies WorkReply);
    },
    (e: unknown) => port.postMessage({ fatal: `the parser did not load: ${(e as Error)?.message ?? e}` } satisfies WorkReply),
  );
}
