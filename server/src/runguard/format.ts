/**
 * The run guard's warnings as text, the same in the CLI, the run log and the VS Code terminal.
 * No vscode / language-server / child_process import.
 */
import type { GuardWarning, RunStatus } from './watcher';
import { fmtMinutes } from './watcher';

/** `WARNING (no-output) at 1:05: ...`, then the line that caused it and where it is explained. */
export function formatWarning(w: GuardWarning): string[] {
  const out = [`WARNING (${w.kind}) at ${clock(w.atMs)}: ${w.message}${w.stop ? ' [stop advised]' : ''}`];
  if (w.line !== null) out.push(`  line ${w.lineNumber}: ${w.line.length > 200 ? `${w.line.slice(0, 197)}...` : w.line}`);
  out.push(`  explained in ${w.help.title}: ${w.help.url}`);
  return out;
}

/** `m:ss` (or `h:mm:ss`) of a duration in ms. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** One line for a status bar: `12:05 / 30:00 · fold 1/3 · epoch 3/10 · val 0.52`. */
export function statusLine(s: RunStatus): string {
  const parts = [s.budgetMs !== null ? `${clock(s.elapsedMs)} / ${clock(s.budgetMs)}` : clock(s.elapsedMs)];
  if (s.fold !== null) parts.push(`fold ${s.fold}${s.folds !== null ? `/${s.folds}` : ''}`);
  if (s.epoch !== null) parts.push(`epoch ${s.epoch}${s.epochs !== null ? `/${s.epochs}` : ''}`);
  if (s.valLoss !== null) parts.push(`val ${fmtLoss(s.valLoss)}`);
  else if (s.trainLoss !== null) parts.push(`loss ${fmtLoss(s.trainLoss)}`);
  if (s.projectedMs !== null && s.budgetMs !== null && s.projectedMs > s.budgetMs) parts.push(`projected ${fmtMinutes(s.projectedMs)}`);
  return parts.join(' · ');
}

function fmtLoss(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}
