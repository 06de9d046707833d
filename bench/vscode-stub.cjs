// The `vscode` module replaced by a stub that answers every API call, for loading the extension's
// bundles in plain Node (bench/activate.cjs, test/unit/bundles.test.ts). Requiring this file installs
// it: afterwards `require('vscode')` from any file gives the stub. Exports the stub and an
// ExtensionContext for the repository as the extension.
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

const root = path.resolve(__dirname, '..');
// the bundle copies the module's own properties (esbuild's __toESM): give the stub every name the
// API declares (read from @types/vscode), each a stub itself
const vscode = stub('vscode');
const declared = require('fs')
  .readFileSync(require.resolve('@types/vscode/index.d.ts'), 'utf8')
  .matchAll(/^\s{1,4}export (?:declare )?(?:class|namespace|enum|function|const|let|var) ([A-Za-z_]+)/gm);
const api = {};
for (const [, name] of declared) api[name] = vscode[name];
api.version = require(path.join(root, 'package.json')).engines.vscode.replace(/^\D*/, '');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'vscode') return 'vscode';
  return resolve.call(this, request, ...rest);
};
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: api };

/**
 * An ExtensionContext for the extension in `root`. With `globalStorage` (a folder), its global storage
 * is that folder on disk (where dist/client.js keeps its code cache); without, it is a stub, as in a
 * host whose storage is not a file system (no code cache).
 */
function extensionContext(globalStorage) {
  return {
    subscriptions: [],
    extensionPath: root,
    extensionUri: vscode.Uri,
    asAbsolutePath: (p) => path.join(root, p),
    globalState: { get: () => undefined, update: async () => undefined, keys: () => [] },
    workspaceState: { get: () => undefined, update: async () => undefined, keys: () => [] },
    storageUri: undefined,
    globalStorageUri: globalStorage ? { scheme: 'file', fsPath: path.resolve(globalStorage) } : vscode.Uri,
    logUri: vscode.Uri,
    extensionMode: 1,
    environmentVariableCollection: vscode.EnvironmentVariableCollection,
  };
}

module.exports = { vscode, api, root, extensionContext };
