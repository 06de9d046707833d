/**
 * python3's own parser as an oracle: one `python3 -I` process answers every `ast.parse` question over
 * a pipe (base64 lines in, OK / ERR lines out), so checking thousands of texts stays cheap.
 * Used by the unit tests (helpers.ts) and the fuzzer (test/fuzz/), which runs outside mocha.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';

const PY_SERVER = `
import ast, base64, sys, warnings
warnings.simplefilter('ignore')
for line in sys.stdin:
    try:
        ast.parse(base64.b64decode(line).decode('utf-8', 'surrogatepass'))
        print('OK', flush=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError, UnicodeError) as e:
        print(('ERR %s: %s (line %s)' % (type(e).__name__, getattr(e, 'msg', e), getattr(e, 'lineno', None))).replace('\\n', ' '), flush=True)
`;

let py: ChildProcessWithoutNullStreams | undefined;
let pending: ((answer: string) => void)[] = [];
let buffered = '';

/** Does python3's own parser (ast.parse) accept the text? Resolves to the error message or null. One python3 process serves every call. */
export function pythonSyntaxError(text: string): Promise<string | null> {
  if (!py) {
    py = spawn('python3', ['-I', '-c', PY_SERVER]);
    py.stdout.setEncoding('utf8');
    py.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let i;
      while ((i = buffered.indexOf('\n')) >= 0) {
        const answer = buffered.slice(0, i);
        buffered = buffered.slice(i + 1);
        pending.shift()?.(answer);
      }
    });
    py.on('exit', () => {
      for (const p of pending) p('ERR python3 exited');
      pending = [];
      py = undefined;
    });
  }
  return new Promise((resolve) => {
    pending.push((answer) => resolve(answer === 'OK' ? null : answer.replace(/^ERR /, '')));
    py!.stdin.write(Buffer.from(text, 'utf8').toString('base64') + '\n');
  });
}

/** Ends the shared python3 process (the next call starts a new one). */
export function stopPython(): void {
  py?.stdin.end();
  py?.kill();
  py = undefined;
}
