/**
 * `trainguard`: the command-line checker for CI and the terminal, and `trainguard lsp` for editors
 * other than VS Code. Exit codes: 0 no findings, 1 findings, 2 usage or I/O error.
 */
import { parseArgs, UsageError, type Out } from './args';
import { COMMANDS } from './commands/index';
import { describeInternalError } from './checkFile';

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
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    out.stderr(`trainguard: unknown command "${name}" (see trainguard --help)\n`);
    return 2;
  }
  // after `--` the arguments are the command's operands (`trainguard run train.py -- --help` passes --help to the script)
  const own = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
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
  run(process.argv.slice(2), { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), stdoutBytes: (b) => process.stdout.write(b) }).then(
    (code) => {
      if (code >= 0) process.exitCode = code;
    },
    (e) => {
      const { message, stack } = describeInternalError(e, process.argv.includes('--verbose'));
      process.stderr.write(`trainguard: ${message}\n${stack}`);
      process.exitCode = 2;
    },
  );
}

if (require.main === module) main();
