/**
 * TG002 malformed-directive
 *
 * What it does: reports a `# trainguard: ...` comment that cannot be read (an unknown key, a budget
 * that is not a duration, words that are not `key=value`).
 * Why it is bad: the directive is ignored, so the budget or GPU the user meant is not used.
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
    summary: 'A `# trainguard:` directive comment cannot be read',
    fixable: false,
  },
  check(ctx) {
    for (const p of ctx.directives.problems) ctx.report({ range: p.range, message: p.message });
  },
};
