/**
 * `trainguard run SCRIPT.py [-- ARGS]`: runs a training script under the run guard (server/src/runguard/):
 * its output is printed as it comes, the guard's warnings on stderr prefixed `[trainguard]`, the
 * whole output kept in `.trainguard/runs/<timestamp>.log` beside the script, and the submission it
 * wrote verified at the end. Ctrl+C stops the whole process tree.
 *
 * With runguard/runner.ts, the only module of server/src that starts a process.
 */
import * as fs from 'fs';
import * as os from 'os';
import { parseDuration } from '../../analysis/directives';
import { GuardedRun, type RunResult } from '../../runguard/runner';
import { readScriptInfo } from '../../runguard/scriptFile';
import { stringFlag, UsageError, type Command, type Out, type ParsedArgs } from '../args';

/** `trainguard run`'s exit code when auto-stop ended the run (as coreutils' `timeout`). */
export const AUTO_STOP_EXIT = 124;
/** The interpreter could not be started (as a shell's "command not found"). */
export const NOT_STARTED_EXIT = 127;

const DEFAULT_PYTHON = process.platform === 'win32' ? 'python' : 'python3';

const USAGE = `Usage: trainguard run [options] SCRIPT.py [-- ARGS...]

Runs \`python -u SCRIPT.py ARGS\` in the script's folder under the run guard: the output is printed as
it comes; the guard's warnings go to stderr, prefixed [trainguard]. It warns on no output for a while,
no first epoch (nor any loss) long after the start, GPU memory under 10%, a validation loss at the
random baseline ln(classes) in the first two epochs, a projected time over the budget, and a Python
traceback (with the page that explains it). The full output is kept in
.trainguard/runs/<timestamp>.log beside the script; when the run ends, the submission CSV it wrote is
verified as by \`trainguard verify-submission\`. Ctrl+C stops the whole process tree.

Options:
  --budget TIME               the run's time budget, e.g. 30m, 1.5h (default: the script's
                              # trainguard: budget=... comment, then [tool.trainguard] budget-minutes)
  --no-output-timeout S       warn after S seconds without output (default 60; 0 = off)
  --first-epoch-timeout S     warn when no epoch or loss is reported S seconds after the start
                              (default 90; 0 = off)
  --classes N                 classes of the classification, for the ln(N) baseline check
                              (default: read from the script when it can be)
  --auto-stop                 stop the run on a warning the hints say to stop for (no output, no
                              first epoch, GPU memory under 10%, loss at the baseline)
  --python PATH               the Python interpreter (default: ${DEFAULT_PYTHON})
  --grace S                   seconds between SIGTERM and SIGKILL when stopping (default 5)

Exit codes: the script's exit code (128 + N when it died of signal N); ${AUTO_STOP_EXIT} when auto-stop
stopped it; 130 when interrupted (Ctrl+C); ${NOT_STARTED_EXIT} when the interpreter cannot be started;
2 for a usage error.
`;

function seconds(args: ParsedArgs, name: string): number | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(v)) throw new UsageError(`${name} must be a number of seconds (got "${v}")`);
  return Number(v);
}

export const command: Command = {
  name: 'run',
  summary: 'run a training script under the guard (hangs, idle GPU, baseline loss, budget, errors)',
  usage: USAGE,
  flags: {
    '--budget': 'value',
    '--no-output-timeout': 'value',
    '--first-epoch-timeout': 'value',
    '--classes': 'value',
    '--auto-stop': 'boolean',
    '--python': 'value',
    '--grace': 'value',
  },
  run: (args, out) => runGuarded(args, out),
};

async function runGuarded(args: ParsedArgs, out: Out): Promise<number> {
  const [script, ...scriptArgs] = args.positionals;
  if (!script) throw new UsageError('missing SCRIPT.py (the training script to run)');
  const budgetText = stringFlag(args, '--budget');
  const budgetFlag = budgetText === undefined ? undefined : parseDuration(budgetText) ?? undefined;
  if (budgetText !== undefined && !(budgetFlag !== undefined && budgetFlag > 0)) throw new UsageError(`cannot read --budget "${budgetText}" (use e.g. 30m or 1.5h)`);
  const classesText = stringFlag(args, '--classes');
  if (classesText !== undefined && (!/^\d+$/.test(classesText) || Number(classesText) < 2)) throw new UsageError(`--classes must be a whole number of at least 2 (got "${classesText}")`);
  const noOutput = seconds(args, '--no-output-timeout');
  const firstEpoch = seconds(args, '--first-epoch-timeout');
  const grace = seconds(args, '--grace');
  const python = stringFlag(args, '--python') ?? DEFAULT_PYTHON;
  if (!python.trim() || python.includes('\0')) throw new UsageError('--python needs the path (or name) of a Python interpreter');
  const autoStop = args.flags.has('--auto-stop');

  try {
    if (!fs.statSync(script).isFile()) throw new Error('not a file');
  } catch {
    out.stderr(`trainguard: ${script}: no such file\n`);
    return 2;
  }

  const read = await readScriptInfo(script);
  const guard = (lines: string[], breakFirst = false) => out.stderr((breakFirst ? '\n' : '') + lines.map((l) => `[trainguard] ${l}\n`).join(''));
  for (const p of read.problems) guard([`config: ${p}`]);
  if (read.skipped) guard([`script not analysed (${read.skipped}): no class count, epochs or folds from it`]);
  const info = read.info;
  const classes = classesText !== undefined ? Number(classesText) : info?.classes ?? null;
  const budget = budgetFlag ?? read.budgetMinutes;
  const described = [
    `budget ${budget !== null ? `${budget} min${budgetFlag !== undefined ? '' : ' (from the script / pyproject.toml)'}` : 'none'}`,
    `classes ${classes !== null ? `${classes}${classesText !== undefined ? '' : ` (from the script, ${info?.classesFrom})`}` : 'unknown (no baseline check)'}`,
    `no-output ${noOutput ?? 60} s`,
    `first epoch ${firstEpoch ?? 90} s`,
    `auto-stop ${autoStop ? 'on' : 'off'}`,
  ];
  guard([`running ${python} -u ${script}${scriptArgs.length ? ` ${scriptArgs.join(' ')}` : ''} (${described.join(', ')})`]);

  const run = GuardedRun.start(
    {
      python,
      script,
      args: scriptArgs,
      autoStop,
      graceMs: grace !== undefined ? grace * 1000 : undefined,
      watch: { noOutputSeconds: noOutput, firstEpochSeconds: firstEpoch, classes, budgetMinutes: budget, epochs: info?.epochs ?? null, folds: info?.folds ?? null },
      submissionPaths: info?.submissionPaths ?? [],
      expectSubmission: info?.writesSubmission ?? false,
    },
    {
      output: (text, stream) => (stream === 'stdout' ? out.stdout(text) : out.stderr(text)),
      guard: (lines, breakFirst) => guard(lines, breakFirst),
    },
  );

  // the script runs in its own process group: Ctrl+C reaches only this process, which stops the tree
  let interrupted: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = signal;
    void run.stop('user');
  };
  const signals: NodeJS.Signals[] = process.platform === 'win32' ? ['SIGINT'] : ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  let result: RunResult;
  try {
    result = await run.done;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
  return exitCode(result, interrupted);
}

export function exitCode(r: RunResult, interrupted: NodeJS.Signals | null): number {
  if (r.spawnError !== null) return NOT_STARTED_EXIT;
  if (r.stoppedBy === 'auto') return AUTO_STOP_EXIT;
  if (r.stoppedBy === 'user' && interrupted) return 128 + (os.constants.signals[interrupted] ?? 2);
  if (r.exitCode !== null) return r.exitCode;
  return 128 + (r.signal ? os.constants.signals[r.signal] ?? 15 : 15);
}
