// Per-phase CPU time (process.cpuUsage, user + system; medians of repeated runs) of the analysis of
// the generated bench files: parse, model (SourceText + PythonModel), rules (analyzeModel).
//   npm run compile-tests && node bench/phases.mjs [1k,10k,100k] [runs] [--rules]
// --rules also times each rule alone on one shared model (the first rule to ask a memoised
// question pays for it there).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
// TG_OUT: another compiled tree (a copy of out/ from an earlier build, to compare)
const out = (p) => require(path.join(process.env.TG_OUT ?? path.join(ROOT, 'out'), 'server/src', p));
const { initParser, parsePython } = out('analysis/parser.js');
const { analyzeModel } = out('analysis/analyze.js');
const { PythonModel } = out('analysis/model.js');
const { SourceText } = out('analysis/source.js');
const { ALL_RULES } = out('rules/index.js');

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const sizes = (args[0] ?? '1k,10k,100k').split(',');
const runs = Number(args[1] ?? 7);
const perRule = process.argv.includes('--rules');
const cpu = (f) => {
  const s = process.cpuUsage();
  const r = f();
  const e = process.cpuUsage(s);
  return [(e.user + e.system) / 1000, r];
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
await initParser();
for (const k of sizes) {
  const text = fs.readFileSync(path.join(ROOT, 'bench/corpus', `generated-${k}.py`), 'utf8');
  const n = k === '100k' ? Math.max(3, Math.ceil(runs / 2)) : runs;
  const P = [], M = [], R = [];
  const rules = new Map();
  for (let i = 0; i <= n; i++) {
    const [p, tree] = cpu(() => parsePython(text));
    const [m, model] = cpu(() => new PythonModel(tree, new SourceText(text)));
    const [r] = cpu(() => analyzeModel(model));
    if (i > 0) { P.push(p); M.push(m); R.push(r); }
    tree.delete();
    if (perRule && i > 0) {
      const t2 = parsePython(text);
      const model2 = new PythonModel(t2, new SourceText(text));
      for (const rule of ALL_RULES) {
        const [x] = cpu(() => analyzeModel(model2, { rules: [rule] }));
        if (!rules.has(rule.meta.code)) rules.set(rule.meta.code, []);
        rules.get(rule.meta.code).push(x);
      }
      t2.delete();
    }
  }
  const p = median(P), m = median(M), r = median(R);
  console.log(`${k}: parse ${p.toFixed(1)} model ${m.toFixed(1)} rules ${r.toFixed(1)} analysis ${(m + r).toFixed(1)} ms (median of ${n}); analysis/parse ${((m + r) / p).toFixed(2)}`);
  if (perRule) {
    const rows = [...rules].map(([c, xs]) => [c, median(xs)]).sort((a, b) => b[1] - a[1]);
    console.log('  ' + rows.slice(0, 15).map(([c, x]) => `${c} ${x.toFixed(1)}`).join(', '));
  }
}
