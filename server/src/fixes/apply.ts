/**
 * Applying fixes: one at a time (a quick fix) or all at once in rounds (fix-all, `--fix`), like Ruff:
 * each round re-analyses the text and applies every fix that does not overlap an earlier one, until
 * nothing changes or the round limit is hit.
 */
import { analyzeText, type AnalyzeOptions } from '../analysis/analyze';
import { applyEdits, SourceText, type TextEdit } from '../analysis/source';
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
  rounds: number;
}

function offsets(src: SourceText, edits: readonly TextEdit[]): [number, number][] {
  return edits.map((e) => [src.offsetAt(e.range.start), src.offsetAt(e.range.end)]);
}

/** Spans conflict when they share text, or start at the same offset (two insertions there have no defined order). */
function overlaps(a: [number, number][], b: [number, number][]): boolean {
  return a.some(([s1, e1]) => b.some(([s2, e2]) => (s1 < e2 && s2 < e1) || s1 === s2));
}

/** Applies the fixes whose edits do not overlap, in document order. Returns the new text and what was applied. */
export function applyNonOverlapping(text: string, findings: readonly Finding[], accept: (f: Fix) => boolean): { text: string; applied: Finding[] } {
  const src = new SourceText(text);
  const chosen: Finding[] = [];
  const taken: [number, number][] = [];
  for (const f of findings) {
    if (!f.fix || !accept(f.fix) || !f.fix.edits.length) continue;
    const spans = offsets(src, f.fix.edits);
    if (overlaps(spans, taken)) continue;
    taken.push(...spans);
    chosen.push(f);
  }
  if (!chosen.length) return { text, applied: [] };
  return { text: applyEdits(text, chosen.flatMap((f) => f.fix!.edits)), applied: chosen };
}

export function fixAll(text: string, opts: FixAllOptions = {}): FixAllResult {
  const applied = new Map<string, number>();
  const maxRounds = opts.maxRounds ?? 10;
  let rounds = 0;
  for (; rounds < maxRounds; rounds++) {
    const { findings, syntaxError } = analyzeText(text, opts);
    if (syntaxError) break;
    const relevant = findings.filter((f) => !opts.codes || opts.codes.includes(f.code));
    const r = applyNonOverlapping(text, relevant, (fix) => opts.unsafe === true || fix.applicability === 'safe');
    if (!r.applied.length || r.text === text) break;
    for (const f of r.applied) applied.set(f.code, (applied.get(f.code) ?? 0) + 1);
    text = r.text;
  }
  return { text, applied, rounds };
}
