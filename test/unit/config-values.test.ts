/**
 * The config-value resolver: constants spelled through module constants, config dicts / classes /
 * dataclasses / namespaces, argparse defaults, parameters, returns, overrides; unknown stays unknown.
 * Each case evaluates the arguments of a `show(...)` call in the snippet.
 */
import * as assert from 'assert';
import { parsePython } from '../../server/src/analysis/parser';
import { PythonModel } from '../../server/src/analysis/model';
import type { Node } from '../../server/src/analysis/parser';
import { constantValue, intValue, pathTemplates, resolveConstant, resolveValues, scriptConstant, PyMapping } from '../../server/src/analysis/config-values';
import { ready } from './helpers';

function model(text: string): PythonModel {
  return new PythonModel(parsePython(text), text);
}

/** The arguments of the `n`-th `show(...)` call. */
function shown(m: PythonModel, n = 0): Node[] {
  const calls = m.calls.filter((c) => c.callee.type === 'identifier' && c.callee.text === 'show');
  assert.ok(calls[n], `no show() call #${n}`);
  return calls[n].args;
}

/** Every value each argument may have (null when unknown). */
function possibleValuesForTest(text: string, n = 0): unknown[] {
  const m = model(text);
  return shown(m, n).map((a) => resolveValues(m, a)?.map((r) => r.value) ?? null);
}

function values(text: string, n = 0): unknown[] {
  const m = model(text);
  return shown(m, n).map((a) => {
    const v = constantValue(m, a);
    return v instanceof PyMapping ? '<mapping>' : v;
  });
}

describe('config-values: constantValue', () => {
  before(ready);

  it('follows module constants, arithmetic and the last unconditional assignment', () => {
    assert.deepStrictEqual(values('BS = 16\nX = 1\nX = 2\nshow(BS, BS * 2 + 1, 2 ** 5 // 3, -BS, X, 1_000, 0x10, "a" "b")'), [16, 33, 10, -16, 2, 1000, 16, 'ab']);
  });

  it('is unknown when two paths give different values, known when they agree', () => {
    assert.deepStrictEqual(values('X = 1\nif c:\n    X = 3\nY = 4\nif c:\n    Y = 4\nshow(X, Y)'), [undefined, 4]);
    assert.deepStrictEqual(possibleValuesForTest('X = 1\nif c:\n    X = 3\nshow(X)'), [[1, 3]]);
  });

  it('reads config dicts, dict(), nested entries, .get with a default', () => {
    assert.deepStrictEqual(
      values('CFG = {"bs": 32, "inner": {"img": 224}, **{"lr": 0.1}}\nD = dict(workers=8)\nshow(CFG["bs"], CFG["inner"]["img"], CFG["lr"], D["workers"], CFG.get("epochs", 10), CFG.get("bs"))'),
      [32, 224, 0.1, 8, 10, 32],
    );
  });

  it('reads config classes, nested classes, dataclass defaults and instances', () => {
    const src = [
      'from dataclasses import dataclass',
      'class CFG:',
      '    batch_size = 8',
      '    size: int = 224',
      '    class model:',
      '        name = "b0"',
      '@dataclass',
      'class Config:',
      '    bs: int = 12',
      '    lr: float = 1e-3',
      'class Plain:',
      '    def __init__(self, workers=4):',
      '        self.workers = workers',
      '        self.bs = 64',
      'cfg = Config(bs=20)',
      'default = Config()',
      'p = Plain()',
      'show(CFG.batch_size, CFG.size, CFG.model.name, cfg.bs, default.bs, Config.lr, p.workers, p.bs)',
    ].join('\n');
    assert.deepStrictEqual(values(src), [8, 224, 'b0', 20, 12, 0.001, 4, 64]);
  });

  it('reads class attributes inherited from the file\'s own base classes', () => {
    const src = [
      'class Base:',
      '    epochs = 10',
      '    bs = 8',
      'class CFG(Base):',
      '    bs = 16',
      'class Other(CFG):',
      '    pass',
      'class WithInit:',
      '    def __init__(self):',
      '        self.lr = 0.1',
      'class Child(WithInit):',
      '    lr = 0.5',
      'show(CFG.epochs, CFG.bs, Other.epochs, Other.bs, Other().bs, Child.lr, Child().lr)',
    ].join('\n');
    // Child() runs the base's __init__, which may set anything: unknown
    assert.deepStrictEqual(values(src), [10, 16, 10, 16, 16, 0.5, undefined]);
  });

  it('reads argparse defaults by dest, with type conversion, flags and set_defaults', () => {
    const src = [
      'import argparse',
      'parser = argparse.ArgumentParser()',
      'parser.add_argument("--batch-size", type=int, default=64)',
      'parser.add_argument("-w", "--num_workers", default="4", type=int)',
      'parser.add_argument("--amp", action="store_true")',
      'group = parser.add_argument_group("data")',
      'group.add_argument("--img", default=384, dest="image_size")',
      'parser.add_argument("--epochs", default=5)',
      'parser.set_defaults(epochs=7)',
      'parser.add_argument("data_dir")',
      'args = parser.parse_args()',
      'show(args.batch_size, args.num_workers, args.amp, args.image_size, args.epochs, args.data_dir)',
    ].join('\n');
    assert.deepStrictEqual(values(src), [64, 4, false, 384, 7, undefined]);
  });

  it('reads namespaces and overrides written later (which make a value unknown when they differ)', () => {
    const src = [
      'from types import SimpleNamespace',
      'ns = SimpleNamespace(bs=10, n=2)',
      'C = {"bs": 16}',
      'C["bs"] = 32',
      'class K:',
      '    bs = 8',
      'K.bs = 8',
      'show(ns.bs, ns.n, C["bs"], K.bs)',
    ].join('\n');
    assert.deepStrictEqual(values(src), [10, 2, undefined, 8]);
  });

  it('resolves parameters from call sites and defaults, and per call-site context', () => {
    const src = ['def f(bs=5):', '    show(bs)', '    return bs', 'f()', 'f(7)', 'show(f(3), f(), f(bs=9))'].join('\n');
    assert.deepStrictEqual(possibleValuesForTest(src, 0), [[7, 3, 9, 5]]);
    assert.deepStrictEqual(values(src, 1), [3, 5, 9]);
  });

  it('prunes the branches of a local function decided by the caller constant', () => {
    const src = ['def get(mode):', '    if mode == "train":', '        return 64', '    elif mode == "valid":', '        return 128', '    return 1', 'show(get("train"), get("valid"), get("test"), get(x))'].join('\n');
    assert.deepStrictEqual(values(src), [64, 128, 1, undefined]);
  });

  it('never guesses run-time values', () => {
    const src = 'import os\nBS = int(os.environ.get("BS", 16))\nN = os.cpu_count()\nshow(BS, N, undefined_name, len(x))';
    assert.deepStrictEqual(values(src), [undefined, undefined, undefined, undefined]);
  });

  it('is unknown for a value a loop carries round from a later assignment', () => {
    // `best` is 0 on the first pass only; `step` grows until the loop ends
    const src = ['best = 0', 'for acc in scores:', '    if acc > best:', '        show(best)', '        best = acc', 'step = 0', 'while step < 10:', '    show(step)', '    step += 1'].join('\n');
    assert.deepStrictEqual(values(src, 0), [undefined]);
    assert.deepStrictEqual(values(src, 1), [undefined]);
    // ...but an assignment earlier in the same iteration overwrites what came round, and the
    // iterable of a `for` is read once, before the loop
    const fresh = ['n = 1', 'for i in range(n):', '    k = 4', '    show(k, n)', '    k = 5', '    n = 3'].join('\n');
    assert.deepStrictEqual(values(fresh), [4, undefined]);
    assert.deepStrictEqual(values(['n = 1', 'for i in range(n):', '    n = 3', 'show(n)'].join('\n')), [undefined]);
    const iterable = model(['n = 1', 'for i in range(n):', '    n = 3'].join('\n'));
    const rangeArg = iterable.calls.find((c) => c.callee.text === 'range')!.args[0];
    assert.strictEqual(constantValue(iterable, rangeArg), 1);
  });

  it('is unknown for a list or dict changed in place', () => {
    const src = ['losses = []', 'for b in batches:', '    losses.append(b)', 'CFG = {"bs": 16}', 'CFG.update(bs=32)', 'KEEP = [1, 2]', 'show(len(losses), losses, CFG["bs"], len(KEEP))'].join('\n');
    assert.deepStrictEqual(values(src), [undefined, undefined, undefined, 2]);
  });

  it('scriptConstant: argparse options are unknown (the command line may change them), the rest as constantValue', () => {
    const src = [
      'import argparse',
      'p = argparse.ArgumentParser()',
      'p.add_argument("--max-len", type=int, default=512)',
      'args = p.parse_args()',
      'LEN = 384',
      'class CFG:',
      '    out = "submission.csv"',
      'show(args.max_len, LEN, CFG.out, f"{CFG.out}.bak", True, None, [1], 1 if args.max_len else 2)',
    ].join('\n');
    const m = model(src);
    assert.deepStrictEqual(shown(m).map((a) => scriptConstant(m, a)), [undefined, 384, 'submission.csv', 'submission.csv.bak', true, null, undefined, undefined]);
    // the same expressions through constantValue still read the default (each call keeps its own cache)
    assert.strictEqual(constantValue(m, shown(m)[0]), 512);
    assert.strictEqual(scriptConstant(m, shown(m)[0]), undefined);
  });

  it('gives the literal that defines a value, so a fix can edit it there', () => {
    const m = model('BATCH = 15\nshow(BATCH, 15)');
    const [viaName, direct] = shown(m);
    const r = resolveConstant(m, viaName)!;
    assert.strictEqual(r.value, 15);
    assert.deepStrictEqual([r.node.type, r.node.startPosition.row, r.node.startPosition.column], ['integer', 0, 8]);
    assert.strictEqual(resolveConstant(m, direct)!.node.id, direct.id);
    assert.strictEqual(intValue(m, viaName), 15);
  });

  it('builds path templates through f-strings, os.path.join and pathlib', () => {
    const m = model(
      [
        'import os',
        'from pathlib import Path',
        'OUT = "/kaggle/working"',
        'name = "sub"',
        'show(f"{OUT}/submission.csv", os.path.join(OUT, "x", f"fold{k}_submission.csv"), Path(OUT) / "submission.csv", OUT + "/oof.csv", "{}/s.csv".format(d))',
      ].join('\n'),
    );
    assert.deepStrictEqual(
      shown(m).map((a) => pathTemplates(m, a)),
      [['/kaggle/working/submission.csv'], ['/kaggle/working/x/fold*_submission.csv'], ['/kaggle/working/submission.csv'], ['/kaggle/working/oof.csv'], ['*/s.csv']],
    );
  });

  it('does not throw on broken or cyclic input', () => {
    for (const src of ['A = B\nB = A\nshow(A)', 'def f(x):\n    return f(x)\nshow(f(1))', 'show(((((', 'x = [1, *y]\nshow(x[0], {}[1], (1,)[5])']) {
      const m = model(src);
      for (const call of m.calls) for (const a of call.args) assert.doesNotThrow(() => constantValue(m, a));
    }
    assert.deepStrictEqual(values('A = B\nB = A\nshow(A)'), [undefined]);
  });
});
