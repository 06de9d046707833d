/**
 * `trainguard`: the command-line checker for CI and the terminal, and `trainguard lsp` for editors
 * other than VS Code. Exit codes: 0 no findings, 1 findings, 2 usage or I/O error.
 */
import { parseArgs, UsageError, type Out } from './args';
import { COMMANDS, loadCommand } from './commands/index';
import { describeInternalError } from './describeError';
import { enableNodeCompileCache, saveCodeCaches, traceCodeCaches } from './codeCache';

import { VERSION } from './version';

export { VERSION };

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Train Guard ${VERSION}: catches the mistakes that waste a GPU budget in training scripts.

Usage: trainguard COMMAND [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run \`trainguard COMMAND --help\` for a command's options.
Exit codes: 0 no findings, 1 findings, 2 usage or I/O error (\`trainguard run\`: the script's own).
`;
}

export async function run(argv: string[], out: Out): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    out.stdout(`trainguard ${VERSION}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out.stdout(help());
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    out.stderr(`trainguard: unknown command "${name}" (see trainguard --help)\n`);
    return 2;
  }
  // after `--` the arguments are the command's operands (`trainguard run train.py -- --help` passes --help to the script)
  const own = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  const command = loadCommand(entry.name);
  if (own.includes('--help') || own.includes('-h')) {
    out.stdout(command.usage);
    return 0;
  }
  try {
    return await command.run(parseArgs(rest, command.flags), out);
  } catch (e) {
    if (e instanceof UsageError) {
      out.stderr(`trainguard ${command.name}: ${e.message} (see trainguard ${command.name} --help)\n`);
      return 2;
    }
    throw e;
  }
}

/** Runs the CLI with the process's arguments and sets its exit code. */
export function main(): void {
  enableNodeCompileCache();
  run(process.argv.slice(2), { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), stdoutBytes: (b) => process.stdout.write(b) }).then(
    (code) => {
      if (code >= 0) process.exitCode = code;
      // after the command's output: the code cache of a bundle loaded without one, holding what
      // this run compiled (cli/codeCache.ts); a long-running command (-1: the language server) writes none
      if (code >= 0) saveCodeCaches();
      traceCodeCaches((s) => process.stderr.write(s));
    },
    (e) => {
      const { message, stack } = describeInternalError(e, process.argv.includes('--verbose'));
      process.stderr.write(`trainguard: ${message}\n${stack}`);
      process.exitCode = 2;
    },
  );
}

if (require.main === module) main();
