/**
 * `trainguard lsp`: the language server on stdio, for Neovim, Helix, Emacs and other LSP clients.
 */
import { startServer } from '../../lsp/server';
import type { Command } from '../args';

export const command: Command = {
  name: 'lsp',
  summary: 'start the language server on stdio (Neovim, Helix, Emacs...)',
  usage: 'Usage: trainguard lsp\n',
  flags: { '--stdio': 'boolean' },
  async run() {
    startServer('stdio');
    return -1;
  },
};
