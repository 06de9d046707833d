/**
 * What SECURITY.md promises about starting processes, checked:
 * - in server/src only the run guard's runner (runguard/runner.ts) and the CLI's `run` command use
 *   child_process (or spawn / exec / fork, eval, new Function); the client's sources never do (the
 *   "Run with guard" command goes through the runner);
 * - the language server's sources (server/src/lsp and everything they import) never reach those two
 *   modules;
 * - the language-server bundle dist/server.js cannot start a process: child_process is replaced by a
 *   module that throws (scripts/build.mjs), and the runner is not in it.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './helpers';

const SERVER_SRC = path.join(ROOT, 'server', 'src');
const CLIENT_SRC = path.join(ROOT, 'client', 'src');
const RUNS_PROCESSES = new Set([path.join(SERVER_SRC, 'runguard', 'runner.ts'), path.join(SERVER_SRC, 'cli', 'commands', 'run.ts')]);
/** The child_process module named anywhere, a bare spawn / exec / fork / eval call (not `re.exec(...)`, `model.eval()`, not quoted in a message), new Function, process.binding. */
const STARTS_PROCESS = /['"](?:node:)?child_process['"]|(?<![.\w$`'"])(?:spawn|spawnSync|exec|execSync|execFile|execFileSync|fork|eval)\s*\(|\bnew Function\b|process\.binding\(/;

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Code without comments (a comment may name `spawn` in prose). */
function code(file: string): string {
  return fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** The .ts files `file` imports (relative specifiers only), resolved. */
function imports(file: string): string[] {
  const out: string[] = [];
  for (const m of code(file).matchAll(/(?:from|import|require\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const base = path.resolve(path.dirname(file), m[1]);
    for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
      if (candidate.endsWith('.ts') && fs.existsSync(candidate)) {
        out.push(candidate);
        break;
      }
    }
  }
  return out;
}

describe('security: which code may start a process', () => {
  it('in server/src only the runner and the CLI run command use child_process (or spawn, exec, fork, eval)', () => {
    const offenders = tsFiles(SERVER_SRC).filter((f) => !RUNS_PROCESSES.has(f) && STARTS_PROCESS.test(code(f)));
    assert.deepStrictEqual(offenders.map((f) => path.relative(ROOT, f)), []);
    for (const f of RUNS_PROCESSES) assert.ok(/child_process/.test(code(f)) || f.endsWith('run.ts'), `${f} is expected to start processes`);
  });

  it('client/src never uses child_process itself', () => {
    const offenders = tsFiles(CLIENT_SRC).filter((f) => STARTS_PROCESS.test(code(f)));
    assert.deepStrictEqual(offenders.map((f) => path.relative(ROOT, f)), []);
  });

  it('the check itself finds a spawn (it can fail)', () => {
    assert.ok(STARTS_PROCESS.test("import { spawn } from 'child_process';"));
    assert.ok(STARTS_PROCESS.test('execSync("rm -rf /")'));
    assert.ok(STARTS_PROCESS.test("const cp = require('node:child_process');"));
    assert.ok(!STARTS_PROCESS.test('const spawned = 3; // a DataLoader under spawn'));
    assert.ok(!STARTS_PROCESS.test('const m = /x/.exec(text); model.eval();'));
  });

  it('the language server never imports the runner or the CLI run command (transitively)', () => {
    const seen = new Set<string>();
    const stack = [path.join(SERVER_SRC, 'lsp', 'main.ts')];
    while (stack.length) {
      const f = stack.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      stack.push(...imports(f));
    }
    assert.ok(seen.has(path.join(SERVER_SRC, 'lsp', 'features', 'runGuard.ts')), 'the walk follows imports into the features');
    assert.ok(seen.has(path.join(SERVER_SRC, 'runguard', 'scriptInfo.ts')));
    assert.deepStrictEqual([...RUNS_PROCESSES].filter((f) => seen.has(f)), []);
  });

  it('dist/server.js cannot start a process: child_process is refused in the bundle, the runner is not in it', () => {
    const bundle = fs.readFileSync(path.join(ROOT, 'dist', 'server.js'), 'utf8');
    assert.doesNotMatch(bundle, /require\(\s*["'](?:node:)?child_process["']\s*\)/);
    assert.doesNotMatch(bundle, /["'](?:spawn_sync|process_wrap)["']/);
    assert.match(bundle, /the Train Guard language server starts no process/);
    assert.doesNotMatch(bundle, /GuardedRun|SIGKILL to process group/);
    // the CLI's `run` command bundle does run scripts (trainguard run)
    assert.match(fs.readFileSync(path.join(ROOT, 'dist', 'cli', 'run.js'), 'utf8'), /require\(["']child_process["']\)/);
  });
});
