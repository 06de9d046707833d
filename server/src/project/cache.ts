/**
 * Module summaries cached by content hash: the same text is summarised once, whatever file holds it
 * and however often it is asked for; a changed text has another hash, so an edit invalidates by
 * itself. Bounded: at most `capacity` summaries, the least recently used dropped first.
 */
import { contentHash, summarizeText, type SummaryResult } from './summary';

export const DEFAULT_SUMMARY_CAPACITY = 4096;
/** At most this many bytes of summaries (estimated: three bytes per character of their JSON, as measured by bench/project-index.mjs). */
export const DEFAULT_SUMMARY_BYTES = 32 * 1024 * 1024;

/**
 * The estimated size of a summary in memory: three bytes per character of its JSON (the heap held by
 * 600 and 2,000 generated modules' summaries is 1.4-1.5x twice their JSON length: bench/NOTES.md).
 */
function summaryBytes(r: SummaryResult): number {
  return r.status === 'ok' ? 3 * JSON.stringify(r.summary).length : 2 * r.reason.length + 64;
}

export class SummaryCache {
  private readonly entries = new Map<string, { result: SummaryResult; bytes: number }>();
  private total = 0;
  /** How many summaries were computed (not served from the cache): for tests and the benchmark. */
  computed = 0;

  constructor(
    readonly capacity = DEFAULT_SUMMARY_CAPACITY,
    readonly maxBytes = DEFAULT_SUMMARY_BYTES,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Estimated bytes held (see `summaryBytes`). */
  get bytes(): number {
    return this.total;
  }

  /** The summary of `text` (computed at most once while it stays in the cache). */
  summarize(text: string, hash = contentHash(text)): SummaryResult {
    const hit = this.entries.get(hash);
    if (hit) {
      this.entries.delete(hash);
      this.entries.set(hash, hit);
      return hit.result;
    }
    const result = summarizeText(text);
    this.computed++;
    this.put(hash, result);
    return result;
  }

  /** Keeps a summary computed elsewhere (the language server's index thread) for the text of `hash`. */
  put(hash: string, result: SummaryResult): void {
    const old = this.entries.get(hash);
    if (old) {
      this.total -= old.bytes;
      this.entries.delete(hash);
    }
    const bytes = summaryBytes(result);
    this.entries.set(hash, { result, bytes });
    this.total += bytes;
    // the oldest go first; the newest stays even when it alone is over the byte bound (it is in use)
    while (this.entries.size > 1 && (this.entries.size > this.capacity || this.total > this.maxBytes)) {
      const oldest = this.entries.keys().next().value as string;
      this.total -= this.entries.get(oldest)!.bytes;
      this.entries.delete(oldest);
    }
  }

  has(hash: string): boolean {
    return this.entries.has(hash);
  }

  /** The cached result for `hash`, without computing anything. */
  peek(hash: string): SummaryResult | undefined {
    return this.entries.get(hash)?.result;
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }
}
