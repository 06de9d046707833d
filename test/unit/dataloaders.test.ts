/**
 * DataLoader facts (use decided by the consuming code, factory instances per call site, whether a
 * pass's predictions are written out, test data), mixup detection, submission frames and the
 * "derived from" fact.
 */
import * as assert from 'assert';
import { parsePython } from '../../server/src/analysis/parser';
import { PythonModel } from '../../server/src/analysis/model';
import { builtFromTestData, dataLoaders, loaderInstances, useWritesOut, type LoaderInfo } from '../../server/src/analysis/dataloaders';
import { mixupTrainingLoaders } from '../../server/src/analysis/augment';
import { frameShape, submissionWrites } from '../../server/src/analysis/submissions';
import { derivesFrom } from '../../server/src/analysis/derived';
import { ready } from './helpers';

function model(text: string): PythonModel {
  return new PythonModel(parsePython(text), text);
}

/** The loader whose DataLoader call is on (1-based) `line`. */
function loaderAt(m: PythonModel, line: number): LoaderInfo {
  const info = dataLoaders(m).find((i) => i.call.node.startPosition.row === line - 1);
  assert.ok(info, `no DataLoader on line ${line}`);
  return info!;
}

const kinds = (i: LoaderInfo) => [...new Set(i.uses.map((u) => u.kind))].sort();

describe('dataloaders: uses decided by the code that consumes them', () => {
  before(ready);

  const SCRIPT = [
    'import torch',
    'import pytorch_lightning as pl',
    'from torch.utils.data import DataLoader',
    'model = torch.nn.Linear(4, 2)',
    'opt = torch.optim.SGD(model.parameters(), lr=0.1)',
    'a = DataLoader(ds1, batch_size=8, shuffle=True)', // 6: trained on
    'b = DataLoader(ds2, batch_size=8)', // 7: evaluated
    'c = DataLoader(ds3, batch_size=8)', // 8: smoke test only
    'd = DataLoader(ds4, batch_size=8)', // 9: statistics only
    'e = DataLoader(ds5)', // 10: handed to Lightning
    'f = DataLoader(ds6)', // 11
    'g = DataLoader(ds7)', // 12
    'x, y = next(iter(c))',
    'for epoch in range(2):',
    '    for x, y in a:',
    '        torch.nn.functional.cross_entropy(model(x), y).backward()',
    '        opt.step()',
    '    with torch.no_grad():',
    '        for x, y in b:',
    '            model(x)',
    'mean = sum(x.mean() for x, _ in d)',
    'for x, _ in d:',
    '    print(x.shape)',
    'trainer = pl.Trainer()',
    'trainer.fit(lit, e, val_dataloaders=f)',
    'trainer.predict(lit, dataloaders=[g])',
  ].join('\n');

  it('classifies each loader by its consumer, not its name', () => {
    const m = model(SCRIPT);
    assert.deepStrictEqual(kinds(loaderAt(m, 6)), ['train']);
    assert.deepStrictEqual(kinds(loaderAt(m, 7)), ['eval']);
    assert.deepStrictEqual(kinds(loaderAt(m, 8)), ['smoke']);
    assert.deepStrictEqual(kinds(loaderAt(m, 9)), ['other']);
    assert.deepStrictEqual(kinds(loaderAt(m, 10)), ['framework-train']);
    assert.deepStrictEqual(kinds(loaderAt(m, 11)), ['framework-eval']);
    assert.deepStrictEqual(kinds(loaderAt(m, 12)), ['framework-predict']);
  });

  it('counts a whole model loaded from disk as running the model (an evaluation pass)', () => {
    const m = model(['import torch', 'from torch.utils.data import DataLoader', 'net = torch.load("model.pt").cuda().eval()', 'dl = DataLoader(ds)', 'for x in dl:', '    net(x.cuda())'].join('\n'));
    assert.deepStrictEqual(kinds(loaderAt(m, 4)), ['eval']);
  });

  it('gives a factory-built DataLoader one instance per factory call site', () => {
    const m = model(
      [
        'import torch',
        'from torch.utils.data import DataLoader',
        'def make(ds, shuffle):',
        '    return DataLoader(ds, batch_size=32, shuffle=shuffle)',
        'model = torch.nn.Linear(4, 2)',
        'opt = torch.optim.SGD(model.parameters(), lr=0.1)',
        'tr = make(train_ds, True)',
        'va = make(val_ds, False)',
        'for x, y in tr:',
        '    torch.nn.functional.cross_entropy(model(x), y).backward()',
        '    opt.step()',
        'for x, y in va:',
        '    model(x)',
      ].join('\n'),
    );
    const groups = loaderInstances(loaderAt(m, 4));
    assert.deepStrictEqual(
      groups.map((g) => [g.context.map((c) => c.node.startPosition.row + 1), g.training, g.evaluation]),
      [
        [[7], true, false],
        [[8], false, true],
      ],
    );
  });

  it('follows loaders through accelerator.prepare and function parameters', () => {
    const m = model(
      [
        'import torch',
        'from accelerate import Accelerator',
        'from torch.utils.data import DataLoader',
        'acc = Accelerator()',
        'model = torch.nn.Linear(4, 2)',
        'opt = torch.optim.SGD(model.parameters(), lr=0.1)',
        'loader = DataLoader(ds, batch_size=64)',
        'model, opt, loader = acc.prepare(model, opt, loader)',
        'def train_one_epoch(net, dl, o):',
        '    for x, y in dl:',
        '        acc.backward(torch.nn.functional.cross_entropy(net(x), y))',
        '        o.step()',
        'train_one_epoch(model, loader, opt)',
      ].join('\n'),
    );
    assert.deepStrictEqual(kinds(loaderAt(m, 7)), ['train']);
  });

  it('tells a metric-only pass from predictions written out or stored at fold indices', () => {
    const m = model(
      [
        'import numpy as np',
        'import pandas as pd',
        'import torch',
        'from sklearn.metrics import roc_auc_score',
        'from sklearn.model_selection import KFold',
        'from torch.utils.data import DataLoader',
        'model = torch.nn.Linear(4, 2)',
        'crit = torch.nn.CrossEntropyLoss()',
        'val = DataLoader(val_ds)', // 9: loss only
        'test = DataLoader(test_ds)', // 10: into the submission frame
        'oofl = DataLoader(fold_ds)', // 11: stored at fold indices
        'metric = DataLoader(m_ds)', // 12: a metric on the predictions only
        'losses = []',
        'for x, y in val:',
        '    losses.append(crit(model(x), y).item())',
        'history = {}',
        'history["val_loss"] = np.mean(losses)',
        'def predict(loader):',
        '    out = []',
        '    for x in loader:',
        '        out.append(model(x).softmax(1))',
        '    return torch.cat(out).numpy()',
        'sub = pd.read_csv("sample_submission.csv")',
        'sub["target"] = predict(test)',
        'oof = np.zeros(10)',
        'for tr, va in KFold(5).split(X):',
        '    oof[va] = predict(oofl)',
        'print(roc_auc_score(y, predict(metric)))',
      ].join('\n'),
    );
    const written = (line: number) => {
      const info = loaderAt(m, line);
      return info.uses.some((u) => useWritesOut(m, u, info));
    };
    assert.deepStrictEqual([written(9), written(10), written(11), written(12)], [false, true, true, false]);
  });

  it('recognises a loader built from test files only', () => {
    const m = model(
      [
        'import pandas as pd',
        'from torch.utils.data import DataLoader',
        'ROOT = "/kaggle/input/comp"',
        'test_df = pd.read_csv(f"{ROOT}/test.csv")',
        'train_df = pd.read_csv(f"{ROOT}/train.csv")',
        'a = DataLoader(ImageDS(test_df, tfm))',
        'b = DataLoader(ImageDS(train_df.iloc[idx], tfm))',
        'c = DataLoader(ImageDS(pd.concat([train_df, test_df]), tfm))',
      ].join('\n'),
    );
    assert.deepStrictEqual([6, 7, 8].map((l) => builtFromTestData(m, loaderAt(m, l))), [true, false, false]);
  });

  it('detects timm Mixup and hand-written mixup in the loop that trains, not a flip alone', () => {
    const base = [
      'import numpy as np',
      'import torch',
      'from timm.data import Mixup',
      'from torch.utils.data import DataLoader',
      'model = torch.nn.Linear(4, 2)',
      'opt = torch.optim.SGD(model.parameters(), lr=0.1)',
      'mix = Mixup(mixup_alpha=0.2)',
      'loader = DataLoader(ds, batch_size=64)',
      'for x, y in loader:',
    ];
    const tail = ['    torch.nn.functional.cross_entropy(model(x), y).backward()', '    opt.step()'];
    const timm = model([...base, '    x, y = mix(x, y)', ...tail].join('\n'));
    const custom = model([...base, '    lam = np.random.beta(0.4, 0.4)', '    x = lam * x + (1 - lam) * x.flip(0)', ...tail].join('\n'));
    const flip = model([...base, '    x = torch.flip(x, dims=[3])', ...tail].join('\n'));
    assert.deepStrictEqual(mixupTrainingLoaders(timm).map((l) => l.mixup.kind), ['timm']);
    assert.deepStrictEqual(mixupTrainingLoaders(custom).map((l) => l.mixup.kind), ['custom']);
    assert.deepStrictEqual(mixupTrainingLoaders(flip), []);
  });
});

describe('submissions: written frames', () => {
  before(ready);

  function shapeOfWrite(src: string, sample: string[] | null = null) {
    const m = model(src);
    const w = submissionWrites(m)[0];
    assert.ok(w, 'no submission write');
    const s = frameShape(m, w.frame, { sampleColumns: sample });
    return { columns: s.columns?.map((c) => c.name) ?? null, index: s.index.kind };
  }

  it('follows construction and the statements before the write', () => {
    assert.deepStrictEqual(shapeOfWrite('import pandas as pd\nsub = pd.DataFrame({"id": ids})\nsub["b"] = 1\nsub.insert(1, "a", 2)\nsub.to_csv("submission.csv")'), { columns: ['id', 'a', 'b'], index: 'default' });
    assert.deepStrictEqual(shapeOfWrite('import pandas as pd\ns = pd.read_csv("sample_submission.csv")\ns["label"] = p\ns.to_csv("out/submission.csv", index=False)', ['id', 'label']), { columns: ['id', 'label'], index: 'default' });
    assert.deepStrictEqual(shapeOfWrite('import pandas as pd\nt = pd.read_csv("test.csv")\ns = t[["id", "p"]].rename(columns={"p": "label"}).set_index("id")\ns.to_csv("submission.csv")'), { columns: ['label'], index: 'named' });
    assert.deepStrictEqual(shapeOfWrite('import pandas as pd\ns = pd.DataFrame({"id": ids})\nfor c in ["x", "y"]:\n    s[c] = 0\ns.to_csv("submission.csv")'), { columns: ['id', 'x', 'y'], index: 'default' });
  });

  it('is unknown when a column write is conditional or the frame comes from elsewhere', () => {
    assert.strictEqual(shapeOfWrite('import pandas as pd\ns = pd.DataFrame({"id": ids})\nif a:\n    s["x"] = 1\ns.to_csv("submission.csv")').columns, null);
    assert.strictEqual(shapeOfWrite('from lib import make\ns = make()\ns.to_csv("submission.csv")').columns, null);
  });

  it('only counts files whose name says submission', () => {
    const m = model('import os\nD = "/kaggle/working/submissions"\na.to_csv(f"{D}/oof.csv")\nb.to_csv(os.path.join(D, "fold0_submission.csv"))\nc.to_csv("sample_submission.csv")');
    assert.deepStrictEqual(submissionWrites(m).map((w) => w.call.node.startPosition.row + 1), [4]);
  });
});

describe('derived: values built from a node', () => {
  before(ready);

  it('follows names, container writes and returns, but not sizes', () => {
    const m = model(
      [
        'le = LabelEncoder()',
        'd = {}',
        'd["enc"] = le',
        'n = len(le.classes_)',
        'def wrap(x):',
        '    return [x]',
        'w = wrap(le)',
        'show(d, n, w, le.classes_, other)',
      ].join('\n'),
    );
    const target = m.calls.find((c) => c.callee.text === 'LabelEncoder')!.node;
    const show = m.calls.find((c) => c.callee.text === 'show')!;
    assert.deepStrictEqual(
      show.args.map((a) => derivesFrom(m, a, (n) => n.id === target.id)),
      [true, false, true, true, false],
    );
  });
});
