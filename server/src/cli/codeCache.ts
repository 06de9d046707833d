/**
 * The CLI's start-up caches (issue 19). A cold `trainguard check` spent most of its CPU time before
 * the first finding compiling JavaScript: the top level of the bundle, then, as the check ran, each
 * function V8 compiles lazily on its first call (every rule, the model, the parser's glue). This
 * module loads a command's bundle (dist/cli/NAME.js, scripts/build.mjs) with a V8 code cache written
 * *after* a run, so it holds those lazily compiled functions too (the same mechanism as the
 * extension's loader, client/src/loader.ts; the measurements are in bench/NOTES.md).
 *
 * Where: one folder per user, never the project being checked: `TRAINGUARD_CACHE_DIR` when set, else
 * `$XDG_CACHE_HOME/trainguard`, else `~/.cache/trainguard` (`%LOCALAPPDATA%\trainguard\cache` on
 * Windows, `~/Library/Caches/trainguard` on macOS); `TRAINGUARD_NO_CACHE` (any value but empty or 0)
 * turns every cache off. The folder is made 0700 and each file 0600: a V8 code cache is code this
 * user's process runs. A folder that cannot be made or written = no cache, silently.
 *
 * Which file: the bundle's name, the first 16 hex digits of its sha256 (computed by the build and
 * built into dist/cli.js, checked against the bundle's length at load: a bundle changed after the
 * build gets no cache), the architecture and the V8 version. V8 itself rejects a cache made by
 * another V8 version or with other flags.
 *
 * Damage: V8 checks only a cache's header (magic, version, flags, source length); data damaged after
 * it can abort the whole process inside the deserialiser. So each file starts with the sha256 of the
 * V8 data after it, checked before V8 sees the data: a damaged, truncated or foreign file is ignored
 * (the bundle is compiled as without a cache) and replaced after the run. Writes go to a temporary
 * file renamed into place, so two runs writing at once each write a whole file.
 *
 * Node's own compile cache (`module.enableCompileCache()`, Node >= 22.1) is switched on by
 * bin/trainguard.js where it exists, into the same folder: it covers the files Node's loader compiles
 * (dist/cli.js, the worker bundle), not a `vm.Script`, and it is written right after compiling, so it
 * never holds the lazily compiled functions; on Node 20 it does not exist and this cache is the only one.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as nodeModule from 'module';
import * as os from 'os';
import * as path from 'path';
import * as vm from 'vm';
import { CACHE_SUFFIX, cacheFileName, readCache, writeCache } from '../util/v8CacheFile';


/** The per-user cache folder, or null when caching is off or no folder can be named. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = safeHome()): string | null {
  const off = env.TRAINGUARD_NO_CACHE;
  if (off !== undefined && off !== '' && off !== '0') return null;
  if (env.TRAINGUARD_CACHE_DIR) return path.resolve(env.TRAINGUARD_CACHE_DIR);
  if (platform === 'win32') {
    const base = env.LOCALAPPDATA || (home && path.join(home, 'AppData', 'Local'));
    return base ? path.join(base, 'trainguard', 'cache') : null;
  }
  if (platform === 'darwin' && home) return path.join(home, 'Library', 'Caches', 'trainguard');
  // XDG: a relative XDG_CACHE_HOME is invalid and ignored
  if (env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)) return path.join(env.XDG_CACHE_HOME, 'trainguard');
  return home ? path.join(home, '.cache', 'trainguard') : null;
}

function safeHome(): string {
  try {
    return os.homedir();
  } catch {
    return '';
  }
}

/** The cache file of one bundle (hash = the bundle's sha256 in hex). */
export function cacheFile(dir: string, bundleName: string, hash: string): string {
  return path.join(dir, cacheFileName(bundleName, hash));
}

export { readCache, writeCache };

/** What happened to one bundle's code cache in this process (the tests and the benchmark read it). */
export interface BundleCacheState {
  /**
   * off: no cache folder; stale: the bundle is not the one dist/cli.js was built with; absent: no
   * cache file yet (or unreadable); corrupt: its checksum does not match (not given to V8);
   * accepted / rejected: V8's answer.
   */
  status: 'off' | 'stale' | 'absent' | 'corrupt' | 'accepted' | 'rejected';
  /** The bundle's file name (check.js). */
  bundle: string;
  file?: string;
  /** A new cache was written for it in this process. */
  saved?: boolean;
}

interface Loaded {
  script: vm.Script;
  state: BundleCacheState;
}

const loaded: Loaded[] = [];

/** The states of the bundles loaded so far. */
export function cacheStates(): BundleCacheState[] {
  return loaded.map((l) => ({ ...l.state }));
}

/**
 * Loads `bundle` (a CommonJS file) as `require` would, compiled with its code cache when there is a
 * valid one. `expected` is the bundle's sha256 (hex) and length as built; `dir` the cache folder.
 */
export function loadBundle<T>(bundle: string, expected: { hash: string; length: number }, dir: string | null): T {
  const source = fs.readFileSync(bundle, 'utf8');
  const name = path.basename(bundle);
  const state: BundleCacheState =
    dir === null ? { status: 'off', bundle: name } : source.length !== expected.length ? { status: 'stale', bundle: name } : { status: 'absent', bundle: name, file: cacheFile(dir, path.basename(bundle, '.js'), expected.hash) };
  let cachedData: Buffer | undefined;
  if (state.file) {
    const read = readCache(state.file);
    if (read === null) state.status = 'corrupt';
    else cachedData = read;
  }
  // Node's CommonJS wrapper, on the bundle's first line (its line numbers and source map are kept)
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n});`, { filename: bundle, cachedData });
  if (cachedData) state.status = script.cachedDataRejected ? 'rejected' : 'accepted';
  const mod = { exports: {} as T, filename: bundle, id: bundle, loaded: false };
  loaded.push({ script, state });
  (script.runInThisContext() as (...args: unknown[]) => void).call(mod.exports, mod.exports, nodeModule.createRequire(bundle), mod, bundle, path.dirname(bundle));
  mod.loaded = true;
  return mod.exports;
}

/** `TRAINGUARD_CACHE_TRACE=1`: one line on stderr per bundle, what its cache did (tests, benchmark). */
export function traceCodeCaches(write: (s: string) => void, env: NodeJS.ProcessEnv = process.env): void {
  if (!env.TRAINGUARD_CACHE_TRACE) return;
  for (const s of cacheStates()) write(`trainguard: code cache: ${s.bundle} ${s.status}${s.saved ? ', written' : ''}\n`);
}

/**
 * Writes the code cache of every bundle loaded without an accepted one: called when the command is
 * done, so the cache holds every function the run compiled. Returns how many were written.
 */
export function saveCodeCaches(): number {
  let written = 0;
  for (const l of loaded) {
    if (!l.state.file || l.state.status === 'accepted' || l.state.saved) continue;
    if (writeCache(l.state.file, () => l.script.createCachedData())) {
      written++;
      l.state.saved = true;
    }
  }
  return written;
}

/**
 * Switches on Node's own compile cache where Node has it (`module.enableCompileCache`, Node >= 22.1),
 * in `<cache folder>/node-compile-cache`, for what Node's loaders compile from now on (the worker
 * bundle, Node's modules required for the first time); the command bundles are compiled with the
 * cache above instead. Returns whether it is on; on Node 20 (no such function), with caching off or
 * on any failure it is not, and nothing else changes.
 */
export function enableNodeCompileCache(dir: string | null = cacheDir()): boolean {
  const enable = (nodeModule as { enableCompileCache?: (dir?: string) => { status: number } }).enableCompileCache;
  if (typeof enable !== 'function' || dir === null) return false;
  try {
    const result = enable(path.join(dir, 'node-compile-cache'));
    const constants = (nodeModule as { constants?: { compileCacheStatus?: Record<string, number> } }).constants?.compileCacheStatus;
    return constants ? result.status === constants.ENABLED || result.status === constants.ALREADY_ENABLED : false;
  } catch {
    return false;
  }
}
