/**
 * TG002 malformed-directive
 *
 * What it does: reports a `# trainguard: ...` comment that cannot be read (an unknown key, a budget
 * that is not a duration, words that are not `key=value`, an `ignore[...]` list with something
 * other than codes or with nothing in it) and a `# noqa:` with no code after the colon.
 * Why it is bad: the directive is ignored, so the budget or GPU the user meant is not used and the
 * finding the user meant to silence is still reported (or, worse, one they did not mean to).
 * Fix: write it as `# trainguard: budget=30m gpu=T4`, `# trainguard: ignore[TG303]` or
 * `# trainguard: ignore-file[TG205]`.
 */
import type { Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG002',
    name: 'malformed-directive',
    severity: 'warning',
    section: 'Train Guard directives',
    summary: 'A `# trainguard:` directive or a `# noqa:` comment cannot be read',
    fixable: false,
  },
  check(ctx) {
    for (const p of ctx.directives.problems) ctx.report({ range: p.range, message: p.message });
  },
};
