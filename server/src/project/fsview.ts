/**
 * What the project analysis may read of the workspace: a view of files and folders that never throws
 * and never executes anything. The CLI reads the disk (`DiskView`, with the never-throwing reads
 * of config/files.ts); the language server layers its open buffers over it (`OverlayView`), so an
 * edited, unsaved `engine.py` is what `train.py` sees, and a module deleted while open reads as missing
 * once its buffer closes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readTextFile, type TextRead } from '../config/files';

/** Python modules larger than this are not read for summaries (the CLI's own limit is larger; these are dependencies). */
const MAX_MODULE_BYTES = 2 * 1024 * 1024;

export interface ProjectView {
  /** A file's text (missing / unreadable / too large as a value, never an exception). Paths are absolute. */
  read(file: string): TextRead;
  /** Is there a regular file (or an open buffer) at `file`? */
  isFile(file: string): boolean;
  /** Is there a folder at `dir`? */
  isDir(dir: string): boolean;
}

/** Folders with more entries than this are not kept in memory (a data folder): their tests go to the disk. */
const MAX_LISTING = 10_000;

type Kind = 'file' | 'dir' | 'other';

/**
 * The disk. File and folder tests are answered from folder listings, one `readdir` per folder kept
 * until `invalidate` (a file created or deleted) when `trustCache` (the editor has file events; the
 * CLI's run is short), and read again each time otherwise: memory grows with the folders the
 * imports look into, not with the paths tried. Names match case-sensitively, as Python's imports do.
 * Texts are read each time and not kept (a summary is kept by its hash instead; see cache.ts).
 */
export class DiskView implements ProjectView {
  private readonly listings = new Map<string, Map<string, Kind> | null>();

  constructor(readonly trustCache = true) {}

  read(file: string): TextRead {
    return readTextFile(file, MAX_MODULE_BYTES);
  }

  isFile(file: string): boolean {
    return this.kind(path.resolve(file)) === 'file';
  }

  isDir(dir: string): boolean {
    return this.kind(path.resolve(dir)) === 'dir';
  }

  /** A file was created or deleted (or anything: without an argument): listings are read again. */
  invalidate(): void {
    this.listings.clear();
  }

  private kind(p: string): Kind | null {
    const dir = path.dirname(p);
    if (dir === p) return 'dir';
    const listing = this.listing(dir);
    if (listing === undefined) return statKind(p);
    const k = listing?.get(path.basename(p));
    if (k === undefined) return null;
    // a symbolic link is followed (its target's kind)
    return k === 'other' ? statKind(p) : k;
  }

  /** The names in `dir` (null: no such folder); undefined when it is too large to keep. */
  private listing(dir: string): Map<string, Kind> | null | undefined {
    if (this.trustCache && this.listings.has(dir)) return this.listings.get(dir) ?? null;
    let out: Map<string, Kind> | null | undefined;
    try {
      const entries = fs.readdirSync(dir, { withFileTypes: true });
      out = entries.length > MAX_LISTING ? undefined : new Map(entries.map((e) => [e.name, e.isFile() ? 'file' : e.isDirectory() ? 'dir' : 'other'] as [string, Kind]));
    } catch {
      out = null;
    }
    if (this.trustCache && out !== undefined) this.listings.set(dir, out);
    return out;
  }
}

function statKind(p: string): Kind | null {
  try {
    const st = fs.statSync(p);
    return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
  } catch {
    return null;
  }
}

/**
 * Open buffers over another view: an open document is read from its buffer whether or not it is
 * saved; a closed one from the view below. `close` hands a file back to the view below (which says
 * missing when it was deleted meanwhile).
 */
export class OverlayView implements ProjectView {
  private readonly open = new Map<string, string>();

  constructor(private readonly below: ProjectView) {}

  set(file: string, text: string): void {
    this.open.set(path.resolve(file), text);
  }

  close(file: string): void {
    this.open.delete(path.resolve(file));
  }

  read(file: string): TextRead {
    const text = this.open.get(path.resolve(file));
    if (text !== undefined) {
      if (text.length > MAX_MODULE_BYTES) return { text: null, error: `it is too large to read (${text.length} characters, the limit is ${MAX_MODULE_BYTES})`, missing: false };
      return { text, error: null, missing: false };
    }
    return this.below.read(file);
  }

  isFile(file: string): boolean {
    return this.open.has(path.resolve(file)) || this.below.isFile(file);
  }

  isDir(dir: string): boolean {
    const d = path.resolve(dir) + path.sep;
    for (const f of this.open.keys()) if (f.startsWith(d)) return true;
    return this.below.isDir(dir);
  }
}

/** A view of an in-memory tree (tests, and the benchmark's generated workspace): `{ '/abs/a.py': 'text' }`. */
export class MemoryView implements ProjectView {
  private readonly files = new Map<string, string>();
  private readonly dirs = new Set<string>();

  constructor(files: Record<string, string> = {}) {
    for (const [p, t] of Object.entries(files)) this.write(p, t);
  }

  write(file: string, text: string): void {
    const abs = path.resolve(file);
    this.files.set(abs, text);
    for (let d = path.dirname(abs); !this.dirs.has(d); d = path.dirname(d)) {
      this.dirs.add(d);
      if (path.dirname(d) === d) break;
    }
  }

  delete(file: string): void {
    this.files.delete(path.resolve(file));
  }

  read(file: string): TextRead {
    const text = this.files.get(path.resolve(file));
    return text === undefined ? { text: null, error: null, missing: true } : { text, error: null, missing: false };
  }

  isFile(file: string): boolean {
    return this.files.has(path.resolve(file));
  }

  isDir(dir: string): boolean {
    return this.dirs.has(path.resolve(dir));
  }
}
