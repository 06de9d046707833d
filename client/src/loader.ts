/**
 * dist/client.js, what VS Code loads (package.json `main`): it loads the extension itself,
 * dist/client-bundle.js (client/src/extension.ts and the language client library), with a V8 code
 * cache, and runs its activate().
 *
 * Why: compiling the ~1 MB bundle and, as each CommonJS module of the library is first required, the
 * bodies V8 compiles lazily were about half of activation's CPU time (bench/NOTES.md, "Activation").
 * A code cache made *after* activation holds those lazily compiled functions too. Node's own
 * `module.enableCompileCache()` (Node >= 22.8, not in every VS Code this extension supports) saves its
 * cache right after compiling, so it holds only the top-level code, and it is process-wide: called
 * here it would switch the cache on for every extension the host loads afterwards.
 *
 * The cache is one file in the extension's global storage (per user: no other user can write code
 * this user's extension host runs), named by the bundle's content hash (computed by scripts/build.mjs
 * and checked against the bundle's length at load), the V8 version and the architecture. V8 itself
 * rejects a cache from another V8 version or other flags. It is written once per bundle, V8 and
 * architecture: when the first activation without an accepted cache has the language server running,
 * plus SAVE_DELAY_MS (out of the way of the first diagnostics), atomically (a temporary file renamed).
 * A missing, unreadable or rejected cache = the bundle is compiled as it would be without one; a
 * directory that cannot be written = no cache, activation unchanged.
 *
 * The file starts with the sha256 of the V8 data after it, checked before V8 sees the data: V8 checks
 * only a cache's header (magic, version, flags, source length), and data damaged after the header
 * makes it abort the whole process (measured: a "Fatal error ... unreachable code" in the
 * deserialiser), which here would be the extension host, again at every start.
 */
import fs = require('fs');
import nodeModule = require('module');
import path = require('path');
import vm = require('vm');
import { cacheFileName, readCache, writeCache } from '../../server/src/util/v8CacheFile';
import type * as vscode from 'vscode';
import type * as Extension from './extension';

/** sha256 (hex) of dist/client-bundle.js as built, and its length in UTF-16 code units: scripts/build.mjs. */
declare const TRAINGUARD_BUNDLE_HASH: string;
declare const TRAINGUARD_BUNDLE_LENGTH: number;

export const BUNDLE_FILE = 'client-bundle.js';
/** The folder of the extension's global storage that holds the cache. */
export const CACHE_DIR = 'v8-code-cache';
/** After the language server is running: the cache then holds what starting the client compiled. */
const SAVE_DELAY_MS = 2000;

/** What happened to the code cache in this activation (for the tests and the benchmark). */
export interface CodeCacheState {
  /**
   * off: no file-system global storage; stale: dist/client-bundle.js is not the bundle this loader was
   * built with; absent: no cache yet (or unreadable); corrupt: the file's checksum does not match (not
   * given to V8); accepted / rejected: V8's answer to the cache read.
   */
  status: 'off' | 'stale' | 'absent' | 'corrupt' | 'accepted' | 'rejected';
  file?: string;
  /** Resolves once a new cache was written (true) or could not be (false); false at once when none is due. */
  saved: Promise<boolean>;
}

export let codeCache: CodeCacheState | undefined;
let extension: typeof Extension | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<Extension.TrainGuardApi> {
  const bundle = path.join(__dirname, BUNDLE_FILE);
  const source = fs.readFileSync(bundle, 'utf8');
  const state = cacheState(context, source);
  let cachedData: Buffer | undefined;
  if (state.status === 'absent' && state.file) {
    const read = readCache(state.file);
    if (read === null) state.status = 'corrupt';
    else cachedData = read;
  }
  // the wrapper Node's CommonJS loader uses (on the bundle's first line: its line numbers are kept)
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n});`, { filename: bundle, cachedData });
  if (cachedData) state.status = script.cachedDataRejected ? 'rejected' : 'accepted';
  const mod: { exports: typeof Extension } = { exports: {} as typeof Extension };
  // a require from the bundle's own path: VS Code answers `require('vscode')` by the requiring file
  (script.runInThisContext() as (...args: unknown[]) => void).call(mod.exports, mod.exports, nodeModule.createRequire(bundle), mod, bundle, __dirname);
  extension = mod.exports;
  codeCache = { ...state, saved: Promise.resolve(false) };
  const api = await extension.activate(context);
  const file = state.file;
  if (file && state.status !== 'accepted') {
    codeCache.saved = api
      .ready()
      .then(() => new Promise<boolean>((resolve) => setTimeout(() => resolve(save(script, file)), SAVE_DELAY_MS)))
      .catch(() => false);
  }
  return api;
}

export async function deactivate(): Promise<void> {
  await extension?.deactivate();
}

/** Where this bundle's cache is, if it may have one. */
function cacheState(context: vscode.ExtensionContext, source: string): Omit<CodeCacheState, 'saved'> {
  const storage = context.globalStorageUri;
  if (storage?.scheme !== 'file' || typeof storage.fsPath !== 'string') return { status: 'off' };
  // a bundle changed after the build (its hash here would be another's); the length is free to check
  if (source.length !== TRAINGUARD_BUNDLE_LENGTH) return { status: 'stale' };
  return { status: 'absent', file: path.join(storage.fsPath, CACHE_DIR, cacheFileName('client', TRAINGUARD_BUNDLE_HASH)) };
}

/** Writes the cache (holding every function compiled so far); the caches of older bundles or V8s go. */
function save(script: vm.Script, file: string): boolean {
  return writeCache(file, () => script.createCachedData());
}
