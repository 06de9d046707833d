/**
 * The run logs: every guarded run writes its full output to `.trainguard/runs/<timestamp>.log` in
 * the script's folder (the folder gets a `.gitignore` of `*` so the logs stay out of version
 * control). The first line of a log names the script (as a JSON string), so logs of several scripts in one folder can
 * be told apart. No vscode / language-server / child_process import.
 */
import * as fs from 'fs';
import * as path from 'path';

export const RUNS_DIR = path.join('.trainguard', 'runs');
export const LOG_HEADER = '# Train Guard run of ';

export function runLogDir(scriptDir: string): string {
  return path.join(scriptDir, RUNS_DIR);
}

/** `2025-03-14_09-26-53` in local time: sorts by time, no character a file system refuses. */
export function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}_${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}`;
}

/** Creates the log file of a run started at `start` (a `-2`, `-3`... suffix when two runs start in the same second). */
export function createLogFile(scriptDir: string, start: Date): { file: string; fd: number } {
  const dir = runLogDir(scriptDir);
  fs.mkdirSync(dir, { recursive: true });
  const ignore = path.join(scriptDir, '.trainguard', '.gitignore');
  if (!fs.existsSync(ignore)) {
    try {
      fs.writeFileSync(ignore, '# Train Guard run logs: not for version control\n*\n', { flag: 'wx' });
    } catch {
      // written by a run started at the same moment, or read-only: the logs are still written
    }
  }
  const base = timestamp(start);
  for (let i = 1; ; i++) {
    const file = path.join(dir, `${base}${i === 1 ? '' : `-${i}`}.log`);
    try {
      return { file, fd: fs.openSync(file, 'wx') };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || i > 1000) throw e;
    }
  }
}

export interface RunLogEntry {
  file: string;
  /** The script the log says it ran (null when the header is missing). */
  script: string | null;
  mtimeMs: number;
  size: number;
}

/** The run logs in a folder's `.trainguard/runs`, newest first. */
export function listRunLogs(scriptDir: string): RunLogEntry[] {
  const dir = runLogDir(scriptDir);
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.log'));
  } catch {
    return [];
  }
  const out: RunLogEntry[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      const st = fs.statSync(file);
      if (!st.isFile()) continue;
      out.push({ file, script: readScriptName(file), mtimeMs: st.mtimeMs, size: st.size });
    } catch {
      // removed meanwhile
    }
  }
  return out.sort((a, b) => b.mtimeMs - a.mtimeMs || b.file.localeCompare(a.file));
}

function readScriptName(file: string): string | null {
  let fd: number | null = null;
  try {
    fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(1024);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const first = buf.subarray(0, n).toString('utf8').split('\n')[0];
    if (!first.startsWith(LOG_HEADER)) return null;
    const m = /^# Train Guard run of ("(?:[^"\\]|\\.)*")/.exec(first);
    return m ? (JSON.parse(m[1]) as string) : null;
  } catch {
    return null;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
