/**
 * The workspace index, for the language server: every `.py` file of the workspace summarised in the
 * background, with who imports whom, so that an edit to `engine.py` can re-check the open files that
 * import it. The server hands it the file list and tells it what changed; it reads through a view
 * (open buffers over the disk).
 *
 * Never in the way of diagnostics: it works in slices of `sliceMs` (one file at least), yields to
 * the event loop between slices, and waits while `busy()` says a check is running.
 *
 * Each file's imports are resolved as if it were the script run (its own folder first, then its
 * package's root, `src/`, the workspace root): who imports whom, for re-checking; a program's own
 * resolution, from its entry, is `loadProgram`'s.
 *
 * Memory bound (stated, and measured by `node bench/project-index.mjs`): at most `maxFiles` file
 * entries (default 5,000; a file entry is its path, a content hash and the paths it imports), and the
 * summary cache's bound (default 4,096 summaries and 32 MiB estimated, least recently used dropped
 * first; a dropped summary is recomputed when asked for). No tree and no file text is kept.
 */
import * as path from 'path';
import type { ProjectView } from './fsview';
import { resolveImport, searchRoots } from './resolve';
import { SummaryCache } from './cache';
import { contentHash, type ModuleSummary, type SummaryResult } from './summary';
import type { ModuleStatus } from './loader';

export const DEFAULT_INDEX_MAX_FILES = 5000;
export const DEFAULT_SLICE_MS = 8;

interface FileEntry {
  hash: string | null;
  status: Exclude<ModuleStatus, 'circular' | 'not-followed'>;
  reason: string | null;
  /** Project files its imports load. */
  imports: string[];
}

interface IndexOptions {
  workspaceRoot?: string | null;
  cache?: SummaryCache;
  maxFiles?: number;
  sliceMs?: number;
  /** While true, the index waits (a check is running). */
  busy?: () => boolean;
  now?: () => number;
  /** Yields to the event loop (a test or the benchmark may pass its own). */
  yieldTurn?: () => Promise<void>;
  /**
   * Summarises a text elsewhere (the language server's index thread), or null when that is not
   * available (then it is done here). A summary computed elsewhere goes into the cache, and the file
   * is indexed from it: this thread only reads, hashes and resolves imports.
   */
  summarize?: (text: string) => Promise<SummaryResult> | null;
}

interface IndexProgress {
  indexed: number;
  total: number;
  /** Files left out because the workspace has more than `maxFiles`. */
  skipped: number;
  done: boolean;
}

const defaultYield = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class WorkspaceIndex {
  readonly cache: SummaryCache;
  private readonly entries = new Map<string, FileEntry>();
  private readonly importers = new Map<string, Set<string>>();
  private files: string[] = [];
  private fileSet = new Set<string>();
  private skipped = 0;
  private pending: string[] = [];
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly maxFiles: number;
  private readonly sliceMs: number;
  private readonly now: () => number;
  private readonly yieldTurn: () => Promise<void>;

  constructor(
    private readonly view: ProjectView,
    private readonly opts: IndexOptions = {},
  ) {
    this.cache = opts.cache ?? new SummaryCache();
    this.maxFiles = opts.maxFiles ?? DEFAULT_INDEX_MAX_FILES;
    this.sliceMs = opts.sliceMs ?? DEFAULT_SLICE_MS;
    this.now = opts.now ?? (() => performance.now());
    this.yieldTurn = opts.yieldTurn ?? defaultYield;
  }

  /** The workspace's `.py` files (absolute). Beyond `maxFiles`, the rest are not indexed. */
  setFiles(files: readonly string[]): void {
    const unique = [...new Set(files.map((f) => path.resolve(f)))].sort();
    this.files = unique.slice(0, this.maxFiles);
    this.fileSet = new Set(this.files);
    this.skipped = unique.length - this.files.length;
    for (const f of [...this.entries.keys()]) if (!this.fileSet.has(f)) this.forget(f);
    this.pending = this.files.filter((f) => !this.entries.has(f));
  }

  /** `file` changed, was created or deleted: it is read again at the next pass. */
  invalidate(file: string): void {
    const abs = path.resolve(file);
    if (this.entries.has(abs)) this.forget(abs);
    if (this.fileSet.has(abs) && !this.pending.includes(abs)) this.pending.push(abs);
  }

  /** Indexes what is pending, in slices; resolves when nothing is left (or `stop` was called). */
  run(): Promise<void> {
    this.stopped = false;
    this.running ??= this.loop().finally(() => (this.running = null));
    return this.running;
  }

  stop(): void {
    this.stopped = true;
  }

  progress(): IndexProgress {
    return { indexed: this.entries.size, total: this.files.length, skipped: this.skipped, done: this.pending.length === 0 };
  }

  /** The files whose imports load `file` (directly). */
  importersOf(file: string): string[] {
    return [...(this.importers.get(path.resolve(file)) ?? [])].sort();
  }

  /** The files whose imports load `file`, directly or through other modules (the open ones among them need a re-check). */
  dependentsOf(file: string): string[] {
    const out = new Set<string>();
    const stack = [path.resolve(file)];
    while (stack.length) {
      for (const f of this.importers.get(stack.pop()!) ?? []) {
        if (!out.has(f)) {
          out.add(f);
          stack.push(f);
        }
      }
    }
    out.delete(path.resolve(file));
    return [...out].sort();
  }

  /** The summary of an indexed file (recomputed when the cache dropped it); undefined = not indexed yet; null = none (missing, syntax error...). */
  summaryOf(file: string): ModuleSummary | null | undefined {
    const e = this.entries.get(path.resolve(file));
    if (!e) return undefined;
    if (e.status !== 'read' || !e.hash) return null;
    const hit = this.cache.peek(e.hash);
    if (hit) return hit.status === 'ok' ? hit.summary : null;
    const text = this.view.read(path.resolve(file)).text;
    if (text === null) return null;
    const r = this.cache.summarize(text);
    return r.status === 'ok' ? r.summary : null;
  }

  statusOf(file: string): { status: FileEntry['status']; reason: string | null } | undefined {
    const e = this.entries.get(path.resolve(file));
    return e ? { status: e.status, reason: e.reason } : undefined;
  }

  private forget(file: string): void {
    const e = this.entries.get(file);
    if (!e) return;
    for (const t of e.imports) this.importers.get(t)?.delete(file);
    this.entries.delete(file);
  }

  private async loop(): Promise<void> {
    while (this.pending.length && !this.stopped) {
      if (this.opts.busy?.()) {
        await this.yieldTurn();
        continue;
      }
      const start = this.now();
      do {
        const file = this.pending.shift()!;
        const read = this.view.read(file);
        const away = read.text !== null && this.opts.summarize ? this.summarizeAway(read.text) : null;
        if (away) {
          // summarised on the other thread meanwhile; indexed from the cache (unless it changed again)
          await away;
          if (this.fileSet.has(file) && !this.pending.includes(file)) this.indexFile(file, read);
          break;
        }
        this.indexFile(file, read);
      } while (this.pending.length && !this.stopped && this.now() - start < this.sliceMs);
      await this.yieldTurn();
    }
  }

  /** The text's summary computed by `opts.summarize` into the cache; null when it is cached already or cannot be. */
  private summarizeAway(text: string): Promise<void> | null {
    const hash = contentHash(text);
    if (this.cache.has(hash)) return null;
    const away = this.opts.summarize?.(text);
    if (!away) return null;
    return away.then(
      (r) => this.cache.put(hash, r),
      () => undefined,
    );
  }

  private indexFile(file: string, read = this.view.read(file)): void {
    this.forget(file);
    let entry: FileEntry;
    if (read.text === null) {
      entry = { hash: null, status: read.missing ? 'missing' : /too large/.test(read.error ?? '') ? 'too-large' : 'unreadable', reason: read.error, imports: [] };
    } else {
      const hash = contentHash(read.text);
      const r = this.cache.summarize(read.text, hash);
      if (r.status !== 'ok') entry = { hash, status: r.status, reason: r.reason, imports: [] };
      else {
        const roots = searchRoots(this.view, file, this.opts.workspaceRoot ?? null);
        const targets = new Set<string>();
        for (const ref of r.summary.imports) {
          const res = resolveImport(this.view, file, ref, roots);
          if (res.status === 'project') for (const t of res.files) if (t !== file) targets.add(t);
        }
        entry = { hash, status: 'read', reason: null, imports: [...targets] };
      }
    }
    this.entries.set(file, entry);
    for (const t of entry.imports) {
      const set = this.importers.get(t) ?? new Set<string>();
      set.add(file);
      this.importers.set(t, set);
    }
  }
}
