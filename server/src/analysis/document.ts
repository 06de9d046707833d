/**
 * A Python document kept across edits. Each change is applied to the text at once and to the tree
 * with `tree.edit` (cheap: positions only); the re-parse waits until the tree or the model is asked
 * for (`parse()` / `model()`), so a burst of N keystrokes costs one parse, with the edited old tree
 * handed to tree-sitter. The model is built lazily, once per version.
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
  /**
   * Null while the document is not parsed (over the size limits, not needed yet, or replaced as a
   * whole since). Otherwise the tree of the last parse, with every later edit applied (`treeEdited`).
   */
  private tree: Tree | null;
  /** The text changed since `tree` was parsed: `tree` carries the edits, a re-parse is due. */
  private treeEdited = false;
  private cachedModel?: PythonModel;
  /** tooDeeplyNested(text) of this version, once computed. */
  private nesting?: number;
  /** How many times this document was parsed (tests and the server's trace read it). */
  parses = 0;
  version: number;

  /** With `parse: false` only the text is tracked until the tree or the model is first asked for. */
  constructor(text: string, version = 0, parse = true) {
    this.src = new SourceText(text);
    this.tree = null;
    this.version = version;
    if (parse) this.parse();
  }

  get text(): string {
    return this.src.text;
  }

  get source(): SourceText {
    return this.src;
  }

  /**
   * Applies LSP content changes in order to the text, and to the tree with `tree.edit` so that the
   * next parse is incremental. Does not parse: `parse()` / `model()` do, once, for the last version.
   */
  update(changes: readonly ContentChange[], version: number): void {
    let text = this.src.text;
    let src = this.src;
    for (const ch of changes) {
      if (!ch.range) {
        // replaced as a whole: nothing of the old tree can be reused
        this.tree?.delete();
        this.tree = null;
        text = ch.text;
        src = new SourceText(text);
        continue;
      }
      let start = src.offsetAt(ch.range.start);
      let oldEnd = src.offsetAt(ch.range.end);
      let inserted = ch.text;
      // the parser reads a lone "\r" as "\n" (parserInput): a "\r" just before the edit, or a "\n"
      // just after it, can change what it reads (pair or lone) and where rows start, so the edit
      // given to the tree takes it in
      if (start > 0 && text.charCodeAt(start - 1) === 13) {
        start--;
        inserted = '\r' + inserted;
      }
      if (text.charCodeAt(oldEnd) === 10) {
        oldEnd++;
        inserted += '\n';
      }
      if (this.tree) {
        const startPos = src.positionAt(start);
        const oldEndPos = src.positionAt(oldEnd);
        const startPoint = { row: startPos.line, column: startPos.character };
        this.tree.edit(
          new Edit({
            startIndex: start,
            oldEndIndex: oldEnd,
            newEndIndex: start + inserted.length,
            startPosition: startPoint,
            oldEndPosition: { row: oldEndPos.line, column: oldEndPos.character },
            newEndPosition: endPoint(startPoint, inserted),
          }),
        );
        this.treeEdited = true;
      }
      text = text.slice(0, start) + inserted + text.slice(oldEnd);
      src = new SourceText(text);
    }
    this.nesting = undefined;
    this.src = src;
    this.version = version;
    this.cachedModel = undefined;
  }

  /** `tooDeeplyNested(text)` for this version (computed once: it reads every line). */
  nestingLimitLine(): number {
    return (this.nesting ??= tooDeeplyNested(this.src.text));
  }

  /** Is the tree of the current version there (nothing to parse before `model()`)? */
  get parsed(): boolean {
    return this.tree !== null && !this.treeEdited;
  }

  /**
   * Parses the current version if it is not parsed yet (incrementally when the tree of an earlier
   * version is kept). Throws for text nested too deep, which is never handed to the parser.
   */
  parse(): void {
    if (this.parsed) return;
    // text the parser refuses (nested too deep) is kept as text only: parsePython throws for it
    const old = this.tree;
    const tree = parsePython(this.src.text, old, this.nestingLimitLine() === 0);
    old?.delete();
    this.tree = tree;
    this.treeEdited = false;
    this.parses++;
  }

  /** The model of the current version (parsed and built on first use). */
  model(): PythonModel {
    if (this.cachedModel) return this.cachedModel;
    this.parse();
    this.cachedModel = new PythonModel(this.tree!, this.src);
    return this.cachedModel;
  }

  /**
   * A new model of the current version, over the same tree (not parsed again): for a check whose
   * inputs outside the text changed (the project modules it imports), since a model keeps the
   * answers it computed with the earlier ones.
   */
  freshModel(): PythonModel {
    this.cachedModel = undefined;
    return this.model();
  }

  /** Frees the tree (WebAssembly memory) but keeps tracking the text; `model()` re-parses on demand. */
  dropTree(): void {
    this.tree?.delete();
    this.tree = null;
    this.treeEdited = false;
    this.cachedModel = undefined;
  }

  dispose(): void {
    this.dropTree();
  }
}
