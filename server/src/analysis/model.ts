/**
 * The Model: what a Python file means for training, built once per document version in one pass
 * over the tree and shared by every rule. It answers the questions rules ask: what a name is bound
 * to (through imports, aliases, assignments and the file's own function calls), which loops train,
 * which `with` blocks are autocast, which calls a loop reaches.
 */
import type { Node, Tree } from './parser';
import { firstAtOrAfter } from './sorted';
import { SyntaxTree } from './syntax';
import { SourceText } from './source';
import * as K from './knowledge';
import { combineFacts, type ImportedFunction, type KnownFacts, type ProjectFacts } from '../project/facts';
import { resolveValues, sources } from './config-values';
import { identifiersNamed } from './node-index';

export interface ClassInfo {
  name: string;
  node: Node;
  /** Qualified names of the base classes (local bases as `<local>.Name`). */
  bases: string[];
  methods: Map<string, FunctionInfo>;
}

/** A node's [startIndex, endIndex), read once: every property read of a tree-sitter node crosses into WebAssembly. */
export interface Span {
  start: number;
  end: number;
}

export interface FunctionInfo {
  name: string;
  node: Node;
  span: Span;
  body: Node;
  params: string[];
  parent: FunctionInfo | null;
  cls: ClassInfo | null;
  calls: CallSite[];
  loops: LoopInfo[];
  returns: Node[];
}

export interface CallSite {
  node: Node;
  callee: Node;
  /** The callee resolved through imports and aliases: `torch.save`, `torch.nn.CrossEntropyLoss`. */
  qualified: string | null;
  /** For `a.b(...)`: `b`. */
  method: string | null;
  /** For `a.b(...)`: the node `a`. */
  receiver: Node | null;
  args: Node[];
  keywords: ReadonlyMap<string, Node>;
  fn: FunctionInfo | null;
  /** Loops of the same function whose body holds the call, outermost first. */
  loops: readonly LoopInfo[];
  /** `with` blocks of the same function whose body holds the call, outermost first. */
  withs: readonly WithInfo[];
}

export interface LoopInfo {
  node: Node;
  /** The body's span. */
  bodySpan: Span;
  kind: 'for' | 'while';
  /** Names bound by a `for` target (all identifiers in the pattern). */
  targets: string[];
  targetNode: Node | null;
  iter: Node | null;
  body: Node;
  fn: FunctionInfo | null;
  parent: LoopInfo | null;
  calls: CallSite[];
}

export interface WithItemInfo {
  value: Node;
  alias: Node | null;
  call: CallSite | null;
}

export interface WithInfo {
  node: Node;
  /** The body's span. */
  bodySpan: Span;
  items: WithItemInfo[];
  body: Node;
  fn: FunctionInfo | null;
}

export type BindingKind = 'assign' | 'augassign' | 'param' | 'for' | 'with' | 'import' | 'def' | 'class' | 'unpack';

export interface Binding {
  name: string;
  kind: BindingKind;
  /** The identifier that is bound. */
  node: Node;
  /** The assigned expression for `assign` (and the whole right side for `unpack`). */
  value: Node | null;
  /** For `unpack`, the position in the tuple pattern. */
  index?: number;
  fn: FunctionInfo | null;
}

export interface Comment {
  node: Node;
  /** The comment from `#` to the end of the line, without a carriage return. */
  text: string;
  line: number;
}

/** Where a value comes from: the qualified name of the call that built it and the methods applied after. */
export interface Origin {
  /** `timm.create_model`, `torch.nn.CrossEntropyLoss`, `<local>.Net`, `<literal>`, or null when unknown. */
  base: string | null;
  /** Methods chained after the base call, in order: `['cuda']` for `timm.create_model(...).cuda()`. */
  chain: string[];
  /** The expression the origin was read from. */
  node: Node;
}

export type Role = 'model' | 'loss' | 'optimizer' | 'scaler' | 'loader' | 'scheduler';
export type DeviceKind = 'cuda' | 'maybe-cuda' | 'cpu' | 'unknown';

export type FrameworkName = 'keras' | 'lightning' | 'fastai' | 'huggingface' | 'accelerate' | 'pytorch-accelerated';

export interface FrameworkLoop {
  call: CallSite;
  framework: FrameworkName;
}

export interface TrainingLoopFacts {
  loop: LoopInfo;
  /** Training loops this one reaches (lexically nested or through calls), excluding itself. */
  inner: LoopInfo[];
  /** Training loops that reach this one. */
  outer: LoopInfo[];
  /**
   * The loop's step is a call to a function the file cannot read (`train_one_epoch(model, loader,
   * opt)` imported from the project): an epoch loop whose batch loop is not visible. Rules judge
   * what the file shows and stay silent about what happens inside that function.
   */
  delegated?: boolean;
  /**
   * A delegated loop whose step function (another module of the project, read) holds no loop: the
   * loop itself is the loop over batches (or steps), its step's body is elsewhere. Not an epoch loop.
   */
  stepElsewhere?: boolean;
}

const NORMALIZE: [string, string][] = [
  ['tensorflow.keras.', 'keras.'],
  ['tf_keras.', 'keras.'],
  ['lightning.pytorch.', 'pytorch_lightning.'],
  ['lightning.', 'pytorch_lightning.'],
  ['torch.nn.modules.loss.', 'torch.nn.'],
];

function normalize(q: string): string {
  for (const [from, to] of NORMALIZE) {
    if (q.startsWith(from)) return to + q.slice(from.length);
    if (q === from.slice(0, -1)) return to.slice(0, -1);
  }
  return q;
}

const MAX_DEPTH = 12;
/** The methods `frameworkOfReceiver` can accept (every other method is no framework's loop). */
const FRAMEWORK_METHODS: ReadonlySet<string> = new Set(['fit', 'fit_generator', 'validate', 'fit_one_cycle', 'fine_tune', 'fit_flat_cos', 'fit_sgdr', 'train']);
const NO_BINDINGS: readonly Binding[] = Object.freeze([]);
const NO_ROLES: ReadonlySet<Role> = new Set<Role>();
const NO_CALLS: readonly CallSite[] = Object.freeze([]);
const NO_KEYWORDS: ReadonlyMap<string, Node> = new Map();
const NO_LOOPS: readonly LoopInfo[] = Object.freeze([]);
const NO_WITHS: readonly WithInfo[] = Object.freeze([]);
const DOTTED = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

/** Wrappers whose value is the model they are given (for roles read from usage). */
const MODEL_WRAPPERS: ReadonlySet<string> = new Set(['torch.nn.DataParallel', 'torch.nn.parallel.DataParallel', 'torch.nn.parallel.DistributedDataParallel', 'torch.compile']);

export class PythonModel {
  readonly source: SourceText;
  /** web-tree-sitter's tree (the caller frees it); the analysis reads `syntax`, its JavaScript copy. */
  readonly tree: Tree;
  readonly syntax: SyntaxTree;
  readonly root: Node;

  /** Local name -> qualified name, from every import statement in the file. */
  readonly imports = new Map<string, string>();
  readonly importNodes: Node[] = [];
  /** Modules imported with `*`. */
  readonly starImports: string[] = [];
  readonly functions: FunctionInfo[] = [];
  readonly classes = new Map<string, ClassInfo>();
  readonly calls: CallSite[] = [];
  readonly loops: LoopInfo[] = [];
  readonly withBlocks: WithInfo[] = [];
  readonly comments: Comment[] = [];
  readonly bindings = new Map<string, Binding[]>();
  /** Calls made at module level (outside any function). */
  readonly moduleCalls: CallSite[] = [];
  readonly moduleLoops: LoopInfo[] = [];

  private readonly callByNode = new Map<number, CallSite>();
  private readonly fnByNode = new Map<number, FunctionInfo>();
  private readonly reachCache = new Map<FunctionInfo, CallSite[]>();
  private readonly defaultsCache = new Map<FunctionInfo, Map<string, Node>>();
  private runCache?: ReadonlySet<FunctionInfo>;
  private readonly usageCache = new Map<string, Set<Role>>();
  private readonly lossModuleCache = new Map<string, boolean>();
  private readonly delegatedCache = new Map<CallSite, boolean>();
  private readonly fullBatchCache = new Map<LoopInfo, boolean>();
  private epochProperCache?: LoopInfo[];
  private callerIndex?: Map<FunctionInfo, CallSite[]>;
  private readonly fnAtCache = new Map<number, FunctionInfo | null>();
  private buildingCallerIndex = false;
  private readonly bindingsByScope = new Map<string, Map<FunctionInfo | null, Binding[]>>();
  private readonly calleeCache = new Map<CallSite, readonly FunctionInfo[]>();
  private bindingsByStart?: Binding[];
  private bindingsByFn?: Map<FunctionInfo | null, Binding[]>;
  private methodIndex?: Map<string, CallSite[]>;
  private callOrder?: Map<CallSite, number>;
  private readonly bindingsByNode = new Map<string, Map<number, Binding>>();
  private loopByNode?: Map<number, LoopInfo>;
  private readonly loopReachCache = new Map<LoopInfo, readonly CallSite[]>();
  private readonly originCache = new Map<number, readonly Origin[]>();
  private readonly roleCache = new Map<number, ReadonlySet<Role>>();
  /** Set once every binding and import is collected (names may be qualified from then on). */
  private qualifyCache?: Map<number, string | null>;
  private trainingCache?: Map<LoopInfo, TrainingLoopFacts>;
  private frameworkCache?: FrameworkLoop[];
  private methodNames?: Set<string>;
  private importedFactsCache?: KnownFacts;

  /**
   * The project the file is part of (its imports of project modules, read by the caller: see
   * project/facts.ts), or null: a single file, where an imported function's facts are unknown.
   */
  project: ProjectFacts | null;

  constructor(tree: Tree, source: SourceText | string, project: ProjectFacts | null = null) {
    this.project = project;
    this.tree = tree;
    this.source = typeof source === 'string' ? new SourceText(source) : source;
    this.syntax = new SyntaxTree(tree, this.source.text);
    this.root = this.syntax.root;
    new Collector(this).run();
  }

  /**
   * Gives a model built without its project the project's facts: names are qualified again (a
   * `from utils import *` name may now be torch's) and every answer kept so far is dropped. The
   * analysis does it before its first rule; a caller that builds the model passes the facts to the
   * constructor instead.
   */
  attachProject(project: ProjectFacts | null): void {
    if (!project || this.project) return;
    this.project = project;
    if (!this.starImports.length && !this.imports.size) return;
    this.qualifyCache?.clear();
    for (const cls of this.classes.values()) {
      const supers = cls.node.childForFieldName('superclasses');
      cls.bases = (supers ? supers.namedChildren.filter((c) => c.type !== 'keyword_argument' && c.type !== 'comment') : []).map((b) => this.qualify(b) ?? `<local>.${b.text}`);
    }
    for (const c of this.calls) c.qualified = this.qualify(c.callee);
    for (const cache of [this.reachCache, this.defaultsCache, this.usageCache, this.lossModuleCache, this.delegatedCache, this.fullBatchCache, this.loopReachCache, this.originCache, this.roleCache, this.calleeCache]) (cache as Map<unknown, unknown>).clear();
    this.runCache = undefined;
    this.epochProperCache = undefined;
    this.callerIndex = undefined;
    this.trainingCache = undefined;
    this.frameworkCache = undefined;
    this.importedFactsCache = undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Names

  /**
   * The fully qualified name of a dotted expression rooted at an import: `nn.CrossEntropyLoss` ->
   * `torch.nn.CrossEntropyLoss`, `ac` -> `torch.cuda.amp.autocast`. Simple aliases (`ac2 = ac`) are
   * followed. Local classes give `<local>.Name`, local functions `<local-fn>.name`. Null otherwise.
   */
  qualify(node: Node | null, depth = 0): string | null {
    if (!node || depth > MAX_DEPTH) return null;
    // a name's meaning does not change once the file is collected: asked from the top, it is kept
    if (depth === 0 && this.qualifyCache) {
      const known = this.qualifyCache.get(node.id);
      if (known !== undefined) return known;
      const q = this.qualifyUncached(node, 0);
      this.qualifyCache.set(node.id, q);
      return q;
    }
    return this.qualifyUncached(node, depth);
  }

  private qualifyUncached(node: Node, depth: number): string | null {
    const type = node.type;
    if (type === 'attribute') {
      // a plain dotted name (`torch.nn.CrossEntropyLoss`): resolve its first name only, from the text
      const text = node.text;
      if (DOTTED.test(text)) {
        const dot = text.indexOf('.');
        const head = this.qualifyName(text.slice(0, dot), node, depth);
        return head ? normalize(head + text.slice(dot)) : null;
      }
    }
    if (type === 'identifier') return this.qualifyName(node.text, node, depth);
    if (type === 'attribute') {
      const obj = node.childForFieldName('object');
      const attr = node.childForFieldName('attribute');
      const base = this.qualify(obj, depth + 1);
      if (!base || !attr) return null;
      return normalize(`${base}.${attr.text}`);
    }
    if (type === 'parenthesized_expression') return this.qualify(node.namedChildren[0] ?? null, depth + 1);
    return null;
  }

  /** The qualified name of a bare name read at `at` (imports, local classes/defs, simple aliases, `*` imports). */
  private qualifyName(name: string, at: Node, depth: number): string | null {
    {
      const node = at;
      const fn = this.functionAt(node);
      const local = this.bindingsIn(name, fn);
      if (local.length) {
        for (const b of local) {
          if (b.kind === 'import') return this.imports.get(name) ?? null;
          if (b.kind === 'class') return `<local>.${name}`;
          if (b.kind === 'def') return `<local-fn>.${name}`;
        }
        const simple = local.filter((b) => b.kind === 'assign' && b.value && (b.value.type === 'identifier' || b.value.type === 'attribute'));
        if (simple.length === 1 && local.length === 1) return this.qualify(simple[0].value, depth + 1);
        return null;
      }
      const imported = this.imports.get(name);
      if (imported) return imported;
      if (this.starImports.length && !BUILTINS.has(name) && this.project) {
        // `from utils import *` of a module of the project that was read: what its `*` binds
        const star = this.project.starName(name);
        if (star !== undefined) {
          const others = this.starImports.filter((s) => !this.project!.isProjectStar(s));
          if (star === null) return others.length ? normalize(`${others[others.length - 1]}.${name}`) : null;
          const r = star.resolved;
          if (r.kind === 'external') return normalize(r.qualified);
          if (r.kind !== 'unknown') return normalize(star.via.endsWith('.') ? `${star.via}${name}` : `${star.via}.${name}`);
          // unknown: the conventional bindings below
        }
      }
      if (this.starImports.length && !BUILTINS.has(name)) {
        const last = this.starImports[this.starImports.length - 1];
        // `from utils import *` of a project module that cannot be read: the name's conventional binding
        if (this.starImports.some((mod) => !isLibraryModule(mod))) {
          const conventional = STAR_CONVENTIONAL.get(name);
          if (conventional) return normalize(conventional);
        }
        return normalize(`${last}.${name}`);
      }
      return null;
    }
  }

  /** Bindings of `name` visible from `fn` following Python's scoping (local, enclosing, module). */
  bindingsIn(name: string, fn: FunctionInfo | null): readonly Binding[] {
    const byScope = this.scopesOf(name);
    if (!byScope) return NO_BINDINGS;
    for (let scope: FunctionInfo | null = fn; ; scope = scope.parent) {
      const here = byScope.get(scope);
      if (here || !scope) return here ?? NO_BINDINGS;
    }
  }

  /**
   * The bindings of `name` made in scope `fn` itself (null: module level), in the order of
   * `bindings.get(name)`: that list filtered by `b.fn === fn`, without scanning it.
   */
  bindingsInScope(name: string, fn: FunctionInfo | null): readonly Binding[] {
    return this.scopesOf(name)?.get(fn) ?? NO_BINDINGS;
  }

  /** The bindings of a name grouped by scope, once per name (a name bound in every function of a long file made each lookup scan them all). */
  private scopesOf(name: string): Map<FunctionInfo | null, Binding[]> | undefined {
    let byScope = this.bindingsByScope.get(name);
    if (!byScope) {
      const all = this.bindings.get(name);
      if (!all) return undefined;
      byScope = new Map();
      for (const b of all) {
        const list = byScope.get(b.fn);
        if (list) list.push(b);
        else byScope.set(b.fn, [b]);
      }
      this.bindingsByScope.set(name, byScope);
    }
    return byScope;
  }

  /** The innermost function (def) that holds `node`, or null at module level. */
  functionAt(node: Node): FunctionInfo | null {
    const cached = this.fnAtCache.get(node.id);
    if (cached !== undefined) return cached;
    // Defs nest, and `functions` is in source order: the innermost def holding the node is the last
    // def starting at or before it, or the nearest of that def's enclosing defs that holds it.
    const at = node.startIndex;
    const end = node.endIndex;
    const fns = this.functions;
    let lo = 0;
    let hi = fns.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (fns[mid].span.start <= at) lo = mid + 1;
      else hi = mid;
    }
    let best: FunctionInfo | null = null;
    for (let f: FunctionInfo | null = lo > 0 ? fns[lo - 1] : null; f; f = f.parent) {
      const sp = f.span;
      if (sp.start <= at && end <= sp.end && !(sp.start === at && sp.end === end)) {
        best = f;
        break;
      }
    }
    this.fnAtCache.set(node.id, best);
    return best;
  }


  callAt(node: Node): CallSite | undefined {
    return this.callByNode.get(node.id);
  }

  // ---------------------------------------------------------------------------------------------
  // Values

  /** Where the value of `expr` may come from (every possibility, bounded depth, cycle-safe). */
  originsOf(expr: Node | null, depth = 0, seen?: Set<number>): readonly Origin[] {
    if (!expr) return [];
    if (seen) return this.originsUncached(expr, depth, seen);
    // asked from the top: the answer is kept (not while the caller index is built: not final then)
    const key = depth === 0 && !this.buildingCallerIndex ? expr.id : -1;
    if (key >= 0) {
      const known = this.originCache.get(key);
      if (known) return known;
    }
    const out = this.originsUncached(expr, depth, new Set<number>());
    if (key >= 0 && !this.buildingCallerIndex) this.originCache.set(key, out);
    return out;
  }

  private originsIn(expr: Node | null, depth: number, seen: Set<number>): Origin[] {
    return expr ? this.originsUncached(expr, depth, seen) : [];
  }

  private originsUncached(expr: Node, depth: number, seen: Set<number>): Origin[] {
    if (depth > MAX_DEPTH || seen.has(expr.id)) return [];
    seen.add(expr.id);
    switch (expr.type) {
      case 'call': {
        const call = this.callByNode.get(expr.id);
        const callee = expr.childForFieldName('function');
        if (callee?.type === 'attribute') {
          const method = callee.childForFieldName('attribute')?.text ?? '';
          const q = this.qualify(callee);
          if (q && !q.startsWith('<local')) return [{ base: q, chain: [], node: expr }];
          // a method on a value: the receiver's origins with the method appended
          const receiver = callee.childForFieldName('object');
          const fromLocalMethod = this.localMethodsFor(callee, call?.fn ?? this.functionAt(expr), depth + 1, seen);
          if (fromLocalMethod.length) return fromLocalMethod.flatMap((f) => this.returnOrigins(f, depth, seen));
          const inner = this.originsIn(receiver, depth + 1, seen);
          if (!inner.length) return [{ base: null, chain: [method], node: expr }];
          return inner.map((o) => ({ base: o.base, chain: [...o.chain, method], node: expr }));
        }
        const q = this.qualify(callee);
        if (q?.startsWith('<local-fn>.')) {
          const fns = this.resolveLocalFunctions(callee!, call?.fn ?? this.functionAt(expr));
          const out = fns.flatMap((f) => this.returnOrigins(f, depth, seen));
          return out.length ? out : [{ base: q, chain: [], node: expr }];
        }
        if (callee && callee.type === 'call') {
          // nn.CrossEntropyLoss()(out, y): calling an instance
          return this.originsIn(callee, depth + 1, seen).map((o) => ({ ...o, chain: [...o.chain, '__call__'], node: expr }));
        }
        if (!q && callee?.type === 'identifier') {
          // calling an instance bound to a name (model(x)): the value of the name, called
          return this.originsIn(callee, depth + 1, seen).map((o) => ({ ...o, chain: [...o.chain, '__call__'], node: expr }));
        }
        return [{ base: q, chain: [], node: expr }];
      }
      case 'identifier': {
        const fn = this.functionAt(expr);
        const bs = this.bindingsIn(expr.text, fn);
        if (!bs.length) {
          const q = this.qualify(expr);
          return q ? [{ base: q, chain: [], node: expr }] : [];
        }
        const out: Origin[] = [];
        for (const b of bs) out.push(...this.bindingOrigins(b, depth + 1, seen));
        return out;
      }
      case 'attribute': {
        const q = this.qualify(expr);
        if (q) return [{ base: q, chain: [], node: expr }];
        // self.model = ... in a class: the attribute's assignments anywhere in the class
        return this.attributeOrigins(expr, depth + 1, seen);
      }
      case 'parenthesized_expression':
        return this.originsIn(expr.namedChildren[0] ?? null, depth + 1, seen);
      case 'conditional_expression':
        return expr.namedChildren.flatMap((c, i) => (i === 1 ? [] : this.originsIn(c, depth + 1, seen)));
      case 'string':
      case 'integer':
      case 'float':
      case 'true':
      case 'false':
      case 'none':
      case 'concatenated_string':
        return [{ base: '<literal>', chain: [], node: expr }];
      default:
        return [{ base: null, chain: [], node: expr }];
    }
  }

  private bindingOrigins(b: Binding, depth: number, seen: Set<number>): Origin[] {
    switch (b.kind) {
      case 'assign':
        return this.originsIn(b.value, depth, seen);
      case 'param':
        return this.argumentsFor(b.fn!, b.name).flatMap((a) => this.originsIn(a, depth, seen));
      case 'import': {
        const q = this.imports.get(b.name);
        return q ? [{ base: q, chain: [], node: b.node }] : [];
      }
      case 'class':
        return [{ base: `<local>.${b.name}`, chain: [], node: b.node }];
      case 'with':
        return this.originsIn(b.value, depth, seen).map((o) => ({ ...o, chain: [...o.chain, '__enter__'] }));
      default:
        return [{ base: null, chain: [], node: b.node }];
    }
  }

  private attributeOrigins(expr: Node, depth: number, seen: Set<number>): Origin[] {
    const obj = expr.childForFieldName('object');
    const attr = expr.childForFieldName('attribute')?.text;
    if (!obj || !attr || obj.type !== 'identifier' || obj.text !== 'self') return [];
    const cls = this.functionAt(expr)?.cls;
    if (!cls) return [];
    const out: Origin[] = [];
    for (const b of this.bindings.get(`self.${attr}`) ?? []) {
      if (b.fn?.cls === cls) out.push(...this.originsIn(b.value, depth, seen));
    }
    return out;
  }

  private returnOrigins(fn: FunctionInfo, depth: number, seen: Set<number>): Origin[] {
    return fn.returns.flatMap((r) => this.originsIn(r, depth + 1, seen));
  }

  /**
   * Expressions `param` of `fn` may hold: the argument of each of the file's own call sites, plus the
   * parameter's default when a call site omits it (or when the file never calls `fn`, so the default
   * is all it shows): `def run(net, dev=torch.device("cuda"))` called as `run(net)` runs on `cuda`.
   */
  argumentsFor(fn: FunctionInfo, param: string): Node[] {
    const index = fn.params.indexOf(param);
    const offset = fn.cls && fn.params[0] === 'self' ? 1 : 0;
    const out: Node[] = [];
    let omitted = false;
    const callers = this.callersOf(fn);
    for (const call of callers) {
      const kw = call.keywords.get(param);
      if (kw) out.push(kw);
      else if (index - offset >= 0 && index - offset < call.args.length) out.push(call.args[index - offset]);
      else if (!call.args.some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat') && !call.node.childForFieldName('arguments')?.namedChildren.some((a) => a.type === 'dictionary_splat')) omitted = true;
    }
    if (omitted || !callers.length) {
      const def = this.parameterDefault(fn, param);
      if (def) out.push(def);
    }
    return out;
  }

  /** The default of `param` in `fn`'s signature (`crit=nn.CrossEntropyLoss()`), or null. */
  parameterDefault(fn: FunctionInfo, param: string): Node | null {
    let defaults = this.defaultsCache.get(fn);
    if (!defaults) {
      defaults = new Map();
      for (const p of fn.node.childForFieldName('parameters')?.namedChildren ?? []) {
        if (p.type !== 'default_parameter' && p.type !== 'typed_default_parameter') continue;
        const name = p.childForFieldName('name')?.text;
        const value = p.childForFieldName('value');
        if (name && value) defaults.set(name, value);
      }
      this.defaultsCache.set(fn, defaults);
    }
    return defaults.get(param) ?? null;
  }

  /** The file's own call sites that call `fn`. */
  callersOf(fn: FunctionInfo): CallSite[] {
    if (!this.callerIndex) {
      // Resolving `obj.m(...)` while the index is built may ask for a parameter's callers again
      // (`def f(opt): opt.step()` next to a local class with a `step` method): answer "none yet"
      // instead of recursing without end.
      if (this.buildingCallerIndex) return [];
      this.buildingCallerIndex = true;
      // One pass over the calls: only names of the file's own functions and methods can reach them.
      const index = new Map<FunctionInfo, CallSite[]>();
      const fnNames = new Set(this.functions.map((f) => f.name));
      for (const c of this.calls) {
        const name = c.callee.type === 'identifier' ? c.callee.text : c.method;
        if (!name || (!fnNames.has(name) && !this.classes.has(name))) continue;
        for (const f of this.calleesOf(c)) {
          const list = index.get(f) ?? [];
          list.push(c);
          index.set(f, list);
        }
      }
      this.callerIndex = index;
      this.buildingCallerIndex = false;
    }
    return this.callerIndex.get(fn) ?? [];
  }

  /** The file's own functions a call may enter: `f(...)`, `self.m(...)`, `obj.m(...)` on a local class. */
  calleesOf(call: CallSite): readonly FunctionInfo[] {
    // kept once the caller index exists (while it is built, callers read as none: not final)
    if (this.buildingCallerIndex) return this.calleesUncached(call);
    let fns = this.calleeCache.get(call);
    if (!fns) {
      fns = this.calleesUncached(call);
      if (!this.buildingCallerIndex) this.calleeCache.set(call, fns);
    }
    return fns;
  }

  private calleesUncached(call: CallSite): FunctionInfo[] {
    if (call.callee.type === 'identifier') return this.resolveLocalFunctions(call.callee, call.fn);
    if (call.callee.type === 'attribute') {
      // `obj.m(...)` on a name other than self / cls enters a method of a local class (found from
      // obj's origins): none when no local class defines an `m`, whatever obj's origins are
      const obj = call.callee.childForFieldName('object');
      if (obj?.type === 'identifier' && obj.text !== 'self' && obj.text !== 'cls' && !this.localMethodNames().has(call.method ?? '')) return [];
      return this.localMethodsFor(call.callee, call.fn);
    }
    return [];
  }

  /** The names of the methods of the classes in `classes`. */
  private localMethodNames(): ReadonlySet<string> {
    if (!this.methodNames) {
      this.methodNames = new Set();
      for (const cls of this.classes.values()) for (const name of cls.methods.keys()) this.methodNames.add(name);
    }
    return this.methodNames;
  }

  private resolveLocalFunctions(callee: Node, fn: FunctionInfo | null): FunctionInfo[] {
    if (callee.type !== 'identifier') return [];
    const bs = this.bindingsIn(callee.text, fn);
    const out: FunctionInfo[] = [];
    for (const b of bs) {
      if (b.kind === 'def') {
        const f = this.fnByNode.get(b.node.parent!.id);
        if (f) out.push(f);
      } else if (b.kind === 'class') {
        const cls = this.classes.get(b.name);
        const init = cls?.methods.get('__init__');
        if (init) out.push(init);
      }
    }
    return out;
  }

  private localMethodsFor(callee: Node, fn: FunctionInfo | null, depth = 0, seen = new Set<number>()): FunctionInfo[] {
    const obj = callee.childForFieldName('object');
    const method = callee.childForFieldName('attribute')?.text;
    if (!obj || !method) return [];
    if (obj.type === 'identifier' && (obj.text === 'self' || obj.text === 'cls')) {
      const m = fn?.cls?.methods.get(method) ?? this.enclosingClass(fn)?.methods.get(method);
      return m ? [m] : [];
    }
    // `obj.m()` on a name, or on an instance made in place (`Runner(net).epoch(loader)`)
    // (asked while reading origins, an instance made in place is read there: not twice on one visited set)
    if (obj.type !== 'identifier' && (obj.type !== 'call' || depth > 0)) return [];
    const out: FunctionInfo[] = [];
    if (!this.classes.size || depth > MAX_DEPTH) return [];
    for (const o of this.originsIn(obj, depth + 1, seen)) {
      if (o.base?.startsWith('<local>.') && o.chain.length === 0) {
        const cls = this.classes.get(o.base.slice(8));
        const m = cls?.methods.get(method);
        if (m) out.push(m);
      }
    }
    return out;
  }

  private enclosingClass(fn: FunctionInfo | null): ClassInfo | null {
    for (let f = fn; f; f = f.parent) if (f.cls) return f.cls;
    return null;
  }

  /** The roles a value plays, from its origins. */
  rolesOf(expr: Node | null): ReadonlySet<Role> {
    if (!expr) return NO_ROLES;
    let roles = this.roleCache.get(expr.id);
    if (!roles) {
      const found = new Set<Role>();
      for (const o of this.originsOf(expr)) {
        const r = this.roleOfOrigin(o);
        if (r) found.add(r);
      }
      // a parameter nothing in the file passes (library code, a class never instantiated here):
      // its role from what the code does with it
      if (!found.size) for (const r of this.usageRoles(expr)) found.add(r);
      roles = found.size ? found : NO_ROLES;
      if (!this.buildingCallerIndex) this.roleCache.set(expr.id, roles);
    }
    return roles;
  }

  /**
   * The roles of a value whose origin the file does not show (a parameter no call site passes, or
   * `self.x = x` from such a constructor parameter), from what the code does with it: its
   * `.parameters()` handed to an optimizer, `.train()` / `.eval()` called on it (a model); its
   * result backpropagated (`crit(out, y).backward()`: a loss); `.step()` in a function that
   * backpropagates (an optimizer). Never from its name.
   */
  private usageRoles(expr: Node): ReadonlySet<Role> {
    const scopes = this.unknownParamScopes(expr);
    if (!scopes.length) return NO_ROLES;
    const out = new Set<Role>();
    for (const { text, fns } of scopes) {
      const key = `${text}@${fns.map((f) => f.span.start).join(',')}`;
      let roles = this.usageCache.get(key);
      if (!roles) {
        roles = new Set();
        for (const fn of fns) this.collectUsageRoles(text, fn, roles);
        this.usageCache.set(key, roles);
      }
      for (const r of roles) out.add(r);
    }
    return out;
  }

  private moduleScopeCache: FunctionInfo | null = null;

  /** The module's own statements as a function (for what module-level code does with a value). */
  private moduleScope(): FunctionInfo {
    return (this.moduleScopeCache ??= {
      name: '<module>',
      node: this.root,
      span: { start: -1, end: -1 },
      body: this.root,
      params: [],
      parent: null,
      cls: null,
      calls: this.calls.filter((c) => c.fn === null),
      loops: this.loops.filter((l) => l.fn === null),
      returns: [],
    });
  }

  /** `expr` read as an unknown parameter: its spelling and the functions it is read in under that spelling. */
  private unknownParamScopes(expr: Node, depth = 0): { text: string; fns: FunctionInfo[] }[] {
    if (expr.type === 'identifier') {
      const fn = this.functionAt(expr);
      const bs = this.bindingsIn(expr.text, fn);
      if (!bs.length) return [];
      // a local of a function bound only to values whose origin says nothing
      // (`net = model_cls(**cfg).to(dev)` with `model_cls` looked up at run time): what the function does with it
      if (bs.every((b) => b.kind === 'assign' && b.fn === fn && !!b.value && this.originSaysNothing(b.value))) return [{ text: expr.text, fns: [fn ?? this.moduleScope()] }];
      // a parameter nothing in the file passes, or passed only values whose origin says nothing
      // (`opt = build_optimizer(cfg)` from a module that cannot be read)
      if (!bs.every((b) => b.kind === 'param' && b.fn && this.argumentsFor(b.fn, b.name).every((a) => this.originSaysNothing(a)))) return [];
      const out = [{ text: expr.text, fns: [bs[0].fn!] }];
      // and what the callers do with the values they pass (`net.eval(); predict(net, loader)`)
      if (depth < 3) for (const a of this.argumentsFor(bs[0].fn!, bs[0].name)) if (a.type === 'identifier') out.push(...this.unknownParamScopes(a, depth + 1));
      return out;
    }
    if (expr.type === 'attribute') {
      const obj = expr.childForFieldName('object');
      const attr = expr.childForFieldName('attribute')?.text;
      if (obj?.type !== 'identifier' || obj.text !== 'self' || !attr) return [];
      const cls = this.enclosingClass(this.functionAt(expr));
      if (!cls) return [];
      const stores = (this.bindings.get(`self.${attr}`) ?? []).filter((b) => this.enclosingClass(b.fn) === cls);
      if (!stores.length) return [];
      const out: { text: string; fns: FunctionInfo[] }[] = [{ text: `self.${attr}`, fns: [...cls.methods.values()] }];
      for (const b of stores) {
        if (b.kind !== 'assign' || !b.value) return [];
        // `self.opt = make_optimizer(cfg)` from a module that cannot be read: nothing more to follow
        if (b.value.type === 'call' && this.originSaysNothing(b.value)) continue;
        if (b.value.type !== 'identifier') return [];
        const inner = this.unknownParamScopes(b.value);
        if (!inner.length) return [];
        out.push(...inner);
      }
      return out;
    }
    return [];
  }

  /**
   * Another value in `fn` is shown to be the optimizer (its gradients reset with `.zero_grad()`, or it
   * is handed to a scaler's `step` / `unscale_`) and `text` is not: `text.step()` is then a scheduler's
   * step (`scheduler.step()` next to `optimizer.step(); optimizer.zero_grad()`), not a second optimizer.
   */
  private otherSteppedOptimizer(text: string, fn: FunctionInfo): boolean {
    let shown = this.shownOptimizers.get(fn);
    if (!shown) {
      shown = new Set<string>();
      const stepped = new Set<string>();
      const scalers = new Set<string>();
      for (const x of fn.calls) {
        if (!x.receiver) continue;
        if (x.method === 'step') stepped.add(x.receiver.text);
        if (x.method === 'scale' || x.method === 'unscale_' || x.method === 'update') scalers.add(x.receiver.text);
      }
      for (const x of fn.calls) {
        if (!x.receiver) continue;
        if (x.method === 'zero_grad' && stepped.has(x.receiver.text)) shown.add(x.receiver.text);
        if ((x.method === 'step' || x.method === 'unscale_') && scalers.has(x.receiver.text) && x.args[0]) shown.add(x.args[0].text);
      }
      this.shownOptimizers.set(fn, shown);
    }
    return shown.size > 0 && !shown.has(text);
  }

  private readonly shownOptimizers = new Map<FunctionInfo, Set<string>>();
  private readonly paramGroupReaders = new Map<FunctionInfo, Set<string>>();

  /** The objects whose `.param_groups` the function reads (its own code, not nested definitions). */
  private readsParamGroups(text: string, fn: FunctionInfo): boolean {
    let readers = this.paramGroupReaders.get(fn);
    if (!readers) {
      readers = new Set<string>();
      const own = fn.name === '<module>' ? null : fn;
      for (const a of this.paramGroupAttributes()) if (this.functionAt(a) === own) readers.add(a.childForFieldName('object')!.text);
      this.paramGroupReaders.set(fn, readers);
    }
    return readers.has(text);
  }

  private paramGroupCache: Node[] | null = null;

  /** Every `x.param_groups` attribute of the file (found once). */
  private paramGroupAttributes(): Node[] {
    if (this.paramGroupCache) return this.paramGroupCache;
    const out: Node[] = [];
    if (this.source.text.includes('param_groups')) {
      for (const a of this.root.descendantsOfType('attribute')) if (a.childForFieldName('attribute')?.text === 'param_groups' && a.childForFieldName('object')) out.push(a);
    }
    return (this.paramGroupCache = out);
  }

  /**
   * Every origin of `expr` is unknown or a call into a project module the file cannot read
   * (`build_optimizer(cfg)`): what it is can only be told from what the code does with it. A known
   * library's value (`nn.ModuleList(...)`), a literal or a class of the file says what it is.
   */
  private originSaysNothing(expr: Node, seen = new Set<number>()): boolean {
    const os = this.originsOf(expr);
    return os.length > 0 && os.every((o) => o.base === null || (!o.base.startsWith('<') && K.isProjectName(o.base) && !this.roleOfOrigin(o)) || this.wrapsUnknown(o, seen));
  }

  /** `DistributedDataParallel(net)` / `DataParallel(net)` / `torch.compile(net)` of a value whose own origin says nothing. */
  private wrapsUnknown(o: Origin, seen: Set<number>): boolean {
    if (!o.base || !MODEL_WRAPPERS.has(o.base) || o.chain.length || o.node.type !== 'call') return false;
    // `net = DDP(net)`: the wrapper is among the origins of its own argument
    if (seen.has(o.node.id)) return true;
    seen.add(o.node.id);
    const inner = this.callByNode.get(o.node.id)?.args[0];
    return !!inner && this.originSaysNothing(inner, seen);
  }

  /** `x.scale(loss)`, `x.unscale_(opt)` or `x.update()` in `fn`: x is a GradScaler, whose `step(opt)` steps another object. */
  private scalerLike(text: string, fn: FunctionInfo): boolean {
    return fn.calls.some((x) => x.receiver?.text === text && (x.method === 'scale' || x.method === 'unscale_' || x.method === 'update'));
  }

  private collectUsageRoles(text: string, fn: FunctionInfo, roles: Set<Role>): void {
    const idx = this.usageIndexOf(fn);
    for (const c of idx.byReceiver.get(text) ?? []) {
      // `net.train()` / `net.train(False)` / `net.eval()`: a module's mode (not `trainer.train(resume_from_checkpoint=...)`)
      if ((c.method === 'train' || c.method === 'eval') && !c.keywords.size && (c.args.length === 0 || (c.args.length === 1 && /^(true|false)$/.test(c.args[0].type)))) roles.add('model');
      else if (c.method === 'parameters' && this.insideOptimizer(c.node)) roles.add('model');
      else if (c.method === 'step' && idx.backprop && !this.scalerLike(text, fn) && !this.otherSteppedOptimizer(text, fn)) roles.add('optimizer');
    }
    for (const c of idx.byCallee.get(text) ?? []) if (this.isBackpropagated(c)) roles.add('loss');
    // `x.param_groups` read (the learning rate logged or set): only an optimizer has parameter groups
    if (!roles.has('optimizer') && this.readsParamGroups(text, fn) && !this.scalerLike(text, fn)) roles.add('optimizer');
    // iterated by a loop that feeds what it yields to a model: the data a pass or a training loop reads
    for (const loop of idx.byIterable.get(text) ?? []) {
      const targets = new Set(loop.targets);
      const feedsModel = loop.calls.some(
        (c) =>
          c.fn === fn &&
          (c.callee.type === 'identifier' || c.callee.type === 'attribute') &&
          c.callee.text !== text &&
          [...c.args, ...c.keywords.values()].some((a) => this.identifiersIn(a).some((id) => targets.has(id))) &&
          this.guardedRoles(c.callee).has('model'),
      );
      if (feedsModel) roles.add('loader');
    }
  }

  private readonly usageIndexes = new Map<FunctionInfo, { byReceiver: Map<string, CallSite[]>; byCallee: Map<string, CallSite[]>; byIterable: Map<string, LoopInfo[]>; backprop: boolean }>();

  /** A function's calls by receiver and callee text, and its loops by iterable: what collectUsageRoles reads, found once per function. */
  private usageIndexOf(fn: FunctionInfo) {
    let idx = this.usageIndexes.get(fn);
    if (idx) return idx;
    idx = { byReceiver: new Map(), byCallee: new Map(), byIterable: new Map(), backprop: false };
    const push = <T>(map: Map<string, T[]>, key: string, v: T) => {
      const list = map.get(key);
      if (list) list.push(v);
      else map.set(key, [v]);
    };
    for (const c of fn.calls) {
      if (c.method === 'backward') idx.backprop = true;
      if (c.method && c.receiver) push(idx.byReceiver, c.receiver.text, c);
      if (c.callee.type === 'identifier' || c.callee.type === 'attribute') push(idx.byCallee, c.callee.text, c);
    }
    for (const loop of fn.loops) {
      if (loop.kind !== 'for' || !loop.iter || !loop.targets.length) continue;
      const it = unwrapIterable(this, loop.iter);
      if (it) push(idx.byIterable, it.text, loop);
    }
    this.usageIndexes.set(fn, idx);
    return idx;
  }

  private readonly usageActive = new Set<number>();

  /** rolesOf, answering none for a value whose usage is being read already (two parameters read in terms of each other). */
  private guardedRoles(expr: Node): ReadonlySet<Role> {
    if (this.usageActive.has(expr.id)) return NO_ROLES;
    this.usageActive.add(expr.id);
    try {
      return this.rolesOf(expr);
    } finally {
      this.usageActive.delete(expr.id);
    }
  }

  /** Is `node` (a `.parameters()` call) inside the arguments of an optimizer constructor? */
  private insideOptimizer(node: Node): boolean {
    for (let n = node.parent, i = 0; n && i < 6; n = n.parent, i++) {
      if (n.type === 'call') {
        const q = this.callByNode.get(n.id)?.qualified;
        if (q && K.isOptimizerConstructor(q)) return true;
      }
      if (n.type === 'block' || n.type === 'module') return false;
    }
    return false;
  }

  /** Is the value of `call` backpropagated: `call(...).backward()`, or bound to a name whose `.backward()` is called (or scaled and then backpropagated)? */
  private isBackpropagated(call: CallSite): boolean {
    const parent = call.node.parent;
    if (parent?.type === 'attribute' && parent.childForFieldName('attribute')?.text === 'backward') return true;
    if (parent?.type !== 'assignment' || parent.childForFieldName('right')?.id !== call.node.id) return false;
    const left = parent.childForFieldName('left');
    if (left?.type !== 'identifier') return false;
    const name = left.text;
    for (const c of call.fn ? call.fn.calls : this.calls.filter((x) => x.fn === null)) {
      if (c.method === 'backward' && c.receiver) {
        if (c.receiver.text === name) return true;
        // scaler.scale(loss).backward(), (loss / accum).backward()
        if (this.identifiersIn(c.receiver).includes(name)) return true;
      }
    }
    return false;
  }

  hasRole(expr: Node | null, role: Role): boolean {
    return this.rolesOf(expr).has(role);
  }

  roleOfOrigin(o: Origin): Role | null {
    if (!o.base) return null;
    // a class or factory named, not called (`model = torchvision.models.resnet18`, `net = Net`): the
    // value is the constructor, and calling it builds the instance (`model()` makes a network, it is
    // no forward pass). Only the origin read from a call is an instance already.
    let rest = o.chain;
    if (o.node.type !== 'call' && o.base !== '<literal>') {
      if (rest[0] !== '__call__') return null;
      rest = rest.slice(1);
    }
    const chain = rest.filter((m) => m !== 'to' && m !== 'cuda' && m !== 'train' && m !== 'eval' && m !== 'float' && m !== 'half' && m !== 'to_memory_format');
    if (chain.length) return null;
    const b = o.base;
    if (K.isLossConstructor(b)) return 'loss';
    if (K.GRAD_SCALER.has(b)) return 'scaler';
    if (K.isOptimizerConstructor(b)) return 'optimizer';
    if (K.isSchedulerConstructor(b)) return 'scheduler';
    if (K.DATALOADER.has(b)) return 'loader';
    if (this.isLocalLossModule(b)) return 'loss';
    if (K.isModelFactory(b) || this.isLocalTorchModule(b)) return 'model';
    return null;
  }

  /**
   * `<local>.X` where `class X(nn.Module)` is a loss, not a model: it derives from torch's `_Loss`,
   * or its `forward` returns what a loss computes (`F.binary_cross_entropy_with_logits(...)`, a
   * criterion called, possibly reduced with `.mean()` / `.sum()` or scaled).
   */
  isLocalLossModule(q: string): boolean {
    if (!q.startsWith('<local>.')) return false;
    const hit = this.lossModuleCache.get(q);
    if (hit !== undefined) return hit;
    this.lossModuleCache.set(q, false);
    let out = false;
    const cls = this.classes.get(q.slice(8));
    if (cls && this.isLocalTorchModule(q)) {
      if (this.localClassDerives(q, (b) => /^torch\.nn\.(modules\.loss\.)?_(Weighted)?Loss$/.test(b))) out = true;
      else {
        const fwd = cls.methods.get('forward');
        out = !!fwd && fwd.returns.length > 0 && fwd.returns.every((r) => this.computesLoss(r, fwd, 0));
      }
    }
    this.lossModuleCache.set(q, out);
    return out;
  }

  /** Does `expr` (returned by `fn`) hold the value of a loss call: directly, through a name bound in `fn`, reduced or scaled? */
  private computesLoss(expr: Node, fn: FunctionInfo, depth: number): boolean {
    if (depth > 6) return false;
    switch (expr.type) {
      case 'call': {
        const call = this.callByNode.get(expr.id);
        if (!call) return false;
        if (this.isLossCall(call)) return true;
        if (call.method && call.receiver && /^(mean|sum|squeeze|float)$/.test(call.method)) return this.computesLoss(call.receiver, fn, depth + 1);
        return false;
      }
      case 'binary_operator':
        return expr.namedChildren.some((c) => this.computesLoss(c, fn, depth + 1));
      case 'parenthesized_expression':
        return !!expr.namedChildren[0] && this.computesLoss(expr.namedChildren[0], fn, depth + 1);
      case 'identifier': {
        const bs = this.bindingsInScope(expr.text, fn).filter((b) => b.kind === 'assign' || b.kind === 'augassign');
        return bs.length > 0 && bs.some((b) => !!b.value && this.computesLoss(b.value, fn, depth + 1));
      }
      default:
        return false;
    }
  }

  /** `<local>.Net` where `class Net(nn.Module)` (directly or through other local classes). */
  isLocalTorchModule(q: string, depth = 0): boolean {
    if (!q.startsWith('<local>.') || depth > 8) return false;
    const cls = this.classes.get(q.slice(8));
    if (!cls) return false;
    return cls.bases.some(
      (b) => b === 'torch.nn.Module' || b === 'torch.nn.modules.module.Module' || /^timm\.models\./.test(b) || this.isLocalTorchModule(b, depth + 1),
    );
  }

  /** Does the class `<local>.X` derive (through local classes) from a base matching `test`? */
  localClassDerives(q: string, test: (base: string) => boolean, depth = 0): boolean {
    if (!q.startsWith('<local>.') || depth > 8) return false;
    const cls = this.classes.get(q.slice(8));
    return !!cls && cls.bases.some((b) => test(b) || this.localClassDerives(b, test, depth + 1));
  }

  /** Is `call` a loss computation: a criterion instance called, a functional loss, or a local fn returning one? */
  isLossCall(call: CallSite): boolean {
    if (call.qualified && K.FUNCTIONAL_LOSSES.has(call.qualified)) return true;
    if (call.qualified && K.isLossConstructor(call.qualified)) return false;
    // `WeightedBCE()` builds the criterion (a local loss module): calling the instance computes the loss
    if (call.qualified?.startsWith('<local>.') && this.isLocalLossModule(call.qualified)) return false;
    if (call.callee.type === 'identifier' || call.callee.type === 'attribute' || call.callee.type === 'call') {
      if (call.callee.type !== 'call' && this.hasRole(call.callee, 'loss')) return true;
      if (call.callee.type === 'call') {
        const inner = this.callByNode.get(call.callee.id);
        if (inner?.qualified && K.isLossConstructor(inner.qualified)) return true;
      }
    }
    for (const f of this.calleesOf(call)) {
      if (f.returns.some((r) => r.type === 'call' && this.callByNode.has(r.id) && this.isLossCall(this.callByNode.get(r.id)!))) return true;
    }
    return false;
  }

  /** Is `call` a forward pass of a model (`model(x)`, `model.forward(x)`, `self.model(x)`)? */
  isModelCall(call: CallSite): boolean {
    if (call.callee.type === 'identifier' || call.callee.type === 'attribute') {
      if (call.method === 'forward' && call.receiver) return this.hasRole(call.receiver, 'model');
      if (call.method !== null && call.callee.type === 'attribute' && this.qualify(call.callee)) return false;
      return this.hasRole(call.callee, 'model');
    }
    return false;
  }

  /**
   * Where the device of `expr` (an argument of `.to()`, a `device=` value) points. The one device
   * inference every rule shares: literals, `torch.device(...)`, `torch.accelerator`, names (every
   * binding, parameters through the file's call sites and their defaults), the file's own functions
   * that return a device (`get_device()`), and configuration read from attributes and subscripts
   * (`cfg.device`, `CFG["device"]`, `self.device`, `args.device` with an argparse default) through
   * the shared value resolver. `cuda` and `cpu` on different paths: `maybe-cuda`.
   */
  deviceOf(expr: Node | null, depth = 0, seen = new Set<number>()): DeviceKind {
    if (!expr || depth > MAX_DEPTH || seen.has(expr.id)) return 'unknown';
    seen.add(expr.id);
    switch (expr.type) {
      case 'string': {
        const s = stringValue(expr);
        return s === null ? 'unknown' : deviceOfString(s);
      }
      case 'conditional_expression': {
        const kinds = expr.namedChildren.filter((_, i) => i !== 1).map((c) => this.deviceOf(c, depth + 1, seen));
        if (kinds.includes('cuda') || kinds.includes('maybe-cuda')) return 'maybe-cuda';
        return kinds.every((k) => k === 'cpu') ? 'cpu' : 'unknown';
      }
      case 'call': {
        const q = this.qualify(expr.childForFieldName('function'));
        if (q === 'torch.device') {
          const args = expr.childForFieldName('arguments')?.namedChildren ?? [];
          const first = args[0]?.type === 'keyword_argument' ? args[0].childForFieldName('value') : args[0] ?? null;
          return this.deviceOf(first, depth + 1, seen);
        }
        if (q === 'torch.cuda.current_device') return 'cuda';
        // torch.accelerator.current_accelerator(): CUDA on a GPU machine, the CPU without one
        if (q && /^torch\.accelerator\./.test(q)) return 'maybe-cuda';
        // a device returned by the file's own function (`get_device()`)
        const call = this.callByNode.get(expr.id);
        if (call && (!q || q.startsWith('<local'))) {
          const kinds = this.calleesOf(call).flatMap((f) => (f.name === '__init__' ? [] : f.returns.map((r) => this.deviceOf(r, depth + 1, seen))));
          return combineDevices(kinds);
        }
        // a device returned by a function of another module of the project (`from utils import get_device`)
        const imported = call ? this.importedFunction(call) : null;
        if (imported) return imported.summary.returnsDevice ?? 'unknown';
        return 'unknown';
      }
      case 'attribute': {
        const imported = this.importedDevice(expr);
        if (imported) return imported;
        const attr = expr.childForFieldName('attribute')?.text;
        const obj = expr.childForFieldName('object');
        if (attr === 'device') {
          const roles = [...this.originsOf(obj)].map((o) => o.base ?? '');
          if (roles.some((b) => b === 'accelerate.Accelerator')) return 'maybe-cuda';
        }
        return this.configuredDevice(expr, depth, seen);
      }
      case 'subscript':
        return this.configuredDevice(expr, depth, seen);
      case 'identifier': {
        const imported = this.importedDevice(expr);
        if (imported) return imported;
        const bs = this.bindingsIn(expr.text, this.functionAt(expr));
        const kinds: DeviceKind[] = [];
        for (const b of bs) {
          if (b.kind === 'assign') kinds.push(this.deviceOf(b.value, depth + 1, seen));
          else if (b.kind === 'param') for (const a of this.argumentsFor(b.fn!, b.name)) kinds.push(this.deviceOf(a, depth + 1, seen));
          else kinds.push('unknown');
        }
        return combineDevices(kinds);
      }
      case 'parenthesized_expression':
        return this.deviceOf(expr.namedChildren[0] ?? null, depth + 1, seen);
      default:
        return 'unknown';
    }
  }

  /** The device a module of the project binds to a name the file imports (`config.DEVICE`, `from config import DEVICE`), or null. */
  private importedDevice(expr: Node): DeviceKind | null {
    if (!this.project) return null;
    const q = this.qualify(expr);
    if (q && !q.startsWith('<local')) {
      const r = this.project.resolve(q);
      if (r?.kind === 'value' && r.binding.kind === 'value' && r.binding.device) return r.binding.device;
    }
    // an attribute of an instance of a project class that names a device (`config.device` of `config = Config()`)
    if (expr.type !== 'attribute') return null;
    const attr = expr.childForFieldName('attribute')?.text;
    const origins = this.originsOf(expr.childForFieldName('object'));
    if (!attr || !origins.length) return null;
    let found: DeviceKind | null = null;
    for (const o of origins) {
      if (!o.base || o.chain.length || o.base.startsWith('<') || !K.isProjectName(o.base)) return null;
      const r = this.project.resolve(o.base);
      const d = r?.kind === 'class' && r.binding.kind === 'class' ? r.binding.devices?.[attr] : undefined;
      if (!d || (found && found !== d)) return null;
      found = d;
    }
    return found;
  }

  /** A device read from configuration (`cfg.device`, `CFG["device"]`, `self.device`, `args.device`): its sources, else its resolved strings. */
  private configuredDevice(expr: Node, depth: number, seen: Set<number>): DeviceKind {
    const kinds: DeviceKind[] = [];
    for (const s of sources(this, expr)) {
      if (s.node.id === expr.id) {
        // not followed by value flow (a config class attribute, an argparse option): its constant values
        const vals = resolveValues(this, expr);
        if (!vals) kinds.push('unknown');
        else for (const v of vals) kinds.push(typeof v.value === 'string' ? deviceOfString(v.value) : 'unknown');
      } else if (s.node.type !== 'attribute' && s.node.type !== 'subscript') {
        kinds.push(this.deviceOf(s.node, depth + 1, seen));
      } else {
        const vals = resolveValues(this, s.node);
        if (!vals) kinds.push('unknown');
        else for (const v of vals) kinds.push(typeof v.value === 'string' ? deviceOfString(v.value) : 'unknown');
      }
    }
    return combineDevices(kinds);
  }

  // ---------------------------------------------------------------------------------------------
  // Reachability and loops

  /** Every call a function makes, directly or through the file's own functions it calls. */
  reachableFromFunction(fn: FunctionInfo): CallSite[] {
    const cached = this.reachCache.get(fn);
    if (cached) return cached;
    const out: CallSite[] = [];
    const seen = new Set<FunctionInfo>([fn]);
    const stack = [fn];
    while (stack.length) {
      const f = stack.pop()!;
      for (const c of f.calls) {
        out.push(c);
        for (const g of this.calleesOf(c)) {
          if (!seen.has(g)) {
            seen.add(g);
            stack.push(g);
          }
        }
      }
    }
    this.reachCache.set(fn, out);
    return out;
  }

  /** Every call a loop's body makes, directly or through the file's own functions. */
  reachableFromLoop(loop: LoopInfo): readonly CallSite[] {
    const cached = this.loopReachCache.get(loop);
    if (cached) return cached;
    const out = this.reachableFromLoopUncached(loop);
    if (!this.buildingCallerIndex) this.loopReachCache.set(loop, out);
    return out;
  }

  private reachableFromLoopUncached(loop: LoopInfo): CallSite[] {
    // each call once: a loop whose function calls itself reaches its own calls again
    const out = new Set<CallSite>();
    const seen = new Set<FunctionInfo>();
    for (const c of loop.calls) {
      out.add(c);
      for (const g of this.calleesOf(c)) {
        if (seen.has(g)) continue;
        seen.add(g);
        for (const r of this.reachableFromFunction(g)) out.add(r);
      }
    }
    return [...out];
  }

  /** Loops reached from a loop's body: nested ones and those of the functions it calls. */
  loopsReachedFrom(loop: LoopInfo): LoopInfo[] {
    const out = new Set<LoopInfo>();
    // loops of the same function nested in this one (the function's own list, not every loop of the file)
    for (const l of loop.fn ? loop.fn.loops : this.moduleLoops) if (l !== loop && isWithin(l.node, loop.body)) out.add(l);
    const fns = new Set<FunctionInfo>();
    for (const c of this.reachableFromLoop(loop)) if (c.fn && c.fn !== loop.fn) fns.add(c.fn);
    for (const c of loop.calls) for (const g of this.calleesOf(c)) fns.add(g);
    for (const f of fns) for (const l of f.loops) out.add(l);
    return [...out];
  }

  /**
   * The file's own functions that run when the file runs: called from module-level code (the
   * `if __name__ == "__main__":` block included), or passed there as a callback (`mp.spawn(main)`),
   * directly or through functions that run. A training function outside this set is library code:
   * another script imports and calls it.
   */
  functionsRun(): ReadonlySet<FunctionInfo> {
    if (this.runCache) return this.runCache;
    const run = new Set<FunctionInfo>();
    const stack: FunctionInfo[] = [];
    const add = (f: FunctionInfo) => {
      if (!run.has(f)) {
        run.add(f);
        stack.push(f);
      }
    };
    const enter = (calls: readonly CallSite[]) => {
      for (const c of calls) for (const g of this.calleesOf(c)) add(g);
    };
    enter(this.calls.filter((c) => c.fn === null));
    const defs = this.functions.filter((f) => !f.cls && f.name);
    for (;;) {
      while (stack.length) enter(stack.pop()!.calls);
      // a function read as a value (not called) by code that runs: a callback that runs too
      const before = run.size;
      for (const f of defs) {
        if (run.has(f)) continue;
        for (const id of identifiersNamed(this, f.name)) {
          const parent = id.parent;
          if (!parent || parent.type === 'function_definition' || (parent.type === 'call' && parent.childForFieldName('function')?.id === id.id)) continue;
          if (parent.type === 'attribute' && parent.childForFieldName('attribute')?.id === id.id) continue;
          const at = this.functionAt(id);
          if ((at === null || run.has(at)) && this.bindingsIn(f.name, at).some((b) => b.kind === 'def' && b.node.parent?.id === f.node.id)) {
            add(f);
            break;
          }
        }
      }
      if (run.size === before) break;
    }
    this.runCache = run;
    return run;
  }

  /** Does the loop run when the file runs (module level, or in a function that runs)? False in library code. */
  runsInFile(loop: LoopInfo): boolean {
    return loop.fn === null || this.functionsRun().has(loop.fn);
  }

  /** Is `call` a `.backward()` or an optimizer/scaler step (the marks of a hand-written training step)? */
  isTrainingStep(call: CallSite): boolean {
    if (call.method === 'backward') return true;
    if (call.method === 'step' && call.receiver) {
      const roles = this.rolesOf(call.receiver);
      if (roles.has('optimizer')) return true;
      if (roles.has('scaler')) return true;
    }
    return false;
  }

  /** Hand-written training loops (loops whose body reaches `.backward()` or `optimizer.step()`). */
  trainingLoops(): Map<LoopInfo, TrainingLoopFacts> {
    if (this.trainingCache) return this.trainingCache;
    const facts = new Map<LoopInfo, TrainingLoopFacts>();
    for (const loop of this.loops) {
      const reach = this.reachableFromLoop(loop);
      if (reach.some((c) => this.isTrainingStep(c))) facts.set(loop, { loop, inner: [], outer: [], delegated: false });
      else if (reach.some((c) => this.isDelegatedStep(c))) facts.set(loop, { loop, inner: [], outer: [], delegated: false });
    }
    for (const f of facts.values()) {
      for (const l of this.loopsReachedFrom(f.loop)) {
        const g = facts.get(l);
        if (g && g !== f) {
          f.inner.push(l);
          g.outer.push(f.loop);
        }
      }
    }
    // an epoch loop whose step is delegated to a function the file cannot read: its batch loop is unseen
    for (const f of facts.values()) {
      if (!f.inner.length && !this.reachableFromLoop(f.loop).some((c) => this.isTrainingStep(c))) f.delegated = true;
    }
    if (this.project) {
      for (const f of facts.values()) {
        if (!f.delegated) continue;
        const steps = this.reachableFromLoop(f.loop).filter((c) => this.isDelegatedStep(c)).map((c) => this.importedFunction(c));
        // the loop is the batch loop only when each step function shows a step and no loop of its own
        // (a function whose step is hidden, e.g. a backward inside a library scaler call, says nothing)
        if (steps.length && steps.every((fn) => fn && fn.facts.trainingStep === true && fn.facts.trainingLoop === false)) f.stepElsewhere = true;
      }
    }
    this.trainingCache = facts;
    return facts;
  }

  /**
   * A training step delegated to a function the file cannot read: a call to a function imported
   * from the project (not one of the file's own functions, not a known library's) that is handed
   * an optimizer and the model or the training data (`train_one_epoch(model, loader, criterion,
   * optimizer, device)`).
   */
  isDelegatedStep(call: CallSite): boolean {
    if (this.project && call.method && !call.qualified) {
      // a method of a project class's instance: what its summary says
      const m = this.importedFunction(call);
      if (m) return m.facts.trainingStep === true && m.facts.epochLoop !== true;
    }
    const q = call.qualified;
    if (!q || q.startsWith('<local') || !K.isProjectName(q)) return false;
    // a function of the project that was read: what its summary says (a whole training run in it is not a step)
    const r = this.project?.resolve(q);
    // (a step it does not show, in a library call such as timm's NativeScaler, is left to the heuristic below)
    if (r && r.kind === 'function' && r.fn.facts.epochLoop === true) return false;
    if (r && r.kind === 'function' && r.fn.facts.trainingStep === true) return !this.calleesOf(call).length;
    if (r && (r.kind === 'external' || r.kind === 'module' || r.kind === 'value')) return false;
    if (call.args.length + call.keywords.size < 2) return false;
    const known = this.delegatedCache.get(call);
    if (known !== undefined) return known;
    const out = this.isDelegatedStepUncached(call);
    if (!this.buildingCallerIndex) this.delegatedCache.set(call, out);
    return out;
  }

  private isDelegatedStepUncached(call: CallSite): boolean {
    if (this.calleesOf(call).length) return false;
    const args = [...call.args, ...call.keywords.values()];
    let trained = false;
    let optimizer = false;
    for (const a of args) {
      if (a.type !== 'identifier' && a.type !== 'attribute') continue;
      const roles = this.rolesOf(a);
      if (roles.has('model') || roles.has('loader')) trained = true;
      if (roles.has('optimizer')) optimizer = true;
    }
    // an optimizer alone is not a step (`adjust_learning_rate(optimizer, epoch)`): with the model or the data it is
    return trained && optimizer;
  }


  /** The function of another module of the project a call runs (null: the file's own, a library's, or not known). */
  importedFunction(call: CallSite): ImportedFunction | null {
    if (!this.project) return null;
    if (call.qualified && !call.qualified.startsWith('<local')) return this.project.functionNamed(call.qualified);
    // a method of an instance of a project class (`trainer = Trainer(...)`, `trainer.train(...)`)
    if (!call.method || !call.receiver || !this.project.isMethodName(call.method)) return null;
    let found: ImportedFunction | null = null;
    for (const o of this.originsOf(call.receiver)) {
      if (!o.base || o.chain.length || o.base.startsWith('<') || !K.isProjectName(o.base)) return null;
      const fn = this.project.methodOf(o.base, call.method);
      if (!fn || (found && found !== fn)) return null;
      found = fn;
    }
    return found;
  }

  /**
   * What the functions of other modules that a delegated training loop hands its step to do
   * (autocast, a GPU-memory report, prints, saves...), with those functions; null when one of them
   * cannot be read (no project, a module missing or not parsed): then nothing is known of them.
   */
  delegatedFacts(loop: LoopInfo): { facts: KnownFacts; functions: ImportedFunction[]; calls: CallSite[] } | null {
    const f = this.trainingLoops().get(loop);
    if (!f?.delegated || !this.project) return null;
    const calls = this.reachableFromLoop(loop).filter((c) => this.isDelegatedStep(c));
    const functions: ImportedFunction[] = [];
    for (const c of calls) {
      const fn = this.importedFunction(c);
      if (!fn) return null;
      functions.push(fn);
    }
    if (!functions.length) return null;
    return { facts: combineFacts(functions.map((x) => x.facts)), functions, calls };
  }

  /** The facts of every function of other modules the file calls (anywhere), together: what a file-wide question ("is AMP used?") adds. */
  importedFacts(): KnownFacts {
    if (this.importedFactsCache) return this.importedFactsCache;
    const list: KnownFacts[] = [];
    if (this.project) for (const c of this.calls) {
      const fn = this.importedFunction(c);
      if (fn) list.push(fn.facts);
    }
    return (this.importedFactsCache = combineFacts(list));
  }

  /** Training loops with no training loop inside: the loops over batches (not an epoch loop whose batch loop is in a function the file cannot read). */
  batchLoops(): LoopInfo[] {
    return [...this.trainingLoops().values()].filter((f) => f.inner.length === 0 && !f.delegated).map((f) => f.loop);
  }

  /** Outermost training loops: not reached from any other training loop (fold loops, or epoch loops). */
  outermostTrainingLoops(): LoopInfo[] {
    return [...this.trainingLoops().values()].filter((f) => f.outer.length === 0).map((f) => f.loop);
  }

  /** Training loops that reach another training loop (epoch and fold loops), or delegate their step. */
  epochLoops(): LoopInfo[] {
    return [...this.trainingLoops().values()].filter((f) => f.inner.length > 0 || (f.delegated && !f.stepElsewhere)).map((f) => f.loop);
  }

  /**
   * The epoch loops proper: a training loop whose inner training loops are all batch loops, one
   * that delegates its step to an unreadable function, or a full-batch loop (no inner batch loop:
   * `for it in range(300): opt.zero_grad(); loss = crit(net(X), y); ...`). A fold loop around
   * epoch loops is not one.
   */
  epochLoopsProper(): LoopInfo[] {
    if (this.epochProperCache) return this.epochProperCache;
    const facts = this.trainingLoops();
    const out: LoopInfo[] = [];
    for (const f of facts.values()) {
      if ((f.delegated && !f.stepElsewhere) || this.isFullBatchLoop(f)) out.push(f.loop);
      else if (f.inner.length && f.inner.every((l) => !facts.get(l)!.inner.length && (!facts.get(l)!.delegated || facts.get(l)!.stepElsewhere) && !this.isFullBatchLoop(facts.get(l)!))) out.push(f.loop);
    }
    this.epochProperCache = out;
    return out;
  }

  /**
   * A full-batch training loop: no inner training loop, it counts iterations (`range(...)`, `trange`,
   * `while`) rather than reading data, any training loop around it reads data (a fold split), not a
   * count (around a counted loop it may be the batch-index loop of an epoch), and every iteration
   * trains on the same tensors (a step loop drawing a batch each time is not an epoch loop).
   */
  isFullBatchLoop(f: TrainingLoopFacts): boolean {
    let known = this.fullBatchCache.get(f.loop);
    if (known === undefined) this.fullBatchCache.set(f.loop, (known = this.isFullBatchLoopUncached(f)));
    return known;
  }

  private isFullBatchLoopUncached(f: TrainingLoopFacts): boolean {
    if (f.inner.length || f.delegated || !countsIterations(this, f.loop)) return false;
    if (!f.outer.every((o) => !countsIterations(this, o))) return false;
    // each iteration feeds the model the same data: no forward pass (or call of the file's own
    // step function) reads a value the iteration draws (`x, y = next(it)`, `X[idx]`, the counter)
    const loop = f.loop;
    const drawn = new Set(loop.targets);
    for (const b of this.bindingsOf(loop.fn)) if (isWithin(b.node, loop.body)) drawn.add(b.name);
    for (const c of loop.calls) {
      if (c.fn !== loop.fn || (!this.isModelCall(c) && !this.calleesOf(c).length)) continue;
      for (const a of [...c.args, ...c.keywords.values()]) if (this.identifiersIn(a).some((id) => drawn.has(id))) return false;
    }
    return true;
  }

  /** The framework calls that own a training loop: `model.fit`, `trainer.fit`, `learn.fine_tune`, `trainer.train()`. */
  frameworkLoops(): FrameworkLoop[] {
    if (this.frameworkCache) return this.frameworkCache;
    const out: FrameworkLoop[] = [];
    for (const call of this.calls) {
      // only these methods start a framework's loop: the receiver's origins are not asked for others
      if (!call.method || !call.receiver || !FRAMEWORK_METHODS.has(call.method)) continue;
      const fw = this.frameworkOfReceiver(call.receiver, call.method) ?? this.compiledKerasFit(call);
      if (fw) out.push({ call, framework: fw });
    }
    this.frameworkCache = out;
    return out;
  }

  private frameworkOfReceiver(receiver: Node, method: string): FrameworkName | null {
    const fitLike = method === 'fit' || method === 'fit_generator';
    const fastaiFit = /^(fit|fit_one_cycle|fine_tune|fit_flat_cos|fit_sgdr)$/.test(method);
    for (const o of this.originsOf(receiver)) {
      const b = o.base;
      if (!b) continue;
      const isKeras =
        /^keras\.(Sequential|Model|models\.(Sequential|Model|load_model)|applications\.)/.test(b) ||
        this.localClassDerives(b, (x) => /^keras\.(Model|models\.Model)$/.test(x));
      if (isKeras && fitLike) return 'keras';
      if (/^pytorch_lightning\.(Trainer|trainer\.Trainer)$/.test(b) && (method === 'fit' || method === 'validate')) return 'lightning';
      if (/^fastai\./.test(b) && fastaiFit) return 'fastai';
      if (/^transformers\.(\w*Trainer)$/.test(b) && method === 'train') return 'huggingface';
      if (/^trl\.\w*Trainer$/.test(b) && method === 'train') return 'huggingface';
      if (/^pytorch_accelerated\.\w*Trainer$/.test(b) && method === 'train') return 'pytorch-accelerated';
      if (this.localClassDerives(b, (x) => /^transformers\.\w*Trainer$/.test(x)) && method === 'train') return 'huggingface';
    }
    return null;
  }

  /**
   * `model.fit(...)` on a model whose origin the file does not show (a parameter, a factory looked up
   * by name) that the same function compiled Keras-style first (`model.compile(loss=..., optimizer=...)`)
   * in a file that imports Keras: a Keras fit.
   */
  private compiledKerasFit(call: CallSite): FrameworkName | null {
    if ((call.method !== 'fit' && call.method !== 'fit_generator') || call.receiver?.type !== 'identifier') return null;
    const name = call.receiver.text;
    const compiled = (call.fn ? call.fn.calls : this.moduleCalls).some(
      (c) => c.method === 'compile' && c.receiver?.type === 'identifier' && c.receiver.text === name && c.node.startIndex < call.node.startIndex && (c.keywords.has('loss') || c.keywords.has('optimizer')),
    );
    if (!compiled || !(this.importsModule('keras') || this.importsModule('tensorflow.keras'))) return null;
    // an origin the file does show is judged by frameworkOfReceiver alone
    return this.originsOf(call.receiver).some((o) => o.base && !o.base.startsWith('<local') && !/^keras\./.test(o.base) && K.isProjectName(o.base) === false) ? null : 'keras';
  }

  /** Does the file import any module under `prefix` (`keras`, `pytorch_lightning`, ...)? */
  importsModule(prefix: string): boolean {
    const p = normalize(prefix);
    for (const q of this.imports.values()) if (q === p || q.startsWith(p + '.')) return true;
    if (this.starImports.some((m) => m === p || m.startsWith(p + '.'))) return true;
    // a project module's `*`: the conventional names the file reads (and does not bind) under `prefix`
    if (!this.starImports.some((s) => !isLibraryModule(s))) return false;
    for (const [name, q] of STAR_CONVENTIONAL) {
      if (!(q === p || q.startsWith(p + '.')) || this.bindings.has(name)) continue;
      if (identifiersNamed(this, name).length) return true;
    }
    return false;
  }

  /** Is `node` inside an autocast `with` block (of its own function)? Returns the innermost such block. */
  autocastBlocks(): WithInfo[] {
    return this.withBlocks.filter((w) => this.isAutocast(w));
  }

  isAutocast(w: WithInfo): boolean {
    return w.items.some((i) => {
      const callee = i.value.type === 'call' ? i.value.childForFieldName('function') : i.value;
      const q = this.qualify(callee);
      if (q && K.AUTOCAST.has(q)) return true;
      // accelerator.autocast()
      if (callee?.type === 'attribute' && callee.childForFieldName('attribute')?.text === 'autocast') {
        return this.originsOf(callee.childForFieldName('object')).some((o) => o.base === 'accelerate.Accelerator');
      }
      return false;
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Text helpers for rules and fixes

  text(node: Node): string {
    return node.text;
  }

  /** The statement that holds `node` (the nearest ancestor that is a direct child of a block or the module). */
  statementOf(node: Node): Node {
    let n: Node = node;
    while (n.parent && n.parent.type !== 'block' && n.parent.type !== 'module') n = n.parent;
    return n;
  }

  /**
   * Names read or bound inside `node`, in source order: its identifiers, except attribute names
   * (`b` in `a.b`) and keyword names (`k` in `f(k=1)`), which name no variable.
   */
  identifiersIn(node: Node): string[] {
    const out: string[] = [];
    const walk = (n: Node) => {
      if (n.type === 'identifier') {
        out.push(n.text);
        return;
      }
      if (n.type === 'attribute') {
        const object = n.childForFieldName('object');
        if (object) walk(object);
        return;
      }
      if (n.type === 'keyword_argument') {
        const value = n.childForFieldName('value');
        if (value) walk(value);
        return;
      }
      for (const c of n.namedChildren) walk(c);
    };
    walk(node);
    return out;
  }

  /**
   * Calls made by `fn` (null: at module level) whose node lies within [start, end], in source order:
   * a binary search in the function's own calls instead of a scan of every call in the file.
   */
  callsWithin(fn: FunctionInfo | null, start: number, end: number): CallSite[] {
    return nodesWithin(fn ? fn.calls : this.moduleCalls, start, end);
  }

  /** The first binding of `name` made at `node` (its identifier), or undefined. */
  bindingAt(name: string, node: Node): Binding | undefined {
    let byNode = this.bindingsByNode.get(name);
    if (!byNode) {
      byNode = new Map();
      for (const b of this.bindings.get(name) ?? []) if (!byNode.has(b.node.id)) byNode.set(b.node.id, b);
      this.bindingsByNode.set(name, byNode);
    }
    return byNode.get(node.id);
  }

  /** The loop whose statement is `node`, or undefined. */
  loopAt(node: Node): LoopInfo | undefined {
    if (!this.loopByNode) {
      this.loopByNode = new Map();
      for (const l of this.loops) if (!this.loopByNode.has(l.node.id)) this.loopByNode.set(l.node.id, l);
    }
    return this.loopByNode.get(node.id);
  }

  /** Calls (of any function) whose node lies within [start, end], in source order (`calls` is in source order). */
  callsInside(start: number, end: number): CallSite[] {
    return nodesWithin(this.calls, start, end);
  }

  /** The calls `x.method(...)` of the file, in source order (indexed once). */
  callsByMethod(method: string): readonly CallSite[] {
    if (!this.methodIndex) {
      this.methodIndex = new Map();
      for (const c of this.calls) {
        if (!c.method) continue;
        const list = this.methodIndex.get(c.method);
        if (list) list.push(c);
        else this.methodIndex.set(c.method, [c]);
      }
    }
    return this.methodIndex.get(method) ?? NO_CALLS;
  }

  /** The calls `x.m(...)` for any of `methods`, in source order (the order of `calls`). */
  callsByMethods(methods: readonly string[]): CallSite[] {
    if (!this.callOrder) this.callOrder = new Map(this.calls.map((c, i) => [c, i]));
    const order = this.callOrder;
    return methods.flatMap((name) => this.callsByMethod(name)).sort((a, b) => order.get(a)! - order.get(b)!);
  }

  /**
   * The bindings made in scope `fn` (null: module level), in the order a walk over `bindings`
   * meets them (by name, names in order of first binding; then in source order).
   */
  bindingsOf(fn: FunctionInfo | null): readonly Binding[] {
    if (!this.bindingsByFn) {
      this.bindingsByFn = new Map();
      for (const list of this.bindings.values()) {
        for (const b of list) {
          const own = this.bindingsByFn.get(b.fn);
          if (own) own.push(b);
          else this.bindingsByFn.set(b.fn, [b]);
        }
      }
    }
    return this.bindingsByFn.get(fn) ?? NO_BINDINGS;
  }

  /** Bindings (any scope) whose bound node lies within [start, end], in source order. */
  bindingsWithin(start: number, end: number): Binding[] {
    if (!this.bindingsByStart) {
      const all: Binding[] = [];
      for (const list of this.bindings.values()) for (const b of list) all.push(b);
      this.bindingsByStart = sortByStart(all);
    }
    return nodesWithin(this.bindingsByStart, start, end);
  }

  /** Loops whose body holds `node` (any function), innermost last. */
  loopsAround(node: Node): LoopInfo[] {
    const fn = this.functionAt(node);
    const at = node.startIndex;
    const end = node.endIndex;
    return this.loops.filter((l) => l.fn === fn && l.bodySpan.start <= at && end <= l.bodySpan.end);
  }
}

/** The items (sorted by their node's start) whose node lies within [start, end], in order. */
function nodesWithin<T extends { node: Node }>(sorted: readonly T[], start: number, end: number): T[] {
  const out: T[] = [];
  for (let i = firstAtOrAfter(sorted, start, (x) => x.node.startIndex); i < sorted.length; i++) {
    const n = sorted[i].node;
    if (n.startIndex > end) break;
    if (n.endIndex <= end) out.push(sorted[i]);
  }
  return out;
}

/**
 * `items` sorted by their node's start, ties kept in order (as a stable sort with a comparator
 * would), by sorting numeric keys `start * 2^22 + position` (exact below 2^53) instead of calling a
 * comparator that reads two nodes per comparison.
 */
function sortByStart<T extends { node: Node }>(items: T[]): T[] {
  const n = items.length;
  const SHIFT = 4194304; // 2^22
  let maxStart = 0;
  for (const x of items) maxStart = Math.max(maxStart, x.node.startIndex);
  if (n >= SHIFT || maxStart >= 2 ** 31) return items.sort((a, b) => a.node.startIndex - b.node.startIndex);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = items[i].node.startIndex * SHIFT + i;
  keys.sort();
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = items[keys[i] % SHIFT];
  return out;
}

/** Is `inner` within `outer` (by byte range; a node is within itself)? */
/** A `while` loop, or a `for` over `range(...)` / `trange(...)` (enumerate / tqdm peeled): it counts, it reads no data. */
function countsIterations(m: PythonModel, loop: LoopInfo): boolean {
  if (loop.kind === 'while') return true;
  const it = loop.iter ? unwrapIterable(m, loop.iter) : null;
  if (!it || it.type !== 'call') return false;
  const callee = it.childForFieldName('function');
  if (callee?.type === 'identifier' && callee.text === 'range' && !m.bindingsIn('range', m.functionAt(it)).length && !m.imports.has('range')) return true;
  return /^tqdm\.(auto\.|notebook\.|std\.)?trange$/.test(m.qualify(callee) ?? '');
}

/** The data a `for` loop iterates, with `enumerate(...)` / `tqdm(...)` peeled off (by their qualified or builtin names). */
function unwrapIterable(m: PythonModel, iter: Node): Node | null {
  let it: Node | null = iter;
  for (let i = 0; it && it.type === 'call' && i < 4; i++) {
    const callee = it.childForFieldName('function');
    const q = m.qualify(callee) ?? callee?.text ?? '';
    if (!/^(enumerate|tqdm(\.\w+)*\.tqdm|tqdm)$/.test(q)) break;
    it = it.childForFieldName('arguments')?.namedChildren.find((c) => c.type !== 'keyword_argument' && c.type !== 'comment') ?? null;
  }
  return it;
}

/** `"cuda"`, `"cuda:1"`: CUDA; `"cpu"`: the CPU; anything else (`"mps"`, a typo): unknown. */
function deviceOfString(s: string): DeviceKind {
  if (/^cuda(:\d+)?$/.test(s)) return 'cuda';
  if (s === 'cpu') return 'cpu';
  return 'unknown';
}

/** The devices of the paths a value may take: CUDA on some path makes it `maybe-cuda` (or `cuda` on all). */
function combineDevices(kinds: readonly DeviceKind[]): DeviceKind {
  if (kinds.includes('cuda')) return kinds.every((k) => k === 'cuda') ? 'cuda' : 'maybe-cuda';
  if (kinds.includes('maybe-cuda')) return 'maybe-cuda';
  if (kinds.length && kinds.every((k) => k === 'cpu')) return 'cpu';
  return 'unknown';
}

export function isWithin(inner: Node, outer: Node): boolean {
  return inner.startIndex >= outer.startIndex && inner.endIndex <= outer.endIndex;
}

/** The value of a plain string literal (no f-string interpolation), or null. */
export function stringValue(node: Node | null): string | null {
  if (!node || node.type !== 'string') return null;
  let out = '';
  for (const c of node.namedChildren) {
    if (c.type === 'string_content') out += c.text;
    else if (c.type === 'interpolation') return null;
    else if (c.type === 'escape_sequence') out += c.text;
  }
  return out;
}

/** The text of a string literal with interpolations kept as written (for f-strings), or null. */
export function stringTemplate(node: Node | null): string | null {
  if (!node || node.type !== 'string') return null;
  let out = '';
  for (const c of node.namedChildren) {
    if (c.type === 'string_content' || c.type === 'escape_sequence' || c.type === 'interpolation') out += c.text;
  }
  return out;
}

/** Top-level modules that are libraries (their `*` exports their own names), not a project's re-exports. */
const LIBRARY_MODULES: ReadonlySet<string> = new Set([
  'torch', 'torchvision', 'torchaudio', 'torchtext', 'timm', 'transformers', 'keras', 'tensorflow', 'tf_keras', 'sklearn', 'numpy', 'pandas',
  'scipy', 'pytorch_lightning', 'lightning', 'fastai', 'accelerate', 'albumentations', 'cv2', 'PIL', 'matplotlib', 'seaborn', 'xgboost',
  'lightgbm', 'catboost', 'apex', 'deepspeed', 'safetensors', 'joblib', 'wandb', 'mlflow', 'neptune', 'comet_ml', 'tensorboardX', 'tqdm',
  'segmentation_models_pytorch', 'monai', 'kornia', 'datasets', 'tokenizers', 'sentence_transformers', 'peft', 'diffusers', 'jax', 'flax', 'optax',
  // the standard library
  'os', 'sys', 'math', 'random', 'typing', 'pathlib', 'collections', 'itertools', 'functools', 'glob', 'json', 're', 'time', 'copy', 'pickle',
  'shutil', 'io', 'gzip', 'datetime', 'logging', 'warnings', 'gc', 'operator', 'dataclasses', 'contextlib', 'threading', 'multiprocessing',
  'subprocess', 'tempfile', 'zipfile', 'tarfile', 'hashlib', 'argparse', 'inspect', 'types', 'builtins', 'queue', 'csv', 'struct', 'string',
]);

export function isLibraryModule(mod: string): boolean {
  return LIBRARY_MODULES.has(mod.split('.')[0]);
}

/**
 * The names a project's `from utils import *` conventionally brings (utils.py re-exporting the usual
 * imports): used only when the module cannot be read and the file does not bind the name itself.
 */
const STAR_CONVENTIONAL: ReadonlyMap<string, string> = new Map([
  ['torch', 'torch'], ['nn', 'torch.nn'], ['F', 'torch.nn.functional'], ['optim', 'torch.optim'], ['np', 'numpy'], ['pd', 'pandas'],
  ['tf', 'tensorflow'], ['keras', 'keras'], ['DataLoader', 'torch.utils.data.DataLoader'], ['Dataset', 'torch.utils.data.Dataset'],
  ['TensorDataset', 'torch.utils.data.TensorDataset'],
  // sklearn
  ['LabelEncoder', 'sklearn.preprocessing.LabelEncoder'], ['OneHotEncoder', 'sklearn.preprocessing.OneHotEncoder'],
  ['OrdinalEncoder', 'sklearn.preprocessing.OrdinalEncoder'], ['StandardScaler', 'sklearn.preprocessing.StandardScaler'],
  ['MinMaxScaler', 'sklearn.preprocessing.MinMaxScaler'], ['RobustScaler', 'sklearn.preprocessing.RobustScaler'],
  ['train_test_split', 'sklearn.model_selection.train_test_split'], ['KFold', 'sklearn.model_selection.KFold'],
  ['StratifiedKFold', 'sklearn.model_selection.StratifiedKFold'], ['GroupKFold', 'sklearn.model_selection.GroupKFold'],
  ['CountVectorizer', 'sklearn.feature_extraction.text.CountVectorizer'], ['TfidfVectorizer', 'sklearn.feature_extraction.text.TfidfVectorizer'],
  ['LogisticRegression', 'sklearn.linear_model.LogisticRegression'], ['RandomForestClassifier', 'sklearn.ensemble.RandomForestClassifier'],
  // keras
  ['Input', 'keras.layers.Input'], ['Dense', 'keras.layers.Dense'], ['Dropout', 'keras.layers.Dropout'], ['Flatten', 'keras.layers.Flatten'],
  ['Conv2D', 'keras.layers.Conv2D'], ['MaxPooling2D', 'keras.layers.MaxPooling2D'], ['BatchNormalization', 'keras.layers.BatchNormalization'],
  ['GlobalAveragePooling2D', 'keras.layers.GlobalAveragePooling2D'], ['Embedding', 'keras.layers.Embedding'], ['LSTM', 'keras.layers.LSTM'],
  ['Activation', 'keras.layers.Activation'], ['Model', 'keras.models.Model'], ['Sequential', 'keras.models.Sequential'],
  ['EarlyStopping', 'keras.callbacks.EarlyStopping'], ['ModelCheckpoint', 'keras.callbacks.ModelCheckpoint'],
  ['ReduceLROnPlateau', 'keras.callbacks.ReduceLROnPlateau'], ['ImageDataGenerator', 'keras.preprocessing.image.ImageDataGenerator'],
]);

const BUILTINS = new Set(
  'print len range enumerate zip map filter sum min max abs int float str list dict set tuple open isinstance super object type iter next sorted reversed any all round getattr setattr hasattr vars dir id repr format bool bytes Exception ValueError RuntimeError AssertionError KeyError input exit quit'.split(
    ' ',
  ),
);

/** The node types the collector looks at (named nodes only). */
const COLLECTED: ReadonlySet<string> = new Set([
  'comment', 'import_statement', 'import_from_statement', 'future_import_statement', 'class_definition', 'function_definition',
  'for_statement', 'while_statement', 'with_statement', 'assignment', 'augmented_assignment', 'named_expression', 'return_statement', 'call',
]);

/** The single pass over the tree that fills a PythonModel. */
class Collector {
  private readonly m: PythonModel;
  private fnStack: FunctionInfo[] = [];
  private clsStack: ClassInfo[] = [];
  private loopStack: LoopInfo[] = [];
  private withStack: WithInfo[] = [];

  constructor(m: PythonModel) {
    this.m = m;
  }

  run(): void {
    const m = this.m as unknown as { callByNode: Map<number, CallSite>; fnByNode: Map<number, FunctionInfo> };
    // The collected node types, in document order (pre-order) from the syntax tree's arrays: only
    // they become node objects. A frame (def, class, loop, with) is left once a node starts at or
    // after its end, which replays the enter/leave order of a depth-first walk.
    const open: { end: number; leave: () => void }[] = [];
    const t = this.m.syntax;
    const collected = t.typeIdsOf(COLLECTED);
    try {
      for (let i = 0; i < t.count; i++) {
        if (!collected[t.typeId[i]] || !t.named[i]) continue;
        const node = t.node(i);
        const start = t.start[i];
        while (open.length && open[open.length - 1].end <= start) open.pop()!.leave();
        const leave = this.enter(node, m);
        if (leave) open.push({ end: node.endIndex, leave });
      }
    } finally {
      while (open.length) open.pop()!.leave();
      (this.m as unknown as { qualifyCache: Map<number, string | null> }).qualifyCache = new Map();
      for (const f of this.pending) f();
      for (const c of this.unqualified) c.qualified = this.m.qualify(c.callee);
    }
  }

  private get fn(): FunctionInfo | null {
    return this.fnStack[this.fnStack.length - 1] ?? null;
  }

  private bind(name: string, kind: BindingKind, node: Node, value: Node | null, index?: number): void {
    const list = this.m.bindings.get(name) ?? [];
    list.push({ name, kind, node, value, index, fn: this.fn });
    this.m.bindings.set(name, list);
  }

  private bindTarget(target: Node, kind: BindingKind, value: Node | null): void {
    switch (target.type) {
      case 'identifier':
        this.bind(target.text, kind, target, value);
        break;
      case 'pattern_list':
      case 'tuple_pattern':
      case 'list_pattern':
      case 'tuple':
      case 'list': {
        const parts = target.namedChildren;
        parts.forEach((p, i) => {
          if (p.type === 'identifier') this.bind(p.text, kind === 'assign' ? 'unpack' : kind, p, value, i);
          else this.bindTarget(p, kind === 'assign' ? 'unpack' : kind, value);
        });
        break;
      }
      case 'attribute': {
        const obj = target.childForFieldName('object');
        const attr = target.childForFieldName('attribute');
        if (obj?.type === 'identifier' && obj.text === 'self' && attr) this.bind(`self.${attr.text}`, kind, target, value);
        break;
      }
      case 'parenthesized_expression':
        if (target.namedChildren[0]) this.bindTarget(target.namedChildren[0], kind, value);
        break;
      default:
        break;
    }
  }

  private enter(node: Node, m: { callByNode: Map<number, CallSite>; fnByNode: Map<number, FunctionInfo> }): (() => void) | undefined {
    switch (node.type) {
      case 'comment':
        // tree-sitter ends a comment at "\n": in a CRLF file its text would end with "\r"
        this.m.comments.push({ node, text: node.text.replace(/\r+$/, ''), line: node.startPosition.row });
        return;
      case 'import_statement':
      case 'import_from_statement':
      case 'future_import_statement':
        this.m.importNodes.push(node);
        this.collectImport(node);
        return;
      case 'class_definition': {
        const name = node.childForFieldName('name')?.text ?? '';
        const supers = node.childForFieldName('superclasses');
        const cls: ClassInfo = { name, node, bases: [], methods: new Map() };
        // bases are qualified lazily (imports may come later in the file)
        const baseNodes = supers ? supers.namedChildren.filter((c) => c.type !== 'keyword_argument') : [];
        this.pending.push(() => {
          cls.bases = baseNodes.map((b) => this.m.qualify(b) ?? `<local>.${b.text}`);
        });
        if (name) {
          this.m.classes.set(name, cls);
          this.bind(name, 'class', node.childForFieldName('name')!, null);
        }
        this.clsStack.push(cls);
        const savedLoops = this.loopStack;
        const savedWiths = this.withStack;
        this.loopStack = [];
        this.withStack = [];
        return () => {
          this.clsStack.pop();
          this.loopStack = savedLoops;
          this.withStack = savedWiths;
        };
      }
      case 'function_definition': {
        const nameNode = node.childForFieldName('name');
        const name = nameNode?.text ?? '';
        const body = node.childForFieldName('body') ?? node;
        const directClass = this.directClassOf(node);
        const fn: FunctionInfo = { name, node, span: { start: node.startIndex, end: node.endIndex }, body, params: [], parent: this.fn, cls: directClass, calls: [], loops: [], returns: [] };
        if (nameNode) {
          if (directClass) directClass.methods.set(name, fn);
          else this.bind(name, 'def', nameNode, null);
        }
        this.m.functions.push(fn);
        m.fnByNode.set(node.id, fn);
        const savedLoops = this.loopStack;
        const savedWiths = this.withStack;
        this.loopStack = [];
        this.withStack = [];
        this.fnStack.push(fn);
        for (const p of node.childForFieldName('parameters')?.namedChildren ?? []) {
          const id = p.type === 'identifier' ? p : p.childForFieldName('name') ?? p.namedChildren.find((c) => c.type === 'identifier');
          if (id && id.type === 'identifier') {
            fn.params.push(id.text);
            this.bind(id.text, 'param', id, null);
          }
        }
        return () => {
          this.fnStack.pop();
          this.loopStack = savedLoops;
          this.withStack = savedWiths;
        };
      }
      case 'lambda':
        return;
      case 'for_statement':
      case 'while_statement': {
        const body = node.childForFieldName('body') ?? node;
        const left = node.type === 'for_statement' ? node.childForFieldName('left') : null;
        const loop: LoopInfo = {
          node,
          bodySpan: { start: body.startIndex, end: body.endIndex },
          kind: node.type === 'for_statement' ? 'for' : 'while',
          targets: left ? identifiersOfPattern(left) : [],
          targetNode: left,
          iter: node.type === 'for_statement' ? node.childForFieldName('right') : node.childForFieldName('condition'),
          body,
          fn: this.fn,
          parent: this.loopStack[this.loopStack.length - 1] ?? null,
          calls: [],
        };
        if (left) this.bindTarget(left, 'for', loop.iter);
        this.m.loops.push(loop);
        if (this.fn) this.fn.loops.push(loop);
        else this.m.moduleLoops.push(loop);
        this.loopStack.push(loop);
        return () => {
          this.loopStack.pop();
        };
      }
      case 'with_statement': {
        const body = node.childForFieldName('body') ?? node;
        const w: WithInfo = { node, bodySpan: { start: body.startIndex, end: body.endIndex }, items: [], body, fn: this.fn };
        const clause = node.namedChildren.find((c) => c.type === 'with_clause');
        for (const item of clause?.namedChildren ?? []) {
          if (item.type !== 'with_item') continue;
          let value = item.childForFieldName('value');
          let alias: Node | null = null;
          if (value?.type === 'as_pattern') {
            alias = value.childForFieldName('alias') ?? value.namedChildren[value.namedChildren.length - 1] ?? null;
            if (alias?.type === 'as_pattern_target') alias = alias.namedChildren[0] ?? alias;
            value = value.namedChildren[0] ?? value;
          }
          if (!value) continue;
          w.items.push({ value, alias, call: null });
          if (alias) this.bindTarget(alias, 'with', value);
        }
        this.m.withBlocks.push(w);
        this.withStack.push(w);
        return () => {
          this.withStack.pop();
        };
      }
      case 'assignment': {
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        if (left) {
          // a = b = expr: the right side of the innermost assignment is the value
          let value = right;
          while (value?.type === 'assignment') value = value.childForFieldName('right');
          this.bindTarget(left, 'assign', value);
        }
        return;
      }
      case 'augmented_assignment': {
        const left = node.childForFieldName('left');
        if (left?.type === 'identifier') this.bind(left.text, 'augassign', left, node.childForFieldName('right'));
        return;
      }
      case 'named_expression': {
        const name = node.childForFieldName('name');
        if (name) this.bind(name.text, 'assign', name, node.childForFieldName('value'));
        return;
      }
      case 'return_statement': {
        const value = node.namedChildren[0];
        if (this.fn && value) this.fn.returns.push(value);
        return;
      }
      case 'call': {
        const callee = node.childForFieldName('function');
        if (!callee) return;
        const argsNode = node.childForFieldName('arguments');
        const args: Node[] = [];
        // most calls pass no keyword: they share one empty map (the maps are read-only)
        let keywords: Map<string, Node> | undefined;
        for (const a of argsNode?.namedChildren ?? []) {
          if (a.type === 'keyword_argument') {
            const k = a.childForFieldName('name');
            const v = a.childForFieldName('value');
            if (k && v) (keywords ??= new Map()).set(k.text, v);
          } else if (a.type !== 'comment') args.push(a);
        }
        const at = node.startIndex;
        const end = node.endIndex;
        const call: CallSite = {
          node,
          callee,
          qualified: null,
          method: callee.type === 'attribute' ? callee.childForFieldName('attribute')?.text ?? null : null,
          receiver: callee.type === 'attribute' ? callee.childForFieldName('object') : null,
          args,
          keywords: keywords ?? NO_KEYWORDS,
          fn: this.fn,
          loops: this.loopStack.length ? this.loopStack.filter((l) => l.bodySpan.start <= at && end <= l.bodySpan.end) : NO_LOOPS,
          withs: this.withStack.length ? this.withStack.filter((w) => w.bodySpan.start <= at && end <= w.bodySpan.end) : NO_WITHS,
        };
        for (const w of this.withStack) for (const item of w.items) if (item.value.id === node.id) item.call = call;
        // qualified once the whole file is collected (imports may come later)
        this.unqualified.push(call);
        this.m.calls.push(call);
        m.callByNode.set(node.id, call);
        if (this.fn) this.fn.calls.push(call);
        else this.m.moduleCalls.push(call);
        for (const l of call.loops) l.calls.push(call);
        return;
      }
      default:
        return;
    }
  }

  /** Work that needs the whole file collected first (qualifying names whose imports come later). */
  readonly pending: (() => void)[] = [];
  /** Calls to qualify once the whole file is collected. */
  private readonly unqualified: CallSite[] = [];

  private directClassOf(fnNode: Node): ClassInfo | null {
    // a def directly in a class body (possibly decorated)
    let p = fnNode.parent;
    if (p?.type === 'decorated_definition') p = p.parent;
    if (p?.type === 'block' && p.parent?.type === 'class_definition') {
      return this.clsStack[this.clsStack.length - 1] ?? null;
    }
    return null;
  }

  private collectImport(node: Node): void {
    if (node.type === 'import_statement') {
      for (const c of node.namedChildren) {
        if (c.type === 'dotted_name') {
          const full = c.text;
          const first = full.split('.')[0];
          this.m.imports.set(first, normalize(first));
          this.bind(first, 'import', c, null);
        } else if (c.type === 'aliased_import') {
          const name = c.childForFieldName('name')?.text;
          const alias = c.childForFieldName('alias');
          if (name && alias) {
            this.m.imports.set(alias.text, normalize(name));
            this.bind(alias.text, 'import', alias, null);
          }
        }
      }
      return;
    }
    if (node.type === 'future_import_statement') return;
    const moduleNode = node.childForFieldName('module_name');
    const mod = moduleNode?.text ?? '';
    for (const c of node.namedChildren) {
      if (c === moduleNode || c.id === moduleNode?.id) continue;
      if (c.type === 'wildcard_import') {
        this.m.starImports.push(normalize(mod));
      } else if (c.type === 'dotted_name') {
        const name = c.text;
        this.m.imports.set(name, normalize(`${mod}.${name}`));
        this.bind(name, 'import', c, null);
      } else if (c.type === 'aliased_import') {
        const name = c.childForFieldName('name')?.text;
        const alias = c.childForFieldName('alias');
        if (name && alias) {
          this.m.imports.set(alias.text, normalize(`${mod}.${name}`));
          this.bind(alias.text, 'import', alias, null);
        }
      }
    }
  }
}

/** Identifier names in a `for` target or assignment pattern. */
export function identifiersOfPattern(node: Node): string[] {
  if (node.type === 'identifier') return [node.text];
  if (node.type === 'attribute' || node.type === 'subscript') return [];
  return node.namedChildren.flatMap(identifiersOfPattern);
}
