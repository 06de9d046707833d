/**
 * The sliced analysis (`analyzeModelSliced`, what the language server runs): the same findings as
 * `analyzeModel` on every fixture, the same time-budget skipping and per-rule error isolation, the
 * event loop given turns between rules, and `isStale()` obeyed before the model is touched again.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { analyzeModel, analyzeModelSliced, type AnalysisResult, type AnalyzeOptions, type SlicedAnalysis } from '../../server/src/analysis/analyze';
import { parsePython } from '../../server/src/analysis/parser';
import { PythonModel } from '../../server/src/analysis/model';
import { limitExceeded } from '../../server/src/analysis/limits';
import { parseIpynb } from '../../server/src/analysis/ipynb';
import { NotebookProgram, isPythonLanguage } from '../../server/src/analysis/notebook';
import { defaultSettings } from '../../server/src/config/settings';
import { ALL_RULES } from '../../server/src/rules/index';
import type { Rule, RuleContext } from '../../server/src/rules/types';
import { FIXTURES, ready, ROOT, withModel } from './helpers';

function* walk(dir: string): Generator<string> {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (/\.(py|ipynb)$/.test(e.name)) yield p;
  }
}

/** The Python program of a fixture (a notebook's cells joined), or null when there is none to analyse. */
function program(file: string): { text: string; shellCommands?: readonly string[] } | null {
  const raw = fs.readFileSync(file, 'utf8');
  if (!file.endsWith('.ipynb')) return limitExceeded(raw) ? null : { text: raw };
  const nb = parseIpynb(raw);
  if ('error' in nb || (nb.language !== null && !isPythonLanguage(nb.language))) return null;
  const p = NotebookProgram.fromCells(nb.cells);
  return limitExceeded(p.text) ? null : { text: p.text, shellCommands: p.shellCommands };
}


const done = (r: SlicedAnalysis): AnalysisResult => {
  if (r.cancelled) throw new Error(`cancelled after ${r.rulesRun} rules`);
  return r.result;
};

/** A test rule with a real rule's metadata: `check` is given the context. */
const fakeRule = (i: number, check: (ctx: RuleContext) => void): Rule => ({ meta: ALL_RULES[i].meta, check });

/** A clock that only moves when a rule moves it. */
function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('analyzeModelSliced', function () {
  this.timeout(120000);
  before(ready);

  it('finds exactly what analyzeModel finds on every fixture (a pause between every two rules)', async () => {
    const settingsList = [defaultSettings(), { ...defaultSettings(), budgetMinutes: 30, gpu: 'T4' }];
    let files = 0;
    let compared = 0;
    for (const file of [...walk(FIXTURES), ...walk(path.join(ROOT, 'examples'))]) {
      const p = program(file);
      if (!p) continue;
      files++;
      for (const settings of settingsList) {
        const errors: [string[], string[]] = [[], []];
        const opts = (k: 0 | 1): AnalyzeOptions => ({ settings, shellCommands: p.shellCommands, onRuleError: (code, e) => errors[k].push(`${code}: ${(e as Error)?.message}`) });
        const sync: AnalysisResult = withModel(p.text, (m) => analyzeModel(m, opts(0)));
        const sliced = await new Promise<SlicedAnalysis>((resolve, reject) => {
          const tree = parsePython(p.text);
          analyzeModelSliced(new PythonModel(tree, p.text), { ...opts(1), sliceMs: 0, isStale: () => false })
            .then(resolve, reject)
            .finally(() => tree.delete());
        });
        const r = done(sliced);
        const rel = path.relative(ROOT, file);
        assert.deepStrictEqual(r.findings, sync.findings, `${rel}: findings differ`);
        assert.deepStrictEqual(r.skippedRules, sync.skippedRules, `${rel}: skipped rules differ`);
        assert.deepStrictEqual(errors[1], errors[0], `${rel}: rule errors differ`);
        assert.strictEqual(r.syntaxError, sync.syntaxError, rel);
        // sliceMs 0: the event loop got a turn before every rule but the first
        assert.strictEqual(sliced.pauses, ALL_RULES.length - 1, rel);
        compared += sync.findings.length;
      }
    }
    assert.ok(files > 400, `only ${files} fixtures read`);
    assert.ok(compared > 1000, `only ${compared} findings compared`);
  });

  it('skips the same rules as analyzeModel once the time budget is spent, not counting the pauses', async () => {
    const text = 'import torch\nx = torch.zeros(3)\n';
    const run = async (sliced: boolean) => {
      const clock = fakeClock();
      // each rule takes 10 ms of the fake clock and reports once; the budget is 25 ms. Each also
      // leaves 1 s of other work for the event loop: done during the sliced analysis's next pause,
      // it would skip every later rule if the pauses counted against the budget
      const rules = [0, 1, 2, 3, 4, 5].map((i) =>
        fakeRule(i, (ctx) => {
          clock.advance(10);
          setImmediate(() => clock.advance(1000));
          ctx.report({ range: { start: { line: i, character: 0 }, end: { line: i, character: 1 } }, message: `rule ${i}` });
        }),
      );
      const opts = { rules, timeBudgetMs: 25, now: clock.now };
      if (!sliced) return withModel(text, (m) => analyzeModel(m, opts));
      const tree = parsePython(text);
      try {
        const r = await analyzeModelSliced(new PythonModel(tree, text), { ...opts, sliceMs: 5, isStale: () => false });
        assert.strictEqual(r.pauses, 3);
        return done(r);
      } finally {
        tree.delete();
      }
    };
    const sync = await run(false);
    const sliced = await run(true);
    assert.deepStrictEqual(sync.skippedRules, ALL_RULES.slice(3, 6).map((r) => r.meta.code));
    assert.deepStrictEqual(sliced.skippedRules, sync.skippedRules);
    assert.deepStrictEqual(sliced.findings, sync.findings);
    assert.strictEqual(sliced.elapsedMs, sync.elapsedMs);
  });

  it('skips the rules in skipRules as if over the budget, the others run, in both analyses', async () => {
    const text = 'import torch\n';
    const ran: string[] = [];
    const rules = [0, 1, 2, 3].map((i) =>
      fakeRule(i, (ctx) => {
        ran.push(ALL_RULES[i].meta.code);
        ctx.report({ range: { start: { line: 0, character: i }, end: { line: 0, character: i + 1 } }, message: `rule ${i}` });
      }),
    );
    const skipRules = new Set([ALL_RULES[1].meta.code, ALL_RULES[3].meta.code]);
    const sync = withModel(text, (m) => analyzeModel(m, { rules, skipRules, timeBudgetMs: 60000 }));
    const tree = parsePython(text);
    const sliced = done(await analyzeModelSliced(new PythonModel(tree, text), { rules, skipRules, sliceMs: 0, isStale: () => false }));
    tree.delete();
    const expected = [ALL_RULES[0].meta.code, ALL_RULES[2].meta.code];
    assert.deepStrictEqual(ran, [...expected, ...expected]);
    for (const r of [sync, sliced]) {
      assert.deepStrictEqual(r.skippedRules, [...skipRules]);
      assert.strictEqual(r.skippedAsAsked, 2);
      assert.deepStrictEqual(r.findings.map((f) => f.message), ['rule 0', 'rule 2']);
    }
  });

  it('isolates a throwing rule exactly as analyzeModel does', async () => {
    const text = 'import torch\n';
    const rules = [
      fakeRule(0, (ctx) => ctx.report({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 6 } }, message: 'before' })),
      fakeRule(1, () => {
        throw new Error('boom');
      }),
      fakeRule(2, (ctx) => ctx.report({ message: 'no location' })),
      fakeRule(3, (ctx) => ctx.report({ range: { start: { line: 0, character: 7 }, end: { line: 0, character: 12 } }, message: 'after' })),
    ];
    const errors: string[][] = [[], []];
    const sync = withModel(text, (m) => analyzeModel(m, { rules, onRuleError: (c, e) => errors[0].push(`${c} ${(e as Error).message}`) }));
    const tree = parsePython(text);
    const sliced = done(await analyzeModelSliced(new PythonModel(tree, text), { rules, sliceMs: 0, isStale: () => false, onRuleError: (c, e) => errors[1].push(`${c} ${(e as Error).message}`) }));
    tree.delete();
    assert.deepStrictEqual(sliced.findings, sync.findings);
    assert.deepStrictEqual(
      sync.findings.map((f) => f.message),
      ['before', 'after'],
    );
    assert.deepStrictEqual(errors[1], errors[0]);
    assert.deepStrictEqual(errors[0], [`${ALL_RULES[1].meta.code} boom`, `${ALL_RULES[2].meta.code} ${ALL_RULES[2].meta.code} reported without a location`]);
  });

  it('gives the event loop a turn between rules once a slice has lasted sliceMs, and not before', async () => {
    const clock = fakeClock();
    const log: string[] = [];
    let turn = 0;
    // rule i takes `cost[i]` ms; a callback queued by a rule runs only when the analysis pauses
    const cost = [2, 2, 2, 6, 1, 9, 1];
    const rules = cost.map((ms, i) =>
      fakeRule(i, () => {
        log.push(`rule ${i}`);
        clock.advance(ms);
        const n = ++turn;
        setImmediate(() => log.push(`turn ${n}`));
      }),
    );
    const tree = parsePython('x = 1\n');
    const r = await analyzeModelSliced(new PythonModel(tree, 'x = 1\n'), { rules, sliceMs: 5, now: clock.now, isStale: () => false });
    tree.delete();
    assert.strictEqual(r.cancelled, false);
    // slices: rules 0-2 (6 ms), rule 3 (6 ms), rules 4-5 (10 ms), rule 6
    assert.deepStrictEqual(log, ['rule 0', 'rule 1', 'rule 2', 'turn 1', 'turn 2', 'turn 3', 'rule 3', 'turn 4', 'rule 4', 'rule 5', 'turn 5', 'turn 6', 'rule 6']);
    assert.strictEqual(r.pauses, 3);
  });

  it('pauses with the caller\'s pause when it gives one', async () => {
    let paused = 0;
    const rules = [0, 1, 2, 3].map((i) => fakeRule(i, () => undefined));
    const tree = parsePython('x = 1\n');
    const r = await analyzeModelSliced(new PythonModel(tree, 'x = 1\n'), { rules, sliceMs: 0, isStale: () => false, pause: () => new Promise<void>((resolve) => (paused++, setTimeout(resolve, 0))) });
    tree.delete();
    assert.strictEqual(r.pauses, 3);
    assert.strictEqual(paused, 3);
  });

  it('stops at the first rule boundary where isStale() is true, asked after the pause before the model is touched', async () => {
    const clock = fakeClock();
    let stale = false;
    const ran: number[] = [];
    const rules = [0, 1, 2, 3].map((i) =>
      fakeRule(i, (ctx) => {
        ran.push(i);
        void ctx.model.root;
        clock.advance(10);
        // what a didChange does while the analysis pauses
        if (i === 1) setImmediate(() => (stale = true));
      }),
    );
    const tree = parsePython('x = 1\n');
    const r = await analyzeModelSliced(new PythonModel(tree, 'x = 1\n'), { rules, sliceMs: 5, now: clock.now, isStale: () => stale });
    tree.delete();
    assert.deepStrictEqual(r, { cancelled: true, rulesRun: 2, pauses: 2 });
    assert.deepStrictEqual(ran, [0, 1]);
  });

  it('reads nothing of the model when it is stale from the start', async () => {
    const untouchable = new Proxy({} as PythonModel, {
      get(_t, key) {
        throw new Error(`model.${String(key)} read`);
      },
    });
    let asked = 0;
    const r = await analyzeModelSliced(untouchable, { isStale: () => (asked++, true) });
    assert.deepStrictEqual(r, { cancelled: true, rulesRun: 0, pauses: 0 });
    assert.strictEqual(asked, 1);
  });

  it('asks isStale() at every rule boundary even without a pause', async () => {
    let asked = 0;
    const ran: number[] = [];
    const rules = [0, 1, 2, 3, 4].map((i) => fakeRule(i, () => ran.push(i)));
    const clock = fakeClock();
    const tree = parsePython('x = 1\n');
    const r = await analyzeModelSliced(new PythonModel(tree, 'x = 1\n'), { rules, now: clock.now, isStale: () => ++asked > 3 });
    tree.delete();
    assert.deepStrictEqual(r, { cancelled: true, rulesRun: 2, pauses: 0 });
    assert.deepStrictEqual(ran, [0, 1]);
  });
});
