/**
 * `trainguard run` end to end (bin/trainguard.js, the bundled CLI): the script's output on stdout /
 * stderr as it comes, the guard's lines prefixed on stderr, the exit codes (the script's, 124 for
 * auto-stop, 130 for Ctrl+C, 127 for a missing interpreter, 2 for a usage error), Ctrl+C stopping the
 * whole tree, and the budget and class count read from the script.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { FIXTURES, ROOT } from './helpers';
import { tempTree } from './tempTree';
import { isAlive } from '../../server/src/runguard/runner';

const BIN = path.join(ROOT, 'bin', 'trainguard.js');
const made: string[] = [];

function copy(script: string, extra: Record<string, string> = {}): string {
  const root = tempTree({ [script]: fs.readFileSync(path.join(FIXTURES, 'runguard', script), 'utf8'), ...extra });
  made.push(root);
  return path.join(root, script);
}

function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 30000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('trainguard run', function () {
  this.timeout(30000);
  after(() => {
    for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('is listed in trainguard --help, with its own --help', () => {
    const r = cli(['--help'], ROOT);
    assert.match(r.stdout, /^ {2}run +run a training script under the guard/m);
    const u = cli(['run', '--help'], ROOT);
    assert.strictEqual(u.code, 0);
    assert.match(u.stdout, /Usage: trainguard run \[options\] SCRIPT\.py \[-- ARGS\.\.\.\]/);
    for (const flag of ['--budget', '--no-output-timeout', '--first-epoch-timeout', '--classes', '--auto-stop', '--python']) assert.ok(u.stdout.includes(flag), flag);
  });

  it('a healthy script: its output, exit code 0, the submission verified; arguments after -- reach the script', () => {
    const script = copy('train_ok.py', { 'sample_submission.csv': 'id,target\n1,0.5\n2,0.5\n3,0.5\n' });
    fs.appendFileSync(script, 'import sys\nprint("args", sys.argv[1:])\n');
    const r = cli(['run', '--first-epoch-timeout', '5', 'train_ok.py', '--', '--help', 'x'], path.dirname(script));
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Loading data: 3 rows\nepoch 1\/3: train 1\.000 val 1\.200\n/);
    assert.match(r.stdout, /args \['--help', 'x'\]/);
    assert.match(r.stderr, /^\[trainguard\] running python3 -u train_ok\.py --help x \(budget none, classes unknown \(no baseline check\), no-output 60 s, first epoch 5 s, auto-stop off\)$/m);
    // the script names outputs/submission.csv: found there and verified against the sample
    assert.match(r.stderr, /^\[trainguard\] submission .*outputs.submission\.csv looks valid: 3 rows \(against .*sample_submission\.csv\)$/m);
    assert.match(r.stderr, /^\[trainguard\] run exited with code 0 after .*; 0 warnings; full log: .*\.trainguard.runs.*\.log$/m);
  });

  it('--auto-stop on a hanging script: the warning, then exit code 124, the tree gone', () => {
    const script = copy('hang.py');
    const r = cli(['run', '--auto-stop', '--no-output-timeout', '2', '--grace', '1', script], path.dirname(script));
    assert.strictEqual(r.code, 124, r.stderr);
    assert.match(r.stdout, /Creating model \(pretrained\)\.\.\./);
    assert.match(r.stderr, /^\[trainguard\] WARNING \(no-output\) at 0:\d\d: no output for 2 s; the last line was: "Creating model \(pretrained\)\.\.\."/m);
    assert.match(r.stderr, /^\[trainguard\] {3}line 3: Creating model \(pretrained\)\.\.\.$/m);
    assert.match(r.stderr, /^\[trainguard\] {3}explained in Run guard: no output: https:\/\/\S+run-guard\.md#no-output$/m);
    assert.match(r.stderr, /^\[trainguard\] run stopped by auto-stop after /m);
    const child = Number(/PIDS (\d+)/.exec(r.stdout)![1]);
    assert.ok(!isAlive(child), 'the child the script started is gone');
  });

  it('Ctrl+C stops the whole tree and exits 130', async () => {
    const script = copy('hang.py');
    const p = spawn(process.execPath, [BIN, 'run', '--grace', '1', script], { cwd: path.dirname(script), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const child = await new Promise<number>((resolve, reject) => {
      p.stdout.on('data', (b: Buffer) => {
        stdout += b.toString();
        const m = /PIDS (\d+)\n/.exec(stdout);
        if (m) resolve(Number(m[1]));
      });
      p.once('exit', () => reject(new Error(`exited early: ${stderr}`)));
    });
    assert.ok(isAlive(child));
    const code = await new Promise<number | null>((resolve) => {
      p.once('exit', (c) => resolve(c));
      p.kill('SIGINT');
    });
    assert.strictEqual(code, 130, stderr);
    assert.match(stderr, /\[trainguard\] stopping the run \(stop requested\)/);
    assert.ok(!isAlive(child), `child ${child} survived Ctrl+C`);
  });

  it("exit code: the script's own (a crash: 1), with the traceback warned", () => {
    const script = copy('oom.py');
    const r = cli(['run', script], path.dirname(script));
    assert.strictEqual(r.code, 1);
    assert.match(r.stderr, /^Traceback \(most recent call last\):$/m, 'the traceback itself is printed as the script wrote it');
    assert.match(r.stderr, /^\[trainguard\] WARNING \(traceback\) at 0:\d\d: Python error: OutOfMemoryError: CUDA out of memory\. .* is free\. The GPU ran out of memory: lower the batch size/m);
    assert.match(r.stderr, /run-guard\.md#cuda-out-of-memory$/m);
  });

  it('the budget and the class count come from the script; --classes overrides', () => {
    const dir = tempTree({
      'train.py': '# trainguard: budget=20m\nimport time\nfor e in range(1, 3):\n    time.sleep(0.1)\n    print(f"Epoch {e}/20 - loss: 4.79 - val_loss: 4.785")\n',
    });
    made.push(dir);
    const plain = cli(['run', 'train.py'], dir);
    assert.strictEqual(plain.code, 0, plain.stderr);
    assert.match(plain.stderr, /\(budget 20 min \(from the script \/ pyproject\.toml\), classes unknown \(no baseline check\)/);
    assert.doesNotMatch(plain.stderr, /WARNING/);
    const told = cli(['run', '--classes', '120', '--budget', '1.5h', 'train.py'], dir);
    assert.match(told.stderr, /\(budget 90 min, classes 120,/);
    assert.match(told.stderr, /^\[trainguard\] WARNING \(loss-at-baseline\) at 0:\d\d: validation loss 4\.785 in epoch 1 is within 0\.1 of the random baseline ln\(120\)/m);
  });

  it('usage errors exit 2; a missing interpreter exits 127', () => {
    const script = copy('train_ok.py');
    const dir = path.dirname(script);
    assert.strictEqual(cli(['run'], dir).code, 2);
    assert.strictEqual(cli(['run', '--budget', 'soon', script], dir).code, 2);
    assert.strictEqual(cli(['run', '--classes', '1', script], dir).code, 2);
    assert.strictEqual(cli(['run', 'missing.py'], dir).code, 2);
    assert.strictEqual(cli(['run', '--python', '', script], dir).code, 2);
    assert.strictEqual(cli(['run', '--no-output-timeout', 'soon', script], dir).code, 2);
    const r = cli(['run', '--python', '/nonexistent/python3', script], dir);
    assert.strictEqual(r.code, 127);
    assert.match(r.stderr, /cannot start \/nonexistent\/python3: not found/);
  });
});
