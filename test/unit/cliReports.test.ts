/**
 * `trainguard check` reports for CI and code review: SARIF 2.1.0 (validated against the schema with
 * ajv), GitHub annotations, JSON Lines, concise, --statistics, --quiet, stdin, --diff on notebooks,
 * and the worker-thread run (same output, in the files' order).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { ROOT } from './helpers';
import { tempTree } from './tempTree';
import { applyEdits } from '../../server/src/analysis/source';
import { initParser } from '../../server/src/analysis/parser';
import { Checker, type CheckOptions, type FileOutcome } from '../../server/src/cli/checkFile';
import { checkAll } from '../../server/src/cli/pool';

const BIN = path.join(ROOT, 'bin', 'trainguard.js');
const EXAMPLE = path.join(ROOT, 'examples', 'train.py');
const NB = path.join(ROOT, 'test', 'fixtures', 'notebooks');
const HEADLINE = ['--select', 'TG203,TG211,TG303,TG701'];

function cli(args: string[], opts: { cwd?: string; input?: string | Buffer } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, input: opts.input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const made: string[] = [];
function tree(files: Record<string, string | Buffer>): string {
  const d = tempTree(files);
  made.push(d);
  return d;
}
after(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

interface SarifRegion {
  startLine: number;
  startColumn?: number;
  endLine?: number;
  endColumn?: number;
}
interface SarifLog {
  $schema: string;
  version: string;
  runs: {
    tool: { driver: { name: string; version: string; rules: { id: string; name: string; helpUri: string; shortDescription: { text: string }; defaultConfiguration: { level: string } }[] } };
    invocations: { executionSuccessful: boolean; toolExecutionNotifications: { level: string; message: { text: string } }[] }[];
    results: {
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region?: SarifRegion } }[];
      fixes?: { description: { text: string }; artifactChanges: { artifactLocation: { uri: string }; replacements: { deletedRegion: Required<SarifRegion>; insertedContent: { text: string } }[] }[] }[];
      properties?: { cell: number; cellLine: number };
    }[];
  }[];
}

describe('check: reports for CI', function () {
  this.timeout(60000);

  describe('SARIF 2.1.0', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'data', 'sarif-schema-2.1.0.json'), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    let log: SarifLog;
    let r: ReturnType<typeof cli>;

    before(() => {
      // a .py file, a notebook and a broken notebook, from one folder
      const dir = tree({ 'proj/train.py': fs.readFileSync(EXAMPLE, 'utf8'), 'proj/flow.ipynb': fs.readFileSync(path.join(NB, 'kaggle-flow.ipynb'), 'utf8'), 'proj/broken.ipynb': '{"cells": [' });
      r = cli(['check', 'proj', '--output-format', 'sarif', ...HEADLINE], { cwd: dir });
      log = JSON.parse(r.stdout) as SarifLog;
    });

    it('validates against the SARIF 2.1.0 JSON schema (and the validator does reject a broken log)', () => {
      assert.strictEqual(r.code, 2, 'the broken notebook makes the exit code 2');
      assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
      assert.strictEqual(log.version, '2.1.0');
      const broken = JSON.parse(JSON.stringify(log)) as { runs: { results: { level: string }[] }[] };
      broken.runs[0].results[0].level = 'fatal';
      assert.ok(!validate(broken), 'a level outside the enum must fail validation');
      assert.ok(!validate({ version: '2.1.0' }), 'runs is required');
    });

    it('carries every rule with its metadata and docs link; results point at them', () => {
      const driver = log.runs[0].tool.driver;
      assert.strictEqual(driver.name, 'trainguard');
      const tg303 = driver.rules.find((x) => x.id === 'TG303')!;
      assert.strictEqual(tg303.name, 'loss-outside-autocast');
      assert.match(tg303.helpUri, /docs\/rules\/TG303\.md$/);
      assert.strictEqual(tg303.defaultConfiguration.level, 'error');
      for (const res of log.runs[0].results) assert.strictEqual(driver.rules[res.ruleIndex].id, res.ruleId);
      const inv = log.runs[0].invocations[0];
      assert.strictEqual(inv.executionSuccessful, false);
      assert.ok(inv.toolExecutionNotifications.some((n) => n.level === 'error' && /broken\.ipynb: not valid JSON/.test(n.message.text)));
    });

    it('a fix is fixes[].artifactChanges whose replacements, applied to the file, move the loss into autocast', () => {
      const res = log.runs[0].results.find((x) => x.ruleId === 'TG303' && x.locations[0].physicalLocation.artifactLocation.uri === 'proj/train.py')!;
      assert.strictEqual(res.locations[0].physicalLocation.artifactLocation.uriBaseId, '%SRCROOT%');
      const change = res.fixes![0].artifactChanges[0];
      assert.strictEqual(change.artifactLocation.uri, 'proj/train.py');
      const text = fs.readFileSync(EXAMPLE, 'utf8');
      const edits = change.replacements.map((x) => ({ range: { start: { line: x.deletedRegion.startLine - 1, character: x.deletedRegion.startColumn - 1 }, end: { line: x.deletedRegion.endLine - 1, character: x.deletedRegion.endColumn - 1 } }, newText: x.insertedContent.text }));
      assert.ok(applyEdits(text, edits).includes('            loss = criterion(logits, labels)'));
    });

    it('notebook results name the cell and point at the .ipynb line holding the source line', () => {
      const res = log.runs[0].results.find((x) => x.ruleId === 'TG303' && x.locations[0].physicalLocation.artifactLocation.uri === 'proj/flow.ipynb')!;
      assert.deepStrictEqual({ cell: res.properties!.cell, line: res.properties!.cellLine }, { cell: 5, line: 10 });
      assert.match(res.message.text, /^cell 5:10:16: /);
      const fileLine = fs.readFileSync(path.join(NB, 'kaggle-flow.ipynb'), 'utf8').split('\n')[res.locations[0].physicalLocation.region!.startLine - 1];
      assert.ok(fileLine.includes('loss = criterion(logits, labels)'), fileLine);
      assert.strictEqual(res.fixes, undefined, 'no replacement inside a JSON string is offered');
    });
  });

  it('github: one workflow command per finding, with file, line, col, end and title', () => {
    const r = cli(['check', EXAMPLE, path.join(NB, 'kaggle-flow.ipynb'), '--output-format', 'github', ...HEADLINE]);
    assert.strictEqual(r.code, 1, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.strictEqual(lines.length, 8);
    const py = lines.find((l) => l.includes('title=TG303') && l.includes('train.py'))!;
    assert.match(py, /^::error file=[^,]*examples\/train\.py,line=67,col=16,endLine=67,endColumn=\d+,title=TG303::Loss computed outside/);
    assert.match(lines.find((l) => l.includes('title=TG701') && l.includes('train.py'))!, /^::warning /);
    const nb = lines.find((l) => l.includes('title=TG303') && l.includes('kaggle-flow'))!;
    const m = /line=(\d+),endLine=(\d+),title=TG303::cell 5:10:16: Loss/.exec(nb);
    assert.ok(m, nb);
    assert.ok(fs.readFileSync(path.join(NB, 'kaggle-flow.ipynb'), 'utf8').split('\n')[Number(m[1]) - 1].includes('loss = criterion'));
    // messages are escaped: no raw newline or percent sign can end a command early
    assert.ok(lines.every((l) => l.startsWith('::')));
  });

  it('json-lines: the JSON objects one per line; concise: file:line:col: CODE message', () => {
    const json = JSON.parse(cli(['check', EXAMPLE, '--output-format', 'json']).stdout) as unknown[];
    const jl = cli(['check', EXAMPLE, '--output-format', 'json-lines']).stdout.trim().split('\n');
    assert.deepStrictEqual(jl.map((l) => JSON.parse(l) as unknown), json);
    const concise = cli(['check', EXAMPLE, path.join(NB, 'kaggle-flow.ipynb'), '--output-format', 'concise', '--quiet', ...HEADLINE]).stdout.trim().split('\n');
    assert.strictEqual(concise.length, 8);
    assert.ok(concise.some((l) => /examples\/train\.py:67:16: TG303 Loss computed outside/.test(l)), concise.join('\n'));
    assert.ok(concise.some((l) => /kaggle-flow\.ipynb:cell 5:10:16: TG303 Loss computed outside/.test(l)));
  });

  it('--statistics counts per code (text and JSON); --quiet drops the summary', () => {
    const dir = tree({ 'a.py': fs.readFileSync(EXAMPLE, 'utf8'), 'b.py': fs.readFileSync(EXAMPLE, 'utf8'), 'c.ipynb': fs.readFileSync(path.join(NB, 'gpu-shell.ipynb'), 'utf8') });
    const text = cli(['check', dir, '--statistics', ...HEADLINE]);
    assert.strictEqual(text.code, 1);
    assert.deepStrictEqual(text.stdout.trim().split('\n'), ['3\tTG211\t[*] no-smoke-test', '3\tTG303\t[*] loss-outside-autocast', '3\tTG701\t[*] only-best-checkpoint', '2\tTG203\t[*] no-gpu-memory-check']);
    const json = JSON.parse(cli(['check', dir, '--statistics', '--output-format', 'json', ...HEADLINE]).stdout) as { code: string; count: number }[];
    assert.deepStrictEqual(json.map((s) => `${s.code}=${s.count}`), ['TG211=3', 'TG303=3', 'TG701=3', 'TG203=2']);
    const loud = cli(['check', dir, ...HEADLINE]).stdout;
    const quiet = cli(['check', dir, '-q', ...HEADLINE]).stdout;
    assert.match(loud, /Found 11 problems/);
    assert.ok(!/Found|fixable/.test(quiet), quiet);
    assert.strictEqual(quiet.trim().split('\n').length, 11);
  });

  it('stdin: `-` with --stdin-filename names the text and finds its pyproject.toml; notebooks too; --fix prints the fixed text', () => {
    const dir = tree({ 'proj/pyproject.toml': '[tool.trainguard]\nignore = ["TG701"]\n', 'proj/.git/HEAD': 'ref: refs/heads/main\n' });
    const example = fs.readFileSync(EXAMPLE, 'utf8');
    const r = cli(['check', '-', '--stdin-filename', 'proj/train.py', '--output-format', 'concise', '-q'], { cwd: dir, input: example });
    assert.strictEqual(r.code, 1, r.stderr);
    assert.deepStrictEqual(r.stdout.trim().split('\n').map((l) => l.split(' ')[1]), ['TG303', 'TG203', 'TG211'], 'TG701 ignored by proj/pyproject.toml');
    assert.ok(r.stdout.startsWith('proj/train.py:'));
    const nb = cli(['check', '--stdin-filename', 'flow.ipynb', '--output-format', 'concise', '-q', ...HEADLINE], { cwd: dir, input: fs.readFileSync(path.join(NB, 'kaggle-flow.ipynb')) });
    assert.match(nb.stdout, /^flow\.ipynb:cell 9:2:1: TG203/m);
    const fixed = cli(['check', '-', '--stdin-filename', 'train.py', '--fix', '--output-format', 'concise', ...HEADLINE], { cwd: dir, input: example });
    assert.ok(fixed.stdout.includes('            loss = criterion(logits, labels)') && fixed.stdout.includes('_last.pth'), 'the fixed text on stdout');
    assert.ok(!fixed.stdout.includes('TG303'), 'the report goes to stderr');
    const clean = cli(['check', '-', '--stdin-filename', 'ok.py', '--fix'], { cwd: dir, input: 'import math\r\nprint(math.pi)' });
    assert.strictEqual(clean.stdout, 'import math\r\nprint(math.pi)', 'nothing to fix: the input comes back byte for byte');
    const broken = cli(['check', '-', '--stdin-filename', 'x.ipynb', '--fix'], { cwd: dir, input: '{"cells": [' });
    assert.strictEqual(broken.code, 2);
    assert.strictEqual(broken.stdout, '{"cells": [', 'a broken notebook comes back unchanged');
    assert.match(broken.stderr, /x\.ipynb: not valid JSON/);
    assert.match(cli(['check', '-', 'other.py']).stderr, /cannot be combined/);
  });

  it('--diff on a notebook prints one diff per changed cell and writes nothing', () => {
    const dir = tree({ 'flow.ipynb': fs.readFileSync(path.join(NB, 'kaggle-flow.ipynb'), 'utf8') });
    const before = fs.readFileSync(path.join(dir, 'flow.ipynb'), 'utf8');
    const r = cli(['check', 'flow.ipynb', '--diff', ...HEADLINE], { cwd: dir });
    assert.strictEqual(r.code, 1, r.stderr);
    assert.deepStrictEqual(r.stdout.split('\n').filter((l) => l.startsWith('--- ')), ['--- flow.ipynb:cell 5', '--- flow.ipynb:cell 9']);
    assert.match(r.stdout, /^\+ {12}loss = criterion\(logits, labels\)/m);
    assert.strictEqual(fs.readFileSync(path.join(dir, 'flow.ipynb'), 'utf8'), before);
  });

  describe('worker threads', () => {
    before(() => initParser());

    it('the bundled worker checks every file, outcomes come back in the files\' order', async () => {
      const files: Record<string, string> = {};
      for (let i = 0; i < 12; i++) files[`f${String(i).padStart(2, '0')}.py`] = i % 3 === 0 ? fs.readFileSync(EXAMPLE, 'utf8') : `import math\nprint(${i})\n`;
      files['nb.ipynb'] = fs.readFileSync(path.join(NB, 'kaggle-flow.ipynb'), 'utf8');
      files['zz-broken.ipynb'] = '{';
      const dir = tree(files);
      const list = Object.keys(files).sort().map((f) => path.join(dir, f));
      const options: CheckOptions = { select: [], ignore: [], mode: 'check', unsafe: false, announceFixes: false };
      const viaWorkers: FileOutcome[] = [];
      const order: number[] = [];
      await checkAll(list, options, () => { throw new Error('the workers must do the work'); }, 3, (o, i) => (viaWorkers.push(o), order.push(i)), path.join(ROOT, 'dist', 'cli-worker.js'));
      assert.deepStrictEqual(order, list.map((_, i) => i));
      const local = new Checker(options);
      assert.deepStrictEqual(viaWorkers, list.map((f) => local.checkFile(f)));
      assert.ok(viaWorkers[list.length - 1].failed);
    });

    it('the CLI prints the same with --jobs 2 as in one thread', () => {
      const files: Record<string, string> = {};
      for (let i = 0; i < 6; i++) files[`d${i}/train.py`] = fs.readFileSync(EXAMPLE, 'utf8');
      files['d9/nb.ipynb'] = fs.readFileSync(path.join(NB, 'gpu-shell.ipynb'), 'utf8');
      const dir = tree(files);
      const one = cli(['check', '.', '--jobs', '1'], { cwd: dir });
      const two = cli(['check', '.', '--jobs', '2'], { cwd: dir });
      assert.strictEqual(two.stdout, one.stdout);
      assert.strictEqual(two.code, one.code);
      assert.match(one.stdout, /Found \d+ problems in 7 of 7 files/);
      assert.match(cli(['check', '.', '--jobs', '0'], { cwd: dir }).stderr, /--jobs must be a whole number/);
    });
  });
});
