/**
 * Findings that follow the imports (issue 18): which findings in which file of the fixture projects
 * (test/fixtures/projects/), with the program loaded the way the CLI loads it, and the same file
 * checked alone. The imported step's facts (autocast, GradScaler, GPU-memory report, prints, saves)
 * decide TG203 / TG801 / TG221 / TG703 in the script that runs it; a module that cannot be read
 * (missing, a syntax error, circular, deleted) leaves them unknown and the rules silent.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { FIXTURES, ready, checkFixRoundTrip } from './helpers';
import { DiskView, MemoryView, OverlayView, type ProjectView } from '../../server/src/project/fsview';
import { loadProgram, type Program } from '../../server/src/project/loader';
import { analyzeModel, analyzeText } from '../../server/src/analysis/analyze';
import { parsePython } from '../../server/src/analysis/parser';
import { PythonModel } from '../../server/src/analysis/model';
import type { Finding } from '../../server/src/rules/types';
import { tempTree } from './tempTree';
import { run as cli } from '../../server/src/cli/main';

const PROJECTS = path.join(FIXTURES, 'projects');
const P = (...parts: string[]) => path.join(PROJECTS, ...parts);

/** The program of `entry` as the CLI loads it (null when none of its imports leads into the project). */
function programOf(view: ProjectView, entry: string, root: string): Program | undefined {
  const p = loadProgram(view, entry, { workspaceRoot: root });
  return p.modules.length ? p : undefined;
}

function run(view: ProjectView, entry: string, root: string, follow = true): Finding[] {
  const text = view.read(entry).text!;
  return analyzeText(text, { program: follow ? programOf(view, entry, root) : undefined, onRuleError: (c, e) => { throw new Error(`${c} threw: ${(e as Error).stack}`); } }).findings;
}

const keys = (fs: Finding[]) => fs.map((f) => `${f.range.start.line + 1} ${f.code}`);
/** Findings of `entry` (1-based line and code), with and without its imports followed. */
function both(view: ProjectView, entry: string, root: string) {
  return { on: keys(run(view, entry, root)), off: keys(run(view, entry, root, false)) };
}

describe('findings across modules (issue 18)', () => {
  before(ready);
  const disk = new DiskView();

  describe('the fixture projects, file by file', () => {
    // each file of a project: its findings with the imports followed (the CLI's default), and which appear only then
    const expected: Record<string, { on: string[]; onlyFollowing: string[]; onlyAlone?: string[] }> = {
      // (TG205: the CrossEntropyLoss handed to train_one_epoch is the loss it trains with; reported alone
      // too, as a criterion handed to a step the file cannot read: pattern C)
      'noamp/train.py': { on: ['14 TG222', '16 TG205', '18 TG203', '18 TG211', '18 TG703', '18 TG801'], onlyFollowing: ['18 TG203', '18 TG801'] },
      // the library module: loop-local rules only (TG802), nothing program-level
      'noamp/engine.py': { on: ['15 TG802'], onlyFollowing: [] },
      'noamp/dataset.py': { on: [], onlyFollowing: [] },
      // autocast + GradScaler + a memory print in the step: no TG203 / TG801; train.py prints and saves
      'amp/train.py': { on: ['17 TG222', '19 TG205', '20 TG304', '22 TG211'], onlyFollowing: [] },
      'amp/engine.py': { on: ['16 TG304'], onlyFollowing: [] },
      // pattern C with mylib/engine.py in the project: the step shows no GPU print and no autocast,
      // and trains with the criterion it is handed (TG205 on it, also alone: a criterion handed to a step the file cannot read)
      'pattern-c/train.py': { on: ['8 TG404', '11 TG205', '13 TG1005', '13 TG203', '13 TG211', '13 TG801', '19 TG701'], onlyFollowing: ['13 TG203', '13 TG801'] },
      'pattern-c/mylib/engine.py': { on: [], onlyFollowing: [] },
      // a step function with no loop in it: the script's loop is its step loop (not an epoch loop: no TG1005);
      // alone, the call handed the model, the optimizer and a batch is taken for an epoch step (TG211, TG703,
      // TG205, and TG1005 on 100 'epochs'); following, train_step shows it is the batch loop: 100 steps, no TG1005;
      // TG205 holds either way (train_step trains with the criterion it is handed)
      'src-layout/scripts/train.py': { on: ['9 TG205', '10 TG203', '10 TG211', '10 TG703', '10 TG801'], onlyFollowing: ['10 TG203', '10 TG801'], onlyAlone: ['10 TG1005'] },
      // pattern D1 with common.py: the names come from its `*` (the same as the conventional bindings here)
      'd1/train.py': { on: ['4 TG501', '6 TG205', '8 TG1005', '8 TG211', '8 TG221', '8 TG703', '9 TG203', '9 TG801'], onlyFollowing: [] },
      // utils.py's DEVICE is CUDA: a GPU run, with no AMP and no memory report anywhere
      // ... and save_model is exported.py's, which saves (alone: "never saved")
      'star/train.py': { on: ['6 TG203', '6 TG211', '6 TG801', '8 TG205'], onlyFollowing: ['6 TG203', '6 TG801'], onlyAlone: ['6 TG703'] },
      // unreadable modules: nothing known of them, nothing more said
      'circular/train.py': { on: [], onlyFollowing: [] },
      'syntax-error/train.py': { on: [], onlyFollowing: [] },
      // `fit` (pkg/engine.py, a whole training) trains with the CrossEntropyLoss it is handed
      'relative/pkg/train.py': { on: ['13 TG205'], onlyFollowing: ['13 TG205'] },
    };
    for (const [file, want] of Object.entries(expected)) {
      it(file, () => {
        const root = P(file.split('/')[0]);
        const r = both(disk, P(...file.split('/')), root);
        assert.deepStrictEqual(r.on, want.on);
        assert.deepStrictEqual(r.on.filter((k) => !r.off.includes(k)), want.onlyFollowing);
        assert.deepStrictEqual(r.off.filter((k) => !r.on.includes(k)), want.onlyAlone ?? [], 'what following the imports takes away');
      });
    }
  });

  it('a finding that needs both files sits on the loop that runs the step, the step as related information in its own file, with no fix across files', () => {
    const fs1 = run(disk, P('noamp', 'train.py'), P('noamp'));
    for (const code of ['TG203', 'TG801']) {
      const f = fs1.find((x) => x.code === code)!;
      assert.ok(f, code);
      assert.strictEqual(f.fix, undefined, `${code}: no fix edits another file`);
      assert.deepStrictEqual(
        f.related?.map((r) => [r.file, r.range.start.line]),
        [[P('noamp', 'engine.py'), 7]],
      );
      assert.match(f.message, /`train_one_epoch` \(engine\.py\)/);
    }
  });

  describe('in memory: variants of one project', () => {
    const TRAIN = [
      'import torch',
      'from engine import train_one_epoch',
      'device = torch.device("cuda")',
      'model = torch.nn.Linear(4, 2).to(device)',
      'opt = torch.optim.SGD(model.parameters(), lr=0.1)',
      'loader = torch.utils.data.DataLoader(torch.load("data.pt"), batch_size=64)',
      'for epoch in range(3):',
      '    loss = train_one_epoch(model, loader, opt, device)',
      'torch.save(model.state_dict(), "model.pt")',
      '',
    ].join('\n');
    const STEP = (body: string[]) =>
      ['import torch', '', '', 'def train_one_epoch(model, loader, optimizer, device):', '    for x, y in loader:', ...body.map((l) => `        ${l}`), '        optimizer.zero_grad()', '        loss = torch.nn.functional.cross_entropy(model(x.to(device)), y.to(device))', '        loss.backward()', '        optimizer.step()', '    return loss.item()', ''].join('\n');
    const project = (engine: string, train = TRAIN) => new MemoryView({ '/w/train.py': train, '/w/engine.py': engine });
    const codes = (v: ProjectView, follow = true) => run(v, '/w/train.py', '/w', follow).map((f) => f.code).filter((c) => /TG(203|221|703|801)/.test(c));

    it('the step prints nothing and neither does the epoch loop: TG221, with a fix that prints in the epoch loop', async () => {
      const v = project(STEP([]));
      assert.deepStrictEqual(codes(v), ['TG203', 'TG221', 'TG801']);
      assert.deepStrictEqual(codes(v, false), [], 'alone: the step may print, use AMP, report memory');
      const program = programOf(v, '/w/train.py', '/w');
      const f = run(v, '/w/train.py', '/w').find((x) => x.code === 'TG221')!;
      await checkFixRoundTrip(TRAIN, f, 'TG221', { program });
    });
    it('trainguard check --fix applies it with the imports followed (not with --no-follow-imports)', async () => {
      const root = tempTree({ 'w/.git/HEAD': 'ref: refs/heads/main\n', 'w/train.py': TRAIN, 'w/engine.py': STEP([]), 'v/.git/HEAD': 'ref: refs/heads/main\n', 'v/train.py': TRAIN, 'v/engine.py': STEP([]) });
      try {
        const quiet = { stdout: () => undefined, stderr: () => undefined };
        await cli(['check', '--fix', '--select', 'TG221', path.join(root, 'w', 'train.py')], quiet);
        await cli(['check', '--fix', '--no-follow-imports', '--select', 'TG221', path.join(root, 'v', 'train.py')], quiet);
        assert.match(fs.readFileSync(path.join(root, 'w', 'train.py'), 'utf8'), /print\(f"epoch \{epoch\}/);
        assert.strictEqual(fs.readFileSync(path.join(root, 'v', 'train.py'), 'utf8'), TRAIN);
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    });
    it('what the step does silences what it covers: a print, autocast, a memory report', () => {
      assert.deepStrictEqual(codes(project(STEP(['print(x.shape)']))), ['TG203', 'TG801']);
      assert.deepStrictEqual(codes(project(STEP(['with torch.autocast("cuda"):', '    pass']))), ['TG203', 'TG221']);
      assert.deepStrictEqual(codes(project(STEP(['torch.cuda.max_memory_allocated()']))), ['TG221', 'TG801']);
      // a method of a parameter the step does not show the role of (a logger, a SummaryWriter handed in) may log
      const writer = STEP(['writer.add_scalar("seen", 1)']).replace('optimizer, device):', 'optimizer, device, writer=None):');
      assert.deepStrictEqual(codes(project(writer)), ['TG203', 'TG801']);
    });
    it('facts followed into what the step calls, across modules; an unreadable one leaves them unknown', () => {
      const engine = STEP(['log_progress(x)']).replace('import torch', 'import torch\nfrom utils import log_progress');
      const v = new MemoryView({ '/w/train.py': TRAIN, '/w/engine.py': engine, '/w/utils.py': 'def log_progress(x):\n    print(x)\n' });
      assert.deepStrictEqual(codes(v), ['TG203', 'TG801'], 'utils.log_progress prints');
      const broken = new MemoryView({ '/w/train.py': TRAIN, '/w/engine.py': engine, '/w/utils.py': 'def log_progress(x:\n' });
      assert.deepStrictEqual(codes(broken), [], 'a syntax error in utils.py: whether it prints, uses autocast or reports memory is unknown');
      const silent = new MemoryView({ '/w/train.py': TRAIN, '/w/engine.py': engine, '/w/utils.py': 'def log_progress(x):\n    return x\n' });
      assert.deepStrictEqual(codes(silent), ['TG203', 'TG221', 'TG801']);
    });
    it('a save in a helper of another module counts (kuzushiji: utils.save_on_master; here a name that does not say it saves)', () => {
      const train = TRAIN.replace('torch.save(model.state_dict(), "model.pt")', 'utils.persist(model, "model.pt")').replace('from engine import train_one_epoch', 'from engine import train_one_epoch\nfrom . import utils');
      const files = { '/w/pkg/__init__.py': '', '/w/pkg/train.py': train, '/w/pkg/engine.py': STEP(['print(x.shape)']), '/w/pkg/utils.py': 'import torch\n\n\ndef persist(*args, **kwargs):\n    torch.save(*args, **kwargs)\n' };
      const v = new MemoryView(files);
      const with_ = run(v, '/w/pkg/train.py', '/w').map((f) => f.code);
      const alone = run(v, '/w/pkg/train.py', '/w', false).map((f) => f.code);
      assert.ok(!with_.includes('TG703'), with_.join());
      assert.ok(alone.includes('TG703'), 'alone, the save is not seen');
    });
    it('a step whose backward the summary cannot see (inside a scaler object handed in) leaves the loop an epoch loop: TG1005 and TG205 as alone; a module that compares with ln(C) silences TG205', () => {
      // deit's shape: the batch loop is in engine.py, its backward inside `loss_scaler(loss, optimizer)`
      const engine = ['import math', '', '', 'def train_one_epoch(model, criterion, loader, optimizer, loss_scaler):', '    for x, y in loader:', '        loss = criterion(model(x), y)', '        optimizer.zero_grad()', '        loss_scaler(loss, optimizer)', '    return loss.item()', ''].join('\n');
      const train = ['import torch', 'from engine import train_one_epoch', 'from scaling import NativeScaler', 'model = torch.nn.Linear(4, 2).cuda()', 'opt = torch.optim.SGD(model.parameters(), lr=0.1)', 'crit = torch.nn.CrossEntropyLoss()', 'loader = torch.utils.data.DataLoader(torch.load("data.pt"), batch_size=64)', 'scaler = NativeScaler()', 'for epoch in range(300):', '    train_one_epoch(model, crit, loader, opt, scaler)', '    torch.save(model.state_dict(), "last.pt")', ''].join('\n');
      const pick = (fs: Finding[]) => fs.map((f) => `${f.range.start.line + 1} ${f.code}`).filter((k) => / TG(205|1005)$/.test(k));
      const v = new MemoryView({ '/w/train.py': train, '/w/engine.py': engine });
      assert.deepStrictEqual(pick(run(v, '/w/train.py', '/w', false)), ['6 TG205', '9 TG1005'], 'alone');
      assert.deepStrictEqual(pick(run(v, '/w/train.py', '/w')), ['6 TG205', '9 TG1005'], 'engine.py read: its loop shows no step of its own, so it is not taken for a single step');
      const checked = engine.replace('    return loss.item()', '    if abs(loss.item() - math.log(2)) < 0.01:\n        print("stuck at the baseline")\n    return loss.item()');
      const w = new MemoryView({ '/w/train.py': train, '/w/engine.py': checked });
      assert.deepStrictEqual(pick(run(w, '/w/train.py', '/w')), ['9 TG1005'], 'the step compares its loss with ln(2)');
    });
    it('an imported module deleted while open: read while open; closed and deleted, nothing is known and nothing guessed', () => {
      const diskView = project(STEP([]));
      const open = new OverlayView(diskView);
      open.set('/w/engine.py', STEP(['print(x.shape)']));
      assert.deepStrictEqual(codes(open), ['TG203', 'TG801'], 'the open buffer prints');
      diskView.delete('/w/engine.py');
      assert.deepStrictEqual(codes(open), ['TG203', 'TG801'], 'still open');
      open.close('/w/engine.py');
      assert.deepStrictEqual(codes(open), [], 'gone: silent, as a file checked alone');
    });
    it('the step module circular or with a syntax error: silent', () => {
      assert.deepStrictEqual(codes(project('def train_one_epoch(model, loader, optimizer, device:\n')), []);
      assert.deepStrictEqual(codes(project(STEP([]).replace('import torch', 'import torch\nimport train'))), []);
    });
    it('a model built before the program is attached gives the same findings (the language server builds its model first)', () => {
      for (const dir of ['d1', 'noamp', 'star', 'pattern-c']) {
        const entry = P(dir, 'train.py');
        const text = fs.readFileSync(entry, 'utf8');
        const program = programOf(disk, entry, P(dir));
        const tree = parsePython(text);
        try {
          const m = new PythonModel(tree, text);
          m.trainingLoops();
          const late = analyzeModel(m, { program }).findings;
          assert.deepStrictEqual(keys(late), keys(run(disk, entry, P(dir))), dir);
        } finally {
          tree.delete();
        }
      }
    });
  });

  describe('classes, whole trainings and frameworks in another module', () => {
    const codesOf = (files: Record<string, string>) => run(new MemoryView(files), '/w/train.py', '/w').map((f) => `${f.range.start.line + 1} ${f.code}`);
    it("a project class's method is the step (trainer.train), a config class attribute the device", () => {
      const engine = [
        'import torch',
        '',
        '',
        'class Config:',
        '    device = torch.device("cuda")',
        '    epochs = 3',
        '',
        '',
        'class Trainer:',
        '    def __init__(self, model, optimizer):',
        '        self.model = model',
        '        self.optimizer = optimizer',
        '',
        '    def train(self, loader, device):',
        '        for x, y in loader:',
        '            self.optimizer.zero_grad()',
        '            loss = self.model(x.to(device)).sum()',
        '            loss.backward()',
        '            self.optimizer.step()',
        '',
      ].join('\n');
      const train = [
        'import torch',
        'from engine import Config, Trainer',
        'cfg = Config()',
        'model = torch.nn.Linear(4, 2).to(cfg.device)',
        'opt = torch.optim.SGD(model.parameters(), lr=0.1)',
        'trainer = Trainer(model, opt)',
        'loader = torch.utils.data.DataLoader(torch.load("data.pt"), batch_size=64, num_workers=8, pin_memory=True)',
        'for epoch in range(3):',
        '    trainer.train(loader, cfg.device)',
        'torch.save(model.state_dict(), "m.pt")',
        '',
      ].join('\n');
      assert.deepStrictEqual(codesOf({ '/w/train.py': train, '/w/engine.py': engine }), ['8 TG203', '8 TG211', '8 TG221', '8 TG801']);
      assert.deepStrictEqual(run(new MemoryView({ '/w/train.py': train, '/w/engine.py': engine }), '/w/train.py', '/w', false).map((f) => f.code), [], 'alone: nothing is known of Trainer');
    });
    it('TG205: a criterion handed to the imported step as its loss, unless that module compares with ln(num_classes)', () => {
      const engine = ['import math', '', '', 'def fit(model, loader, criterion, optimizer):', '    for x, y in loader:', '        optimizer.zero_grad()', '        loss = criterion(model(x), y)', '        loss.backward()', '        optimizer.step()', '    return loss.item()', ''].join('\n');
      const train = ['import torch', 'from engine import fit', 'model = torch.nn.Linear(4, 3)', 'opt = torch.optim.SGD(model.parameters(), lr=0.1)', 'crit = torch.nn.CrossEntropyLoss()', 'mse = torch.nn.MSELoss()', 'loader = torch.utils.data.DataLoader(torch.load("d.pt"), batch_size=64)', 'for epoch in range(3):', '    print(fit(model, loader, criterion=crit, optimizer=opt))', '    fit(model, loader, mse, opt)', 'torch.save(model.state_dict(), "m.pt")', ''].join('\n');
      const tg205 = (files: Record<string, string>) => codesOf(files).filter((k) => k.endsWith('TG205'));
      assert.deepStrictEqual(tg205({ '/w/train.py': train, '/w/engine.py': engine }), ['5 TG205'], 'the CrossEntropyLoss (by keyword), not the MSELoss');
      const checks = engine + '\n\ndef sanity(val_loss, n):\n    if abs(val_loss - math.log(n)) < 0.1:\n        raise RuntimeError("not learning")\n';
      assert.deepStrictEqual(tg205({ '/w/train.py': train, '/w/engine.py': checks }), []);
    });
    it('a function holding a whole training (its epoch loop) is not a step: the fold loop calling it is no epoch loop', () => {
      const engine = ['def run_fold(fold, model, loader, optimizer):', '    for epoch in range(30):', '        for x, y in loader:', '            optimizer.zero_grad()', '            model(x).sum().backward()', '            optimizer.step()', '        print(epoch)', ''].join('\n');
      const train = ['import torch', 'from engine import run_fold', 'model = torch.nn.Linear(4, 2)', 'opt = torch.optim.SGD(model.parameters(), lr=0.1)', 'loader = torch.utils.data.DataLoader(torch.load("d.pt"), batch_size=64)', 'for fold in range(5):', '    run_fold(fold, model, loader, opt)', ''].join('\n');
      const found = codesOf({ '/w/train.py': train, '/w/engine.py': engine });
      assert.ok(!found.some((k) => /TG(1005|221|203|801|703)$/.test(k)), found.join());
    });
    it('a Lightning module from another module: framework code, nothing of the hand-written loop rules', () => {
      const model = ['import pytorch_lightning as pl', 'import torch', '', '', 'class Lit(pl.LightningModule):', '    def training_step(self, batch, i):', '        return self(batch).sum()', '', '    def configure_optimizers(self):', '        return torch.optim.Adam(self.parameters())', ''].join('\n');
      const train = ['import pytorch_lightning as pl', 'from model import Lit', 'trainer = pl.Trainer(max_epochs=3, accelerator="gpu")', 'trainer.fit(Lit())', ''].join('\n');
      const found = codesOf({ '/w/train.py': train, '/w/model.py': model });
      assert.ok(!found.some((k) => /TG(1005|211|221|203|801|703)$/.test(k)), found.join());
    });
  });

  describe('`from common import *` of a project module (pattern D1)', () => {
    it('names resolve through the module: its own LabelEncoder is not sklearn\'s', () => {
      const train = fs.readFileSync(P('d1', 'train.py'), 'utf8');
      const common = fs.readFileSync(P('d1', 'common.py'), 'utf8').replace('from sklearn.preprocessing import LabelEncoder', 'class LabelEncoder:\n    def fit_transform(self, y):\n        return y');
      const v = new MemoryView({ '/w/train.py': train, '/w/common.py': common });
      const on = run(v, '/w/train.py', '/w').map((f) => f.code);
      const off = run(v, '/w/train.py', '/w', false).map((f) => f.code);
      assert.ok(off.includes('TG501'), 'alone: the conventional binding (sklearn)');
      assert.ok(!on.includes('TG501'), on.join());
      assert.ok(on.includes('TG205') && on.includes('TG801'), 'torch and nn still come through the module');
    });
    it('a name the module does not bind is not taken from the conventions', () => {
      const v = new MemoryView({ '/w/train.py': fs.readFileSync(P('d1', 'train.py'), 'utf8'), '/w/common.py': 'import torch\nimport torch.nn as nn\nraw_labels = []\ntrain_loader = []\n' });
      assert.ok(!run(v, '/w/train.py', '/w').some((f) => f.code === 'TG501'));
    });
  });

  describe('TG401 through a step of another module (a model of unknown kind, a batch sampler)', () => {
    const TRAIN = [
      'import torch',
      'from torch.utils.data import DataLoader, BatchSampler, RandomSampler',
      'from engine import train_one_epoch',
      'from nets import build_net',
      'model = build_net().cuda()',
      'opt = torch.optim.SGD(model.parameters(), lr=0.1)',
      'ds = torch.load("data.pt")',
      'loader = DataLoader(ds, batch_sampler=BatchSampler(RandomSampler(ds), 4, drop_last=True), num_workers=8, pin_memory=True)',
      'for epoch in range(3):',
      '    train_one_epoch(model, loader, opt)',
      '    torch.save(model.state_dict(), "last.pt")',
      '',
    ].join('\n');
    const STEP = (accumulate: boolean) =>
      ['import torch', '', '', 'def train_one_epoch(model, loader, optimizer):', '    for i, (x, y) in enumerate(loader):',
        '        loss = torch.nn.functional.cross_entropy(model(x.cuda()), y.cuda())', '        loss.backward()',
        ...(accumulate ? ['        if (i + 1) % 8 == 0:', '            optimizer.step()', '            optimizer.zero_grad()'] : ['        optimizer.step()', '        optimizer.zero_grad()']), ''].join('\n');
    const tg401 = (v: ProjectView, follow = true) => run(v, '/w/train.py', '/w', follow).filter((f) => f.code === 'TG401').map((f) => f.range.start.line + 1);
    it('the step accumulates nothing: TG401 on the batch_sampler (batch 4 < 32 whatever the model kind)', () => {
      assert.deepStrictEqual(tg401(new MemoryView({ '/w/train.py': TRAIN, '/w/engine.py': STEP(false) })), [8]);
    });
    it('the step accumulates gradients (a step under `% 8`): silent', () => {
      assert.deepStrictEqual(tg401(new MemoryView({ '/w/train.py': TRAIN, '/w/engine.py': STEP(true) })), []);
    });
    it('the step cannot be read (alone, or the module missing): silent', () => {
      assert.deepStrictEqual(tg401(new MemoryView({ '/w/train.py': TRAIN, '/w/engine.py': STEP(false) }), false), []);
      assert.deepStrictEqual(tg401(new MemoryView({ '/w/train.py': TRAIN })), []);
    });
  });
});
