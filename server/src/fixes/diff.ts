/**
 * Unified diffs of two texts, for `trainguard check --diff` (the output `patch -p0` and `git apply`
 * read). Lines are split after "\n" and keep their terminator, so a changed line ending ("\r\n" ->
 * "\n") is a changed line, and a last line without a newline gets GNU diff's
 * "\ No newline at end of file" marker.
 *
 * The line matching is Myers' O((N+M)D) greedy algorithm run on what remains after the common prefix
 * and suffix are set aside (fixes touch a few places, so D stays small). If D would exceed
 * `MAX_EDIT_DISTANCE` the middle is reported as one replaced block: a larger diff, still a correct one.
 * Written here rather than taken from a package: about a hundred lines, no dependency in the bundle,
 * and tested against GNU patch.
 */

const MAX_EDIT_DISTANCE = 1000;

/** Splits after each "\n"; the last line has no terminator when the text does not end with one. */
export function splitLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
    out.push(text.slice(start, i + 1));
    start = i + 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

type Op = { kind: ' ' | '-' | '+'; line: string };

/** The edit script turning `a` into `b` (lines kept, removed, added), in order. */
export function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const midA = a.slice(pre, a.length - suf);
  const midB = b.slice(pre, b.length - suf);
  const ops: Op[] = a.slice(0, pre).map((line) => ({ kind: ' ', line }));
  ops.push(...myers(midA, midB));
  for (const line of a.slice(a.length - suf)) ops.push({ kind: ' ', line });
  return ops;
}

function myers(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  if (!n) return b.map((line) => ({ kind: '+', line }));
  if (!m) return a.map((line) => ({ kind: '-', line }));
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  // trace[d] = the furthest-reaching x per diagonal k before step d (at most 1000 copies of 2003 ints)
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    v = next;
  }
  if (found < 0) return [...a.map((line) => ({ kind: '-' as const, line })), ...b.map((line) => ({ kind: '+' as const, line }))];
  // walk back from (n, m) through the saved frontiers
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const prev = trace[d];
    const k = x - y;
    const down = k === -d || (k !== d && prev[offset + k - 1] < prev[offset + k + 1]);
    const prevK = down ? k + 1 : k - 1;
    const prevX = prev[offset + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      ops.push({ kind: ' ', line: a[x] });
    }
    if (down) ops.push({ kind: '+', line: b[--y] });
    else ops.push({ kind: '-', line: a[--x] });
  }
  while (x > 0 && y > 0) {
    x--;
    y--;
    ops.push({ kind: ' ', line: a[x] });
  }
  return ops.reverse();
}

function hunkRange(start: number, count: number): string {
  // GNU style: an empty range names the line before it; a count of one is left out
  if (count === 0) return `${start},0`;
  return count === 1 ? `${start + 1}` : `${start + 1},${count}`;
}

function emit(op: Op): string {
  if (op.line.endsWith('\n')) return op.kind + op.line;
  return `${op.kind}${op.line}\n\\ No newline at end of file\n`;
}

/**
 * A unified diff from `before` to `after` with `context` lines around each change, or "" when the
 * texts are equal. `fromLabel` / `toLabel` go on the `---` / `+++` lines.
 */
export function unifiedDiff(before: string, after: string, fromLabel: string, toLabel = fromLabel, context = 3): string {
  if (before === after) return '';
  const ops = diffLines(splitLines(before), splitLines(after));
  // group the changes into hunks: changes closer than 2 * context share one hunk
  const changed: number[] = [];
  ops.forEach((op, i) => op.kind !== ' ' && changed.push(i));
  const hunks: [number, number][] = [];
  for (const i of changed) {
    const last = hunks[hunks.length - 1];
    if (last && i - last[1] <= 2 * context + 1) last[1] = i;
    else hunks.push([i, i]);
  }
  let out = `--- ${fromLabel}\n+++ ${toLabel}\n`;
  // line numbers before each op
  const aLine: number[] = [];
  const bLine: number[] = [];
  let la = 0;
  let lb = 0;
  for (const op of ops) {
    aLine.push(la);
    bLine.push(lb);
    if (op.kind !== '+') la++;
    if (op.kind !== '-') lb++;
  }
  for (const [first, last] of hunks) {
    const from = Math.max(0, first - context);
    const to = Math.min(ops.length - 1, last + context);
    const slice = ops.slice(from, to + 1);
    const countA = slice.filter((o) => o.kind !== '+').length;
    const countB = slice.filter((o) => o.kind !== '-').length;
    out += `@@ -${hunkRange(aLine[from], countA)} +${hunkRange(bLine[from], countB)} @@\n`;
    for (const op of slice) out += emit(op);
  }
  return out;
}
