/**
 * Memoised syntax nodes. Every fact web-tree-sitter gives about a node (`type`, `endIndex`,
 * `parent`, `childForFieldName`, `text`, ...) is a call into WebAssembly that first copies the node
 * into a transfer buffer, and every node it returns is a new JavaScript object: asking the same
 * question twice pays twice, and `a.parent` and `b.parent` are two objects for one node. The rules
 * ask many questions about few nodes, so the boundary (not the analysis) dominated the profile.
 *
 * A tree is immutable until `tree.edit()`, so each answer is kept on the node that asked, and nodes
 * are interned per tree (by id): a node reached again through `parent`, a field or a children list
 * is the object already holding its answers. `Tree.edit` bumps the tree's generation, which drops
 * the interned nodes and every answer kept before it (the next read asks WebAssembly again).
 *
 * Installed once, by `parser.ts`, on web-tree-sitter's own classes (the version is pinned).
 * Semantics are unchanged: a cached answer is the answer WebAssembly would give.
 */
import { Node, Query, Tree, TreeCursor } from 'web-tree-sitter';

interface TreeState {
  gen: number;
  nodes: Map<number, Node>;
}

/** The facts kept for one node; `gen` is the tree generation they belong to. */
class Facts {
  gen: number;
  typeId = -1;
  type: string | undefined = undefined;
  end = -1;
  endPosition: { row: number; column: number } | undefined = undefined;
  text: string | undefined = undefined;
  flags = 0; // bit set: known (low 8 bits) and value (next 8 bits) of the boolean facts
  parent: Node | null | undefined = undefined;
  fields: (Node | null | undefined)[] | undefined = undefined;
  childCount = -1;
  namedChildCount = -1;
  constructor(gen: number) {
    this.gen = gen;
  }
}

type Cached = Node & { __tg?: Facts; _children?: Node[]; _namedChildren?: Node[]; tree: Tree & { __tg?: TreeState } };

const NAMED = 0;
const HAS_ERROR = 1;
const MISSING = 2;
const ERROR = 3;
const EXTRA = 4;

let installed = false;

function stateOf(tree: Tree & { __tg?: TreeState }): TreeState {
  let s = tree.__tg;
  if (!s) {
    s = { gen: 0, nodes: new Map() };
    Object.defineProperty(tree, '__tg', { value: s, writable: true, enumerable: false, configurable: true });
  }
  return s;
}

function factsOf(node: Cached): Facts {
  const gen = stateOf(node.tree).gen;
  let f = node.__tg;
  if (!f || f.gen !== gen) {
    f = new Facts(gen);
    if (node.__tg === undefined) {
      Object.defineProperty(node, '__tg', { value: f, writable: true, enumerable: false, configurable: true });
    } else {
      node.__tg = f;
      // lists kept by web-tree-sitter itself belong to the old generation too
      node._children = undefined;
      node._namedChildren = undefined;
    }
  }
  return f;
}

/** The tree's one object for this node (the first one seen, kept until the tree is edited). */
function intern(node: Node | null): Node | null {
  if (!node) return node;
  const s = stateOf((node as Cached).tree);
  const known = s.nodes.get(node.id);
  if (known) return known;
  s.nodes.set(node.id, node);
  return node;
}

function internAll(nodes: Node[]): Node[] {
  for (let i = 0; i < nodes.length; i++) nodes[i] = intern(nodes[i])!;
  return nodes;
}

function getter<T>(proto: object, name: string): (this: Node) => T {
  const d = Object.getOwnPropertyDescriptor(proto, name);
  if (!d?.get) throw new Error(`web-tree-sitter: no getter ${name}`);
  return d.get as (this: Node) => T;
}

function define(proto: object, name: string, get: (this: Cached) => unknown): void {
  Object.defineProperty(proto, name, { get, configurable: true, enumerable: false });
}

/** Installs the memoisation on web-tree-sitter's Node and Tree (idempotent). */
export function installNodeCache(): void {
  if (installed) return;
  installed = true;
  const P = Node.prototype as unknown as Record<string, unknown>;
  const typeId = getter<number>(P, 'typeId');
  const endIndex = getter<number>(P, 'endIndex');
  const endPosition = getter<{ row: number; column: number }>(P, 'endPosition');
  const parent = getter<Node | null>(P, 'parent');
  const text = getter<string>(P, 'text');
  const children = getter<Node[]>(P, 'children');
  const namedChildren = getter<Node[]>(P, 'namedChildren');
  const childCount = getter<number>(P, 'childCount');
  const namedChildCount = getter<number>(P, 'namedChildCount');
  const flagGetters = [getter<boolean>(P, 'isNamed'), getter<boolean>(P, 'hasError'), getter<boolean>(P, 'isMissing'), getter<boolean>(P, 'isError'), getter<boolean>(P, 'isExtra')];
  const flagNames = ['isNamed', 'hasError', 'isMissing', 'isError', 'isExtra'];
  const childForFieldId = P.childForFieldId as (this: Node, id: number) => Node | null;
  const siblings = ['nextSibling', 'previousSibling', 'nextNamedSibling', 'previousNamedSibling'].map((n) => [n, getter<Node | null>(P, n)] as const);
  const nodeMethods = ['child', 'namedChild', 'descendantForIndex', 'namedDescendantForIndex', 'descendantForPosition', 'namedDescendantForPosition', 'firstChildForIndex', 'firstNamedChildForIndex', 'childWithDescendant'];
  const fieldIds = new WeakMap<object, Map<string, number>>();

  define(P, 'typeId', function () {
    const f = factsOf(this);
    if (f.typeId < 0) f.typeId = typeId.call(this);
    return f.typeId;
  });
  define(P, 'type', function () {
    const f = factsOf(this);
    if (f.type === undefined) {
      if (f.typeId < 0) f.typeId = typeId.call(this);
      f.type = this.tree.language.types[f.typeId] || 'ERROR';
    }
    return f.type;
  });
  define(P, 'endIndex', function () {
    const f = factsOf(this);
    if (f.end < 0) f.end = endIndex.call(this);
    return f.end;
  });
  define(P, 'endPosition', function () {
    const f = factsOf(this);
    // a copy each time, as before: callers may keep or change what they get
    f.endPosition ??= endPosition.call(this);
    return { row: f.endPosition.row, column: f.endPosition.column };
  });
  define(P, 'text', function () {
    const f = factsOf(this);
    if (f.text === undefined) {
      if (f.end < 0) f.end = endIndex.call(this);
      const t = this.tree as Tree & { textCallback?: (i: number, p: unknown) => string | null | undefined };
      // the whole text when the tree was parsed from a string: one slice, not a string per chunk
      const all = t.textCallback?.(0, { row: 0, column: 0 });
      f.text = typeof all === 'string' && all.length >= f.end ? all.slice(this.startIndex, f.end) : text.call(this);
    }
    return f.text;
  });
  define(P, 'parent', function () {
    const f = factsOf(this);
    if (f.parent === undefined) f.parent = intern(parent.call(this));
    return f.parent;
  });
  define(P, 'children', function () {
    factsOf(this);
    if (!this._children) return internAll(children.call(this));
    return this._children;
  });
  define(P, 'namedChildren', function () {
    factsOf(this);
    if (!this._namedChildren) return internAll(namedChildren.call(this));
    return this._namedChildren;
  });
  define(P, 'childCount', function () {
    const f = factsOf(this);
    if (f.childCount < 0) f.childCount = this._children ? this._children.length : childCount.call(this);
    return f.childCount;
  });
  define(P, 'namedChildCount', function () {
    const f = factsOf(this);
    if (f.namedChildCount < 0) f.namedChildCount = this._namedChildren ? this._namedChildren.length : namedChildCount.call(this);
    return f.namedChildCount;
  });
  flagNames.forEach((name, i) => {
    const get = flagGetters[i];
    define(P, name, function () {
      const f = factsOf(this);
      if (!(f.flags & (1 << i))) f.flags |= (1 << i) | (get.call(this) ? 1 << (i + 8) : 0);
      return (f.flags & (1 << (i + 8))) !== 0;
    });
  });
  P.childForFieldId = function (this: Cached, id: number): Node | null {
    const f = factsOf(this);
    const fields = (f.fields ??= []);
    let c = fields[id];
    if (c === undefined) fields[id] = c = intern(childForFieldId.call(this, id));
    return c;
  };
  P.childForFieldName = function (this: Cached, name: string): Node | null {
    const lang = this.tree.language;
    let ids = fieldIds.get(lang);
    if (!ids) fieldIds.set(lang, (ids = new Map(lang.fields.map((n, i) => [n ?? '', i] as [string, number]).filter(([n]) => n !== ''))));
    const id = ids.get(name);
    return id === undefined ? null : (this as Node).childForFieldId(id);
  };
  for (const [name, get] of siblings) define(P, name, function () {
    factsOf(this);
    return intern(get.call(this));
  });
  for (const name of nodeMethods) {
    const orig = P[name] as (this: Node, ...a: unknown[]) => Node | null;
    P[name] = function (this: Node, ...a: unknown[]) {
      return intern(orig.apply(this, a));
    };
  }
  const descendantsOfType = P.descendantsOfType as (this: Node, ...a: unknown[]) => Node[];
  P.descendantsOfType = function (this: Node, ...a: unknown[]) {
    return internAll(descendantsOfType.apply(this, a));
  };

  const Q = Query.prototype as unknown as Record<string, unknown>;
  const captures = Q.captures as (this: Query, ...a: unknown[]) => { node: Node }[];
  Q.captures = function (this: Query, ...a: unknown[]) {
    const out = captures.apply(this, a);
    for (const c of out) c.node = intern(c.node)!;
    return out;
  };
  const matches = Q.matches as (this: Query, ...a: unknown[]) => { captures: { node: Node }[] }[];
  Q.matches = function (this: Query, ...a: unknown[]) {
    const out = matches.apply(this, a);
    for (const m of out) for (const c of m.captures) c.node = intern(c.node)!;
    return out;
  };

  const T = Tree.prototype as unknown as Record<string, unknown>;
  const rootNode = getter<Node>(T, 'rootNode');
  define(T, 'rootNode', function (this: unknown) {
    return intern(rootNode.call(this as Node));
  });
  const edit = T.edit as (this: Tree, e: unknown) => void;
  T.edit = function (this: Tree & { __tg?: TreeState }, e: unknown) {
    edit.call(this, e);
    const s = stateOf(this);
    s.gen++;
    s.nodes = new Map();
  };
  const C = TreeCursor.prototype as unknown as Record<string, unknown>;
  const currentNode = getter<Node>(C, 'currentNode');
  define(C, 'currentNode', function (this: unknown) {
    return intern(currentNode.call(this as Node));
  });
}
