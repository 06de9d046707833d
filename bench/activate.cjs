// Extension activation, measured outside VS Code (part of `npm run bench`): loads dist/client.js
// the way VS Code does (require) with the `vscode` module replaced by a stub that answers every API
// call (bench/vscode-stub.cjs), runs activate() and prints the milliseconds from the require to
// activate()'s return. The language server is started by activate() without being awaited, as in
// VS Code; what VS Code's own extension host adds around activation is not included. Prints one number.
'use strict';
const path = require('path');
const { root, extensionContext } = require('./vscode-stub.cjs');

const context = extensionContext();
const t0 = process.hrtime.bigint();
const ext = require(path.join(root, 'dist', 'client.js'));
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
