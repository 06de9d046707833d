/**
 * TG001 unknown-suppression-code
 *
 * What it does: reports a Train Guard code named in a `# noqa: ...` or `# trainguard: ignore[...]`
 * comment that no rule has (like Ruff's unused-noqa / invalid rule code).
 * Why it is bad: a typo in a suppression (`TG330` for `TG303`) silently suppresses nothing and hides
 * the intent; the real finding keeps coming back.
 * Fix: correct the code or remove it.
 */
import type { Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG001',
    name: 'unknown-suppression-code',
    severity: 'information',
    section: 'Train Guard directives',
    summary: 'A suppression comment names a Train Guard code that does not exist',
    fixable: false,
  },
  check(ctx) {
    const d = ctx.directives;
    const ranges = [...[...d.lines.values()].flat().flatMap((s) => s.codeRanges), ...d.fileRanges];
    for (const r of ranges) {
      if (!/^TG\d+$/.test(r.code) || ctx.knownCodes.has(r.code)) continue;
      ctx.report({ range: r.range, message: `Unknown Train Guard rule code ${r.code} in a suppression comment: it suppresses nothing` });
    }
  },
};
