/**
 * Constant values of expressions, through the ways training scripts spell their configuration:
 * module constants (`BATCH_SIZE = 16`), config dicts (`CFG = {'bs': 16}`, `dict(bs=16)`), config
 * classes (`class CFG: batch_size = 16`, dataclasses, `cfg = Config()`, `self.x = ...` in `__init__`),
 * namespaces (`SimpleNamespace(bs=16)`, `EasyDict({...})`), argparse defaults
 * (`parser.add_argument('--batch-size', default=16)` read as `args.batch_size`), function parameters
 * (the caller's argument, or the default), returns of the file's own functions, arithmetic, f-strings
 * and later overrides (`CFG.bs = 32`, `CFG['bs'] = 32`). Anything that may differ at run time (env
 * variables, files, values that differ on two paths) is unknown, never guessed.
 *
 * API:
 *   resolveValues(m, expr, ctx?)   every value the expression may have, each with the node that
 *                                  defines it (the literal to edit), or null when some path is unknown
 *   constantValue(m, expr, ctx?)   the single value on every path, or undefined
 *   scriptConstant(m, expr)        a scalar constantValue that the command line cannot change
 *                                  (argparse values unknown, not their defaults)
 *   resolveConstant(m, expr, ctx?) that value with its defining node (unique when every path ends at the same literal)
 *   intValue / stringConstant / boolValue
 *   decideCondition(m, cond, ctx?) the truth of a condition when it is a constant, else undefined
 *   sources(m, expr, ctx?)         flow.valueSources with this resolver deciding branches and keys
 *   pathTemplates(m, expr, ctx?)   the strings a path expression may be, unknown parts as `*`
 */
import type { Node } from './parser';
import type { CallSite, ClassInfo, PythonModel } from './model';
import { nodesOfType } from './node-index';
import { once } from './memo';
import { reachingBindings, parameterValues, valueSources, returnReachable, type Context, type FlowOptions, type Source } from './flow';

export class PyMapping {
  constructor(
    readonly kind: 'dict' | 'namespace',
    /** Key -> every value it may have. */
    readonly entries: Map<string, Resolved[]>,
    /** The expression that built it. */
    readonly node: Node,
  ) {}
}

export type PyValue = number | string | boolean | null | PyValue[] | PyMapping;

export interface Resolved {
  value: PyValue;
  /** The expression that defines the value: for a literal, the literal itself (what a fix edits). */
  node: Node;
  context: Context;
}

const MAX_DEPTH = 20;
const MAX_VALUES = 32;

type Result = Resolved[] | null;

interface ModelIndex {
  /** `X.attr = v` anywhere: key `X.attr`. */
  attributeWrites: Map<string, Node[]>;
  /** `X[k] = v` anywhere (k any expression): key `X`. */
  subscriptWrites: Map<string, { key: Node; value: Node }[]>;
  /** `X.append(...)`, `X.update(...)`... anywhere: key `X`, the receivers. */
  mutations: Map<string, Node[]>;
  cache: Map<number | string, Result>;
  active: Set<number | string>;
}

const INDEX = new WeakMap<PythonModel, ModelIndex>();

/** Methods that change a list, dict or set in place: a container they are called on is not a constant. */
const MUTATORS = new Set(['append', 'extend', 'insert', 'pop', 'remove', 'clear', 'sort', 'reverse', 'update', 'setdefault', 'popitem', 'add', 'discard', '__setitem__', '__delitem__']);

function indexOf(m: PythonModel): ModelIndex {
  let idx = INDEX.get(m);
  if (idx) return idx;
  idx = { attributeWrites: new Map(), subscriptWrites: new Map(), mutations: new Map(), cache: new Map(), active: new Set() };
  for (const c of m.calls) if (c.method && MUTATORS.has(c.method) && c.receiver?.type === 'identifier') push(idx.mutations, c.receiver.text, c.receiver);
  for (const n of nodesOfType(m, 'assignment')) {
    {
      const left = n.childForFieldName('left');
      let right = n.childForFieldName('right');
      while (right?.type === 'assignment') right = right.childForFieldName('right');
      if (left && right) {
        if (left.type === 'attribute') {
          const obj = left.childForFieldName('object');
          const attr = left.childForFieldName('attribute');
          if (obj?.type === 'identifier' && attr && obj.text !== 'self') push(idx.attributeWrites, `${obj.text}.${attr.text}`, right);
        } else if (left.type === 'subscript') {
          const obj = left.childForFieldName('value');
          const key = left.childForFieldName('subscript');
          if (obj?.type === 'identifier' && key) push(idx.subscriptWrites, obj.text, { key, value: right });
        }
      }
    }
  }
  INDEX.set(m, idx);
  return idx;
}

function push<T>(map: Map<string, T[]>, key: string, v: T): void {
  const list = map.get(key) ?? [];
  list.push(v);
  map.set(key, list);
}

// -------------------------------------------------------------------------------------------------
// Public API

/** Every value `expr` may have (each with its defining node), or null when some path is unknown. */
export function resolveValues(m: PythonModel, expr: Node | null, ctx: Context = []): Resolved[] | null {
  if (!expr) return null;
  try {
    return evaluate(m, expr, ctx, 0);
  } catch {
    return null;
  }
}

/**
 * The values `expr` has before any later override: for `args.start` / `CFG['start']` the argparse
 * default or the config entry, ignoring `args.start = ckpt['epoch'] + 1` on a resume path (what a
 * fresh run starts with). Null when those are unknown too; for other expressions, resolveValues.
 */
export function valuesBeforeOverrides(m: PythonModel, expr: Node | null): Resolved[] | null {
  if (!expr) return null;
  try {
    if (expr.type === 'attribute') {
      const obj = expr.childForFieldName('object');
      const attr = expr.childForFieldName('attribute')?.text;
      if (!obj || !attr || (obj.type === 'identifier' && obj.text === 'self')) return resolveValues(m, expr);
      return namespaceAttribute(evaluate(m, obj, [], 0), attr);
    }
    if (expr.type === 'subscript') {
      const obj = expr.childForFieldName('value');
      const keyNode = expr.childForFieldName('subscript');
      if (!obj || !keyNode) return null;
      const k = single(evaluate(m, keyNode, [], 0));
      const base = evaluate(m, obj, [], 0);
      if (!base || (typeof k !== 'string' && typeof k !== 'number')) return null;
      const out: Resolved[] = [];
      for (const b of base) {
        if (!(b.value instanceof PyMapping)) return null;
        const v = known(b.value.entries.get(String(k)));
        if (!v) return null;
        out.push(...v);
      }
      return out;
    }
    return resolveValues(m, expr);
  } catch {
    return null;
  }
}

/** The single value `expr` has on every path, or undefined. */
export function constantValue(m: PythonModel, expr: Node | null, ctx: Context = []): PyValue | undefined {
  return resolveConstant(m, expr, ctx)?.value;
}

/** The single value of `expr` with its defining node (the node is the shared literal when every path ends there). */
export function resolveConstant(m: PythonModel, expr: Node | null, ctx: Context = []): Resolved | undefined {
  const vals = resolveValues(m, expr, ctx);
  if (!vals || !vals.length) return undefined;
  const first = vals[0];
  if (!vals.every((v) => pyEquals(v.value, first.value))) return undefined;
  const sameNode = vals.every((v) => v.node.id === first.node.id);
  return sameNode ? first : { value: first.value, node: expr!, context: ctx };
}

/** A number, string, boolean or None. */
export type Scalar = number | string | boolean | null;

/** While set, what argparse parses is unknown instead of its defaults (see scriptConstant). */
let commandLineUnknown = false;

/**
 * The scalar `expr` has on every path when the file itself fixes it, or undefined. Unlike
 * constantValue, an argparse option is unknown here, not its default: for rules that must not
 * report a value the command line may change (`max_length=args.max_len`, `open(args.out, "w")`).
 */
export function scriptConstant(m: PythonModel, expr: Node | null): Scalar | undefined {
  const saved = commandLineUnknown;
  commandLineUnknown = true;
  try {
    const v = constantValue(m, expr);
    return v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : undefined;
  } finally {
    commandLineUnknown = saved;
  }
}

/**
 * The scalar `expr` has on every path as the script runs by default (argparse options at their
 * defaults, as every other constant): the value the rules that judge a configuration read.
 */
export function scalarConstant(m: PythonModel, expr: Node | null, ctx: Context = []): Scalar | undefined {
  const v = constantValue(m, expr, ctx);
  return v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : undefined;
}

export function intValue(m: PythonModel, expr: Node | null, ctx: Context = []): number | undefined {
  const v = constantValue(m, expr, ctx);
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

export function stringConstant(m: PythonModel, expr: Node | null, ctx: Context = []): string | undefined {
  const v = constantValue(m, expr, ctx);
  return typeof v === 'string' ? v : undefined;
}

export function boolValue(m: PythonModel, expr: Node | null, ctx: Context = []): boolean | undefined {
  const v = constantValue(m, expr, ctx);
  return v === undefined ? undefined : truthy(v);
}

/** The truth of a condition when every path gives the same constant, else undefined. */
export function decideCondition(m: PythonModel, cond: Node, ctx: Context = []): boolean | undefined {
  const vals = resolveValues(m, cond, ctx);
  if (!vals || !vals.length) return undefined;
  const t = truthy(vals[0].value);
  return vals.every((v) => truthy(v.value) === t) ? t : undefined;
}

/** Flow options that let the resolver decide branches and constant keys. */
export function flowOptions(m: PythonModel, extra: Partial<FlowOptions> = {}): FlowOptions {
  return {
    decide: (cond, ctx) => decideCondition(m, cond, ctx),
    key: (e, ctx) => {
      const v = constantValue(m, e, ctx);
      return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v)) ? v : undefined;
    },
    ...extra,
  };
}

/** flow.valueSources with branches and keys decided by this resolver. */
export function sources(m: PythonModel, expr: Node | null, ctx: Context = [], extra: Partial<FlowOptions> = {}): readonly Source[] {
  // Asked from the top (no context, no extra options, no evaluation under way), the answer depends
  // only on the file and the evaluator's cache, which keeps every value it computes: it is kept.
  // Inside an evaluation a cycle reads as unknown without being cached, so those answers are not.
  const plain = !!expr && ctx.length === 0 && Object.keys(extra).length === 0 && indexOf(m).active.size === 0;
  if (!plain) return valueSources(m, expr, ctx, flowOptions(m, extra));
  let cache = SOURCES.get(m);
  if (!cache) SOURCES.set(m, (cache = new Map()));
  let out = cache.get(expr.id);
  if (!out) {
    out = valueSources(m, expr, ctx, flowOptions(m, extra));
    if (indexOf(m).active.size === 0) cache.set(expr.id, out);
  }
  return out;
}

const SOURCES = new WeakMap<PythonModel, Map<number, readonly Source[]>>();

export function truthy(v: PyValue): boolean {
  if (v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof PyMapping) return v.kind === 'namespace' || v.entries.size > 0;
  return true;
}

export function pyEquals(a: PyValue, b: PyValue): boolean {
  if (a === b) return true;
  if (typeof a === 'boolean' || typeof b === 'boolean') return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
  if (a instanceof PyMapping && b instanceof PyMapping) return a.node.id === b.node.id;
  return false;
}

// -------------------------------------------------------------------------------------------------
// The evaluator

function evaluate(m: PythonModel, e: Node, ctx: Context, depth: number): Result {
  if (depth > MAX_DEPTH) return null;
  const idx = indexOf(m);
  // without a context (most questions) the key is a number, not a string made for each question
  const key: number | string = ctx.length === 0 ? (commandLineUnknown ? -e.id : e.id) : `${commandLineUnknown ? 'cli?' : ''}${e.id}@${ctx.map((c) => c.node.id).join('.')}`;
  if (idx.cache.has(key)) return idx.cache.get(key)!;
  if (idx.active.has(key)) return null; // a cycle: unknown
  idx.active.add(key);
  let r: Result;
  try {
    r = evaluateUncached(m, e, ctx, depth);
    if (r && r.length > MAX_VALUES) r = null;
  } finally {
    idx.active.delete(key);
  }
  idx.cache.set(key, r);
  return r;
}

const one = (value: PyValue, node: Node, context: Context): Resolved[] => [{ value, node, context }];

function evaluateUncached(m: PythonModel, e: Node, ctx: Context, depth: number): Result {
  const d = depth + 1;
  switch (e.type) {
    case 'integer': {
      const t = e.text.replace(/_/g, '');
      if (/[jJ]$/.test(t)) return null;
      const v = /^0[0-7]+$/.test(t) ? parseInt(t, 8) : Number(t);
      return Number.isFinite(v) ? one(v, e, ctx) : null;
    }
    case 'float': {
      const t = e.text.replace(/_/g, '');
      if (/[jJ]$/.test(t)) return null;
      const v = Number(t);
      return Number.isFinite(v) ? one(v, e, ctx) : null;
    }
    case 'true':
      return one(true, e, ctx);
    case 'false':
      return one(false, e, ctx);
    case 'none':
      return one(null, e, ctx);
    case 'string': {
      const s = stringLiteral(m, e, ctx, d);
      return s === null ? null : one(s, e, ctx);
    }
    case 'concatenated_string': {
      let out = '';
      for (const part of e.namedChildren) {
        if (part.type === 'comment') continue;
        const s = stringLiteral(m, part, ctx, d);
        if (s === null) return null;
        out += s;
      }
      return one(out, e, ctx);
    }
    case 'parenthesized_expression': {
      const inner = e.namedChildren.find((c) => c.type !== 'comment');
      return inner ? evaluate(m, inner, ctx, d) : null;
    }
    case 'unary_operator': {
      const op = e.childForFieldName('operator')?.type;
      const arg = evaluate(m, e.childForFieldName('argument')!, ctx, d);
      if (!arg) return null;
      return mapValues(arg, e, ctx, (v) => {
        if (typeof v !== 'number') return undefined;
        if (op === '-') return -v;
        if (op === '+') return v;
        if (op === '~' && Number.isInteger(v)) return ~v;
        return undefined;
      });
    }
    case 'not_operator': {
      const arg = evaluate(m, e.childForFieldName('argument')!, ctx, d);
      return arg ? mapValues(arg, e, ctx, (v) => !truthy(v)) : null;
    }
    case 'binary_operator': {
      const op = e.childForFieldName('operator')?.type ?? '';
      const l = evaluate(m, e.childForFieldName('left')!, ctx, d);
      const r = l && evaluate(m, e.childForFieldName('right')!, ctx, d);
      if (!l || !r || l.length * r.length > MAX_VALUES) return null;
      const out: Resolved[] = [];
      for (const a of l) for (const b of r) {
        const v = binary(op, a.value, b.value);
        if (v === undefined) return null;
        out.push({ value: v, node: e, context: ctx });
      }
      return out;
    }
    case 'boolean_operator': {
      const op = e.childForFieldName('operator')?.type;
      const l = evaluate(m, e.childForFieldName('left')!, ctx, d);
      if (!l) return null;
      const out: Resolved[] = [];
      for (const a of l) {
        const t = truthy(a.value);
        if ((op === 'and' && !t) || (op === 'or' && t)) out.push(a);
        else {
          const r = evaluate(m, e.childForFieldName('right')!, ctx, d);
          if (!r) return null;
          out.push(...r);
        }
      }
      return out;
    }
    case 'comparison_operator':
      return comparison(m, e, ctx, d);
    case 'conditional_expression': {
      const [yes, cond, no] = e.namedChildren;
      if (!yes || !cond || !no) return null;
      const c = decideCondition(m, cond, ctx);
      if (c === true) return evaluate(m, yes, ctx, d);
      if (c === false) return evaluate(m, no, ctx, d);
      const a = evaluate(m, yes, ctx, d);
      const b = a && evaluate(m, no, ctx, d);
      return a && b ? [...a, ...b] : null;
    }
    case 'list':
    case 'tuple':
    case 'expression_list': {
      const els: PyValue[] = [];
      for (const c of e.namedChildren) {
        if (c.type === 'comment') continue;
        if (c.type === 'list_splat') return null;
        const v = single(evaluate(m, c, ctx, d));
        if (v === undefined) return null;
        els.push(v);
      }
      return one(els, e, ctx);
    }
    case 'dictionary': {
      const entries = new Map<string, Resolved[]>();
      for (const p of e.namedChildren) {
        if (p.type === 'comment') continue;
        if (p.type === 'dictionary_splat') {
          const inner = single(evaluate(m, p.namedChildren[0], ctx, d));
          if (!(inner instanceof PyMapping)) return null;
          for (const [k, v] of inner.entries) entries.set(k, v);
          continue;
        }
        if (p.type !== 'pair') return null;
        const k = single(evaluate(m, p.childForFieldName('key')!, ctx, d));
        const valueNode = p.childForFieldName('value');
        if ((typeof k !== 'string' && typeof k !== 'number') || !valueNode) return null;
        entries.set(String(k), lazyEntry(m, valueNode, ctx, d));
      }
      return one(new PyMapping('dict', entries, e), e, ctx);
    }
    case 'identifier':
      return identifier(m, e, ctx, d);
    case 'attribute':
      return attribute(m, e, ctx, d);
    case 'subscript':
      return subscript(m, e, ctx, d);
    case 'call':
      return call(m, e, ctx, d);
    default:
      return null;
  }
}

/** An entry's values, or a single unknown marker (the key exists but its value is not a constant). */
function lazyEntry(m: PythonModel, valueNode: Node, ctx: Context, depth: number): Resolved[] {
  const v = evaluate(m, valueNode, ctx, depth);
  return v ?? [{ value: UNKNOWN as unknown as PyValue, node: valueNode, context: ctx }];
}

/** Marks a known key whose value is not constant: lookups of it give null (unknown). */
const UNKNOWN = Symbol('unknown');

function known(list: Resolved[] | undefined): Result {
  if (!list) return null;
  return list.some((r) => (r.value as unknown) === UNKNOWN) ? null : list;
}

function single(r: Result): PyValue | undefined {
  if (!r || !r.length) return undefined;
  return r.every((x) => pyEquals(x.value, r[0].value)) ? r[0].value : undefined;
}

function mapValues(list: Resolved[], node: Node, ctx: Context, f: (v: PyValue) => PyValue | undefined): Result {
  const out: Resolved[] = [];
  for (const r of list) {
    const v = f(r.value);
    if (v === undefined) return null;
    out.push({ value: v, node, context: ctx });
  }
  return out;
}

function binary(op: string, a: PyValue, b: PyValue): PyValue | undefined {
  if (typeof a === 'boolean') a = a ? 1 : 0;
  if (typeof b === 'boolean') b = b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') {
    switch (op) {
      case '+': return a + b;
      case '-': return a - b;
      case '*': return a * b;
      case '/': return b === 0 ? undefined : a / b;
      case '//': return b === 0 ? undefined : Math.floor(a / b);
      case '%': return b === 0 ? undefined : ((a % b) + b) % b;
      case '**': return a ** b;
      case '<<': return a << b;
      case '>>': return a >> b;
      default: return undefined;
    }
  }
  if (typeof a === 'string' && op === '%') return percentFormat(a, b);
  if (typeof a === 'string' && typeof b === 'string' && op === '+') return a + b;
  if (typeof a === 'string' && typeof b === 'number' && op === '*') return a.repeat(Math.max(0, b));
  if (Array.isArray(a) && Array.isArray(b) && op === '+') return [...a, ...b];
  return undefined;
}

const PERCENT_SPEC = /%(?:\(([^)]*)\))?([-#0 +]*)(\d*)(?:\.(\d+))?([diouxXeEfFgGrsa%])/g;

/** `"fold%d_%s.pth" % (k, name)`: printf-style formatting of constants (flags other than `0` / width / precision: unknown). */
function percentFormat(fmt: string, arg: PyValue): string | undefined {
  const args = Array.isArray(arg) ? arg : [arg];
  let i = 0;
  let failed = false;
  const out = fmt.replace(PERCENT_SPEC, (_all, key: string | undefined, flags: string, width: string, precision: string | undefined, conv: string) => {
    if (conv === '%') return '%';
    let v: PyValue | undefined;
    if (key !== undefined) v = arg instanceof PyMapping ? single(known(arg.entries.get(key))) : undefined;
    else v = args[i++];
    if (v === undefined || failed) {
      failed = true;
      return '';
    }
    const text = formatOne(v, conv, precision);
    if (text === undefined || /[-#+ ]/.test(flags)) {
      failed = true;
      return '';
    }
    return flags.includes('0') && width ? text.padStart(Number(width), '0') : width ? text.padStart(Number(width), ' ') : text;
  });
  if (failed || (!(arg instanceof PyMapping) && i !== args.length)) return undefined;
  return out;
}

function formatOne(v: PyValue, conv: string, precision: string | undefined): string | undefined {
  if (typeof v === 'boolean') v = conv === 's' ? (v ? 'True' : 'False') : v ? 1 : 0;
  if (conv === 's') return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : v === null ? 'None' : undefined;
  if (typeof v !== 'number') return undefined;
  if (conv === 'd' || conv === 'i' || conv === 'u') return String(Math.trunc(v));
  if (conv === 'f' || conv === 'F') return v.toFixed(precision === undefined ? 6 : Number(precision));
  return undefined;
}

/** `"fold{}_{name}.pth".format(k, name=n)`: str.format of constants (no format spec or conversion). */
function braceFormat(fmt: string, args: PyValue[], kwargs: Map<string, PyValue>): string | undefined {
  let auto = 0;
  let failed = false;
  const out = fmt.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (all, field: string | undefined) => {
    if (all === '{{') return '{';
    if (all === '}}') return '}';
    if (field === undefined || /[!:.[]/.test(field)) {
      failed = true;
      return '';
    }
    const v = field === '' ? args[auto++] : /^\d+$/.test(field) ? args[Number(field)] : kwargs.get(field);
    const text = v === undefined ? undefined : formatOne(v, 's', undefined);
    if (text === undefined) failed = true;
    return text ?? '';
  });
  return failed ? undefined : out;
}

function comparison(m: PythonModel, e: Node, ctx: Context, depth: number): Result {
  const operands = e.namedChildren.filter((c) => c.type !== 'comment');
  const ops: string[] = [];
  for (const c of e.children) if (c && !c.isNamed) ops.push(c.type);
  // `not in`, `is not` arrive as two tokens
  const merged: string[] = [];
  for (let i = 0; i < ops.length; i++) {
    if ((ops[i] === 'not' && ops[i + 1] === 'in') || (ops[i] === 'is' && ops[i + 1] === 'not')) {
      merged.push(ops[i] === 'not' ? 'not in' : 'is not');
      i++;
    } else merged.push(ops[i]);
  }
  if (merged.length !== operands.length - 1) return null;
  const vals: PyValue[] = [];
  for (const o of operands) {
    const v = single(evaluate(m, o, ctx, depth));
    if (v === undefined) return null;
    vals.push(v);
  }
  for (let i = 0; i < merged.length; i++) {
    const r = compare(merged[i], vals[i], vals[i + 1]);
    if (r === undefined) return null;
    if (!r) return one(false, e, ctx);
  }
  return one(true, e, ctx);
}

function compare(op: string, a: PyValue, b: PyValue): boolean | undefined {
  switch (op) {
    case '==': return pyEquals(a, b) || (typeof a === 'boolean' && typeof b === 'number' && +a === b) || (typeof b === 'boolean' && typeof a === 'number' && +b === a);
    case '!=': return !compare('==', a, b);
    case 'is': return a === null || b === null ? a === b : typeof a === 'boolean' && typeof b === 'boolean' ? a === b : undefined;
    case 'is not': {
      const r = compare('is', a, b);
      return r === undefined ? undefined : !r;
    }
    case 'in':
    case 'not in': {
      let r: boolean | undefined;
      if (typeof b === 'string' && typeof a === 'string') r = b.includes(a);
      else if (Array.isArray(b)) r = b.some((x) => pyEquals(x, a));
      else if (b instanceof PyMapping && typeof a === 'string') r = b.entries.has(a);
      return r === undefined ? undefined : op === 'in' ? r : !r;
    }
    case '<':
    case '>':
    case '<=':
    case '>=': {
      if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))) return undefined;
      return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
    }
    default:
      return undefined;
  }
}

/** A string literal's value with f-string interpolations of constants filled in, or null. */
function stringLiteral(m: PythonModel, s: Node, ctx: Context, depth: number): string | null {
  if (s.type !== 'string') return null;
  let out = '';
  for (const c of s.namedChildren) {
    if (c.type === 'string_content') out += c.text;
    else if (c.type === 'escape_sequence') out += unescape(c.text);
    else if (c.type === 'interpolation') {
      if (c.namedChildren.some((x) => x.type === 'format_specifier' || x.type === 'type_conversion')) return null;
      const expr = c.childForFieldName('expression') ?? c.namedChildren[0];
      const v = expr ? single(evaluate(m, expr, ctx, depth)) : undefined;
      if (typeof v === 'string') out += v;
      else if (typeof v === 'number') out += String(v);
      else return null;
    }
  }
  return out;
}

function unescape(t: string): string {
  const map: Record<string, string> = { '\\n': '\n', '\\t': '\t', '\\\\': '\\', "\\'": "'", '\\"': '"', '\\r': '\r' };
  return map[t] ?? t;
}

function identifier(m: PythonModel, e: Node, ctx: Context, depth: number): Result {
  const bindings = reachingBindings(m, e);
  if (!bindings.length) return null;
  const out: Resolved[] = [];
  for (const b of bindings) {
    let r: Result = null;
    switch (b.kind) {
      case 'assign':
        r = b.value ? evaluate(m, b.value, ctx, depth) : null;
        break;
      case 'unpack': {
        const pattern = b.node.parent;
        const i = pattern ? pattern.namedChildren.findIndex((p) => p.id === b.node.id) : -1;
        if (i < 0 || !b.value || pattern?.parent?.type !== 'assignment' || pattern.namedChildren.some((p) => p.type === 'list_splat_pattern')) break;
        const right = evaluate(m, b.value, ctx, depth);
        if (!right) break;
        const picked: Resolved[] = [];
        for (const v of right) {
          if (!Array.isArray(v.value) || v.value.length <= i) return null;
          const node = elementNode(v.node, i) ?? v.node;
          picked.push({ value: v.value[i], node, context: v.context });
        }
        r = picked;
        break;
      }
      case 'param': {
        if (!b.fn) break;
        const { values, opaque } = parameterValues(m, b.fn, b.name, ctx);
        if (opaque || !values.length) break;
        const acc: Resolved[] = [];
        for (const v of values) {
          const x = evaluate(m, v.node, v.context, depth);
          if (!x) return null;
          acc.push(...x);
        }
        r = acc;
        break;
      }
      case 'class': {
        const cls = m.classes.get(b.name);
        if (cls) r = one(classNamespace(m, cls, ctx, depth, null), cls.node, ctx);
        break;
      }
      case 'for': {
        // `for bs in [16, 32]`: each element
        const loop = b.node.parent;
        if (loop?.type !== 'for_statement' || loop.childForFieldName('left')?.id !== b.node.id) break;
        const it = single(evaluate(m, loop.childForFieldName('right')!, ctx, depth));
        if (!Array.isArray(it) || !it.length) break;
        const lit = loop.childForFieldName('right');
        r = it.map((v, i) => ({ value: v, node: (lit && elementNode(lit, i)) ?? b.node, context: ctx }));
        break;
      }
      default:
        break;
    }
    if (!r) return null;
    out.push(...r);
  }
  // `losses = []` then `losses.append(x)`: the list's length and items are not the literal's
  if (out.some((r) => Array.isArray(r.value) || r.value instanceof PyMapping) && (indexOf(m).mutations.get(e.text) ?? []).some((w) => sameBinding(m, e, w))) return null;
  return out;
}

function elementNode(seq: Node, i: number): Node | null {
  let n: Node | null = seq;
  while (n && n.type === 'parenthesized_expression') n = n.namedChildren[0] ?? null;
  if (!n || !['list', 'tuple', 'expression_list'].includes(n.type)) return null;
  return n.namedChildren.filter((c) => c.type !== 'comment')[i] ?? null;
}

function attribute(m: PythonModel, e: Node, ctx: Context, depth: number): Result {
  const obj = e.childForFieldName('object');
  const attr = e.childForFieldName('attribute')?.text;
  if (!obj || !attr) return null;
  if (obj.type === 'identifier' && obj.text === 'self') {
    // self.x: the values assigned to it in the class (the __init__ argument in a context)
    const leaves = valueSources(m, e, ctx, flowOptions(m));
    if (!leaves.length || leaves.some((l) => l.node.id === e.id)) return null;
    const out: Resolved[] = [];
    for (const l of leaves) {
      const v = evaluate(m, l.node, l.context, depth);
      if (!v) return null;
      out.push(...v);
    }
    return out;
  }
  const out = namespaceAttribute(evaluate(m, obj, ctx, depth), attr);
  if (!out) return null;
  // later overrides: `CFG.bs = 32` anywhere in the file
  if (obj.type === 'identifier') {
    for (const w of indexOf(m).attributeWrites.get(`${obj.text}.${attr}`) ?? []) {
      if (!sameBinding(m, obj, w)) continue;
      const v = evaluate(m, w, [], depth);
      if (!v) return null;
      out.push(...v);
    }
  }
  return out;
}

function subscript(m: PythonModel, e: Node, ctx: Context, depth: number): Result {
  const obj = e.childForFieldName('value');
  const keyNode = e.childForFieldName('subscript');
  if (!obj || !keyNode || e.namedChildren.filter((c) => c.type !== 'comment').length !== 2) return null;
  const k = single(evaluate(m, keyNode, ctx, depth));
  if (k === undefined) return null;
  const base = evaluate(m, obj, ctx, depth);
  if (!base) return null;
  const out: Resolved[] = [];
  for (const b of base) {
    if (b.value instanceof PyMapping && (typeof k === 'string' || typeof k === 'number')) {
      const v = known(b.value.entries.get(String(k)));
      if (!v) return null;
      out.push(...v);
    } else if ((Array.isArray(b.value) || typeof b.value === 'string') && typeof k === 'number' && Number.isInteger(k)) {
      const arr = b.value;
      const i = k < 0 ? arr.length + k : k;
      if (i < 0 || i >= arr.length) return null;
      const node = elementNode(b.node, i) ?? e;
      out.push({ value: arr[i], node, context: b.context });
    } else return null;
  }
  if (obj.type === 'identifier') {
    for (const w of indexOf(m).subscriptWrites.get(obj.text) ?? []) {
      if (!sameBinding(m, obj, w.value)) continue;
      const wk = single(evaluate(m, w.key, [], depth));
      if (wk === undefined) return null; // an unknown key may be this one
      if (!pyEquals(wk, k)) continue;
      const v = evaluate(m, w.value, [], depth);
      if (!v) return null;
      out.push(...v);
    }
  }
  return out;
}

/** Does the object name at `use` refer to the same variable as the one written at `write`? */
function sameBinding(m: PythonModel, use: Node, write: Node): boolean {
  const a = m.bindingsIn(use.text, m.functionAt(use));
  const b = m.bindingsIn(use.text, m.functionAt(write));
  return a.length > 0 && a[0] === b[0];
}

const BUILTIN_CALLS = new Set(['int', 'float', 'str', 'bool', 'round', 'abs', 'min', 'max', 'len', 'dict', 'list', 'tuple', 'vars']);

const NAMESPACE_FACTORIES = new Set([
  'types.SimpleNamespace',
  'argparse.Namespace',
  'easydict.EasyDict',
  'addict.Dict',
  'addict.addict.Dict',
  'munch.Munch',
  'box.Box',
  'ml_collections.ConfigDict',
  'omegaconf.OmegaConf.create',
]);

function call(m: PythonModel, e: Node, ctx: Context, depth: number): Result {
  const site = m.callAt(e);
  if (!site) return null;
  const callee = site.callee;
  // builtins (not shadowed by a binding or an import)
  if (callee.type === 'identifier' && BUILTIN_CALLS.has(callee.text) && !m.bindingsIn(callee.text, site.fn).length && !m.imports.has(callee.text) && !m.starImports.length) {
    return builtin(m, callee.text, site, e, ctx, depth);
  }
  const q = site.qualified;
  if (q && NAMESPACE_FACTORIES.has(q)) return mappingFromCall(m, 'namespace', site, e, ctx, depth);
  if (site.method === 'parse_args' || site.method === 'parse_known_args') {
    if (commandLineUnknown) return null;
    const ns = argparseNamespace(m, site, depth);
    if (!ns) return null;
    return site.method === 'parse_args' ? one(ns, e, ctx) : one([ns, []], e, ctx);
  }
  if (site.method === 'format' && site.receiver) {
    const fmt = single(evaluate(m, site.receiver, ctx, depth));
    if (typeof fmt !== 'string' || site.node.childForFieldName('arguments')?.namedChildren.some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat')) return null;
    const args: PyValue[] = [];
    for (const a of site.args) {
      const v = single(evaluate(m, a, ctx, depth));
      if (v === undefined) return null;
      args.push(v);
    }
    const kwargs = new Map<string, PyValue>();
    for (const [k, a] of site.keywords) {
      const v = single(evaluate(m, a, ctx, depth));
      if (v === undefined) return null;
      kwargs.set(k, v);
    }
    const v = braceFormat(fmt, args, kwargs);
    return v === undefined ? null : one(v, e, ctx);
  }
  if (site.method && STRING_METHODS.has(site.method) && site.receiver && !site.keywords.size) {
    // `args.resume.startswith("https")` on a constant string
    const base = single(evaluate(m, site.receiver, ctx, depth));
    if (typeof base === 'string') {
      const args: PyValue[] = [];
      for (const a of site.args) {
        const v = single(evaluate(m, a, ctx, depth));
        if (v === undefined) return null;
        args.push(v);
      }
      const v = stringMethod(base, site.method, args);
      return v === undefined ? null : one(v, e, ctx);
    }
  }
  if (site.method === 'join' && site.receiver && site.args.length === 1 && !site.keywords.size) {
    // `"-".join([prefix, "submission.csv"])`
    const sep = single(evaluate(m, site.receiver, ctx, depth));
    const parts = typeof sep === 'string' ? single(evaluate(m, site.args[0], ctx, depth)) : undefined;
    if (typeof sep === 'string' && Array.isArray(parts) && parts.every((p) => typeof p === 'string')) return one((parts as string[]).join(sep), e, ctx);
    if (typeof sep === 'string') return null;
  }
  if (q && (q === 'os.path.join' || q === 'posixpath.join') && site.args.length && !site.keywords.size) {
    const parts: string[] = [];
    for (const a of site.args) {
      const v = single(evaluate(m, a, ctx, depth));
      if (typeof v !== 'string') return null;
      parts.push(v);
    }
    return one(parts.reduce((acc, p) => (p.startsWith('/') ? p : acc === '' || acc.endsWith('/') ? acc + p : `${acc}/${p}`), ''), e, ctx);
  }
  if (site.method && site.receiver) {
    // dict methods on a constant mapping
    if (site.method === 'get' || site.method === 'copy') {
      const base = evaluate(m, site.receiver, ctx, depth);
      if (!base) return null;
      const out: Resolved[] = [];
      for (const b of base) {
        if (!(b.value instanceof PyMapping)) return null;
        if (site.method === 'copy') {
          out.push(b);
          continue;
        }
        const k = single(evaluate(m, site.args[0], ctx, depth));
        if (typeof k !== 'string') return null;
        const v = b.value.entries.get(k);
        if (v) {
          const kv = known(v);
          if (!kv) return null;
          out.push(...kv);
        } else if (site.args[1]) {
          const def = evaluate(m, site.args[1], ctx, depth);
          if (!def) return null;
          out.push(...def);
        } else out.push({ value: null, node: e, context: ctx });
      }
      return out;
    }
  }
  // a local class instantiated: its attributes
  if (callee.type === 'identifier') {
    const clsBinding = m.bindingsIn(callee.text, site.fn).find((b) => b.kind === 'class');
    if (clsBinding) {
      const cls = m.classes.get(clsBinding.name);
      return cls ? one(classNamespace(m, cls, [...ctx, site], depth, site), e, ctx) : null;
    }
  }
  // the file's own function: its reachable returns in this context
  const fns = m.calleesOf(site).filter((f) => f.name !== '__init__');
  if (!fns.length) return null;
  const inner = [...ctx, site];
  const decide = (c: Node, x: Context) => decideCondition(m, c, x);
  const out: Resolved[] = [];
  for (const f of fns) {
    for (const r of f.returns) {
      if (!returnReachable(r, f, inner, decide)) continue;
      const v = evaluate(m, r, inner, depth);
      if (!v) return null;
      out.push(...v);
    }
    // falling off the end returns None: unknown whether it can happen, so only explicit returns count
    if (!f.returns.length) return null;
  }
  return out.length ? out : null;
}

function builtin(m: PythonModel, name: string, site: CallSite, e: Node, ctx: Context, depth: number): Result {
  if (name === 'dict') return mappingFromCall(m, 'dict', site, e, ctx, depth);
  if (name === 'vars') {
    const base = single(evaluate(m, site.args[0], ctx, depth));
    return base instanceof PyMapping ? one(new PyMapping('dict', base.entries, e), e, ctx) : null;
  }
  if (site.keywords.size) return null;
  const args: PyValue[] = [];
  for (const a of site.args) {
    const v = single(evaluate(m, a, ctx, depth));
    if (v === undefined) return null;
    args.push(v);
  }
  const [a, b] = args;
  let v: PyValue | undefined;
  switch (name) {
    case 'int':
      if (typeof a === 'number') v = Math.trunc(a);
      else if (typeof a === 'string' && /^\s*[-+]?\d+\s*$/.test(a) && args.length === 1) v = parseInt(a, 10);
      else if (typeof a === 'boolean') v = a ? 1 : 0;
      break;
    case 'float':
      if (typeof a === 'number') v = a;
      else if (typeof a === 'string' && a.trim() !== '' && Number.isFinite(Number(a))) v = Number(a);
      break;
    case 'str':
      if (typeof a === 'string') v = a;
      else if (typeof a === 'number') v = String(a);
      break;
    case 'bool':
      v = args.length ? truthy(a) : false;
      break;
    case 'round':
      if (typeof a === 'number' && args.length === 1) v = Math.round(a);
      break;
    case 'abs':
      if (typeof a === 'number') v = Math.abs(a);
      break;
    case 'min':
    case 'max': {
      const nums = args.length === 1 && Array.isArray(a) ? a : args;
      if (nums.length && nums.every((x) => typeof x === 'number')) v = name === 'min' ? Math.min(...(nums as number[])) : Math.max(...(nums as number[]));
      break;
    }
    case 'len':
      if (Array.isArray(a) || typeof a === 'string') v = a.length;
      else if (a instanceof PyMapping && a.kind === 'dict') v = a.entries.size;
      break;
    case 'list':
    case 'tuple':
      if (Array.isArray(a)) v = a;
      break;
  }
  void b;
  return v === undefined ? null : one(v, e, ctx);
}

const STRING_METHODS = new Set(['startswith', 'endswith', 'lower', 'upper', 'strip', 'lstrip', 'rstrip']);

function stringMethod(s: string, method: string, args: PyValue[]): PyValue | undefined {
  const prefixes = (a: PyValue): string[] | undefined => (typeof a === 'string' ? [a] : Array.isArray(a) && a.every((x) => typeof x === 'string') ? (a as string[]) : undefined);
  switch (method) {
    case 'startswith':
    case 'endswith': {
      const ps = args.length === 1 ? prefixes(args[0]) : undefined;
      return ps ? ps.some((p) => (method === 'startswith' ? s.startsWith(p) : s.endsWith(p))) : undefined;
    }
    case 'lower':
      return args.length ? undefined : s.toLowerCase();
    case 'upper':
      return args.length ? undefined : s.toUpperCase();
    case 'strip':
      return args.length ? undefined : s.trim();
    case 'lstrip':
      return args.length ? undefined : s.trimStart();
    case 'rstrip':
      return args.length ? undefined : s.trimEnd();
    default:
      return undefined;
  }
}

/** `dict(base, k=v)` or `SimpleNamespace(base, k=v)`: the entries of a mapping argument, then the keywords. */
function mappingFromCall(m: PythonModel, kind: PyMapping['kind'], site: CallSite, e: Node, ctx: Context, depth: number): Result {
  const entries = new Map<string, Resolved[]>();
  if (site.args.length > 1) return null;
  if (site.args[0]) {
    const base = single(evaluate(m, site.args[0], ctx, depth));
    if (!(base instanceof PyMapping)) return null;
    for (const [k, v] of base.entries) entries.set(k, v);
  }
  if (site.node.childForFieldName('arguments')?.namedChildren.some((a) => a.type === 'dictionary_splat')) return null;
  for (const [k, v] of site.keywords) entries.set(k, lazyEntry(m, v, ctx, depth));
  return one(new PyMapping(kind, entries, e), e, ctx);
}

/** A local class as a namespace: class attributes, `self.x = ...` in `__init__`, dataclass fields set by the call. */
function classNamespace(m: PythonModel, cls: ClassInfo, ctx: Context, depth: number, instantiation: CallSite | null): PyMapping {
  const entries = new Map<string, Resolved[]>();
  const body = cls.node.childForFieldName('body');
  const fields: string[] = [];
  // the class attributes of the file's own base classes (the first base wins), then the class's own
  const bases = cls.bases.map((b) => (b.startsWith('<local>.') ? m.classes.get(b.slice(8)) : undefined)).filter((b): b is ClassInfo => !!b && b !== cls);
  if (depth < MAX_DEPTH) for (const b of [...bases].reverse()) for (const [k, v] of classNamespace(m, b, ctx, depth + 1, null).entries) entries.set(k, v);
  for (const stmt of body?.namedChildren ?? []) {
    if (stmt.type === 'class_definition') {
      const name = stmt.childForFieldName('name')?.text;
      const inner = name ? [...m.classes.values()].find((c) => c.node.id === stmt.id) : undefined;
      if (name && inner) entries.set(name, one(classNamespace(m, inner, ctx, depth + 1, null), stmt, ctx));
      continue;
    }
    if (stmt.type !== 'expression_statement') continue;
    const a = stmt.namedChildren[0];
    if (a?.type !== 'assignment') continue;
    const left = a.childForFieldName('left');
    if (left?.type !== 'identifier') continue;
    fields.push(left.text);
    const right = a.childForFieldName('right');
    if (right) entries.set(left.text, lazyEntry(m, right, ctx, depth + 1));
  }
  if (instantiation) {
    const init = cls.methods.get('__init__');
    if (!init && bases.some((b) => inheritsInit(m, b, depth))) {
      // the __init__ of one of the file's base classes may set any attribute and takes the arguments
      for (const k of entries.keys()) entries.set(k, [{ value: UNKNOWN as unknown as PyValue, node: cls.node, context: ctx }]);
    } else if (init) {
      // the bindings made in __init__, by name in the order of `m.bindings` (bindingsOf keeps a
      // name's bindings together): the same names in the same order as a walk over every name
      const inInit = m.bindingsOf(init);
      for (let i = 0; i < inInit.length; ) {
        const name = inInit[i].name;
        let j = i;
        while (j < inInit.length && inInit[j].name === name) j++;
        const bs = inInit.slice(i, j);
        i = j;
        if (!name.startsWith('self.')) continue;
        const own = bs.filter((b) => b.kind === 'assign' && b.value);
        if (!own.length) continue;
        const key = name.slice(5);
        // every assignment in __init__ is a possible value
        const vals: Resolved[] = [];
        let unknown = false;
        for (const b of own) {
          const v = evaluate(m, b.value!, ctx, depth + 1);
          if (!v) unknown = true;
          else vals.push(...v);
        }
        entries.set(key, unknown ? [{ value: UNKNOWN as unknown as PyValue, node: own[0].node, context: ctx }] : vals);
      }
    } else if (isDataclass(cls)) {
      // dataclass fields set by the call's keywords / positional arguments (the fields of a base
      // class come first: with one, which field a position sets is not worked out here)
      if (bases.length && instantiation.args.length) for (const k of entries.keys()) entries.set(k, [{ value: UNKNOWN as unknown as PyValue, node: cls.node, context: ctx }]);
      else instantiation.args.forEach((arg, i) => {
        if (fields[i]) entries.set(fields[i], lazyEntry(m, arg, ctx.slice(0, -1), depth + 1));
      });
      for (const [k, v] of instantiation.keywords) entries.set(k, lazyEntry(m, v, ctx.slice(0, -1), depth + 1));
    } else if (instantiation.args.length || instantiation.keywords.size) {
      for (const k of entries.keys()) entries.set(k, [{ value: UNKNOWN as unknown as PyValue, node: cls.node, context: ctx }]);
    }
  }
  return new PyMapping('namespace', entries, cls.node);
}

/** Does `cls` or one of its bases in the file define `__init__`? */
function inheritsInit(m: PythonModel, cls: ClassInfo, depth: number): boolean {
  if (cls.methods.has('__init__') || depth > MAX_DEPTH) return true;
  return cls.bases.some((b) => {
    const base = b.startsWith('<local>.') ? m.classes.get(b.slice(8)) : undefined;
    return !!base && base !== cls && inheritsInit(m, base, depth + 1);
  });
}

function isDataclass(cls: ClassInfo): boolean {
  const p = cls.node.parent;
  return p?.type === 'decorated_definition' && p.namedChildren.some((d) => d.type === 'decorator' && /dataclass/.test(d.text));
}

/**
 * `parser.parse_args()`: a namespace of every `add_argument` default of that parser (and its
 * groups), after `set_defaults`. Arguments given on a literal list other than `[]` make it unknown.
 */
function argparseNamespace(m: PythonModel, parse: CallSite, depth: number): PyMapping | null {
  if (!parse.receiver) return null;
  const given = parse.args[0] ?? parse.keywords.get('args');
  if (given && !(given.type === 'list' && given.namedChildren.length === 0) && given.type !== 'none') return null;
  const parsers = parserNodes(m, parse.receiver);
  if (!parsers.size) return null;
  const entries = new Map<string, Resolved[]>();
  const belongs = (receiver: Node | null): boolean => {
    if (!receiver) return false;
    for (const s of valueSources(m, receiver, [], flowOptions(m))) {
      if (parsers.has(s.node.id)) return true;
      const c = s.node.type === 'call' ? m.callAt(s.node) : undefined;
      if (c && (c.method === 'add_argument_group' || c.method === 'add_mutually_exclusive_group') && belongs(c.receiver)) return true;
    }
    return false;
  };
  const defaults: CallSite[] = [];
  // the argparse calls only, in source order (not every call of the file, per parse_args)
  const adds: CallSite[] = [];
  for (const c of m.callsByMethods(['set_defaults', 'add_argument'])) {
    if (c.method === 'set_defaults' && belongs(c.receiver)) defaults.push(c);
    if (c.method === 'add_argument' && belongs(c.receiver)) adds.push(c);
  }
  adds.push(...aliasedAddArguments(m, belongs));
  adds.sort((a, b) => a.node.startIndex - b.node.startIndex);
  for (const c of adds) {
    const dest = argumentDest(m, c);
    if (!dest) continue;
    entries.set(dest, argumentDefault(m, c, depth));
  }
  for (const c of defaults) for (const [k, v] of c.keywords) entries.set(k, lazyEntry(m, v, [], depth + 1));
  return new PyMapping('namespace', entries, parse.node);
}

/** `arg = parser.add_argument` then `arg('--lr', default=0.1)`: calls of a bound `add_argument` of the parser. */
function aliasedAddArguments(m: PythonModel, belongs: (receiver: Node | null) => boolean): CallSite[] {
  const out: CallSite[] = [];
  for (const { call, target } of addArgumentAliasCalls(m)) if (belongs(target)) out.push(call);
  return out;
}

const ALIAS_CACHE = new WeakMap<PythonModel, { call: CallSite; target: Node | null }[]>();

/** Every call through a name bound (on every path) to `<obj>.add_argument`, with `<obj>`; found once per file. */
function addArgumentAliasCalls(m: PythonModel): { call: CallSite; target: Node | null }[] {
  return once(ALIAS_CACHE, m, () => findAddArgumentAliasCalls(m));
}

function findAddArgumentAliasCalls(m: PythonModel): { call: CallSite; target: Node | null }[] {
  const out: { call: CallSite; target: Node | null }[] = [];
  const names = new Set<string>();
  if (m.source.text.includes('.add_argument')) {
    for (const a of nodesOfType(m, 'assignment')) {
      const left = a.childForFieldName('left');
      const right = a.childForFieldName('right');
      if (left?.type === 'identifier' && right?.type === 'attribute' && right.childForFieldName('attribute')?.text === 'add_argument') names.add(left.text);
    }
  }
  if (names.size) {
    for (const c of m.calls) {
      if (c.callee.type !== 'identifier' || !names.has(c.callee.text)) continue;
      const bs = m.bindingsIn(c.callee.text, c.fn);
      const v = bs[0]?.kind === 'assign' ? bs[0].value : null;
      if (!v || v.type !== 'attribute' || !bs.every((b) => b.kind === 'assign' && b.value?.text === v.text && v.childForFieldName('attribute')?.text === 'add_argument')) continue;
      out.push({ call: c, target: v.childForFieldName('object') });
    }
  }
  return out;
}

function parserNodes(m: PythonModel, receiver: Node, out = new Set<number>(), depth = 0): Set<number> {
  for (const s of valueSources(m, receiver, [], flowOptions(m))) {
    const c = s.node.type === 'call' ? m.callAt(s.node) : undefined;
    if (c?.qualified !== 'argparse.ArgumentParser' || out.has(s.node.id)) continue;
    out.add(s.node.id);
    // `ArgumentParser(parents=[get_args_parser()])`: the parents' arguments too
    const parents = c.keywords.get('parents');
    if (parents && (parents.type === 'list' || parents.type === 'tuple') && depth < 4) {
      for (const el of parents.namedChildren) if (el.type !== 'comment') parserNodes(m, el, out, depth + 1);
    }
  }
  return out;
}

/** The attribute an `add_argument` call stores to: `dest=`, else the first long option (`--batch-size` -> `batch_size`). */
export function argumentDest(m: PythonModel, c: CallSite): string | null {
  const dest = c.keywords.get('dest');
  if (dest) return stringConstant(m, dest) ?? null;
  const names = c.args.map((a) => stringConstant(m, a)).filter((s): s is string => typeof s === 'string');
  const long = names.find((n) => n.startsWith('--'));
  const chosen = long ?? names.find((n) => n.startsWith('-')) ?? names[0];
  if (!chosen) return null;
  return chosen.replace(/^-+/, '').replace(/-/g, '_');
}

function argumentDefault(m: PythonModel, c: CallSite, depth: number): Resolved[] {
  const def = c.keywords.get('default');
  const action = c.keywords.get('action');
  const act = action ? stringConstant(m, action) : undefined;
  if (!def) {
    if (act === 'store_true') return one(false, c.node, []);
    if (act === 'store_false') return one(true, c.node, []);
    const positional = c.args.some((a) => {
      const s = stringConstant(m, a);
      return typeof s === 'string' && !s.startsWith('-');
    });
    const required = c.keywords.get('required')?.type === 'true';
    if (positional || required) return [{ value: UNKNOWN as unknown as PyValue, node: c.node, context: [] }];
    return one(null, c.node, []);
  }
  const vals = evaluate(m, def, [], depth + 1);
  if (!vals) return [{ value: UNKNOWN as unknown as PyValue, node: def, context: [] }];
  // `type=int` applied to a string default, as argparse does
  const type = c.keywords.get('type')?.text;
  return vals.map((v) => {
    if (typeof v.value === 'string' && (type === 'int' || type === 'float')) {
      const n = Number(v.value);
      if (v.value.trim() !== '' && Number.isFinite(n)) return { ...v, value: type === 'int' ? Math.trunc(n) : n };
      return { ...v, value: UNKNOWN as unknown as PyValue };
    }
    return v;
  });
}

// -------------------------------------------------------------------------------------------------
// Path templates

const JOINS = new Set(['os.path.join', 'posixpath.join', 'ntpath.join', 'pathlib.Path', 'pathlib.PurePath', 'pathlib.PosixPath']);
const PATH_IDENTITY_METHODS = new Set(['resolve', 'absolute', 'expanduser', 'as_posix']);

/**
 * The strings a path expression may be, with unknown parts written `*`: f-strings with constant
 * interpolations filled in, `os.path.join`, `Path(a) / 'b'`, `+` concatenation, `.format(...)`,
 * constants and parameters followed. Null when nothing is known.
 */
export function pathTemplates(m: PythonModel, expr: Node | null, ctx: Context = []): string[] | null {
  if (!expr) return null;
  try {
    const out = templates(m, expr, ctx, 0);
    return out && out.length ? [...new Set(out)] : null;
  } catch {
    return null;
  }
}

function templates(m: PythonModel, e: Node, ctx: Context, depth: number): string[] | null {
  if (depth > 12) return null;
  const d = depth + 1;
  const constant = single(resolveValues(m, e, ctx));
  if (typeof constant === 'string') return [constant];
  switch (e.type) {
    case 'string': {
      let out = '';
      for (const c of e.namedChildren) {
        if (c.type === 'string_content') out += c.text;
        else if (c.type === 'escape_sequence') out += unescape(c.text);
        else if (c.type === 'interpolation') {
          const expr = c.childForFieldName('expression') ?? c.namedChildren[0];
          const v = expr && !c.namedChildren.some((x) => x.type === 'format_specifier') ? constantValue(m, expr, ctx) : undefined;
          out += typeof v === 'string' || typeof v === 'number' ? String(v) : '*';
        }
      }
      return [out];
    }
    case 'concatenated_string':
      return crossJoin(e.namedChildren.filter((c) => c.type === 'string').map((c) => templates(m, c, ctx, d)), '');
    case 'parenthesized_expression':
      return e.namedChildren[0] ? templates(m, e.namedChildren[0], ctx, d) : null;
    case 'binary_operator': {
      const op = e.childForFieldName('operator')?.type;
      if (op === '%') {
        // `"fold%d_best.pth" % k` with k unknown: each conversion is `*`
        const base = templates(m, e.childForFieldName('left')!, ctx, d);
        return base ? base.map((t) => t.replace(PERCENT_SPEC, (all: string) => (all === '%%' ? '%' : '*'))) : null;
      }
      if (op !== '+' && op !== '/') return null;
      const l = templates(m, e.childForFieldName('left')!, ctx, d) ?? ['*'];
      const r = templates(m, e.childForFieldName('right')!, ctx, d) ?? ['*'];
      return crossJoin([l, r], op === '/' ? '/' : '');
    }
    case 'call': {
      const site = m.callAt(e);
      if (!site) return null;
      if (site.qualified && JOINS.has(site.qualified)) {
        if (!site.args.length) return null;
        return crossJoin(site.args.map((a) => templates(m, a, ctx, d) ?? ['*']), '/');
      }
      if (site.callee.type === 'identifier' && (site.callee.text === 'str' || site.qualified === 'os.fspath') && site.args[0]) return templates(m, site.args[0], ctx, d);
      if (site.method && site.receiver) {
        if (site.method === 'format') {
          const base = templates(m, site.receiver, ctx, d);
          return base ? base.map((t) => t.replace(/\{[^{}]*\}/g, '*')) : null;
        }
        if (site.method === 'join' && site.args.length === 1) {
          // `"-".join([args.prefix, "submission.csv"])`: the parts joined by the separator, unknown parts `*`
          const sep = constantValue(m, site.receiver, ctx);
          let list: Node | null = site.args[0];
          while (list?.type === 'parenthesized_expression') list = list.namedChildren[0] ?? null;
          if (typeof sep === 'string' && list && (list.type === 'list' || list.type === 'tuple')) {
            const items = list.namedChildren.filter((c) => c.type !== 'comment');
            if (items.length && !items.some((c) => c.type === 'list_splat')) {
              return crossJoin(items.map((it, i) => (templates(m, it, ctx, d) ?? ['*']).map((t) => (i === 0 ? t : sep + t))), '');
            }
          }
        }
        if (site.method === 'joinpath') return crossJoin([templates(m, site.receiver, ctx, d) ?? ['*'], ...site.args.map((a) => templates(m, a, ctx, d) ?? ['*'])], '/');
        if (PATH_IDENTITY_METHODS.has(site.method)) return templates(m, site.receiver, ctx, d);
      }
      break;
    }
    default:
      break;
  }
  if (e.type === 'identifier' || e.type === 'attribute' || e.type === 'subscript' || e.type === 'call' || e.type === 'conditional_expression') {
    const leaves = sources(m, e, ctx);
    if (!leaves.length || (leaves.length === 1 && leaves[0].node.id === e.id)) return null;
    const out: string[] = [];
    for (const l of leaves) {
      if (l.node.id === e.id) continue;
      const t = templates(m, l.node, l.context, d);
      if (t) out.push(...t);
    }
    return out.length ? out : null;
  }
  return null;
}

function crossJoin(parts: (string[] | null)[], sep: string): string[] | null {
  let acc: string[] = [''];
  parts.forEach((p, i) => {
    const options = p ?? ['*'];
    const next: string[] = [];
    for (const a of acc) for (const o of options) next.push(i === 0 ? o : `${a.replace(/[\\/]+$/, '')}${sep}${sep === '/' ? o.replace(/^[\\/]+/, '') : o}`);
    acc = next.slice(0, MAX_VALUES);
  });
  return acc;
}

/** The last component of a path template. */
export function baseName(template: string): string {
  const parts = template.split(/[\\/]/);
  return parts[parts.length - 1];
}

/** `attr` of every value `base` may be, each a namespace (a config class, `SimpleNamespace`, argparse args); null when one is not or lacks it. */
function namespaceAttribute(base: Resolved[] | null, attr: string): Resolved[] | null {
  if (!base) return null;
  const out: Resolved[] = [];
  for (const b of base) {
    if (!(b.value instanceof PyMapping) || b.value.kind !== 'namespace') return null;
    const v = known(b.value.entries.get(attr));
    if (!v) return null;
    out.push(...v);
  }
  return out;
}
