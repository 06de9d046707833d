/**
 * Crash isolation in `trainguard check`: an exception while checking or fixing one file, or a worker
 * thread that dies on it, is one error line for that file (the stack trace only with --verbose) and an
 * error entry in the json, json-lines, github and sarif reports; the other files are still checked and
 * fixed, and the exit code is 2. The faults are injected with TRAINGUARD_TEST_FAULT (cli/checkFile.ts
 * `injectedFault`): `throw:NAME` makes checking NAME throw, `exit:NAME` ends the worker thread on it.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { ROOT } from './helpers';
import { tempTree } from './tempTree';
import { initParser } from '../../server/src/analysis/parser';
import { Checker, internalError, type CheckOptions, type FileOutcome } from '../../server/src/cli/checkFile';
import { checkAll } from '../../server/src/cli/pool';

const BIN = path.join(ROOT, 'bin', 'trainguard.js');
const WORKER = path.join(ROOT, 'dist', 'cli-worker.js');
const EXAMPLE = fs.readFileSync(path.join(ROOT, 'examples', 'train.py'), 'utf8');
const SELECT = ['--select', 'TG203,TG211,TG303,TG701'];
const FILES = ['a.py', 'b.py', 'bad.py', 'c.py', 'd.py', 'e.py'];

function cli(args: string[], cwd: string, fault?: string, input?: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.TRAINGUARD_TEST_FAULT;
  if (fault) env.TRAINGUARD_TEST_FAULT = fault;
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, input, encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const made: string[] = [];
function project(): string {
  const d = tempTree(Object.fromEntries(FILES.map((f) => [f, EXAMPLE])));
  made.push(d);
  return d;
}
after(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** The lines of `text` that name `file` (a finding or an error). */
const about = (text: string, file: string) => text.split('\n').filter((l) => l.startsWith(`${file}:`) || l.includes(`/${file}:`) || l.includes(` ${file}:`));
const STACK_LINE = /^\s+at .+\(.+:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;

describe('check: one file failing does not stop the others', function () {
  this.timeout(60000);

  it('an exception on one file: one error line, the other files reported, exit 2 (in this thread and in workers)', () => {
    const dir = project();
    const clean = cli(['check', '.', '--output-format', 'concise', '--jobs', '1', ...SELECT], dir);
    assert.strictEqual(clean.code, 1, clean.stderr);
    for (const jobs of ['1', '3']) {
      const r = cli(['check', '.', '--output-format', 'concise', '--jobs', jobs, ...SELECT], dir, 'throw:bad.py');
      assert.strictEqual(r.code, 2, `--jobs ${jobs}: ${r.stderr}`);
      const lines = r.stderr.trimEnd().split('\n');
      assert.deepStrictEqual(lines, ['trainguard: bad.py: internal error: fault injected by TRAINGUARD_TEST_FAULT for bad.py (a bug in Train Guard: please report it; --verbose shows the stack trace)'], `--jobs ${jobs}`);
      assert.doesNotMatch(r.stderr, STACK_LINE);
      // every other file's findings, exactly as in a clean run
      const expected = clean.stdout.split('\n').filter((l) => !l.startsWith('bad.py:') && !/^Found|^\[\*\]/.test(l));
      const got = r.stdout.split('\n').filter((l) => !/^Found|^\[\*\]/.test(l));
      assert.deepStrictEqual(got, expected, `--jobs ${jobs}`);
      assert.deepStrictEqual(about(r.stdout, 'bad.py'), []);
      assert.strictEqual(FILES.filter((f) => f !== 'bad.py').every((f) => about(r.stdout, f).length === 4), true);
    }
  });

  it('the text summary counts the input that could not be checked; --verbose adds the stack trace', () => {
    const dir = project();
    const r = cli(['check', '.', ...SELECT], dir, 'throw:bad.py');
    assert.strictEqual(r.code, 2);
    assert.match(r.stdout, /Found 20 problems in 5 of 5 files\.[\s\S]*\n1 input could not be checked \(see above\)\./);
    const v = cli(['check', '.', '--verbose', ...SELECT], dir, 'throw:bad.py');
    assert.strictEqual(v.code, 2);
    assert.match(v.stderr, /^trainguard: bad\.py: internal error: fault injected by TRAINGUARD_TEST_FAULT for bad\.py \(a bug in Train Guard: please report it\)\n {4}Error: fault injected/);
    assert.match(v.stderr, STACK_LINE);
  });

  it('a worker thread that dies on a file fails that file only; the other files are checked', () => {
    const dir = project();
    const clean = cli(['check', '.', '--output-format', 'concise', '--jobs', '1', ...SELECT], dir);
    const r = cli(['check', '.', '--output-format', 'concise', '--jobs', '2', ...SELECT], dir, 'exit:bad.py');
    assert.strictEqual(r.code, 2, r.stderr);
    assert.deepStrictEqual(r.stderr.trimEnd().split('\n'), ['trainguard: bad.py: internal error: the worker thread checking it stopped: exit code 70 (a bug in Train Guard: please report it; --verbose shows the stack trace)']);
    assert.deepStrictEqual(
      r.stdout.split('\n').filter((l) => !/^Found|^\[\*\]/.test(l)),
      clean.stdout.split('\n').filter((l) => !l.startsWith('bad.py:') && !/^Found|^\[\*\]/.test(l)),
    );
    // in this thread the exit fault does nothing: it only ends worker threads
    assert.strictEqual(cli(['check', '.', '--output-format', 'concise', '--jobs', '1', ...SELECT], dir, 'exit:bad.py').stdout, clean.stdout);
  });

  it('json and json-lines: an error entry with no code for the file; sarif: an error notification at the file, and it validates', () => {
    const dir = project();
    const json = cli(['check', '.', '--output-format', 'json', ...SELECT], dir, 'throw:bad.py');
    assert.strictEqual(json.code, 2);
    const entries = JSON.parse(json.stdout) as { code: string | null; filename: string; severity: string; message: string; url: string | null; fix: unknown; location: unknown }[];
    const errors = entries.filter((e) => e.code === null);
    assert.deepStrictEqual(errors.map((e) => ({ ...e, message: e.message.replace(/ \(a bug.*$/, '') })), [
      { code: null, message: 'internal error: fault injected by TRAINGUARD_TEST_FAULT for bad.py', severity: 'error', filename: 'bad.py', cell: null, location: { row: 1, column: 1 }, end_location: { row: 1, column: 1 }, fix: null, url: null },
    ]);
    assert.deepStrictEqual([...new Set(entries.filter((e) => e.code !== null).map((e) => e.filename))].sort(), FILES.filter((f) => f !== 'bad.py'));

    const lines = cli(['check', '.', '--output-format', 'json-lines', ...SELECT], dir, 'throw:bad.py');
    assert.strictEqual(lines.code, 2);
    assert.deepStrictEqual(lines.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown), entries);

    const gh = cli(['check', '.', '--output-format', 'github', ...SELECT], dir, 'throw:bad.py');
    assert.strictEqual(gh.code, 2);
    assert.deepStrictEqual(gh.stdout.split('\n').filter((l) => l.includes('bad.py')), ['::error file=bad.py,title=trainguard%3A not checked::internal error: fault injected by TRAINGUARD_TEST_FAULT for bad.py (a bug in Train Guard: please report it; --verbose shows the stack trace)']);

    const sarif = cli(['check', '.', '--output-format', 'sarif', ...SELECT], dir, 'throw:bad.py');
    assert.strictEqual(sarif.code, 2);
    const log = JSON.parse(sarif.stdout) as { runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[]; invocations: { executionSuccessful: boolean; toolExecutionNotifications: { level: string; message: { text: string }; locations?: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string } } }[] }[] }[] }[] };
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'data', 'sarif-schema-2.1.0.json'), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
    const inv = log.runs[0].invocations[0];
    assert.strictEqual(inv.executionSuccessful, false);
    const notes = inv.toolExecutionNotifications.filter((n) => n.level === 'error');
    assert.strictEqual(notes.length, 1, 'one notification for the file, not one per stderr line');
    assert.match(notes[0].message.text, /^bad\.py: internal error: fault injected/);
    assert.deepStrictEqual(notes[0].locations, [{ physicalLocation: { artifactLocation: { uri: 'bad.py', uriBaseId: '%SRCROOT%' } } }]);
    assert.strictEqual(log.runs[0].results.filter((x) => x.locations[0].physicalLocation.artifactLocation.uri === 'bad.py').length, 0);
    assert.strictEqual(log.runs[0].results.length, 20);
  });

  it('--fix: the other files are fixed, the failing one is left as it was', () => {
    const dir = project();
    const r = cli(['check', '.', '--fix', '--jobs', '1', ...SELECT], dir, 'throw:bad.py');
    assert.strictEqual(r.code, 2, r.stderr);
    assert.strictEqual(fs.readFileSync(path.join(dir, 'bad.py'), 'utf8'), EXAMPLE);
    for (const f of FILES.filter((x) => x !== 'bad.py')) assert.notStrictEqual(fs.readFileSync(path.join(dir, f), 'utf8'), EXAMPLE, `${f} was not fixed`);
    assert.match(r.stderr, /^trainguard: bad\.py: internal error: fault injected/m);
  });

  it('stdin with --fix: the text comes back unchanged, one error line, exit 2', () => {
    const dir = project();
    const r = cli(['check', '-', '--stdin-filename', 'bad.py', '--fix', ...SELECT], dir, 'throw:bad.py', EXAMPLE);
    assert.strictEqual(r.code, 2);
    assert.strictEqual(r.stdout, EXAMPLE);
    assert.match(r.stderr, /^trainguard: bad\.py: internal error: fault injected/);
    assert.doesNotMatch(r.stderr, STACK_LINE);
  });

  describe('in the pool (cli/pool.ts) with the bundled worker', () => {
    before(() => initParser());
    afterEach(() => delete process.env.TRAINGUARD_TEST_FAULT);

    it('the dead worker\'s file is an internal error, never retried in this thread; every other outcome is as in one thread', async () => {
      const dir = project();
      const list = FILES.map((f) => path.join(dir, f));
      const options: CheckOptions = { select: ['TG303'], ignore: [], mode: 'check', unsafe: false, announceFixes: false };
      const local = new Checker(options);
      const expected = list.map((f) => local.checkFile(f));
      process.env.TRAINGUARD_TEST_FAULT = 'exit:bad.py'; // read by the workers when they check a file
      const got: FileOutcome[] = [];
      let localCalls = 0;
      await checkAll(list, options, () => (localCalls++, local), 2, (o) => got.push(o), WORKER);
      const bad = FILES.indexOf('bad.py');
      assert.strictEqual(got.length, FILES.length);
      assert.match(got[bad].error ?? '', /^internal error: the worker thread checking it stopped: exit code 70 /);
      assert.strictEqual(got[bad].failed, true);
      assert.strictEqual(got[bad].report, null);
      got.forEach((o, i) => i !== bad && assert.deepStrictEqual(o, expected[i], FILES[i]));
      assert.strictEqual(localCalls, 0, 'the other worker took the dead one\'s remaining files');
    });

    it('internalError keeps one line of the message; the stack only when verbose', () => {
      const e = new TypeError('x is undefined\nsecond line');
      const quiet = internalError('f.py', e);
      assert.deepStrictEqual(quiet.stderr, ['trainguard: f.py: internal error: TypeError: x is undefined (a bug in Train Guard: please report it; --verbose shows the stack trace)\n']);
      assert.strictEqual(quiet.error, 'internal error: TypeError: x is undefined (a bug in Train Guard: please report it; --verbose shows the stack trace)');
      const loud = internalError('f.py', e, true);
      assert.match(loud.stderr[0], /^trainguard: f\.py: internal error: TypeError: x is undefined \(a bug in Train Guard: please report it\)\n {4}TypeError: x is undefined\n {4}second line\n {8}at /);
      assert.strictEqual(internalError('f.py', 'a string').error, 'internal error: a string (a bug in Train Guard: please report it; --verbose shows the stack trace)');
    });
  });
});
