/**
 * The syntax tree as JavaScript data. web-tree-sitter answers every question about a node (its
 * type, its end, its parent, a field) with a call into WebAssembly that first copies the node into
 * a transfer buffer, and hands out a new object for every node it returns; the rules ask hundreds of
 * thousands of such questions per file, and that (not the analysis) was most of the time.
 *
 * So after each parse the tree is read once, in one pre-order walk driven straight through the
 * runtime's cursor functions (the cursor stays in WebAssembly memory between calls: one call per
 * fact, nothing copied), into flat typed arrays: type, named, start, end, field, parent, siblings.
 * `SyntaxNode` answers the part of web-tree-sitter's `Node` interface the analysis uses from those
 * arrays, with one object per node (created on first use). The walk costs a fraction of the parse
 * it follows (bench/results.md), and every later question is a JavaScript property read.
 *
 * Exactness: the facts are the cursor's own (named-ness from the grammar's symbol table, which is
 * what tree-sitter reads too; `test/unit/syntax.test.ts` compares every node and
 * every field with web-tree-sitter's answers over the fixtures). Rows and columns are computed from
 * the text (columns in UTF-16 code units), with a line break at "\n", "\r\n" and a lone "\r", as
 * Python, the LSP and `SourceText` count them: tree-sitter counts rows at "\n" only, so `parsePython`
 * hands it the text with every lone "\r" read as "\n" (same offsets, same rows). The few facts the arrays do not hold
 * (`hasError` below the root, `toString`) are asked of web-tree-sitter for that one node.
 */
import type { Node as RawNode, Tree, TreeCursor } from 'web-tree-sitter';

export interface Point {
  row: number;
  column: number;
}

/** The runtime's exports used by the walk (web-tree-sitter's own binding, pinned with the package). */
export interface CursorExports {
  HEAP32: Int32Array;
  _ts_init(): number;
  _ts_tree_cursor_goto_first_child_wasm(tree: number): number;
  _ts_tree_cursor_goto_next_sibling_wasm(tree: number): number;
  _ts_tree_cursor_goto_parent_wasm(tree: number): number;
  _ts_tree_cursor_current_node_type_id_wasm(tree: number): number;
  _ts_tree_cursor_start_index_wasm(tree: number): number;
  _ts_tree_cursor_end_index_wasm(tree: number): number;
  _ts_tree_cursor_current_field_id_wasm(tree: number): number;
  _ts_tree_cursor_start_position_wasm(tree: number): void;
  _ts_tree_cursor_end_position_wasm(tree: number): void;
}

const EXPORTS: (keyof CursorExports)[] = [
  '_ts_init',
  '_ts_tree_cursor_goto_first_child_wasm',
  '_ts_tree_cursor_goto_next_sibling_wasm',
  '_ts_tree_cursor_goto_parent_wasm',
  '_ts_tree_cursor_current_node_type_id_wasm',
  '_ts_tree_cursor_start_index_wasm',
  '_ts_tree_cursor_end_index_wasm',
  '_ts_tree_cursor_current_field_id_wasm',
  '_ts_tree_cursor_start_position_wasm',
  '_ts_tree_cursor_end_position_wasm',
];

let direct: { m: CursorExports; transfer: number } | null = null;

/**
 * Called by `initParser` with the module object web-tree-sitter's runtime was created on. When
 * every export the walk needs is there, the walk calls them directly; otherwise (another runtime
 * version) it walks with web-tree-sitter's public TreeCursor: the same facts, slower.
 */
export function useCursorExports(m: Partial<CursorExports> | undefined): void {
  direct = m && EXPORTS.every((k) => typeof m[k] === 'function') && m.HEAP32 ? { m: m as CursorExports, transfer: (m as CursorExports)._ts_init() } : null;
}

/**
 * The columns the walk fills, one entry per node in pre-order. `next` is the next sibling (0 for
 * none: the root is nobody's sibling), `subtreeEnd` one past the node's last descendant.
 */
class Columns {
  cap: number;
  type: Uint16Array;
  named: Uint8Array;
  field: Uint16Array;
  start: Int32Array;
  end: Int32Array;
  parent: Int32Array;
  next: Int32Array;
  subtreeEnd: Int32Array;
  count = 0;
  // open ancestors of the current node, and the last child seen of each
  private readonly stack: number[] = [];
  private readonly lastKid: number[] = [];

  constructor(cap: number) {
    this.cap = cap;
    // one allocation for the columns (views into it): 25 bytes per node
    const buf = new ArrayBuffer(25 * cap);
    this.start = new Int32Array(buf, 0, cap);
    this.end = new Int32Array(buf, 4 * cap, cap);
    this.parent = new Int32Array(buf, 8 * cap, cap);
    this.next = new Int32Array(buf, 12 * cap, cap);
    this.subtreeEnd = new Int32Array(buf, 16 * cap, cap);
    this.type = new Uint16Array(buf, 20 * cap, cap);
    this.field = new Uint16Array(buf, 22 * cap, cap);
    this.named = new Uint8Array(buf, 24 * cap, cap);
  }

  /** Records the node the cursor is on; returns its index. */
  add(type: number, named: number, start: number, end: number, field: number): number {
    const n = this.count;
    if (n === this.cap) this.grow();
    this.type[n] = type;
    this.named[n] = named;
    this.start[n] = start;
    this.end[n] = end;
    this.field[n] = field;
    const depth = this.stack.length;
    this.parent[n] = depth ? this.stack[depth - 1] : -1;
    if (depth) {
      const before = this.lastKid[depth - 1];
      if (before) this.next[before] = n;
      this.lastKid[depth - 1] = n;
    }
    this.count = n + 1;
    return n;
  }

  /** The cursor went down into the children of node `n`. */
  down(n: number): void {
    this.stack.push(n);
    this.lastKid.push(0);
  }

  /** Node `n` has no children. */
  leaf(n: number): void {
    this.subtreeEnd[n] = n + 1;
  }

  /** The cursor went back up to the parent: its subtree is complete. */
  up(): void {
    this.lastKid.pop();
    this.subtreeEnd[this.stack.pop()!] = this.count;
  }

  private grow(): void {
    this.cap *= 2;
    const g = <T extends Uint16Array | Uint8Array | Int32Array>(a: T, size = this.cap): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.type = g(this.type);
    this.named = g(this.named);
    this.field = g(this.field);
    this.start = g(this.start);
    this.end = g(this.end);
    this.parent = g(this.parent);
    this.next = g(this.next);
    this.subtreeEnd = g(this.subtreeEnd);
  }
}

/** Reads every node of `raw` in pre-order (the order of TreeCursor descendant indexes). */
function walk(raw: Tree, sizeHint: number): Columns {
  const cursor = raw.walk();
  // about one node per three characters of Python: sized once, rarely grown
  const cols = new Columns(Math.max(64, sizeHint));
  try {
    if (direct) walkDirect(raw, cursor, direct.m, direct.transfer, cols);
    else walkCursor(cursor, cols);
    return cols;
  } finally {
    cursor.delete();
  }
}

const NAMED = new WeakMap<object, Uint8Array>();

/** Symbol -> named (1) or anonymous (0), from the grammar: a node is named when its symbol is (ERROR too). */
function namedTable(raw: Tree): Uint8Array {
  const lang = raw.language;
  let t = NAMED.get(lang);
  if (!t) {
    t = new Uint8Array(65536);
    for (let i = 0; i < lang.types.length; i++) t[i] = lang.nodeTypeIsNamed(i) ? 1 : 0;
    t[65535] = 1;
    NAMED.set(lang, t);
  }
  return t;
}

function walkDirect(raw: Tree, cursor: TreeCursor, m: CursorExports, transfer: number, cols: Columns): void {
  // `raw.walk()` left the new cursor in the transfer buffer; each cursor function reads it from
  // there and writes it back, so nothing crosses into JavaScript but the answers. At the end the
  // JavaScript cursor takes the final state back, so its delete() frees the right memory.
  const handles = (cursor as unknown as { handles: number[] }).handles;
  const t = (raw as unknown as { [0]: number })[0];
  const b = transfer >> 2;
  const named = namedTable(raw);
  try {
    for (;;) {
      const type = m._ts_tree_cursor_current_node_type_id_wasm(t);
      const n = cols.add(type, named[type], m._ts_tree_cursor_start_index_wasm(t), m._ts_tree_cursor_end_index_wasm(t), m._ts_tree_cursor_current_field_id_wasm(t));
      if (m._ts_tree_cursor_goto_first_child_wasm(t)) {
        cols.down(n);
        continue;
      }
      cols.leaf(n);
      let done = false;
      while (!m._ts_tree_cursor_goto_next_sibling_wasm(t)) {
        if (!m._ts_tree_cursor_goto_parent_wasm(t)) {
          done = true;
          break;
        }
        cols.up();
      }
      if (done) break;
    }
  } finally {
    const h = m.HEAP32;
    for (let i = 0; i < 4; i++) handles[i] = h[b + i];
  }
}

function walkCursor(c: TreeCursor, cols: Columns): void {
  for (;;) {
    const n = cols.add(c.nodeTypeId, c.nodeIsNamed ? 1 : 0, c.startIndex, c.endIndex, c.currentFieldId);
    if (c.gotoFirstChild()) {
      cols.down(n);
      continue;
    }
    cols.leaf(n);
    while (!c.gotoNextSibling()) {
      if (!c.gotoParent()) return;
      cols.up();
    }
  }
}

/** Nodes with at least this many descendants are searched by their children's ends (`firstChildEndingAtOrAfter`). */
const WIDE = 512;

const TYPE_TABLES = new WeakMap<readonly string[], Map<string, Uint8Array>>();
const TYPE_TABLES_BY_SET = new WeakMap<ReadonlySet<string>, WeakMap<readonly string[], Uint8Array>>();

export class SyntaxTree {
  readonly raw: Tree;
  readonly text: string;
  readonly count: number;
  readonly typeId: Uint16Array;
  readonly named: Uint8Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly field: Uint16Array;
  readonly parentOf: Int32Array;
  /** Next sibling (0: none, the root being nobody's sibling); one past the last descendant (pre-order). */
  readonly next: Int32Array;
  readonly subtreeEnd: Int32Array;
  readonly types: readonly string[];
  readonly fieldIds: ReadonlyMap<string, number>;
  private readonly nodes: (SyntaxNode | undefined)[];
  private lineStarts?: Int32Array;
  private rawHasError?: boolean;
  private readonly kidLists = new Map<number, Int32Array>();

  constructor(raw: Tree, text: string) {
    this.raw = raw;
    this.text = text;
    const cols = walk(raw, Math.ceil(text.length * 0.4) + 64);
    this.count = cols.count;
    this.typeId = cols.type;
    this.named = cols.named;
    this.start = cols.start;
    this.end = cols.end;
    this.field = cols.field;
    this.parentOf = cols.parent;
    this.next = cols.next;
    this.subtreeEnd = cols.subtreeEnd;
    this.types = raw.language.types;
    const ids = new Map<string, number>();
    raw.language.fields.forEach((f, i) => {
      if (f && !ids.has(f)) ids.set(f, i);
    });
    this.fieldIds = ids;
    this.nodes = new Array(this.count);
  }

  /** The sibling before node `i` (-1: none), from the parent's children (rarely asked). */
  previous(i: number): number {
    const p = this.parentOf[i];
    if (p < 0) return -1;
    let before = -1;
    for (let c = p + 1; c > 0 && c !== i; c = this.next[c]) before = c;
    return before;
  }

  get root(): SyntaxNode {
    return this.node(0);
  }

  /** The node at pre-order index `i` (one object per node). */
  node(i: number): SyntaxNode {
    return (this.nodes[i] ??= new SyntaxNode(this, i));
  }

  nodeOrNull(i: number): SyntaxNode | null {
    return i < 0 ? null : this.node(i);
  }

  /** The children of node `i` (asked for wide nodes only: the module, long blocks), kept. */
  childList(i: number): Int32Array {
    let kids = this.kidLists.get(i);
    if (!kids) {
      let n = 0;
      for (let c = this.firstChild(i); c > 0; c = this.next[c]) n++;
      kids = new Int32Array(n);
      n = 0;
      for (let c = this.firstChild(i); c > 0; c = this.next[c]) kids[n++] = c;
      this.kidLists.set(i, kids);
    }
    return kids;
  }

  /**
   * The first child of node `i` that does not end before `end` (0: none). Siblings never overlap,
   * so their ends only grow: the children that end before `end` are a prefix, skipped by a binary
   * search when the node is wide (a 100k-line module has thousands of statements).
   */
  firstChildEndingAtOrAfter(i: number, end: Point): number {
    return this.firstChildNotEndingBefore(i, (c) => pointLt(this.endPoint(c), end));
  }

  /** `firstChildEndingAtOrAfter` for an offset. */
  firstChildEndingAtOrAfterIndex(i: number, end: number): number {
    return this.firstChildNotEndingBefore(i, (c) => this.end[c] < end);
  }

  private firstChildNotEndingBefore(i: number, endsBefore: (child: number) => boolean): number {
    if (this.subtreeEnd[i] - i < WIDE) {
      for (let c = this.firstChild(i); c > 0; c = this.next[c]) if (!endsBefore(c)) return c;
      return 0;
    }
    const kids = this.childList(i);
    let lo = 0;
    let hi = kids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (endsBefore(kids[mid])) lo = mid + 1;
      else hi = mid;
    }
    return lo < kids.length ? kids[lo] : 0;
  }

  /** The first child of node `i`, or 0. */
  firstChild(i: number): number {
    return i + 1 < this.subtreeEnd[i] ? i + 1 : 0;
  }

  typeOf(i: number): string {
    return this.types[this.typeId[i]] || 'ERROR';
  }

  /** Nodes of the given types in `[from, to)` (pre-order indexes), in document order. */
  ofTypes(types: ReadonlySet<string>, from = 0, to = this.count, namedOnly = false): SyntaxNode[] {
    const ids = this.typeIdsOf(types);
    const out: SyntaxNode[] = [];
    for (let i = from; i < to; i++) if (ids[this.typeId[i]] && (!namedOnly || this.named[i])) out.push(this.node(i));
    return out;
  }

  /** A lookup table type id -> 1 for the symbols named in `types` (ERROR is 65535), as `descendantsOfType` matches them. */
  typeIdsOf(types: ReadonlySet<string>): Uint8Array {
    // callers pass the same constant set again and again: found by identity first
    let bySet = TYPE_TABLES_BY_SET.get(types);
    if (!bySet) TYPE_TABLES_BY_SET.set(types, (bySet = new WeakMap()));
    const known = bySet.get(this.types);
    if (known) return known;
    const key = [...types].sort().join(' ');
    let byKey = TYPE_TABLES.get(this.types);
    if (!byKey) TYPE_TABLES.set(this.types, (byKey = new Map()));
    let ids = byKey.get(key);
    if (!ids) {
      ids = new Uint8Array(65536);
      this.types.forEach((t, i) => {
        if (t && types.has(t)) ids![i] = 1;
      });
      if (types.has('ERROR')) ids[65535] = 1;
      byKey.set(key, ids);
    }
    bySet.set(this.types, ids);
    return ids;
  }

  point(offset: number): Point {
    const starts = (this.lineStarts ??= lineStartsOf(this.text));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { row: lo, column: offset - starts[lo] };
  }

  startPoint(i: number): Point {
    return this.point(this.start[i]);
  }

  endPoint(i: number): Point {
    return this.point(this.end[i]);
  }

  /** web-tree-sitter's own node at pre-order index `i` (for the rare facts the arrays do not hold). */
  rawNode(i: number): RawNode {
    if (i === 0) return this.raw.rootNode;
    const c = this.raw.walk();
    try {
      c.gotoDescendant(i);
      return c.currentNode;
    } finally {
      c.delete();
    }
  }

  hasError(i: number): boolean {
    if (i === 0) return (this.rawHasError ??= this.raw.rootNode.hasError);
    return this.rawNode(i).hasError;
  }
}

/** Offsets where rows start: after "\n", "\r\n" and a lone "\r" (as `SourceText` and the LSP count lines). */
function lineStartsOf(text: string): Int32Array {
  const starts: number[] = [0];
  if (text.indexOf('\r') < 0) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  } else {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13 && text.charCodeAt(i + 1) !== 10) starts.push(i + 1);
    }
  }
  return Int32Array.from(starts);
}

function pointLt(a: Point, b: Point): boolean {
  return a.row < b.row || (a.row === b.row && a.column < b.column);
}

function pointEq(a: Point, b: Point): boolean {
  return a.row === b.row && a.column === b.column;
}

/** A node of a SyntaxTree, answering like web-tree-sitter's `Node` (the members the analysis uses). */
export class SyntaxNode {
  readonly tree: SyntaxTree;
  /** Pre-order index in the tree (TreeCursor's descendant index). */
  readonly index: number;
  /** Unique in its tree (never 0). */
  readonly id: number;
  /** The node's type (read once: the rules ask it of the same nodes again and again). */
  readonly type: string;
  private startPoint?: Point;
  private childList?: SyntaxNode[];
  private namedList?: SyntaxNode[];
  private textCache?: string;

  constructor(tree: SyntaxTree, index: number) {
    this.tree = tree;
    this.index = index;
    this.id = index + 1;
    this.type = tree.typeOf(index);
  }

  get typeId(): number {
    return this.tree.typeId[this.index];
  }

  get isNamed(): boolean {
    return this.tree.named[this.index] === 1;
  }

  get hasError(): boolean {
    return this.tree.hasError(this.index);
  }

  get startIndex(): number {
    return this.tree.start[this.index];
  }

  get endIndex(): number {
    return this.tree.end[this.index];
  }

  get startPosition(): Point {
    return (this.startPoint ??= this.tree.startPoint(this.index));
  }

  get endPosition(): Point {
    return this.tree.endPoint(this.index);
  }

  /** The node's text (kept once read: a name's text is asked many times, each slice a new string). */
  get text(): string {
    return (this.textCache ??= this.tree.text.slice(this.tree.start[this.index], this.tree.end[this.index]));
  }

  get parent(): SyntaxNode | null {
    return this.tree.nodeOrNull(this.tree.parentOf[this.index]);
  }

  get children(): SyntaxNode[] {
    if (!this.childList) {
      const t = this.tree;
      const out: SyntaxNode[] = [];
      for (let c = t.firstChild(this.index); c > 0; c = t.next[c]) out.push(t.node(c));
      this.childList = out;
    }
    return this.childList;
  }

  get namedChildren(): SyntaxNode[] {
    if (!this.namedList) {
      const t = this.tree;
      const out: SyntaxNode[] = [];
      for (let c = t.firstChild(this.index); c > 0; c = t.next[c]) if (t.named[c]) out.push(t.node(c));
      this.namedList = out;
    }
    return this.namedList;
  }

  get childCount(): number {
    return this.children.length;
  }

  get namedChildCount(): number {
    return this.namedChildren.length;
  }

  child(i: number): SyntaxNode | null {
    return this.children[i] ?? null;
  }

  namedChild(i: number): SyntaxNode | null {
    return this.namedChildren[i] ?? null;
  }

  get firstChild(): SyntaxNode | null {
    return this.child(0);
  }

  get lastChild(): SyntaxNode | null {
    return this.child(this.children.length - 1);
  }

  get firstNamedChild(): SyntaxNode | null {
    return this.namedChild(0);
  }

  get lastNamedChild(): SyntaxNode | null {
    return this.namedChild(this.namedChildren.length - 1);
  }

  /**
   * tree-sitter's next sibling is the next node that ends after this one: an empty node right at
   * this node's end (an empty block after a colon) is passed over.
   */
  get nextSibling(): SyntaxNode | null {
    const t = this.tree;
    const end = t.end[this.index];
    let c = t.next[this.index];
    while (c > 0 && t.end[c] <= end) c = t.next[c];
    return c > 0 ? t.node(c) : null;
  }

  get previousSibling(): SyntaxNode | null {
    return this.tree.nodeOrNull(this.tree.previous(this.index));
  }

  get nextNamedSibling(): SyntaxNode | null {
    const t = this.tree;
    const end = t.end[this.index];
    let c = t.next[this.index];
    while (c > 0 && (!t.named[c] || t.end[c] <= end)) c = t.next[c];
    return c > 0 ? t.node(c) : null;
  }

  get previousNamedSibling(): SyntaxNode | null {
    const t = this.tree;
    let c = t.previous(this.index);
    while (c >= 0 && !t.named[c]) c = t.previous(c);
    return t.nodeOrNull(c);
  }

  childForFieldId(fieldId: number): SyntaxNode | null {
    if (!fieldId) return null;
    const t = this.tree;
    for (let c = t.firstChild(this.index); c > 0; c = t.next[c]) if (t.field[c] === fieldId) return t.node(c);
    return null;
  }

  childForFieldName(fieldName: string): SyntaxNode | null {
    const id = this.tree.fieldIds.get(fieldName);
    return id === undefined ? null : this.childForFieldId(id);
  }

  /**
   * Descendants (and the node itself) of the given types, in document order. As web-tree-sitter:
   * an empty node at the very start of the file is not searched.
   */
  descendantsOfType(types: string | string[]): SyntaxNode[] {
    const t = this.tree;
    const ids = t.typeIdsOf(new Set(typeof types === 'string' ? [types] : types));
    const out: SyntaxNode[] = [];
    for (let i = this.index, to = t.subtreeEnd[this.index]; i < to; i++) if (ids[t.typeId[i]] && t.end[i] > 0) out.push(t.node(i));
    return out;
  }

  /** The smallest node within this one that spans the given point range (tree-sitter's rule, empty nodes included). */
  descendantForPosition(start: Point, end: Point = start): SyntaxNode | null {
    if (pointLt(end, start)) return null;
    const t = this.tree;
    let node = this.index;
    for (let descended = true; descended; ) {
      descended = false;
      for (let c = t.firstChildEndingAtOrAfter(node, end); c > 0; c = t.next[c]) {
        const cs = t.startPoint(c);
        const ce = t.endPoint(c);
        if (pointLt(ce, end)) continue;
        const empty = pointEq(cs, ce);
        if (empty ? pointLt(ce, start) : !pointLt(start, ce)) continue;
        if (pointLt(start, cs)) break;
        node = c;
        descended = true;
        break;
      }
    }
    return t.node(node);
  }

  /** The smallest node within this one that spans the given index range. */
  descendantForIndex(start: number, end: number = start): SyntaxNode | null {
    if (start > end) return null;
    const t = this.tree;
    let node = this.index;
    for (let descended = true; descended; ) {
      descended = false;
      for (let c = t.firstChildEndingAtOrAfterIndex(node, end); c > 0; c = t.next[c]) {
        const cs = t.start[c];
        const ce = t.end[c];
        if (ce < end) continue;
        if (cs === ce ? ce < start : ce <= start) continue;
        if (start < cs) break;
        node = c;
        descended = true;
        break;
      }
    }
    return t.node(node);
  }

  equals(other: SyntaxNode): boolean {
    return this.tree === other.tree && this.index === other.index;
  }

  /** The S-expression web-tree-sitter gives for this node. */
  toString(): string {
    return this.tree.rawNode(this.index).toString();
  }
}
