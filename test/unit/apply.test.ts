/**
 * Fix-all in rounds (fixes/apply.ts) with small synthetic rules: overlapping fixes are deferred to a
 * later round, unsafe fixes need opting in, malformed or syntax-breaking fixes are left out, cycles
 * and endless growth stop at a bound, and an import two fixes both need is added once.
 */
import * as assert from 'assert';
import { fixAll, applyNonOverlapping, fixSpans } from '../../server/src/fixes/apply';
import { ensureModuleImport } from '../../server/src/fixes/imports';
import { SourceText, type TextEdit } from '../../server/src/analysis/source';
import type { Applicability, Rule, RuleContext } from '../../server/src/rules/types';
import { ready } from './helpers';

/** A rule that reports every match of `re` (per line) with the edits `fix` returns. */
function rule(code: string, re: RegExp, fix: (line: number, m: RegExpExecArray, ctx: RuleContext) => TextEdit[] | null, applicability: Applicability = 'safe'): Rule {
  return {
    meta: { code, name: `test-${code}`, severity: 'warning', section: 'test', summary: 'test', fixable: true },
    check(ctx) {
      const src = ctx.model.source;
      for (let line = 0; line < src.lineCount; line++) {
        const m = re.exec(src.lineText(line));
        if (!m) continue;
        const edits = fix(line, m, ctx);
        ctx.report({ range: { start: { line, character: m.index }, end: { line, character: m.index + m[0].length } }, message: code, fix: edits && { title: code, applicability, edits } });
      }
    },
  };
}

const at = (line: number, from: number, to: number, newText: string): TextEdit => ({ range: { start: { line, character: from }, end: { line, character: to } }, newText });

describe('fix-all in rounds', () => {
  before(ready);

  it('defers a fix that overlaps an earlier one to the next round', () => {
    const comment = rule('TG9001', /^a = \d+$/, (line, m) => [at(line, 0, m[0].length, `${m[0]}  # ok`)]);
    const two = rule('TG9002', /(?<=^a = )1\b/, (line, m) => [at(line, m.index, m.index + 1, '2')]);
    const r = fixAll('a = 1\n', { rules: [comment, two] });
    assert.strictEqual(r.text, 'a = 2  # ok\n');
    assert.deepStrictEqual([...r.applied], [['TG9001', 1], ['TG9002', 1]]);
    assert.strictEqual(r.converged, true);
    assert.ok(r.rounds >= 2, `expected at least two rounds, got ${r.rounds}`);
  });

  it('applies non-overlapping fixes in one round and counts them', () => {
    const r = fixAll('a = 1\nb = 1\na = 1\n', { rules: [rule('TG9002', /(?<=^a = )1\b/, (line, m) => [at(line, m.index, m.index + 1, '2')])] });
    assert.strictEqual(r.text, 'a = 2\nb = 1\na = 2\n');
    assert.strictEqual(r.applied.get('TG9002'), 2);
  });

  it('never applies an unsafe fix unless asked', () => {
    const unsafe = rule('TG9003', /^b = 1$/, (line) => [at(line, 4, 5, '3')], 'unsafe');
    assert.strictEqual(fixAll('b = 1\n', { rules: [unsafe] }).text, 'b = 1\n');
    assert.strictEqual(fixAll('b = 1\n', { rules: [unsafe], unsafe: true }).text, 'b = 3\n');
  });

  it('leaves out a fix whose edits are malformed, applies the others', () => {
    const outside = rule('TG9004', /^c = 1$/, () => [at(40, 0, 1, 'boom')]);
    const selfOverlap = rule('TG9005', /^c = 1$/, (line) => [at(line, 0, 3, 'x'), at(line, 2, 5, 'y')]);
    const good = rule('TG9002', /(?<=^a = )1\b/, (line, m) => [at(line, m.index, m.index + 1, '2')]);
    const r = fixAll('c = 1\na = 1\n', { rules: [outside, selfOverlap, good] });
    assert.strictEqual(r.text, 'c = 1\na = 2\n');
    assert.strictEqual(r.rejected.get('TG9004'), 1);
    assert.strictEqual(r.rejected.get('TG9005'), 1);
  });

  it('leaves out a fix that breaks the syntax, keeps the good ones of the same round', () => {
    const breaks = rule('TG9006', /^d = 1$/, (line) => [at(line, 4, 5, '(')]);
    const good = rule('TG9002', /(?<=^a = )1\b/, (line, m) => [at(line, m.index, m.index + 1, '2')]);
    const r = fixAll('d = 1\na = 1\n', { rules: [breaks, good] });
    assert.strictEqual(r.text, 'd = 1\na = 2\n');
    assert.strictEqual(r.rejected.get('TG9006'), 1);
    assert.strictEqual(r.applied.get('TG9006'), undefined);
  });

  it('stops when fixes undo each other', () => {
    const up = rule('TG9007', /^e = 1$/, (line) => [at(line, 4, 5, '2')]);
    const down = rule('TG9008', /^e = 2$/, (line) => [at(line, 4, 5, '1')]);
    const r = fixAll('e = 1\n', { rules: [up, down] });
    assert.strictEqual(r.converged, false);
    assert.ok(r.rounds < 10, `a cycle must stop before the round limit (${r.rounds} rounds)`);
    assert.ok(r.text === 'e = 1\n' || r.text === 'e = 2\n');
  });

  it('stops at the round limit when a fix keeps offering itself', () => {
    const grows = rule('TG9009', /^f = 1$/, (line, m, ctx) => [at(line, m[0].length, m[0].length, `${ctx.model.source.eol}g = 1`)]);
    const r = fixAll('f = 1\n', { rules: [grows], maxRounds: 4 });
    assert.strictEqual(r.rounds, 4);
    assert.strictEqual(r.converged, false);
    assert.strictEqual(r.text, 'f = 1\ng = 1\ng = 1\ng = 1\ng = 1\n');
  });

  it('does not touch a file that does not parse', () => {
    const good = rule('TG9002', /(?<=^a = )1\b/, (line, m) => [at(line, m.index, m.index + 1, '2')]);
    const r = fixAll('a = 1\ndef (:\n', { rules: [good] });
    assert.strictEqual(r.text, 'a = 1\ndef (:\n');
    assert.strictEqual(r.syntaxError, true);
    assert.strictEqual(r.applied.size, 0);
  });

  it('adds an import that two fixes need once (the second waits a round and finds it)', () => {
    const needsTorch = rule('TG9010', /use_torch\(\)/, (line, m, ctx) => {
      const t = ensureModuleImport(ctx.model, 'torch');
      return [...(t.edit ? [t.edit] : []), at(line, m.index, m.index + m[0].length, `${t.name}.zeros(1)`)];
    });
    const r = fixAll('"""Doc."""\nimport os\n\nuse_torch()\nprint(use_torch())\n', { rules: [needsTorch] });
    assert.strictEqual(r.text, '"""Doc."""\nimport os\nimport torch\n\ntorch.zeros(1)\nprint(torch.zeros(1))\n');
    assert.strictEqual(r.applied.get('TG9010'), 2);
  });

  it('applies two fixes that rely on the same text (Fix.dependsOn) in different rounds, so the second sees the first', () => {
    // each fix renames one use of `old`; the one that renames the last use also drops the `old = 1` line
    const lastUse = (text: string) => text.split('\n').filter((l) => /\bold\b/.test(l)).length === 2;
    const dep: Rule = {
      meta: { code: 'TG9011', name: 'test-TG9011', severity: 'warning', section: 'test', summary: 'test', fixable: true },
      check(ctx) {
        const src = ctx.model.source;
        const decl = { start: { line: 0, character: 0 }, end: { line: 0, character: src.lineText(0).length } };
        for (let line = 1; line < src.lineCount; line++) {
          const m = /\bold\b/.exec(src.lineText(line));
          if (!m || !src.lineText(0).startsWith('old = ')) continue;
          const edits = [at(line, m.index, m.index + 3, 'new')];
          if (lastUse(src.text)) edits.push({ range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } }, newText: '' });
          ctx.report({ range: { start: { line, character: m.index }, end: { line, character: m.index + 3 } }, message: 'x', fix: { title: 'x', applicability: 'safe', edits, dependsOn: [decl] } });
        }
      },
    };
    const r = fixAll('old = 1\nprint(old)\nprint(old + 1)\n', { rules: [dep] });
    assert.strictEqual(r.text, 'print(new)\nprint(new + 1)\n');
    assert.strictEqual(r.rounds, 2);
    // without dependsOn both would apply in one round, each believing the other still reads `old`
    const src = 'old = 1\nprint(old)\nprint(old + 1)\n';
    const findings = [1, 2].map((line) => ({ code: 'TG9011', message: 'x', severity: 'warning' as const, range: { start: { line, character: 6 }, end: { line, character: 9 } }, fix: { title: 'x', applicability: 'safe' as const, edits: [at(line, 6, 9, 'new')] } }));
    assert.strictEqual(applyNonOverlapping(src, findings, () => true).applied.length, 2);
    const decl = { start: { line: 0, character: 0 }, end: { line: 0, character: 7 } };
    assert.strictEqual(applyNonOverlapping(src, findings.map((f) => ({ ...f, fix: { ...f.fix, dependsOn: [decl] } })), () => true).applied.length, 1);
  });

  it('fixSpans rejects positions past a line end, allows two insertions at one place', () => {
    const src = new SourceText('ab\ncd\n');
    assert.strictEqual(fixSpans(src, [at(0, 0, 5, '')]), null);
    assert.notStrictEqual(fixSpans(src, [at(2, 0, 0, 'x')]), null); // the empty last line
    assert.strictEqual(fixSpans(src, [at(3, 0, 0, 'x')]), null);
    assert.strictEqual(fixSpans(src, [at(1, 2, 1, '')]), null); // end before start
    assert.deepStrictEqual(fixSpans(src, [at(1, 0, 0, 'x'), at(1, 0, 0, 'y')]), [[3, 3], [3, 3]]);
    const r = applyNonOverlapping('ab\ncd\n', [], () => true);
    assert.deepStrictEqual(r.applied, []);
  });
});
