/**
 * The client's bundles (scripts/build.mjs): dist/client.js is what activation loads, and the
 * features that are heavy and only needed when first used are their own bundles in dist/lazy/,
 * `require`d by client/src/lazyBundle.ts on the first command or view. Checked here:
 * - the lazily loaded code (the estimator, the run guard's runner, the CSV parser, the panel) is not
 *   in dist/client.js, and is in its own bundle (so the markers looked for are real);
 * - the lazy bundles carry no second copy of vscode-languageclient (they import only its types);
 * - client.js copies no module's exports at load: `import * as vscode from 'vscode'` (or a named
 *   import from vscode-languageclient or a Node module) makes esbuild wrap the module in `__toESM`,
 *   which defines a getter for each of its ~400 (vscode) or ~320 (vscode-languageclient/node) names,
 *   once per importing file; the client's sources write `import vscode = require('vscode')`;
 * - dist/client.js loaded in Node with `vscode` stubbed (bench/vscode-stub.cjs, as the activation
 *   benchmark does) and activate() run leaves dist/lazy/ unloaded; each lazy bundle then loads and
 *   exports what the registrations call.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
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
  it('dist/client.js holds none of the lazily loaded code; each lazy bundle holds its own', () => {
    const client = read('client.js');
    for (const { what, marker, bundle } of LAZY_MARKERS) {
      assert.ok(read(bundle).includes(marker), `dist/${bundle} should hold ${what} ("${marker}")`);
      assert.ok(!client.includes(marker), `${what} ("${marker}") is in dist/client.js: it is loaded on first use from dist/${bundle}`);
    }
  });

  it('the lazy bundles carry no copy of vscode-languageclient (the client bundle does)', () => {
    // a JSON-RPC header (vscode-jsonrpc) and a protocol method (vscode-languageserver-protocol)
    const markers = ['Content-Length', 'textDocument/didOpen'];
    for (const m of markers) assert.ok(read('client.js').includes(m), `dist/client.js has "${m}"`);
    for (const name of Object.keys(LAZY_EXPORTS)) {
      const bundle = read(`lazy/${name}.js`);
      for (const m of markers) assert.ok(!bundle.includes(m), `dist/lazy/${name}.js has "${m}": it imports a value from vscode-languageclient`);
    }
  });

  it('client/src imports vscode, vscode-languageclient and Node modules with import = require(), so client.js copies no exports at load', () => {
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
    const client = read('client.js');
    // esbuild's helper keeps its name in the unminified build only
    if (client.includes('var __commonJS = ')) assert.ok(!client.includes('__toESM('), 'dist/client.js wraps a module in __toESM');
  });

  it('activate() loads no lazy bundle; each loads afterwards in Node with vscode stubbed', function () {
    this.timeout(60000);
    const script = `
      const path = require('path');
      const { root, extensionContext } = require(${JSON.stringify(path.join(ROOT, 'bench', 'vscode-stub.cjs'))});
      const ext = require(path.join(root, 'dist', 'client.js'));
      Promise.resolve(ext.activate(extensionContext())).then(() => {
        const dist = path.join(root, 'dist') + path.sep;
        const atActivation = Object.keys(require.cache).filter((f) => f.startsWith(dist)).map((f) => path.relative(root, f));
        const exports = {};
        for (const name of ${JSON.stringify(Object.keys(LAZY_EXPORTS))}) {
          const m = require(path.join(root, 'dist', 'lazy', name + '.js'));
          exports[name] = Object.keys(m).filter((k) => typeof m[k] === 'function');
        }
        process.stdout.write(JSON.stringify({ atActivation, exports }));
        process.exit(0);
      }, (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 50000 });
    assert.strictEqual(r.status, 0, `the stubbed activation failed: ${r.stderr}`);
    const { atActivation, exports } = JSON.parse(r.stdout) as { atActivation: string[]; exports: Record<string, string[]> };
    assert.deepStrictEqual(atActivation.map((f) => f.split(path.sep).join('/')), ['dist/client.js']);
    for (const [name, expected] of Object.entries(LAZY_EXPORTS)) {
      for (const e of expected) assert.ok(exports[name].includes(e), `dist/lazy/${name}.js exports ${e} (has ${exports[name].join(', ')})`);
    }
  });
});
