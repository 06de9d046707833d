/**
 * Command-line parsing for `trainguard`: small and strict, with one clear message for a bad flag.
 */
export class UsageError extends Error {}

export interface ParsedArgs {
  command: string;
  positionals: string[];
  flags: Map<string, string | true>;
}

/** Flags that take a value (`--select TG303` or `--select=TG303`). */
const VALUE_FLAGS = new Set([
  '--output-format', '--select', '--ignore', '--extend-select', '--config', '--stdin-filename', '--budget', '--gpu',
  '--model', '--folds', '--epochs', '--img-size', '--train-samples', '--val-samples', '--batch-size', '--samples-per-sec',
  '--inference-minutes', '--sample', '--amp', '--jobs',
]);

export function parseArgs(argv: string[], booleanFlags: ReadonlySet<string>): ParsedArgs {
  const [command = 'help', ...rest] = argv;
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--') {
      positionals.push(...rest.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (VALUE_FLAGS.has(name)) {
        const value = eq > 0 ? a.slice(eq + 1) : rest[++i];
        if (value === undefined) throw new UsageError(`${name} needs a value`);
        flags.set(name, value);
      } else if (booleanFlags.has(name)) {
        if (eq > 0) throw new UsageError(`${name} takes no value`);
        flags.set(name, true);
      } else throw new UsageError(`unknown option ${name}`);
    } else if (a === '-') positionals.push(a);
    else if (a.startsWith('-') && a.length > 1) throw new UsageError(`unknown option ${a}`);
    else positionals.push(a);
  }
  return { command, positionals, flags };
}

export function codeList(v: string | true | undefined): string[] {
  if (typeof v !== 'string') return [];
  return v.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
}
