// Extension activation, measured outside VS Code (part of `npm run bench`): loads dist/client.js
// the way VS Code does (require) with the `vscode` module replaced by a stub that answers every API
// call, runs activate() and prints the milliseconds from the require to activate()'s
// return. The language server is started by activate() without being awaited, as in VS Code; what
// VS Code's own extension host adds around activation is not included. Prints one number.
'use strict';
const Module = require('module');
const path = require('path');

/** A value that is every API at once: callable, constructible, any property, never a thenable. */
function stub(name) {
  const fn = function () {};
  const cache = {};
  return new Proxy(fn, {
    get(target, prop) {
      if (prop === 'then' || prop === '__esModule') return undefined;
      if (prop === Symbol.toPrimitive) return () => 0;
      if (prop === Symbol.iterator) return function* () {};
      if (prop === 'prototype') return target.prototype;
      if (!(prop in cache)) cache[prop] = stub(`${name}.${String(prop)}`);
      return cache[prop];
    },
    apply() {
      return stub(`${name}()`);
    },
    construct() {
      return stub(`new ${name}`);
    },
  });
}

// the bundle copies the module's own properties (esbuild's __toESM): give the stub every name the
// API declares (read from @types/vscode), each a stub itself
const vscode = stub('vscode');
const declared = require('fs')
  .readFileSync(require.resolve('@types/vscode/index.d.ts'), 'utf8')
  .matchAll(/^\s{1,4}export (?:declare )?(?:class|namespace|enum|function|const|let|var) ([A-Za-z_]+)/gm);
const api = {};
for (const [, name] of declared) api[name] = vscode[name];
api.version = require(path.resolve(__dirname, '..', 'package.json')).engines.vscode.replace(/^\D*/, '');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'vscode') return 'vscode';
  return resolve.call(this, request, ...rest);
};
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: api };

const root = path.resolve(__dirname, '..');
const t0 = process.hrtime.bigint();
const ext = require(path.join(root, 'dist', 'client.js'));
const context = {
  subscriptions: [],
  extensionPath: root,
  extensionUri: vscode.Uri,
  asAbsolutePath: (p) => path.join(root, p),
  globalState: { get: () => undefined, update: async () => undefined, keys: () => [] },
  workspaceState: { get: () => undefined, update: async () => undefined, keys: () => [] },
  storageUri: undefined,
  globalStorageUri: vscode.Uri,
  logUri: vscode.Uri,
  extensionMode: 1,
  environmentVariableCollection: vscode.EnvironmentVariableCollection,
};
Promise.resolve(ext.activate(context)).then(
  () => {
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    process.stdout.write(`${ms.toFixed(2)}\n`);
    process.exit(0);
  },
  (e) => {
    process.stderr.write(`activate() failed: ${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  },
);
