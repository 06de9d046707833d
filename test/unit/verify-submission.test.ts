/**
 * Submission verification: the core (verifySubmission / fixSubmission) on good and broken CSVs, and
 * `trainguard verify-submission` as users run it (exit codes, JSON, --fix, the sample search).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { fixSubmission, isInfinite, isMissing, sampleCandidates, SampleError, verifySubmission, type ProblemKind, type VerifyResult } from '../../server/src/submission/verify';
import { ROOT } from './helpers';
import { tempTree } from './tempTree';

const SAMPLE = 'id,target\n1,0.5\n2,0.5\n3,0.5\n';
const GOOD = 'id,target\n1,0.1\n2,0.9\n3,0.25\n';

function kinds(r: VerifyResult): ProblemKind[] {
  return r.problems.map((p) => p.kind);
}

function only(r: VerifyResult, kind: ProblemKind) {
  const found = r.problems.filter((p) => p.kind === kind);
  assert.strictEqual(found.length, 1, `expected one ${kind}, got ${JSON.stringify(r.problems)}`);
  return found[0];
}

describe('submission verification (core)', () => {
  it('accepts a good submission, with and without the sample', () => {
    for (const r of [verifySubmission(GOOD, SAMPLE), verifySubmission(GOOD)]) {
      assert.deepStrictEqual(r.problems, []);
      assert.strictEqual(r.valid, true);
      assert.strictEqual(r.rows, 3);
      assert.deepStrictEqual(r.header, ['id', 'target']);
    }
    assert.strictEqual(verifySubmission(GOOD, SAMPLE).checkedAgainstSample, true);
    assert.strictEqual(verifySubmission(GOOD).checkedAgainstSample, false);
  });

  it('reads quoted fields, CRLF line endings and a BOM', () => {
    const sample = '\ufeffid,text\r\n"a,1","x"\r\nb,y\r\n';
    const sub = '\ufeffid,text\r\n"a,1","he said ""hi"",\r\nthen left"\r\nb,z\r\n';
    const r = verifySubmission(sub, sample);
    assert.deepStrictEqual(r.problems, []);
    assert.strictEqual(r.rows, 2);
  });

  it('reports a missing column and an extra one, with a hint when only the case differs', () => {
    const missing = verifySubmission('id\n1\n2\n3\n', SAMPLE);
    assert.strictEqual(missing.valid, false);
    assert.match(only(missing, 'missing-column').message, /"target"/);
    const renamed = verifySubmission('id,Target\n1,0.1\n2,0.2\n3,0.3\n', SAMPLE);
    assert.match(only(renamed, 'missing-column').message, /found "Target"/);
    const extra = only(renamed, 'extra-column');
    assert.deepStrictEqual([extra.row, extra.column], [1, 2]);
  });

  it('reports columns in the wrong order at the first misplaced column', () => {
    const r = verifySubmission('target,id\n0.1,1\n0.2,2\n0.3,3\n', SAMPLE);
    assert.deepStrictEqual(kinds(r), ['column-order']);
    assert.deepStrictEqual([r.problems[0].row, r.problems[0].column], [1, 1]);
  });

  it('reports NaN-like and empty cells with their row and column', () => {
    const r = verifySubmission('id,target\n1,NaN\n2,\n3,nan\n', SAMPLE);
    assert.strictEqual(r.valid, false);
    assert.deepStrictEqual(
      r.problems.map((p) => [p.kind, p.row, p.column]),
      [
        ['missing-value', 2, 2],
        ['missing-value', 3, 2],
        ['missing-value', 4, 2],
      ],
    );
    assert.match(r.problems[1].message, /empty cell/);
  });

  it('reports infinite values (inf, -inf, Infinity, 1e999)', () => {
    const r = verifySubmission('id,target\n1,inf\n2,-inf\n3,Infinity\n', SAMPLE);
    assert.deepStrictEqual(r.problems.map((p) => [p.kind, p.row, p.column]), [
      ['infinite-value', 2, 2],
      ['infinite-value', 3, 2],
      ['infinite-value', 4, 2],
    ]);
    assert.ok(isInfinite('1e999') && isInfinite(' -Infinity ') && !isInfinite('info') && !isInfinite('12'));
    assert.ok(isMissing('') && isMissing(' NA ') && isMissing('null') && !isMissing('0') && !isMissing('nana'));
  });

  it('reports a duplicated id at its second row, and the id it displaced as missing', () => {
    const r = verifySubmission('id,target\n1,0.1\n1,0.2\n3,0.3\n', SAMPLE);
    const dup = only(r, 'duplicate-id');
    assert.deepStrictEqual([dup.row, dup.column], [3, 1]);
    assert.match(dup.message, /first at row 2/);
    assert.match(only(r, 'missing-id').message, /id "2" \(sample row 3\)/);
    assert.strictEqual(r.valid, false);
  });

  it('reports a missing id and the row count', () => {
    const r = verifySubmission('id,target\n1,0.1\n3,0.3\n', SAMPLE);
    assert.deepStrictEqual(kinds(r).sort(), ['missing-id', 'row-count']);
    assert.match(only(r, 'row-count').message, /2 data rows; the sample has 3/);
  });

  it('reports an extra row with an id the sample does not have', () => {
    const r = verifySubmission(GOOD + '4,0.4\n', SAMPLE);
    assert.deepStrictEqual(kinds(r).sort(), ['row-count', 'unexpected-id']);
    assert.strictEqual(only(r, 'unexpected-id').row, 5);
  });

  it('warns (without failing) when the rows are not in the sample order', () => {
    const r = verifySubmission('id,target\n2,0.1\n1,0.9\n3,0.25\n', SAMPLE);
    const w = only(r, 'row-order');
    assert.strictEqual(w.severity, 'warning');
    assert.strictEqual(w.row, 2);
    assert.strictEqual(r.valid, true);
  });

  it('reports an empty file, a header-only file, a binary file and broken quoting without throwing', () => {
    for (const empty of ['', '\n\n', '\ufeff', '   \r\n']) assert.deepStrictEqual(kinds(verifySubmission(empty, SAMPLE)), ['empty'], JSON.stringify(empty));
    const headerOnly = verifySubmission('id,target\n', SAMPLE);
    assert.ok(kinds(headerOnly).includes('no-rows'));
    assert.strictEqual(headerOnly.valid, false);
    const binary = verifySubmission('\u0089PNG\r\n\u001a\n\u0000\u0000\u0000\rIHDR', SAMPLE);
    assert.deepStrictEqual(kinds(binary), ['unreadable']);
    assert.match(binary.problems[0].message, /binary/);
    const quote = verifySubmission('id,target\n1,"0.1\n2,0.2\n', SAMPLE);
    assert.deepStrictEqual(kinds(quote), ['unreadable']);
    assert.strictEqual(quote.valid, false);
  });

  it('reports rows with too few or too many cells', () => {
    const r = verifySubmission('id,target\n1,0.1\n2\n3,0.3,9\n', SAMPLE);
    assert.deepStrictEqual(r.problems.filter((p) => p.kind === 'ragged-row').map((p) => p.row), [3, 4]);
  });

  it('caps the detailed problems per kind with one "and N more" line', () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i},nan`).join('\n');
    const r = verifySubmission(`id,target\n${rows}\n`, null, { maxPerKind: 5 });
    assert.strictEqual(r.problems.filter((p) => p.kind === 'missing-value').length, 5);
    assert.match(only(r, 'too-many').message, /25 more missing-value/);
  });

  it('refuses an unusable sample with SampleError', () => {
    assert.throws(() => verifySubmission(GOOD, ''), SampleError);
    assert.throws(() => verifySubmission(GOOD, 'a\u0000b'), SampleError);
  });

  it('finds sample candidates beside the file, then up to 5 parents', () => {
    assert.deepStrictEqual(sampleCandidates('/a/b/sub.csv'), ['/a/b/sample_submission.csv', '/a/sample_submission.csv', '/sample_submission.csv']);
    assert.strictEqual(sampleCandidates('/1/2/3/4/5/6/7/sub.csv').length, 6);
  });
});

describe('submission verification (fix)', () => {
  it('reorders the columns to the sample and keeps BOM, CRLF and quoting', () => {
    const f = fixSubmission('\ufefftarget,id\r\n0.1,"1"\r\n0.2,2\r\n0.3,3\r\n', SAMPLE);
    assert.strictEqual(f.text, '\ufeffid,target\r\n1,0.1\r\n2,0.2\r\n3,0.3\r\n');
    assert.deepStrictEqual(f.changes, ['reordered the columns to the sample\'s order: "id", "target"']);
    assert.deepStrictEqual(f.after.problems, []);
  });

  it('fills NaN in a probability column with 0.5', () => {
    const f = fixSubmission('id,target\n1,0.1\n2,NaN\n3,\n', SAMPLE);
    assert.strictEqual(f.text, 'id,target\n1,0.1\n2,0.5\n3,0.5\n');
    assert.match(f.changes[0], /filled 2 missing values in column "target" with 0\.5 \(probability column\)/);
    assert.strictEqual(f.after.valid, true);
  });

  it('fills an integer label column with its (lower) median, so it stays integer', () => {
    const f = fixSubmission('id,label\n1,0\n2,1\n3,nan\n4,1\n5,0\n', null);
    assert.strictEqual(f.text, 'id,label\n1,0\n2,1\n3,0\n4,1\n5,0\n');
    assert.match(f.changes[0], /column median/);
    const reg = fixSubmission('id,y\n1,10.5\n2,\n3,2\n4,7\n', null);
    assert.strictEqual(reg.text, 'id,y\n1,10.5\n2,7\n3,2\n4,7\n');
  });

  it('leaves inf, missing text cells, and bad ids alone, and says what is left', () => {
    const f = fixSubmission('id,target\n1,inf\n2,\n,0.3\n', SAMPLE);
    // the empty target is filled (inf does not stop the column being numeric), the rest stays
    assert.strictEqual(f.text, 'id,target\n1,inf\n2,0.5\n,0.3\n');
    assert.deepStrictEqual(kinds(f.after).sort(), ['infinite-value', 'missing-id', 'missing-value']);
    const text = fixSubmission('id,label\n1,cat\n2,\n3,dog\n', null);
    assert.strictEqual(text.text, null);
    assert.deepStrictEqual(text.changes, []);
    assert.deepStrictEqual(kinds(text.after), ['missing-value']);
  });

  it('changes nothing on a good file, an empty file or a file whose columns are not the sample\'s', () => {
    for (const t of [GOOD, '', 'id,score\n1,0.1\n2,0.2\n3,0.3\n', '\u0000\u0001']) {
      const f = fixSubmission(t, SAMPLE);
      assert.strictEqual(f.text, null, JSON.stringify(t));
    }
  });

  it('re-quotes cells that need it after a reorder', () => {
    const f = fixSubmission('text,id\n"a, b",1\n"say ""x""",2\n c,3\n', 'id,text\n1,q\n2,q\n3,q\n');
    assert.strictEqual(f.text, 'id,text\n1,"a, b"\n2,"say ""x"""\n3," c"\n');
    assert.deepStrictEqual(f.after.problems, []);
  });
});

describe('trainguard verify-submission', function () {
  this.timeout(30000);
  const BIN = path.join(ROOT, 'bin', 'trainguard.js');
  const made: string[] = [];
  after(() => {
    for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  function tree(files: Record<string, string | Buffer>): string {
    const d = tempTree(files);
    made.push(d);
    return d;
  }
  function cli(args: string[], cwd: string) {
    const r = spawnSync(process.execPath, [BIN, 'verify-submission', ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it('exits 0 on a valid file and finds sample_submission.csv in a parent folder', () => {
    const d = tree({ 'sample_submission.csv': SAMPLE, 'runs/a/submission.csv': GOOD });
    const r = cli(['runs/a/submission.csv'], d);
    assert.strictEqual(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Submission looks valid: 3 rows \(against .*sample_submission\.csv\)/);
  });

  it('exits 1 with file:row:column lines for problems', () => {
    const d = tree({ 'sample_submission.csv': SAMPLE, 'submission.csv': 'id,target\n1,0.1\n2,nan\n' });
    const r = cli(['submission.csv'], d);
    assert.strictEqual(r.code, 1);
    assert.match(r.stdout, /^submission\.csv:3:2: error: missing value \("nan"\) in column "target"$/m);
    assert.match(r.stdout, /^submission\.csv: error: 2 data rows; the sample has 3$/m);
  });

  it('prints JSON with the problems and their positions', () => {
    const d = tree({ 'other.csv': SAMPLE, 'submission.csv': 'target,id\n0.1,1\n0.2,2\n0.3,3\n' });
    const r = cli(['submission.csv', '--sample', 'other.csv', '--output-format', 'json'], d);
    assert.strictEqual(r.code, 1);
    const j = JSON.parse(r.stdout) as { valid: boolean; sample: string; rows: number; columns: string[]; fixed: string[]; problems: { kind: string; row: number; column: number; severity: string }[] };
    assert.strictEqual(j.valid, false);
    assert.strictEqual(j.sample, 'other.csv');
    assert.deepStrictEqual(j.columns, ['target', 'id']);
    assert.deepStrictEqual(j.problems.map((p) => [p.kind, p.severity, p.row, p.column]), [['column-order', 'error', 1, 1]]);
  });

  it('--fix writes the safe repairs and exits 0 when nothing is left', () => {
    const d = tree({ 'sample_submission.csv': SAMPLE, 'submission.csv': 'target,id\r\n0.1,1\r\n,2\r\n0.3,3\r\n' });
    const r = cli(['submission.csv', '--fix', '--output-format', 'json'], d);
    assert.strictEqual(r.code, 0, r.stdout + r.stderr);
    assert.strictEqual(fs.readFileSync(path.join(d, 'submission.csv'), 'utf8'), 'id,target\r\n1,0.1\r\n2,0.5\r\n3,0.3\r\n');
    const j = JSON.parse(r.stdout) as { valid: boolean; fixed: string[] };
    assert.strictEqual(j.valid, true);
    assert.strictEqual(j.fixed.length, 2);
  });

  it('--fix exits 1 when problems remain and leaves an unfixable file untouched', () => {
    const body = 'id,target\n1,inf\n2,0.2\n3,0.3\n';
    const d = tree({ 'sample_submission.csv': SAMPLE, 'submission.csv': body });
    const r = cli(['submission.csv', '--fix'], d);
    assert.strictEqual(r.code, 1);
    assert.strictEqual(fs.readFileSync(path.join(d, 'submission.csv'), 'utf8'), body);
  });

  it('checks only the file itself without a sample', () => {
    const d = tree({ 'submission.csv': GOOD });
    const r = cli(['submission.csv'], d);
    assert.strictEqual(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /no sample_submission\.csv found/);
  });

  it('exits 1 on an empty, header-only or binary file', () => {
    const d = tree({ 'empty.csv': '', 'header.csv': 'id,target\n', 'bin.csv': Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0xff, 0xfe]) });
    for (const f of ['empty.csv', 'header.csv', 'bin.csv']) {
      const r = cli([f], d);
      assert.strictEqual(r.code, 1, f + r.stdout + r.stderr);
      assert.strictEqual(r.stderr, '');
    }
  });

  it('exits 2 with one clear line for a missing file, a missing sample, a bad sample and bad usage', () => {
    const d = tree({ 'submission.csv': GOOD, 'bad_sample.csv': '' });
    const missing = cli(['nope.csv'], d);
    assert.strictEqual(missing.code, 2);
    assert.strictEqual(missing.stderr, 'trainguard: nope.csv: no such file\n');
    assert.strictEqual(missing.stdout, '');
    const noSample = cli(['submission.csv', '--sample', 'nope.csv'], d);
    assert.strictEqual(noSample.code, 2);
    assert.strictEqual(noSample.stderr, 'trainguard: nope.csv: no such file\n');
    const badSample = cli(['submission.csv', '--sample', 'bad_sample.csv'], d);
    assert.strictEqual(badSample.code, 2);
    assert.match(badSample.stderr, /bad_sample\.csv: the sample submission cannot be used: the file is empty/);
    assert.strictEqual(cli([], d).code, 2);
    assert.strictEqual(cli(['submission.csv', '--output-format', 'xml'], d).code, 2);
    assert.strictEqual(cli(['.'], d).code, 2);
  });
});

describe('Verify submission in VS Code (manifest)', () => {
  it('contributes trainguard.verifySubmission with a palette entry and an explorer menu for *.csv, and the client registers it', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      contributes: { commands: { command: string; title: string }[]; menus: Record<string, { command: string; when?: string }[]> };
    };
    const cmd = pkg.contributes.commands.find((c) => c.command === 'trainguard.verifySubmission');
    assert.strictEqual(cmd?.title, 'Verify submission');
    const explorer = pkg.contributes.menus['explorer/context']?.find((m) => m.command === 'trainguard.verifySubmission');
    assert.strictEqual(explorer?.when, 'resourceExtname == .csv');
    const src = fs.readFileSync(path.join(ROOT, 'client', 'src', 'features', 'verifySubmission.ts'), 'utf8');
    assert.match(src, /registerCommand\('trainguard\.verifySubmission'/);
    assert.doesNotMatch(fs.readFileSync(path.join(ROOT, 'server', 'src', 'submission', 'verify.ts'), 'utf8'), /from 'vscode/);
  });
});
