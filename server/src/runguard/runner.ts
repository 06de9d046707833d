/**
 * Runs a training script under the guard: `python -u script.py args...` in its own process group
 * (spawned detached, so it leads a new session), its stdout and stderr streamed to the caller as they
 * come and, whole, to `.trainguard/runs/<timestamp>.log` beside the script; each line goes through the
 * watcher (watcher.ts), whose warnings are logged, handed to the caller and, with auto-stop, stop the
 * run when the hints advise it.
 *
 * Stopping kills the whole process tree: SIGTERM to the process group, then SIGKILL to it after a
 * grace period if anything is left. When the script exits by itself, processes it left behind in its
 * group (DataLoader workers, a subprocess) are stopped the same way: a leftover holding the GPU makes
 * the next run fail (hints, section 8). A process that starts its own session escapes the group; the
 * guard cannot see it. On Windows the tree is ended with `taskkill /T` (then `/F`).
 *
 * When the run ends, the submission files it wrote are verified (submission.ts).
 *
 * This file and the CLI's `run` command are the only places in server/src that start a process; the
 * language server never imports them (test/unit/security.test.ts checks both).
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { StringDecoder } from 'string_decoder';
import { LineSplitter } from './parse';
import { RunWatcher, type GuardEvent, type GuardWarning, type RunStatus, type WatchOptions } from './watcher';
import { createLogFile, LOG_HEADER } from './logs';
import { checkSubmissionFile, describeCheck, findRunSubmissions, type SubmissionCheck } from './submission';
import { formatWarning } from './format';

export interface RunOptions {
  /** The Python interpreter (a path or a name on PATH). */
  python: string;
  /** The script to run. */
  script: string;
  args?: readonly string[];
  /** Working folder (default: the script's folder). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  watch?: Partial<WatchOptions>;
  /** Stop the run on a warning the hints say to stop for (no output, no first epoch, idle GPU, loss at baseline). */
  autoStop?: boolean;
  /** Between SIGTERM and SIGKILL (default 5000 ms). */
  graceMs?: number;
  /** How often the timeouts are checked (default 500 ms). */
  tickMs?: number;
  /** Submission paths the script names (scriptInfo), searched besides the working and script folders. */
  submissionPaths?: readonly string[];
  /** The script is known to write a submission (a missing one is then a warning). */
  expectSubmission?: boolean;
  /** The clock (ms); Date.now by default. */
  now?: () => number;
}

export interface RunListener {
  /** Raw output as it arrives (progress bars keep their `\r`). */
  output?(text: string, stream: 'stdout' | 'stderr'): void;
  /** The guard's own lines (warnings, stop, the end, the submission check), each without a line end. `lineBreakFirst`: the output so far does not end a line. */
  guard?(lines: string[], lineBreakFirst: boolean): void;
  event?(e: GuardEvent, status: RunStatus): void;
  /** The status after each tick and each epoch. */
  status?(s: RunStatus): void;
}

export type StopCause = 'user' | 'auto';

export interface RunResult {
  /** The script's exit code (null when it was ended by a signal or never started). */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Who stopped the run, null when it ended by itself. */
  stoppedBy: StopCause | null;
  /** The warning auto-stop acted on. */
  stopWarning: GuardWarning | null;
  warnings: GuardWarning[];
  /** null when the log could not be created (`logError` says why). */
  logFile: string | null;
  logError: string | null;
  submissions: SubmissionCheck[];
  /** Folders searched for a submission. */
  submissionSearched: string[];
  durationMs: number;
  /** The interpreter could not be started (ENOENT...). */
  spawnError: string | null;
  pid: number | null;
  status: RunStatus;
}

const DEFAULT_GRACE_MS = 5000;
const POLL_MS = 50;

export class GuardedRun {
  readonly pid: number | null;
  readonly logFile: string | null;
  readonly done: Promise<RunResult>;
  readonly startedAt: number;
  private readonly watcher: RunWatcher;
  private readonly child: ChildProcess;
  private readonly now: () => number;
  private readonly warnings: GuardWarning[] = [];
  private logFd: number | null = null;
  private logError: string | null = null;
  private stoppedBy: StopCause | null = null;
  private stopWarning: GuardWarning | null = null;
  private killing: Promise<void> | null = null;
  private exited = false;
  private endsWithBreak = true;
  private finished = false;

  private constructor(private readonly o: RunOptions, private readonly listener: RunListener) {
    this.now = o.now ?? Date.now;
    this.startedAt = this.now();
    const script = path.resolve(o.script);
    const scriptDir = path.dirname(script);
    const cwd = path.resolve(o.cwd ?? scriptDir);
    let logFile: string | null = null;
    try {
      const log = createLogFile(scriptDir, new Date(this.startedAt));
      logFile = log.file;
      this.logFd = log.fd;
    } catch (e) {
      this.logError = `cannot write the run log in ${path.join(scriptDir, '.trainguard', 'runs')}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
    }
    this.logFile = logFile;
    this.watcher = new RunWatcher(o.watch ?? {}, this.startedAt);
    const args = ['-u', script, ...(o.args ?? [])];
    this.log(`${LOG_HEADER}${JSON.stringify(script)} with ${JSON.stringify(o.python)} ${args.slice(1).map((a) => JSON.stringify(a)).join(' ')}\n`);
    this.log(`# started ${new Date(this.startedAt).toISOString()} in ${JSON.stringify(cwd)}\n`);
    const env = { ...(o.env ?? process.env), PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' };
    this.child = spawn(o.python, args, {
      cwd,
      env,
      // its own process group (a new session): the whole tree can be signalled at once
      detached: process.platform !== 'win32',
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    this.pid = this.child.pid ?? null;
    if (this.logError) this.guard([this.logError]);
    this.done = this.supervise(cwd, scriptDir);
  }

  /**
   * Starts the script; the result comes with `done`. A missing interpreter is not an exception: `done`
   * reports it. Throws only for an interpreter that cannot even be named (empty, a NUL byte).
   */
  static start(options: RunOptions, listener: RunListener = {}): GuardedRun {
    if (!options.python.trim() || options.python.includes('\0')) throw new Error(`not a Python interpreter: ${JSON.stringify(options.python)}`);
    return new GuardedRun(options, listener);
  }

  status(): RunStatus {
    return this.watcher.status(this.now());
  }

  get running(): boolean {
    return !this.finished;
  }

  /** Stops the run: SIGTERM to its process group, SIGKILL after the grace period. Resolves when the run is over. */
  stop(cause: StopCause = 'user', warning: GuardWarning | null = null): Promise<RunResult> {
    if (!this.finished && this.stoppedBy === null && this.pid !== null && !this.exited) {
      this.stoppedBy = cause;
      this.stopWarning = warning;
      const why = cause === 'auto' && warning ? `auto-stop after the ${warning.kind} warning` : 'stop requested';
      this.guard([`stopping the run (${why}): SIGTERM to process group ${this.pid}, SIGKILL after ${Math.round((this.o.graceMs ?? DEFAULT_GRACE_MS) / 100) / 10} s if anything is left`]);
      void this.killTree();
    }
    return this.done;
  }

  /**
   * For a host that is going away (the editor window closing): SIGTERM to the tree now and SIGKILL
   * a moment later if this process still lives then; nothing is awaited.
   */
  abandon(): void {
    if (this.finished || this.pid === null || this.exited) return;
    const pid = this.pid;
    this.stoppedBy ??= 'user';
    signalTree(pid, 'SIGTERM');
    setTimeout(() => {
      if (groupAlive(pid)) signalTree(pid, 'SIGKILL');
    }, 2000).unref();
  }

  // ---- supervision -----------------------------------------------------------------------------

  private async supervise(cwd: string, scriptDir: string): Promise<RunResult> {
    const child = this.child;
    const splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
    const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
    const feed = (stream: 'stdout' | 'stderr', text: string) => {
      if (!text) return;
      this.log(text);
      this.endsWithBreak = text.endsWith('\n');
      this.listener.output?.(text, stream);
      const now = this.now();
      const lines = splitters[stream].push(text);
      for (const l of lines) this.handle(this.watcher.line(l, now, stream));
      if (!lines.length || splitters[stream].hasPartial) this.watcher.activity(now);
    };
    const closed: Promise<void>[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const s = child[stream];
      if (!s) continue;
      s.on('data', (b: Buffer) => feed(stream, decoders[stream].write(b)));
      closed.push(new Promise((resolve) => s.once('close', () => resolve())));
    }
    const ticker = setInterval(() => {
      const now = this.now();
      this.handle(this.watcher.tick(now));
      this.listener.status?.(this.watcher.status(now));
    }, this.o.tickMs ?? 500);

    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error: string | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal, error: null }));
      child.once('error', (e: NodeJS.ErrnoException) => {
        // a failed spawn emits only 'error'; an error after the start (a failed kill) does not end the run
        if (this.pid === null) {
          resolve({ code: null, signal: null, error: e.code === 'ENOENT' ? `cannot start ${this.o.python}: not found (set the Python interpreter)` : `cannot start ${this.o.python}: ${e.code ?? e.message}` });
        }
      });
    });
    this.exited = true;
    if (exit.error === null) {
      // leftovers of the tree (workers, subprocesses) still in the group: stopped too
      if (this.stoppedBy === null && this.pid !== null && groupAlive(this.pid)) {
        this.guard([`the script exited; stopping the processes it left running in its process group ${this.pid}`]);
        await this.killTree();
      } else if (this.killing) await this.killing;
      // the pipes close once every process holding them is gone; one that left the group may keep them open
      await Promise.race([Promise.all(closed), delay(1500)]);
    }
    clearInterval(ticker);
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream]?.destroy();
      const rest = decoders[stream].end();
      if (rest) feed(stream, rest);
      const partial = splitters[stream].flush();
      if (partial !== null) this.handle(this.watcher.line(partial, this.now(), stream));
    }
    const end = this.now();
    this.handle(this.watcher.finish(end));
    this.finished = true;

    const summary: string[] = [];
    if (exit.error) summary.push(exit.error);
    else {
      const how = this.stoppedBy === 'auto' ? 'stopped by auto-stop' : this.stoppedBy === 'user' ? 'stopped on request' : exit.signal ? `ended by ${exit.signal}` : `exited with code ${exit.code}`;
      summary.push(`run ${how} after ${fmtDuration(end - this.startedAt)}; ${this.warnings.length} warning${this.warnings.length === 1 ? '' : 's'}${this.logFile ? `; full log: ${this.logFile}` : ''}`);
    }
    let submissions: SubmissionCheck[] = [];
    let searched: string[] = [];
    if (!exit.error) {
      const found = findRunSubmissions({ cwd, scriptDir, paths: this.o.submissionPaths ?? [], sinceMs: this.startedAt });
      searched = found.searched;
      submissions = found.files.map(checkSubmissionFile);
      for (const c of submissions) summary.push(...describeCheck(c));
      if (!submissions.length) {
        const where = searched.join(', ');
        summary.push(this.o.expectSubmission ? `WARNING: the script writes a submission but this run wrote none (looked in ${where})` : `no submission CSV written by this run (looked in ${where})`);
      }
    }
    this.guard(summary);
    this.log(`# ended ${new Date(end).toISOString()}: ${exit.error ?? (exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`)}\n`);
    if (this.logFd !== null) {
      try {
        fs.closeSync(this.logFd);
      } catch {
        // already closed
      }
      this.logFd = null;
    }
    const status = this.watcher.status(end);
    this.listener.status?.(status);
    return {
      exitCode: exit.code,
      signal: exit.signal,
      stoppedBy: this.stoppedBy,
      stopWarning: this.stopWarning,
      warnings: this.warnings,
      logFile: this.logFile,
      logError: this.logError,
      submissions,
      submissionSearched: searched,
      durationMs: end - this.startedAt,
      spawnError: exit.error,
      pid: this.pid,
      status,
    };
  }

  private handle(events: GuardEvent[]): void {
    for (const e of events) {
      if (e.type === 'warning') {
        this.warnings.push(e.warning);
        this.guard(formatWarning(e.warning));
      }
      this.listener.event?.(e, this.watcher.status(this.now()));
      if (e.type === 'epoch') this.listener.status?.(this.watcher.status(this.now()));
      if (e.type === 'warning' && e.warning.stop && this.o.autoStop && this.stoppedBy === null && !this.exited) void this.stop('auto', e.warning);
    }
  }

  /** The guard's lines: to the log (prefixed) and to the listener. */
  private guard(lines: string[]): void {
    if (!lines.length) return;
    const breakFirst = !this.endsWithBreak;
    this.log((breakFirst ? '\n' : '') + lines.map((l) => `[trainguard] ${l}\n`).join(''));
    this.endsWithBreak = true;
    this.listener.guard?.(lines, breakFirst);
  }

  private log(text: string): void {
    if (this.logFd === null) return;
    try {
      fs.writeSync(this.logFd, text);
    } catch (e) {
      this.logError = `writing the run log failed: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
      try {
        fs.closeSync(this.logFd);
      } catch {
        // nothing more to do
      }
      this.logFd = null;
    }
  }

  /** SIGTERM to the group, SIGKILL after the grace period if anything is left; resolves when the group is gone (or SIGKILL was sent). */
  private killTree(): Promise<void> {
    if (this.killing) return this.killing;
    const pid = this.pid;
    if (pid === null) return Promise.resolve();
    const grace = this.o.graceMs ?? DEFAULT_GRACE_MS;
    this.killing = (async () => {
      signalTree(pid, 'SIGTERM');
      const deadline = Date.now() + grace;
      while (Date.now() < deadline && groupAlive(pid)) await delay(POLL_MS);
      if (groupAlive(pid)) {
        this.guard([`processes of the run still alive after ${Math.round(grace / 100) / 10} s: SIGKILL to process group ${pid}`]);
        signalTree(pid, 'SIGKILL');
        const hard = Date.now() + 2000;
        while (Date.now() < hard && groupAlive(pid)) await delay(POLL_MS);
      }
    })();
    return this.killing;
  }
}

/** Sends `signal` to the process group led by `pid` (the whole tree on Windows, through taskkill). */
export function signalTree(pid: number, signal: 'SIGTERM' | 'SIGKILL'): void {
  if (process.platform === 'win32') {
    const args = ['/pid', String(pid), '/T', ...(signal === 'SIGKILL' ? ['/F'] : [])];
    try {
      spawn('taskkill', args, { stdio: 'ignore', windowsHide: true }).on('error', () => undefined);
    } catch {
      // taskkill missing: nothing else to try
    }
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

/**
 * Is any process of the group led by `pid` still running? On Linux a zombie (dead, not yet reaped by
 * an init that does not reap) does not count; elsewhere `kill(-pid, 0)` decides.
 */
export function groupAlive(pid: number): boolean {
  if (process.platform === 'win32') return isAlive(pid);
  if (process.platform === 'linux') {
    const members = groupMembers(pid);
    if (members !== null) return members.length > 0;
  }
  try {
    process.kill(-pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Live (not zombie) processes of process group `pgid`, from /proc; null when /proc cannot be read. */
export function groupMembers(pgid: number): number[] | null {
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return null;
  }
  const out: number[] = [];
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    const stat = procStat(Number(n));
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') out.push(Number(n));
  }
  return out;
}

function procStat(pid: number): { state: string; pgrp: number } | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ')'
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0], pgrp: Number(rest[2]) };
  } catch {
    return null;
  }
}

/** Is the process running (a zombie is not)? */
export function isAlive(pid: number): boolean {
  if (process.platform === 'linux') {
    const st = procStat(pid);
    if (fs.existsSync('/proc/self/stat')) return st !== null && st.state !== 'Z' && st.state !== 'X';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function fmtDuration(ms: number): string {
  const s = Math.round(ms / 100) / 10;
  if (s < 90) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 90 ? `${m} min ${Math.round(s - m * 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
