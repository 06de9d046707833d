/**
 * The four headline fixes (TG303, TG701, TG211, TG203) on every invalid fixture rewritten in other
 * conventions: tabs, 2 spaces, 4 spaces, CRLF, no final newline, and tabs + CRLF + no final newline
 * together. For each variant: the same lines are reported, the fix round-trips (helpers.ts), fix-all is
 * idempotent, and the fixed variant is exactly the fixed base rewritten the same way, so the fix
 * followed the file's own indentation and line endings and did not depend on them.
 * Then: the fixed base compiles with python3 (`compile`, which also rejects `break` outside a loop,
 * `return` outside a function...) and uses no name the file does not define (a symtable check);
 * and where a name cannot be resolved, the finding stays and no fix is offered.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { fixAll } from '../../server/src/fixes/apply';
import { SourceText } from '../../server/src/analysis/source';
import { ready, findings, ruleFixtures, expectedLines, checkFixRoundTrip, checkFixAllIdempotent } from './helpers';

const HEADLINE = ['TG303', 'TG701', 'TG211', 'TG203'];

/** Leading white space rewritten from the file's own unit to `unit` (a line's extra spaces kept). */
export function reindent(text: string, unit: string): string {
  const base = new SourceText(text).indentUnit;
  const width = base === '\t' ? 4 : base.length;
  return text.replace(/^[ \t]+/gm, (ws) => {
    let units = 0;
    let spaces = 0;
    for (const c of ws) {
      if (c === '\t') {
        units += 1 + Math.floor(spaces / width);
        spaces = 0;
      } else spaces++;
    }
    units += Math.floor(spaces / width);
    return unit.repeat(units) + ' '.repeat(spaces % width);
  });
}

export const toLf = (t: string) => t.replace(/\r\n?/g, '\n');
const toCrlf = (t: string) => toLf(t).replace(/\n/g, '\r\n');
const noFinalNewline = (t: string) => t.replace(/(\r\n|\n|\r)+$/, '');

export const VARIANTS: [string, (t: string) => string][] = [
  ['tabs', (t) => reindent(t, '\t')],
  ['2 spaces', (t) => reindent(t, '  ')],
  ['4 spaces', (t) => reindent(t, '    ')],
  ['CRLF', toCrlf],
  ['no final newline', noFinalNewline],
  ['tabs + CRLF + no final newline', (t) => noFinalNewline(toCrlf(reindent(t, '\t')))],
];

describe('headline fixes in every indentation and line-ending variant', () => {
  before(ready);
  for (const code of HEADLINE) {
    describe(code, () => {
      for (const fx of ruleFixtures(code).filter((f) => f.kind === 'invalid')) {
        const opts = { workspace: fx.workspace };
        const base = toLf(fx.text);
        let baseFixed: string | null | undefined; // computed once per fixture, on first use
        const fixedBase = () => {
          if (baseFixed === undefined) baseFixed = findings(base, undefined, opts).some((f) => f.code === code && f.fix) ? fixAll(base, { ...opts, codes: [code] }).text : null;
          return baseFixed;
        };
        for (const [variant, transform] of VARIANTS) {
          const text = transform(base);
          if (text === base) continue; // the fixture itself: rules.test.ts covers it
          it(`${fx.name}: ${variant}`, async () => {
            const all = findings(text, undefined, opts);
            assert.deepStrictEqual(all.filter((f) => f.code === code).map((f) => f.range.start.line + 1), expectedLines(base, code), 'reported lines');
            const first = all.find((f) => f.code === code && f.fix);
            const expected = fixedBase();
            assert.strictEqual(!!first, expected !== null, `the fix is offered on the ${expected !== null ? 'base but not on the variant' : 'variant but not on the base'}`);
            if (!first || expected === null) return;
            await checkFixRoundTrip(text, first, code, opts);
            const fixed = checkFixAllIdempotent(text, [code], opts);
            assert.strictEqual(fixed, transform(expected), 'the fixed variant differs from the fixed base rewritten the same way');
            if (variant.includes('CRLF')) assert.ok(!/[^\r]\n/.test(fixed), 'a bare LF in a CRLF file');
            else assert.ok(!fixed.includes('\r'), 'a CR in an LF file');
          });
        }
      }
    });
  }
});

/**
 * For each text: the compile error, or the names read but bound nowhere (module, enclosing scopes,
 * builtins), from python3's symtable. One python3 run for the whole batch.
 */
const PY_CHECK = `
import builtins, json, symtable, sys
KNOWN = set(dir(builtins)) | {'__file__', '__name__', '__doc__', '__spec__', '__loader__', '__package__', '__builtins__'}
def check(src):
    try:
        compile(src, '<fixed>', 'exec')
        top = symtable.symtable(src, '<fixed>', 'exec')
    except SyntaxError as e:
        return {'error': '%s (line %s)' % (e.msg, e.lineno)}
    bound = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported() or s.is_namespace() or s.is_parameter()}
    if any(s.get_name() == '*' for s in top.get_symbols()):
        return {'undefined': []}
    out = set()
    def walk(t):
        for s in t.get_symbols():
            n = s.get_name()
            if not s.is_referenced() or n in KNOWN or n in bound:
                continue
            if t.get_type() == 'module' or s.is_global():
                out.add(n)
        for c in t.get_children():
            walk(c)
    walk(top)
    return {'undefined': sorted(out)}
print(json.dumps([check(src) for src in json.load(sys.stdin)]))
`;

export function pyCheck(texts: string[]): { error?: string; undefined?: string[] }[] {
  const r = spawnSync('python3', ['-I', '-c', PY_CHECK], { input: JSON.stringify(texts), encoding: 'utf8' });
  assert.strictEqual(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe('headline fixes write complete code', () => {
  before(ready);
  it('every fixed base fixture compiles and reads no name the file does not bind', () => {
    const pairs: { name: string; before: string; after: string }[] = [];
    for (const code of HEADLINE) {
      for (const fx of ruleFixtures(code).filter((f) => f.kind === 'invalid')) {
        const after = fixAll(fx.text, { workspace: fx.workspace, codes: [code] }).text;
        if (after !== fx.text) pairs.push({ name: `${code}/${fx.name}`, before: fx.text, after });
      }
    }
    assert.ok(pairs.length >= 12, `expected a fixed text for most headline fixtures, got ${pairs.length}`);
    const results = pyCheck(pairs.flatMap((p) => [p.before, p.after]));
    pairs.forEach((p, i) => {
      const [before, after] = [results[2 * i], results[2 * i + 1]];
      assert.strictEqual(after.error, undefined, `${p.name}: the fixed file does not compile: ${after.error}\n${p.after}`);
      const added = (after.undefined ?? []).filter((n) => !(before.undefined ?? []).includes(n));
      assert.deepStrictEqual(added, [], `${p.name}: the fix reads names bound nowhere\n${p.after}`);
    });
  });

  it('the symtable check itself sees an unbound name and a break outside a loop', () => {
    const [unbound, outside, fine] = pyCheck(['import os\nprint(torch.zeros(1))\n', 'x = 1\nbreak\n', 'def f(a):\n    return a + len([])\n']);
    assert.deepStrictEqual(unbound.undefined, ['torch']);
    assert.match(outside.error ?? '', /outside loop/);
    assert.deepStrictEqual(fine.undefined, []);
  });
});

describe('no headline fix where a name cannot be resolved (the finding stays)', () => {
  before(ready);
  const cases: [string, string, string][] = [
    [
      'TG211',
      'the batch is a dict fed with ** (no input / target names to wire)',
      // (the function is called: an uncalled one is library code, judged where it is called)
      'import torch\n\n\ndef fit(model, batches, opt):\n    for epoch in range(3):\n        for batch in batches:\n            loss = model(**batch).loss\n            loss.backward()\n            opt.step()\n            opt.zero_grad()\n\n\nfit(load_model(), load_batches(), make_optimizer())\n',
    ],
    [
      'TG701',
      'the checkpoint path comes from a call, with no "best" string to rename',
      'import torch\n\nmodel = torch.nn.Linear(8, 2).cuda()\nopt = torch.optim.Adam(model.parameters())\nloader = []\n\n\ndef path_for(epoch):\n    return "ckpt"\n\n\nbest = 1e9\nfor epoch in range(10):\n    for x, y in loader:\n        loss = model(x.cuda()).sum()\n        loss.backward()\n        opt.step()\n        opt.zero_grad()\n    val = 0.5\n    if val < best:\n        best = val\n        torch.save(model.state_dict(), path_for(epoch))\n',
    ],
    [
      'TG203',
      'the batch index is thrown away (`for _, (x, y) in enumerate(loader)`)',
      'import torch\n\nmodel = torch.nn.Linear(10, 2).cuda()\nopt = torch.optim.SGD(model.parameters(), lr=0.1)\nloader = []\n\nfor epoch in range(5):\n    for _, (x, y) in enumerate(loader):\n        x, y = x.cuda(), y.cuda()\n        opt.zero_grad()\n        loss = torch.nn.functional.cross_entropy(model(x), y)\n        loss.backward()\n        opt.step()\n',
    ],
    [
      'TG203',
      'enumerate starts at a value we cannot read (the first-batch test would be wrong)',
      'import torch\n\nmodel = torch.nn.Linear(10, 2).cuda()\nopt = torch.optim.SGD(model.parameters(), lr=0.1)\nloader = []\nFIRST = 1\n\nfor epoch in range(5):\n    for i, (x, y) in enumerate(loader, FIRST):\n        x, y = x.cuda(), y.cuda()\n        opt.zero_grad()\n        loss = torch.nn.functional.cross_entropy(model(x), y)\n        loss.backward()\n        opt.step()\n',
    ],
    [
      'TG303',
      'the autocast body sits on the header line (no block to move the loss into)',
      'import torch\nfrom torch.amp import autocast\n\nmodel = torch.nn.Linear(3, 1).cuda()\ncriterion = torch.nn.MSELoss()\n\n\ndef step(x, y):\n    with autocast("cuda"): pred = model(x)\n    err = criterion(pred, y)\n    err.backward()\n',
    ],
  ];
  for (const [code, name, text] of cases) {
    it(`${code}: ${name}`, () => {
      const got = findings(text, [code]).filter((f) => f.code === code);
      assert.strictEqual(got.length, 1, `${code} must still be reported`);
      assert.strictEqual(got[0].fix, undefined, `${code} offered a fix it cannot make right:\n${JSON.stringify(got[0].fix?.edits)}`);
    });
  }
});
