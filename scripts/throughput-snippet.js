// The tg-throughput snippet (snippets/python.json, "Train Guard: measure samples/s") is the
// Throughput class of snippets/measure-throughput.py, the timing script the budget panel opens
// ("Measure it on your GPU"): one timer, written once, reached two ways (pasted into a training loop,
// or run on random inputs). This writes the class into the snippet, with tabs for indentation and
// tab stops for the class name and the warm-up; test/unit/snippets.test.ts fails while they differ.
//   node scripts/throughput-snippet.js            rewrite the snippet
//   node scripts/throughput-snippet.js --check    exit 1 if it is out of date
'use strict';
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const SCRIPT = path.join(ROOT, 'snippets', 'measure-throughput.py');
const SNIPPETS = path.join(ROOT, 'snippets', 'python.json');
const NAME = 'Train Guard: measure samples/s';
const USAGE = [
  '',
  '',
  '# throughput = $1()',
  '# in the batch loop, after the optimizer step: throughput.tick(data.size(0))',
  '# after a few batches: print(f"{throughput.samples_per_second():.0f} samples/s, {throughput.minutes_per_epoch(len(train_dataset)):.1f} min/epoch")',
  '$0',
];

/** The lines of `class Throughput:` in the script, up to the next top-level statement. */
function throughputClass(script) {
  const lines = script.split(/\r?\n/);
  const start = lines.indexOf('class Throughput:');
  if (start < 0) throw new Error('snippets/measure-throughput.py has no top-level `class Throughput:`');
  let end = start + 1;
  while (end < lines.length && (lines[end] === '' || /^\s/.test(lines[end]))) end++;
  while (lines[end - 1] === '') end--;
  return lines.slice(start, end);
}

/** The snippet body (one string per line) for the script's text. */
function snippetBody(script) {
  const body = throughputClass(script).map((line) => {
    if (line.includes('$') || line.includes('\t')) throw new Error(`cannot put into a snippet (a $ or a tab): ${line}`);
    const indent = /^ */.exec(line)[0].length;
    if (indent % 4) throw new Error(`not indented by 4 spaces: ${line}`);
    return '\t'.repeat(indent / 4) + line.slice(indent);
  });
  body[0] = 'class ${1:Throughput}:';
  const init = body.findIndex((l) => l === '\tdef __init__(self, warmup=5):');
  if (init < 0) throw new Error('the Throughput class has no `def __init__(self, warmup=5):`');
  body[init] = '\tdef __init__(self, warmup=${2:5}):';
  return [...body, ...USAGE];
}

/** snippets/python.json with the tg-throughput body written from the script (the file's format kept). */
function updatedSnippets(snippetsJson, script) {
  const all = JSON.parse(snippetsJson);
  if (!all[NAME]) throw new Error(`no snippet "${NAME}" in snippets/python.json`);
  all[NAME].body = snippetBody(script);
  return JSON.stringify(all, null, 2) + '\n';
}

module.exports = { snippetBody, updatedSnippets, NAME, SCRIPT, SNIPPETS };

if (require.main === module) {
  const current = fs.readFileSync(SNIPPETS, 'utf8');
  const next = updatedSnippets(current, fs.readFileSync(SCRIPT, 'utf8'));
  if (process.argv.includes('--check')) {
    if (next !== current) {
      console.error('snippets/python.json: the tg-throughput snippet differs from the Throughput class of snippets/measure-throughput.py: run node scripts/throughput-snippet.js');
      process.exit(1);
    }
    console.log('the tg-throughput snippet is up to date');
  } else if (next !== current) {
    fs.writeFileSync(SNIPPETS, next);
    console.log('wrote the tg-throughput snippet into snippets/python.json');
  } else console.log('the tg-throughput snippet is up to date');
}
