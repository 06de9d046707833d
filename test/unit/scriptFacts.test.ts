/**
 * scriptFacts: the model, folds, epochs, batch size, image size, workers, dataset size, AMP and
 * multi-GPU a script sets, found where they are used and followed to their literals; and the edits
 * that write a plan back.
 */
import * as assert from 'assert';
import { parsePython } from '../../server/src/analysis/parser';
import { PythonModel } from '../../server/src/analysis/model';
import { applyEdits } from '../../server/src/analysis/source';
import { scriptFacts, editsForPlan, samplesPerEpoch, type ScriptFacts } from '../../server/src/estimator/scriptFacts';
import { inputFromScript } from '../../server/src/estimator/fromScript';
import { ready } from './helpers';

function factsOf(text: string): ScriptFacts {
  const tree = parsePython(text);
  // the tree stays alive for the facts' nodes; freed with the test process
  return scriptFacts(new PythonModel(tree, text));
}

const LOOP = (epochs: string) => `
for epoch in range(${epochs}):
    for x, y in loader:
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
`;

describe('scriptFacts', () => {
  before(ready);

  it('reads the seed template: constants, StratifiedKFold, DataLoader, autocast', () => {
    const f = factsOf(`
import timm, torch
from sklearn.model_selection import StratifiedKFold
from torch.utils.data import DataLoader
from torch.cuda.amp import autocast, GradScaler
BATCH_SIZE = 128
NUM_WORKERS = 10
N_FOLDS = 3
EPOCHS = 8
skf = StratifiedKFold(n_splits=N_FOLDS, shuffle=True)
for fold, (tr, va) in enumerate(skf.split(X, y)):
    loader = DataLoader(ds, batch_size=BATCH_SIZE, shuffle=True, num_workers=NUM_WORKERS)
    model = timm.create_model('efficientnet_b3', pretrained=True).cuda()
    optimizer = torch.optim.Adam(model.parameters())
    for epoch in range(EPOCHS):
        for x, y in loader:
            with autocast():
                loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
`);
    assert.strictEqual(f.model?.value, 'efficientnet_b3');
    assert.strictEqual(f.model?.library, 'timm');
    assert.deepStrictEqual([f.folds?.value, f.epochs?.value, f.batchSize?.value, f.numWorkers?.value], [3, 8, 128, 10]);
    assert.match(f.epochs!.source, /EPOCHS = 8 \(line 9\)/);
    assert.strictEqual(f.folds!.literal?.text, '3');
    assert.strictEqual(f.minFolds, 2);
    assert.strictEqual(f.amp, true);
    assert.strictEqual(f.multiGpu, false);
  });

  it('follows config classes, dicts, SimpleNamespace and argparse defaults', () => {
    const cls = factsOf(`
import timm
class CFG:
    model_name = "convnext_tiny"
    epochs = 12
    n_fold = 4
model = timm.create_model(CFG.model_name)
for fold in range(CFG.n_fold):
${LOOP('CFG.epochs').replace(/\n/g, '\n    ')}
`);
    assert.deepStrictEqual([cls.model?.value, cls.epochs?.value, cls.folds?.value], ['convnext_tiny', 12, 4]);

    const dict = factsOf(`
import timm
CONFIG = {"model": "resnet50", "epochs": 7}
model = timm.create_model(CONFIG["model"])
${LOOP('CONFIG["epochs"]')}
`);
    assert.deepStrictEqual([dict.model?.value, dict.epochs?.value], ['resnet50', 7]);

    const ns = factsOf(`
import timm
from types import SimpleNamespace
cfg = SimpleNamespace(arch="resnet34", epochs=9)
model = timm.create_model(cfg.arch)
${LOOP('cfg.epochs')}
`);
    assert.deepStrictEqual([ns.model?.value, ns.epochs?.value], ['resnet34', 9]);

    const ap = factsOf(`
import argparse, timm
p = argparse.ArgumentParser()
p.add_argument("--model-name", default="efficientnet_b0")
p.add_argument("--epochs", type=int, default=25)
args = p.parse_args()
model = timm.create_model(args.model_name)
${LOOP('args.epochs')}
`);
    assert.deepStrictEqual([ap.model?.value, ap.epochs?.value], ['efficientnet_b0', 25]);
    assert.strictEqual(ap.epochs!.literal?.text, '25');
  });

  it('reads torchvision constructors, HF ids, function parameter defaults', () => {
    const tv = factsOf(`
import torchvision
def build():
    return torchvision.models.resnet50(weights=None)
model = build()
`);
    assert.strictEqual(tv.model?.value, 'resnet50');
    assert.strictEqual(tv.model?.library, 'torchvision');
    assert.strictEqual(tv.model?.literal, null);

    const hf = factsOf(`
from transformers import AutoModelForImageClassification
def train(epochs=4, name="google/vit-base-patch16-224"):
    model = AutoModelForImageClassification.from_pretrained(name)
${LOOP('epochs').replace(/\n/g, '\n    ')}
train()
`);
    assert.strictEqual(hf.model?.value, 'google/vit-base-patch16-224');
    assert.strictEqual(hf.model?.resolved, 'vit_base_patch16_224');
    assert.strictEqual(hf.epochs?.value, 4);
  });

  it('reads framework epochs (Lightning, HF Trainer, Keras) and image sizes', () => {
    const pl = factsOf(`
import pytorch_lightning as pl
from torchvision import transforms
import albumentations as A
trainer = pl.Trainer(max_epochs=15, devices=2, precision=16)
trainer.fit(model, dm)
tf = transforms.Compose([transforms.RandomResizedCrop(288)])
aug = A.Compose([A.Resize(256, 256)])
`);
    assert.strictEqual(pl.epochs?.value, 15);
    assert.strictEqual(pl.imgSize?.value, 288);
    assert.strictEqual(pl.multiGpu, true);
    assert.strictEqual(pl.amp, true);

    const hf = factsOf(`
from transformers import TrainingArguments, Trainer
args = TrainingArguments("out", num_train_epochs=3, fp16=True)
Trainer(model=model, args=args).train()
`);
    assert.strictEqual(hf.epochs?.value, 3);
    assert.strictEqual(hf.amp, true);
  });

  it('knows torchvision datasets\' sizes and splits them by folds', () => {
    const f = factsOf(`
from torchvision import datasets
train = datasets.CIFAR10("d", train=True, download=True)
test = datasets.CIFAR10("d", train=False)
`);
    assert.strictEqual(f.datasetSamples?.value, 50000);
    assert.strictEqual(f.heldOutSamples?.value, 10000);
    assert.deepStrictEqual(samplesPerEpoch(50000, 5, 10000), { train: 40000, val: 10000 });
    assert.deepStrictEqual(samplesPerEpoch(50000, 1, 10000), { train: 50000, val: 10000 });
  });

  it('falls back on conventional names only when no use resolves; says nothing when nothing is there', () => {
    const f = factsOf(`
import timm
NUM_EPOCHS = 6
N_FOLDS = 2
model = timm.create_model("resnet18")
`);
    assert.deepStrictEqual([f.epochs?.value, f.folds?.value], [6, 2]);
    const empty = factsOf('print("hello")\n');
    assert.deepStrictEqual([empty.model, empty.epochs, empty.folds, empty.batchSize, empty.imgSize, empty.datasetSamples, empty.amp], [null, null, null, null, null, null, null]);
    // an epoch count that may be either of two literals is no single literal
    const either = factsOf(`
import timm
model = timm.create_model("resnet18")
E = 3
if FAST:
    E = 4
${LOOP('E')}
`);
    assert.strictEqual(either.epochs, null);
    // set twice in a row, the second is the one the loop runs with, and the one to edit
    const twice = factsOf(`
import timm
model = timm.create_model("resnet18")
E = 3
E = 4
${LOOP('E')}
`);
    assert.deepStrictEqual([twice.epochs?.value, twice.epochs?.source, twice.epochs?.literal?.startPosition.row], [4, 'E = 4 (line 5)', 4]);
  });

  it('builds the estimator input with stated assumptions', () => {
    const f = factsOf(`
import timm
model = timm.create_model("resnet18")
${LOOP('5')}
`);
    const { input, assumptions } = inputFromScript(f, { budgetMinutes: 30, gpu: null });
    assert.strictEqual(input?.gpu, 'A10');
    assert.strictEqual(input?.amp, false);
    assert.ok(assumptions.some((a) => /GPU not set/.test(a)));
    assert.ok(assumptions.some((a) => /one training run/.test(a)));
    assert.strictEqual(inputFromScript(factsOf('x = 1\n'), { budgetMinutes: 30, gpu: 'T4' }).input, null);
  });

  it('writes a plan back into the literals, keeping quotes', () => {
    const text = `import timm
from sklearn.model_selection import KFold
N_FOLDS = 5
EPOCHS = 10
model = timm.create_model('efficientnet_b4')
for fold, (a, b) in enumerate(KFold(n_splits=N_FOLDS).split(X)):
${LOOP('EPOCHS').replace(/\n/g, '\n    ')}
`;
    const f = factsOf(text);
    const { edits, problems } = editsForPlan(f, { model: 'efficientnet_b3', folds: 3, epochs: 6 });
    assert.deepStrictEqual(problems, []);
    const out = applyEdits(text, edits);
    assert.match(out, /create_model\('efficientnet_b3'\)/);
    assert.match(out, /N_FOLDS = 3\n/);
    assert.match(out, /EPOCHS = 6\n/);
    assert.deepStrictEqual(editsForPlan(f, { folds: 1 }).problems, ['the script\'s splitter needs at least 2 folds']);
  });

  it('refuses what it cannot write: torchvision constructors, values not set by a literal', () => {
    const f = factsOf(`
import torchvision
model = torchvision.models.efficientnet_b4(weights="DEFAULT")
${LOOP('int(input())')}
`);
    const r = editsForPlan(f, { model: 'efficientnet_b3', epochs: 3 });
    assert.strictEqual(r.edits.length, 0);
    assert.strictEqual(r.problems.length, 2);
  });
});
