// Entry of the bundled language server (dist/server.js). The transport (--node-ipc, --stdio) comes
// from the command line, as vscode-languageclient passes it. `trainguard lsp` (dist/cli/lsp.js)
// requires this same bundle for `startServer` instead of carrying a second copy of the server: the
// server starts by itself only when this file is the process's main module.
import { startServer } from './server';

export { startServer };

if (require.main === module) {
  process.on('uncaughtException', (e) => {
    // never die on a stray error: log it to stderr (the client's output channel) and keep serving
    process.stderr.write(`[trainguard] uncaught: ${e?.stack ?? e}\n`);
  });
  startServer('auto');
}
