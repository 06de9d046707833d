/**
 * What the project analysis may read of the workspace: a view of files and folders that never throws
 * and never executes anything. The CLI reads the disk through the shared `FileCache`
 * (config/files.ts); the language server layers its open buffers over it (`OverlayView`), so an
 * edited, unsaved `engine.py` is what `train.py` sees, and a module deleted while open reads as missing
 * once its buffer closes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FileCache, type TextRead } from '../config/files';

/** Python modules larger than this are not read for summaries (the CLI's own limit is larger; these are dependencies). */
export const MAX_MODULE_BYTES = 2 * 1024 * 1024;

export interface ProjectView {
  /** A file's text (missing / unreadable / too large as a value, never an exception). Paths are absolute. */
  read(file: string): TextRead;
  /** Is there a regular file (or an open buffer) at `file`? */
  isFile(file: string): boolean;
  /** Is there a folder at `dir`? */
  isDir(dir: string): boolean;
}

/** The disk, through a `FileCache` (cached until invalidated when the cache trusts file events, re-validated otherwise). */
export class DiskView implements ProjectView {
  constructor(readonly cache: FileCache = new FileCache(true)) {}

  read(file: string): TextRead {
    return this.cache.readText(file, MAX_MODULE_BYTES);
  }

  isFile(file: string): boolean {
    return this.cache.memo('isFile', file, () => statKind(file) === 'file');
  }

  isDir(dir: string): boolean {
    return this.cache.memo('isDir', dir, () => statKind(dir) === 'dir');
  }
}

function statKind(p: string): 'file' | 'dir' | null {
  try {
    const st = fs.statSync(p);
    return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : null;
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
