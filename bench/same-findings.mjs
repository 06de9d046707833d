// Dumps every finding and fix (code, severity, range, message, fix edits, alternative fixes, related)
// for the corpus (examples/ and test/fixtures/: .py files and Python notebooks) and the generated
// bench files, so that a speed change can be shown to leave the output byte for byte the same.
//
//   npm run compile-tests && node bench/same-findings.mjs OUT.txt [--100k]
//   cmp BEFORE.txt AFTER.txt
//
// Each input is analysed twice: with the default settings and with a budget and a GPU set (TG101).
// The generated files are bench/corpus/generated-{1k,10k}.py (and 100k with --100k), written by
// `npm run bench`.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import crypto from 'node:crypto';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const out = (p) => require(path.join(ROOT, 'out/server/src', p));
const { initParser } = out('analysis/parser.js');
const { analyzeText } = out('analysis/analyze.js');
const { defaultSettings } = out('config/settings.js');
const { parseIpynb } = out('analysis/ipynb.js');
const { NotebookProgram, isPythonLanguage } = out('analysis/notebook.js');

const args = process.argv.slice(2);
const target = args.find((a) => !a.startsWith('--'));
if (!target) {
  console.error('usage: node bench/same-findings.mjs OUT.txt [--100k]');
  process.exit(2);
}

function* walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (/\.(py|ipynb)$/.test(e.name)) yield p;
  }
}

const files = [...walk(path.join(ROOT, 'examples')), ...walk(path.join(ROOT, 'test', 'fixtures'))];
const gen = ['1k', '10k', ...(args.includes('--100k') ? ['100k'] : [])].map((k) => path.join(ROOT, 'bench', 'corpus', `generated-${k}.py`));
for (const g of gen) if (!fs.existsSync(g)) console.error(`missing ${g} (npm run bench writes it)`);
files.push(...gen.filter((g) => fs.existsSync(g)));

await initParser();
const settingsList = [defaultSettings(), { ...defaultSettings(), budgetMinutes: 30, gpu: 'T4' }];
const lines = [];
let count = 0;
for (const f of files) {
  const rel = path.relative(ROOT, f);
  let text = fs.readFileSync(f, 'utf8');
  let shellCommands;
  if (f.endsWith('.ipynb')) {
    const nb = parseIpynb(text);
    if ('error' in nb) {
      lines.push(`## ${rel}: ${nb.error}`);
      continue;
    }
    if (nb.language !== null && !isPythonLanguage(nb.language)) continue;
    const program = NotebookProgram.fromCells(nb.cells);
    text = program.text;
    shellCommands = program.shellCommands;
  }
  for (const [i, settings] of settingsList.entries()) {
    const errors = [];
    let r;
    try {
      r = analyzeText(text, { settings, shellCommands, onRuleError: (code, e) => errors.push(`${code}: ${e && e.stack ? e.stack.split('\n')[0] : e}`) });
    } catch (e) {
      lines.push(`## ${rel} [${i}] threw ${e}`);
      continue;
    }
    lines.push(`## ${rel} [${i}] ${r.findings.length} findings${r.syntaxError ? ' (syntax error)' : ''}${r.skippedRules.length ? ` skipped ${r.skippedRules}` : ''}`);
    for (const e of errors) lines.push(`rule error ${e}`);
    for (const x of r.findings) {
      count++;
      lines.push(JSON.stringify({ code: x.code, severity: x.severity, range: x.range, message: x.message, fix: x.fix, alternativeFixes: x.alternativeFixes, related: x.related }));
    }
  }
}
const text = lines.join('\n') + '\n';
fs.writeFileSync(target, text);
console.log(`${files.length} files, ${count} findings, sha256 ${crypto.createHash('sha256').update(text).digest('hex').slice(0, 16)} -> ${target}`);
