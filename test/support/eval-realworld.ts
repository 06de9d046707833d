/**
 * `npm run eval`: scores every rule on the real-code corpus (test/realworld) and prints, per rule,
 * TP / FP / FN, precision and recall, the totals, and every miss and false positive; writes
 * bench/realworld.md. `--update-baseline` also rewrites test/realworld/baseline.json (raising the
 * baseline is a commit of its own, with the new numbers).
 */
import * as fs from 'fs';
import * as path from 'path';
import { REALWORLD, loadLabels, runChecker, score, report, baselineOf, ratchet, type Baseline } from './realworld';

function main(): void {
  const labels = loadLabels();
  const t0 = Date.now();
  const reported = runChecker();
  const ms = Date.now() - t0;
  const s = score(labels, reported);
  const counts = {
    expected: Object.values(labels).reduce((n, f) => n + f.expected.length, 0),
    ambiguous: Object.values(labels).reduce((n, f) => n + (f.ambiguous?.length ?? 0), 0),
  };
  const body = report(s, counts);
  console.log(body);
  console.log(`\nprecision ${s.total.precision.toFixed(3)}, recall ${s.total.recall.toFixed(3)} (${s.total.tp} TP, ${s.total.fp} FP, ${s.total.fn} FN; checked in ${ms} ms)`);
  const basePath = path.join(REALWORLD, 'baseline.json');
  if (fs.existsSync(basePath)) {
    const fell = ratchet(s, JSON.parse(fs.readFileSync(basePath, 'utf8')) as Baseline);
    console.log(fell.length ? `\nBELOW THE BASELINE:\n${fell.join('\n')}` : '\nat or above the baseline (test/realworld/baseline.json)');
  }
  const md = [
    '# Train Guard on the real-code corpus',
    '',
    'Written by `npm run eval` (test/support/eval-realworld.ts): the CLI on every file of `test/realworld/corpus`,',
    'matched to `test/realworld/labels.json` (same code, same cell, within 3 lines of the label or an `alt_lines`).',
    '',
    body,
    '',
  ].join('\n');
  fs.writeFileSync(path.resolve(REALWORLD, '..', '..', 'bench', 'realworld.md'), md);
  if (process.argv.includes('--update-baseline')) {
    fs.writeFileSync(basePath, JSON.stringify(baselineOf(s), null, 1) + '\n');
    console.log(`wrote ${path.relative(process.cwd(), basePath)}`);
  }
}

main();
