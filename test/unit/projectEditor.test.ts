/**
 * The editor's side of the project analysis (issue 18), below the protocol (lspProject.test.ts
 * drives the server): the sliced program load is the same load as `loadProgram` and stops when stale,
 * the entry's summary can be handed in, summaries computed on the index thread go into the cache and
 * the index is built from them, and the workspace walk skips what the CLI skips.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { FIXTURES, ROOT, ready } from './helpers';
import { tempTree } from './tempTree';
import { DiskView, MemoryView } from '../../server/src/project/fsview';
import { loadProgram, loadProgramSliced, type Program } from '../../server/src/project/loader';
import { SummaryCache } from '../../server/src/project/cache';
import { importsOf } from '../../server/src/project/imports';
import { WorkspaceIndex } from '../../server/src/project/index';
import { contentHash, summarizeModel, summarizeText, type SummaryResult } from '../../server/src/project/summary';
import { parsePython } from '../../server/src/analysis/parser';
import { PythonModel } from '../../server/src/analysis/model';
import { PythonDocument } from '../../server/src/analysis/document';
import { IndexThread, walkPython } from '../../server/src/lsp/features/projectImports';

const shape = (p: Program) => ({ entry: p.entry, stats: p.stats, truncated: p.truncated, modules: p.modules.map((m) => [m.file, m.status, m.depth, m.via.line]) });
const nextTurn = () => new Promise<void>((r) => setImmediate(r));

describe('project analysis in the editor: sliced loads, the index thread, the workspace walk', function () {
  this.timeout(30000);
  before(ready);

  it('loadProgramSliced reads the same modules as loadProgram, pausing between modules', async () => {
    for (const [name, entry] of [['amp', 'train.py'], ['relative', 'pkg/train.py'], ['src-layout', 'scripts/train.py'], ['star', 'train.py'], ['circular', 'train.py'], ['syntax-error', 'train.py']]) {
      const root = path.join(FIXTURES, 'projects', name);
      const file = path.join(root, entry);
      const whole = loadProgram(new DiskView(), file, { workspaceRoot: root });
      let pauses = 0;
      const sliced = await loadProgramSliced(new DiskView(), file, { workspaceRoot: root, sliceMs: 0, pause: async () => (pauses++, nextTurn()) });
      assert.deepStrictEqual(shape(sliced!), shape(whole), name);
      assert.strictEqual(pauses, whole.modules.filter((m) => m.status !== 'missing' && m.status !== 'not-followed').length, `${name}: a pause after each module read`);
    }
  });

  it('a sliced load abandoned when stale gives null, and what it summarised stays cached', async () => {
    const root = path.join(FIXTURES, 'projects', 'amp');
    const cache = new SummaryCache();
    const r = await loadProgramSliced(new DiskView(), path.join(root, 'train.py'), { workspaceRoot: root, cache, sliceMs: 0, pause: nextTurn, isStale: () => true });
    assert.strictEqual(r, null);
    assert.strictEqual(cache.size, 2, 'the entry and the first module');
  });

  it('the entry imports handed in (the server reads them from its model) are used instead of reading the entry', () => {
    const view = new MemoryView({ '/w/engine.py': 'def step(model):\n    return model\n' });
    const text = 'from engine import step\nprint(step(1))\n';
    const tree = parsePython(text);
    try {
      const imports = importsOf(new PythonModel(tree, text));
      const p = loadProgram(view, '/w/train.py', { workspaceRoot: '/w', entryImports: imports });
      assert.strictEqual(p.entrySummary, null, 'the entry is not read again');
      assert.deepStrictEqual(p.entryImports, imports);
      assert.deepStrictEqual(p.modules.map((m) => [m.file, m.status]), [['/w/engine.py', 'read']]);
    } finally {
      tree.delete();
    }
  });

  it('PythonDocument.freshModel: a new model of the same version, not parsed again (a check with another program)', () => {
    const doc = new PythonDocument('import torch\nx = torch.zeros(1)\n', 1, true);
    try {
      const first = doc.model();
      const parses = doc.parses;
      const again = doc.freshModel();
      assert.notStrictEqual(again, first);
      assert.strictEqual(doc.model(), again, 'kept as the model of this version');
      assert.strictEqual(doc.parses, parses, 'the tree is reused');
    } finally {
      doc.dispose();
    }
  });

  it('SummaryCache.put keeps a summary computed elsewhere, within the bounds', () => {
    const cache = new SummaryCache(2);
    const texts = ['x = 1\n', 'y = 2\n', 'z = 3\n'];
    for (const t of texts) cache.put(contentHash(t), summarizeText(t));
    assert.strictEqual(cache.size, 2);
    assert.ok(!cache.has(contentHash(texts[0])), 'the oldest dropped');
    const before = cache.bytes;
    cache.put(contentHash(texts[2]), summarizeText(texts[2]));
    assert.strictEqual(cache.bytes, before, 'put again: counted once');
    cache.summarize(texts[1]);
    assert.strictEqual(cache.computed, 0, 'served from what was put');
  });

  it('the index built from summaries computed elsewhere: the same entries, nothing summarised on this thread', async () => {
    const root = path.join(FIXTURES, 'projects', 'amp');
    const files = ['train.py', 'engine.py', 'dataset.py'].map((f) => path.join(root, f));
    const here = new WorkspaceIndex(new DiskView(), { workspaceRoot: root, yieldTurn: nextTurn });
    here.setFiles(files);
    await here.run();
    const cache = new SummaryCache();
    let asked = 0;
    const away = new WorkspaceIndex(new DiskView(), { workspaceRoot: root, cache, yieldTurn: nextTurn, summarize: (text) => (asked++, Promise.resolve(summarizeText(text))) });
    away.setFiles(files);
    await away.run();
    assert.strictEqual(asked, 3);
    assert.strictEqual(cache.computed, 0);
    for (const f of files) assert.deepStrictEqual(away.statusOf(f), here.statusOf(f));
    assert.deepStrictEqual(away.dependentsOf(path.join(root, 'engine.py')), here.dependentsOf(path.join(root, 'engine.py')));
    // no thread (null): summarised here
    const none = new WorkspaceIndex(new DiskView(), { workspaceRoot: root, yieldTurn: nextTurn, summarize: () => null });
    none.setFiles(files);
    await none.run();
    assert.strictEqual(none.cache.computed, 3);
  });

  it('the index thread (dist/index-worker.js) summarises as summarizeText does; a missing file means no thread', async () => {
    const errors: string[] = [];
    const thread = new IndexThread(path.join(ROOT, 'dist', 'index-worker.js'), (m) => errors.push(m));
    assert.ok(thread.start(), 'started');
    try {
      const text = fs.readFileSync(path.join(FIXTURES, 'projects', 'amp', 'engine.py'), 'utf8');
      const r = (await thread.summarize(text)) as SummaryResult;
      assert.deepStrictEqual(r, summarizeText(text));
      const broken = (await thread.summarize('def f(:\n')) as SummaryResult;
      assert.strictEqual(broken.status, 'syntax-error');
    } finally {
      thread.stop();
    }
    assert.strictEqual(thread.summarize('x = 1\n'), null, 'stopped: summarise here');
    const missing = new IndexThread(path.join(ROOT, 'dist', 'no-such-worker.js'), (m) => errors.push(m));
    assert.strictEqual(missing.start(), false);
    assert.strictEqual(missing.summarize('x = 1\n'), null);
    assert.deepStrictEqual(errors, []);
  });

  it('the workspace walk: .py files only, VCS folders, caches, node_modules and virtual environments skipped, bounded', async () => {
    const root = tempTree({
      'train.py': '',
      'pkg/a.py': '',
      'pkg/data.csv': '',
      '.git/hooks/x.py': '',
      'node_modules/m/y.py': '',
      '__pycache__/z.py': '',
      'myenv/pyvenv.cfg': '',
      'myenv/lib/site.py': '',
    });
    try {
      const all = await walkPython([root], 100, 100);
      assert.deepStrictEqual(all.byRoot.get(root)!.map((f) => path.relative(root, f)).sort(), ['pkg/a.py', 'train.py']);
      assert.strictEqual(all.truncated, false);
      const bounded = await walkPython([root], 1, 100);
      assert.strictEqual(bounded.byRoot.get(root)!.length, 1);
      assert.strictEqual(bounded.truncated, true);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
