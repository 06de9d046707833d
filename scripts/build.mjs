// Bundles the client, the language server and the CLI with esbuild, and copies the two WebAssembly
// files (tree-sitter runtime + Python grammar) beside them: the extension loads them from its own folder.
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
mkdirSync('dist', { recursive: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
  // web-tree-sitter's CommonJS build reads import.meta.url to find itself; give it this bundle's URL
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "const __importMetaUrl = require('url').pathToFileURL(__filename).href;" },
};

// The language server starts no process (SECURITY.md). vscode-languageserver's module-resolution
// helpers (Files.resolve*, never called by Train Guard) require child_process; in the server bundle it
// is replaced by a module whose functions throw, so dist/server.js cannot start one
// (test/unit/security.test.ts checks the bundle).
const refuseChildProcess = {
  name: 'refuse-child-process',
  setup(build) {
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) => ({ path: args.path, namespace: 'refuse-child-process' }));
    build.onLoad({ filter: /.*/, namespace: 'refuse-child-process' }, () => ({
      loader: 'js',
      contents: `const refuse = (name) => () => { throw new Error('the Train Guard language server starts no process (child_process.' + name + ' refused)'); };
for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) exports[name] = refuse(name);`,
    }));
  },
};

// Feature implementations the client loads on first use (client/src/lazyBundle.ts), each its own
// bundle so activation neither compiles nor initialises them. They import only types from
// vscode-languageclient: a value import would bundle a second copy of it, so it fails the build.
const onlyTypesFromLanguageClient = {
  name: 'only-types-from-languageclient',
  setup(build) {
    build.onResolve({ filter: /^vscode-languageclient($|\/)/ }, (args) => ({
      errors: [{ text: `${args.importer} imports a value from ${args.path}: a lazily loaded feature gets the client's state from its FeatureHost (client/src/lazy/host.ts)` }],
    }));
  },
};
const lazyFeatures = ['panel', 'runGuard', 'verifySubmission'].map((name) => `client/src/lazy/${name}.ts`);

// dist/client.js (package.json `main`) is client/src/loader.ts: it loads the extension, dist/client-bundle.js,
// with a V8 code cache keyed by the bundle's content hash, which it is built with: after every build of the
// bundle (watch mode too), so the two never disagree.
const loaderOf = (bundleFile) => {
  const text = readFileSync(bundleFile, 'utf8');
  return {
    ...common,
    banner: {},
    entryPoints: ['client/src/loader.ts'],
    outfile: 'dist/client.js',
    external: ['vscode'],
    define: {
      ...common.define,
      TRAINGUARD_BUNDLE_HASH: JSON.stringify(createHash('sha256').update(text).digest('hex')),
      TRAINGUARD_BUNDLE_LENGTH: String(text.length),
    },
  };
};
const withLoader = {
  name: 'client-loader',
  setup(build) {
    build.onEnd(async (result) => {
      if (result.errors.length === 0) await esbuild.build(loaderOf(build.initialOptions.outfile));
    });
  },
};

// The CLI (bin/trainguard.js -> dist/cli.js): the entry holds the argument parser, the command table
// and --help; each command is its own bundle, dist/cli/NAME.js, loaded by the entry when that command
// runs, compiled with a V8 code cache (server/src/cli/codeCache.ts). The entry is built after the
// command bundles with their sha256 and length (TRAINGUARD_CLI_BUNDLES), which name and check their
// caches.
const CLI_COMMANDS = ['check', 'rules', 'estimate', 'lsp', 'verify-submission', 'run'];
// A command bundle is compiled by vm.Script, which has no loader for a dynamic import():
// web-tree-sitter's ES module build (what esbuild picks for an `import`) gets Node's `module`
// and `fs/promises` that way; they are given the bundle's own `require` instead. The build fails if
// the text is no longer there (a new web-tree-sitter), so nothing is left to fail at run time.
const noDynamicImport = {
  name: 'no-dynamic-import',
  setup(build) {
    build.onLoad({ filter: /[\\/]web-tree-sitter[\\/]web-tree-sitter\.js$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      for (const mod of ['module', 'fs/promises']) {
        const call = `await import("${mod}")`;
        if (!text.includes(call)) throw new Error(`${args.path}: no ${call} to replace (scripts/build.mjs, no-dynamic-import)`);
        text = text.split(call).join(`__tgRequire(${JSON.stringify(mod)})`);
      }
      if (/\bimport\(/.test(text.replace(/\/\/.*$/gm, ''))) throw new Error(`${args.path}: a dynamic import() is left (scripts/build.mjs, no-dynamic-import)`);
      return { contents: text, loader: 'js' };
    });
  },
};
// `trainguard lsp` requires dist/server.js (server/src/lsp/main.ts exports startServer) instead of
// bundling a second copy of the language server
const lspFromServerBundle = {
  name: 'lsp-from-server-bundle',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/\.\.\/lsp\/server$/ }, () => ({ path: '../server.js', external: true }));
  },
};
const cliCommandBundles = {
  ...common,
  entryPoints: CLI_COMMANDS.map((name) => ({ in: `server/src/cli/commands/${name}.ts`, out: name })),
  outdir: 'dist/cli',
  banner: { js: `${common.banner.js} const __tgRequire = require;` },
  plugins: [noDynamicImport, lspFromServerBundle],
};
const cliEntry = () => {
  const bundles = {};
  for (const name of CLI_COMMANDS) {
    const text = readFileSync(`dist/cli/${name}.js`, 'utf8');
    bundles[name] = { hash: createHash('sha256').update(text).digest('hex'), length: text.length };
  }
  return {
    ...common,
    entryPoints: ['server/src/cli/main.ts'],
    outfile: 'dist/cli.js',
    define: { ...common.define, TRAINGUARD_CLI_BUNDLES: JSON.stringify(bundles) },
  };
};
const withCliEntry = {
  name: 'cli-entry',
  setup(build) {
    build.onEnd(async (result) => {
      if (result.errors.length === 0) await esbuild.build(cliEntry());
    });
  },
};

const builds = [
  { ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/client-bundle.js', external: ['vscode'], plugins: [withLoader] },
  { ...common, entryPoints: lazyFeatures, outdir: 'dist/lazy', external: ['vscode'], plugins: [onlyTypesFromLanguageClient] },
  { ...common, entryPoints: ['server/src/lsp/main.ts'], outfile: 'dist/server.js', plugins: [refuseChildProcess] },
  { ...cliCommandBundles, plugins: [...cliCommandBundles.plugins, withCliEntry] },
  // The budget panel's page: runs in the webview (a browser), with the estimator core bundled in.
  { bundle: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: !production, minify: production, logLevel: 'warning', legalComments: 'none', entryPoints: ['client/src/panel/main.ts'], outfile: 'dist/panel.js' },
  // the CLI's worker threads (check on all cores): loaded by dist/cli.js from its own folder
  { ...common, entryPoints: ['server/src/cli/worker.ts'], outfile: 'dist/cli-worker.js' },
  // the language server's index thread (summaries of the workspace's modules): loaded by dist/server.js from its own folder
  { ...common, entryPoints: ['server/src/lsp/indexWorker.ts'], outfile: 'dist/index-worker.js' },
];

copyFileSync(join(dirname(require.resolve('web-tree-sitter')), 'web-tree-sitter.wasm'), 'dist/web-tree-sitter.wasm');
copyFileSync(require.resolve('tree-sitter-python/tree-sitter-python.wasm'), 'dist/tree-sitter-python.wasm');

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
