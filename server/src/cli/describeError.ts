/**
 * How the CLI words an exception that is a bug in Train Guard. Its own module so that dist/cli.js
 * (the entry, which prints an error that escapes a command) does not load the checker for it.
 */

/** `internal error: WHAT (a bug ...)`, one line, and the indented stack trace below it only when verbose. */
export function describeInternalError(e: unknown, verbose: boolean): { message: string; stack: string } {
  const what = (e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e)).split(/\r?\n/)[0].slice(0, 300) || 'unknown error';
  const stack = verbose && e instanceof Error && e.stack ? `${e.stack.replace(/^/gm, '    ')}\n` : '';
  return { message: `internal error: ${what} (a bug in Train Guard: please report it${verbose ? '' : '; --verbose shows the stack trace'})`, stack };
}
