/**
 * Applying fixes: one at a time (a quick fix) or all at once in rounds (fix-all, `--fix`), like Ruff:
 * each round re-analyses the text and applies every fix that does not overlap an earlier one, until
 * nothing changes or the round limit is hit.
 *
 * Fix-all never makes a file worse: a fix whose edits are malformed (outside the text, overlapping
 * each other) is dropped; a round whose combined result no longer parses is redone keeping only the
 * fixes that parse together; a file that does not parse to begin with is left alone; and a set of
 * fixes that undo each other (the text comes back to an earlier state) stops the rounds.
 */
import { analyzeText, type AnalyzeOptions } from '../analysis/analyze';
import { parsePython } from '../analysis/parser';
import { applyEdits, SourceText, type Position, type TextEdit } from '../analysis/source';
import type { Finding, Fix } from '../rules/types';

export interface FixAllOptions extends AnalyzeOptions {
  /** Apply fixes marked unsafe too. */
  unsafe?: boolean;
  /** Only fixes of these codes. */
  codes?: readonly string[];
  maxRounds?: number;
}

export interface FixAllResult {
  text: string;
  /** Fixes applied, by code. */
  applied: Map<string, number>;
  /** Fixes still offered at the end but withheld because their edits are malformed or make the file unparsable, by code. */
  rejected: Map<string, number>;
  rounds: number;
  /** False when the rounds stopped at the limit or on a cycle while fixes were still being offered. */
  converged: boolean;
  /** The text did not parse before fixing: nothing was applied. */
  syntaxError: boolean;
}

export const DEFAULT_MAX_ROUNDS = 10;

function validPosition(src: SourceText, p: Position): boolean {
  if (!Number.isInteger(p.line) || !Number.isInteger(p.character) || p.line < 0 || p.character < 0 || p.line >= src.lineCount) return false;
  return p.character <= src.lineEndOffset(p.line) - src.lineStartOffset(p.line);
}

/**
 * The fix's edits as offset spans, or null when they are malformed: a position outside the text, an
 * end before its start, or two edits of the fix that overlap (two insertions at one offset are fine:
 * they apply in the order given).
 */
export function fixSpans(src: SourceText, edits: readonly TextEdit[]): [number, number][] | null {
  const spans: [number, number][] = [];
  for (const e of edits) {
    if (!validPosition(src, e.range.start) || !validPosition(src, e.range.end) || typeof e.newText !== 'string') return null;
    const s = src.offsetAt(e.range.start);
    const t = src.offsetAt(e.range.end);
    if (t < s) return null;
    spans.push([s, t]);
  }
  const sorted = [...spans].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (let i = 1; i < sorted.length; i++) if (sorted[i][0] < sorted[i - 1][1]) return null;
  return spans;
}

/** Spans conflict when they share text, or start at the same offset (two insertions there have no defined order). */
function overlaps(a: [number, number][], b: [number, number][]): boolean {
  return a.some(([s1, e1]) => b.some(([s2, e2]) => (s1 < e2 && s2 < e1) || s1 === s2));
}

export interface ApplyResult {
  text: string;
  applied: Finding[];
  /** Fixes left out because their edits are malformed. */
  malformed: Finding[];
}

/**
 * Applies the fixes whose edits (and `dependsOn` ranges) do not overlap, in document order. Returns
 * the new text and what was applied.
 */
export function applyNonOverlapping(text: string, findings: readonly Finding[], accept: (f: Fix) => boolean): ApplyResult {
  const src = new SourceText(text);
  const chosen: Finding[] = [];
  const malformed: Finding[] = [];
  const taken: [number, number][] = [];
  for (const f of findings) {
    if (!f.fix || !accept(f.fix) || !f.fix.edits.length) continue;
    const spans = fixSpans(src, f.fix.edits);
    if (!spans) {
      malformed.push(f);
      continue;
    }
    // what the fix relies on counts as taken too: another fix touching it waits for the next round
    const relied = f.fix.dependsOn ? fixSpans(src, f.fix.dependsOn.map((range) => ({ range, newText: '' }))) : [];
    if (!relied) {
      malformed.push(f);
      continue;
    }
    const claimed = [...spans, ...relied];
    if (overlaps(claimed, taken)) continue;
    taken.push(...claimed);
    chosen.push(f);
  }
  if (!chosen.length) return { text, applied: [], malformed };
  return { text: applyEdits(text, chosen.flatMap((f) => f.fix!.edits)), applied: chosen, malformed };
}

/** Whether `text` parses without an ERROR or MISSING node. */
export function parses(text: string): boolean {
  const tree = parsePython(text);
  try {
    return !tree.rootNode.hasError;
  } finally {
    tree.delete();
  }
}

export function fixAll(text: string, opts: FixAllOptions = {}): FixAllResult {
  const applied = new Map<string, number>();
  let rejected = new Map<string, number>();
  const count = (m: Map<string, number>, code: string) => m.set(code, (m.get(code) ?? 0) + 1);
  const maxRounds = opts.maxRounds ?? DEFAULT_MAX_ROUNDS;
  const seen = new Set<string>([text]);
  const accept = (fix: Fix) => opts.unsafe === true || fix.applicability === 'safe';
  let converged = false;
  let syntaxError = false;
  let rounds = 0;
  for (; rounds < maxRounds; rounds++) {
    const analysis = analyzeText(text, opts);
    if (analysis.syntaxError) {
      syntaxError = rounds === 0;
      converged = true;
      break;
    }
    rejected = new Map(); // what the last round had to leave out is what is still left out
    const relevant = analysis.findings.filter((f) => !opts.codes || opts.codes.includes(f.code));
    const r = applyNonOverlapping(text, relevant, accept);
    for (const f of r.malformed) count(rejected, f.code);
    let next = r.text;
    let used = r.applied;
    if (used.length && !parses(next)) {
      // some fix (or two together) breaks the file: keep the ones that parse together, in order
      used = [];
      for (const f of r.applied) {
        const candidate = applyEdits(text, [...used, f].flatMap((x) => x.fix!.edits));
        if (parses(candidate)) {
          used.push(f);
          next = candidate;
        } else count(rejected, f.code);
      }
      if (!used.length) next = text;
    }
    if (!used.length || next === text) {
      converged = true;
      break;
    }
    if (seen.has(next)) break; // the fixes undo each other: stop where we are
    seen.add(next);
    for (const f of used) count(applied, f.code);
    text = next;
  }
  if (!converged && rounds >= maxRounds) {
    // the limit was hit: converged only if nothing more would be applied
    const { findings } = analyzeText(text, opts);
    converged = !findings.some((f) => f.fix && accept(f.fix) && (!opts.codes || opts.codes.includes(f.code)));
  }
  return { text, applied, rejected, rounds, converged, syntaxError };
}
