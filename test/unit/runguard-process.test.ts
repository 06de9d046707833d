/**
 * The run guard on real processes: the small Python scripts of test/fixtures/runguard/*.py (no torch)
 * run with python3 by the runner, copied into a temporary folder each (the run log goes beside the
 * script). Timeouts are shortened through the options, so each run takes a few seconds; waits are on
 * the runner's events, bounded by mocha's timeout, never on a measured speed. After a stop the whole
 * process tree is gone: the script and the child it started (one that ignores SIGTERM, so the stop has
 * to escalate to SIGKILL), checked by PID in /proc (a zombie counts as gone).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { FIXTURES } from './helpers';
import { tempTree } from './tempTree';
import { GuardedRun, groupMembers, isAlive, type RunListener, type RunOptions } from '../../server/src/runguard/runner';
import type { GuardWarning } from '../../server/src/runguard/watcher';
import { listRunLogs } from '../../server/src/runguard/logs';

const DIR = path.join(FIXTURES, 'runguard');
const made: string[] = [];
const started: GuardedRun[] = [];

/** A temporary folder holding a copy of the fixture script (and `extra` files); returns the script's path. */
function copy(script: string, extra: Record<string, string> = {}): string {
  const root = tempTree({ [script]: fs.readFileSync(path.join(DIR, script), 'utf8'), ...extra });
  made.push(root);
  return path.join(root, script);
}

interface Watched {
  run: GuardedRun;
  output: () => string;
  guard: string[];
  /** Resolves with the first warning of `kind` (that `test` accepts). */
  warning(kind: GuardWarning['kind'], test?: (w: GuardWarning) => boolean): Promise<GuardWarning>;
}

function start(script: string, options: Partial<RunOptions> = {}, listener: RunListener = {}): Watched {
  let out = '';
  const guard: string[] = [];
  const seen: GuardWarning[] = [];
  const waiters: { kind: string; test: (w: GuardWarning) => boolean; resolve: (w: GuardWarning) => void }[] = [];
  const run = GuardedRun.start(
    { python: 'python3', script, tickMs: 100, graceMs: 1000, ...options, watch: { noOutputSeconds: 0, firstEpochSeconds: 0, ...options.watch } },
    {
      output: (t) => (out += t),
      guard: (lines) => guard.push(...lines),
      event: (e, s) => {
        if (e.type === 'warning') {
          seen.push(e.warning);
          for (const w of waiters.filter((x) => x.kind === e.warning.kind && x.test(e.warning))) w.resolve(e.warning);
        }
        listener.event?.(e, s);
      },
    },
  );
  started.push(run);
  return {
    run,
    output: () => out,
    guard,
    warning: (kind, test = () => true) => {
      const found = seen.find((w) => w.kind === kind && test(w));
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ kind, test, resolve }));
    },
  };
}

/** Resolves once the output holds `re`; returns the match. */
async function outputMatch(w: Watched, re: RegExp): Promise<RegExpMatchArray> {
  for (;;) {
    const m = re.exec(w.output());
    if (m) return m;
    if (!w.run.running) throw new Error(`the run ended without printing ${re}: ${w.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('run guard on real processes', function () {
  this.timeout(20000);

  afterEach(async () => {
    // a failed test must not leave a process behind
    for (const r of started.splice(0)) if (r.running) await r.stop();
  });
  after(() => {
    for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('a healthy run: its output streamed, epochs read, no warning, exit code 0, the log kept, the submission verified', async () => {
    const script = copy('train_ok.py', { 'sample_submission.csv': 'id,target\n1,0.5\n2,0.5\n3,0.5\n' });
    const epochs: number[] = [];
    const w = start(script, { watch: { noOutputSeconds: 5, firstEpochSeconds: 5 }, submissionPaths: ['outputs/submission.csv'] }, { event: (e) => e.type === 'epoch' && epochs.push(e.epoch.epoch) });
    const r = await w.run.done;
    assert.strictEqual(r.exitCode, 0);
    assert.strictEqual(r.stoppedBy, null);
    assert.deepStrictEqual(r.warnings, []);
    assert.deepStrictEqual(epochs, [1, 2, 3]);
    assert.match(w.output(), /epoch 3\/3: train 0\.333 val 0\.400\ndone\n$/);
    assert.strictEqual(r.status.valLoss, 0.4);
    // the log: a header naming the script, the whole output, the guard's end lines
    assert.ok(r.logFile && r.logFile.startsWith(path.join(path.dirname(script), '.trainguard', 'runs') + path.sep), String(r.logFile));
    const log = fs.readFileSync(r.logFile, 'utf8');
    assert.ok(log.startsWith(`# Train Guard run of ${JSON.stringify(script)} with "python3"`), log.slice(0, 200));
    assert.ok(log.includes('epoch 2/3: train 0.500 val 0.600\n'));
    assert.match(log, /\[trainguard\] run exited with code 0 after /);
    assert.deepStrictEqual(listRunLogs(path.dirname(script)).map((e) => [e.file, e.script]), [[r.logFile, script]]);
    assert.strictEqual(fs.readFileSync(path.join(path.dirname(script), '.trainguard', '.gitignore'), 'utf8').split('\n')[1], '*');
    // the submission the script wrote in the folder it names, checked against the sample
    assert.deepStrictEqual(r.submissions.map((s) => [path.relative(path.dirname(script), s.file), s.result?.valid, s.sample !== null]), [[path.join('outputs', 'submission.csv'), true, true]]);
    assert.ok(w.guard.some((l) => /submission .*outputs.submission\.csv looks valid: 3 rows \(against /.test(l)), w.guard.join('\n'));
  });

  it('a hanging script: flagged after the no-output timeout with its last line, then stopped on request; the script and its SIGTERM-ignoring child are gone', async () => {
    const script = copy('hang.py');
    const w = start(script, { watch: { noOutputSeconds: 1, firstEpochSeconds: 2 } });
    const [, childText] = await outputMatch(w, /PIDS (\d+)/);
    const child = Number(childText);
    const pid = w.run.pid!;
    assert.ok(isAlive(pid) && isAlive(child), 'both processes run before the stop');
    // (a slow interpreter start-up may be flagged too: the silence that matters is the one after the last line)
    const silence = await w.warning('no-output', (x) => x.line === 'Creating model (pretrained)...');
    assert.match(silence.message, /^no output for 1 s; the last line was: "Creating model \(pretrained\)\.\.\."/);
    assert.strictEqual(silence.stop, true);
    const late = await w.warning('no-first-epoch');
    assert.strictEqual(late.kind, 'no-first-epoch');
    assert.ok(w.run.running, 'without auto-stop the guard only warns');
    const r = await w.run.stop();
    assert.strictEqual(r.stoppedBy, 'user');
    assert.strictEqual(r.exitCode, null);
    assert.strictEqual(r.signal, 'SIGTERM');
    assert.ok(!isAlive(pid), `script ${pid} still alive`);
    assert.ok(!isAlive(child), `child ${child} still alive (it ignores SIGTERM: SIGKILL must follow)`);
    assert.deepStrictEqual(groupMembers(pid), [], 'nothing left in the process group');
    assert.ok(w.guard.some((l) => l.startsWith('stopping the run (stop requested): SIGTERM to process group')), w.guard.join('\n'));
    assert.ok(w.guard.some((l) => /still alive after 1 s: SIGKILL to process group/.test(l)), w.guard.join('\n'));
    const log = fs.readFileSync(r.logFile!, 'utf8');
    // Under load python3 can take over 1 s to print its first line, which earns an earlier no-output
    // warning of its own: what matters is the warning that quotes the line the script hangs after.
    assert.match(log, /Creating model \(pretrained\)\.\.\.\n(?:.*\n)*?\[trainguard\] WARNING \(no-output\) at 0:\d\d: no output for 1 s; the last line was: "Creating model \(pretrained\)\.\.\."/);
    assert.match(log, /\[trainguard\] run stopped on request after /);
  });

  it('auto-stop: the no-output warning stops the run by itself and kills the tree', async () => {
    const script = copy('hang.py');
    const w = start(script, { autoStop: true, watch: { noOutputSeconds: 2 } });
    const [, childText] = await outputMatch(w, /PIDS (\d+)/);
    const r = await w.run.done;
    assert.strictEqual(r.stoppedBy, 'auto');
    assert.strictEqual(r.stopWarning?.kind, 'no-output');
    assert.ok(!isAlive(r.pid!) && !isAlive(Number(childText)));
    assert.ok(w.guard.some((l) => l.startsWith('stopping the run (auto-stop after the no-output warning)')));
  });

  it('a script that exits leaving a child running: the leftover is stopped too', async () => {
    const script = copy('leftover.py');
    const w = start(script);
    const [, childText] = await outputMatch(w, /PIDS (\d+)/);
    const r = await w.run.done;
    assert.strictEqual(r.exitCode, 0);
    assert.strictEqual(r.stoppedBy, null);
    assert.ok(!isAlive(Number(childText)), 'the leftover child was stopped');
    assert.ok(w.guard.some((l) => l.startsWith('the script exited; stopping the processes it left running')));
  });

  it('a low GPU print: warned with the line, and auto-stop stops the run', async () => {
    const script = copy('low_gpu.py');
    const w = start(script, { autoStop: true });
    const r = await w.run.done;
    assert.deepStrictEqual(r.warnings.map((x) => [x.kind, x.line]), [['low-gpu-memory', 'GPU: 0.1 GB / 16.0 GB (0.6%)']]);
    assert.strictEqual(r.stoppedBy, 'auto');
    assert.doesNotMatch(w.output(), /step 19 /, 'stopped before the script finished');
  });

  it('the baseline loss with a known class count: warned in the first epochs; with another class count: nothing', async () => {
    const at = await start(copy('baseline.py'), { watch: { classes: 120 } }).run.done;
    assert.deepStrictEqual(at.warnings.map((x) => [x.kind, x.line]), [['loss-at-baseline', 'Epoch 1/20 - loss: 4.7900 - val_loss: 4.7850']]);
    assert.strictEqual(at.exitCode, 0);
    const other = await start(copy('baseline.py'), { watch: { classes: 10 } }).run.done;
    assert.deepStrictEqual(other.warnings, []);
  });

  it('a CUDA-OOM-like crash: the traceback warned with the error line and the guide section; exit code 1', async () => {
    const r = await start(copy('oom.py')).run.done;
    assert.strictEqual(r.exitCode, 1);
    assert.strictEqual(r.warnings.length, 1, JSON.stringify(r.warnings));
    const w = r.warnings[0];
    assert.strictEqual(w.kind, 'traceback');
    assert.match(w.line!, /^OutOfMemoryError: CUDA out of memory\. Tried to allocate 2\.00 GiB/);
    assert.strictEqual(w.help.anchor, 'cuda-out-of-memory');
  });

  it('a bad submission.csv: found after the run and reported with its problems', async () => {
    const script = copy('bad_submission.py', { 'sample_submission.csv': 'id,target\n1,0.5\n2,0.5\n3,0.5\n' });
    const w = start(script);
    const r = await w.run.done;
    assert.strictEqual(r.exitCode, 0);
    assert.strictEqual(r.submissions.length, 1);
    const check = r.submissions[0];
    assert.strictEqual(check.file, path.join(path.dirname(script), 'submission.csv'));
    assert.strictEqual(check.result?.valid, false);
    const kinds = check.result!.problems.map((p) => p.kind);
    assert.ok(kinds.includes('missing-value') && kinds.includes('missing-id') && kinds.includes('unexpected-id'), kinds.join(', '));
    assert.ok(w.guard.some((l) => /submission .*submission\.csv is NOT valid/.test(l)));
  });

  it('a submission older than the run is not taken for its output', async () => {
    const script = copy('train_ok.py', { 'submission.csv': 'id,target\n1,0.5\n' });
    const old = path.join(path.dirname(script), 'submission.csv');
    fs.utimesSync(old, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
    const r = await start(script, { submissionPaths: ['outputs/submission.csv'] }).run.done;
    // the one written by this run is checked; the hour-old one beside the script is not
    assert.deepStrictEqual(r.submissions.map((s) => path.relative(path.dirname(script), s.file)), [path.join('outputs', 'submission.csv')]);
    assert.deepStrictEqual(r.submissionSearched, [path.dirname(script), path.join(path.dirname(script), 'outputs')]);
  });

  it('a missing interpreter: reported, nothing started', async () => {
    const r = await start(copy('train_ok.py'), { python: '/nonexistent/python3' }).run.done;
    assert.match(r.spawnError ?? '', /cannot start \/nonexistent\/python3: not found/);
    assert.strictEqual(r.pid, null);
  });
});
