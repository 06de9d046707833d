/**
 * Reading a training script's output, one line at a time: epochs and folds, train / validation
 * losses, epoch times, GPU memory readings, and the script's own "loss at the random baseline"
 * warning. Pure functions of the text (plus the little context a table or a CSV header gives the
 * lines after it); the watcher (watcher.ts) adds time and decides what to warn about.
 *
 * Formats understood (see docs/run-guard.md):
 * - plain prints: `epoch 3: train 0.41 val 0.52 (12s)`, `Epoch 3/10 - loss 0.4 - val_loss 0.5`,
 *   `Epoch 0: Loss=4.7875, Acc=0.01` (the hints' template), `[Fold 2/5] epoch 3 ...`;
 * - Keras: `Epoch 3/10` then `100/100 [====] - 12s 120ms/step - loss: 0.4 - val_loss: 0.5` (and
 *   Keras 3's `━━━` bar);
 * - tqdm / Lightning progress bars: `Epoch 3:  45%|####5 | 45/100 [00:10<00:12, 4.5it/s, loss=0.41]`,
 *   complete at 100%;
 * - fastai's table (`epoch train_loss valid_loss accuracy time` then one row per epoch);
 * - Hugging Face Trainer dicts: `{'eval_loss': 1.9, ..., 'epoch': 1.0}`.
 * GPU memory: the TG203 / hints print `GPU: 1.2 GB / 24.0 GB (5.0%)`, nvidia-smi's table row
 * (`|  3MiB / 15109MiB |`) and its `--query-gpu=memory.used,memory.total --format=csv` output, and
 * any line naming the GPU / CUDA / VRAM with a `used / total` pair with units or a memory percentage.
 *
 * No vscode / language-server import.
 */

const NUM_SRC = String.raw`([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf)`;

function num(s: string | undefined): number | null {
  if (s === undefined) return null;
  const v = s.toLowerCase() === 'nan' ? NaN : s.toLowerCase() === 'inf' ? Infinity : Number(s);
  return Number.isNaN(v) && s.toLowerCase() !== 'nan' ? null : v;
}

/** Longer lines are cut (splitter) and read only this far (parser): the patterns look at the start of a line. */
const MAX_LINE = 65536;
const MAX_PARSED = 4000;

/** Splits a stream into lines at `\n`, `\r\n` and a lone `\r` (progress bars redraw with `\r`). */
export class LineSplitter {
  private partial = '';
  private pendingCR = false;

  /** The complete lines in `chunk` (after what earlier chunks left). */
  push(chunk: string): string[] {
    const out: string[] = [];
    let s = chunk;
    if (this.pendingCR) {
      // a `\r` ended the last chunk: a `\n` right after it belongs to it
      if (s.startsWith('\n')) s = s.slice(1);
      this.pendingCR = false;
    }
    let start = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      if (c !== '\n' && c !== '\r') continue;
      out.push(this.partial + s.slice(start, i));
      this.partial = '';
      if (c === '\r') {
        if (i + 1 < s.length) {
          if (s[i + 1] === '\n') i++;
        } else this.pendingCR = true;
      }
      start = i + 1;
    }
    this.partial += s.slice(start);
    // output that never ends a line (a binary dump, a bar without \r) is cut, not kept growing
    if (this.partial.length > MAX_LINE) {
      out.push(this.partial);
      this.partial = '';
    }
    return out;
  }

  /** What is left without a line end (at the end of the stream). */
  flush(): string | null {
    const p = this.partial;
    this.partial = '';
    this.pendingCR = false;
    return p.length ? p : null;
  }

  get hasPartial(): boolean {
    return this.partial.length > 0;
  }
}

/** Removes ANSI colour / cursor sequences and the backspaces Keras redraws with. */
export function plainText(line: string): string {
  // eslint-disable-next-line no-control-regex
  return line.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\x1b\][^\x07]*\x07/g, '').replace(/[\x08]+/g, '');
}

export interface Counter {
  n: number;
  of: number | null;
  /** The number counts from 1 whatever the script's first number says (Keras `Epoch 1/10`, Hugging Face's 1.0 at the end of the first epoch). */
  oneBased?: boolean;
}

export interface GpuReading {
  /** Memory in use as a percentage of the GPU's total. */
  percent: number;
  /** Where the format comes from: the TG203 / hints print is made after the first batch on purpose. */
  source: 'trainguard' | 'nvidia-smi' | 'generic';
}

/** What one output line says. */
export interface LineFacts {
  epoch: Counter | null;
  fold: Counter | null;
  trainLoss: number | null;
  valLoss: number | null;
  /** The epoch's duration when the line states it (`(12s)`, Keras `- 12s`, a finished bar's elapsed time). */
  seconds: number | null;
  /** The line reports a finished epoch (losses of an epoch, a bar at 100%), not a step inside one. */
  complete: boolean;
  /** Any sign that training runs: an epoch marker or a loss value (a fold header is not: model set-up follows it). */
  progress: boolean;
  gpu: GpuReading | null;
  /** The script itself says its loss is at the random baseline (the hints' template, TG205's fix). */
  baselineReported: boolean;
}

/** What earlier lines tell the next ones: a fastai table header, an nvidia-smi CSV header. */
export interface ParseContext {
  table: string[] | null;
  csvColumns: string[] | null;
}

export function newParseContext(): ParseContext {
  return { table: null, csvColumns: null };
}

const EMPTY: LineFacts = { epoch: null, fold: null, trainLoss: null, valLoss: null, seconds: null, complete: false, progress: false, gpu: null, baselineReported: false };

// ---- counters ---------------------------------------------------------------------------------

const EPOCH_RE = /\bepoch\b(?!s)\s*[:=#]?\s*\[?\s*(\d{1,6})(?!\.\d)(?:\s*(?:\/|of)\s*(\d{1,6}))?/i;
const FOLD_RE = /\bfold\b(?!s)\s*[:=#]?\s*\[?\s*(\d{1,4})(?:\s*(?:\/|of)\s*(\d{1,4}))?/i;
const HF_EPOCH_RE = /['"]epoch['"]\s*:\s*(\d+(?:\.\d+)?)/;
/** "best epoch 3", "early stopping at epoch 7", "resumed from epoch 4": not a report of that epoch. */
const NOT_AN_EPOCH_REPORT = /\b(best|early[ _-]?stop\w*|resum\w*|restor\w*|load\w*|sav\w*\s+(?:at|to|for))\b[^\n]{0,20}\bepoch\b/i;

function counter(re: RegExp, text: string): Counter | null {
  const m = re.exec(text);
  if (!m) return null;
  const of = m[2] !== undefined ? Number(m[2]) : null;
  const n = Number(m[1]);
  if (of !== null && (of === 0 || n > of)) return { n, of: null };
  return { n, of };
}

// ---- losses -----------------------------------------------------------------------------------

const SEP = String.raw`['"]?\s*[:=]?\s*`;
const VAL_LOSS_RE = new RegExp(String.raw`(?:^|[^A-Za-z0-9])(?:val(?:id(?:ation)?)?|eval|dev)[ _-]?loss(?:_epoch)?\b${SEP}${NUM_SRC}`, 'i');
const VAL_BARE_RE = new RegExp(String.raw`(?:^|[^A-Za-z0-9_])val(?:id)?\b${SEP}${NUM_SRC}`, 'i');
const TRAIN_LOSS_RE = new RegExp(String.raw`(?:^|[^A-Za-z0-9])train(?:ing)?[ _-]?loss(?:_epoch|_step)?\b${SEP}${NUM_SRC}`, 'i');
const TRAIN_BARE_RE = new RegExp(String.raw`(?:^|[^A-Za-z0-9_])train\b${SEP}${NUM_SRC}`, 'i');
const LOSS_RE = new RegExp(String.raw`(?:^|[^A-Za-z0-9_])loss\b${SEP}${NUM_SRC}`, 'i');

function firstNumber(re: RegExp, text: string): { value: number; index: number; length: number } | null {
  const m = re.exec(text);
  if (!m) return null;
  const v = num(m[1]);
  return v === null ? null : { value: v, index: m.index, length: m[0].length };
}

/** Train and validation loss of a line; a bare `loss` is the training loss (Keras, tqdm postfixes). */
export function losses(text: string): { train: number | null; val: number | null } {
  let rest = text;
  const cut = (hit: { index: number; length: number }) => {
    rest = rest.slice(0, hit.index) + ' '.repeat(hit.length) + rest.slice(hit.index + hit.length);
  };
  const val = firstNumber(VAL_LOSS_RE, rest) ?? firstNumber(VAL_BARE_RE, rest);
  if (val) cut(val);
  const train = firstNumber(TRAIN_LOSS_RE, rest) ?? firstNumber(TRAIN_BARE_RE, rest) ?? firstNumber(LOSS_RE, rest);
  return { train: train?.value ?? null, val: val?.value ?? null };
}

// ---- times ------------------------------------------------------------------------------------

/** An epoch duration the line states, in seconds (never an ETA, a per-step or per-iteration time). */
export function statedSeconds(text: string): number | null {
  const noEta = text.replace(/\bETA\s*:?\s*[\d:.]+\s*(?:s|ms|m|h)?\b/gi, ' ');
  // a progress bar's elapsed time: [00:22<00:00 or [1:02:03<...
  const bar = /\[(?:(\d+):)?(\d+):(\d\d)</.exec(noEta);
  if (bar) return Number(bar[1] ?? 0) * 3600 + Number(bar[2]) * 60 + Number(bar[3]);
  const mins = /\b(\d+)\s*m(?:in)?\s*(\d+(?:\.\d+)?)\s*s\b/i.exec(noEta);
  if (mins) return Number(mins[1]) * 60 + Number(mins[2]);
  const clock = /\btime\b\s*[:=]?\s*(?:(\d+):)?(\d+):(\d\d(?:\.\d+)?)\b/i.exec(noEta);
  if (clock) return Number(clock[1] ?? 0) * 3600 + Number(clock[2]) * 60 + Number(clock[3]);
  const sec = /(?:^|[^\w.])(\d+(?:\.\d+)?)\s*(?:s|sec|secs|seconds)\b(?!\s*\/)/i.exec(noEta);
  if (sec) return Number(sec[1]);
  const min = /(?:^|[^\w.])(\d+(?:\.\d+)?)\s*(?:min|mins|minutes)\b(?!\s*\/)/i.exec(noEta);
  if (min) return Number(min[1]) * 60;
  return null;
}

// ---- GPU memory -------------------------------------------------------------------------------

const UNIT_MIB: Record<string, number> = { b: 1 / 1048576, kb: 1 / 1024, kib: 1 / 1024, k: 1 / 1024, mb: 1, mib: 1, m: 1, gb: 1024, gib: 1024, g: 1024, tb: 1048576, tib: 1048576 };
const UNIT = String.raw`(GiB|GB|G|MiB|MB|M|KiB|KB|K|TiB|TB|B)`;

function reading(percent: number, source: GpuReading['source']): GpuReading | null {
  return Number.isFinite(percent) && percent >= 0 && percent <= 100 ? { percent, source } : null;
}

function gpuReading(text: string, ctx: ParseContext): GpuReading | null {
  // the TG203 fix, the snippets and the hints: GPU: 1.2 GB / 24.0 GB (5.0%)
  const tg = /\bGPU\b[^:\n]{0,20}:\s*(\d+(?:\.\d+)?)\s*GB\s*\/\s*(\d+(?:\.\d+)?)\s*GB\s*\(\s*(\d+(?:\.\d+)?)\s*%\s*\)/i.exec(text);
  if (tg) return Number(tg[2]) > 0 ? reading(Number(tg[3]), 'trainguard') : null;
  // nvidia-smi's table: |  N/A   34C  P0  26W / 70W |   3MiB / 15109MiB |   0%   Default |
  const smi = /\|\s*(\d+)\s*MiB\s*\/\s*(\d+)\s*MiB\s*\|/.exec(text);
  if (smi) return Number(smi[2]) > 0 ? reading((Number(smi[1]) / Number(smi[2])) * 100, 'nvidia-smi') : null;
  // nvidia-smi --query-gpu=...,memory.used,memory.total --format=csv: a row under a header read before
  if (ctx.csvColumns) {
    const cells = text.split(',').map((c) => c.trim());
    if (cells.length === ctx.csvColumns.length) {
      const at = (name: string) => ctx.csvColumns!.findIndex((c) => c.startsWith(name));
      const u = at('memory.used');
      const t = at('memory.total');
      const used = u >= 0 ? /^(\d+(?:\.\d+)?)\s*(MiB)?$/.exec(cells[u]) : null;
      const total = t >= 0 ? /^(\d+(?:\.\d+)?)\s*(MiB)?$/.exec(cells[t]) : null;
      if (used && total && Number(total[1]) > 0) return reading((Number(used[1]) / Number(total[1])) * 100, 'nvidia-smi');
    }
  }
  if (!/\b(gpu|cuda|vram)\b/i.test(text) || /\butil/i.test(text) || /\b(ram|cpu|system|host|disk)\b/i.test(text.replace(/\bvram\b/gi, ''))) return null;
  // "GPU memory: 1.2 / 16 GB", "cuda mem 512 MB of 16384 MB", "VRAM 3.1G/15.9G"
  const pair = new RegExp(String.raw`(\d+(?:\.\d+)?)\s*${UNIT}?\s*(?:\/|of)\s*(\d+(?:\.\d+)?)\s*${UNIT}\b`, 'i').exec(text);
  if (pair) {
    const total = Number(pair[3]) * UNIT_MIB[pair[4].toLowerCase()];
    const used = Number(pair[1]) * UNIT_MIB[(pair[2] ?? pair[4]).toLowerCase()];
    if (total > 0) return reading((used / total) * 100, 'generic');
  }
  // "GPU memory used: 4.5%"
  if (/\bmem(ory)?\b/i.test(text)) {
    const pct = /(\d+(?:\.\d+)?)\s*%/.exec(text);
    if (pct) return reading(Number(pct[1]), 'generic');
  }
  return null;
}

// ---- the script's own baseline warning ---------------------------------------------------------

const BASELINE_REPORT = /\bloss\b[^\n]*(?:(?:≈|~=?|at|near|close to)\s+(?:the\s+)?random baseline|not learning\b(?![ _-]?rate))|random baseline[^\n]*not learning\b(?![ _-]?rate)/i;

// ---- fastai table / nvidia-smi CSV headers ----------------------------------------------------

function tableHeader(text: string): string[] | null {
  const cols = text.trim().split(/\s+/);
  if (cols[0]?.toLowerCase() !== 'epoch' || cols.length < 2) return null;
  return cols.some((c) => /^(train_loss|valid_loss)$/i.test(c)) ? cols.map((c) => c.toLowerCase()) : null;
}

function tableRow(text: string, header: string[]): LineFacts | null {
  const cells = text.trim().split(/\s+/);
  if (cells.length !== header.length || !/^\d+$/.test(cells[0])) return null;
  const cell = (name: string) => {
    const i = header.indexOf(name);
    return i >= 0 ? num(cells[i]) : null;
  };
  const t = header.indexOf('time');
  const time = t >= 0 ? /^(?:(\d+):)?(\d+):(\d\d)$/.exec(cells[t]) : null;
  return {
    ...EMPTY,
    epoch: { n: Number(cells[0]), of: null },
    trainLoss: cell('train_loss'),
    valLoss: cell('valid_loss'),
    seconds: time ? Number(time[1] ?? 0) * 3600 + Number(time[2]) * 60 + Number(time[3]) : null,
    complete: true,
    progress: true,
  };
}

function csvHeader(text: string): string[] | null {
  if (!/\bmemory\.(used|total)\b/.test(text) || !text.includes(',')) return null;
  return text.split(',').map((c) => c.trim().replace(/\s*\[.*\]$/, ''));
}

// ---- one line ---------------------------------------------------------------------------------

/** A step inside an epoch: `step 100/500`, `batch 20`, `iter 3`, `[20/100]` before a loss. */
const STEP_RE = /\b(step|batch|iter(ation)?|it)\b\s*[:=#]?\s*\d+|(?:^|\s)\[\s*\d+\s*\/\s*\d+\s*\]/i;
const PERCENT_BAR = /(\d{1,3})%\s*\|/;
const KERAS_STEPS = /(?:^|\s)(\d+)\/(\d+)\s*(?:\[|━|-\s)/;

/** What one line of output says (`ctx` carries a table or CSV header to the following lines; updated in place). */
export function parseLine(raw: string, ctx: ParseContext): LineFacts {
  const text = plainText(raw.length > MAX_PARSED ? raw.slice(0, MAX_PARSED) : raw);
  if (!text.trim()) return EMPTY;
  const header = tableHeader(text);
  if (header) {
    ctx.table = header;
    return { ...EMPTY, progress: true };
  }
  if (ctx.table) {
    const row = tableRow(text, ctx.table);
    if (row) return row;
  }
  const csv = csvHeader(text);
  if (csv) {
    ctx.csvColumns = csv;
    return EMPTY;
  }

  const gpu = gpuReading(text, ctx);
  const baselineReported = BASELINE_REPORT.test(text);

  let epoch = NOT_AN_EPOCH_REPORT.test(text) ? null : counter(EPOCH_RE, text);
  const fold = counter(FOLD_RE, text);
  const { train, val } = losses(text);
  const hf = HF_EPOCH_RE.exec(text);
  let complete = false;
  if (hf) {
    // Hugging Face: 'epoch' is progress as a float; an eval dict at a whole number ends that epoch
    const v = Number(hf[1]);
    if (/['"]eval_loss['"]/.test(text) && Number.isInteger(v) && v >= 1) {
      epoch = { n: v, of: null, oneBased: true };
      complete = true;
    } else epoch = null;
  } else {
    const bar = PERCENT_BAR.exec(text);
    // `Epoch 1/10 - ...` is the epoch counter, not Keras' `100/100 - ...` step counter
    const keras = KERAS_STEPS.exec(epoch ? text.replace(EPOCH_RE, ' ') : text);
    if (bar) complete = Number(bar[1]) === 100;
    else if (keras) complete = keras[1] === keras[2] && !/\bETA\b/i.test(text) && (train !== null || val !== null);
    else if (epoch && (train !== null || val !== null)) complete = !STEP_RE.test(text.replace(EPOCH_RE, ' '));
    else if (!epoch && val !== null && train !== null && /\bval(?:id(?:ation)?)?[_ ]loss\b/i.test(text) && !STEP_RE.test(text)) {
      // Keras verbose=2 with no step counter: `- 12s - loss: 0.4 - val_loss: 0.5`
      complete = /\s-\s/.test(text);
    }
    // Keras prints "Epoch 3/10" alone when the epoch starts
    if (epoch && epoch.of !== null && /^\s*epoch\s+\d+\s*\/\s*\d+\s*$/i.test(text)) epoch = { ...epoch, oneBased: true };
  }
  const seconds = complete ? statedSeconds(text) : null;
  return {
    epoch,
    fold,
    trainLoss: train,
    valLoss: val,
    seconds,
    complete,
    // a fold header comes before the model is built: it is not yet a sign that training runs
    progress: !!epoch || train !== null || val !== null,
    gpu,
    baselineReported,
  };
}
