// Entry of the bundled language server (dist/server.js). The transport (--node-ipc, --stdio) comes
// from the command line, as vscode-languageclient passes it.
import { startServer } from './server';

process.on('uncaughtException', (e) => {
  // never die on a stray error: log it to stderr (the client's output channel) and keep serving
  process.stderr.write(`[trainguard] uncaught: ${e?.stack ?? e}\n`);
});
startServer('auto');
