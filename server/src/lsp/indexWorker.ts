/**
 * Entry of the language server's index thread (bundled as dist/index-worker.js): summarises the
 * module texts the workspace index hands it, one message each, with its own parser, and answers with
 * the summary as plain data (project/summary.ts). The server's own thread then only reads files,
 * hashes them and resolves their imports, so the first indexing of a large workspace never holds it
 * for a file's parse (features/projectImports.ts). Nothing is read from disk here.
 */
import { parentPort } from 'worker_threads';
import { initParser } from '../analysis/parser';
import { summarizeText, type SummaryResult } from '../project/summary';

export interface SummarizeRequest {
  id: number;
  text: string;
}

export type SummarizeReply = { ready: true } | { id: number; result: SummaryResult } | { fatal: string };

const port = parentPort;
if (port) {
  initParser().then(
    () => {
      port.on('message', (m: SummarizeRequest) => {
        let result: SummaryResult;
        try {
          result = summarizeText(m.text);
        } catch (e) {
          result = { status: 'too-large', reason: `it could not be summarised (${(e as Error)?.message ?? e})` };
        }
        port.postMessage({ id: m.id, result } satisfies SummarizeReply);
      });
      port.postMessage({ ready: true } satisfies SummarizeReply);
    },
    (e: unknown) => port.postMessage({ fatal: `the parser did not load: ${(e as Error)?.message ?? e}` } satisfies SummarizeReply),
  );
}
