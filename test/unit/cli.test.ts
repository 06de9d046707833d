/**
 * The `trainguard` command as users run it: exit codes, output formats, selection, --fix.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { ROOT } from './helpers';
import { parseIpynb, type Ipynb } from '../../server/src/analysis/ipynb';

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
    // TG203 on the epoch loop that calls train_one_epoch (where its batch loop is), with TG211
    assert.deepStrictEqual(items.map((i) => i.code), ['TG303', 'TG203', 'TG211', 'TG701']);
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

  describe('notebooks', () => {
    const NB = path.join(ROOT, 'test', 'fixtures', 'notebooks');
    const HEADLINE = ['--select', 'TG203,TG211,TG303,TG701'];

    it('reports the cell and the line within the cell (text: file.ipynb:cell N:line:col)', () => {
      const r = cli(['check', path.join(NB, 'kaggle-flow.ipynb'), ...HEADLINE]);
      assert.strictEqual(r.code, 1, r.stderr);
      const lines = r.stdout.split('\n').filter((l) => /: TG\d+/.test(l)).map((l) => l.replace(/^.*kaggle-flow\.ipynb:/, '').replace(/ \[\*\].*$/, ''));
      assert.deepStrictEqual(lines, ['cell 5:10:16: TG303', 'cell 9:2:1: TG203', 'cell 9:2:1: TG211', 'cell 9:8:9: TG701']);
    });

    it('JSON has Ruff\'s `cell` and rows within the cell', () => {
      const items = JSON.parse(cli(['check', path.join(NB, 'kaggle-flow.ipynb'), '--output-format', 'json', ...HEADLINE]).stdout) as { code: string; cell: number | null; location: { row: number; column: number }; fix: { edits: { location: { row: number } }[] } | null }[];
      const tg303 = items.find((i) => i.code === 'TG303')!;
      assert.strictEqual(tg303.cell, 5);
      assert.deepStrictEqual(tg303.location, { row: 10, column: 16 });
      assert.ok(tg303.fix!.edits.every((e) => e.location.row >= 1 && e.location.row <= 15));
      const py = JSON.parse(cli(['check', EXAMPLE, '--output-format', 'json']).stdout) as { cell: number | null }[];
      assert.ok(py.every((i) => i.cell === null));
    });

    it('a broken notebook is one clear error (exit 2 at the end) and the other files are still checked', () => {
      const dir = tempDir();
      for (const f of ['broken-json.ipynb', 'no-cells.ipynb', 'bad-source.ipynb', 'gpu-shell.ipynb']) fs.copyFileSync(path.join(NB, f), path.join(dir, f));
      const r = cli(['check', dir, '--output-format', 'json', ...HEADLINE]);
      assert.strictEqual(r.code, 2);
      const errors = r.stderr.trim().split('\n');
      assert.deepStrictEqual(errors.map((l) => path.basename(l.split(': ')[1])), ['bad-source.ipynb', 'broken-json.ipynb', 'no-cells.ipynb']);
      assert.match(r.stderr, /broken-json\.ipynb: not valid JSON \(line 5/);
      const items = JSON.parse(r.stdout) as { filename: string; code: string | null; message: string }[];
      assert.deepStrictEqual([...new Set(items.filter((i) => i.code !== null).map((i) => path.basename(i.filename)))], ['gpu-shell.ipynb']);
      // each broken notebook is an error entry with no code (as Ruff reports a syntax error)
      const failed = items.filter((i) => i.code === null);
      assert.deepStrictEqual(failed.map((i) => path.basename(i.filename)), ['bad-source.ipynb', 'broken-json.ipynb', 'no-cells.ipynb']);
      assert.match(failed[1].message, /^not valid JSON \(line 5/);
      assert.ok(!items.some((i) => i.code === 'TG203'), '!nvidia-smi counts as a GPU memory report');
    });

    it('a notebook in another language is skipped with a note, not checked as Python', () => {
      const dir = tempDir();
      const r = { cells: [{ cell_type: 'code', metadata: {}, outputs: [], source: ['library(torch)\n', 'x <- 1 %% 2\n'] }], metadata: { kernelspec: { language: 'R', name: 'ir' } }, nbformat: 4, nbformat_minor: 5 };
      fs.writeFileSync(path.join(dir, 'r.ipynb'), JSON.stringify(r, null, 1));
      const out = cli(['check', path.join(dir, 'r.ipynb')]);
      assert.strictEqual(out.code, 0, out.stderr);
      assert.match(out.stdout, /r\.ipynb: note: not a Python notebook \(its language is r\): skipped/);
    });

    it('--fix writes the fixed cells back, every byte outside the changed sources kept', () => {
      const dir = tempDir();
      for (const name of ['kaggle-flow.ipynb', 'string-sources.ipynb']) {
        const file = path.join(dir, name);
        const before = fs.readFileSync(path.join(NB, name), 'utf8');
        fs.writeFileSync(file, before);
        const r = cli(['check', file, '--fix', '--output-format', 'json', ...HEADLINE]);
        assert.strictEqual(r.code, 0, r.stdout + r.stderr);
        const after = fs.readFileSync(file, 'utf8');
        assert.notStrictEqual(after, before);
        const a = parseIpynb(before) as Ipynb;
        const b = parseIpynb(after) as Ipynb;
        // outside the cells' source values, the two files are the same text
        const outside = (nb: Ipynb) => {
          let s = '';
          let cursor = 0;
          for (const c of nb.cells) {
            s += nb.text.slice(cursor, c.source.start) + '<source>';
            cursor = c.source.end;
          }
          return s + nb.text.slice(cursor);
        };
        assert.strictEqual(outside(b), outside(a));
        const changed = a.cells.map((c, i) => c.text !== b.cells[i].text);
        assert.ok(changed.filter(Boolean).length >= 2, 'fixes in several cells');
        a.cells.forEach((c, i) => {
          assert.strictEqual(b.cells[i].form, c.form);
          if (!changed[i]) assert.strictEqual(b.text.slice(b.cells[i].source.start, b.cells[i].source.end), a.text.slice(c.source.start, c.source.end), `cell ${i + 1} kept byte for byte`);
        });
        assert.strictEqual(after.endsWith('\n'), before.endsWith('\n'));
      }
    });
  });
});
