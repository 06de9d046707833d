/**
 * The injection grammar for Train Guard's comment directives
 * (syntaxes/trainguard-directives.tmLanguage.json), tokenised as VS Code does it: vscode-textmate +
 * vscode-oniguruma (onig.wasm read from node_modules), injected into the real Python grammar
 * (VS Code's MagicPython.tmLanguage.json, as the npm package tm-grammars ships it). Codes, keys and
 * values get their scopes; plain comments, strings and malformed directives get none; and what is
 * highlighted agrees with what server/src/analysis/directives.ts reads from the same line.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as oniguruma from 'vscode-oniguruma';
import * as vsctm from 'vscode-textmate';
import { analyzeText } from '../../server/src/analysis/analyze';
import { ready, ROOT } from './helpers';

const OURS = 'trainguard.directives.injection';

interface Token {
  text: string;
  scopes: string[];
}

let grammar: vsctm.IGrammar;

async function loadGrammar(): Promise<vsctm.IGrammar> {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const contributed = (pkg.contributes.grammars as { scopeName: string; path: string; injectTo?: string[] }[]).find((g) => g.scopeName === OURS);
  assert.ok(contributed, `package.json contributes no grammar ${OURS}`);
  assert.deepStrictEqual(contributed.injectTo, ['source.python']);
  const oursPath = path.join(ROOT, contributed.path);
  const pythonPath = require.resolve('tm-grammars/grammars/python.json');
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources: string[]) => new oniguruma.OnigScanner(sources),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName: string) => {
      const file = scopeName === 'source.python' ? pythonPath : scopeName === OURS ? oursPath : null;
      return file ? vsctm.parseRawGrammar(fs.readFileSync(file, 'utf8'), file) : null;
    },
    getInjections: (scopeName: string) => (scopeName === 'source.python' ? [OURS] : undefined),
  });
  const g = await registry.loadGrammar('source.python');
  assert.ok(g, 'the Python grammar did not load');
  return g;
}

function tokenize(line: string): Token[] {
  const r = grammar.tokenizeLine(line, vsctm.INITIAL);
  return r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
}

const ours = (t: Token) => t.scopes.some((s) => s.endsWith('.trainguard'));

/** The scopes of the token whose text is exactly `text` (the n-th such token). */
function scopesOf(tokens: Token[], text: string, n = 0): string[] {
  const hits = tokens.filter((t) => t.text === text);
  assert.ok(hits[n], `no token "${text}" (#${n}) in ${JSON.stringify(tokens.map((t) => t.text))}`);
  return hits[n].scopes;
}

function assertScope(line: string, text: string, scope: string, n = 0): void {
  const scopes = scopesOf(tokenize(line), text, n);
  assert.ok(scopes.includes(scope), `"${text}" in ${JSON.stringify(line)} has ${scopes.join(' ')}, not ${scope}`);
  assert.ok(scopes.includes('comment.line.number-sign.python'), `"${text}" is no longer inside the Python comment`);
}

function highlightedCodes(line: string): string[] {
  return tokenize(line).filter((t) => t.scopes.includes('constant.language.rule-code.trainguard')).map((t) => t.text);
}

/** What directives.ts reads from the line: suppressed codes (as they can match a rule), budget, gpu, problems. */
function parsed(line: string) {
  const r = analyzeText(line);
  const d = r.directives;
  const codes = [...[...d.lines.values()].flat().flatMap((s) => s.codeRanges.map((c) => c.code)), ...d.fileRanges.map((c) => c.code)].filter((c) => /^[A-Z]+[0-9]+$/.test(c));
  const all = [...d.lines.values()].flat().some((s) => s.codes === null) || d.fileAll;
  return { codes, all, budget: d.budgetMinutes, gpu: d.gpu, problems: d.problems.length };
}

describe('trainguard-directives grammar (injected into the Python grammar)', () => {
  before(async function () {
    await ready();
    grammar = await loadGrammar();
  });

  it('scopes noqa and its codes', () => {
    const line = 'x = f()  # noqa: TG303';
    assertScope(line, 'noqa', 'keyword.control.directive.trainguard');
    assertScope(line, ':', 'punctuation.separator.key-value.trainguard');
    assertScope(line, 'TG303', 'constant.language.rule-code.trainguard');
    assert.ok(!tokenize(line).filter((t) => t.text.includes('f()')).some(ours), 'the code before the comment is untouched');
  });

  it('scopes every code of a list and its commas', () => {
    const line = 'loss = crit(out, y)  # noqa: TG303, TG701';
    assertScope(line, 'TG303', 'constant.language.rule-code.trainguard');
    assertScope(line, 'TG701', 'constant.language.rule-code.trainguard');
    assertScope(line, ',', 'punctuation.separator.comma.trainguard', 1); // the first "," is Python's
    assert.deepStrictEqual(highlightedCodes('# NOQA:E501,TG303 TG701 because float32 on purpose'), ['E501', 'TG303', 'TG701']);
    const tail = tokenize('# noqa: TG303 because float32').find((t) => t.text.includes('because'));
    assert.ok(tail && !ours(tail), 'words after the codes stay a plain comment');
  });

  it('scopes a bare noqa', () => {
    assertScope('y = 1  # noqa', 'noqa', 'keyword.control.directive.trainguard');
    assertScope('y = 1  # NoQA, the whole line', 'NoQA', 'keyword.control.directive.trainguard');
  });

  it('scopes trainguard: ignore[...] and ignore-file[...]', () => {
    const line = '# trainguard: ignore[TG303]';
    assertScope(line, 'trainguard', 'keyword.control.directive.trainguard');
    assertScope(line, 'ignore', 'keyword.control.directive.ignore.trainguard');
    assertScope(line, '[', 'punctuation.definition.list.begin.trainguard');
    assertScope(line, 'TG303', 'constant.language.rule-code.trainguard');
    assertScope(line, ']', 'punctuation.definition.list.end.trainguard');
    const file = '# trainguard: ignore-file[TG205, TG701]';
    assertScope(file, 'ignore-file', 'keyword.control.directive.ignore.trainguard');
    assert.deepStrictEqual(highlightedCodes(file), ['TG205', 'TG701']);
    assertScope('# trainguard: ignore-file', 'ignore-file', 'keyword.control.directive.ignore.trainguard');
    assertScope('model.fit(x)  # see the notes # trainguard: ignore[TG312]', 'TG312', 'constant.language.rule-code.trainguard');
  });

  it('scopes budget and gpu keys and values', () => {
    const line = '# trainguard: budget=30m gpu=T4';
    assertScope(line, 'budget', 'variable.parameter.key.trainguard');
    assertScope(line, 'gpu', 'variable.parameter.key.trainguard');
    assertScope(line, '=', 'keyword.operator.assignment.trainguard', 0);
    assertScope(line, '=', 'keyword.operator.assignment.trainguard', 1);
    assertScope(line, '30', 'constant.numeric.duration.trainguard');
    assertScope(line, 'm', 'keyword.other.unit.trainguard');
    assertScope(line, 'm', 'constant.numeric.duration.trainguard');
    assertScope(line, 'T4', 'string.unquoted.gpu.trainguard');
    assertScope('# TrainGuard: gpu=A100 budget=1.5h', '1.5', 'constant.numeric.duration.trainguard');
    assertScope('# TrainGuard: gpu=A100 budget=1.5h', 'A100', 'string.unquoted.gpu.trainguard');
    assert.deepStrictEqual(highlightedCodes('# trainguard: gpu=A100 budget=45'), [], 'a GPU name is not a rule code');
    assertScope('# trainguard: gpu=A100 budget=45', '45', 'constant.numeric.duration.trainguard');
  });

  const PLAIN = [
    '# a plain comment about TG303 and noqa',
    '# TODO: budget=30m for this one',
    's = "# noqa: TG303"',
    "t = '# trainguard: budget=30m gpu=T4'",
    'u = f"{x} # trainguard: ignore[TG303]"',
    '"""A docstring # noqa: TG303 # trainguard: ignore-file[TG205]"""',
    "pattern = re.compile(r'''\\d+  # noqa: TG303''', re.X)",
    'x = 1  # type: ignore',
  ];
  for (const line of PLAIN) {
    it(`leaves alone: ${line}`, () => {
      const touched = tokenize(line).filter(ours);
      assert.deepStrictEqual(touched.map((t) => `${t.text}: ${t.scopes.join(' ')}`), []);
    });
  }

  it('the raw triple-quoted string case really has a comment inside a string (so "-string" matters)', () => {
    const tokens = tokenize("pattern = re.compile(r'''\\d+  # noqa: TG303''', re.X)");
    const inner = tokens.find((t) => t.text.includes('noqa'));
    assert.ok(inner, 'no token with noqa');
    assert.ok(inner.scopes.some((s) => s.startsWith('string.')), `expected a string scope: ${inner.scopes.join(' ')}`);
    assert.ok(inner.scopes.includes('comment.line.number-sign.python'), `expected a comment scope: ${inner.scopes.join(' ')}`);
  });

  // malformed: directives.ts does not apply them (a problem for TG002, or no effect), so they are not highlighted
  const MALFORMED = [
    '# noqa:',
    '# noqa: because float32',
    '# trainguard: ignore[TG303',
    '# trainguard: ignore[]',
    '# trainguard: ignore[TG303 because]',
    '# trainguard: ignore TG303',
    '# trainguard: budget=soon',
    '# trainguard: budget=0m',
    '# trainguard: budget=30m color=red',
    '# trainguard: gpu',
    '# trainguard:',
    '# trainguard ignore[TG303]',
  ];
  for (const line of MALFORMED) {
    it(`does not highlight the malformed: ${line}`, () => {
      const touched = tokenize(line).filter(ours);
      assert.deepStrictEqual(touched.map((t) => `${t.text}: ${t.scopes.join(' ')}`), []);
    });
  }

  it('agrees with directives.ts: highlighted lines are read as highlighted, the others are reported or have no effect', () => {
    const valid: { line: string; codes: string[]; all?: boolean; budget?: number; gpu?: string }[] = [
      { line: 'x = f()  # noqa: TG303', codes: ['TG303'] },
      { line: 'x = f()  # noqa: TG303, TG701', codes: ['TG303', 'TG701'] },
      { line: '# NOQA:E501,TG303 TG701 because float32 on purpose', codes: ['E501', 'TG303', 'TG701'] },
      { line: 'y = 1  # noqa', codes: [], all: true },
      { line: '# trainguard: ignore[TG303]', codes: ['TG303'] },
      { line: '# trainguard: ignore-file[TG205, TG701]', codes: ['TG205', 'TG701'] },
      { line: '# trainguard: ignore-file', codes: [], all: true },
      { line: '# trainguard: budget=30m gpu=T4', codes: [], budget: 30, gpu: 'T4' },
      { line: '# TrainGuard: gpu=A100 budget=1.5h', codes: [], budget: 90, gpu: 'A100' },
      { line: 'x = 1  # noqa: TG303 # trainguard: ignore[TG701]', codes: ['TG303', 'TG701'] },
      { line: 'x = 1  # trainguard: ignore[TG701]  # noqa: E501', codes: ['TG701', 'E501'] },
      { line: '# trainguard: Ignore[tg303]  # the loss is float32 on purpose', codes: ['TG303'] },
      { line: '# noqa: tg303', codes: ['TG303'] },
      { line: '# noqa : TG303', codes: ['TG303'] },
      { line: '# noqa: TG303x', codes: ['TG303'] },
      { line: '# trainguard: budget=0.5h gpu=T4#fast', codes: [], budget: 30, gpu: 'T4' },
    ];
    for (const c of valid) {
      const p = parsed(c.line);
      const sorted = (xs: string[]) => [...xs].sort();
      assert.deepStrictEqual({ ...p, codes: sorted(p.codes) }, { codes: sorted(c.codes), all: c.all ?? false, budget: c.budget ?? null, gpu: c.gpu ?? null, problems: 0 }, `directives.ts on ${c.line}`);
      assert.deepStrictEqual(sorted(highlightedCodes(c.line).map((x) => x.toUpperCase())), sorted(c.codes), `grammar on ${c.line}`);
      assert.ok(tokenize(c.line).some(ours), `${c.line} is not highlighted`);
    }
    for (const line of [...MALFORMED, ...PLAIN.filter((l) => l.startsWith('#'))]) {
      const p = parsed(line);
      const noEffect = !p.codes.length && !p.all && p.budget === null && p.gpu === null;
      assert.ok(p.problems > 0 || noEffect, `directives.ts applies ${line} without a problem: ${JSON.stringify(p)}`);
      assert.ok(!tokenize(line).some(ours), `${line} is highlighted`);
    }
  });
});
