/**
 * Notebook document sync over the protocol (dist/server.js over stdio): a notebook's Python cells
 * checked as one program, diagnostics per cell URI on the cell's own lines, quick fixes and fix-all
 * editing the right cell, cell edits and structure changes re-checked, a fix across cells withheld.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  ApplyWorkspaceEditRequest,
  CodeActionRequest,
  ExecuteCommandRequest,
  DidChangeNotebookDocumentNotification,
  DidCloseNotebookDocumentNotification,
  DidOpenNotebookDocumentNotification,
  HoverRequest,
  InitializeRequest,
  InitializedNotification,
  type CodeAction,
  type Diagnostic,
  type PublishDiagnosticsParams,
  type TextDocumentEdit,
} from 'vscode-languageserver-protocol/node';
import { LspSession } from './lsp.test';
import { parseIpynb, type Ipynb } from '../../server/src/analysis/ipynb';
import { NotebookProgram } from '../../server/src/analysis/notebook';
import { analyzeText } from '../../server/src/analysis/analyze';
import { initParser } from '../../server/src/analysis/parser';
import { applyEdits, type TextEdit } from '../../server/src/analysis/source';
import { ROOT } from './helpers';
import { tempTree } from './tempTree';
import { pathToFileURL } from 'url';

const NB_URI = 'file:///ws/flow.ipynb';
const cellUri = (n: number) => `vscode-notebook-cell:/ws/flow.ipynb#C${n}`;

interface Cell {
  kind: 1 | 2;
  uri: string;
  language: string;
  text: string;
  version: number;
}

function cellsOf(nb: Ipynb): Cell[] {
  return nb.cells.map((c, i) => ({ kind: c.kind === 'code' ? 2 : 1, uri: cellUri(i + 1), language: c.kind === 'code' ? 'python' : 'markdown', text: c.text, version: 1 }));
}

async function openNotebook(s: LspSession, cells: Cell[], uri = NB_URI): Promise<void> {
  await s.conn.sendNotification(DidOpenNotebookDocumentNotification.type, {
    notebookDocument: { uri, notebookType: 'jupyter-notebook', version: 1, cells: cells.map((c) => ({ kind: c.kind, document: c.uri })) },
    cellTextDocuments: cells.map((c) => ({ uri: c.uri, languageId: c.language, version: c.version, text: c.text })),
  });
}

const codes = (p: PublishDiagnosticsParams) => p.diagnostics.map((d) => `${d.code}@${d.range.start.line + 1}:${d.range.start.character + 1}`).sort();

describe('language server: notebook document sync', function () {
  this.timeout(30000);
  let s: LspSession;
  let cells: Cell[];

  before(() => initParser());
  beforeEach(async () => {
    s = new LspSession();
    await s.initialize({ debounceMs: 0, select: ['TG203', 'TG211', 'TG303', 'TG701'] });
    const nb = parseIpynb(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'notebooks', 'kaggle-flow.ipynb'), 'utf8')) as Ipynb;
    cells = cellsOf(nb);
  });
  afterEach(async () => s.close());

  it('announces notebook sync for the Python cells of Jupyter notebooks', async () => {
    // the session of beforeEach is initialized already: ask a fresh one, closed whatever happens
    const s2 = new LspSession();
    try {
      const caps = ((await s2.initialize()) as { capabilities: { notebookDocumentSync: unknown } }).capabilities;
      assert.deepStrictEqual(caps.notebookDocumentSync, { notebookSelector: [{ notebook: { notebookType: 'jupyter-notebook' }, cells: [{ language: 'python' }] }] });
    } finally {
      await s2.close();
    }
  });

  it('publishes per cell URI, on the cell lines, across cells (model in cell 8, trained in cell 9)', async () => {
    await openNotebook(s, cells);
    const c5 = await s.diagnostics(cellUri(5), (p) => p.diagnostics.length > 0);
    // TG203 on the epoch loop of cell 9, which calls the batch loop of cell 5
    assert.deepStrictEqual(codes(c5), ['TG303@10:16']);
    assert.strictEqual(c5.version, 1);
    const c9 = await s.diagnostics(cellUri(9), (p) => p.diagnostics.length > 0);
    assert.deepStrictEqual(codes(c9), ['TG203@2:1', 'TG211@2:1', 'TG701@8:9']);
    // Python cells without findings get an empty list; markdown and raw cells nothing at all
    assert.deepStrictEqual((await s.diagnostics(cellUri(2))).diagnostics, []);
    for (const n of [1, 4, 6]) assert.ok(!s.latest.has(cellUri(n)), `cell ${n} is not Python`);
    assert.ok(!s.latest.has(NB_URI), 'nothing published on the notebook URI itself');
    const tg303 = c5.diagnostics.find((d) => d.code === 'TG303')!;
    assert.ok(cells[4].text.split('\n')[tg303.range.start.line].slice(tg303.range.start.character).startsWith('criterion(logits, labels)'));
  });

  it('a quick fix edits the right cell at its version, and the edited cell is re-checked', async () => {
    await openNotebook(s, cells);
    const c5 = await s.diagnostics(cellUri(5), (p) => p.diagnostics.length > 0);
    const d = c5.diagnostics.find((x) => x.code === 'TG303') as Diagnostic;
    const actions = (await s.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri: cellUri(5) }, range: d.range, context: { diagnostics: [d], only: ['quickfix'] } })) as CodeAction[];
    const fix = actions.find((a) => a.isPreferred)!;
    assert.ok(fix, 'no preferred quick fix');
    assert.deepStrictEqual(fix.diagnostics, [d], 'the action names the diagnostic the client sent');
    const change = fix.edit!.documentChanges![0] as TextDocumentEdit;
    assert.strictEqual(fix.edit!.documentChanges!.length, 1);
    assert.deepStrictEqual(change.textDocument, { uri: cellUri(5), version: 1 });
    const edits = change.edits as TextEdit[];
    const fixed = applyEdits(cells[4].text, edits);
    assert.ok(fixed.includes('            loss = criterion(logits, labels)'));
    await s.conn.sendNotification(DidChangeNotebookDocumentNotification.type, {
      notebookDocument: { uri: NB_URI, version: 2 },
      change: { cells: { textContent: [{ document: { uri: cellUri(5), version: 2 }, changes: edits.map((e) => ({ range: e.range, text: e.newText })) }] } },
    });
    const after = await s.diagnostics(cellUri(5), (p) => p.version === 2);
    assert.deepStrictEqual(codes(after), []);
    assert.deepStrictEqual(codes(s.latest.get(cellUri(9))!), ['TG203@2:1', 'TG211@2:1', 'TG701@8:9']);
  });

  it('a fix whose edits fall in several cells (TG304: the import cell and the calls) edits each cell at its version', async () => {
    const s2 = new LspSession();
    try {
      await s2.initialize({ debounceMs: 0, select: ['TG304'] });
      await openNotebook(s2, cells);
      // reported on the call in cell 8 (`scaler = GradScaler()`), not on the import in cell 2
      const c8 = await s2.diagnostics(cellUri(8), (p) => p.diagnostics.length > 0);
      assert.deepStrictEqual(codes(c8), ['TG304@4:10']);
      const d = c8.diagnostics[0];
      assert.strictEqual((d.data as { fixable: boolean }).fixable, true);
      const actions = (await s2.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri: cellUri(8) }, range: d.range, context: { diagnostics: [d], only: ['quickfix'] } })) as CodeAction[];
      const tg304 = actions.filter((a) => a.title.endsWith('(TG304)'));
      assert.deepStrictEqual(tg304.map((a) => [a.title, a.isPreferred]), [
        ['Use torch.amp.GradScaler("cuda", ...) (TG304)', true],
        ['Rewrite every deprecated torch.cuda.amp use in the file (TG304)', false],
      ]);
      // this call alone: its own cell, and GradScaler, read by no other call, leaves the import in cell 2
      // (autocast, still read in cell 5, stays)
      const own = tg304[0].edit!.documentChanges as TextDocumentEdit[];
      assert.deepStrictEqual(own.map((c) => c.textDocument), [2, 8].map((n) => ({ uri: cellUri(n), version: 1 })));
      const ownAfter = (n: number) => applyEdits(cells[n - 1].text, own.find((c) => c.textDocument.uri === cellUri(n))!.edits as TextEdit[]);
      assert.ok(ownAfter(2).includes('\nfrom torch.cuda.amp import autocast\n'), ownAfter(2));
      assert.ok(ownAfter(8).includes('scaler = torch.amp.GradScaler("cuda")\nmodel?'), ownAfter(8));
      // every use: the import cell and both calls' cells, each at its version
      const changes = tg304[1].edit!.documentChanges as TextDocumentEdit[];
      assert.deepStrictEqual(changes.map((c) => c.textDocument), [2, 5, 8].map((n) => ({ uri: cellUri(n), version: 1 })));
      const after = (n: number) => applyEdits(cells[n - 1].text, changes.find((c) => c.textDocument.uri === cellUri(n))!.edits as TextEdit[]);
      assert.ok(after(2).startsWith('%matplotlib inline\n!pip install -q timm\n') && after(2).includes('from torch.amp import GradScaler, autocast\n'), after(2));
      assert.ok(after(5).includes('with autocast("cuda"):'), after(5));
      assert.ok(after(8).includes('scaler = GradScaler("cuda")\nmodel?'), after(8));
    } finally {
      await s2.close();
    }
  });

  it('cells added, removed and edited: the program follows (a !nvidia-smi cell silences TG203)', async () => {
    await openNotebook(s, cells);
    await s.diagnostics(cellUri(9), (p) => codes(p).includes('TG203@2:1'));
    const shell: Cell = { kind: 2, uri: cellUri(100), language: 'python', text: '!nvidia-smi', version: 1 };
    await s.conn.sendNotification(DidChangeNotebookDocumentNotification.type, {
      notebookDocument: { uri: NB_URI, version: 2 },
      change: { cells: { structure: { array: { start: 1, deleteCount: 0, cells: [{ kind: 2, document: shell.uri }] }, didOpen: [{ uri: shell.uri, languageId: 'python', version: 1, text: shell.text }] } } },
    });
    await s.diagnostics(cellUri(9), (p) => !codes(p).includes('TG203@2:1'));
    assert.deepStrictEqual((await s.diagnostics(shell.uri)).diagnostics, [], 'the shell line itself is no error');
    // type into the new cell: the command changes, the report is gone
    await s.conn.sendNotification(DidChangeNotebookDocumentNotification.type, {
      notebookDocument: { uri: NB_URI, version: 3 },
      change: { cells: { textContent: [{ document: { uri: shell.uri, version: 2 }, changes: [{ range: { start: { line: 0, character: 1 }, end: { line: 0, character: 11 } }, text: 'ls' }] }] } },
    });
    await s.diagnostics(cellUri(9), (p) => codes(p).includes('TG203@2:1'));
    // remove the cell that trains: the findings on it go, and so does the smoke-test finding
    await s.conn.sendNotification(DidChangeNotebookDocumentNotification.type, {
      notebookDocument: { uri: NB_URI, version: 4 },
      change: { cells: { structure: { array: { start: 9, deleteCount: 1 }, didClose: [{ uri: cellUri(9) }] } } },
    });
    await s.diagnostics(cellUri(9), (p) => p.diagnostics.length === 0);
  });

  it('fix-all on a cell edits that cell only; a fix across two cells is offered as one edit of both', async () => {
    await openNotebook(s, cells);
    await s.diagnostics(cellUri(9), (p) => p.diagnostics.length > 0);
    const actions = (await s.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri: cellUri(9) }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [], only: ['source.fixAll.trainguard'] } })) as CodeAction[];
    assert.strictEqual(actions.length, 1);
    const changes = actions[0].edit!.documentChanges as TextDocumentEdit[];
    assert.deepStrictEqual(changes.map((c) => c.textDocument.uri), [cellUri(9)]);
    const fixed = applyEdits(cells[8].text, changes[0].edits as TextEdit[]);
    assert.ok(fixed.includes('smoke_loss') && fixed.includes('_last.pth'), fixed);

    // the "Fix all in file" command on a cell: one versioned workspace/applyEdit of that cell
    const applied: { edit: { documentChanges: TextDocumentEdit[] } }[] = [];
    s.conn.onRequest(ApplyWorkspaceEditRequest.type, (p) => {
      applied.push(p as unknown as { edit: { documentChanges: TextDocumentEdit[] } });
      return { applied: true };
    });
    const answer = await s.conn.sendRequest(ExecuteCommandRequest.type, { command: 'trainguard.server.applyFixAll', arguments: [{ uri: cellUri(5) }] });
    assert.deepStrictEqual(answer, { status: 'applied', fixed: 2 });
    assert.deepStrictEqual(applied[0].edit.documentChanges.map((c) => c.textDocument), [{ uri: cellUri(5), version: 1 }]);
    const cell5 = applyEdits(cells[4].text, applied[0].edit.documentChanges[0].edits as TextEdit[]);
    assert.ok(cell5.includes('            loss = criterion(logits, labels)') && cell5.includes('gpu_mem_gb'), cell5);
    assert.deepStrictEqual(await s.conn.sendRequest(ExecuteCommandRequest.type, { command: 'trainguard.server.applyFixAll', arguments: [{ uri: cellUri(2) }] }), { status: 'nothing-to-fix', fixed: 0 });

    // the loop starts in cell A and its body goes on in cell B (each invalid alone): TG203's fix
    // rewrites the loop header in A and inserts the GPU print in B: offered as one edit of both
    // cells, each at its version, and the program they make is fixed
    const split: Cell[] = [
      { kind: 2, uri: 'vscode-notebook-cell:/ws/split.ipynb#A', language: 'python', text: 'import torch\nfrom torch.cuda.amp import autocast\nmodel = torch.nn.Linear(2, 2).cuda()\ncrit = torch.nn.MSELoss()\nopt = torch.optim.SGD(model.parameters(), lr=0.1)\nfor x, y in []:\n    with autocast():\n        out = model(x)', version: 1 },
      { kind: 2, uri: 'vscode-notebook-cell:/ws/split.ipynb#B', language: 'python', text: '    loss = crit(out, y)\n    loss.backward()\n    opt.step()\n    opt.zero_grad()\n', version: 3 },
    ];
    await openNotebook(s, split, 'file:///ws/split.ipynb');
    const a = await s.diagnostics(split[0].uri, (p) => codes(p).includes('TG203@6:1'));
    const d = a.diagnostics.find((x) => x.code === 'TG203')!;
    assert.strictEqual((d.data as { fixable: boolean }).fixable, true);
    const offered = (await s.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri: split[0].uri }, range: d.range, context: { diagnostics: [d], only: ['quickfix'] } })) as CodeAction[];
    const tg203 = offered.find((x) => x.title.endsWith('(TG203)'));
    assert.ok(tg203, `no TG203 fix among: ${offered.map((x) => x.title).join('; ')}`);
    const splitChanges = tg203.edit!.documentChanges as TextDocumentEdit[];
    assert.deepStrictEqual(splitChanges.map((c) => c.textDocument), [{ uri: split[0].uri, version: 1 }, { uri: split[1].uri, version: 3 }]);
    const fixedCells = split.map((c, i) => applyEdits(c.text, splitChanges[i].edits as TextEdit[]));
    assert.ok(fixedCells[0].includes('enumerate([])') && fixedCells[1].includes('memory_allocated'), fixedCells.join('\n----\n'));
    const program = NotebookProgram.fromCells(fixedCells.map((text) => ({ kind: 'code' as const, text })));
    const left = analyzeText(program.text);
    assert.ok(!left.syntaxError && !left.findings.some((f) => f.code === 'TG203'), program.text);
    // the suppressions edit cell A only
    assert.ok(offered.some((x) => x.title === 'Ignore TG203 on this line'));
    for (const x of offered.filter((y) => y.edit && y !== tg203)) assert.deepStrictEqual((x.edit!.documentChanges as TextDocumentEdit[]).map((c) => c.textDocument.uri), [split[0].uri], x.title);
  });

  it('a client that resolves edits gets the cell\'s fix-all from the lightbulb request without its edit, computed when resolved', async () => {
    const r = new LspSession();
    try {
      await r.initialize({ debounceMs: 0, select: ['TG203', 'TG211', 'TG303', 'TG701'] }, true);
      await openNotebook(r, cells);
      await r.diagnostics(cellUri(9), (p) => p.diagnostics.length > 0);
      const request = (only?: string[]) => r.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri: cellUri(9) }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [], ...(only ? { only } : {}) } }) as Promise<CodeAction[]>;
      const offered = (await request()).filter((a) => a.kind === 'source.fixAll.trainguard');
      assert.strictEqual(offered.length, 1);
      assert.strictEqual(offered[0].edit, undefined);
      const resolved = (await r.conn.sendRequest('codeAction/resolve', offered[0])) as CodeAction;
      // the same edit as the eager answer to only: [source.fixAll.trainguard]
      const eager = (await request(['source.fixAll.trainguard']))[0];
      assert.deepStrictEqual(resolved.edit, eager.edit);
      assert.deepStrictEqual((resolved.edit!.documentChanges as TextDocumentEdit[]).map((c) => c.textDocument), [{ uri: cellUri(9), version: 1 }]);
      // once the cell has changed, the old action resolves to nothing
      await r.conn.sendNotification(DidChangeNotebookDocumentNotification.type, {
        notebookDocument: { uri: NB_URI, version: 2 },
        change: { cells: { textContent: [{ document: { uri: cellUri(9), version: 2 }, changes: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# edited\n' }] }] } },
      });
      await r.diagnostics(cellUri(9), (p) => p.version === 2);
      assert.strictEqual(((await r.conn.sendRequest('codeAction/resolve', offered[0])) as CodeAction).edit, undefined);
    } finally {
      await r.close();
    }
  });

  it('pyproject.toml settings come from the notebook file\'s own folder', async () => {
    const root = tempTree({ 'a/pyproject.toml': '[tool.trainguard]\nignore = ["TG303"]\n', 'b/.keep': '' });
    try {
      const s2 = new LspSession();
      await s2.conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: pathToFileURL(root).href, workspaceFolders: [{ uri: pathToFileURL(root).href, name: 'ws' }], capabilities: {}, initializationOptions: { settings: { debounceMs: 0 } } });
      await s2.conn.sendNotification(InitializedNotification.type, {});
      const inA = cells.map((c, i) => ({ ...c, uri: `vscode-notebook-cell:${path.join(root, 'a', 'flow.ipynb')}#${i}` }));
      const inB = cells.map((c, i) => ({ ...c, uri: `vscode-notebook-cell:${path.join(root, 'b', 'flow.ipynb')}#${i}` }));
      await openNotebook(s2, inA, pathToFileURL(path.join(root, 'a', 'flow.ipynb')).href);
      await openNotebook(s2, inB, pathToFileURL(path.join(root, 'b', 'flow.ipynb')).href);
      // (no select in the client's settings here: a select there would start over and drop pyproject's ignore)
      try {
        const b5 = await s2.diagnostics(inB[4].uri, (p) => p.diagnostics.length > 0);
        assert.ok(codes(b5).includes('TG303@10:16'), codes(b5).join(' '));
        const a9 = await s2.diagnostics(inA[8].uri, (p) => p.diagnostics.length > 0);
        assert.ok(codes(a9).includes('TG203@2:1'), codes(a9).join(' '));
        const a5 = await s2.diagnostics(inA[4].uri);
        assert.ok(!codes(a5).some((c) => c.startsWith('TG303')), 'a/pyproject.toml ignores TG303 for a/flow.ipynb');
      } finally {
        await s2.close();
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('hovers on a suppression comment in a cell; closing the notebook clears its cells', async () => {
    cells[7] = { ...cells[7], text: cells[7].text.replace('criterion = nn.CrossEntropyLoss()', 'criterion = nn.CrossEntropyLoss()  # noqa: TG303') };
    await openNotebook(s, cells);
    await s.diagnostics(cellUri(9), (p) => p.diagnostics.length > 0);
    const line = cells[7].text.split('\n').findIndex((l) => l.includes('# noqa: TG303'));
    const col = cells[7].text.split('\n')[line].indexOf('TG303') + 2;
    const h = (await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri: cellUri(8) }, position: { line, character: col } })) as { contents: { value: string }; range: { start: { line: number } } } | null;
    assert.ok(h && h.contents.value.includes('loss-outside-autocast'), JSON.stringify(h));
    assert.strictEqual(h.range.start.line, line);
    await s.conn.sendNotification(DidCloseNotebookDocumentNotification.type, { notebookDocument: { uri: NB_URI }, cellTextDocuments: cells.map((c) => ({ uri: c.uri })) });
    await s.diagnostics(cellUri(9), (p) => p.diagnostics.length === 0);
    await s.diagnostics(cellUri(5), (p) => p.diagnostics.length === 0);
  });
});
