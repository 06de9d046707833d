/**
 * TG001 unknown-suppression-code
 *
 * What it does: reports a Train Guard code named in a `# noqa: ...` or `# trainguard: ignore[...]`
 * comment that no rule has (like Ruff's unused-noqa / invalid rule code). In `# noqa` only TG codes
 * are checked (`E501` belongs to another linter); in a `# trainguard:` directive every code is.
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
    const ranges = [
      ...[...d.lines.values()].flat().flatMap((s) => s.codeRanges.map((r) => ({ ...r, ours: s.kind === 'ignore' }))),
      ...d.fileRanges.map((r) => ({ ...r, ours: true })),
    ];
    for (const r of ranges) {
      if (ctx.knownCodes.has(r.code)) continue;
      if (/^TG\d+$/.test(r.code)) ctx.report({ range: r.range, message: `Unknown Train Guard rule code ${r.code} in a suppression comment: it suppresses nothing` });
      else if (r.ours) ctx.report({ range: r.range, message: `${r.code} is not a Train Guard rule code: a \`# trainguard:\` directive only suppresses Train Guard codes (use \`# noqa: ${r.code}\` for other linters)` });
    }
  },
};
