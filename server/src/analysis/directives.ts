/**
 * Train Guard's comment directives: `# noqa`, `# noqa: TG303,TG701`, `# trainguard: ignore[TG303]`,
 * `# trainguard: ignore-file[TG205]` and `# trainguard: budget=30m gpu=T4`.
 */
import type { Comment } from './model';
import type { Range } from './source';

export interface LineSuppression {
  line: number;
  /** null = every code (bare `# noqa`). */
  codes: string[] | null;
  /** Where each listed code sits in the comment (for unknown-code reports and hovers). */
  codeRanges: { code: string; range: Range }[];
  kind: 'noqa' | 'ignore';
}

export interface Directives {
  lines: Map<number, LineSuppression[]>;
  /** null entry = the whole file is ignored for every code. */
  fileCodes: Set<string> | null;
  fileAll: boolean;
  fileRanges: { code: string; range: Range }[];
  budgetMinutes: number | null;
  gpu: string | null;
  /** Malformed directives, for a warning. */
  problems: { range: Range; message: string }[];
}

const CODE_LIST = /[A-Z]+[0-9]+/g;

function rangesOf(comment: Comment, listStart: number, list: string): { code: string; range: Range }[] {
  const out: { code: string; range: Range }[] = [];
  const col0 = comment.node.startPosition.column;
  let m: RegExpExecArray | null;
  CODE_LIST.lastIndex = 0;
  while ((m = CODE_LIST.exec(list))) {
    const start = col0 + listStart + m.index;
    out.push({ code: m[0], range: { start: { line: comment.line, character: start }, end: { line: comment.line, character: start + m[0].length } } });
  }
  return out;
}

/** Parses a duration like `30m`, `1.5h`, `90min`, `45` (minutes). */
export function parseDuration(v: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(m|min|mins|minutes?|h|hr|hours?|s|sec)?$/i.exec(v.trim());
  if (!m) return null;
  const n = parseFloat(m[1]);
  const unit = (m[2] ?? 'm').toLowerCase();
  if (unit.startsWith('h')) return n * 60;
  if (unit.startsWith('s')) return n / 60;
  return n;
}

export function parseDirectives(comments: readonly Comment[]): Directives {
  const d: Directives = { lines: new Map(), fileCodes: new Set(), fileAll: false, fileRanges: [], budgetMinutes: null, gpu: null, problems: [] };
  for (const c of comments) {
    const text = c.text;
    const add = (s: LineSuppression) => {
      const list = d.lines.get(s.line) ?? [];
      list.push(s);
      d.lines.set(s.line, list);
    };
    // # noqa / # noqa: A1,B2  (anywhere in the comment, as flake8 and Ruff accept)
    const noqa = /#\s*noqa(?::\s*((?:[A-Z]+[0-9]+)(?:[\s,]+[A-Z]+[0-9]+)*))?/i.exec(text);
    if (noqa) {
      if (noqa[1]) {
        const start = noqa.index + noqa[0].indexOf(noqa[1]);
        const ranges = rangesOf(c, start, noqa[1]);
        add({ line: c.line, codes: ranges.map((r) => r.code), codeRanges: ranges, kind: 'noqa' });
      } else if (!/#\s*noqa\s*:/i.test(text)) {
        add({ line: c.line, codes: null, codeRanges: [], kind: 'noqa' });
      }
    }
    const tg = /#\s*trainguard\s*:\s*(.*)$/i.exec(text);
    if (!tg) continue;
    const body = tg[1];
    const bodyStart = tg.index + tg[0].length - body.length;
    const ignore = /^(ignore|ignore-file)\s*(?:\[([^\]]*)\])?\s*$/.exec(body.trim());
    if (ignore) {
      const list = ignore[2];
      const listStart = list !== undefined ? bodyStart + body.indexOf('[') + 1 : 0;
      const ranges = list !== undefined ? rangesOf(c, listStart, list) : [];
      if (ignore[1] === 'ignore') add({ line: c.line, codes: list !== undefined ? ranges.map((r) => r.code) : null, codeRanges: ranges, kind: 'ignore' });
      else if (list === undefined || !ranges.length) d.fileAll = true;
      else {
        for (const r of ranges) d.fileCodes!.add(r.code);
        d.fileRanges.push(...ranges);
      }
      continue;
    }
    // key=value settings: budget=30m gpu=T4
    const pairs = body.trim().split(/\s+/).filter(Boolean);
    let understood = pairs.length > 0;
    for (const p of pairs) {
      const kv = /^([a-z-]+)=(\S+)$/i.exec(p);
      if (!kv) {
        understood = false;
        continue;
      }
      const key = kv[1].toLowerCase();
      if (key === 'budget') {
        const minutes = parseDuration(kv[2]);
        if (minutes === null) d.problems.push({ range: lineRange(c), message: `Train Guard: cannot read budget "${kv[2]}" (use e.g. budget=30m or budget=1.5h)` });
        else d.budgetMinutes = minutes;
      } else if (key === 'gpu') d.gpu = kv[2];
      else d.problems.push({ range: lineRange(c), message: `Train Guard: unknown directive key "${kv[1]}" (known: budget, gpu, ignore, ignore-file)` });
    }
    if (!understood) d.problems.push({ range: lineRange(c), message: `Train Guard: cannot read the directive "${body.trim()}"` });
  }
  return d;
}

function lineRange(c: Comment): Range {
  return { start: { line: c.line, character: c.node.startPosition.column }, end: { line: c.line, character: c.node.endPosition.column } };
}

/** Is a finding of `code` starting on `line` suppressed? */
export function isSuppressed(d: Directives, code: string, line: number): boolean {
  if (d.fileAll || d.fileCodes?.has(code)) return true;
  for (const s of d.lines.get(line) ?? []) if (s.codes === null || s.codes.includes(code)) return true;
  return false;
}
