/**
 * A notebook sent as a plain text document: a `.ipynb` file opened by a client without notebook
 * support or filetype detection (Neovim with `filetype off`, a bare LSP client), whose text is the
 * notebook's JSON. It is read as the CLI reads a notebook (its Python cells as one program) and each
 * finding is published where its cell's source is written in the JSON, with the related places
 * mapped alike. Diagnostics only: a fix would have to re-encode JSON strings, so none is offered
 * (`data.fixable` is false), and the other features do not serve these documents. A text that is not
 * (yet) a notebook, or a notebook in another language, gets no diagnostics.
 */
import { DiagnosticSeverity, type Diagnostic, type TextDocumentContentChangeEvent } from 'vscode-languageserver/node';
import { analyzeText } from '../analysis/analyze';
import { cellOffsetInFile, parseIpynb, type Ipynb } from '../analysis/ipynb';
import { limitExceeded, limitsFrom } from '../analysis/limits';
import { isPythonLanguage, NotebookProgram } from '../analysis/notebook';
import { applyEdits, SourceText, type Range } from '../analysis/source';
import { SOURCE, toDiagnostic } from './diagnostics';
import type { ServerContext } from './context';

interface IpynbTextDocument {
  text: string;
  version: number;
  timer?: NodeJS.Timeout;
}

/** Is `uri` a `.ipynb` file (its path, without a query)? A notebook cell (`vscode-notebook-cell:/nb.ipynb#C2`) is not. */
export function isIpynbUri(uri: string): boolean {
  if (uri.includes('#')) return false;
  return /\.ipynb$/i.test(uri.replace(/\?.*$/, ''));
}

export class IpynbTextDocuments {
  private readonly docs = new Map<string, IpynbTextDocument>();

  constructor(
    private readonly ctx: ServerContext,
    private readonly debounceMs: () => number,
  ) {}

  has(uri: string): boolean {
    return this.docs.has(uri);
  }

  open(uri: string, text: string, version: number): void {
    this.close(uri, false);
    this.docs.set(uri, { text, version });
    this.schedule(uri, 0);
  }

  change(uri: string, changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    const doc = this.docs.get(uri);
    if (!doc) return;
    // each change applies to the text the previous one left
    for (const c of changes) doc.text = 'range' in c ? applyEdits(doc.text, [{ range: c.range, newText: c.text }]) : c.text;
    doc.version = version;
    this.schedule(uri, this.debounceMs());
  }

  close(uri: string, clear = true): void {
    const doc = this.docs.get(uri);
    if (!doc) return;
    if (doc.timer) clearTimeout(doc.timer);
    this.docs.delete(uri);
    if (clear) this.ctx.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  recheckAll(): void {
    for (const uri of this.docs.keys()) this.schedule(uri, 0);
  }

  private schedule(uri: string, delay: number): void {
    const doc = this.docs.get(uri);
    if (!doc) return;
    if (doc.timer) clearTimeout(doc.timer);
    doc.timer = setTimeout(() => {
      doc.timer = undefined;
      this.check(uri, doc).catch((e) => this.ctx.error(`check of ${uri} failed: ${(e as Error)?.stack ?? e}`));
    }, delay);
  }

  private async check(uri: string, doc: IpynbTextDocument): Promise<void> {
    const { version, text } = doc;
    const cs = await this.ctx.clientSettings(uri);
    const settings = await this.ctx.settingsFor(uri);
    const current = () => this.docs.get(uri) === doc && doc.version === version;
    if (!current()) return;
    const publish = (diagnostics: Diagnostic[]) => this.ctx.connection.sendDiagnostics({ uri, version, diagnostics });
    if (cs.enable === false) return publish([]);
    const nb = parseIpynb(text);
    if ('error' in nb || (nb.language !== null && !isPythonLanguage(nb.language))) return publish([]);
    const program = NotebookProgram.fromCells(nb.cells);
    const limits = limitsFrom(cs);
    const skipped = limitExceeded(program.text, limits);
    if (skipped) return publish([{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: DiagnosticSeverity.Information, source: SOURCE, message: skipped }]);
    const result = analyzeText(program.text, {
      settings,
      workspace: this.ctx.workspaceFacts(uri),
      shellCommands: program.shellCommands,
      timeBudgetMs: limits.timeBudgetMs,
      onRuleError: (code, e) => this.ctx.error(`rule ${code} failed on ${uri}: ${(e as Error)?.message ?? e}`),
    });
    const toFile = fileRanges(nb, program);
    const diagnostics: Diagnostic[] = [];
    for (const f of result.findings) {
      const range = toFile(f.range);
      if (!range) continue;
      const related = (f.related ?? []).flatMap((r) => {
        if (r.file) return [r];
        const at = toFile(r.range);
        return at ? [{ range: at, message: r.message }] : [];
      });
      diagnostics.push(toDiagnostic({ ...f, range, related: related.length ? related : undefined, fix: undefined, alternativeFixes: undefined }, uri));
    }
    publish(diagnostics);
  }
}

/** Program ranges -> ranges of the notebook's JSON text (null when outside every cell). */
function fileRanges(nb: Ipynb, program: NotebookProgram): (r: Range) => Range | null {
  const file = new SourceText(nb.text);
  const cells = new Map<number, SourceText>();
  return (r) => {
    const at = program.rangeToCell(r);
    if (!at) return null;
    const cell = nb.cells[at.cell];
    let src = cells.get(at.cell);
    if (!src) cells.set(at.cell, (src = new SourceText(cell.text)));
    const start = file.positionAt(cellOffsetInFile(nb, cell, src.offsetAt(at.range.start)));
    const end = file.positionAt(cellOffsetInFile(nb, cell, src.offsetAt(at.range.end)));
    return { start, end };
  };
}
