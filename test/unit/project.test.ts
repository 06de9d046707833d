/**
 * Project analysis (issue 18), the foundation: imports resolved to the project's files, module
 * summaries, the program loader, the workspace index, the CLI's --verbose listing and the
 * follow-imports settings. Fixture projects: test/fixtures/projects/ (see its README).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { FIXTURES, ROOT, ready, runCli } from './helpers';
import { tempTree } from './tempTree';
import { DiskView, MemoryView, OverlayView } from '../../server/src/project/fsview';
import { resolveImport, searchRoots, projectRoot, type ImportResolution } from '../../server/src/project/resolve';
import { importsOf, importText, type ImportRef } from '../../server/src/project/imports';
import { summarizeText, type FunctionSummary, type ModuleSummary } from '../../server/src/project/summary';
import { SummaryCache } from '../../server/src/project/cache';
import { loadProgram, onCycles, type Program } from '../../server/src/project/loader';
import { WorkspaceIndex } from '../../server/src/project/index';
import { parsePython } from '../../server/src/analysis/parser';
import { PythonModel } from '../../server/src/analysis/model';
import { layerFromSettings, mergeSettings } from '../../server/src/config/resolve';
import { parsePyproject } from '../../server/src/config/pyproject';
import { KNOWN_CODES } from '../../server/src/rules/index';
import { run } from '../../server/src/cli/main';

const PROJECTS = path.join(FIXTURES, 'projects');
const P = (...parts: string[]) => path.join(PROJECTS, ...parts);

function refsOf(text: string): ImportRef[] {
  const tree = parsePython(text);
  try {
    return importsOf(new PythonModel(tree, text));
  } finally {
    tree.delete();
  }
}

/** Resolves every import of `file` against the roots of the program it starts (workspace root `root`). */
function resolveAll(view: DiskView | MemoryView, file: string, root: string): Map<string, ImportResolution> {
  const text = view.read(file).text!;
  const roots = searchRoots(view, file, root);
  return new Map(refsOf(text).map((r) => [importText(r), resolveImport(view, file, r, roots)]));
}

function files(r: ImportResolution | undefined): string[] {
  assert.ok(r && r.status === 'project', `not a project import: ${JSON.stringify(r)}`);
  return r.files;
}

function summaryOf(file: string): ModuleSummary {
  const r = summarizeText(fs.readFileSync(file, 'utf8'));
  assert.strictEqual(r.status, 'ok');
  return (r as { summary: ModuleSummary }).summary;
}

function fn(s: ModuleSummary, name: string): FunctionSummary {
  const f = s.functions.find((x) => x.name === name);
  assert.ok(f, `no function ${name} in ${s.functions.map((x) => x.name)}`);
  return f;
}

const FACTS = ['trainingStep', 'trainingLoop', 'autocast', 'gradScaler', 'gpuMemoryReport', 'noGrad', 'evalMode', 'saves', 'prints'] as const;
const factsOf = (f: FunctionSummary) => FACTS.filter((k) => f[k]);

function listing(p: Program, root: string): string[] {
  return p.modules.map((m) => `${path.relative(root, m.file)}:${m.status}`);
}

describe('project analysis (issue 18)', () => {
  before(ready);

  describe('imports read from the model', () => {
    it('every form: import, import as, from, relative, star, inside a function', () => {
      const refs = refsOf('import a, b.c as d\nfrom .x import y as z, w\nfrom .. import q\nfrom m import *\ndef f():\n    from k.l import n\n');
      assert.deepStrictEqual(refs.map(importText), ['import a', 'import b.c as d', 'from .x import y as z, w', 'from .. import q', 'from m import *', 'from k.l import n']);
      assert.deepStrictEqual(refs.map((r) => [r.level, r.module, r.star, r.inFunction, r.line]), [
        [0, 'a', false, false, 0],
        [0, 'b.c', false, false, 0],
        [1, 'x', false, false, 1],
        [2, '', false, false, 2],
        [0, 'm', true, false, 3],
        [0, 'k.l', false, true, 5],
      ]);
    });
  });

  describe('resolver', () => {
    const view = new DiskView();
    it('the script folder: from engine import ..., from dataset import ...; torch, numpy are outside the project', () => {
      const r = resolveAll(view, P('amp', 'train.py'), P('amp'));
      assert.deepStrictEqual(files(r.get('from engine import evaluate, get_device, train_one_epoch')), [P('amp', 'engine.py')]);
      assert.deepStrictEqual(files(r.get('from dataset import make_loader')), [P('amp', 'dataset.py')]);
      for (const ext of ['import torch', 'import numpy as np', 'from torch import nn', 'from torch.cuda.amp import GradScaler']) assert.strictEqual(r.get(ext)?.status, 'external', ext);
    });
    it('a package with relative imports: .engine, `from . import utils` (a submodule), `from .. import shared`, a missing one', () => {
      const r = resolveAll(view, P('relative', 'pkg', 'train.py'), P('relative'));
      assert.deepStrictEqual(files(r.get('from .engine import fit')), [P('relative', 'pkg', 'engine.py')]);
      const dot = r.get('from . import utils');
      assert.deepStrictEqual(files(dot), [P('relative', 'pkg', '__init__.py'), P('relative', 'pkg', 'utils.py')]);
      assert.strictEqual((dot as { submodules: Map<string, unknown> }).submodules.has('utils'), true);
      assert.deepStrictEqual(files(r.get('from .. import shared')), [P('relative', 'shared.py')]);
      assert.strictEqual(r.get('from .missing_module import nothing')?.status, 'missing');
      // the folder above the top package is a search root (`python -m pkg.train` from there)
      assert.deepStrictEqual(searchRoots(view, P('relative', 'pkg', 'train.py'), P('relative')), [P('relative', 'pkg'), P('relative')]);
    });
    it('a src/ layout: import trainlib.models as models runs the package __init__ first', () => {
      const entry = P('src-layout', 'scripts', 'train.py');
      // no workspace root given: the nearest pyproject.toml is the project root
      assert.strictEqual(projectRoot(view, entry), P('src-layout'));
      const r = resolveAll(view, entry, P('src-layout'));
      assert.deepStrictEqual(files(r.get('import trainlib.models as models')), [P('src-layout', 'src', 'trainlib', '__init__.py'), P('src-layout', 'src', 'trainlib', 'models.py')]);
      assert.deepStrictEqual(files(r.get('from trainlib.loops import train_step, predict')), [P('src-layout', 'src', 'trainlib', '__init__.py'), P('src-layout', 'src', 'trainlib', 'loops.py')]);
    });
    it('from utils import *', () => {
      const r = resolveAll(view, P('star', 'train.py'), P('star'));
      assert.deepStrictEqual(files(r.get('from utils import *')), [P('star', 'utils.py')]);
    });
    it('namespace folders: a module file in one is the project\'s; a bare folder is not; a regular package in a later root wins', () => {
      const mem = new MemoryView({
        '/w/train.py': 'x = 1\n',
        '/w/data/loader.py': 'x = 1\n',
        '/w/data/images/readme.txt': 'x',
        '/w/pyproject.toml': '',
        '/w/src/tools/__init__.py': '',
        '/w/src/tools/io.py': '',
        '/w/tools/notes.txt': '',
      });
      const roots = searchRoots(mem, '/w/train.py', null);
      assert.deepStrictEqual(roots, ['/w', '/w/src']);
      const res = (t: string) => resolveImport(mem, '/w/train.py', refsOf(t)[0], roots);
      assert.deepStrictEqual(files(res('from data.loader import x')), ['/w/data/loader.py']);
      assert.deepStrictEqual(files(res('from data import loader')), ['/w/data/loader.py']);
      assert.strictEqual(res('import data').status, 'external');
      assert.deepStrictEqual(files(res('import data.images')), [], 'the project\'s folders, with nothing to read');
      assert.deepStrictEqual(files(res('from tools import io')), ['/w/src/tools/__init__.py', '/w/src/tools/io.py']);
      assert.strictEqual(res('from tools.missing import x').status, 'missing');
      assert.strictEqual(res('import os.path').status, 'external');
    });
  });

  describe('the disk view', () => {
    it('answers from folder listings, case-sensitively, until invalidated; reads texts each time', () => {
      const root = tempTree({ 'a/Engine.py': 'x = 1\n', 'a/pkg/__init__.py': '' });
      try {
        const view = new DiskView();
        assert.strictEqual(view.isFile(path.join(root, 'a', 'Engine.py')), true);
        assert.strictEqual(view.isFile(path.join(root, 'a', 'engine.py')), false, 'Python matches module names case-sensitively');
        assert.strictEqual(view.isDir(path.join(root, 'a', 'pkg')), true);
        assert.strictEqual(view.isFile(path.join(root, 'nothere', 'x.py')), false);
        fs.writeFileSync(path.join(root, 'a', 'utils.py'), 'y = 2\n');
        assert.strictEqual(view.isFile(path.join(root, 'a', 'utils.py')), false, 'the listing is kept until a file event');
        view.invalidate();
        assert.strictEqual(view.isFile(path.join(root, 'a', 'utils.py')), true);
        fs.writeFileSync(path.join(root, 'a', 'utils.py'), 'y = 3\n');
        assert.strictEqual(view.read(path.join(root, 'a', 'utils.py')).text, 'y = 3\n');
        assert.deepStrictEqual(view.read(path.join(root, 'a', 'gone.py')), { text: null, error: null, missing: true });
        assert.strictEqual(new DiskView(false).isFile(path.join(root, 'a', 'utils.py')), true);
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    });
  });

  describe('summaries', () => {
    it('AMP engine: the step under autocast with a GradScaler, a GPU-memory report, roles, returns', () => {
      const s = summaryOf(P('amp', 'engine.py'));
      const train = fn(s, 'train_one_epoch');
      assert.deepStrictEqual(factsOf(train), ['trainingStep', 'trainingLoop', 'autocast', 'gradScaler', 'gpuMemoryReport', 'prints']);
      assert.deepStrictEqual(train.paramRoles, { model: ['model'], loader: ['loader'], optimizer: ['optimizer'], criterion: ['loss'], scaler: ['scaler'], device: ['device'] });
      assert.strictEqual(train.returns, null, 'a float from the loss sum: not one of the kinds');
      const evaluate = fn(s, 'evaluate');
      assert.deepStrictEqual(factsOf(evaluate), ['noGrad', 'evalMode']);
      assert.deepStrictEqual(evaluate.paramRoles, { model: ['model'], loader: ['loader'], device: ['device'] });
      assert.deepStrictEqual(fn(s, 'get_device').returns, ['device']);
      assert.deepStrictEqual(fn(summaryOf(P('amp', 'dataset.py')), 'make_loader').returns, ['loader']);
    });
    it('non-AMP engine: no autocast, no scaler, no GPU-memory report; evaluate shows no role it does not use', () => {
      const s = summaryOf(P('noamp', 'engine.py'));
      const train = fn(s, 'train_one_epoch');
      assert.deepStrictEqual(factsOf(train), ['trainingStep', 'trainingLoop']);
      assert.deepStrictEqual(train.paramRoles, { model: ['model'], loader: ['loader'], optimizer: ['optimizer'], criterion: ['loss'], device: ['device'] });
      const evaluate = fn(s, 'evaluate');
      assert.deepStrictEqual(factsOf(evaluate), []);
      // model(x) with no loss, no eval(), no no_grad: nothing in the body says it is a model
      assert.deepStrictEqual(evaluate.paramRoles, { device: ['device'] });
    });
    it('roles come from what the body does, not from the names', () => {
      const text = fs.readFileSync(P('amp', 'engine.py'), 'utf8');
      const renamed = text
        .replace(/\bmodel\b/g, 'aa')
        .replace(/\bloader\b/g, 'bb')
        .replace(/\boptimizer\b/g, 'cc')
        .replace(/\bcriterion\b/g, 'dd')
        .replace(/\bscaler\b/g, 'ee')
        .replace(/\bdevice\b/g, 'ff');
      const r = summarizeText(renamed);
      assert.strictEqual(r.status, 'ok');
      const train = fn((r as { summary: ModuleSummary }).summary, 'train_one_epoch');
      assert.deepStrictEqual(train.paramRoles, { aa: ['model'], bb: ['loader'], cc: ['optimizer'], dd: ['loss'], ee: ['scaler'], ff: ['device'] });
      // and names alone give nothing
      const named = summarizeText('def train_one_epoch(model, loader, optimizer, criterion, scaler, device):\n    return model\n');
      const f = fn((named as { summary: ModuleSummary }).summary, 'train_one_epoch');
      assert.deepStrictEqual(f.paramRoles, {});
      assert.strictEqual(f.returns, null);
      assert.deepStrictEqual(factsOf(f), []);
    });
    it('a package module: relative import of a save helper, the step with the roles, returns the model', () => {
      const fit = fn(summaryOf(P('relative', 'pkg', 'engine.py')), 'fit');
      assert.deepStrictEqual(factsOf(fit), ['trainingStep', 'trainingLoop']);
      assert.deepStrictEqual(fit.paramRoles, { net: ['model'], batches: ['loader'], opt: ['optimizer'], loss_fn: ['loss'] });
      assert.deepStrictEqual(fit.returns, ['model']);
      assert.deepStrictEqual(factsOf(fn(summaryOf(P('relative', 'pkg', 'utils.py')), 'save_checkpoint')), ['saves']);
      const loops = summaryOf(P('src-layout', 'src', 'trainlib', 'loops.py'));
      assert.deepStrictEqual(factsOf(fn(loops, 'predict')), ['noGrad', 'evalMode']);
      assert.deepStrictEqual(fn(summaryOf(P('src-layout', 'src', 'trainlib', 'models.py')), 'build_model').returns, ['model']);
    });
    it('what `*` exports: the public names and what each is bound to; `__all__` when it is a literal list', () => {
      const utils = summaryOf(P('star', 'utils.py'));
      assert.strictEqual(utils.exportsFromAll, false);
      assert.deepStrictEqual(utils.exports, {
        os: { kind: 'import', qualified: 'os' },
        np: { kind: 'import', qualified: 'numpy' },
        torch: { kind: 'import', qualified: 'torch' },
        nn: { kind: 'import', qualified: 'torch.nn' },
        F: { kind: 'import', qualified: 'torch.nn.functional' },
        DEVICE: { kind: 'value', role: 'device', device: 'cuda' },
        Head: { kind: 'class', bases: ['torch.nn.Module'], torchModule: true },
        save_model: { kind: 'function' },
      });
      const exported = summaryOf(P('star', 'exported.py'));
      assert.strictEqual(exported.exportsFromAll, true);
      assert.deepStrictEqual(exported.exports, { save_model: { kind: 'function' }, missing_name: { kind: 'unknown' } });
    });
    it('module-level facts and re-exports', () => {
      const train = summaryOf(P('amp', 'train.py'));
      // the epoch loop hands the optimizer to an imported step: a training loop (issue 17, pattern C)
      assert.deepStrictEqual(FACTS.filter((k) => train.moduleLevel[k]), ['trainingLoop', 'gradScaler', 'saves', 'prints']);
      const star = summarizeText('from .base import *\nfrom torch import *\n');
      assert.deepStrictEqual((star as { summary: ModuleSummary }).summary.starReexports, ['.base', 'torch']);
    });
    it('a syntax error or a file past the limits gives no summary, with the reason', () => {
      const broken = summarizeText(fs.readFileSync(P('syntax-error', 'broken.py'), 'utf8'));
      assert.deepStrictEqual(broken, { status: 'syntax-error', reason: 'it has a syntax error (line 4)' });
      const long = summarizeText(`x = "${'a'.repeat(20_000)}"\n`);
      assert.strictEqual(long.status, 'too-large');
    });
    it('cached by content hash: the same text once, a changed text again; bounded, oldest first', () => {
      const cache = new SummaryCache(2);
      const a = 'def f(m):\n    m.eval()\n';
      const r1 = cache.summarize(a);
      assert.strictEqual(cache.summarize(a), r1);
      assert.strictEqual(cache.computed, 1);
      cache.summarize(a + '\n');
      assert.strictEqual(cache.computed, 2);
      cache.summarize('x = 1\n');
      assert.strictEqual(cache.size, 2);
      cache.summarize(a);
      assert.strictEqual(cache.computed, 4, 'the oldest was dropped and is computed again');
      const small = new SummaryCache(100, 1);
      small.summarize(a);
      small.summarize('y = 2\n');
      assert.strictEqual(small.size, 1, 'the byte bound keeps only the newest');
    });
  });

  describe('program loader', () => {
    const view = new DiskView();
    const load = (rel: string, root: string, opts = {}) => loadProgram(view, P(rel), { workspaceRoot: P(root), ...opts });
    it('train.py + engine.py + dataset.py, AMP and non-AMP', () => {
      for (const variant of ['amp', 'noamp']) {
        const p = load(`${variant}/train.py`, variant);
        assert.deepStrictEqual(listing(p, P(variant)), ['dataset.py:read', 'engine.py:read']);
        assert.deepStrictEqual(p.stats.project, 2);
        const engine = p.modules.find((m) => m.file.endsWith('engine.py'))!.summary!;
        assert.strictEqual(fn(engine, 'train_one_epoch').autocast, variant === 'amp');
      }
    });
    it('a package with relative imports; the missing module says where it was looked for', () => {
      const p = load('relative/pkg/train.py', 'relative');
      assert.deepStrictEqual(listing(p, P('relative')), ['pkg/__init__.py:read', 'pkg/utils.py:read', 'shared.py:read', 'pkg/engine.py:read', 'pkg/missing_module.py:missing']);
      assert.deepStrictEqual(p.stats, { imports: 10, project: 4, external: 5, missing: 1 });
    });
    it('transitively: a src/ layout and a star import', () => {
      assert.deepStrictEqual(listing(load('src-layout/scripts/train.py', 'src-layout'), P('src-layout')), ['src/trainlib/__init__.py:read', 'src/trainlib/models.py:read', 'src/trainlib/loops.py:read']);
      assert.deepStrictEqual(listing(load('star/train.py', 'star'), P('star')), ['utils.py:read', 'exported.py:read']);
    });
    it('a circular import: the modules on the cycle get no summary; an import inside a function is no cycle', () => {
      const p = load('circular/train.py', 'circular');
      assert.deepStrictEqual(listing(p, P('circular')), ['a.py:circular', 'late.py:read', 'b.py:circular']);
      assert.ok(p.modules.every((m) => (m.status === 'read') === (m.summary !== null)));
      assert.deepStrictEqual([...onCycles(new Map([['x', new Set(['x'])], ['y', new Set(['z'])], ['z', new Set<string>()]]))], ['x']);
    });
    it('a module with a syntax error: no summary, the reason; the others are read', () => {
      const p = load('syntax-error/train.py', 'syntax-error');
      assert.deepStrictEqual(listing(p, P('syntax-error')), ['broken.py:syntax-error', 'fine.py:read']);
      assert.strictEqual(p.modules[0].reason, 'it has a syntax error (line 4)');
    });
    it('an imported module deleted while open: its buffer is read while open; closed and deleted, it is missing', () => {
      const disk = new MemoryView({ '/w/train.py': 'from engine import step\nstep()\n', '/w/engine.py': 'def step():\n    pass\n' });
      const open = new OverlayView(disk);
      open.set('/w/engine.py', 'def step(m):\n    m.eval()\n');
      const before = loadProgram(open, '/w/train.py', { workspaceRoot: '/w' });
      assert.deepStrictEqual(before.modules.map((m) => m.status), ['read']);
      assert.deepStrictEqual(fn(before.modules[0].summary!, 'step').evalMode, true, 'the open buffer, not the disk');
      disk.delete('/w/engine.py');
      assert.deepStrictEqual(loadProgram(open, '/w/train.py', { workspaceRoot: '/w' }).modules.map((m) => m.status), ['read'], 'still open');
      open.close('/w/engine.py');
      const after = loadProgram(open, '/w/train.py', { workspaceRoot: '/w' });
      // the import no longer reaches a file: nothing of the project is read (and nothing is guessed)
      assert.deepStrictEqual(after.modules, []);
      assert.deepStrictEqual(after.stats, { imports: 1, project: 0, external: 1, missing: 0 });
      // a file that an import reaches but cannot be read
      const gone = new MemoryView({ '/v/train.py': 'from pkg import engine\n', '/v/pkg/__init__.py': '' });
      const stale = { ...gone, read: (f: string) => (f.endsWith('engine.py') ? { text: null, error: null, missing: true } : gone.read(f)), isFile: (f: string) => f.endsWith('engine.py') || gone.isFile(f), isDir: (d: string) => gone.isDir(d) };
      const p = loadProgram(stale, '/v/train.py', { workspaceRoot: '/v' });
      assert.deepStrictEqual(p.modules.map((m) => [path.basename(m.file), m.status, m.reason]), [['__init__.py', 'read', null], ['engine.py', 'missing', 'the file is missing']]);
    });
    it('bounded: at most maxModules modules and maxDepth imports deep; the rest is listed as not followed', () => {
      const mem: Record<string, string> = { '/c/train.py': 'import m0\n' };
      for (let i = 0; i < 30; i++) mem[`/c/m${i}.py`] = `import m${i + 1}\n`;
      const chain = new MemoryView(mem);
      const byCount = loadProgram(chain, '/c/train.py', { workspaceRoot: '/c', maxModules: 5 });
      assert.strictEqual(byCount.truncated, true);
      assert.deepStrictEqual(byCount.modules.map((m) => m.status), ['read', 'read', 'read', 'read', 'read', 'not-followed']);
      const byDepth = loadProgram(chain, '/c/train.py', { workspaceRoot: '/c', maxDepth: 3 });
      assert.deepStrictEqual(byDepth.modules.map((m) => `${path.basename(m.file)}:${m.status}`), ['m0.py:read', 'm1.py:read', 'm2.py:read', 'm3.py:not-followed']);
      assert.strictEqual(loadProgram(chain, '/c/train.py', { workspaceRoot: '/c' }).modules.length, 17, 'the default depth bound: 16');
      const all = loadProgram(chain, '/c/train.py', { workspaceRoot: '/c', maxDepth: 100 });
      assert.strictEqual(all.modules.length, 30);
      assert.strictEqual(all.modules.at(-1)!.depth, 30);
    });
    it('an entry that does not parse or cannot be read: nothing, and no exception', () => {
      const mem = new MemoryView({ '/e/train.py': 'def (:\n', '/e/x.py': '' });
      assert.strictEqual(loadProgram(mem, '/e/train.py').entrySummary, null);
      assert.strictEqual(loadProgram(mem, '/e/nothere.py').modules.length, 0);
    });
  });

  describe('workspace index', () => {
    it('indexes in slices, knows who imports whom, re-reads a changed file', async () => {
      const mem = new MemoryView({
        '/w/train.py': 'from engine import step\nimport utils\n',
        '/w/engine.py': 'from utils import save\ndef step(m):\n    m.eval()\n',
        '/w/utils.py': 'import torch\ndef save(x, p):\n    torch.save(x, p)\n',
        '/w/broken.py': 'def (:\n',
      });
      let turns = 0;
      const index = new WorkspaceIndex(mem, { workspaceRoot: '/w', sliceMs: 0, yieldTurn: async () => void turns++ });
      index.setFiles(['/w/train.py', '/w/engine.py', '/w/utils.py', '/w/broken.py']);
      assert.strictEqual(index.summaryOf('/w/train.py'), undefined);
      await index.run();
      assert.deepStrictEqual(index.progress(), { indexed: 4, total: 4, skipped: 0, done: true });
      assert.ok(turns >= 4, 'one file per slice at sliceMs 0, a yield after each');
      assert.deepStrictEqual(index.importersOf('/w/utils.py'), ['/w/engine.py', '/w/train.py']);
      assert.deepStrictEqual(index.dependentsOf('/w/utils.py'), ['/w/engine.py', '/w/train.py']);
      assert.deepStrictEqual(index.dependentsOf('/w/engine.py'), ['/w/train.py']);
      assert.strictEqual(index.summaryOf('/w/broken.py'), null);
      assert.strictEqual(index.statusOf('/w/broken.py')?.status, 'syntax-error');
      assert.strictEqual(fn(index.summaryOf('/w/engine.py')!, 'step').evalMode, true);
      mem.write('/w/engine.py', 'def step(m):\n    m.train()\n');
      index.invalidate('/w/engine.py');
      assert.strictEqual(index.progress().done, false);
      await index.run();
      assert.strictEqual(fn(index.summaryOf('/w/engine.py')!, 'step').evalMode, false);
      assert.deepStrictEqual(index.importersOf('/w/utils.py'), ['/w/train.py'], 'engine no longer imports utils');
    });
    it('waits while busy; at most maxFiles files', async () => {
      const mem = new MemoryView({ '/w/a.py': '', '/w/b.py': '', '/w/c.py': '' });
      let busy = true;
      let waited = 0;
      const index = new WorkspaceIndex(mem, {
        maxFiles: 2,
        busy: () => busy,
        yieldTurn: async () => {
          if (++waited === 3) busy = false;
        },
      });
      index.setFiles(['/w/c.py', '/w/a.py', '/w/b.py']);
      await index.run();
      assert.ok(waited >= 3);
      assert.deepStrictEqual(index.progress(), { indexed: 2, total: 2, skipped: 1, done: true });
    });
  });

  describe('settings', () => {
    it('pyproject follow-imports, the editor setting, and their order', () => {
      const cfg = parsePyproject('[tool.trainguard]\nfollow-imports = false\n', 'pyproject.toml', KNOWN_CODES);
      assert.deepStrictEqual(cfg.layer, { followImports: false });
      const bad = parsePyproject('[tool.trainguard]\nfollow-imports = "no"\n', 'pyproject.toml', KNOWN_CODES);
      assert.deepStrictEqual(bad.problems.map((p) => p.message), ['[tool.trainguard] follow-imports must be true or false, not the string "no": ignored']);
      assert.strictEqual(mergeSettings().followImports, true);
      assert.strictEqual(mergeSettings(cfg.layer).followImports, false);
      const editor = layerFromSettings({ followImports: true }, KNOWN_CODES);
      assert.strictEqual(mergeSettings(cfg.layer, editor.layer).followImports, true);
      // null (the setting's default) leaves pyproject.toml's choice
      assert.strictEqual(mergeSettings(cfg.layer, layerFromSettings({ followImports: null }, KNOWN_CODES).layer).followImports, false);
      assert.deepStrictEqual(layerFromSettings({ followImports: 'yes' }, KNOWN_CODES).problems, ['trainguard.followImports must be true or false: ignored']);
    });
    it('package.json declares trainguard.followImports (null by default: pyproject.toml decides)', () => {
      const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { default: unknown; type: unknown }> } } };
      const s = pkg.contributes.configuration.properties['trainguard.followImports'];
      assert.deepStrictEqual([s.type, s.default], [['boolean', 'null'], null]);
    });
  });

  describe('CLI: check --verbose lists the project modules', () => {
    const cwd = process.cwd();
    let root = '';
    before(() => {
      root = tempTree({
        'proj/.git/HEAD': 'ref: refs/heads/main\n',
        'proj/train.py': fs.readFileSync(P('amp', 'train.py'), 'utf8'),
        'proj/engine.py': fs.readFileSync(P('amp', 'engine.py'), 'utf8'),
        'proj/dataset.py': fs.readFileSync(P('amp', 'dataset.py'), 'utf8'),
        'proj/broken_import.py': 'from helpers import x\nfrom engine import evaluate\n',
        'proj/helpers.py': 'def x(:\n',
        'off/.git/HEAD': 'ref: refs/heads/main\n',
        'off/pyproject.toml': '[tool.trainguard]\nfollow-imports = false\n',
        'off/train.py': fs.readFileSync(P('noamp', 'train.py'), 'utf8'),
        'off/engine.py': fs.readFileSync(P('noamp', 'engine.py'), 'utf8'),
        'off/dataset.py': fs.readFileSync(P('noamp', 'dataset.py'), 'utf8'),
        'noamp/.git/HEAD': 'ref: refs/heads/main\n',
        'noamp/train.py': fs.readFileSync(P('noamp', 'train.py'), 'utf8'),
        'noamp/engine.py': fs.readFileSync(P('noamp', 'engine.py'), 'utf8'),
        'noamp/dataset.py': fs.readFileSync(P('noamp', 'dataset.py'), 'utf8'),
      });
      process.chdir(root);
    });
    after(() => {
      process.chdir(cwd);
      fs.rmSync(root, { recursive: true, force: true });
    });
    const check = (...args: string[]) => runCli(['check', '--output-format', 'concise', ...args]);
    it('each module read, with the import that reached it; a module that does not parse, with why', async () => {
      const r = await check('--verbose', 'proj/train.py', 'proj/broken_import.py');
      const sep = path.sep;
      assert.strictEqual(
        r.stderr,
        [
          `proj${sep}broken_import.py: project modules: 1 read, 1 not (4 imports: 2 of the project, 2 outside it)`,
          `  proj${sep}helpers.py  not read: it has a syntax error (line 1)  (from helpers import x, proj${sep}broken_import.py:1)`,
          `  proj${sep}engine.py  (from engine import evaluate, proj${sep}broken_import.py:2)`,
          `proj${sep}train.py: project modules: 2 read (11 imports: 2 of the project, 9 outside it)`,
          `  proj${sep}dataset.py  (from dataset import make_loader, proj${sep}train.py:7)`,
          `  proj${sep}engine.py  (from engine import evaluate, get_device, train_one_epoch, proj${sep}train.py:8)`,
          '',
        ].join('\n'),
      );
    });
    it('a file that imports nothing of the project lists nothing', async () => {
      assert.strictEqual((await check('--verbose', 'proj/dataset.py', 'proj/helpers.py')).stderr, '');
    });
    it('findings follow the imports (the non-AMP step: TG203, TG801 on the epoch loop); --no-follow-imports and follow-imports = false turn it off', async () => {
      const codes = (out: string) => out.split('\n').filter((l) => /: TG\d+ /.test(l)).map((l) => l.replace(/^(\S+?):(\d+):\d+: (TG\d+) .*$/, '$1:$2 $3').split(path.sep).join('/'));
      const on = await check('noamp/train.py');
      const off = await check('--no-follow-imports', 'noamp/train.py');
      assert.deepStrictEqual(codes(on.stdout), ['noamp/train.py:14 TG222', 'noamp/train.py:16 TG205', 'noamp/train.py:18 TG203', 'noamp/train.py:18 TG211', 'noamp/train.py:18 TG703', 'noamp/train.py:18 TG801']);
      assert.deepStrictEqual(codes(off.stdout), ['noamp/train.py:14 TG222', 'noamp/train.py:16 TG205', 'noamp/train.py:18 TG211', 'noamp/train.py:18 TG703']);
      assert.deepStrictEqual(codes((await check('off/train.py')).stdout), ['off/train.py:14 TG222', 'off/train.py:16 TG205', 'off/train.py:18 TG211', 'off/train.py:18 TG703'], 'follow-imports = false');
      // the AMP project's step has autocast, a scaler and a memory print: none of them
      assert.deepStrictEqual(codes((await check('proj/train.py')).stdout).filter((c) => /TG(203|801)/.test(c)), []);
      assert.strictEqual(on.stderr, '', 'no listing without --verbose');
      assert.strictEqual((await check('--verbose', '--no-follow-imports', 'proj/train.py')).stderr, `proj${path.sep}train.py: project modules: not followed (follow-imports is off)\n`);
      assert.strictEqual((await check('--verbose', 'off/train.py')).stderr, `off${path.sep}train.py: project modules: not followed (follow-imports is off)\n`);
    });
    it('--help documents the flag', async () => {
      let out = '';
      await run(['check', '--help'], { stdout: (s) => (out += s), stderr: (s) => (out += s) });
      assert.match(out, /--no-follow-imports/);
    });
  });

  describe('the real-code corpus: the multi-module projects resolve to their own modules', () => {
    const CORPUS = path.join(ROOT, 'test', 'realworld', 'corpus');
    const view = new DiskView();
    const modulesOf = (repo: string, entry: string) => {
      const p = loadProgram(view, path.join(CORPUS, repo, entry), { workspaceRoot: path.join(CORPUS, repo) });
      return p.modules.map((m) => `${path.relative(path.join(CORPUS, repo), m.file).split(path.sep).join('/')}:${m.status}`);
    };
    it('no import of a labelled script is taken as outside the project while the copy holds a module of that name', () => {
      const labels = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'realworld', 'labels.json'), 'utf8')) as { files: Record<string, unknown> };
      const names = new Map<string, Set<string>>();
      const namesIn = (repo: string) => {
        let set = names.get(repo);
        if (set) return set;
        set = new Set<string>();
        const walk = (d: string) => {
          for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            if (e.isDirectory()) {
              set!.add(e.name);
              walk(path.join(d, e.name));
            } else if (e.name.endsWith('.py')) set!.add(e.name.slice(0, -3));
          }
        };
        walk(path.join(CORPUS, repo));
        names.set(repo, set);
        return set;
      };
      const counts = { imports: 0, project: 0, external: 0, missing: 0 };
      const wrong: string[] = [];
      for (const rel of Object.keys(labels.files).filter((f) => f.endsWith('.py'))) {
        const repo = rel.split('/')[0];
        const file = path.join(CORPUS, rel);
        const roots = searchRoots(view, file, path.join(CORPUS, repo));
        for (const ref of refsOf(fs.readFileSync(file, 'utf8'))) {
          const r = resolveImport(view, file, ref, roots);
          counts.imports++;
          counts[r.status]++;
          if (r.status === 'external' && namesIn(repo).has(ref.module.split('.')[0])) wrong.push(`${rel}: ${importText(ref)}`);
        }
      }
      assert.deepStrictEqual(wrong, []);
      // 96 labelled .py files: 81 imports resolve to files of their project, 25 name modules of the
      // project that the corpus did not copy, the rest are torch, numpy, the standard library...
      assert.deepStrictEqual(counts, { imports: 868, project: 81, external: 762, missing: 25 });
    });
    it('deit main.py -> engine.py, losses.py, utils.py', () => {
      assert.deepStrictEqual(modulesOf('facebookresearch__deit', 'main.py'), ['engine.py:read', 'losses.py:read', 'utils.py:read']);
    });
    it('detr, bert-sentiment, a src package, going_modular, a relative package whose copy lacks some modules', () => {
      assert.deepStrictEqual(modulesOf('facebookresearch__detr', 'main.py'), ['util/misc.py:read', 'engine.py:read']);
      assert.deepStrictEqual(modulesOf('abhishekkrthakur__bert-sentiment', 'train.py'), ['config.py:read', 'dataset.py:read', 'engine.py:read', 'model.py:read']);
      assert.deepStrictEqual(modulesOf('Anjum48__commonlitreadabilityprize', 'train.py'), ['src/config.py:read', 'src/datasets.py:read', 'src/models.py:read', 'src/utils.py:read']);
      assert.deepStrictEqual(modulesOf('mrdbourke__pytorch-deep-learning', 'going_modular/going_modular/train.py').map((m) => m.replace('going_modular/going_modular/', '')), ['data_setup.py:read', 'engine.py:read', 'model_builder.py:read', 'utils.py:read']);
      const kuzushiji = modulesOf('lopuhin__kaggle-kuzushiji-2019', 'kuzushiji/segment/main.py');
      assert.ok(kuzushiji.includes('kuzushiji/segment/engine.py:read') && kuzushiji.includes('kuzushiji/segment/utils.py:read'), kuzushiji.join(' '));
      assert.ok(kuzushiji.includes('kuzushiji/segment/dataset.py:missing'), 'not in the corpus copy: missing, not external');
    });
  });
});
