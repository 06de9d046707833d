/**
 * The file format of a V8 code cache, shared by the extension's loader (client/src/loader.ts) and the
 * CLI's command bundles (server/src/cli/codeCache.ts): the sha256 of the V8 data, then the data. The
 * checksum is compared before V8 sees the data, because a damaged cache can abort the whole process
 * inside V8's deserialiser. Node built-ins only: the loader bundles this and must stay small.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

export const CACHE_SUFFIX = '.v8cache';
const HASH_BYTES = 32;

/** The cache file's name for one bundle (hash = the bundle's sha256 in hex), per architecture and V8. */
export function cacheFileName(bundleName: string, hash: string): string {
  const v8 = process.versions.v8.replace(/[^\w.-]/g, '_');
  return `${bundleName}-${hash.slice(0, 16)}-${process.arch}-${v8}${CACHE_SUFFIX}`;
}

const sha256 = (data: Uint8Array) => crypto.createHash('sha256').update(data).digest();

/**
 * The V8 data of a cache file: undefined when there is none (or it cannot be read), null when the
 * file is not one this module wrote for this data (too short, checksum wrong: damaged, truncated, foreign).
 */
export function readCache(file: string): Buffer | undefined | null {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  const data = bytes.subarray(HASH_BYTES);
  return bytes.length > HASH_BYTES && sha256(data).equals(bytes.subarray(0, HASH_BYTES)) ? data : null;
}

/**
 * Writes the data `make` returns, with its checksum, atomically; false (and nothing left behind) when
 * it cannot. The temporary file is opened first: a folder that cannot be written costs no `make`.
 */
export function writeCache(file: string, make: () => Uint8Array): boolean {
  const dir = path.dirname(file);
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  let fd: number | undefined;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fd = fs.openSync(tmp, 'wx', 0o600);
    const data = make();
    fs.writeFileSync(fd, Buffer.concat([sha256(data), data]));
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch {
    try {
      if (fd !== undefined) fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
    } catch {
      // the folder could not be made: there is no temporary file either
    }
    return false;
  }
  // the caches of other builds of the same bundle (an older version, another V8) are only unused files now
  try {
    const prefix = path.basename(file).replace(/-[0-9a-f]{16}-.*$/, '-');
    for (const f of fs.readdirSync(dir)) {
      if (f.startsWith(prefix) && f.endsWith(CACHE_SUFFIX) && f !== path.basename(file) && /^[0-9a-f]{16}-/.test(f.slice(prefix.length))) fs.rmSync(path.join(dir, f), { force: true });
    }
  } catch {
    // another run may be cleaning up too
  }
  return true;
}
