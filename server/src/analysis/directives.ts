/**
 * Train Guard's comment directives: `# noqa`, `# noqa: TG303,TG701`, `# trainguard: ignore[TG303]`,
 * `# trainguard: ignore-file[TG205]` and `# trainguard: budget=30m gpu=T4`.
 */
import type { Comment, PythonModel } from './model';
import type { Node } from './parser';
import type { Position, Range } from './source';

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

/** Splits a code list (`TG303, TG701` / `TG303 TG701`): the codes with their offsets, and what is not a code. */
function splitCodes(list: string): { codes: { code: string; at: number }[]; junk: string[] } {
  const codes: { code: string; at: number }[] = [];
  const junk: string[] = [];
  const re = /[^\s,]+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(list))) {
    if (/^[A-Za-z]+[0-9]+$/.test(m[0])) codes.push({ code: m[0].toUpperCase(), at: m.index });
    else junk.push(m[0]);
  }
  return { codes, junk };
}

function codeRanges(comment: Comment, listStart: number, codes: { code: string; at: number }[]): { code: string; range: Range }[] {
  const col0 = comment.node.startPosition.column;
  return codes.map(({ code, at }) => {
    const start = col0 + listStart + at;
    return { code, range: { start: { line: comment.line, character: start }, end: { line: comment.line, character: start + code.length } } };
  });
}

/**
 * Reads every directive of a file's comments. Codes are case-insensitive (`# noqa: tg303` is TG303).
 * `# noqa` follows flake8 and Ruff: it may stand anywhere in a comment, a bare one silences every
 * code on its line, `# noqa:` with no code silences nothing and is reported (TG002). Codes of other
 * linters (`# noqa: E501`) are kept and never reported. A `# trainguard:` directive ends at the next
 * `#` of the comment, so `# trainguard: ignore[TG303]  # noqa: E501` reads as two directives.
 */
export function parseDirectives(comments: readonly Comment[]): Directives {
  const d: Directives = { lines: new Map(), fileCodes: new Set(), fileAll: false, fileRanges: [], budgetMinutes: null, gpu: null, problems: [] };
  for (const c of comments) {
    const text = c.text;
    const add = (s: LineSuppression) => {
      const list = d.lines.get(s.line) ?? [];
      list.push(s);
      d.lines.set(s.line, list);
    };
    // # noqa / # noqa: A1,B2 (the list is the run of codes after the colon)
    const noqa = /#\s*noqa\b(\s*:\s*)?/i.exec(text);
    if (noqa) {
      if (noqa[1] === undefined) add({ line: c.line, codes: null, codeRanges: [], kind: 'noqa' });
      else {
        const listStart = noqa.index + noqa[0].length;
        const run = /^[A-Za-z]+[0-9]+(?:[\s,]*[A-Za-z]+[0-9]+)*/.exec(text.slice(listStart));
        if (!run) {
          d.problems.push({ range: lineRange(c), message: 'Train Guard: `# noqa:` names no code, so it suppresses nothing: write `# noqa: TG303` (or a bare `# noqa` for every code on the line)' });
        } else {
          const ranges = codeRanges(c, listStart, splitCodes(run[0]).codes);
          add({ line: c.line, codes: ranges.map((r) => r.code), codeRanges: ranges, kind: 'noqa' });
        }
      }
    }
    const tg = /#\s*trainguard\s*:([^#]*)/i.exec(text);
    if (!tg) continue;
    const body = tg[1];
    const bodyStart = tg.index + tg[0].length - body.length;
    const ignore = /^\s*(ignore|ignore-file)\s*(?:\[([^\]]*)\])?\s*$/i.exec(body);
    if (ignore) {
      const kind = ignore[1].toLowerCase();
      const list = ignore[2];
      if (list === undefined) {
        // no list: every code (on the line / in the file)
        if (kind === 'ignore') add({ line: c.line, codes: null, codeRanges: [], kind: 'ignore' });
        else d.fileAll = true;
        continue;
      }
      const listStart = bodyStart + body.indexOf('[') + 1;
      const { codes, junk } = splitCodes(list);
      if (junk.length || !codes.length) {
        d.problems.push({
          range: lineRange(c),
          message: codes.length
            ? `Train Guard: "${junk.join(' ')}" in \`${kind}[...]\` is not a rule code: write codes like \`${kind}[TG303, TG701]\``
            : `Train Guard: \`${kind}[]\` names no code, so it suppresses nothing: write \`${kind}[TG303]\` (or \`${kind}\` without brackets for every code)`,
        });
      }
      const ranges = codeRanges(c, listStart, codes);
      if (!ranges.length) continue;
      if (kind === 'ignore') add({ line: c.line, codes: ranges.map((r) => r.code), codeRanges: ranges, kind: 'ignore' });
      else {
        for (const r of ranges) d.fileCodes!.add(r.code);
        d.fileRanges.push(...ranges);
      }
      continue;
    }
    // key=value settings: budget=30m gpu=T4
    const pairs = body.trim().split(/\s+/).filter(Boolean);
    if (!pairs.length) {
      d.problems.push({ range: lineRange(c), message: 'Train Guard: empty `# trainguard:` directive (write e.g. `# trainguard: ignore[TG303]` or `# trainguard: budget=30m gpu=T4`)' });
      continue;
    }
    const unread: string[] = [];
    for (const p of pairs) {
      const kv = /^([a-z-]+)=(\S+)$/i.exec(p);
      if (!kv) {
        unread.push(p);
        continue;
      }
      const key = kv[1].toLowerCase();
      if (key === 'budget') {
        const minutes = parseDuration(kv[2]);
        if (minutes === null || minutes <= 0) d.problems.push({ range: lineRange(c), message: `Train Guard: cannot read budget "${kv[2]}" (use e.g. budget=30m or budget=1.5h)` });
        else d.budgetMinutes = minutes;
      } else if (key === 'gpu') d.gpu = kv[2];
      else d.problems.push({ range: lineRange(c), message: `Train Guard: unknown directive key "${kv[1]}" (known: budget, gpu, ignore, ignore-file)` });
    }
    if (unread.length) {
      const hint = /^ignore(-file)?$/i.test(unread[0]) ? ` (codes go in brackets: \`# trainguard: ${unread[0].toLowerCase()}[${unread.slice(1).join(', ') || 'TG303'}]\`)` : ' (write `key=value` pairs like `budget=30m gpu=T4`, or `ignore[TG303]`)';
      d.problems.push({ range: lineRange(c), message: `Train Guard: cannot read the directive "${body.trim()}"${hint}` });
    }
  }
  return d;
}

function lineRange(c: Comment): Range {
  return { start: { line: c.line, character: c.node.startPosition.column }, end: { line: c.line, character: c.node.endPosition.column } };
}

/**
 * Is a finding of `code` suppressed by a comment on one of `lines`? (See `suppressionLines`: the
 * finding's first line and the last line of the statement it starts in.)
 */
export function isSuppressed(d: Directives, code: string, lines: number | readonly number[]): boolean {
  if (d.fileAll || d.fileCodes?.has(code)) return true;
  for (const line of typeof lines === 'number' ? [lines] : lines) {
    for (const s of d.lines.get(line) ?? []) if (s.codes === null || s.codes.includes(code)) return true;
  }
  return false;
}

const BODY_TYPES = new Set(['block', 'module']);

/**
 * Lines whose suppression comments apply to a finding starting at `start`: that line, and the last
 * line of the statement it starts in (of a compound statement, its header up to the `:`), so a
 * `# noqa` may follow the closing bracket of a call written over several lines, as with Ruff for
 * multi-line strings. A comment inside the body of a loop never silences a finding on the loop.
 */
export function suppressionLines(root: Node, start: Position): number[] {
  const lines = [start.line];
  let n: Node | null = root.descendantForPosition({ row: start.line, column: start.character });
  while (n && n.parent && !BODY_TYPES.has(n.parent.type)) n = n.parent;
  if (!n || n === root || BODY_TYPES.has(n.type)) return lines;
  if (n.type === 'decorated_definition') n = n.childForFieldName('definition') ?? n;
  let end = n.endPosition.row;
  // a compound statement: its header ends where its body (or first clause) begins
  const body = n.childForFieldName('body') ?? n.namedChildren.find((c) => c.type === 'block') ?? null;
  if (body) {
    const colon = body.previousSibling;
    end = colon ? colon.endPosition.row : body.startPosition.row;
  }
  // the finding may start on a decorator or a later line of the statement: only ever look downwards
  if (end > start.line) lines.push(end);
  return lines;
}

/** Can a comment end this line? Not when its end is inside a multi-line string, nor after a continuation backslash. */
export function canEndWithComment(model: PythonModel, line: number): boolean {
  const text = model.source.lineText(line);
  for (let n = model.root.descendantForPosition({ row: line, column: text.length }); n; n = n.parent) {
    if (n.type === 'string' && n.startPosition.row <= line && n.endPosition.row > line) return false;
  }
  return !(text.endsWith('\\') && !model.comments.some((c) => c.line === line));
}

/**
 * The line where a new suppression comment for a finding starting at `start` goes: its own line when
 * a comment can end it; otherwise (the line ends inside a multi-line string, or with a continuation
 * backslash) the last line of its statement, which `suppressionLines` also reads.
 */
export function commentLineFor(model: PythonModel, start: Position): number {
  if (canEndWithComment(model, start.line)) return start.line;
  const lines = suppressionLines(model.root, start);
  return lines[lines.length - 1];
}
