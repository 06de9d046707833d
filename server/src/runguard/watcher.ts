/**
 * The run guard's watchdog: reads a training run's output line by line, with the time of each line
 * given by the caller (a fake clock in tests, `Date.now()` in the runner), and tells what the Kaggle
 * hints (sections 2, 2B, 8) say to watch for after launch:
 *
 * - no output for N s (default 60; the hints kill a process silent for 60 s), or for 1.5x the longest
 *   silence that ended with an epoch report, when that is longer (a script printing once per epoch);
 * - no first epoch N s after the start (default 90): no epoch marker and no loss printed yet;
 * - GPU memory under 10% in a reading (TG203's print, nvidia-smi, a GPU/CUDA memory line), once
 *   training runs; a reading of 10% or more in the same burst of output (another GPU of the same
 *   nvidia-smi table) cancels it;
 * - validation loss within 0.1 of ln(classes) in the first two epochs (of a fold), when the class
 *   count is known, or the script itself printing that its loss sits at the random baseline;
 * - the run's projected time over the budget, from the epoch times seen so far (and the budget used
 *   up, once it is);
 * - a Python traceback, with the page that explains the error when it is one the hints know.
 *
 * Each warning carries the output line that caused it (for a silence, the last line before it). The
 * watcher never stops anything itself: `stop` says whether the hints advise stopping (the runner's
 * auto-stop acts on it). No vscode / language-server / child_process import.
 */
import { newParseContext, parseLine, plainText, type Counter, type GpuReading, type ParseContext } from './parse';
import { GENERIC_TRACEBACK_HELP, guideHelp, knownError, ruleHelp, type HelpLink } from './help';

export type WarningKind = 'no-output' | 'no-first-epoch' | 'low-gpu-memory' | 'loss-at-baseline' | 'over-budget' | 'traceback';

export interface GuardWarning {
  kind: WarningKind;
  /** Plain words: what was seen and what it usually means. */
  message: string;
  /** The output line that caused it (for a silence or a late first epoch: the last line before it; null when there was none). */
  line: string | null;
  /** That line's number among the run's output lines (both streams, from 1). */
  lineNumber: number | null;
  /** When, in ms since the start. */
  atMs: number;
  help: HelpLink;
  /** The hints advise stopping the run (auto-stop acts on these). */
  stop: boolean;
}

export interface EpochReport {
  /** 1-based, whatever the script prints (a script counting from 0 shows epoch 0 as 1). */
  epoch: number;
  epochs: number | null;
  fold: number | null;
  folds: number | null;
  trainLoss: number | null;
  valLoss: number | null;
  /** The epoch's duration when known (stated by the line, or measured from the previous epoch). */
  seconds: number | null;
  line: string;
}

export type GuardEvent =
  | { type: 'warning'; warning: GuardWarning }
  | { type: 'epoch'; epoch: EpochReport }
  | { type: 'gpu'; percent: number; line: string };

export interface WatchOptions {
  /** Warn after this many seconds without any output; 0 turns it off. */
  noOutputSeconds: number;
  /** Warn when no epoch (nor any loss) is reported this many seconds after the start; 0 turns it off. */
  firstEpochSeconds: number;
  /** A GPU memory reading under this percentage is a warning. */
  lowGpuPercent: number;
  /** Classes of the classification (the random baseline is ln(classes)); null = unknown, no check. */
  classes: number | null;
  /** The run's time budget in minutes; null = none. */
  budgetMinutes: number | null;
  /** Epochs per fold as the script says (used when the output does not print `Epoch 3/10`). */
  epochs: number | null;
  /** Folds the script trains (used only once the output shows folds: fold markers or restarting epochs). */
  folds: number | null;
}

export const DEFAULT_WATCH_OPTIONS: WatchOptions = {
  noOutputSeconds: 60,
  firstEpochSeconds: 90,
  lowGpuPercent: 10,
  classes: null,
  budgetMinutes: null,
  epochs: null,
  folds: null,
};

export interface RunStatus {
  elapsedMs: number;
  budgetMs: number | null;
  /** 1-based epoch of the latest epoch line, null before the first. */
  epoch: number | null;
  epochs: number | null;
  fold: number | null;
  folds: number | null;
  trainLoss: number | null;
  valLoss: number | null;
  /** Projected total run time, once an epoch time and the epoch count are known. */
  projectedMs: number | null;
  /** Training reported progress (an epoch or a loss). */
  started: boolean;
  warnings: number;
}

/** Lines of one traceback arrive together; a line this long after the last one starts something new. */
const BURST_MS = 1000;
const MAX_TRACEBACK_LINES = 400;
const EXCEPTION_LINE = /^([A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit|Iteration|Warning|Failure))\b(?::.*)?$/;
const QUIET_EXCEPTIONS = /^(KeyboardInterrupt|SystemExit)\b/;

interface Traceback {
  lines: string[];
  lastAt: number;
  exception: { text: string; number: number } | null;
  firstNumber: number;
}

interface OutputLine {
  text: string;
  number: number;
}

export class RunWatcher {
  readonly options: WatchOptions;
  private readonly start: number;
  private lastOutputAt: number;
  private lineCount = 0;
  private last: OutputLine | null = null;
  private silenceWarned = false;
  /** The longest silence that ended with an epoch report: the script's own rhythm (one line per epoch). */
  private healthySilenceMs = 0;
  private firstEpochWarned = false;
  private startedAt: number | null = null;
  private readonly ctx: ParseContext = newParseContext();
  private readonly tracebacks = new Map<string, Traceback>();
  private gpuPending: { reading: GpuReading; line: OutputLine; at: number } | null = null;
  private gpuHighAt = -Infinity;
  private gpuWarned = false;
  private baselineWarned = false;
  private projectionWarned = false;
  private budgetSpentWarned = false;
  private warningCount = 0;
  private finished = false;

  // epochs and folds
  private epochBase: number | null = null;
  private foldBase: number | null = null;
  private foldOrd = 0;
  private foldsSeen = false;
  private foldsTotal: number | null = null;
  private epochsTotal: number | null = null;
  /** The epoch in progress (from a start line such as Keras' `Epoch 3/10`), for loss lines that carry no number. */
  private current: { ord: number; startedAt: number } | null = null;
  private lastCompletion: { fold: number; ord: number; at: number } | null = null;
  private readonly completed = new Set<string>();
  private readonly durations: number[] = [];
  private latest = { epoch: null as number | null, trainLoss: null as number | null, valLoss: null as number | null };

  constructor(options: Partial<WatchOptions> = {}, startMs = 0) {
    this.options = { ...DEFAULT_WATCH_OPTIONS, ...definedOnly(options) };
    this.start = startMs;
    this.lastOutputAt = startMs;
  }

  /** Bytes arrived that do not end a line yet (a progress bar redrawing): the run is not silent. */
  activity(now: number): void {
    this.lastOutputAt = now;
    this.silenceWarned = false;
  }

  /** One complete line of output (stdout or stderr), received at `now` (ms, same clock as the start). */
  line(raw: string, now: number, stream: 'stdout' | 'stderr' = 'stdout'): GuardEvent[] {
    const events: GuardEvent[] = [];
    if (this.finished) return events;
    const gap = now - this.lastOutputAt;
    this.activity(now);
    const text = plainText(raw).replace(/\s+$/, '');
    const line: OutputLine = { text, number: ++this.lineCount };
    if (text.trim()) this.last = line;
    this.flushStale(now, events);
    if (this.traceback(stream, line, now)) return events;

    const facts = parseLine(text, this.ctx);
    if (facts.progress && this.startedAt === null) this.startedAt = now;
    if (facts.gpu) this.gpu(facts.gpu, line, now, events);
    if (facts.baselineReported && !this.baselineWarned) {
      this.baselineWarned = true;
      this.warn(events, 'loss-at-baseline', 'the script reports that its loss is at the random baseline ln(num_classes): the model is not learning (check the labels, the learning rate, that the model and the batches are on the GPU)', line, now, ruleHelp('TG205', 'no-loss-sanity-check'), true);
    }

    if (facts.fold) this.onFold(facts.fold);
    if (facts.epoch) this.onEpochNumber(facts.epoch, now);
    if (facts.trainLoss !== null) this.latest.trainLoss = facts.trainLoss;
    if (facts.valLoss !== null) this.latest.valLoss = facts.valLoss;
    if (facts.complete) {
      const ord = facts.epoch ? this.ordinal(facts.epoch) : this.current?.ord ?? null;
      if (ord !== null) {
        this.healthySilenceMs = Math.max(this.healthySilenceMs, gap);
        this.onEpochEnd(ord, facts.trainLoss, facts.valLoss, facts.seconds, line, now, events);
      }
    }
    this.checkBudgetSpent(now, events);
    return events;
  }

  /** Time passes with no line: the timeouts. Call it every second or so. */
  tick(now: number): GuardEvent[] {
    const events: GuardEvent[] = [];
    if (this.finished) return events;
    this.flushStale(now, events);
    const silent = now - this.lastOutputAt;
    // a script that prints once per epoch is silent for an epoch when healthy: a silence is judged
    // against the longest one that ended with an epoch report (x1.5), never less than the timeout
    const limit = Math.max(this.options.noOutputSeconds * 1000, this.healthySilenceMs * 1.5);
    if (this.options.noOutputSeconds > 0 && !this.silenceWarned && silent >= limit) {
      this.silenceWarned = true;
      const since = this.last ? `; the last line was: ${quote(this.last.text)}` : ' since the start';
      const longer = limit > this.options.noOutputSeconds * 1000 ? ` (1.5x the longest silence before an epoch report)` : '';
      this.warn(events, 'no-output', `no output for ${fmtSeconds(limit)}${longer}${since}. A run this quiet is usually hung (a DataLoader worker, a download at start-up, a deadlock); the hints stop it after 60 s`, this.last, now, guideHelp('no-output', 'no output'), true);
    }
    if (this.options.firstEpochSeconds > 0 && !this.firstEpochWarned && this.startedAt === null && now - this.start >= this.options.firstEpochSeconds * 1000) {
      this.firstEpochWarned = true;
      this.warn(events, 'no-first-epoch', `no epoch and no loss reported ${fmtSeconds(this.options.firstEpochSeconds * 1000)} after the start: start-up is stuck or too slow (model download, data loading, a hang at init); the hints stop a run with no "Epoch 1" after 90 s`, this.last, now, guideHelp('no-first-epoch', 'no first epoch'), true);
    }
    this.checkBudgetSpent(now, events);
    return events;
  }

  /** The process ended: whatever was pending (a traceback, a GPU reading) is reported now. */
  finish(now: number): GuardEvent[] {
    const events: GuardEvent[] = [];
    if (this.finished) return events;
    this.flushStale(now, events, true);
    this.finished = true;
    return events;
  }

  status(now: number): RunStatus {
    const projected = this.projection(now);
    return {
      elapsedMs: now - this.start,
      budgetMs: this.options.budgetMinutes !== null ? this.options.budgetMinutes * 60000 : null,
      epoch: this.latest.epoch,
      epochs: this.epochsTotal ?? this.options.epochs,
      fold: this.foldsSeen ? this.foldOrd + 1 : null,
      folds: this.foldsSeen ? this.foldsTotal ?? this.options.folds : null,
      trainLoss: this.latest.trainLoss,
      valLoss: this.latest.valLoss,
      projectedMs: projected?.ms ?? null,
      started: this.startedAt !== null,
      warnings: this.warningCount,
    };
  }

  // ---- tracebacks ------------------------------------------------------------------------------

  /** Feeds a line to the stream's traceback; true when the line belongs to one. */
  private traceback(stream: string, line: OutputLine, now: number): boolean {
    const open = this.tracebacks.get(stream);
    if (open) {
      if (open.lines.length < MAX_TRACEBACK_LINES) open.lines.push(line.text.slice(0, 2000));
      open.lastAt = now;
      if (EXCEPTION_LINE.test(line.text)) open.exception = { text: line.text, number: line.number };
      return true;
    }
    if (/^(?:\s*)Traceback \(most recent call last\):/.test(line.text)) {
      this.tracebacks.set(stream, { lines: [line.text], lastAt: now, exception: null, firstNumber: line.number });
      return true;
    }
    return false;
  }

  private flushTraceback(stream: string, tb: Traceback, now: number, events: GuardEvent[]): void {
    this.tracebacks.delete(stream);
    const exception = tb.exception ?? { text: tb.lines[tb.lines.length - 1], number: tb.firstNumber + tb.lines.length - 1 };
    if (QUIET_EXCEPTIONS.test(exception.text)) return;
    const known = knownError(tb.lines.join('\n'));
    const error = exception.text.trim();
    const message = known ? `Python error: ${error}${/[.!?]$/.test(error) ? '' : '.'} ${capitalize(known.advice)}` : `Python error: ${error}`;
    this.warn(events, 'traceback', message, exception, Math.min(now, tb.lastAt + BURST_MS), known?.help ?? GENERIC_TRACEBACK_HELP, false);
  }

  /** Tracebacks and GPU readings whose burst of output is over (all of them at the end of the run). */
  private flushStale(now: number, events: GuardEvent[], all = false): void {
    for (const [stream, tb] of [...this.tracebacks]) if (all || now - tb.lastAt > BURST_MS) this.flushTraceback(stream, tb, now, events);
    const p = this.gpuPending;
    if (p && (all || now - p.at > BURST_MS)) {
      this.gpuPending = null;
      if (!this.gpuWarned) {
        this.gpuWarned = true;
        const pct = p.reading.percent < 1 ? p.reading.percent.toFixed(2) : p.reading.percent.toFixed(1);
        this.warn(events, 'low-gpu-memory', `GPU memory at ${pct}% (under ${this.options.lowGpuPercent}%): training is probably running on the CPU, 10-100x slower (a missing .cuda() / .to(device), or a library conflict); check that the model and the batches are moved to the GPU`, p.line, Math.min(now, p.at + BURST_MS), ruleHelp('TG203', 'no-gpu-memory-check'), true);
      }
    }
  }

  // ---- GPU -------------------------------------------------------------------------------------

  private gpu(reading: GpuReading, line: OutputLine, now: number, events: GuardEvent[]): void {
    // nvidia-smi / generic prints before training show an idle GPU by design; TG203's print is made after the first batch
    if (reading.source !== 'trainguard' && this.startedAt === null) return;
    events.push({ type: 'gpu', percent: reading.percent, line: line.text });
    if (reading.percent >= this.options.lowGpuPercent) {
      this.gpuHighAt = now;
      if (this.gpuPending && now - this.gpuPending.at <= BURST_MS) this.gpuPending = null;
      return;
    }
    if (this.gpuWarned || this.gpuPending || now - this.gpuHighAt <= BURST_MS) return;
    this.gpuPending = { reading, line, at: now };
  }

  // ---- epochs ----------------------------------------------------------------------------------

  private onFold(fold: Counter): void {
    if (this.foldBase === null) this.foldBase = fold.n === 0 ? 0 : 1;
    const ord = Math.max(0, fold.n - this.foldBase);
    if (ord !== this.foldOrd) {
      this.foldOrd = ord;
      this.current = null;
      this.lastCompletion = null;
    }
    this.foldsSeen = true;
    if (fold.of !== null) this.foldsTotal = fold.of;
  }

  private ordinal(epoch: Counter): number {
    if (this.epochBase === null) this.epochBase = epoch.oneBased ? 1 : epoch.n === 0 ? 0 : 1;
    return Math.max(0, epoch.n - this.epochBase);
  }

  private onEpochNumber(epoch: Counter, now: number): void {
    const ord = this.ordinal(epoch);
    if (epoch.of !== null) this.epochsTotal = epoch.of;
    // epochs counting again from the start without a fold marker: the next fold (or run) began
    const prev = this.lastCompletion;
    if (prev && ord < prev.ord && prev.fold === this.foldOrd) {
      this.foldOrd++;
      this.foldsSeen = true;
      this.lastCompletion = null;
    }
    if (!this.current || this.current.ord !== ord) this.current = { ord, startedAt: now };
    this.latest.epoch = ord + 1;
  }

  private onEpochEnd(ord: number, train: number | null, val: number | null, stated: number | null, line: OutputLine, now: number, events: GuardEvent[]): void {
    const key = `${this.foldOrd}:${ord}`;
    const first = !this.completed.has(key);
    let seconds = stated;
    if (first) {
      this.completed.add(key);
      const prev = this.lastCompletion;
      if (seconds === null && prev && prev.fold === this.foldOrd && prev.ord === ord - 1) seconds = (now - prev.at) / 1000;
      else if (seconds === null && this.current?.ord === ord && this.current.startedAt < now) seconds = (now - this.current.startedAt) / 1000;
      if (seconds !== null && seconds > 0) this.durations.push(seconds);
      this.lastCompletion = { fold: this.foldOrd, ord, at: now };
    }
    this.latest.epoch = ord + 1;
    const status = this.status(now);
    events.push({ type: 'epoch', epoch: { epoch: ord + 1, epochs: status.epochs, fold: status.fold, folds: status.folds, trainLoss: train, valLoss: val, seconds, line: line.text } });
    this.checkBaseline(ord, val, line, now, events);
    if (first) this.checkProjection(line, now, events);
  }

  private checkBaseline(ord: number, val: number | null, line: OutputLine, now: number, events: GuardEvent[]): void {
    const c = this.options.classes;
    if (this.baselineWarned || val === null || !Number.isFinite(val) || c === null || c < 2 || ord >= 2) return;
    const baseline = Math.log(c);
    if (Math.abs(val - baseline) >= 0.1) return;
    this.baselineWarned = true;
    this.warn(events, 'loss-at-baseline', `validation loss ${val} in epoch ${ord + 1} is within 0.1 of the random baseline ln(${c}) = ${baseline.toFixed(3)}: the model is not learning (check the labels, the learning rate, that the model and the batches are on the GPU)`, line, now, ruleHelp('TG205', 'no-loss-sanity-check'), true);
  }

  /** The run's projected total: elapsed + the epochs left (this fold's, then the folds left) x the mean epoch time. */
  private projection(now: number): { ms: number; samples: number; detail: string } | null {
    const epochs = this.epochsTotal ?? this.options.epochs;
    const done = this.lastCompletion;
    if (!this.durations.length || epochs === null || !done) return null;
    const folds = this.foldsSeen ? this.foldsTotal ?? this.options.folds : null;
    const mean = this.durations.reduce((a, b) => a + b, 0) / this.durations.length;
    const leftInFold = Math.max(0, epochs - (done.ord + 1));
    const leftFolds = folds !== null ? Math.max(0, folds - (done.fold + 1)) : 0;
    const ms = now - this.start + (leftInFold + leftFolds * epochs) * mean * 1000;
    const where = folds !== null ? `, fold ${done.fold + 1} of ${folds}` : '';
    const detail = `${done.ord + 1} of ${epochs} epochs done${where}, ${fmtSeconds(mean * 1000)} per epoch`;
    return { ms, samples: this.durations.length, detail };
  }

  private checkProjection(line: OutputLine, now: number, events: GuardEvent[]): void {
    const budget = this.options.budgetMinutes;
    if (budget === null || this.projectionWarned) return;
    const p = this.projection(now);
    if (!p) return;
    const budgetMs = budget * 60000;
    // one epoch's time includes one-off costs (caching, cudnn autotuning, compilation): a single sample must be clearly over
    if (p.ms <= budgetMs || (p.samples < 2 && p.ms <= budgetMs * 1.5)) return;
    this.projectionWarned = true;
    this.warn(events, 'over-budget', `projected run time ${fmtMinutes(p.ms)} is over the ${fmtMinutes(budgetMs)} budget (${p.detail}): train fewer epochs or folds, or a smaller model, before the budget runs out`, line, now, ruleHelp('TG101', 'budget-exceeded'), false);
  }

  private checkBudgetSpent(now: number, events: GuardEvent[]): void {
    const budget = this.options.budgetMinutes;
    if (budget === null || this.budgetSpentWarned || now - this.start < budget * 60000) return;
    this.budgetSpentWarned = true;
    this.warn(events, 'over-budget', `the run has used its whole ${fmtMinutes(budget * 60000)} budget and is still going`, this.last, now, ruleHelp('TG101', 'budget-exceeded'), false);
  }

  private warn(events: GuardEvent[], kind: WarningKind, message: string, line: OutputLine | null, now: number, help: HelpLink, stop: boolean): void {
    this.warningCount++;
    events.push({ type: 'warning', warning: { kind, message, line: line?.text ?? null, lineNumber: line?.number ?? null, atMs: Math.max(0, now - this.start), help, stop } });
  }
}

function definedOnly<T extends object>(o: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function quote(s: string): string {
  const t = s.trim();
  return `"${t.length > 120 ? `${t.slice(0, 117)}...` : t}"`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function fmtSeconds(ms: number): string {
  const s = ms / 1000;
  if (s < 100) return `${Number.isInteger(Math.round(s * 10) / 10) ? Math.round(s) : (Math.round(s * 10) / 10).toString()} s`;
  return fmtMinutes(ms);
}

export function fmtMinutes(ms: number): string {
  const m = ms / 60000;
  if (m >= 90) return `${(m / 60).toFixed(1).replace(/\.0$/, '')} h`;
  return `${m >= 10 ? Math.round(m) : (Math.round(m * 10) / 10).toString()} min`;
}
