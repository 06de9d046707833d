/**
 * The quick fixes on the real-code shapes of issue 17 (test/fixtures/patterns): every finding of a
 * fixable rule found there through the newer mechanisms (roles read from usage, accumulation gates,
 * best-only guards) has a fix whose round trip holds: applied, the file parses (tree-sitter and
 * python3), the finding is gone and nothing new appears.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ready, findings, checkFixRoundTrip, FIXTURES } from './helpers';

const CASES: { file: string; code: string; count: number }[] = [
  { file: 'X1_accumulation_shapes.py', code: 'TG802', count: 3 },
  { file: 'X2_roles_from_unreadable_builders.py', code: 'TG303', count: 2 },
  { file: 'X4_best_only_shapes.py', code: 'TG701', count: 5 },
  { file: 'X5_prediction_roles_from_usage.py', code: 'TG1004', count: 2 },
  { file: 'X6_argparse_bound_add_argument.py', code: 'TG404', count: 1 },
];

describe('quick fixes on the real-code pattern fixtures', () => {
  before(ready);
  for (const c of CASES) {
    it(`${c.file}: every ${c.code} fix round-trips`, async () => {
      const text = fs.readFileSync(path.join(FIXTURES, 'patterns', c.file), 'utf8');
      const got = findings(text).filter((f) => f.code === c.code);
      assert.strictEqual(got.length, c.count, `${c.code} findings in ${c.file}`);
      for (const f of got) {
        assert.ok(f.fix, `${c.code} at line ${f.range.start.line + 1} has no fix`);
        await checkFixRoundTrip(text, f, c.code);
      }
    });
  }
});
