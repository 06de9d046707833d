/**
 * The Python snippets (snippets/python.json): the file is well formed, every template of the hints
 * has a snippet, every expansion parses (tree-sitter and python3), and Train Guard reports nothing on
 * what a snippet inserts: whole scripts alone, fragments inside a host script
 * (test/fixtures/snippets/<prefix>.host.py, `# @snippet` marks where the fragment goes and an
 * optional `# host-findings: TG211` line names what the host alone must report, which the snippet
 * has to take away).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parsePython } from '../../server/src/analysis/parser';
import { analyzeText } from '../../server/src/analysis/analyze';
import { ready, findings, pythonSyntaxError, ROOT, FIXTURES } from './helpers';
import { expandSnippet, parseSnippet, tabStops, SnippetSyntaxError } from './snippet-syntax';
import { findTemplate, parseTemplates, templateLabel } from '../../client/src/features/template-list';

interface SnippetEntry {
  prefix: string;
  description: string;
  body: string[];
}

const SNIPPETS_FILE = path.join(ROOT, 'snippets', 'python.json');
const HOSTS = path.join(FIXTURES, 'snippets');

/** Snippets that are a whole file: analysed alone, they must produce no finding at all. */
const WHOLE_SCRIPTS = new Set(['tg-train', 'tg-verify-submission', 'tg-emergency-baseline']);
/** Fragments checked alone (no rule has anything to look at around them; the directive is checked by TG002). */
const ALONE = new Set(['tg-budget', 'tg-throughput']);

/** The templates of kaggle-training-hints.txt (and the issue's extras) and the snippet for each. */
const REQUIRED: Record<string, string> = {
  'tg-train': 'section 10 training template (K-fold, AMP, checkpoints, early stopping, GPU print, loss sanity check)',
  'tg-smoke-test': 'section 2A smoke test',
  'tg-gpu-check': 'section 2 GPU memory print',
  'tg-verify-submission': 'section 2C submission verification',
  'tg-emergency-baseline': 'section 2C emergency baseline',
  'tg-checkpoint': 'section 7 best + last checkpoint',
  'tg-load-checkpoint': 'section 7 predict.py best -> last fallback',
  'tg-grad-accum': 'section 8 gradient accumulation',
  'tg-dataloader': 'section 4 fast DataLoader (drop_last for Mixup)',
  'tg-label-encode': 'section 5 label encoding with the encoder saved',
  'tg-label-decode': 'section 5 predict.py decoding',
  'tg-scaler-fit': 'section 6 scaler fitted on the training fold only',
  'tg-transforms': 'section 6 augmentation for training only',
  'tg-autocast': 'section 3 loss inside autocast',
  'tg-submission': 'section 9 submission in test order',
  'tg-budget': 'the time-budget directive',
  'tg-throughput': 'the samples/s timing helper',
};

function loadSnippets(): Map<string, SnippetEntry & { name: string }> {
  const raw = JSON.parse(fs.readFileSync(SNIPPETS_FILE, 'utf8')) as Record<string, SnippetEntry>;
  return new Map(Object.entries(raw).map(([name, s]) => [s.prefix, { ...s, name }]));
}

function hostFor(prefix: string): { text: string; expected: string[] } | null {
  const file = path.join(HOSTS, `${prefix}.host.py`);
  if (!fs.existsSync(file)) return null;
  const text = fs.readFileSync(file, 'utf8');
  const m = /^# host-findings:(.*)$/m.exec(text);
  return { text, expected: m ? m[1].split(/[\s,]+/).filter(Boolean).sort() : [] };
}

/** Inserts the expansion at the `# @snippet` line as insertSnippet would: at the line's indentation. */
function embed(host: string, body: string[], indentUnit: string): string {
  const lines = host.split('\n');
  const at = lines.findIndex((l) => l.trim() === '# @snippet');
  assert.ok(at >= 0, 'host has no "# @snippet" line');
  const baseIndent = /^\s*/.exec(lines[at])![0];
  const hostIndent = baseIndent.includes('\t') ? '\t' : '    ';
  assert.strictEqual(indentUnit, hostIndent, 'hosts are indented with spaces: embed with the same unit');
  lines[at] = baseIndent + expandSnippet(body, { indentUnit, baseIndent });
  return lines.join('\n');
}

function describeFindings(text: string): string[] {
  return findings(text).map((f) => `${f.range.start.line + 1}: ${f.code} ${f.message}`);
}

async function assertParses(text: string, what: string): Promise<void> {
  const tree = parsePython(text);
  try {
    assert.ok(!tree.rootNode.hasError, `${what}: tree-sitter finds a syntax error:\n${text}`);
  } finally {
    tree.delete();
  }
  const err = await pythonSyntaxError(text);
  assert.strictEqual(err, null, `${what}: python3 rejects it: ${err}\n${text}`);
}

describe('snippet syntax expander', () => {
  it('inserts defaults, mirrors, the first choice and nested placeholders', () => {
    assert.strictEqual(expandSnippet('${1:model} = ${2:create}(); $1.cuda()$0'), 'model = create(); model.cuda()');
    assert.strictEqual(expandSnippet('$1 mirrors ${1:later}'), 'later mirrors later');
    assert.strictEqual(expandSnippet('gpu=${1|T4,A10|} again $1'), 'gpu=T4 again T4');
    assert.strictEqual(expandSnippet('${1:outer ${2:inner}} $2'), 'outer inner inner');
    assert.strictEqual(expandSnippet('${3} and $4 stay empty'), ' and  stay empty');
    assert.strictEqual(expandSnippet('${0:end}'), 'end');
  });

  it('reads escapes and literal dollars and braces as VS Code does', () => {
    assert.strictEqual(expandSnippet('cost \\$5 \\} \\\\ \\n'), 'cost $5 } \\ \\n');
    assert.strictEqual(expandSnippet('f"{x}" ${1:a\\}b}'), 'f"{x}" a}b');
    assert.strictEqual(expandSnippet('price $ 3 and $-1'), 'price $ 3 and $-1');
    assert.strictEqual(expandSnippet('${1|a\\,b,c\\|d|}'), 'a,b');
    assert.deepStrictEqual(tabStops('${1|a,b|} $2 ${3:x ${4:y}} $0'), [1, 2, 3, 4, 0]);
  });

  it('resolves variables from the given values, else their defaults, and rejects unknown ones', () => {
    const variables = { TM_FILENAME_BASE: 'train', TM_SELECTED_TEXT: undefined, TM_CURRENT_LINE: '' };
    assert.strictEqual(expandSnippet('# $TM_FILENAME_BASE.py ${TM_FILENAME_BASE}', { variables }), '# train.py train');
    assert.strictEqual(expandSnippet('${TM_SELECTED_TEXT:pass}', { variables }), 'pass');
    assert.strictEqual(expandSnippet('[${TM_CURRENT_LINE:x}]', { variables }), '[]');
    assert.throws(() => expandSnippet('$TM_FILENAME'), SnippetSyntaxError);
    assert.throws(() => expandSnippet('${1/(.*)/${1:/upcase}/}'), SnippetSyntaxError);
  });

  it('rejects malformed snippets and conflicting defaults', () => {
    assert.throws(() => parseSnippet('${1:open'), SnippetSyntaxError);
    assert.throws(() => parseSnippet('${1|a,b'), SnippetSyntaxError);
    assert.throws(() => parseSnippet('${:x}'), SnippetSyntaxError);
    assert.throws(() => expandSnippet('${1:a} ${1:b}'), SnippetSyntaxError);
  });

  it('indents like insertSnippet: tabs become the editor unit, later lines get the line indentation', () => {
    const body = ['if ok:', '\tgo()', '', 'done()'];
    assert.strictEqual(expandSnippet(body), 'if ok:\n    go()\n\ndone()');
    assert.strictEqual(expandSnippet(body, { indentUnit: '\t', baseIndent: '\t' }), 'if ok:\n\t\tgo()\n\t\n\tdone()');
    assert.strictEqual(expandSnippet(body, { baseIndent: '    ' }), 'if ok:\n        go()\n    \n    done()');
  });
});

describe('snippets/python.json', () => {
  before(ready);
  const snippets = loadSnippets();

  it('is JSON with a unique tg- prefix, a description and a body for every snippet', () => {
    const raw = JSON.parse(fs.readFileSync(SNIPPETS_FILE, 'utf8')) as Record<string, SnippetEntry>;
    const prefixes = Object.values(raw).map((s) => s.prefix);
    assert.strictEqual(new Set(prefixes).size, prefixes.length, `duplicate prefixes: ${prefixes}`);
    for (const [name, s] of Object.entries(raw)) {
      assert.match(name, /^Train Guard: /, `${name}: name should start with "Train Guard: "`);
      assert.strictEqual(typeof s.prefix, 'string', `${name}: prefix`);
      assert.match(s.prefix, /^tg-[a-z0-9]+(-[a-z0-9]+)*$/, `${name}: prefix ${s.prefix}`);
      assert.ok(typeof s.description === 'string' && s.description.trim().length > 20, `${name}: description`);
      assert.ok(Array.isArray(s.body) && s.body.length > 0 && s.body.every((l) => typeof l === 'string'), `${name}: body`);
      // indentation in tabs only: insertSnippet turns each tab into the editor's unit, spaces would stay as they are
      const mixed = s.body.filter((l) => /^\t* +\S/.test(l) || /^\t* +\t/.test(l));
      assert.deepStrictEqual(mixed, [], `${name}: lines indented with spaces`);
    }
  });

  it('has a snippet for every template of the hints', () => {
    const missing = Object.entries(REQUIRED).filter(([p]) => !snippets.has(p)).map(([p, what]) => `${p} (${what})`);
    assert.deepStrictEqual(missing, []);
  });

  it('is checked here: every snippet is a whole script, has a host fixture or is checked alone', () => {
    const unchecked = [...snippets.keys()].filter((p) => !WHOLE_SCRIPTS.has(p) && !ALONE.has(p) && !hostFor(p));
    assert.deepStrictEqual(unchecked, []);
    const stray = fs.readdirSync(HOSTS).filter((f) => f.endsWith('.host.py') && !snippets.has(f.replace(/\.host\.py$/, '')));
    assert.deepStrictEqual(stray, [], 'host fixtures without a snippet');
  });

  it('is listed in the README, every prefix', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    assert.deepStrictEqual([...snippets.keys()].filter((p) => !readme.includes('`' + p + '`')), []);
  });

  it('uses the current AMP API and says so', () => {
    for (const [prefix, s] of snippets) {
      const body = s.body.join('\n');
      assert.doesNotMatch(body, /torch\.cuda\.amp|(?<![.\w])autocast\(|(?<![.\w])GradScaler\(/, `${prefix} uses a deprecated AMP form`);
      assert.doesNotMatch(body, /torch\.amp\.autocast\(\)|GradScaler\(\)/, `${prefix}: torch.amp needs the device type`);
      if (/torch\.amp\./.test(body)) {
        assert.match(s.description, /torch\.amp\.autocast\("cuda"\).*deprecated/, `${prefix}: the description should name the current API`);
      }
    }
  });

  for (const [prefix, s] of snippets) {
    describe(prefix, () => {
      it('has tab stops for the names to choose, and only known snippet syntax', () => {
        const stops = tabStops(s.body.join('\n')).filter((i) => i !== 0);
        assert.ok(stops.length > 0, `${prefix} has no tab stop`);
        expandSnippet(s.body); // throws on unknown variables, transforms and conflicting defaults
      });

      it('expands to Python that parses (spaces and tabs)', async () => {
        await assertParses(expandSnippet(s.body, { indentUnit: '    ' }), `${prefix} (spaces)`);
        await assertParses(expandSnippet(s.body, { indentUnit: '\t' }), `${prefix} (tabs)`);
      });

      if (WHOLE_SCRIPTS.has(prefix)) {
        it('is a whole script on which Train Guard reports nothing', () => {
          assert.deepStrictEqual(describeFindings(expandSnippet(s.body)), []);
          assert.deepStrictEqual(describeFindings(expandSnippet(s.body, { indentUnit: '\t' })), [], 'indented with tabs');
        });
        return;
      }
      const host = hostFor(prefix);
      if (host) {
        it(`inserted into its host script, leaves nothing to report${host.expected.length ? ` (the host alone reports ${host.expected.join(', ')})` : ''}`, async () => {
          const alone = [...new Set(findings(host.text).map((f) => f.code))].sort();
          assert.deepStrictEqual(alone, host.expected, `the host alone should report exactly ${host.expected.join(', ') || 'nothing'}`);
          const text = embed(host.text, s.body, '    ');
          await assertParses(text, `${prefix} in its host`);
          assert.deepStrictEqual(describeFindings(text), []);
        });
      } else {
        it('alone, Train Guard reports nothing on it', () => {
          assert.deepStrictEqual(describeFindings(expandSnippet(s.body)), []);
        });
      }
    });
  }

  it('is what "Train Guard: Insert template..." lists: every snippet, its prefix, label and whole body', () => {
    const list = parseTemplates(fs.readFileSync(SNIPPETS_FILE, 'utf8'));
    assert.deepStrictEqual(list.map((t) => t.prefix), [...snippets.keys()]);
    for (const t of list) {
      const s = snippets.get(t.prefix)!;
      assert.strictEqual(t.body, s.body.join('\n'));
      assert.strictEqual(t.description, s.description);
      assert.ok(templateLabel(t).length > 0 && !templateLabel(t).startsWith('Train Guard'), `label of ${t.prefix}`);
      assert.strictEqual(findTemplate(list, t.prefix), t);
      assert.strictEqual(findTemplate(list, t.name), t);
    }
    assert.strictEqual(findTemplate(list, 'tg-nothing'), undefined);
    assert.throws(() => parseTemplates('{"x": {"prefix": "tg-x"}}'), /no prefix or body/);
    assert.throws(() => parseTemplates('[]'), /not a JSON object/);
  });

  it('tg-train: its config fits its own default budget, and TG101 does check it (a 10-minute budget is reported)', () => {
    const body = snippets.get('tg-train')!.body.join('\n');
    assert.match(body, /# trainguard: budget=\$\{1:30m\} gpu=\$\{2\|A10,/, 'tg-train starts its config with the budget directive, A10 first');
    const fits = analyzeText(expandSnippet(body));
    assert.strictEqual(fits.directives.budgetMinutes, 30);
    assert.strictEqual(fits.directives.gpu, 'A10');
    assert.deepStrictEqual(fits.findings.map((f) => f.code), []);
    const tight = findings(expandSnippet(body.replace('${1:30m}', '${1:10m}')));
    assert.deepStrictEqual(tight.map((f) => f.code), ['TG101'], 'with 10 minutes the same config must not fit');
  });

  it('tg-budget: every offered GPU gives a directive Train Guard reads as written', () => {
    const s = snippets.get('tg-budget')!;
    const body = s.body.join('\n');
    const choices = /\$\{2\|([^|]*)\|\}/.exec(body);
    assert.ok(choices, 'tg-budget offers its GPUs as a choice ${2|...|}');
    for (const gpu of choices[1].split(',')) {
      const text = expandSnippet(body.replace(choices[0], gpu));
      const r = analyzeText(text);
      assert.deepStrictEqual(r.findings.map((f) => f.code), [], `gpu=${gpu}`);
      assert.strictEqual(r.directives.gpu, gpu);
      assert.strictEqual(r.directives.budgetMinutes, 30);
      assert.deepStrictEqual(r.directives.problems, []);
    }
  });

  it('tg-throughput: is the Throughput class of the measure script the budget panel opens, which times with it', async () => {
    const gen = require(path.join(ROOT, 'scripts', 'throughput-snippet.js')) as { updatedSnippets(json: string, script: string): string; snippetBody(script: string): string[] };
    const json = fs.readFileSync(SNIPPETS_FILE, 'utf8');
    const script = fs.readFileSync(path.join(ROOT, 'snippets', 'measure-throughput.py'), 'utf8');
    assert.strictEqual(gen.updatedSnippets(json, script), json, 'the snippet differs from the script\'s class: run node scripts/throughput-snippet.js');
    assert.deepStrictEqual(gen.snippetBody(script), snippets.get('tg-throughput')!.body);
    // a change to the class changes the snippet
    assert.notStrictEqual(gen.updatedSnippets(json, script.replace('self.warmup = max(1, warmup)', 'self.warmup = max(2, warmup)')), json);
    assert.throws(() => gen.snippetBody(script.replace('class Throughput:', 'class Timer:')), /no top-level `class Throughput:`/);
    // the script times its steps with that class, nothing else
    assert.match(script, /^ {4}meter = Throughput\(warmup=a\.warmup\)$/m);
    assert.doesNotMatch(script.slice(script.indexOf('def main(')), /perf_counter/);
    assert.strictEqual(await pythonSyntaxError(script), null);
  });
});
