/**
 * The client's bundles (scripts/build.mjs): dist/client.js (package.json `main`, client/src/loader.ts)
 * loads dist/client-bundle.js, the extension and the language client library, with a V8 code cache;
 * the features that are heavy and only needed when first used are their own bundles in dist/lazy/,
 * `require`d by client/src/lazyBundle.ts on the first command or view. Checked here:
 * - the lazily loaded code (the estimator, the run guard's runner, the CSV parser, the panel) is not
 *   in dist/client-bundle.js, and is in its own bundle (so the markers looked for are real);
 * - the lazy bundles carry no second copy of vscode-languageclient (they import only its types), nor
 *   does the loader;
 * - client-bundle.js copies no module's exports at load: `import * as vscode from 'vscode'` (or a named
 *   import from vscode-languageclient or a Node module) makes esbuild wrap the module in `__toESM`,
 *   which defines a getter for each of its ~400 (vscode) or ~320 (vscode-languageclient/node) names,
 *   once per importing file; the client's sources write `import vscode = require('vscode')`;
 * - dist/client.js loaded in Node with `vscode` stubbed (bench/vscode-stub.cjs, as the activation
 *   benchmark does) and activate() run leaves dist/lazy/ unloaded; each lazy bundle then loads and
 *   exports what the registrations call;
 * - the code cache: the loader is built with the bundle's hash and length; a first activation writes
 *   the cache, the next one has it accepted; a damaged cache is caught by its checksum, one V8 does not
 *   accept is rejected, both are replaced; a storage that cannot hold it and a bundle changed after
 *   the build (stale) still activate, without a cache.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT } from './helpers';

const DIST = path.join(ROOT, 'dist');
const read = (f: string) => fs.readFileSync(path.join(DIST, f), 'utf8');

/** A string literal of each lazily loaded module (they survive minification), and the bundle that has it. */
const LAZY_MARKERS: { what: string; marker: string; bundle: string }[] = [
  { what: 'the estimator (server/src/estimator)', marker: 'validation samples not given: no validation time counted', bundle: 'lazy/panel.js' },
  { what: 'the budget panel (client/src/lazy/panel.ts)', marker: 'budget panel: dropped an unexpected message', bundle: 'lazy/panel.js' },
  { what: 'the run guard runner (server/src/runguard)', marker: 'SIGKILL to process group', bundle: 'lazy/runGuard.js' },
  { what: 'csv-parse', marker: 'CSV_INVALID_CLOSING_QUOTE', bundle: 'lazy/verifySubmission.js' },
  { what: 'the submission check (server/src/submission)', marker: 'not a CSV file: it holds NUL bytes (binary data)', bundle: 'lazy/verifySubmission.js' },
];
const LAZY_EXPORTS: Record<string, string[]> = {
  panel: ['BudgetPanel'],
  runGuard: ['createRunGuard'],
  verifySubmission: ['verifySubmissionCommand'],
};

describe('client bundles: what activation loads', () => {
  it('dist/client-bundle.js holds none of the lazily loaded code; each lazy bundle holds its own', () => {
    const client = read('client-bundle.js');
    for (const { what, marker, bundle } of LAZY_MARKERS) {
      assert.ok(read(bundle).includes(marker), `dist/${bundle} should hold ${what} ("${marker}")`);
      assert.ok(!client.includes(marker), `${what} ("${marker}") is in dist/client-bundle.js: it is loaded on first use from dist/${bundle}`);
    }
  });

  it('the lazy bundles and the loader carry no copy of vscode-languageclient (the client bundle does)', () => {
    // a JSON-RPC header (vscode-jsonrpc) and a protocol method (vscode-languageserver-protocol)
    const markers = ['Content-Length', 'textDocument/didOpen'];
    for (const m of markers) assert.ok(read('client-bundle.js').includes(m), `dist/client-bundle.js has "${m}"`);
    for (const name of [...Object.keys(LAZY_EXPORTS).map((n) => `lazy/${n}`), 'client']) {
      const bundle = read(`${name}.js`);
      for (const m of markers) assert.ok(!bundle.includes(m), `dist/${name}.js has "${m}": it imports a value from vscode-languageclient`);
    }
  });

  it('client/src imports vscode, vscode-languageclient and Node modules with import = require(), so client-bundle.js copies no exports at load', () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else if (e.name.endsWith('.ts')) files.push(path.join(d, e.name));
      }
    };
    walk(path.join(ROOT, 'client', 'src'));
    // value imports of a package (`import type` is erased); relative imports are bundled ES modules, no copy
    const copying = /^import (?!type\b)(?:\* as \w+|\{[^}]*\}|\w+) from '(?!\.)[^']+';/m;
    const offenders = files.filter((f) => copying.test(fs.readFileSync(f, 'utf8')));
    assert.deepStrictEqual(offenders.map((f) => path.relative(ROOT, f)), []);
    const client = read('client-bundle.js');
    // esbuild's helper keeps its name in the unminified build only
    if (client.includes('var __commonJS = ')) assert.ok(!client.includes('__toESM('), 'dist/client-bundle.js wraps a module in __toESM');
  });

  it('activate() loads no lazy bundle; each loads afterwards in Node with vscode stubbed', function () {
    this.timeout(60000);
    const script = `
      const path = require('path');
      const { root, extensionContext } = require(${JSON.stringify(path.join(ROOT, 'bench', 'vscode-stub.cjs'))});
      const ext = require(path.join(root, 'dist', 'client.js'));
      Promise.resolve(ext.activate(extensionContext())).then((api) => {
        const dist = path.join(root, 'dist') + path.sep;
        const atActivation = Object.keys(require.cache).filter((f) => f.startsWith(dist)).map((f) => path.relative(root, f));
        const exports = {};
        for (const name of ${JSON.stringify(Object.keys(LAZY_EXPORTS))}) {
          const m = require(path.join(root, 'dist', 'lazy', name + '.js'));
          exports[name] = Object.keys(m).filter((k) => typeof m[k] === 'function');
        }
        process.stdout.write(JSON.stringify({ atActivation, exports, api: Object.keys(api).sort(), cache: ext.codeCache.status }));
        process.exit(0);
      }, (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 50000 });
    assert.strictEqual(r.status, 0, `the stubbed activation failed: ${r.stderr}`);
    const { atActivation, exports, api, cache } = JSON.parse(r.stdout) as { atActivation: string[]; exports: Record<string, string[]>; api: string[]; cache: string };
    // the loader runs the bundle's activate() and returns its API (the e2e tests use it)
    assert.deepStrictEqual(api, ['client', 'ready']);
    // a stubbed global storage is no file system: no code cache
    assert.strictEqual(cache, 'off');
    // dist/client-bundle.js is compiled by the loader (vm.Script), not required: not in require.cache
    assert.deepStrictEqual(atActivation.map((f) => f.split(path.sep).join('/')), ['dist/client.js']);
    for (const [name, expected] of Object.entries(LAZY_EXPORTS)) {
      for (const e of expected) assert.ok(exports[name].includes(e), `dist/lazy/${name}.js exports ${e} (has ${exports[name].join(', ')})`);
    }
  });
});

describe('client bundles: the code cache (client/src/loader.ts)', () => {
  interface Activation {
    status: string;
    file?: string;
    saved: boolean;
    api: string[];
  }
  const tmp: string[] = [];
  const tempDir = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-code-cache-'));
    tmp.push(d);
    return d;
  };
  after(() => {
    for (const d of tmp) fs.rmSync(d, { recursive: true, force: true });
  });

  /** Activates dist/client.js (or the loader in `dist`) with its global storage in `storage`; waits for the cache to be saved. */
  function activation(storage: string, dist = DIST): Activation {
    const script = `
      const path = require('path');
      const { extensionContext } = require(${JSON.stringify(path.join(ROOT, 'bench', 'vscode-stub.cjs'))});
      const ext = require(${JSON.stringify(path.join(dist, 'client.js'))});
      Promise.resolve(ext.activate(extensionContext(${JSON.stringify(storage)}))).then(async (api) => {
        const { status, file } = ext.codeCache;
        const saved = await ext.codeCache.saved;
        process.stdout.write(JSON.stringify({ status, file, saved, api: Object.keys(api).sort() }));
        process.exit(0);
      }, (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 50000 });
    assert.strictEqual(r.status, 0, `the stubbed activation failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as Activation;
  }
  const cacheFiles = (storage: string) => {
    const dir = path.join(storage, 'v8-code-cache');
    return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
  };

  it('only client/src/loader.ts uses vm, and it compiles only its own bundle file (SECURITY.md)', () => {
    const users: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else if (e.name.endsWith('.ts') && /['"](?:node:)?vm['"]/.test(fs.readFileSync(path.join(d, e.name), 'utf8'))) users.push(path.relative(ROOT, path.join(d, e.name)));
      }
    };
    walk(path.join(ROOT, 'client', 'src'));
    assert.deepStrictEqual(users.map((f) => f.split(path.sep).join('/')), ['client/src/loader.ts']);
    const loader = fs.readFileSync(path.join(ROOT, 'client', 'src', 'loader.ts'), 'utf8');
    assert.deepStrictEqual(loader.match(/new vm\.\w+\(/g), ['new vm.Script('], 'loader.ts compiles one script');
    assert.ok(/const bundle = path\.join\(__dirname, BUNDLE_FILE\);/.test(loader) && /fs\.readFileSync\(bundle, 'utf8'\)/.test(loader), 'the script is dist/client-bundle.js, read from the loader\'s own folder');
  });

  it('dist/client.js is built with the hash and length of dist/client-bundle.js', () => {
    const bundle = read('client-bundle.js');
    const loader = read('client.js');
    assert.ok(loader.includes(crypto.createHash('sha256').update(bundle).digest('hex')), 'dist/client.js names another bundle: scripts/build.mjs builds it after the bundle');
    assert.ok(new RegExp(`\\b${bundle.length}\\b`).test(loader), `dist/client.js does not check the bundle's length (${bundle.length})`);
    assert.ok(loader.includes("'client-bundle.js'") || loader.includes('"client-bundle.js"'), 'dist/client.js loads dist/client-bundle.js');
  });

  it('a first activation writes the cache (and removes other bundles\' caches), the next one has it accepted', function () {
    this.timeout(120000);
    const storage = tempDir();
    fs.mkdirSync(path.join(storage, 'v8-code-cache'));
    const old = 'client-0123456789abcdef-x64-1.2.3.v8cache';
    fs.writeFileSync(path.join(storage, 'v8-code-cache', old), 'an older bundle');
    const first = activation(storage);
    assert.deepStrictEqual(first.api, ['client', 'ready']);
    assert.strictEqual(first.status, 'absent');
    assert.strictEqual(first.saved, true, 'the first activation wrote no code cache');
    assert.ok(first.file && fs.statSync(first.file).size > 100000, `the cache holds the compiled functions (${first.file})`);
    assert.deepStrictEqual(cacheFiles(storage), [path.basename(first.file)]);
    const second = activation(storage);
    assert.strictEqual(second.status, 'accepted');
    assert.strictEqual(second.saved, false, 'an accepted cache is not written again');
    assert.deepStrictEqual(second.api, ['client', 'ready']);
  });

  it('a cache damaged after its header is caught by its checksum (V8 would abort the process) and replaced', function () {
    this.timeout(120000);
    const storage = tempDir();
    const { file } = activation(storage);
    assert.ok(file);
    const bytes = fs.readFileSync(file);
    // the middle of the V8 data, past the checksum and V8's own header: given to V8, this aborts Node
    for (let i = bytes.length >> 1; i < (bytes.length >> 1) + 64; i++) bytes[i] ^= 0xff;
    fs.writeFileSync(file, bytes);
    const damaged = activation(storage);
    assert.strictEqual(damaged.status, 'corrupt');
    assert.deepStrictEqual(damaged.api, ['client', 'ready']);
    assert.strictEqual(damaged.saved, true);
    assert.strictEqual(activation(storage).status, 'accepted');
  });

  it('a cache V8 does not accept (another V8, other flags, foreign data) is rejected and replaced; activation is unchanged', function () {
    this.timeout(120000);
    const storage = tempDir();
    const { file } = activation(storage);
    assert.ok(file);
    const foreign = crypto.randomBytes(fs.statSync(file).size - 32);
    fs.writeFileSync(file, Buffer.concat([crypto.createHash('sha256').update(foreign).digest(), foreign]));
    const rejected = activation(storage);
    assert.strictEqual(rejected.status, 'rejected');
    assert.deepStrictEqual(rejected.api, ['client', 'ready']);
    assert.strictEqual(rejected.saved, true);
    assert.strictEqual(activation(storage).status, 'accepted');
  });

  it('a storage that cannot hold the cache (a file, not a folder) still activates, without a cache', function () {
    this.timeout(60000);
    const storage = path.join(tempDir(), 'not-a-folder');
    fs.writeFileSync(storage, '');
    const a = activation(storage);
    assert.deepStrictEqual(a.api, ['client', 'ready']);
    assert.strictEqual(a.status, 'absent');
    assert.strictEqual(a.saved, false);
  });

  it('a bundle changed after the build is stale: no cache is read or written', function () {
    this.timeout(60000);
    const storage = tempDir();
    const dist = tempDir();
    fs.copyFileSync(path.join(DIST, 'client.js'), path.join(dist, 'client.js'));
    fs.writeFileSync(path.join(dist, 'client-bundle.js'), `${read('client-bundle.js')}\n// changed\n`);
    const a = activation(storage, dist);
    assert.deepStrictEqual(a.api, ['client', 'ready']);
    assert.strictEqual(a.status, 'stale');
    assert.strictEqual(a.saved, false);
    assert.deepStrictEqual(cacheFiles(storage), []);
  });
});
