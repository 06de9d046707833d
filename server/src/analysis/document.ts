/**
 * A Python document that is kept parsed across edits: each change is applied to the text and to the
 * tree (`tree.edit`), then tree-sitter re-parses reusing the unchanged parts. The model is built
 * lazily, once per version.
 */
import { Edit, type Tree } from 'web-tree-sitter';
import { parsePython } from './parser';
import { tooDeeplyNested } from './limits';
import { PythonModel } from './model';
import { SourceText, type Range } from './source';

export interface ContentChange {
  /** Absent = the whole text is replaced. */
  range?: Range;
  text: string;
}

function endPoint(start: { row: number; column: number }, text: string): { row: number; column: number } {
  let row = start.row;
  let lastBreak = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      row++;
      lastBreak = i;
    }
  }
  return { row, column: lastBreak < 0 ? start.column + text.length : text.length - lastBreak - 1 };
}

export class PythonDocument {
  private src: SourceText;
  /** Null while the document is not parsed (over the size limits, or not needed yet). */
  private tree: Tree | null;
  private cachedModel?: PythonModel;
  /** tooDeeplyNested(text) of this version, once computed. */
  private nesting?: number;
  version: number;

  /** With `parse: false` only the text is tracked until `model()` is first asked for. */
  constructor(text: string, version = 0, parse = true) {
    this.src = new SourceText(text);
    this.tree = parse ? parsePython(text) : null;
    this.version = version;
  }

  get text(): string {
    return this.src.text;
  }

  get source(): SourceText {
    return this.src;
  }

  /** Applies LSP content changes in order, editing the tree so the re-parse is incremental. */
  update(changes: readonly ContentChange[], version: number): void {
    let text = this.src.text;
    let src = this.src;
    let full = false;
    for (const ch of changes) {
      if (!ch.range) {
        text = ch.text;
        src = new SourceText(text);
        full = true;
        continue;
      }
      const start = src.offsetAt(ch.range.start);
      const oldEnd = src.offsetAt(ch.range.end);
      const startPos = src.positionAt(start);
      const oldEndPos = src.positionAt(oldEnd);
      const startPoint = { row: startPos.line, column: startPos.character };
      if (!full && this.tree) {
        this.tree.edit(
          new Edit({
            startIndex: start,
            oldEndIndex: oldEnd,
            newEndIndex: start + ch.text.length,
            startPosition: startPoint,
            oldEndPosition: { row: oldEndPos.line, column: oldEndPos.character },
            newEndPosition: endPoint(startPoint, ch.text),
          }),
        );
      }
      text = text.slice(0, start) + ch.text + text.slice(oldEnd);
      src = new SourceText(text);
    }
    const old = this.tree;
    this.nesting = undefined;
    if (old) {
      // text the parser refuses (nested too deep) is kept as text only; model() throws for it and the
      // server's limit check reports it instead of parsing
      this.nesting = tooDeeplyNested(text);
      this.tree = this.nesting ? null : parsePython(text, full ? null : old, true);
      old.delete();
    }
    this.src = src;
    this.version = version;
    this.cachedModel = undefined;
  }

  /** `tooDeeplyNested(text)` for this version (computed once: it reads every line). */
  nestingLimitLine(): number {
    return (this.nesting ??= tooDeeplyNested(this.src.text));
  }

  /** The model of the current version (built on first use). */
  model(): PythonModel {
    this.tree ??= parsePython(this.src.text, null, this.nesting === 0);
    this.cachedModel ??= new PythonModel(this.tree, this.src);
    return this.cachedModel;
  }

  /** Frees the tree (WebAssembly memory) but keeps tracking the text; `model()` re-parses on demand. */
  dropTree(): void {
    this.tree?.delete();
    this.tree = null;
    this.cachedModel = undefined;
  }

  dispose(): void {
    this.dropTree();
  }
}
