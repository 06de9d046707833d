/**
 * The `trainguard` command as users run it: exit codes, output formats, selection, --fix.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { ROOT } from './helpers';

const BIN = path.join(ROOT, 'bin', 'trainguard.js');
const EXAMPLE = path.join(ROOT, 'examples', 'train.py');

function cli(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const made: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-cli-'));
  made.push(d);
  return d;
}

after(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('trainguard CLI', function () {
  this.timeout(30000);

  it('exits 1 and prints the four findings for the example', () => {
    const r = cli(['check', EXAMPLE]);
    assert.strictEqual(r.code, 1, r.stderr);
    for (const code of ['TG203', 'TG211', 'TG303', 'TG701']) assert.match(r.stdout, new RegExp(`train\\.py:\\d+:\\d+: ${code}`));
    assert.match(r.stdout, /Found 4 problems/);
  });

  it('exits 0 on a clean file', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'clean.py'), 'import math\nprint(math.pi)\n');
    const r = cli(['check', dir]);
    assert.strictEqual(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /All checks passed/);
  });

  it('prints Ruff-style JSON with 1-based rows and columns and the fix edits', () => {
    const r = cli(['check', EXAMPLE, '--output-format', 'json']);
    assert.strictEqual(r.code, 1);
    const items = JSON.parse(r.stdout) as { code: string; message: string; severity: string; filename: string; location: { row: number; column: number }; end_location: { row: number; column: number }; fix: { message: string; applicability: string; edits: { content: string; location: { row: number; column: number } }[] } | null; url: string }[];
    assert.deepStrictEqual(items.map((i) => i.code), ['TG203', 'TG303', 'TG211', 'TG701']);
    const tg303 = items.find((i) => i.code === 'TG303')!;
    const lines = fs.readFileSync(EXAMPLE, 'utf8').split('\n');
    assert.ok(lines[tg303.location.row - 1].includes('loss = criterion(logits, labels)'));
    assert.strictEqual(lines[tg303.location.row - 1].indexOf('criterion(') + 1, tg303.location.column);
    assert.strictEqual(tg303.severity, 'error');
    assert.strictEqual(tg303.fix!.applicability, 'safe');
    assert.ok(tg303.fix!.edits.length >= 1);
    assert.match(tg303.url, /docs\/rules\/TG303\.md$/);
  });

  it('--select and --ignore filter by code and prefix', () => {
    const only = JSON.parse(cli(['check', EXAMPLE, '--output-format=json', '--select', 'TG3']).stdout) as { code: string }[];
    assert.deepStrictEqual(only.map((i) => i.code), ['TG303']);
    const without = JSON.parse(cli(['check', EXAMPLE, '--output-format=json', '--ignore', 'TG303,TG2']).stdout) as { code: string }[];
    assert.deepStrictEqual(without.map((i) => i.code), ['TG701']);
  });

  it('a missing path gives exit 2 and a one-line error', () => {
    const r = cli(['check', 'does/not/exist.py']);
    assert.strictEqual(r.code, 2);
    assert.strictEqual(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /does\/not\/exist\.py: no such file or folder/);
  });

  it('usage errors exit 2 with a clear message', () => {
    assert.strictEqual(cli(['check', '--output-format', 'xml', EXAMPLE]).code, 2);
    assert.match(cli(['check', '--bogus']).stderr, /unknown option --bogus/);
    assert.match(cli(['check', '--select', 'TG999']).stderr, /unknown rule code or prefix "TG999"/);
    assert.match(cli(['frobnicate']).stderr, /unknown command "frobnicate"/);
    assert.strictEqual(cli(['frobnicate']).code, 2);
  });

  it('walks folders for *.py, skipping virtual envs, node_modules and .git', () => {
    const dir = tempDir();
    fs.copyFileSync(EXAMPLE, path.join(dir, 'train.py'));
    for (const skip of ['node_modules', '.git', 'venv']) {
      fs.mkdirSync(path.join(dir, skip));
      fs.copyFileSync(EXAMPLE, path.join(dir, skip, 'train.py'));
    }
    fs.mkdirSync(path.join(dir, 'myenv'));
    fs.writeFileSync(path.join(dir, 'myenv', 'pyvenv.cfg'), 'home = /usr\n');
    fs.copyFileSync(EXAMPLE, path.join(dir, 'myenv', 'lib.py'));
    const items = JSON.parse(cli(['check', dir, '--output-format', 'json']).stdout) as { filename: string }[];
    assert.deepStrictEqual([...new Set(items.map((i) => path.relative(dir, i.filename)))], ['train.py']);
  });

  it('--fix writes the safe fixes and the file then re-checks clean of fixable findings', () => {
    const dir = tempDir();
    const file = path.join(dir, 'train.py');
    fs.copyFileSync(EXAMPLE, file);
    const r = cli(['check', file, '--fix', '--output-format', 'json']);
    const left = JSON.parse(r.stdout) as { fix: unknown }[];
    assert.deepStrictEqual(left.filter((i) => i.fix), []);
    assert.notStrictEqual(fs.readFileSync(file, 'utf8'), fs.readFileSync(EXAMPLE, 'utf8'));
  });

  it('checks non-UTF-8 files with a note instead of crashing', () => {
    const dir = tempDir();
    const file = path.join(dir, 'latin1.py');
    fs.writeFileSync(file, Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from('\nimport torch\n')]));
    const r = cli(['check', file]);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /not valid UTF-8/);
  });

  it('skips a file with a generated 20k-character line, with a note', () => {
    const dir = tempDir();
    const file = path.join(dir, 'gen.py');
    fs.writeFileSync(file, `DATA = [${'1, '.repeat(7000)}]\n`);
    const r = cli(['check', file]);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /skipped: line 1 is \d+ characters long/);
  });

  it('lists the rules as text and JSON', () => {
    const list = JSON.parse(cli(['rules', '--output-format', 'json']).stdout) as { code: string; name: string; severity: string; fixable: boolean; url: string }[];
    assert.ok(list.some((r) => r.code === 'TG303' && r.name === 'loss-outside-autocast' && r.fixable));
    assert.match(cli(['rules']).stdout, /TG701\s+only-best-checkpoint/);
    assert.match(cli(['--version']).stdout, /^trainguard \d+\.\d+\.\d+/);
  });
});
