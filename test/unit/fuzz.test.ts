/**
 * The fuzzer inside `npm test`: a short seeded run (the same 150 inputs every time) over the rule
 * fixtures, the examples and the real-code corpus, and every input the fuzzer ever found failing,
 * kept minimised in test/fixtures/fuzz-regressions/. Longer runs: `npm run fuzz -- --seed N --count N
 * --seconds N`; at scale, on every core: `npm run fuzz:long -- --count 100000 --seeds 11,12,13`.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { changedFacts, checkInput, classifyNewFinding, fuzz, insertedSpans, mutate, loadCorpus, rng, minimise } from '../fuzz/fuzz';
import { SourceText } from '../../server/src/analysis/source';
import { chunksOf } from '../fuzz/long';
import { analyzeText } from '../../server/src/analysis/analyze';
import { limitExceeded } from '../../server/src/analysis/limits';
import { FIXTURES, ready } from './helpers';

const REGRESSIONS = path.join(FIXTURES, 'fuzz-regressions');
const example = fs.readFileSync(path.join(FIXTURES, '..', '..', 'examples', 'train.py'), 'utf8');

describe('fuzzing the analyser, the fixes, fix-all and the CLI', function () {
  // a run limit for a loaded machine, not an expectation
  this.timeout(180_000);
  before(ready);

  it('is reproducible: a seed gives the same inputs', () => {
    const corpus = loadCorpus();
    const a = rng(11);
    const b = rng(11);
    const first = Array.from({ length: 20 }, () => mutate(corpus, a).text);
    const second = Array.from({ length: 20 }, () => mutate(corpus, b).text);
    assert.deepStrictEqual(first, second);
    assert.ok(new Set(first).size > 15, 'the mutations vary');
  });

  it('takes seeds from the fixtures, the examples and any corpus folder: .py files and the Python cells of .ipynb notebooks, paths with spaces too', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trainguard fuzz corpus '));
    try {
      fs.mkdirSync(path.join(dir, 'Model backlog', 'sub dir'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'Model backlog', 'sub dir', 'train 1.py'), 'import torch\n');
      const nb = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'markdown', metadata: {}, source: ['# title'] }, { cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: ['!pip install timm\n', 'x = 1'] }] };
      fs.writeFileSync(path.join(dir, 'Model backlog', 'nb.ipynb'), JSON.stringify(nb));
      fs.writeFileSync(path.join(dir, 'broken.ipynb'), '{ not json');
      fs.writeFileSync(path.join(dir, 'notes.md'), 'x');
      const corpus = loadCorpus(undefined, [dir]);
      const names = corpus.map((c) => c.name);
      assert.ok(names.some((n) => n.startsWith(path.join('test', 'fixtures', 'rules'))));
      assert.ok(names.some((n) => n.startsWith('examples')));
      const extra = corpus.filter((c) => c.name.startsWith(dir));
      assert.deepStrictEqual(extra.map((c) => path.relative(dir, c.name)), [path.join('Model backlog', 'nb.ipynb'), path.join('Model backlog', 'sub dir', 'train 1.py')]);
      // the notebook is its program: the Python cell, its IPython line masked, not the JSON
      assert.ok(!extra[0].text.includes('"cells"') && extra[0].text.includes('x = 1') && !extra[0].text.includes('!pip'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fuzz:long shares the count out over the seeds in chunks, in turns, each input checked once', () => {
    const chunks = chunksOf(11, [11, 12, 13], 2);
    assert.deepStrictEqual(chunks, [
      { seed: 11, from: 0, to: 2 }, { seed: 12, from: 0, to: 2 }, { seed: 13, from: 0, to: 2 },
      { seed: 11, from: 2, to: 4 }, { seed: 12, from: 2, to: 4 }, { seed: 13, from: 2, to: 3 },
    ]);
    assert.strictEqual(chunksOf(100_000, [11, 12, 13], 1000).reduce((n, c) => n + c.to - c.from, 0), 100_000);
  });

  it('a chunk of a seed sees the same inputs as the whole seed from 0', async () => {
    const whole = await fuzz({ seed: 5, count: 6, seconds: 60, cliEvery: 0, only: [4, 5] });
    const chunk = await fuzz({ seed: 5, from: 4, count: 6, seconds: 60, cliEvery: 0 });
    assert.deepStrictEqual([chunk.inputs, chunk.fixes, chunk.fixAlls], [whole.inputs, whole.fixes, whole.fixAlls]);
    assert.strictEqual(chunk.inputs, 2);
  });

  it('minimises a failing input to what matters, lines then characters', async () => {
    const text = 'import torch\nx = 1\nboom = (1,\ny = 2\n';
    const small = await minimise(text, async (t) => t.includes('boom'));
    assert.strictEqual(small, 'boom');
  });

  it("a fix's text is what it wrote, less what it kept of the text it replaced", () => {
    const src = new SourceText('import os\nfor p in r:\n    f(p)\n');
    const edits = [
      { range: { start: { line: 1, character: 0 }, end: { line: 1, character: 11 } }, newText: 'for i, p in enumerate(r):' },
      { range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, newText: 'import torch\n' },
    ];
    const fixed = 'import os\nimport torch\nfor i, p in enumerate(r):\n    f(p)\n';
    const spans = insertedSpans(src, edits).map((s) => fixed.slice(s.start, s.end));
    assert.deepStrictEqual(spans, ['import torch\n', 'i, p in enumerate(r)']);
  });

  it('a finding a fix makes appear is damage (its own rule, on its text, or with no fact changed), or unmasked on the code by a changed fact', () => {
    const inserted = [{ start: 10, end: 20 }];
    const facts = () => ['now on the GPU'];
    assert.deepStrictEqual(classifyNewFinding('TG203', { code: 'TG203', start: 15 }, inserted, facts), { unmasked: false, why: 'the fix re-triggers its own rule on its own text' });
    assert.deepStrictEqual(classifyNewFinding('TG204', { code: 'TG204', start: 40 }, inserted, () => []), { unmasked: false, why: 'the fix re-triggers its own rule elsewhere, and no shared fact changed' });
    // the same rule at another place of the user's code, seen through a fact the fix changed (seed 13 input 30917)
    assert.deepStrictEqual(classifyNewFinding('TG204', { code: 'TG204', start: 40 }, inserted, () => ['imports torch']), { unmasked: true, why: 'imports torch' });
    assert.deepStrictEqual(classifyNewFinding('TG211', { code: 'TG304', start: 12 }, inserted, facts), { unmasked: false, why: "on the fix's own text" });
    assert.deepStrictEqual(classifyNewFinding('TG221', { code: 'TG203', start: 40 }, inserted, () => []), { unmasked: false, why: "on the user's code, and no shared fact changed" });
    assert.deepStrictEqual(classifyNewFinding('TG204', { code: 'TG801', start: 40 }, inserted, facts), { unmasked: true, why: 'now on the GPU' });
    // the end of the inserted text is the user's code again
    assert.strictEqual(classifyNewFinding('TG204', { code: 'TG801', start: 20 }, inserted, facts).unmasked, true);
  });

  it('names the facts a fix changed that rules share: names imports bind, the GPU, moves to it, training loops, loop counters read', () => {
    const facts = (a: string, b: string) => changedFacts(analyzeText(a).model, analyzeText(b).model);
    const loop = 'for x, y in loader:\n    loss = torch.nn.functional.cross_entropy(model(x), y)\n    loss.backward()\n';
    assert.deepStrictEqual(facts(loop, 'import torch\n' + loop), ['imports torch']);
    assert.deepStrictEqual(facts('import torch\nmodel = torch.nn.Linear(2, 2)\n' + loop, 'import torch\nmodel = torch.nn.Linear(2, 2).cuda()\n' + loop), ['now on the GPU']);
    const gpu = 'import torch\nmodel = torch.nn.Linear(2, 2).cuda()\n';
    assert.deepStrictEqual(facts(gpu + loop, gpu + loop.replace('model(x)', 'model(x.cuda())')), ['more moves to a device that may be the GPU']);
    assert.deepStrictEqual(facts(gpu + loop, gpu + loop + '# a comment\n'), []);
    // TG221's epoch print reads the epoch counter: TG1005 reads which loop's counter is read
    const epochs = 'for epoch in range(20):\n    for x, y in loader:\n        torch.nn.functional.cross_entropy(model(x), y).backward()\n';
    assert.deepStrictEqual(facts(gpu + epochs, gpu + epochs + '    print(f"epoch {epoch}")\n'), ['a loop counter now read']);
    assert.deepStrictEqual(facts(gpu + epochs, gpu + epochs + '    print("epoch done")\n'), []);
  });

  it('a seeded run of 150 mutated inputs: nothing escapes, no rule error, no fix breaks python3 parsing', async function () {
    const report = await fuzz({ seed: 20261129, count: 150, seconds: 120, cliEvery: 5 });
    const summary = `${report.inputs} inputs (${report.skipped} skipped by the limits), ${report.fixes} fixes checked, ${report.fixAlls} fix-all runs, ${report.cliRuns} CLI runs, ${report.crashes.length} crashes`;
    this.test!.title += ` [${summary}]`;
    assert.deepStrictEqual(
      report.crashes.map((c) => `input ${c.index} (${c.from}; ${c.ops.join(', ')}): ${c.failure.kind} in ${c.failure.where}: ${c.failure.message}`),
      [],
      summary,
    );
    assert.ok(report.inputs > 0);
  });

  const files = fs.existsSync(REGRESSIONS) ? fs.readdirSync(REGRESSIONS).filter((f) => f.endsWith('.py')).sort() : [];
  it('keeps regression inputs (test/fixtures/fuzz-regressions/*.py)', () => assert.ok(files.length > 0));
  for (const file of files) {
    it(`regression ${file}: no failure, and the parser still works afterwards`, async () => {
      const text = fs.readFileSync(path.join(REGRESSIONS, file), 'utf8');
      assert.deepStrictEqual(await checkInput(text, { cli: true }), []);
      // one bad input must not leave the (WebAssembly) parser broken for the next file
      assert.strictEqual(limitExceeded(example), null);
      assert.deepStrictEqual(analyzeText(example).findings.map((f) => f.code).sort(), ['TG203', 'TG211', 'TG303', 'TG701']);
    });
  }
});
