/**
 * The project's own modules in the editor (issue 18): each checked Python file (and notebook) gets
 * the Program of the project modules it imports, passed to the analysis as `program`; editing,
 * creating or deleting one of those modules re-checks the open files whose Program includes it; the
 * workspace's `.py` files are indexed in the background (who imports whom).
 *
 * - A file whose imports lead to no module of the project gets no Program (it is checked alone, as
 *   before, and is not summarised: its keystrokes cost what they did); one that does is summarised
 *   from the model just built (not parsed again) and its Program passed to the analysis.
 * - Modules are read through an `OverlayView`: open buffers (saved or not) over the disk. The summary
 *   cache (by content hash) is shared by every Program and the index.
 * - `follow-imports` (`trainguard.followImports`, `[tool.trainguard] follow-imports`) off: no Program.
 * - A Program is loaded in slices between the model and the rules (`loadProgramSliced`), bounded by
 *   the loader's limits (200 modules, 16 imports deep); a newer edit abandons it, what was summarised
 *   stays cached. With file watchers (VS Code), a file's Program is kept until one of its modules
 *   changes or a `.py` file is created or deleted, or its own imports change; without them (a client
 *   that cannot watch files), everything is read again at each check, as the workspace facts are.
 * - Dependents: the open files whose loaded Program includes the changed module (any depth), and the
 *   open files the index says import it (before their Program is loaded). The edited file is checked
 *   first, then its dependents, once no change to it came for `max(debounceMs, 250 ms)`.
 * - The index (`WorkspaceIndex`) starts after the first diagnostics that used a Program, walks the
 *   workspace folders asynchronously (skipping VCS folders, virtual environments, caches), and
 *   summarises in slices of 8 ms that wait while any check runs or waits for its debounce. Bound: at
 *   most 5,000 files, and 32 MiB of summaries in the shared cache (least recently used dropped first).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { FileChangeType, type FileEvent } from 'vscode-languageserver/node';
import { DiskView, OverlayView, type ProjectView } from '../../project/fsview';
import { loadProgramSliced, type Program } from '../../project/loader';
import { SummaryCache } from '../../project/cache';
import { DEFAULT_INDEX_MAX_FILES, WorkspaceIndex } from '../../project/index';
import { contentHash } from '../../project/summary';
import { importsOf } from '../../project/imports';
import { resolveImport, rootFor, searchRoots } from '../../project/resolve';
import { SKIP_DIRS } from '../../cli/files';
import { nextTurn } from '../../analysis/analyze';
import type { ProgramRequest, ServerContext, ServerFeature } from '../context';
import type { SummaryResult } from '../../project/summary';
import type { SummarizeReply, SummarizeRequest } from '../indexWorker';
import { uriToPath, workspaceRoots } from './workspaceConfig';

const PROJECT_MODULES_REQUEST = 'trainguard/projectModules';
/** Python files watched for the project analysis. */
const PYTHON_GLOB = '**/*.py';
/** Dependents are re-checked once the edited module had no change for this long (or the debounce, if longer). */
const DEPENDENTS_DELAY_MS = 250;
/** The workspace walk stops after this many folders (a data folder of a million images is not listed). */
const MAX_WALK_DIRS = 20_000;
/**
 * The index waits until no document changed for this long (the user is typing): a slice lasts at
 * least one file, and a keystroke arriving during one would wait for it (measured: bench/NOTES.md).
 */
export const INDEX_QUIET_MS = 500;

interface Loaded {
  entry: string;
  /** The entry's imports when it was loaded: other imports need another load. */
  importsKey: string;
  program: Program;
  /** Each module of the Program (any status) and the hash of the text it was read from (null: no summary). */
  files: Map<string, string | null>;
  /** Nothing it read changed while it loaded: it may be reused while the files stay the same. */
  reusable: boolean;
}

/** The answer of `trainguard/projectModules`: what the last check of a document read (null: no Program). */
interface ProjectModulesAnswer {
  entry: string;
  truncated: boolean;
  stats: Program['stats'];
  modules: { file: string; status: string; reason: string | null; depth: number; via: { file: string; line: number; statement: string } }[];
}

const isPython = (file: string) => file.endsWith('.py');

/**
 * The index thread (dist/index-worker.js, next to dist/server.js): summaries of the first indexing are
 * computed there, so the server's thread never holds a file's parse for the index. Started with the
 * index and ended once it is done (its memory goes with it); later re-indexing of a changed file is
 * done on the server's thread, after the typing has stopped. Without the file (the tests' unbundled
 * server) or once it failed, `summarize` says null and the index summarises on the server's thread.
 */
export class IndexThread {
  private worker: Worker | null = null;
  private ready: Promise<boolean> = Promise.resolve(false);
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: SummaryResult) => void; reject: (e: Error) => void }>();
  private failed = false;

  constructor(
    private readonly file: string,
    private readonly onError: (message: string) => void,
  ) {}

  start(): boolean {
    if (this.worker || this.failed || !fs.existsSync(this.file)) return !!this.worker;
    let worker: Worker;
    try {
      worker = new Worker(this.file);
    } catch (e) {
      this.fail(`the index thread did not start: ${(e as Error)?.message ?? e}`);
      return false;
    }
    this.worker = worker;
    worker.unref();
    this.ready = new Promise<boolean>((resolve) => {
      worker.on('message', (m: SummarizeReply) => {
        if ('ready' in m) resolve(true);
        else if ('fatal' in m) {
          resolve(false);
          this.fail(m.fatal);
        } else {
          const w = this.waiting.get(m.id);
          this.waiting.delete(m.id);
          w?.resolve(m.result);
        }
      });
      worker.on('error', (e) => {
        resolve(false);
        this.fail(`the index thread failed: ${e?.message ?? e}`);
      });
      worker.on('exit', (code) => {
        resolve(false);
        if (this.worker === worker) this.fail(code ? `the index thread exited (${code})` : null);
      });
    });
    return true;
  }

  /** The summary of `text` computed on the index thread, or null: do it here. */
  summarize(text: string): Promise<SummaryResult> | null {
    if (!this.worker || this.failed) return null;
    const worker = this.worker;
    return this.ready.then((ok) => {
      if (!ok || this.worker !== worker) throw new Error('the index thread is not running');
      const id = this.nextId++;
      return new Promise<SummaryResult>((resolve, reject) => {
        this.waiting.set(id, { resolve, reject });
        worker.postMessage({ id, text } satisfies SummarizeRequest);
      });
    });
  }

  stop(): void {
    const w = this.worker;
    this.worker = null;
    this.rejectAll('the index thread was stopped');
    if (w) void w.terminate().catch(() => undefined);
  }

  private fail(message: string | null): void {
    if (message && !this.failed) this.onError(`${message}; the index summarises on the server's thread`);
    this.failed = !!message || this.failed;
    this.stop();
  }

  private rejectAll(why: string): void {
    for (const w of this.waiting.values()) w.reject(new Error(why));
    this.waiting.clear();
  }
}

class EditorProjects {
  readonly cache = new SummaryCache();
  private disk = new DiskView(false);
  readonly view: OverlayView;
  /** By document URI (a text document or a notebook). */
  private readonly programs = new Map<string, Loaded>();
  /** Bumped by every change to what a Program may have read. */
  private epoch = 0;
  private readonly pendingDeps = new Set<string>();
  private readonly pendingSources = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  /** A check used a Program: the index is worth building. */
  private wanted = false;
  private indexState: 'idle' | 'walking' | 'running' | 'off' = 'idle';
  readonly indexes: { root: string; files: Set<string>; index: WorkspaceIndex }[] = [];
  readonly thread: IndexThread;
  /** When a document last changed (performance.now()). */
  private lastEdit = -Infinity;
  /** Measured, for the trace and the tests: the last load and the index's walk and run. */
  readonly stats = { loads: 0, reused: 0, lastLoadMs: 0, walkMs: 0, indexMs: 0, longestSliceMs: 0, walkTruncated: false, thread: false };

  constructor(private readonly ctx: ServerContext) {
    const below: ProjectView = {
      read: (f) => this.disk.read(f),
      isFile: (f) => this.disk.isFile(f),
      isDir: (d) => this.disk.isDir(d),
    };
    this.view = new OverlayView(below);
    // next to dist/server.js; dist/cli/lsp.js (`trainguard lsp`) finds it one folder up
    const worker = [path.join(__dirname, 'index-worker.js'), path.join(__dirname, '..', 'index-worker.js')].find((f) => fs.existsSync(f)) ?? path.join(__dirname, 'index-worker.js');
    this.thread = new IndexThread(worker, (m) => ctx.error(m));
  }

  /** Watchers are registered: folder listings may be kept until a file event. */
  watching(): void {
    this.disk = new DiskView(true);
    this.epoch++;
  }

  private rootOf(file: string): string | null {
    return rootFor(file, workspaceRoots(this.ctx));
  }

  /** The loader the server calls between the model and the rules. Never throws. */
  async load(req: ProgramRequest): Promise<Program | undefined> {
    try {
      if (!req.settings.followImports) {
        this.programs.delete(req.uri);
        return undefined;
      }
      const file = uriToPath(req.uri);
      if (!file) return undefined;
      this.wanted = true;
      // the entry's imports first (cheap): only a file importing modules of the project is summarised
      // (its summary goes into the Program), so a file on its own costs its keystrokes nothing more
      const imports = importsOf(req.model);
      const importsKey = JSON.stringify(imports);
      const have = this.programs.get(req.uri);
      if (have && have.reusable && this.ctx.watchingFiles() && have.entry === file && have.importsKey === importsKey) {
        this.stats.reused++;
        return have.program.modules.length ? have.program : undefined;
      }
      const epoch = this.epoch;
      const t0 = performance.now();
      const workspaceRoot = this.rootOf(file);
      const roots = searchRoots(this.view, file, workspaceRoot);
      let program: Program | null;
      if (imports.some((ref) => resolveImport(this.view, file, ref, roots).status !== 'external')) {
        program = await loadProgramSliced(this.view, file, { workspaceRoot, cache: this.cache, entryImports: imports, isStale: req.isStale, pause: req.pause });
        if (!program) return undefined;
      } else {
        // nothing of the project: the file alone (no Program is passed), remembered for the dependents and the request
        program = { entry: file, roots, entrySummary: null, entryImports: imports, links: new Map(), modules: [], stats: { imports: imports.length, project: 0, external: imports.length, missing: 0 }, truncated: false };
      }
      this.stats.loads++;
      this.stats.lastLoadMs = performance.now() - t0;
      const files = new Map(program.modules.map((m) => [m.file, m.summary?.hash ?? null] as [string, string | null]));
      this.programs.set(req.uri, { entry: file, importsKey, program, files, reusable: epoch === this.epoch });
      return program.modules.length ? program : undefined;
    } catch (e) {
      this.ctx.error(`project modules of ${req.uri}: ${(e as Error)?.stack ?? e} (checked alone)`);
      return undefined;
    }
  }

  /** What the last check of `uri` read, for `trainguard/projectModules`. */
  modulesOf(uri: string): ProjectModulesAnswer | null {
    const l = this.programs.get(uri);
    if (!l) return null;
    const p = l.program;
    return { entry: p.entry, truncated: p.truncated, stats: p.stats, modules: p.modules.map((m) => ({ file: m.file, status: m.status, reason: m.reason, depth: m.depth, via: m.via })) };
  }

  /** The open documents whose findings depend on `file` (its own document excluded). */
  dependentsOf(file: string, newHash?: string | null): string[] {
    const abs = path.resolve(file);
    const out = new Set<string>();
    for (const [uri, l] of this.programs) {
      if (!l.files.has(abs)) continue;
      // the same text it was read from (a buffer opened or closed unchanged): nothing to re-check
      if (newHash !== undefined && newHash !== null && l.files.get(abs) === newHash) continue;
      out.add(uri);
    }
    // open files without a loaded Program yet, that the index says import it
    if (this.indexes.length) {
      const byPath = new Map<string, string>();
      for (const uri of this.ctx.documents.keys()) {
        const p = uriToPath(uri);
        if (p && !this.programs.has(uri)) byPath.set(p, uri);
      }
      if (byPath.size) for (const { index } of this.indexes) for (const f of index.dependentsOf(abs)) if (byPath.has(f)) out.add(byPath.get(f)!);
    }
    for (const [uri] of this.ctx.documents) if (uriToPath(uri) === abs) out.delete(uri);
    return [...out];
  }

  /** `file`'s text changed (a buffer edited, opened or closed, or the disk): its dependents are re-checked after the delay. */
  private changed(file: string, newText: string | null, sourceUri?: string, reindex = true): void {
    const abs = path.resolve(file);
    const hash = newText === null ? null : contentHash(newText);
    const deps = this.dependentsOf(abs, hash);
    if (deps.length || this.programsInclude(abs)) this.epoch++;
    for (const uri of deps) {
      this.programs.delete(uri);
      this.pendingDeps.add(uri);
    }
    // an open buffer is not re-indexed at each keystroke (its importers have programs); it is once closed
    if (reindex) for (const { files, index } of this.indexes) if (files.has(abs)) index.invalidate(abs);
    if (sourceUri && deps.length) this.pendingSources.add(sourceUri);
    if (deps.length) this.arm();
    this.resumeIndex();
  }

  private programsInclude(file: string): boolean {
    for (const l of this.programs.values()) if (l.files.has(file)) return true;
    return false;
  }

  /** Files were created or deleted (or a folder): resolution may change for every Program that imports anything of the project. */
  private structureChanged(created: readonly string[], deleted: readonly string[]): void {
    this.disk.invalidate();
    this.epoch++;
    for (const [uri, l] of this.programs) {
      // a new file may be what one of its imports finds now (a module that was not there, or one found
      // before the one it used to find); a deleted one matters where it was read, or a folder went
      const touched = created.length > 0 || deleted.some((f) => l.files.has(f) || !isPython(f));
      this.programs.delete(uri);
      if (touched) this.pendingDeps.add(uri);
    }
    for (const f of [...created, ...deleted]) for (const uri of this.dependentsOf(f)) this.pendingDeps.add(uri);
    for (const ix of this.indexes) {
      let changed = false;
      for (const f of created) {
        if (isPython(f) && isInside(f, ix.root) && ix.files.size < DEFAULT_INDEX_MAX_FILES && !ix.files.has(f)) {
          ix.files.add(f);
          changed = true;
        }
      }
      for (const f of deleted) {
        if (ix.files.delete(f)) changed = true;
        // a folder deleted: what was under it goes too
        if (!isPython(f)) for (const g of [...ix.files]) if (isInside(g, f)) changed = ix.files.delete(g) || changed;
      }
      if (changed) ix.index.setFiles([...ix.files]);
      for (const f of deleted) ix.index.invalidate(f);
    }
    if (this.pendingDeps.size) this.arm();
    this.resumeIndex();
  }

  /** (Re)starts the delay after which the dependents are re-checked. */
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch((e) => this.ctx.error(`re-checking dependents: ${(e as Error)?.stack ?? e}`));
    }, Math.max(DEPENDENTS_DELAY_MS, this.ctx.debounceMs()));
  }

  private async flush(): Promise<void> {
    const sources = [...this.pendingSources];
    const deps = [...this.pendingDeps];
    this.pendingSources.clear();
    this.pendingDeps.clear();
    // the edited file first
    for (const s of sources) if (this.ctx.documents.has(s)) await this.ctx.ensureAnalyzed(s);
    for (const d of deps) if (!sources.includes(d)) this.ctx.inputsChanged(d);
  }

  /** An open Python text document opened, edited or closed: the overlay follows it. */
  documentEvent(kind: 'open' | 'change' | 'close', uri: string, text: string | undefined): void {
    if (kind === 'change') this.lastEdit = performance.now();
    const file = uriToPath(uri);
    if (!file || !isPython(file)) return;
    if (kind === 'close') {
      this.view.close(file);
      this.programs.delete(uri);
      this.changed(file, this.view.read(file).text);
      return;
    }
    if (text === undefined) return;
    this.view.set(file, text);
    this.changed(file, text, uri, kind === 'open');
  }

  /** `workspace/didChangeWatchedFiles`. */
  filesChanged(changes: readonly FileEvent[]): void {
    const created: string[] = [];
    const deleted: string[] = [];
    for (const ch of changes) {
      const file = uriToPath(ch.uri);
      if (!file) continue;
      const abs = path.resolve(file);
      if (ch.type === FileChangeType.Changed) {
        if (!isPython(abs)) continue;
        // an open buffer is what the modules read, not the disk
        if (this.isOpen(abs)) continue;
        this.changed(abs, this.view.read(abs).text);
      } else if (ch.type === FileChangeType.Created) created.push(abs);
      else if (ch.type === FileChangeType.Deleted) deleted.push(abs);
    }
    if (created.length || deleted.length) this.structureChanged(created, deleted);
  }

  private isOpen(file: string): boolean {
    for (const uri of this.ctx.documents.keys()) if (uriToPath(uri) === file) return true;
    return false;
  }

  /** After a publication: the index starts (once a check has used a Program) or resumes. */
  published(): void {
    if (this.indexState === 'idle' && this.wanted) this.startIndex();
    else this.resumeIndex();
  }

  private resumeIndex(): void {
    if (this.indexState !== 'running') return;
    for (const ix of this.indexes) if (!ix.index.progress().done) void this.runIndex(ix.index);
  }

  private startIndex(): void {
    const roots = workspaceRoots(this.ctx);
    if (!roots.length) {
      this.indexState = 'off';
      return;
    }
    this.indexState = 'walking';
    const t0 = performance.now();
    walkPython(roots, DEFAULT_INDEX_MAX_FILES, MAX_WALK_DIRS)
      .then(({ byRoot, truncated }) => {
        this.stats.walkMs = performance.now() - t0;
        this.stats.walkTruncated = truncated;
        this.indexState = 'running';
        this.stats.thread = this.thread.start();
        for (const [root, files] of byRoot) {
          const index = new WorkspaceIndex(this.view, { workspaceRoot: root, cache: this.cache, busy: () => this.indexWaits(), yieldTurn: () => this.yieldTurn(), summarize: (text) => this.thread.summarize(text) });
          index.setFiles(files);
          this.indexes.push({ root, files: new Set(files.map((f) => path.resolve(f))), index });
        }
        const total = this.indexes.reduce((n, ix) => n + ix.files.size, 0);
        this.ctx.log(`project index: ${total} Python files found in ${this.stats.walkMs.toFixed(0)} ms${truncated ? ' (the walk stopped at its bound)' : ''}; indexing in the background`);
        const started = performance.now();
        return Promise.all(this.indexes.map((ix) => this.runIndex(ix.index))).then(() => {
          // the first indexing is done: the thread's memory is given back (a changed file is re-indexed here)
          this.thread.stop();
          this.stats.indexMs = performance.now() - started;
          this.ctx.log(`project index: ${total} files indexed in ${(this.stats.indexMs / 1000).toFixed(1)} s${this.stats.thread ? ' (summaries on the index thread)' : ''}; summaries ${this.cache.size} (${(this.cache.bytes / 1048576).toFixed(1)} MiB estimated)`);
        });
      })
      .catch((e) => {
        this.indexState = 'off';
        this.ctx.error(`project index stopped: ${(e as Error)?.stack ?? e}`);
      });
  }

  private runIndex(index: WorkspaceIndex): Promise<void> {
    return index.run().catch((e) => this.ctx.error(`project index: ${(e as Error)?.stack ?? e}`));
  }

  /** The index waits while a check runs or waits for its debounce, and while the user types. */
  private indexWaits(): boolean {
    return this.ctx.busy() || performance.now() - this.lastEdit < INDEX_QUIET_MS;
  }

  /** Between two slices of the index: messages go first; while it must wait, the index sleeps. */
  private lastTurn = 0;
  private async yieldTurn(): Promise<void> {
    const now = performance.now();
    if (this.lastTurn) this.stats.longestSliceMs = Math.max(this.stats.longestSliceMs, now - this.lastTurn);
    if (this.indexWaits()) await new Promise((r) => setTimeout(r, 25));
    else for (let i = 0; i < 3; i++) await nextTurn();
    this.lastTurn = performance.now();
  }

  indexProgress(): { indexed: number; total: number; skipped: number; done: boolean; state: string } {
    const p = { indexed: 0, total: 0, skipped: 0, done: this.indexState === 'running', state: this.indexState };
    for (const { index } of this.indexes) {
      const q = index.progress();
      p.indexed += q.indexed;
      p.total += q.total;
      p.skipped += q.skipped;
      p.done &&= q.done;
    }
    return p;
  }
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * The `.py` files under the workspace folders, read asynchronously (nothing blocks the server's
 * thread), skipping VCS folders, `node_modules`, virtual environments and caches as the CLI does;
 * at most `maxFiles` files in all and `maxDirs` folders.
 */
export async function walkPython(roots: readonly string[], maxFiles: number, maxDirs: number): Promise<{ byRoot: Map<string, string[]>; truncated: boolean }> {
  const byRoot = new Map<string, string[]>();
  let files = 0;
  let dirs = 0;
  let truncated = false;
  for (const root of roots) {
    const out: string[] = [];
    byRoot.set(root, out);
    const queue = [root];
    while (queue.length) {
      if (files >= maxFiles || dirs >= maxDirs) {
        truncated = true;
        break;
      }
      const dir = queue.shift()!;
      dirs++;
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      if (dir !== root && entries.some((e) => e.name === 'pyvenv.cfg')) continue;
      for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (!SKIP_DIRS.has(e.name)) queue.push(p);
        } else if (e.isFile() && e.name.endsWith('.py') && files < maxFiles) {
          out.push(p);
          files++;
        }
      }
    }
  }
  return { byRoot, truncated };
}

export const projectImports: ServerFeature = {
  name: 'project imports',
  register(ctx: ServerContext) {
    const projects = new EditorProjects(ctx);
    ctx.watchFiles([PYTHON_GLOB]);
    ctx.onInitialized(() => {
      if (ctx.watchingFiles()) projects.watching();
    });
    ctx.setProgramLoader((req) => projects.load(req));
    ctx.onDocumentEvent((e) => projects.documentEvent(e.kind, e.uri, e.state?.doc.text));
    ctx.onWatchedFilesChanged((changes) => projects.filesChanged(changes));
    ctx.onPublished(() => projects.published());
    ctx.connection.onRequest(PROJECT_MODULES_REQUEST, (params: { uri?: unknown }) => {
      if (typeof params?.uri !== 'string') return null;
      return { program: projects.modulesOf(params.uri), index: projects.indexProgress(), stats: projects.stats };
    });
  },
};
