// Extension activation, measured outside VS Code (part of `npm run bench`): loads dist/client.js
// the way VS Code does (require) with the `vscode` module replaced by a stub that answers every API
// call (bench/vscode-stub.cjs), runs activate() and prints the milliseconds from the require to
// activate()'s return. The language server is started by activate() without being awaited, as in
// VS Code; what VS Code's own extension host adds around activation is not included. Prints one number.
//
//   node bench/activate.cjs [--storage=DIR] [--cpu] [--save]
//
// --storage=DIR: the extension's global storage is DIR, where dist/client.js keeps its V8 code cache
//   (client/src/loader.ts): an empty DIR measures a first activation, a DIR that holds the cache a
//   later one. Without it the storage is a stub and there is no code cache.
// --cpu: prints the process's CPU time over the same span after the milliseconds ("wall cpu").
// --save: after measuring, waits until the code cache is written (the language server running, then
//   the loader's delay) and exits non-zero if it was not (to prepare a DIR for later activations).
'use strict';
const path = require('path');
const { root, extensionContext } = require('./vscode-stub.cjs');

const arg = (name) => process.argv.slice(2).find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
const storage = arg('storage')?.split('=')[1];
const context = extensionContext(storage);
const c0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const ext = require(path.join(root, 'dist', 'client.js'));
Promise.resolve(ext.activate(context)).then(
  async () => {
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpu = process.cpuUsage(c0);
    process.stdout.write(arg('cpu') ? `${ms.toFixed(2)} ${((cpu.user + cpu.system) / 1000).toFixed(2)}\n` : `${ms.toFixed(2)}\n`);
    if (arg('save') && !(await ext.codeCache?.saved)) {
      process.stderr.write(`the code cache was not written (${ext.codeCache?.status})\n`);
      process.exit(1);
    }
    process.exit(0);
  },
  (e) => {
    process.stderr.write(`activate() failed: ${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  },
);
