/**
 * Command-line parsing for `trainguard`: small and strict, with one clear message for a bad flag.
 * Each command declares its own flags.
 */
export class UsageError extends Error {}

export type FlagKind = 'value' | 'boolean';

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: string[], known: Readonly<Record<string, FlagKind>>): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      const kind = known[name];
      if (kind === 'value') {
        const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
        if (value === undefined) throw new UsageError(`${name} needs a value`);
        flags.set(name, value);
      } else if (kind === 'boolean') {
        if (eq > 0) throw new UsageError(`${name} takes no value`);
        flags.set(name, true);
      } else throw new UsageError(`unknown option ${name}`);
    } else if (a === '-') positionals.push(a);
    else if (a.startsWith('-') && a.length > 1) {
      // short flags exist only as declared booleans (`-q`)
      if (known[a] === 'boolean') flags.set(a, true);
      else throw new UsageError(`unknown option ${a}`);
    }
    else positionals.push(a);
  }
  return { positionals, flags };
}

export function codeList(v: string | true | undefined): string[] {
  if (typeof v !== 'string') return [];
  return v.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function outputFormat(args: ParsedArgs, allowed: readonly string[]): string {
  const format = stringFlag(args, '--output-format') ?? 'text';
  if (!allowed.includes(format)) throw new UsageError(`--output-format must be one of ${allowed.join(', ')}`);
  return format;
}

export interface Out {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Bytes to stdout as they are (stdin echoed back by `check --fix -`); `stdout` decoded when absent. */
  stdoutBytes?: (b: Uint8Array) => void;
}

/** A subcommand of `trainguard`. `run` resolves to the exit code (or -1 for a long-running server). */
export interface Command {
  name: string;
  /** One line for `trainguard --help`. */
  summary: string;
  /** Full usage text for `trainguard NAME --help`. */
  usage: string;
  flags: Readonly<Record<string, FlagKind>>;
  run(args: ParsedArgs, out: Out): Promise<number>;
}
