/**
 * The ratchet on the real-code corpus (issue 16): the CLI's findings on test/realworld/corpus, scored
 * against the independent labels, must not fall below test/realworld/baseline.json (overall precision
 * and recall, and each rule's precision). The message names the findings that appeared or
 * disappeared. `npm run eval` prints the whole score; raising the baseline is a commit of its own.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { REALWORLD, loadLabels, corpusFiles, runChecker, score, ratchet, type Baseline, type Score } from '../support/realworld';

describe('real-code corpus (test/realworld)', function () {
  this.timeout(180000);
  const labels = loadLabels();
  let s: Score;

  it('every corpus file has labels and a SOURCES.md row, and every label names a file', () => {
    const files = corpusFiles();
    assert.deepStrictEqual(Object.keys(labels).sort(), files);
    const sources = fs.readFileSync(path.join(REALWORLD, 'SOURCES.md'), 'utf8');
    const rows = new Set([...sources.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]));
    assert.deepStrictEqual(files.filter((f) => !rows.has(f)), []);
    assert.ok(files.length >= 60, `only ${files.length} files`);
  });

  it('scoring: the checker runs on every file and each finding is matched or counted', () => {
    s = score(labels, runChecker());
    assert.ok(s.total.tp > 0, 'no label was found at all: the checker did not run');
  });

  it('precision and recall hold the baseline (test/realworld/baseline.json)', function () {
    if (!s) this.skip();
    const b = JSON.parse(fs.readFileSync(path.join(REALWORLD, 'baseline.json'), 'utf8')) as Baseline;
    const fell = ratchet(s, b);
    assert.deepStrictEqual(fell, [], `below the baseline:\n${fell.join('\n')}`);
  });
});

describe('real-code scoring (matching rules)', () => {
  const l = (code: string, line: number, extra: Record<string, unknown> = {}) => ({ code, line, why: 'w', ...extra });
  const r = (code: string, line: number, cell: number | null = null) => ({ file: 'a.py', code, line, cell, message: 'm' });

  it('within 3 lines of the label or an alt line; same code; same cell', () => {
    const s = score({ 'a.py': { expected: [l('TG211', 10, { alt_lines: [20] }), l('TG203', 5, { cell: 2 })] } },
      [r('TG211', 23), r('TG203', 5, 3), r('TG203', 40)]);
    assert.deepStrictEqual([s.total.tp, s.total.fp, s.total.fn], [1, 2, 1]);
    assert.deepStrictEqual(s.fpKeys, ['a.py:40 TG203', 'a.py:cell 3:5 TG203']);
  });

  it('a second report of a matched label is not a false positive; an ambiguous one is not scored', () => {
    const s = score({ 'a.py': { expected: [l('TG304', 10)], ambiguous: [l('TG404', 30)] } }, [r('TG304', 10), r('TG304', 11), r('TG404', 31)]);
    assert.deepStrictEqual([s.total.tp, s.total.fp, s.total.fn, s.duplicates, s.ignoredAmbiguous], [1, 0, 0, 1, 1]);
  });

  it('two labels close together are both matched by the nearest reports', () => {
    const s = score({ 'a.py': { expected: [l('TG304', 10), l('TG304', 12)] } }, [r('TG304', 12), r('TG304', 10)]);
    assert.deepStrictEqual([s.total.tp, s.total.fp, s.total.fn], [2, 0, 0]);
  });

  it('the ratchet names what appeared and disappeared', () => {
    const b: Baseline = { precision: 1, recall: 1, rules: { TG211: { precision: 1 } }, found: ['a.py:10 TG211'], falsePositives: [] };
    const s = score({ 'a.py': { expected: [l('TG211', 10)] } }, [r('TG211', 50)]);
    const fell = ratchet(s, b);
    assert.ok(fell.some((x) => x.includes('no longer found: a.py:10 TG211')), fell.join('\n'));
    assert.ok(fell.some((x) => x.includes('new false positive: a.py:50 TG211')), fell.join('\n'));
    assert.ok(fell.some((x) => x.startsWith('TG211 precision')), fell.join('\n'));
  });
});
