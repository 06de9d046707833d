/**
 * The CLI's start-up (issue 19; server/src/cli/codeCache.ts, scripts/build.mjs):
 * - dist/cli.js, what bin/trainguard.js loads, is the argument parser and the command table only:
 *   each command is its own bundle in dist/cli/, and `check` carries neither the run guard, the
 *   language server, nor the `estimate` command; the estimator inside it is initialised only when a
 *   file has a budget (TG101 requires it then);
 * - the cache folder: per user, overridable, never the project; off with TRAINGUARD_NO_CACHE;
 * - the cache files: written with a sha256 of the V8 data, which is checked before V8 sees it, so a
 *   damaged, truncated or foreign file is ignored (and replaced), never given to V8, never a crash;
 * - the real command with a cache absent, accepted, damaged, truncated, foreign (a valid checksum
 *   over data V8 rejects) or in a folder that cannot be written: the same output and exit code.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vm from 'vm';
import { cacheDir, cacheFile, cacheStates, loadBundle, readCache, saveCodeCaches, writeCache } from '../../server/src/cli/codeCache';
import { COMMANDS, loadCommand } from '../../server/src/cli/commands/index';
import { ROOT } from './helpers';

const DIST = path.join(ROOT, 'dist');
const BIN = path.join(ROOT, 'bin', 'trainguard.js');
const EXAMPLE = path.join(ROOT, 'examples', 'train.py');

const made: string[] = [];
function tempDir(): string {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tg-cache-test-')));
  made.push(d);
  return d;
}
after(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const sha256 = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest();

describe('CLI start-up: what dist/cli.js loads', () => {
  const entry = fs.readFileSync(path.join(DIST, 'cli.js'), 'utf8');
  const bundle = (name: string) => fs.readFileSync(path.join(DIST, 'cli', `${name}.js`), 'utf8');

  /** A string of each part the entry must not carry, and a bundle that does (so the marker is real). */
  const MARKERS: { what: string; marker: string; in: string }[] = [
    { what: 'the parser (web-tree-sitter)', marker: 'Language.load failed', in: 'check' },
    { what: 'the rules', marker: 'The estimated training time (folds x epochs x min/epoch x 1.2 + inference) exceeds the time budget', in: 'check' },
    { what: 'the formatters (cli/format.ts)', marker: 'https://json.schemastore.org/sarif-2.1.0.json', in: 'check' },
    { what: 'the estimator (server/src/estimator)', marker: 'validation samples not given: no validation time counted', in: 'estimate' },
    { what: 'the run guard runner (server/src/runguard)', marker: 'SIGKILL to process group', in: 'run' },
    { what: 'csv-parse', marker: 'CSV_INVALID_CLOSING_QUOTE', in: 'verify-submission' },
  ];

  it('dist/cli.js holds the command table and --help, none of the commands', () => {
    for (const { what, marker, in: where } of MARKERS) {
      assert.ok(bundle(where).includes(marker), `dist/cli/${where}.js has "${marker}" (${what})`);
      assert.ok(!entry.includes(marker), `${what} ("${marker}") is in dist/cli.js: it belongs to dist/cli/${where}.js`);
    }
    assert.ok(entry.length < 40_000, `dist/cli.js is ${entry.length} characters: something heavy is bundled into the entry`);
  });

  it('dist/cli/check.js carries no run guard, no language server, no estimate command', () => {
    const check = bundle('check');
    assert.ok(!check.includes('SIGKILL to process group'), 'the run guard is in the check bundle');
    assert.ok(!/createConnection|vscode-languageserver/.test(check), 'the language server is in the check bundle');
    assert.ok(!check.includes('Usage: trainguard estimate'), 'the estimate command is in the check bundle');
    // `trainguard lsp` requires the server bundle instead of carrying a second copy of it
    assert.ok(bundle('lsp').length < 10_000 && /require\("\.\.\/server\.js"\)/.test(bundle('lsp')), 'dist/cli/lsp.js requires dist/server.js');
  });

  it('in the check bundle the estimator is initialised only by TG101, when a file has a budget', () => {
    const check = bundle('check');
    assert.match(check, /var init_estimate = __esm\(/, 'the estimator is a lazily initialised module of the bundle');
    const calls = check.split('init_estimate()').length - 1;
    assert.strictEqual(calls, 1, 'init_estimate() is called from one place (TG101)');
    assert.match(check, /\(init_estimate\(\), __toCommonJS\(estimate_exports\)\)/);
  });

  it('from the TypeScript build, checking a file without a budget loads no estimator, run guard or language server', () => {
    const file = path.join(tempDir(), 'train.py');
    fs.copyFileSync(EXAMPLE, file);
    const withBudget = path.join(path.dirname(file), 'budget.py');
    fs.writeFileSync(withBudget, `# trainguard: budget=30m gpu=A10\n${fs.readFileSync(EXAMPLE, 'utf8')}`);
    const probe = (target: string) => {
      const script = `
        const { run } = require(${JSON.stringify(path.join(ROOT, 'out', 'server', 'src', 'cli', 'main.js'))});
        run(['check', ${JSON.stringify(target)}], { stdout: () => {}, stderr: () => {} }).then(() => {
          const src = ${JSON.stringify(path.join(ROOT, 'out', 'server', 'src') + path.sep)};
          const loaded = Object.keys(require.cache).filter((f) => f.startsWith(src)).map((f) => f.slice(src.length).split(require('path').sep).join('/'));
          process.stdout.write(JSON.stringify(loaded));
        });`;
      const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, TRAINGUARD_NO_CACHE: '1' } });
      assert.strictEqual(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as string[];
    };
    const plain = probe(file);
    assert.ok(plain.includes('rules/tg101-budget-exceeded.js') && plain.includes('cli/commands/check.js'), plain.join(', '));
    assert.deepStrictEqual(plain.filter((f) => /^(estimator|runguard|lsp)\//.test(f) || /^cli\/commands\/(?!check|index)/.test(f)), []);
    // the same with a budget: TG101 loads the estimator then (so the probe above can see it)
    assert.ok(probe(withBudget).includes('estimator/estimate.js'));
  });

  it('every command of the table loads, under its own name and summary', () => {
    for (const c of COMMANDS) {
      const command = loadCommand(c.name);
      assert.strictEqual(command.name, c.name);
      assert.strictEqual(command.summary, c.summary, `the summary of ${c.name} in commands/index.ts differs from its module's`);
    }
    const help = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    assert.strictEqual(help.status, 0);
    for (const c of COMMANDS) assert.ok(help.stdout.includes(`  ${c.summary}`), `--help lists ${c.name}`);
  });

  it('dist/cli.js is built with the hash and length of each command bundle', () => {
    for (const c of COMMANDS) {
      const text = bundle(c.name);
      assert.ok(entry.includes(crypto.createHash('sha256').update(text).digest('hex')), `dist/cli.js names another dist/cli/${c.name}.js`);
      assert.ok(new RegExp(`\\b${text.length}\\b`).test(entry), `dist/cli.js does not check the length of dist/cli/${c.name}.js`);
    }
  });
});

describe('CLI start-up: the cache folder', () => {
  const home = '/home/u';
  it('is per user and overridable; never relative; off with TRAINGUARD_NO_CACHE', () => {
    assert.strictEqual(cacheDir({}, 'linux', home), path.join(home, '.cache', 'trainguard'));
    assert.strictEqual(cacheDir({ XDG_CACHE_HOME: '/xdg' }, 'linux', home), path.join('/xdg', 'trainguard'));
    assert.strictEqual(cacheDir({ XDG_CACHE_HOME: 'relative/xdg' }, 'linux', home), path.join(home, '.cache', 'trainguard'), 'a relative XDG_CACHE_HOME is ignored (XDG)');
    assert.strictEqual(cacheDir({ TRAINGUARD_CACHE_DIR: '/c', XDG_CACHE_HOME: '/xdg' }, 'linux', home), path.resolve('/c'));
    assert.strictEqual(cacheDir({ TRAINGUARD_CACHE_DIR: '/c', TRAINGUARD_NO_CACHE: '1' }, 'linux', home), null);
    assert.strictEqual(cacheDir({ TRAINGUARD_NO_CACHE: '0' }, 'linux', home), path.join(home, '.cache', 'trainguard'), 'TRAINGUARD_NO_CACHE=0 leaves it on');
    assert.strictEqual(cacheDir({}, 'darwin', home), path.join(home, 'Library', 'Caches', 'trainguard'));
    assert.strictEqual(cacheDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', home), path.join('C:\\Users\\u\\AppData\\Local', 'trainguard', 'cache'));
    assert.strictEqual(cacheDir({}, 'linux', ''), null, 'no home, no XDG: no cache');
  });
});

describe('CLI start-up: cache files are validated before V8 sees them', () => {
  it('a file written here reads back; damaged, truncated, foreign, empty or missing ones do not', () => {
    const dir = tempDir();
    const file = path.join(dir, 'sub', 'x.v8cache');
    const data = crypto.randomBytes(4096);
    assert.ok(writeCache(file, () => data));
    assert.strictEqual((fs.statSync(file).mode & 0o777).toString(8), '600');
    assert.strictEqual((fs.statSync(path.dirname(file)).mode & 0o777).toString(8), '700');
    assert.ok(readCache(file)!.equals(data));

    const bytes = fs.readFileSync(file);
    const damaged = Buffer.from(bytes);
    damaged[2000] ^= 0xff;
    fs.writeFileSync(file, damaged);
    assert.strictEqual(readCache(file), null, 'one byte flipped in the data');
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 100));
    assert.strictEqual(readCache(file), null, 'truncated');
    fs.writeFileSync(file, bytes.subarray(0, 20));
    assert.strictEqual(readCache(file), null, 'shorter than its checksum');
    fs.writeFileSync(file, data);
    assert.strictEqual(readCache(file), null, 'raw V8 data without the checksum (a foreign file)');
    fs.writeFileSync(file, '');
    assert.strictEqual(readCache(file), null, 'empty');
    assert.strictEqual(readCache(path.join(dir, 'none.v8cache')), undefined, 'missing');
    assert.deepStrictEqual(fs.readdirSync(path.join(dir, 'sub')), ['x.v8cache'], 'no temporary file left behind');
  });

  it('a folder that cannot be written: false, nothing made, no data computed', () => {
    const dir = tempDir();
    const blocker = path.join(dir, 'file');
    fs.writeFileSync(blocker, 'not a folder');
    let made = false;
    assert.strictEqual(writeCache(path.join(blocker, 'x.v8cache'), () => ((made = true), Buffer.alloc(1))), false);
    assert.strictEqual(made, false);
  });

  it('loadBundle: absent -> written; a corrupt file is not given to V8, a foreign one V8 rejects; both replaced; stale and off have none', () => {
    // (whether a cache is accepted is seen across processes, below: in one process V8 answers a
    // source it has compiled before from its own in-memory cache, whatever data is given)
    const dir = tempDir();
    const cache = path.join(dir, 'cache');
    const make = (name: string) => {
      const bundle = path.join(dir, `${name}.js`);
      // a source no earlier test compiled (V8's in-memory cache would answer it)
      const source = `// ${crypto.randomBytes(8).toString('hex')}\nexports.answer = function answer(x) { return [1, 2, 3].map((i) => i * x).join(','); };\nexports.file = __filename;\n`;
      fs.writeFileSync(bundle, source);
      return { bundle, expected: { hash: sha256(Buffer.from(source)).toString('hex'), length: source.length } };
    };
    const load = (b: ReturnType<typeof make>, dirOrNull: string | null = cache, expected = b.expected) => {
      const mod = loadBundle<{ answer(x: number): string; file: string }>(b.bundle, expected, dirOrNull);
      assert.strictEqual(mod.answer(2), '2,4,6');
      assert.strictEqual(mod.file, b.bundle);
      return cacheStates().pop()!;
    };

    const a = make('a');
    const first = load(a);
    assert.strictEqual(first.status, 'absent');
    assert.strictEqual(first.file, cacheFile(cache, 'a', a.expected.hash));
    assert.ok(saveCodeCaches() >= 1);
    const file = first.file!;
    const good = readCache(file);
    assert.ok(good && good.length > 0, 'written, with its checksum');
    assert.strictEqual(saveCodeCaches(), 0, 'written once');

    const damaged = fs.readFileSync(file);
    damaged[damaged.length - 10] ^= 0xff;
    fs.writeFileSync(file, damaged);
    assert.strictEqual(load(a).status, 'corrupt');
    saveCodeCaches();
    assert.ok(readCache(file), 'the damaged file was replaced by a valid one');

    // a valid checksum over the data of another script: V8's own check refuses it
    const b = make('b');
    const other = new vm.Script(`function other${crypto.randomBytes(4).toString('hex')}() { return 42; }`);
    other.runInThisContext();
    const foreign = other.createCachedData();
    const bFile = cacheFile(cache, 'b', b.expected.hash);
    fs.writeFileSync(bFile, Buffer.concat([sha256(foreign), foreign]));
    assert.strictEqual(load(b).status, 'rejected');
    saveCodeCaches();
    assert.ok(readCache(bFile)!.length > 0 && !readCache(bFile)!.equals(foreign), 'the rejected file was replaced');

    assert.strictEqual(load(a, cache, { ...a.expected, length: a.expected.length + 1 }).status, 'stale');
    assert.strictEqual(load(a, null).status, 'off');
  });
});

describe('CLI start-up: trainguard check with its code cache', function () {
  this.timeout(120000);

  /** The CLI's outcome, and what its code cache did (TRAINGUARD_CACHE_TRACE's line, taken out of stderr). */
  const cli = (env: NodeJS.ProcessEnv) => {
    const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', TRAINGUARD_CACHE_TRACE: '1', ...env };
    if (env.TRAINGUARD_NO_CACHE === undefined) delete e.TRAINGUARD_NO_CACHE;
    const r = spawnSync(process.execPath, [BIN, 'check', EXAMPLE, '--output-format', 'json'], { encoding: 'utf8', env: e });
    const trace = r.stderr.split('\n').filter((l) => l.startsWith('trainguard: code cache: '));
    return { code: r.status, stdout: r.stdout, stderr: r.stderr.split('\n').filter((l) => !l.startsWith('trainguard: code cache: ')).join('\n'), cache: trace.map((l) => l.slice('trainguard: code cache: '.length)).join('; ') };
  };
  const checkCache = (dir: string) => fs.readdirSync(dir).filter((f) => /^check-[0-9a-f]{16}-.*\.v8cache$/.test(f));

  it('the same findings and exit code with no cache, a new one, an accepted one, a damaged, truncated or foreign one, and an unwritable folder', () => {
    const reference = cli({ TRAINGUARD_NO_CACHE: '1' });
    assert.strictEqual(reference.code, 1, reference.stderr);
    assert.strictEqual(reference.cache, 'check.js off');
    assert.ok((JSON.parse(reference.stdout) as unknown[]).length > 0);
    const same = (r: ReturnType<typeof cli>, what: string, cache: string) => {
      assert.strictEqual(r.cache, cache, what);
      assert.strictEqual(r.code, reference.code, `${what}: ${r.stderr}`);
      assert.strictEqual(r.stdout, reference.stdout, what);
      assert.strictEqual(r.stderr, reference.stderr, what);
    };

    const dir = path.join(tempDir(), 'cache');
    same(cli({ TRAINGUARD_CACHE_DIR: dir }), 'first run', 'check.js absent, written');
    const [name] = checkCache(dir);
    assert.ok(name, `the first run wrote the check bundle's cache (${fs.readdirSync(dir).join(', ')})`);
    const file = path.join(dir, name);
    const written = fs.readFileSync(file);
    assert.ok(readCache(file), 'with its checksum');
    same(cli({ TRAINGUARD_CACHE_DIR: dir }), 'cache accepted', 'check.js accepted');

    const damaged = Buffer.from(written);
    for (let i = 0; i < 64; i++) damaged[Math.floor(written.length / 2) + i] ^= 0xa5;
    fs.writeFileSync(file, damaged);
    same(cli({ TRAINGUARD_CACHE_DIR: dir }), 'damaged cache', 'check.js corrupt, written');
    assert.ok(readCache(file), 'the damaged cache was replaced');

    fs.writeFileSync(file, written.subarray(0, Math.floor(written.length / 3)));
    same(cli({ TRAINGUARD_CACHE_DIR: dir }), 'truncated cache', 'check.js corrupt, written');
    assert.ok(readCache(file), 'the truncated cache was replaced');

    const other = new vm.Script('function other() { return 42; } other();');
    other.runInThisContext();
    const foreign = other.createCachedData();
    fs.writeFileSync(file, Buffer.concat([sha256(foreign), foreign]));
    same(cli({ TRAINGUARD_CACHE_DIR: dir }), 'foreign cache (valid checksum, V8 rejects it)', 'check.js rejected, written');
    assert.ok(readCache(file)!.length > foreign.length, 'the foreign cache was replaced');
    same(cli({ TRAINGUARD_CACHE_DIR: dir }), 'the replacement', 'check.js accepted');

    const blocked = path.join(tempDir(), 'file');
    fs.writeFileSync(blocked, 'a file where the cache folder would be');
    same(cli({ TRAINGUARD_CACHE_DIR: blocked }), 'unwritable cache folder', 'check.js absent');
    assert.strictEqual(fs.readFileSync(blocked, 'utf8'), 'a file where the cache folder would be');
  });

  it('writes nothing into the project, nor without a cache folder', () => {
    const project = tempDir();
    fs.copyFileSync(EXAMPLE, path.join(project, 'train.py'));
    const home = tempDir();
    const r = spawnSync(process.execPath, [BIN, 'check', 'train.py'], { cwd: project, encoding: 'utf8', env: { ...process.env, HOME: home, XDG_CACHE_HOME: '', TRAINGUARD_CACHE_DIR: '', TRAINGUARD_NO_CACHE: '' } });
    assert.strictEqual(r.status, 1, r.stderr);
    assert.deepStrictEqual(fs.readdirSync(project), ['train.py']);
    if (process.platform === 'linux') assert.strictEqual(checkCache(path.join(home, '.cache', 'trainguard')).length, 1, 'the default folder is ~/.cache/trainguard');
    const off = spawnSync(process.execPath, [BIN, 'check', 'train.py'], { cwd: project, encoding: 'utf8', env: { ...process.env, HOME: tempDir(), TRAINGUARD_NO_CACHE: '1' } });
    assert.strictEqual(off.status, 1, off.stderr);
    assert.deepStrictEqual(fs.readdirSync(project), ['train.py']);
  });
});
