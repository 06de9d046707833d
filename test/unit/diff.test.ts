/**
 * The unified diff of `check --diff`: exact output on small cases, and on generated cases GNU patch
 * applied to the old text must give the new one (line endings and a missing final newline included).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { unifiedDiff, splitLines, diffLines } from '../../server/src/fixes/diff';

function patchApplies(before: string, diff: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-diff-'));
  try {
    fs.writeFileSync(path.join(dir, 'f.py'), before);
    const r = spawnSync('patch', ['-p0', '--quiet', '--batch', '--no-backup-if-mismatch', '-r', '-'], { cwd: dir, input: diff, encoding: 'utf8' });
    assert.strictEqual(r.status, 0, `patch failed: ${r.stdout}${r.stderr}\n${diff}`);
    return fs.readFileSync(path.join(dir, 'f.py'), 'utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A small deterministic generator (mulberry32), so a failure is reproducible. */
function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('unified diff', () => {
  it('is empty for equal texts', () => {
    assert.strictEqual(unifiedDiff('a\nb\n', 'a\nb\n', 'f.py'), '');
  });

  it('splits after each newline and keeps the terminators', () => {
    assert.deepStrictEqual(splitLines('a\r\nb\nc'), ['a\r\n', 'b\n', 'c']);
    assert.deepStrictEqual(splitLines(''), []);
    assert.deepStrictEqual(splitLines('\n\n'), ['\n', '\n']);
  });

  it('prints one hunk with three lines of context', () => {
    const before = ['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((l) => l + '\n').join('');
    const after = before.replace('5\n', 'five\n');
    assert.strictEqual(unifiedDiff(before, after, 'f.py'), '--- f.py\n+++ f.py\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n');
  });

  it('keeps distant changes in separate hunks and joins close ones', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}\n`);
    const after = [...lines];
    after[1] = 'changed 2\n';
    after[8] = 'changed 9\n'; // 6 unchanged lines between: one hunk
    after[25] = 'changed 26\n'; // far away: a second hunk
    const d = unifiedDiff(lines.join(''), after.join(''), 'f.py');
    assert.deepStrictEqual(d.split('\n').filter((l) => l.startsWith('@@')), ['@@ -1,12 +1,12 @@', '@@ -23,7 +23,7 @@']);
  });

  it('numbers a pure insertion and a pure deletion as GNU diff does', () => {
    assert.strictEqual(unifiedDiff('', 'a\n', 'f.py'), '--- f.py\n+++ f.py\n@@ -0,0 +1 @@\n+a\n');
    assert.strictEqual(unifiedDiff('a\n', '', 'f.py'), '--- f.py\n+++ f.py\n@@ -1 +0,0 @@\n-a\n');
    assert.strictEqual(unifiedDiff('a\nb\n', 'a\nx\nb\n', 'f.py', 'f.py', 0), '--- f.py\n+++ f.py\n@@ -1,0 +2 @@\n+x\n');
  });

  it('marks a last line without a newline', () => {
    assert.strictEqual(unifiedDiff('a\nb', 'a\nc', 'f.py'), '--- f.py\n+++ f.py\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n');
    assert.strictEqual(unifiedDiff('a', 'a\n', 'f.py'), '--- f.py\n+++ f.py\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n');
  });

  it('finds a shortest edit script', () => {
    const ops = diffLines(['a', 'b', 'c', 'a', 'b', 'b', 'a'], ['c', 'b', 'a', 'b', 'a', 'c']);
    assert.strictEqual(ops.filter((o) => o.kind !== ' ').length, 5); // the classic Myers example: D = 5
    assert.deepStrictEqual(ops.filter((o) => o.kind !== '+').map((o) => o.line), ['a', 'b', 'c', 'a', 'b', 'b', 'a']);
    assert.deepStrictEqual(ops.filter((o) => o.kind !== '-').map((o) => o.line), ['c', 'b', 'a', 'b', 'a', 'c']);
  });

  it('is applied by GNU patch: CRLF, missing final newline, generated edits', () => {
    const cases: [string, string][] = [
      ['import os\r\nx = 1\r\ny = 2\r\n', 'import os\r\nimport torch\r\nx = 1\r\ny = 2\r\n'],
      ['a\nb\nc', 'a\nb\nc\nd'],
      ['a\nb\nc\n', 'a\nc'],
      ['', 'x = 1\n'],
      ['x = 1\n', ''],
    ];
    const next = rng(303);
    const vocab = ['x = 1', 'y = 2', '', '    pass', 'for i in range(3):', '# comment', 'loss = f(out)'];
    for (let n = 0; n < 25; n++) {
      const before = Array.from({ length: 1 + Math.floor(next() * 40) }, () => vocab[Math.floor(next() * vocab.length)]);
      const after = [...before];
      for (let k = Math.floor(next() * 6); k >= 0; k--) {
        const at = Math.floor(next() * (after.length + 1));
        const r = next();
        if (r < 0.4) after.splice(at, 0, vocab[Math.floor(next() * vocab.length)] + ` # ${n}`);
        else if (r < 0.7) after.splice(at, 1);
        else after[at] = `changed ${n}`;
      }
      const finalNewline = next() < 0.7;
      cases.push([before.join('\n') + (finalNewline ? '\n' : ''), after.join('\n') + (next() < 0.7 ? '\n' : '')]);
    }
    for (const [before, after] of cases) {
      const d = unifiedDiff(before, after, 'f.py');
      if (before === after) assert.strictEqual(d, '');
      else assert.strictEqual(patchApplies(before, d), after);
    }
  });

  it('falls back to a correct (whole-block) diff past the edit-distance limit', () => {
    const before = Array.from({ length: 1500 }, (_, i) => `a${i}\n`).join('');
    const after = Array.from({ length: 1500 }, (_, i) => `b${i}\n`).join('');
    const d = unifiedDiff(before, after, 'f.py');
    assert.strictEqual(patchApplies(before, d), after);
  });
});
