/** Processes, as the e2e tests see them (no vscode import: used in the extension host and by the UI tests). */
import * as fs from 'fs';

/** Is the process running? A zombie (dead, not reaped yet) is not. */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    if (fs.existsSync('/proc/self/stat')) return false;
  }
  // no /proc (not Linux): signal 0 tells whether it exists
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
