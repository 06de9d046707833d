/**
 * `trainguard check --fix / --diff / --unsafe-fixes` on temporary copies: exit codes, what is written
 * and what is not (byte for byte), a UTF-8 BOM and CRLF kept, a file that is not UTF-8 never written,
 * a diff that GNU patch applies. One test runs the real bin/trainguard.js for the process exit code.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { run } from '../../server/src/cli/main';
import { runCheck } from '../../server/src/cli/commands/check';
import { parseArgs } from '../../server/src/cli/args';
import { command as checkCommand } from '../../server/src/cli/commands/check';
import type { Rule } from '../../server/src/rules/types';
import { ready, ROOT, FIXTURES } from './helpers';

const TG303 = fs.readFileSync(path.join(FIXTURES, 'rules', 'TG303', 'invalid-basic.py'), 'utf8');
const TG303_FIXED = fs.readFileSync(path.join(FIXTURES, 'rules', 'TG303', 'invalid-basic.fixed.py'), 'utf8');
const CLEAN = 'x = 1\n';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(...argv: string[]): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

describe('trainguard check --fix / --diff / --unsafe-fixes', () => {
  let dir: string;
  const file = (name: string, content: string | Buffer) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content);
    return p;
  };

  before(ready);
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-cli-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--diff prints a diff patch(1) applies, writes nothing, exits 1', async () => {
    const p = file('train.py', TG303);
    const r = await cli('check', '--select', 'TG303', '--diff', p);
    assert.strictEqual(r.code, 1);
    assert.match(r.stdout, new RegExp(`^--- ${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\n\\+\\+\\+ `));
    assert.match(r.stderr, /Would fix 1 problem in /);
    assert.strictEqual(fs.readFileSync(p, 'utf8'), TG303, 'the file was written');
    const copy = file('copy.py', TG303);
    const patched = spawnSync('patch', ['--quiet', '--batch', copy], { input: r.stdout, encoding: 'utf8' });
    assert.strictEqual(patched.status, 0, patched.stderr);
    assert.strictEqual(fs.readFileSync(copy, 'utf8'), TG303_FIXED);
  });

  it('--diff exits 0 and prints nothing when nothing would change', async () => {
    const p = file('clean.py', CLEAN);
    const r = await cli('check', '--diff', p);
    assert.deepStrictEqual([r.code, r.stdout], [0, '']);
    assert.strictEqual(fs.readFileSync(p, 'utf8'), CLEAN);
  });

  it('--diff wins over --fix: still nothing written', async () => {
    const p = file('train.py', TG303);
    const r = await cli('check', '--fix', '--diff', '--select', 'TG303', p);
    assert.strictEqual(r.code, 1);
    assert.strictEqual(fs.readFileSync(p, 'utf8'), TG303);
  });

  it('--diff exits 2 on an I/O error even when a diff was printed', async () => {
    const p = file('train.py', TG303);
    const r = await cli('check', '--diff', '--select', 'TG303', p, path.join(dir, 'missing.py'));
    assert.strictEqual(r.code, 2);
    assert.match(r.stdout, /^--- /);
  });

  it('--fix writes the fixed text and exits 0 when nothing is left', async () => {
    const p = file('train.py', TG303);
    const r = await cli('check', '--fix', '--select', 'TG303', p);
    assert.strictEqual(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /Fixed 1 problem in /);
    assert.strictEqual(fs.readFileSync(p, 'utf8'), TG303_FIXED);
    assert.match(r.stdout, /All checks passed/);
  });

  it('--fix exits 1 when findings without a fix remain, and reports them', async () => {
    const unfixable = fs.readFileSync(path.join(FIXTURES, 'rules', 'TG211', 'invalid-unresolvable.py'), 'utf8');
    const p = file('fit.py', unfixable);
    const r = await cli('check', '--fix', '--select', 'TG211', p);
    assert.strictEqual(r.code, 1);
    assert.match(r.stdout, /TG211/);
    assert.strictEqual(fs.readFileSync(p, 'utf8'), unfixable);
  });

  it('--fix keeps a UTF-8 byte order mark and CRLF line endings', async () => {
    const crlf = TG303.replace(/\n/g, '\r\n');
    const p = file('bom.py', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(crlf, 'utf8')]));
    const r = await cli('check', '--fix', '--select', 'TG303', p);
    assert.strictEqual(r.code, 0, r.stdout + r.stderr);
    const bytes = fs.readFileSync(p);
    assert.deepStrictEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.strictEqual(bytes.subarray(3).toString('utf8'), TG303_FIXED.replace(/\n/g, '\r\n'));
  });

  it('--fix never writes a file that is not valid UTF-8', async () => {
    const bytes = Buffer.concat([Buffer.from('# caf\xe9\n', 'latin1'), Buffer.from(TG303, 'utf8')]);
    const p = file('latin1.py', bytes);
    const r = await cli('check', '--fix', '--select', 'TG303', p);
    assert.strictEqual(r.code, 1);
    assert.match(r.stdout, /not valid UTF-8.*no fixes are written/);
    assert.ok(fs.readFileSync(p).equals(bytes), 'the bytes changed');
  });

  it('--fix walks a folder and fixes every file in it', async () => {
    const a = file('a.py', TG303);
    fs.mkdirSync(path.join(dir, 'sub'));
    const b = path.join(dir, 'sub', 'b.py');
    fs.writeFileSync(b, TG303);
    const c = file('c.py', CLEAN);
    const r = await cli('check', '--fix', '--select', 'TG303', dir);
    assert.strictEqual(r.code, 0, r.stdout + r.stderr);
    assert.deepStrictEqual([a, b, c].map((f) => fs.readFileSync(f, 'utf8')), [TG303_FIXED, TG303_FIXED, CLEAN]);
  });

  describe('--unsafe-fixes (with a rule whose fix is unsafe)', () => {
    const unsafeRule: Rule = {
      meta: { code: 'TG999', name: 'test-unsafe', severity: 'warning', section: 'test', summary: 'test', fixable: true },
      check(ctx) {
        const src = ctx.model.source;
        for (let line = 0; line < src.lineCount; line++) {
          if (src.lineText(line) !== 'x = 1') continue;
          const range = { start: { line, character: 4 }, end: { line, character: 5 } };
          ctx.report({ range, message: 'x should be 2', fix: { title: 'set x to 2', applicability: 'unsafe', edits: [{ range, newText: '2' }] } });
        }
      },
    };
    const check = async (...argv: string[]): Promise<Result> => {
      let stdout = '';
      let stderr = '';
      const code = await runCheck(parseArgs(argv, checkCommand.flags), { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) }, [unsafeRule]);
      return { code, stdout, stderr };
    };

    it('--fix alone leaves an unsafe fix out and says how to opt in', async () => {
      const p = file('x.py', CLEAN);
      const r = await check('--fix', p);
      assert.strictEqual(r.code, 1);
      assert.strictEqual(fs.readFileSync(p, 'utf8'), CLEAN);
      assert.match(r.stdout, /1 more fix available with `--fix --unsafe-fixes`/);
    });

    it('--fix --unsafe-fixes applies it', async () => {
      const p = file('x.py', CLEAN);
      const r = await check('--fix', '--unsafe-fixes', p);
      assert.strictEqual(r.code, 0, r.stdout + r.stderr);
      assert.strictEqual(fs.readFileSync(p, 'utf8'), 'x = 2\n');
    });

    it('--diff --unsafe-fixes shows it without writing', async () => {
      const p = file('x.py', CLEAN);
      assert.strictEqual((await check('--diff', p)).code, 0);
      const r = await check('--diff', '--unsafe-fixes', p);
      assert.strictEqual(r.code, 1);
      assert.strictEqual(r.stdout, `--- ${p}\n+++ ${p}\n@@ -1 +1 @@\n-x = 1\n+x = 2\n`);
      assert.strictEqual(fs.readFileSync(p, 'utf8'), CLEAN);
    });
  });

  it('the real process exits 1 for --diff and writes nothing (bin/trainguard.js)', () => {
    const p = file('train.py', TG303);
    const diff = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'trainguard.js'), 'check', '--select', 'TG303', '--diff', p], { encoding: 'utf8' });
    assert.strictEqual(diff.status, 1, diff.stderr);
    assert.match(diff.stdout, /^--- /);
    assert.strictEqual(fs.readFileSync(p, 'utf8'), TG303);
  });
});
