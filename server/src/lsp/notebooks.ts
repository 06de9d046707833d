/**
 * Notebooks in the language server (LSP 3.17 notebook document sync): the Python cells of a Jupyter
 * notebook are analysed as one program (analysis/notebook.ts), kept in one incrementally parsed
 * PythonDocument under the notebook's URI, and everything that crosses the protocol is mapped:
 *
 * - diagnostics are published per cell URI, on the cell's own lines (and cleared from cells that
 *   left the notebook or the program);
 * - a code action requested on a cell is computed on the program (range and diagnostics mapped in)
 *   and its edit mapped back to that cell's URI and version; an action whose edits fall in two cells
 *   or change an IPython line is not offered;
 * - fix-all on a cell applies the safe fixes that land in that cell (VS Code runs it for each cell
 *   on save), so one cell's action never edits another;
 * - hovers map the position in.
 *
 * A change to a cell rebuilds the program text from the cells (only the changed cell is re-masked)
 * and sends the tree ONE edit: the smallest span between the old and the new program. The check that
 * follows re-parses once with the edited tree, and runs the rules over the whole program (a finding
 * may join cells: the model and its training loop); a check overtaken by a newer change is abandoned
 * at its next rule boundary, as for a file (server.ts).
 *
 * Settings and workspace facts come from the notebook's own path (its URI is the .ipynb file).
 */
import { pathToFileURL } from 'url';
import { type CodeAction, type CodeActionParams, type Diagnostic, type NotebookCell, type TextDocumentEdit, type TextDocumentItem, type WorkspaceEdit } from 'vscode-languageserver/node';
import { limitExceeded, limitsFrom } from '../analysis/limits';
import { NotebookProgram, type CellInput, type MaskResult } from '../analysis/notebook';
import { minimalEdit } from '../analysis/source';
import { PythonDocument } from '../analysis/document';
import { SourceText, type Range, type TextEdit } from '../analysis/source';
import { fixNotebook } from '../fixes/notebook';
import type { Finding } from '../rules/types';
import type { DocState, ServerContext } from './context';
import { clientResolvesEdits, deferredEdit, fixAllAnswer, kindWanted, type DeferredEdit } from './actions';
import { FIX_ALL_KIND } from './features/fixAll';

export const NOTEBOOK_TYPE = 'jupyter-notebook';

export interface LspCell {
  uri: string;
  kind: 'code' | 'markdown';
  language: string;
  text: string;
  version: number;
}

/** What a notebook's DocState carries besides the program document. */
export interface NotebookState {
  uri: string;
  notebookType: string;
  cells: LspCell[];
  program: NotebookProgram;
  /** Masking results by cell text, reused across rebuilds. */
  masks: Map<string, MaskResult>;
  /** Cell URIs diagnostics were last published to (to clear the ones that left). */
  published: Set<string>;
}

function cellInputs(cells: readonly LspCell[]): CellInput[] {
  return cells.map((c) => ({ kind: c.kind === 'code' ? 'code' : 'markdown', language: c.language, text: c.text }));
}

/** Applies LSP content changes (each against the text left by the previous one) to a text. */
export function applyContentChanges(text: string, changes: readonly ({ range: Range; text: string } | { text: string })[]): string {
  for (const ch of changes) {
    if (!('range' in ch) || !ch.range) {
      text = ch.text;
      continue;
    }
    const src = new SourceText(text);
    const start = src.offsetAt(ch.range.start);
    const end = Math.max(start, src.offsetAt(ch.range.end));
    text = text.slice(0, start) + ch.text + text.slice(end);
  }
  return text;
}

export class Notebooks {
  /** Cell URI -> notebook URI. */
  private readonly cellOwner = new Map<string, string>();

  constructor(private readonly ctx: ServerContext) {}

  notebookOf(cellUri: string): { state: DocState; nb: NotebookState; index: number } | undefined {
    const owner = this.cellOwner.get(cellUri);
    const state = owner ? this.ctx.documents.get(owner) : undefined;
    const nb = state?.notebook;
    if (!state || !nb) return undefined;
    const index = nb.cells.findIndex((c) => c.uri === cellUri);
    return index < 0 ? undefined : { state, nb, index };
  }

  isCell(uri: string): boolean {
    return this.cellOwner.has(uri);
  }

  open(notebook: { uri: string; notebookType: string; cells: NotebookCell[] }, items: readonly TextDocumentItem[]): void {
    this.close(notebook.uri);
    const texts = new Map(items.map((i) => [i.uri, i]));
    const cells: LspCell[] = notebook.cells.map((c) => {
      const item = texts.get(c.document);
      return { uri: c.document, kind: c.kind === 2 ? 'code' : 'markdown', language: item?.languageId ?? (c.kind === 2 ? 'python' : 'markdown'), text: item?.text ?? '', version: item?.version ?? 0 };
    });
    const masks = new Map<string, MaskResult>();
    const program = NotebookProgram.fromCells(cellInputs(cells), masks);
    const state: DocState = {
      uri: notebook.uri,
      doc: new PythonDocument(program.text, 1, false),
      languageId: 'python',
      findings: [],
      analyzedVersion: -1,
      notebook: { uri: notebook.uri, notebookType: notebook.notebookType, cells, program, masks, published: new Set() },
    };
    for (const c of cells) this.cellOwner.set(c.uri, notebook.uri);
    this.ctx.documents.set(notebook.uri, state);
    this.ctx.schedule(notebook.uri);
  }

  change(uri: string, change: {
    cells?: {
      structure?: { array: { start: number; deleteCount: number; cells?: NotebookCell[] }; didOpen?: TextDocumentItem[]; didClose?: { uri: string }[] };
      data?: NotebookCell[];
      textContent?: { document: { uri: string; version: number }; changes: ({ range: Range; text: string } | { text: string })[] }[];
    };
  }): void {
    const state = this.ctx.documents.get(uri);
    const nb = state?.notebook;
    if (!state || !nb) return;
    const byUri = new Map(nb.cells.map((c) => [c.uri, c]));
    const cellsChange = change.cells;
    if (cellsChange?.structure) {
      const { array, didOpen, didClose } = cellsChange.structure;
      for (const d of didClose ?? []) {
        byUri.delete(d.uri);
        this.cellOwner.delete(d.uri);
      }
      for (const i of didOpen ?? []) byUri.set(i.uri, { uri: i.uri, kind: 'code', language: i.languageId, text: i.text, version: i.version });
      const inserted = (array.cells ?? []).map((c): LspCell => {
        const known = byUri.get(c.document);
        const kind = c.kind === 2 ? 'code' : 'markdown';
        return known ? { ...known, kind } : { uri: c.document, kind, language: kind === 'code' ? 'python' : 'markdown', text: '', version: 0 };
      });
      const start = Math.max(0, Math.min(array.start, nb.cells.length));
      nb.cells.splice(start, Math.max(0, array.deleteCount), ...inserted);
      // a document opened for a cell elsewhere in the list brings its text and version (the kind stays the cell's)
      nb.cells = nb.cells.map((c) => {
        const known = byUri.get(c.uri);
        return known ? { ...known, kind: c.kind } : c;
      });
      for (const c of nb.cells) this.cellOwner.set(c.uri, uri);
    }
    for (const d of cellsChange?.data ?? []) {
      const i = nb.cells.findIndex((c) => c.uri === d.document);
      if (i >= 0) nb.cells[i] = { ...nb.cells[i], kind: d.kind === 2 ? 'code' : 'markdown' };
    }
    for (const t of cellsChange?.textContent ?? []) {
      const i = nb.cells.findIndex((c) => c.uri === t.document.uri);
      if (i < 0) continue;
      nb.cells[i] = { ...nb.cells[i], text: applyContentChanges(nb.cells[i].text, t.changes), version: t.document.version };
    }
    this.rebuild(state, nb);
  }

  /** New program from the cells; the document gets one incremental edit (the changed span). */
  private rebuild(state: DocState, nb: NotebookState): void {
    const before = nb.program.text;
    nb.program = NotebookProgram.fromCells(cellInputs(nb.cells), nb.masks);
    const after = nb.program.text;
    const version = state.doc.version + 1;
    if (before === after) state.doc.update([], version);
    else {
      const e = minimalEdit(before, after);
      state.doc.update([{ range: e.range, text: e.newText }], version);
    }
    this.ctx.schedule(nb.uri);
  }

  close(uri: string): void {
    const state = this.ctx.documents.get(uri);
    if (!state?.notebook) return;
    if (state.timer) clearTimeout(state.timer);
    state.doc.dispose();
    this.ctx.documents.delete(uri);
    for (const c of state.notebook.cells) this.cellOwner.delete(c.uri);
    for (const cellUri of state.notebook.published) this.ctx.connection.sendDiagnostics({ uri: cellUri, diagnostics: [] });
  }

  /** Publishes a notebook's findings on its cells (every Python cell gets a list, possibly empty). */
  publish(state: DocState, toDiagnostic: (f: Finding, uri: string) => Diagnostic, extra: Diagnostic[] = []): void {
    const nb = state.notebook!;
    const byCell = new Map<string, Diagnostic[]>();
    for (const seg of nb.program.segments) byCell.set(nb.cells[seg.cell].uri, []);
    const first = nb.program.segments[0];
    if (first && extra.length) byCell.get(nb.cells[first.cell].uri)!.push(...extra);
    for (const f of state.findings) {
      const at = nb.program.rangeToCell(f.range);
      if (!at) continue;
      const cellUri = nb.cells[at.cell].uri;
      const d = toDiagnostic({ ...f, range: at.range, related: undefined }, cellUri);
      const related = (f.related ?? []).flatMap((r) => {
        if (r.file) return [{ location: { uri: pathToFileURL(r.file).href, range: r.range }, message: r.message }];
        const rc = nb.program.rangeToCell(r.range);
        return rc ? [{ location: { uri: nb.cells[rc.cell].uri, range: rc.range }, message: r.message }] : [];
      });
      if (related.length) d.relatedInformation = related;
      d.data = { ...(d.data as object), fixable: !!f.fix && !('error' in nb.program.editsToCells(f.fix.edits)) };
      byCell.get(cellUri)?.push(d);
    }
    for (const old of nb.published) if (!byCell.has(old)) this.ctx.connection.sendDiagnostics({ uri: old, diagnostics: [] });
    nb.published = new Set(byCell.keys());
    const versions = new Map(nb.cells.map((c) => [c.uri, c.version]));
    for (const [cellUri, diagnostics] of byCell) this.ctx.connection.sendDiagnostics({ uri: cellUri, version: versions.get(cellUri), diagnostics });
  }

  /**
   * A code action request on a cell, as a request on its notebook's program; `restore` maps the
   * answers back (edits to the cell's URI and version, diagnostics to the ones the client sent).
   * Undefined when the URI is not a notebook cell.
   */
  codeActionParams(params: CodeActionParams): { params: CodeActionParams; restore: (actions: CodeAction[]) => Promise<CodeAction[]> } | undefined {
    const found = this.notebookOf(params.textDocument.uri);
    if (!found) return undefined;
    const { state, nb, index } = found;
    const program = nb.program;
    const cellUri = params.textDocument.uri;
    const toProgram = (r: Range) => program.fromCellRange(index, r);
    const originals = new Map<Diagnostic, Diagnostic>();
    const diagnostics: Diagnostic[] = [];
    for (const d of params.context.diagnostics) {
      const r = toProgram(d.range);
      if (!r) continue;
      const mapped = { ...d, range: r };
      originals.set(mapped, d);
      diagnostics.push(mapped);
    }
    const range = toProgram(params.range) ?? params.range;
    const mappedParams: CodeActionParams = { ...params, textDocument: { uri: nb.uri }, range, context: { ...params.context, diagnostics } };
    const restore = async (actions: CodeAction[]): Promise<CodeAction[]> => {
      const out: CodeAction[] = [];
      for (const a of actions) {
        if (a.kind === FIX_ALL_KIND) continue; // replaced below: fix-all of this cell only
        const mapped = this.mapAction(a, nb, originals);
        if (mapped) out.push(mapped);
      }
      const only = params.context.only;
      const answer = kindWanted(only, FIX_ALL_KIND) ? fixAllAnswer(only, state.findings, clientResolvesEdits(this.ctx.initializeParams())) : 'none';
      if (answer === 'defer') {
        const data: DeferredEdit = { trainguard: 'cellFixAll', uri: cellUri, version: nb.cells[index].version };
        out.push({ title: 'Train Guard: fix all safe problems in this cell', kind: FIX_ALL_KIND, data });
      } else if (answer === 'compute') {
        const r = await this.cellFixAll(cellUri);
        if (r.status === 'ok' && this.ctx.documents.get(nb.uri) === state) out.push({ title: `Train Guard: fix all safe problems in this cell (${r.fixed})`, kind: FIX_ALL_KIND, edit: r.edit });
      }
      return out;
    };
    return { params: mappedParams, restore };
  }

  /** `codeAction/resolve` of a cell's deferred fix-all: null when the action is not one; without an edit when the cell has changed since. */
  async resolveCellFixAll(action: CodeAction): Promise<CodeAction | null> {
    const d = deferredEdit(action, 'cellFixAll');
    if (!d) return null;
    const current = () => {
      const found = this.notebookOf(d.uri);
      return found ? found.nb.cells[found.index].version : null;
    };
    if (current() !== d.version) return action;
    const r = await this.cellFixAll(d.uri);
    return r.status === 'ok' && current() === d.version ? { ...action, edit: r.edit } : action;
  }

  /** A program-level action mapped to the cells its edits fall in, or null when an edit does not fit one cell. */
  private mapAction(a: CodeAction, nb: NotebookState, originals: Map<Diagnostic, Diagnostic>): CodeAction | null {
    const diagnostics = a.diagnostics?.map((d) => originals.get(d) ?? d);
    if (!a.edit) return { ...a, diagnostics };
    const edits: TextEdit[] = [];
    for (const ch of a.edit.documentChanges ?? []) {
      if (!('textDocument' in ch) || ch.textDocument.uri !== nb.uri) return null;
      edits.push(...(ch.edits as TextEdit[]));
    }
    for (const [u, list] of Object.entries(a.edit.changes ?? {})) {
      if (u !== nb.uri) return null;
      edits.push(...list);
    }
    const m = nb.program.editsToCells(edits);
    if ('error' in m) return null;
    if (a.edit.changes && !a.edit.documentChanges) return { ...a, diagnostics, edit: { changes: Object.fromEntries(m.map((c) => [nb.cells[c.cell].uri, c.edits])) } };
    const documentChanges: TextDocumentEdit[] = m.map((c) => ({ textDocument: { uri: nb.cells[c.cell].uri, version: nb.cells[c.cell].version }, edits: c.edits }));
    return { ...a, diagnostics, edit: { documentChanges } };
  }

  /**
   * Every safe fix that lands in this cell, as one versioned edit of the cell. Nothing is fixed where
   * nothing is checked (Train Guard disabled, the notebook over the size limits).
   */
  async cellFixAll(cellUri: string): Promise<{ status: 'ok'; edit: WorkspaceEdit; fixed: number } | { status: 'not-open' | 'disabled' | 'too-large' | 'nothing-to-fix' }> {
    const owner = this.notebookOf(cellUri)?.nb.uri;
    if (!owner) return { status: 'not-open' };
    const cs = await this.ctx.clientSettings(owner);
    const settings = await this.ctx.settingsFor(owner);
    // looked up after the awaits: the cells may have moved meanwhile; all below is synchronous
    const found = this.notebookOf(cellUri);
    if (!found) return { status: 'not-open' };
    const { nb, index } = found;
    if (cs.enable === false) return { status: 'disabled' };
    if (limitExceeded(nb.program.text, limitsFrom(cs))) return { status: 'too-large' };
    const workspace = this.ctx.workspaceFacts(nb.uri);
    const cell = nb.cells[index];
    const version = cell.version;
    const r = fixNotebook(cellInputs(nb.cells), { settings, workspace, onlyCell: index });
    const after = r.changed.get(index);
    if (after === undefined) return { status: 'nothing-to-fix' };
    const fixed = [...r.applied.values()].reduce((a, b) => a + b, 0);
    return { status: 'ok', fixed, edit: { documentChanges: [{ textDocument: { uri: cellUri, version }, edits: [minimalEdit(cell.text, after)] }] } };
  }
}
