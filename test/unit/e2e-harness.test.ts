/**
 * The e2e runner's process handling (test/e2e/harness/), checked without code-server or chromium:
 * children are stopped with all their descendants, a command over its time limit is stopped and
 * reported, waits fail naming what they waited for, and extension-host crash lines are recognised.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

interface Proc {
  setLogSink(fn: (line: string) => void): void;
  start(cmd: string, args: string[], opts?: object): { child: { pid?: number }; exited: Promise<{ code: number | null }> };
  run(what: string, cmd: string, args: string[], opts: { timeoutMs: number; logFile?: string }): Promise<void>;
  stopTree(pid: number, graceMs?: number): Promise<{ stopped: number; killed: number; left: number[] }>;
  waitFor(what: string, probe: () => unknown, opts: { timeoutMs: number; intervalMs?: number; quiet?: boolean }): Promise<unknown>;
  treeOf(pid: number): number[];
  sleep(ms: number): Promise<void>;
}
// plain CommonJS (the runner starts before anything is compiled), so required, not imported
const proc = require('../../../test/e2e/harness/proc.js') as Proc;
const { hostCrash } = require('../../../test/e2e/harness/codeServer.js') as { hostCrash(line: string): string | null };
const install = require('../../../test/e2e/harness/install.js') as {
  PINS: { node: string };
  layout(root: string, home: string): { node: string };
  cacheEnv(L: unknown): Record<string, string | undefined>;
};

const alive = (pid: number) => {
  try {
    return !/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
/** Our descendants whose command line contains `marker`. */
function descendantsWith(marker: string): number[] {
  return proc.treeOf(process.pid).filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker);
    } catch {
      return false;
    }
  });
}

(process.platform === 'linux' ? describe : describe.skip)('e2e harness (test/e2e/harness)', () => {
  const lines: string[] = [];
  before(() => proc.setLogSink((l) => lines.push(l)));
  after(() => proc.setLogSink((l) => process.stdout.write(l)));

  it('stopTree stops a child and every descendant, by PID', async () => {
    const { child } = proc.start('sh', ['-c', 'sleep 311 & sleep 311 & wait']);
    assert.ok(child.pid);
    const tree = (await proc.waitFor('the shell and its two sleeps', () => {
      const t = proc.treeOf(child.pid!);
      return t.length >= 3 && t;
    }, { timeoutMs: 10000, intervalMs: 50, quiet: true })) as number[];
    const r = await proc.stopTree(child.pid!);
    assert.ok(r.stopped >= 3, `stopped ${r.stopped}`);
    assert.deepStrictEqual(tree.filter(alive), [], 'every process of the tree should be gone');
    assert.deepStrictEqual(descendantsWith('sleep 311'), []);
  });

  it('run stops a command that outlives its limit, with its descendants, and says so', async () => {
    await assert.rejects(proc.run('a sleeper', 'sh', ['-c', 'sleep 312 & sleep 312'], { timeoutMs: 500 }), /a sleeper did not finish within 1 s/);
    assert.deepStrictEqual(descendantsWith('sleep 312'), []);
  });

  it('run reports a failing command with its exit code and the last line of its log', async () => {
    const logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tg-harness-')), 'x.log');
    await assert.rejects(proc.run('a failing step', 'sh', ['-c', 'echo first; echo "the reason" >&2; exit 3'], { timeoutMs: 10000, logFile }), /a failing step failed \(exit 3\): the reason/);
    fs.rmSync(path.dirname(logFile), { recursive: true, force: true });
  });

  it('waitFor fails naming what it waited for', async () => {
    await assert.rejects(proc.waitFor('the moon', () => false, { timeoutMs: 200, intervalMs: 50, quiet: true }), /timed out after 0 s waiting for the moon/);
  });

  it('gives installs and code-server Node 24 first on PATH, XDG_* in the cache and none of an outer npm run\'s npm_* variables', () => {
    const saved = { ua: process.env.npm_config_user_agent, node: process.env.NODE };
    process.env.npm_config_user_agent = 'npm/11.19.1 node/v20.20.2 linux x64';
    process.env.NODE = '/usr/bin/node';
    try {
      const L = install.layout('/repo', '/repo/.vscode-e2e');
      const env = install.cacheEnv(L);
      assert.strictEqual(env.npm_config_user_agent, undefined, 'code-server\'s postinstall reads the Node version from it');
      assert.strictEqual(env.NODE, undefined);
      assert.strictEqual(env.PATH?.split(':')[0], path.dirname(L.node));
      assert.ok(L.node.startsWith(`/repo/.vscode-e2e/node-${install.PINS.node}/`), L.node);
      for (const k of ['XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_CACHE_HOME']) assert.ok(env[k]?.startsWith('/repo/.vscode-e2e/'), `${k}=${env[k]}`);
    } finally {
      if (saved.ua === undefined) delete process.env.npm_config_user_agent;
      else process.env.npm_config_user_agent = saved.ua;
      if (saved.node === undefined) delete process.env.NODE;
      else process.env.NODE = saved.node;
    }
  });

  it('recognises an extension host crash in code-server\'s log, not a clean exit', () => {
    assert.strictEqual(hostCrash('[12:08:04] [127.0.0.1][9664b0f8][ExtensionHostConnection] <16507> Extension Host Process exited with code: null, signal: SIGKILL.'), 'the extension host crashed (exit code null, signal SIGKILL)');
    assert.strictEqual(hostCrash('[ExtensionHostConnection] <1> Extension Host Process exited with code: 7, signal: null.'), 'the extension host crashed (exit code 7, signal null)');
    assert.strictEqual(hostCrash('[ExtensionHostConnection] <1> Extension Host Process exited with code: 0, signal: null.'), null);
    assert.strictEqual(hostCrash('HTTP server listening on http://127.0.0.1:4000/'), null);
  });
});
