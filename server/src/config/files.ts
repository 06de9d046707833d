/**
 * Reading the workspace files the core needs (pyproject.toml, requirements*.txt, sample_submission.csv)
 * with a cache shared by every analysed file. The LSP keeps entries until a watched-file event
 * invalidates them (`trustCache`); without file events, each read re-validates by size and mtime.
 * Nothing here throws: an unreadable, missing or oversized file is a value, never an exception.
 */
import * as fs from 'fs';
import * as path from 'path';

/** Config and requirement files larger than this are not read (a 1 MiB pyproject.toml is a mistake). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export interface TextRead {
  /** null when the file is missing, unreadable or too large. */
  text: string | null;
  /** Why `text` is null (missing files have no error: they are simply absent). */
  error: string | null;
  missing: boolean;
}

interface Stamp {
  size: number;
  mtimeMs: number;
}

interface Entry<T> {
  stamp: Stamp | null;
  value: T;
}

function stampOf(file: string): Stamp | null {
  try {
    const st = fs.statSync(file);
    return { size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    return null;
  }
}

function sameStamp(a: Stamp | null, b: Stamp | null): boolean {
  return a === b || (!!a && !!b && a.size === b.size && a.mtimeMs === b.mtimeMs);
}

function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err?.code ?? err?.message ?? String(e);
}

/** Decodes UTF-8 (BOM dropped); invalid bytes become U+FFFD. */
export function decodeText(buf: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(buf);
}

export class FileCache {
  private readonly entries = new Map<string, Entry<unknown>>();
  private readonly dirs = new Map<string, string[]>();

  /**
   * @param trustCache keep what was read until `invalidate` (file events arrive); otherwise
   *   re-validate every read by size and mtime and never cache folder listings.
   */
  constructor(readonly trustCache: boolean) {}

  /** Memoises `compute(file)` until the file changes (or is invalidated). */
  memo<T>(kind: string, file: string, compute: () => T): T {
    const key = `${kind}\u0000${path.resolve(file)}`;
    const hit = this.entries.get(key) as Entry<T> | undefined;
    if (hit && this.trustCache) return hit.value;
    const stamp = this.trustCache ? null : stampOf(file);
    if (hit && sameStamp(hit.stamp, stamp) && stamp !== null) return hit.value;
    const value = compute();
    this.entries.set(key, { stamp, value });
    return value;
  }

  /** The whole file as text, when it exists and is at most `maxBytes`. */
  readText(file: string, maxBytes = MAX_CONFIG_BYTES): TextRead {
    return this.memo(`text:${maxBytes}`, file, () => readTextFile(file, maxBytes));
  }

  /** The first `bytes` bytes of a file as text (for a CSV header), or null. */
  readHead(file: string, bytes: number): string | null {
    return this.memo(`head:${bytes}`, file, () => readHead(file, bytes));
  }

  /** Names in a folder ([] when it cannot be read). */
  list(dir: string): string[] {
    const hit = this.trustCache ? this.dirs.get(dir) : undefined;
    if (hit) return hit;
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir);
    } catch {
      names = [];
    }
    if (this.trustCache) this.dirs.set(dir, names);
    return names;
  }

  /** Does `dir` hold `name`? (Without file events, one stat instead of listing the folder.) */
  has(dir: string, name: string): boolean {
    if (!this.trustCache) return fs.existsSync(path.join(dir, name));
    return this.list(dir).includes(name);
  }

  /**
   * Forgets what was read of `file` (and every folder listing, since a created or deleted file
   * changes them); without an argument, forgets everything.
   */
  invalidate(file?: string): void {
    this.dirs.clear();
    if (!file) {
      this.entries.clear();
      return;
    }
    const suffix = `\u0000${path.resolve(file)}`;
    for (const key of [...this.entries.keys()]) if (key.endsWith(suffix)) this.entries.delete(key);
  }
}

export function readTextFile(file: string, maxBytes = MAX_CONFIG_BYTES): TextRead {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { text: null, error: null, missing: true };
    return { text: null, error: `cannot read it (${errnoText(e)})`, missing: false };
  }
  if (!st.isFile()) return { text: null, error: 'it is not a regular file', missing: false };
  if (st.size > maxBytes) return { text: null, error: `it is too large to read (${st.size} bytes, the limit is ${maxBytes})`, missing: false };
  try {
    return { text: decodeText(fs.readFileSync(file)), error: null, missing: false };
  } catch (e) {
    return { text: null, error: `cannot read it (${errnoText(e)})`, missing: false };
  }
}

function readHead(file: string, bytes: number): string | null {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(bytes);
    const n = fs.readSync(fd, buf, 0, bytes, 0);
    return decodeText(buf.subarray(0, n));
  } catch {
    return null;
  } finally {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already closed */
      }
    }
  }
}

/**
 * `dir`, its parent, ... up to `stop` (included) when `stop` contains `dir`; otherwise up to the
 * filesystem root. Paths are absolute.
 */
export function ancestors(dir: string, stop: string | null): string[] {
  const out: string[] = [];
  let d = path.resolve(dir);
  const s = stop ? path.resolve(stop) : null;
  const inside = s !== null && (d === s || d.startsWith(s.endsWith(path.sep) ? s : s + path.sep));
  for (;;) {
    out.push(d);
    if (inside && d === s) break;
    const parent = path.dirname(d);
    if (parent === d) break;
    d = parent;
  }
  return out;
}

/**
 * The project a file belongs to when no editor says so (the CLI): the nearest folder, from the
 * file's own upwards, that holds `.git` (or `.hg`); null = none, so lookups go to the filesystem root.
 */
export function projectRootOf(cache: FileCache, file: string): string | null {
  for (const dir of ancestors(path.dirname(path.resolve(file)), null)) {
    if (cache.has(dir, '.git') || cache.has(dir, '.hg')) return dir;
  }
  return null;
}
