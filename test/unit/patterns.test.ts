/**
 * The shapes of real code (`shared/spec/real-code-patterns/`, issue 17) as fixtures: each
 * `test/fixtures/patterns/*.py` names the codes it is about in a `# checks: TG203, TG801` line, and for
 * each of them the checker must report exactly the lines marked `# expect: CODE` (none marked = the code
 * must stay silent in the file). A code named in `# known-gap: TG205` is a gap written down, not yet
 * fixed: the test then asserts that the checker still gets it wrong, so the line has to go when the
 * mechanism lands (a known gap can never hide a regression or a fix).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ready, findings, expectedLines, FIXTURES } from './helpers';

const DIR = path.join(FIXTURES, 'patterns');

function codesIn(text: string, key: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`^#\\s*${key}:\\s*([A-Z0-9, ]+)$`, 'gm');
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(...m[1].split(/[\s,]+/).filter(Boolean));
  return out;
}

function listPatterns(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listPatterns(path.join(dir, e.name)) : e.name.endsWith('.py') ? [path.join(dir, e.name)] : []);
}

describe('real-code patterns (test/fixtures/patterns)', () => {
  before(ready);
  const files = listPatterns(DIR);
  it('has pattern fixtures, each naming the codes it checks', () => {
    assert.ok(files.length > 0, 'no pattern fixtures');
    for (const f of files) assert.ok(codesIn(fs.readFileSync(f, 'utf8'), 'checks').length, `${path.relative(DIR, f)} has no "# checks:" line`);
  });
  for (const file of files) {
    const rel = path.relative(DIR, file);
    const text = fs.readFileSync(file, 'utf8');
    const gaps = new Set(codesIn(text, 'known-gap'));
    for (const code of codesIn(text, 'checks')) {
      it(`${rel}: ${code}${gaps.has(code) ? ' (known gap: still wrong)' : ''}`, () => {
        const got = findings(text).filter((f) => f.code === code).map((f) => f.range.start.line + 1);
        const want = expectedLines(text, code);
        if (gaps.has(code)) {
          assert.notDeepStrictEqual(got, want, `${rel}: ${code} now behaves as expected; remove it from "# known-gap:"`);
        } else {
          assert.deepStrictEqual(got, want, `${rel}: ${code} reported on lines ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
        }
      });
    }
  }
});
