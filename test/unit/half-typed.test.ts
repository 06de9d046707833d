/**
 * Bad input never throws: every rule runs over every rule fixture cut off mid-token (the state
 * of a file while it is being typed), and over the same text with its last line's indentation
 * broken. A rule that throws fails here with its stack (findings() turns rule errors into throws).
 */
import { ALL_RULES } from '../../server/src/rules/index';
import { findings, ready, ruleFixtures } from './helpers';

describe('half-typed code', () => {
  before(ready);
  for (const rule of ALL_RULES) {
    const code = rule.meta.code;
    const fixtures = ruleFixtures(code);
    if (!fixtures.length) continue;
    it(`${code} fixtures, cut mid-way, analyse without a rule error`, () => {
      for (const fx of fixtures) {
        const cut = fx.text.slice(0, Math.floor(fx.text.length * 0.6));
        findings(cut, undefined, { workspace: fx.workspace });
        const lines = fx.text.trimEnd().split(/\r\n|\n|\r/);
        lines[lines.length - 1] = ` ${lines[lines.length - 1]}(`;
        findings(lines.join('\n'), undefined, { workspace: fx.workspace });
      }
    });
  }
});
