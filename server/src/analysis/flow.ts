/**
 * Value flow for rules that need to know where a value comes from *at a given point*: which
 * bindings of a name reach a use (last unconditional assignment before it, not every assignment in
 * the file), which expressions a value may evaluate to through assignments, tuple unpacking,
 * function parameters (the caller's argument when we entered the function from that caller),
 * returns of the file's own functions (pruning branches whose condition is decided by the caller's
 * arguments), `self.x` attributes and constant-key lookups in dict literals.
 *
 * A *context* is the stack of the file's own call sites through which a value was returned
 * (`make_loader(val_ds, shuffle=True)` -> the `DataLoader(...)` inside `make_loader`): inside that
 * function, a parameter resolves to that call's argument only.
 *
 * Everything here is bounded (depth, visited set) and never throws on odd input.
 */
import type { Node } from './parser';
import type { Binding, CallSite, FunctionInfo, PythonModel } from './model';
import { isWithin } from './model';

export type Context = readonly CallSite[];

export interface Source {
  /** A leaf expression: a call that is not the file's own function, a literal, an unbound name... */
  node: Node;
  /** The call sites through which the leaf was reached (innermost last). */
  context: Context;
}

export interface FlowOptions {
  /** The truth of a condition in a context, when it can be decided (prunes branches of local functions). */
  decide?: (cond: Node, ctx: Context) => boolean | undefined;
  /** A constant key (string or integer) of a subscript, for lookups in dict / list literals. */
  key?: (expr: Node, ctx: Context) => string | number | undefined;
  /** Calls whose value is one of their arguments (`iter(x)`): return that argument to keep following it. */
  passThrough?: (call: CallSite) => Node | null;
}

const MAX_DEPTH = 24;
const MAX_SOURCES = 64;

/** Where the binding takes effect: after the right side of an assignment, at the name otherwise. */
function effectivePosition(b: Binding): number {
  if (b.kind === 'assign' || b.kind === 'unpack' || b.kind === 'augassign') {
    for (let n: Node | null = b.node.parent; n; n = n.parent) {
      if (n.type === 'assignment' || n.type === 'augmented_assignment' || n.type === 'named_expression') return n.endIndex;
      if (n.type === 'block' || n.type === 'module') break;
    }
  }
  return b.node.startIndex;
}

/** The statement that holds a binding (a direct child of a block or of the module). */
function statementOf(node: Node): Node {
  let n: Node = node;
  while (n.parent && n.parent.type !== 'block' && n.parent.type !== 'module') n = n.parent;
  return n;
}

/**
 * The bindings of the identifier `use` that may give its value there. In the scope that binds the
 * name: the last binding before the use that runs on every path to it, plus the conditional ones
 * after it. A name of an enclosing (or module) scope read from a function: every binding, since the
 * function may run after any of them. Parameters always reach.
 */
export function reachingBindings(m: PythonModel, use: Node): readonly Binding[] {
  // asked again and again for the same names (by value flow, constants, the rules): kept per model
  let known = REACHING.get(m);
  if (!known) REACHING.set(m, (known = new Map()));
  let bs = known.get(use.id);
  if (!bs) known.set(use.id, (bs = reachingBindingsUncached(m, use)));
  return bs;
}

const REACHING = new WeakMap<PythonModel, Map<number, readonly Binding[]>>();

function reachingBindingsUncached(m: PythonModel, use: Node): readonly Binding[] {
  const fn = m.functionAt(use);
  const all = m.bindingsIn(use.text, fn);
  if (!all.length) return [];
  if (all[0].fn !== fn) return all;
  const params = all.filter((b) => b.kind === 'param');
  const others = all.filter((b) => b.kind !== 'param');
  const before = others.filter((b) => effectivePosition(b) <= use.startIndex && !isWithinValue(use, b)).sort((a, b) => effectivePosition(a) - effectivePosition(b));
  let lastCertain = -1;
  for (let i = before.length - 1; i >= 0; i--) {
    const b = before[i];
    if (b.kind === 'for' || b.kind === 'with') {
      // a loop target or `with ... as x`: certain inside the loop / block
      const owner = b.node.parent && ownerStatement(b.node);
      if (owner && isWithin(use, owner)) {
        lastCertain = i;
        break;
      }
      continue;
    }
    const stmt = statementOf(b.node);
    const container = stmt.parent;
    if (container && isWithin(use, container) && !isInsideExceptOrFinally(stmt, container)) {
      lastCertain = i;
      break;
    }
  }
  if (lastCertain >= 0) return withLoopCarried(use, before.slice(lastCertain), others, before[lastCertain]);
  if (!before.length) return all;
  return withLoopCarried(use, [...params, ...before], others, null);
}

/**
 * Adds the bindings a loop carries back to `use`: inside a `for` / `while` body (or a `while`
 * condition), a binding later in the loop runs before the use on the next iteration
 * (`best = 0` / `for ...: if acc > best: best = acc`). Stops at the first enclosing loop that holds
 * `certain`, the binding that runs on every path to the use: it overwrites whatever came round.
 */
function withLoopCarried(use: Node, reaching: Binding[], scope: Binding[], certain: Binding | null): Binding[] {
  const out = [...reaching];
  for (let n: Node | null = use.parent; n; n = n.parent) {
    if (n.type === 'function_definition' || n.type === 'lambda' || n.type === 'class_definition') break;
    if (n.type !== 'for_statement' && n.type !== 'while_statement') continue;
    // the iterable of a `for` is evaluated once, before the loop
    const iterable = n.type === 'for_statement' ? n.childForFieldName('right') : null;
    if (iterable && isWithin(use, iterable)) continue;
    if (certain && isWithin(certain.node, n)) break;
    for (const b of scope) if (!out.includes(b) && isWithin(b.node, n)) out.push(b);
  }
  return out;
}

function ownerStatement(n: Node): Node | null {
  for (let p: Node | null = n.parent; p; p = p.parent) if (p.type === 'for_statement' || p.type === 'with_statement' || p.type === 'for_in_clause') return p;
  return null;
}

/** `x = f(x)`: the use on the right side is not reached by this binding. */
function isWithinValue(use: Node, b: Binding): boolean {
  for (let n: Node | null = b.node.parent; n; n = n.parent) {
    if (n.type === 'assignment' || n.type === 'augmented_assignment') return isWithin(use, n);
    if (n.type === 'block' || n.type === 'module') return false;
  }
  return false;
}

function isInsideExceptOrFinally(stmt: Node, container: Node): boolean {
  const owner = container.parent;
  return !!owner && (owner.type === 'except_clause' || owner.type === 'finally_clause');
}

/** The default value of a parameter (`def f(bs=16)`), or null. */
export function parameterDefault(fn: FunctionInfo, param: string): Node | null {
  for (const p of fn.node.childForFieldName('parameters')?.namedChildren ?? []) {
    if (p.type !== 'default_parameter' && p.type !== 'typed_default_parameter') continue;
    if (p.childForFieldName('name')?.text === param) return p.childForFieldName('value');
  }
  return null;
}

/** The argument `call` passes for `param` of `fn` (keyword or positional), or null when it does not. */
export function argumentAt(fn: FunctionInfo, param: string, call: CallSite): Node | null {
  const kw = call.keywords.get(param);
  if (kw) return kw;
  const offset = fn.cls && (fn.params[0] === 'self' || fn.params[0] === 'cls') && !isStaticMethod(fn) ? 1 : 0;
  // a class instantiation `Net(a)` enters `__init__(self, a)`
  const i = fn.params.indexOf(param) - offset;
  if (i < 0) return null;
  // positional arguments after a `*args` splat cannot be placed
  let pos = 0;
  for (const a of call.args) {
    if (a.type === 'list_splat' || a.type === 'dictionary_splat') return null;
    if (pos === i) return a;
    pos++;
  }
  return null;
}

function isStaticMethod(fn: FunctionInfo): boolean {
  const p = fn.node.parent;
  return p?.type === 'decorated_definition' && p.namedChildren.some((d) => d.type === 'decorator' && /staticmethod/.test(d.text));
}

/** Does the call pass `*args` or `**kwargs` (so that a parameter may be set without being visible)? */
export function hasSplat(call: CallSite): boolean {
  return call.args.some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat') || !!call.node.childForFieldName('arguments')?.namedChildren.some((a) => a.type === 'dictionary_splat');
}

/**
 * The expressions a parameter may hold. In a context whose innermost call enters `fn`: that call's
 * argument (or the default). Otherwise every call site's argument plus the default where a call
 * omits it (or when the file never calls `fn`). `opaque` when a caller passes `*args` / `**kwargs`.
 */
export function parameterValues(m: PythonModel, fn: FunctionInfo, param: string, ctx: Context): { values: { node: Node; context: Context }[]; opaque: boolean } {
  const top = ctx[ctx.length - 1];
  if (top && m.calleesOf(top).includes(fn)) {
    const arg = argumentAt(fn, param, top);
    if (arg) return { values: [{ node: arg, context: ctx.slice(0, -1) }], opaque: false };
    const def = parameterDefault(fn, param);
    return { values: def ? [{ node: def, context: ctx }] : [], opaque: !def || hasSplat(top) };
  }
  const values: { node: Node; context: Context }[] = [];
  let opaque = false;
  let omitted = false;
  const callers = m.callersOf(fn);
  for (const c of callers) {
    const arg = argumentAt(fn, param, c);
    if (arg) values.push({ node: arg, context: [] });
    else if (hasSplat(c)) opaque = true;
    else omitted = true;
  }
  if (omitted || !callers.length) {
    const def = parameterDefault(fn, param);
    if (def) values.push({ node: def, context: [] });
    else if (!callers.length) opaque = true;
  }
  return { values, opaque };
}

/** Is the return statement reachable when the function is entered with `ctx` (branches decided by the caller's arguments pruned)? */
export function returnReachable(ret: Node, fn: FunctionInfo, ctx: Context, decide: FlowOptions['decide']): boolean {
  if (!decide) return true;
  for (let n: Node | null = ret.parent; n; n = n.parent) {
    if (n.type === 'block') {
      // an earlier `if / elif / else` whose taken branch returns makes the rest of the block unreachable
      for (let s = ancestorIn(ret, n).previousNamedSibling; s; s = s.previousNamedSibling) {
        if (s.type === 'if_statement' && takenBranchLeaves(s, ctx, decide)) return false;
      }
      const parent = n.parent;
      if (parent?.type === 'if_statement' && parent.childForFieldName('consequence')?.id === n.id) {
        const cond = parent.childForFieldName('condition');
        if (cond && decide(cond, ctx) === false) return false;
      } else if (parent?.type === 'elif_clause') {
        const cond = parent.childForFieldName('condition');
        if (cond && decide(cond, ctx) === false) return false;
        if (earlierConditions(parent).some((c) => decide(c, ctx) === true)) return false;
      } else if (parent?.type === 'else_clause' && parent.parent?.type === 'if_statement') {
        if (earlierConditions(parent).some((c) => decide(c, ctx) === true)) return false;
      }
    }
    if (n.id === fn.body.id) break;
  }
  return true;
}

/** Does the branch an `if` statement takes in this context (when decided) end with return / raise? */
function takenBranchLeaves(ifNode: Node, ctx: Context, decide: NonNullable<FlowOptions['decide']>): boolean {
  const leaves = (block: Node | null) => {
    const last = block?.namedChildren.filter((c) => c.type !== 'comment').pop();
    return !!last && (last.type === 'return_statement' || last.type === 'raise_statement');
  };
  const branches: { cond: Node | null; body: Node | null }[] = [{ cond: ifNode.childForFieldName('condition'), body: ifNode.childForFieldName('consequence') }];
  for (const alt of ifNode.namedChildren) {
    if (alt.type === 'elif_clause') branches.push({ cond: alt.childForFieldName('condition'), body: alt.childForFieldName('consequence') });
    else if (alt.type === 'else_clause') branches.push({ cond: null, body: alt.childForFieldName('body') });
  }
  for (const b of branches) {
    if (!b.cond) return leaves(b.body);
    const d = decide(b.cond, ctx);
    if (d === true) return leaves(b.body);
    if (d !== false) return false;
  }
  return false;
}

/** The direct child of `block` that holds `node`. */
function ancestorIn(node: Node, block: Node): Node {
  let n = node;
  while (n.parent && n.parent.id !== block.id) n = n.parent;
  return n;
}

/** Conditions of the `if` and the `elif`s before an elif/else clause. */
function earlierConditions(clause: Node): Node[] {
  const ifNode = clause.parent;
  if (!ifNode || ifNode.type !== 'if_statement') return [];
  const out: Node[] = [];
  const c = ifNode.childForFieldName('condition');
  if (c) out.push(c);
  for (const alt of ifNode.namedChildren) {
    if (alt.id === clause.id) break;
    if (alt.type === 'elif_clause') {
      const ec = alt.childForFieldName('condition');
      if (ec) out.push(ec);
    }
  }
  return out;
}

/** Tuple / list literal elements (`a, b` on a right side is an expression_list). */
function sequenceElements(n: Node): Node[] | null {
  if (n.type === 'expression_list' || n.type === 'tuple' || n.type === 'list') return n.namedChildren.filter((c) => c.type !== 'comment');
  if (n.type === 'parenthesized_expression' && n.namedChildren[0]) return sequenceElements(n.namedChildren[0]);
  return null;
}

/** The position of an unpacked name in its (flat) pattern, or -1 for nested / starred patterns. */
function unpackIndex(b: Binding): number {
  const pattern = b.node.parent;
  if (!pattern || !['pattern_list', 'tuple_pattern', 'list_pattern'].includes(pattern.type)) return -1;
  const top = pattern.parent;
  if (!top || (top.type !== 'assignment' && top.type !== 'for_statement')) return -1;
  const parts = pattern.namedChildren;
  if (parts.some((p) => p.type === 'list_splat_pattern')) return -1;
  return parts.findIndex((p) => p.id === b.node.id);
}

/**
 * The leaf expressions `expr` may evaluate to. Leaves are calls of anything other than the file's
 * own functions (including local class instantiations), literals, comprehensions, names bound by
 * imports / loops / `with`, parameters that cannot be followed, and expressions this tracer does not
 * look into.
 */
/** How many valueSources calls are under way (an unpacking traces its right side with a call of its own). */
let nesting = 0;

export function valueSources(m: PythonModel, expr: Node | null, ctx: Context = [], opts: FlowOptions = {}): Source[] {
  // `data, = data`: the right side of an unpacking is the name it binds; each nested trace starts its
  // own `seen`, so the nesting itself is bounded (past it, the expression is a leaf: unknown)
  if (nesting >= MAX_DEPTH) return expr ? [{ node: expr, context: ctx }] : [];
  nesting++;
  try {
    return traceSources(m, expr, ctx, opts);
  } finally {
    nesting--;
  }
}

function traceSources(m: PythonModel, expr: Node | null, ctx: Context, opts: FlowOptions): Source[] {
  const out: Source[] = [];
  const seen = new Set<number | string>();
  const leaf = (node: Node, c: Context) => {
    if (out.length < MAX_SOURCES && !out.some((s) => s.node.id === node.id && sameContext(s.context, c))) out.push({ node, context: c });
  };
  const visit = (e: Node | null, c: Context, depth: number): void => {
    if (!e || out.length >= MAX_SOURCES) return;
    if (depth > MAX_DEPTH) return leaf(e, c);
    // without a context (most visits) the key is a number, not a string made for each visit
    const key: number | string = c.length === 0 ? e.id : `${e.id}@${c.map((x) => x.node.id).join('.')}`;
    if (seen.has(key)) return;
    seen.add(key);
    switch (e.type) {
      case 'parenthesized_expression':
        return visit(e.namedChildren.find((x) => x.type !== 'comment') ?? null, c, depth + 1);
      case 'conditional_expression': {
        const [yes, cond, no] = e.namedChildren;
        const d = cond ? opts.decide?.(cond, c) : undefined;
        if (d !== false) visit(yes ?? null, c, depth + 1);
        if (d !== true) visit(no ?? null, c, depth + 1);
        return;
      }
      case 'named_expression':
        return visit(e.childForFieldName('value'), c, depth + 1);
      case 'identifier': {
        const bs = reachingBindings(m, e);
        if (!bs.length) return leaf(e, c);
        for (const b of bs) visitBinding(b, e, c, depth + 1);
        return;
      }
      case 'attribute': {
        const obj = e.childForFieldName('object');
        const attr = e.childForFieldName('attribute')?.text;
        if (obj?.type === 'identifier' && obj.text === 'self' && attr) {
          const cls = enclosingClass(m.functionAt(e));
          const bs = (m.bindings.get(`self.${attr}`) ?? []).filter((b) => cls && enclosingClass(b.fn) === cls && b.value);
          if (bs.length) {
            for (const b of bs) visit(b.value, c, depth + 1);
            return;
          }
        }
        return leaf(e, c);
      }
      case 'subscript': {
        const container = e.childForFieldName('value');
        const index = e.childForFieldName('subscript');
        const k = index && opts.key ? opts.key(index, c) : undefined;
        if (container && k !== undefined) {
          const inner = valueSources(m, container, c, opts);
          let resolved = true;
          const picked: { node: Node; context: Context }[] = [];
          for (const s of inner) {
            const el = literalLookup(s.node, k, s.context, opts);
            if (el) picked.push({ node: el, context: s.context });
            else resolved = false;
          }
          if (resolved && picked.length) {
            for (const p of picked) visit(p.node, p.context, depth + 1);
            return;
          }
        }
        return leaf(e, c);
      }
      case 'call': {
        const call = m.callAt(e);
        if (!call) return leaf(e, c);
        const through = opts.passThrough?.(call);
        if (through) return visit(through, c, depth + 1);
        if (call.callee.type === 'identifier' && m.bindingsIn(call.callee.text, call.fn).some((b) => b.kind === 'class')) return leaf(e, c);
        const fns = m.calleesOf(call).filter((f) => f.name !== '__init__');
        if (!fns.length) return leaf(e, c);
        const inner = [...c, call];
        let any = false;
        for (const f of fns) {
          for (const r of f.returns) {
            if (!returnReachable(r, f, inner, opts.decide)) continue;
            any = true;
            visit(r, inner, depth + 1);
          }
        }
        if (!any) leaf(e, c);
        return;
      }
      default:
        return leaf(e, c);
    }
  };
  const visitBinding = (b: Binding, use: Node, c: Context, depth: number): void => {
    switch (b.kind) {
      case 'assign':
        return visit(b.value, c, depth);
      case 'unpack': {
        const i = unpackIndex(b);
        if (i < 0 || !b.value) return leaf(b.node, c);
        const right = valueSources(m, b.value, c, opts);
        for (const s of right) {
          const els = sequenceElements(s.node);
          if (els && els.length > i && !els.some((x) => x.type === 'list_splat')) {
            visit(els[i], s.context, depth);
            continue;
          }
          const call = s.node.type === 'call' ? m.callAt(s.node) : undefined;
          // `model, opt, loader = accelerator.prepare(model, opt, loader)`: the i-th argument, prepared
          if (call && call.method === 'prepare' && call.args.length > i && !call.args.some((a) => a.type === 'list_splat')) {
            visit(call.args[i], s.context, depth);
            continue;
          }
          leaf(s.node, s.context);
        }
        return;
      }
      case 'param': {
        if (!b.fn) return leaf(b.node, c);
        const { values, opaque } = parameterValues(m, b.fn, b.name, c);
        for (const v of values) visit(v.node, v.context, depth);
        if (opaque || !values.length) leaf(b.node, c);
        return;
      }
      default:
        return leaf(b.node, c);
    }
  };
  visit(expr, ctx, 0);
  return out;
}

function sameContext(a: Context, b: Context): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function enclosingClass(fn: FunctionInfo | null): unknown {
  for (let f = fn; f; f = f.parent) if (f.cls) return f.cls;
  return null;
}

/** `{'train': a, 'val': b}['val']` -> `b`; `(a, b)[1]` -> `b`. Null when the literal has no such constant key. */
function literalLookup(container: Node, k: string | number, ctx: Context, opts: FlowOptions): Node | null {
  if (container.type === 'dictionary') {
    for (const p of container.namedChildren) {
      if (p.type === 'dictionary_splat') return null;
      if (p.type !== 'pair') continue;
      const keyNode = p.childForFieldName('key');
      if (keyNode && opts.key?.(keyNode, ctx) === k) return p.childForFieldName('value');
    }
    return null;
  }
  const els = sequenceElements(container);
  if (els && typeof k === 'number' && !els.some((x) => x.type === 'list_splat')) return els[k < 0 ? els.length + k : k] ?? null;
  return null;
}

/** Statements of the same function as `node`, in source order, between two offsets (exclusive). */
export function statementsBetween(m: PythonModel, scope: FunctionInfo | null, from: number, to: number): Node[] {
  const out: Node[] = [];
  const root = scope ? scope.body : m.root;
  const walk = (n: Node) => {
    for (const c of n.namedChildren) {
      if (c.endIndex <= from || c.startIndex >= to) continue;
      if (c.type === 'function_definition' || c.type === 'class_definition' || c.type === 'decorated_definition' || c.type === 'lambda') continue;
      if (c.parent && (c.parent.type === 'block' || c.parent.type === 'module') && c.startIndex >= from) out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}
