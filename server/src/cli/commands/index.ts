/**
 * The CLI's subcommands. Adding one = a module in this folder exporting `command`, one line in
 * COMMANDS, and its name in scripts/build.mjs's CLI_COMMANDS.
 *
 * dist/cli.js (what bin/trainguard.js runs) holds only this table, the argument parser and `--help`:
 * each command is its own bundle, dist/cli/NAME.js, loaded when that command runs, with the V8 code
 * cache of cli/codeCache.ts. `trainguard check` loads neither the estimator command, the run guard,
 * nor the language server library. From the TypeScript build (out/, the unit tests) the module
 * in this folder is required instead.
 */
import * as path from 'path';
import type { Command } from '../args';
import { cacheDir, loadBundle } from '../codeCache';

/**
 * sha256 (hex) and length (UTF-16 code units) of each dist/cli/NAME.js as built, defined by
 * scripts/build.mjs in dist/cli.js; absent in the TypeScript build.
 */
declare const TRAINGUARD_CLI_BUNDLES: Readonly<Record<string, { hash: string; length: number }>> | undefined;

export interface CommandEntry {
  name: string;
  /** One line for `trainguard --help` (the same as the command module's own `summary`: test/unit/cli-startup.test.ts). */
  summary: string;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'check', summary: 'check Python files and notebooks (folders are walked for *.py and *.ipynb)' },
  { name: 'rules', summary: 'list every rule (code, name, severity, fixable, docs)' },
  { name: 'estimate', summary: 'estimate training time against a budget (from flags or a script)' },
  { name: 'lsp', summary: 'start the language server on stdio (Neovim, Helix, Emacs...)' },
  { name: 'verify-submission', summary: 'check a submission CSV (NaN/inf, columns, ids, rows) against sample_submission.csv' },
  { name: 'run', summary: 'run a training script under the guard (hangs, idle GPU, baseline loss, budget, errors)' },
];

/** The bundles dist/cli.js was built with (undefined in the TypeScript build). */
export function builtBundles(): Readonly<Record<string, { hash: string; length: number }>> | undefined {
  return typeof TRAINGUARD_CLI_BUNDLES === 'undefined' ? undefined : TRAINGUARD_CLI_BUNDLES;
}

const loadedCommands = new Map<string, Command>();

/** The command `name` of COMMANDS, loaded on first use. */
export function loadCommand(name: string): Command {
  let command = loadedCommands.get(name);
  if (!command) {
    const bundles = builtBundles();
    const built = bundles?.[name];
    // computed paths: esbuild leaves these requires to run time instead of bundling the modules
    const mod: { command: Command } = built
      ? loadBundle(path.join(__dirname, 'cli', `${name}.js`), built, cacheDir())
      : (require(path.join(__dirname, name)) as { command: Command });
    command = mod.command;
    loadedCommands.set(name, command);
  }
  return command;
}
