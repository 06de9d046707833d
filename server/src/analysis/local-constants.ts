/**
 * A small resolver for integer constants that rules compare against thresholds (the number of
 * epochs of `range(EPOCHS)`, the accumulation divisor of `% ACCUM`): literals and arithmetic on
 * them, module constants, parameters (every call site, or the default), class attributes
 * (`CFG.epochs`), config dicts and namespaces (`cfg['epochs']`, `SimpleNamespace(epochs=...)`) and
 * argparse defaults (`args.epochs` with `add_argument('--epochs', default=20)`).
 *
 * Deliberately local and conservative: a value is returned only when every binding that may reach
 * the expression agrees; anything else is null ("unknown"), never a guess.
 */
import type { Node } from './parser';
import type { FunctionInfo, PythonModel } from './model';
import { stringValue } from './model';

const MAX_DEPTH = 10;

/** The integer value of `expr`, or null when it cannot be known from the file. */
export function intValue(m: PythonModel, expr: Node | null, depth = 0): number | null {
  const v = numberValue(m, expr, depth);
  return v !== null && Number.isInteger(v) ? v : null;
}

function numberValue(m: PythonModel, expr: Node | null, depth: number): number | null {
  if (!expr || depth > MAX_DEPTH) return null;
  switch (expr.type) {
    case 'integer': {
      const t = expr.text.replace(/_/g, '').toLowerCase();
      const n = /^0[xob]/.test(t) ? Number(t) : /^\d+$/.test(t) ? Number(t) : NaN;
      return Number.isFinite(n) ? n : null;
    }
    case 'float': {
      const n = Number(expr.text.replace(/_/g, ''));
      return Number.isFinite(n) ? n : null;
    }
    case 'parenthesized_expression':
      return numberValue(m, expr.namedChildren[0] ?? null, depth + 1);
    case 'unary_operator': {
      const op = expr.childForFieldName('operator')?.type;
      const v = numberValue(m, expr.childForFieldName('argument'), depth + 1);
      if (v === null) return null;
      return op === '-' ? -v : op === '+' ? v : null;
    }
    case 'binary_operator': {
      const a = numberValue(m, expr.childForFieldName('left'), depth + 1);
      const b = numberValue(m, expr.childForFieldName('right'), depth + 1);
      if (a === null || b === null) return null;
      switch (expr.childForFieldName('operator')?.type) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '//':
          return b === 0 ? null : Math.floor(a / b);
        case '/':
          return b === 0 ? null : a / b;
        case '**':
          return Math.abs(b) > 64 ? null : a ** b;
        default:
          return null;
      }
    }
    case 'call': {
      // int(x) / float(x) around a constant
      const callee = expr.childForFieldName('function');
      if (callee?.type === 'identifier' && (callee.text === 'int' || callee.text === 'float') && !m.bindingsIn(callee.text, m.functionAt(expr)).length) {
        const args = argNodes(expr);
        if (args.length !== 1) return null;
        const s = stringValue(args[0]);
        if (s !== null) return /^\s*-?\d+(\.\d+)?\s*$/.test(s) ? Number(s) : null;
        const v = numberValue(m, args[0], depth + 1);
        return v === null ? null : callee.text === 'int' ? Math.trunc(v) : v;
      }
      return null;
    }
    case 'identifier':
      return identifierValue(m, expr.text, m.functionAt(expr), depth + 1);
    case 'attribute':
      return attributeValue(m, expr, depth + 1);
    case 'subscript': {
      const key = stringValue(expr.childForFieldName('subscript'));
      const obj = expr.childForFieldName('value');
      if (key === null || !obj) return null;
      return containerValue(m, obj, key, depth + 1);
    }
    default:
      return null;
  }
}

/** Every value the bindings of `name` visible from `fn` may give; null unless they all agree. */
function identifierValue(m: PythonModel, name: string, fn: FunctionInfo | null, depth: number): number | null {
  const bs = m.bindingsIn(name, fn);
  if (!bs.length) return null;
  const values: (number | null)[] = [];
  for (const b of bs) {
    if (b.kind === 'assign') values.push(numberValue(m, b.value, depth));
    else if (b.kind === 'param' && b.fn) {
      const args = m.argumentsFor(b.fn, b.name);
      const callers = m.callersOf(b.fn);
      for (const a of args) values.push(numberValue(m, a, depth));
      // call sites that leave the parameter out take its default
      if (args.length < callers.length || !callers.length) values.push(numberValue(m, paramDefault(b.fn, b.name), depth));
    } else return null;
  }
  return agree(values);
}

function agree(values: (number | null)[]): number | null {
  if (!values.length || values.some((v) => v === null)) return null;
  return values.every((v) => v === values[0]) ? values[0] : null;
}

/** The default value of parameter `name` of `fn`, or null. */
export function paramDefault(fn: FunctionInfo, name: string): Node | null {
  for (const p of fn.node.childForFieldName('parameters')?.namedChildren ?? []) {
    if (p.type !== 'default_parameter' && p.type !== 'typed_default_parameter') continue;
    if (p.childForFieldName('name')?.text === name) return p.childForFieldName('value');
  }
  return null;
}

/** `CFG.epochs`, `cfg.epochs`, `args.epochs`, `self.epochs`. */
function attributeValue(m: PythonModel, expr: Node, depth: number): number | null {
  const obj = expr.childForFieldName('object');
  const attr = expr.childForFieldName('attribute')?.text;
  if (!obj || !attr) return null;
  if (obj.type === 'identifier' && obj.text === 'self') {
    const cls = m.functionAt(expr)?.cls;
    if (!cls) return null;
    const own = (m.bindings.get(`self.${attr}`) ?? []).filter((b) => b.fn?.cls === cls);
    if (own.length) return agree(own.map((b) => (b.kind === 'assign' ? numberValue(m, b.value, depth) : null)));
    return classAttribute(m, cls.node, attr, depth);
  }
  return containerValue(m, obj, attr, depth);
}

/** The value stored under `key` in the object `obj` evaluates to (class, dict, namespace, argparse result). */
function containerValue(m: PythonModel, obj: Node, key: string, depth: number): number | null {
  if (depth > MAX_DEPTH) return null;
  if (obj.type === 'parenthesized_expression') return containerValue(m, obj.namedChildren[0] ?? obj, key, depth + 1);
  if (obj.type === 'dictionary') return dictEntry(m, obj, key, depth);
  if (obj.type === 'call') return callContainer(m, obj, key, depth);
  if (obj.type === 'attribute') {
    // cfg.train.epochs: a nested container
    const inner = obj.childForFieldName('object');
    const name = obj.childForFieldName('attribute')?.text;
    if (!inner || !name) return null;
    const holder = containerNode(m, inner, name, depth + 1);
    return holder ? containerValue(m, holder, key, depth + 1) : null;
  }
  if (obj.type !== 'identifier') return null;
  const q = m.qualify(obj);
  if (q?.startsWith('<local>.')) {
    const cls = m.classes.get(q.slice(8));
    return cls ? classAttribute(m, cls.node, key, depth) : null;
  }
  const bs = m.bindingsIn(obj.text, m.functionAt(obj));
  if (!bs.length) return null;
  const values: (number | null)[] = [];
  for (const b of bs) {
    if (b.kind === 'assign' && b.value) values.push(containerValue(m, b.value, key, depth + 1));
    else if (b.kind === 'unpack' && b.index === 0 && b.value?.type === 'call' && isParseArgs(b.value, 'parse_known_args')) values.push(argparseDefault(m, key, depth));
    else if (b.kind === 'param' && b.fn) {
      const args = m.argumentsFor(b.fn, b.name);
      if (!args.length) return null;
      for (const a of args) values.push(containerValue(m, a, key, depth + 1));
    } else return null;
  }
  return agree(values);
}

/** The node stored under `key` in a container expression (for nested configs), or null. */
function containerNode(m: PythonModel, obj: Node, key: string, depth: number): Node | null {
  if (depth > MAX_DEPTH) return null;
  if (obj.type === 'identifier') {
    const bs = m.bindingsIn(obj.text, m.functionAt(obj)).filter((b) => b.kind === 'assign');
    if (bs.length !== 1 || !bs[0].value) return null;
    return containerNode(m, bs[0].value, key, depth + 1);
  }
  if (obj.type === 'dictionary') {
    for (const p of obj.namedChildren) if (p.type === 'pair' && stringValue(p.childForFieldName('key')) === key) return p.childForFieldName('value');
    return null;
  }
  if (obj.type === 'call') {
    const kw = keywordOf(obj, key);
    if (kw) return kw;
    const args = argNodes(obj);
    return args.length === 1 ? containerNode(m, args[0], key, depth + 1) : null;
  }
  return null;
}

function dictEntry(m: PythonModel, dict: Node, key: string, depth: number): number | null {
  const hits = dict.namedChildren.filter((p) => p.type === 'pair' && stringValue(p.childForFieldName('key')) === key);
  if (hits.length !== 1) return null;
  return numberValue(m, hits[0].childForFieldName('value'), depth + 1);
}

const NAMESPACES = /^(types\.SimpleNamespace|argparse\.Namespace|easydict\.EasyDict|addict\.Dict|munch\.Munch|munch\.munchify|omegaconf\.OmegaConf\.create|ml_collections\.ConfigDict|box\.Box)$/;

/** `dict(epochs=20)`, `SimpleNamespace(epochs=20)`, `EasyDict({...})`, `parser.parse_args()`, `Config()` (a local class). */
function callContainer(m: PythonModel, call: Node, key: string, depth: number): number | null {
  const callee = call.childForFieldName('function');
  const q = m.qualify(callee);
  if ((callee?.type === 'identifier' && callee.text === 'dict' && !q) || (q && NAMESPACES.test(q))) {
    const kw = keywordOf(call, key);
    if (kw) return numberValue(m, kw, depth + 1);
    const args = argNodes(call);
    if (args.length === 1 && args[0].type === 'dictionary') return dictEntry(m, args[0], key, depth);
    return null;
  }
  if (q?.startsWith('<local>.')) {
    const cls = m.classes.get(q.slice(8));
    if (!cls) return null;
    const inInit = (m.bindings.get(`self.${key}`) ?? []).filter((b) => b.fn?.cls === cls);
    if (inInit.length) return agree(inInit.map((b) => (b.kind === 'assign' ? numberValue(m, b.value, depth + 1) : null)));
    return classAttribute(m, cls.node, key, depth);
  }
  if (isParseArgs(call, 'parse_args')) return argparseDefault(m, key, depth);
  return null;
}

function isParseArgs(call: Node, method: string): boolean {
  const callee = call.childForFieldName('function');
  return callee?.type === 'attribute' && callee.childForFieldName('attribute')?.text === method;
}

/** A class-body assignment `key = value` (dataclass fields included). */
function classAttribute(m: PythonModel, cls: Node, key: string, depth: number): number | null {
  const body = cls.childForFieldName('body');
  const values: (number | null)[] = [];
  for (const stmt of body?.namedChildren ?? []) {
    const a = stmt.type === 'expression_statement' ? stmt.namedChildren[0] : null;
    if (a?.type !== 'assignment' || a.childForFieldName('left')?.text !== key) continue;
    const v = a.childForFieldName('right');
    // dataclasses.field(default=20)
    if (v?.type === 'call' && /(^|\.)field$/.test(v.childForFieldName('function')?.text ?? '')) values.push(numberValue(m, keywordOf(v, 'default'), depth + 1));
    else values.push(numberValue(m, v, depth + 1));
  }
  return agree(values);
}

/** The default of the argparse option whose destination is `dest`, when exactly one option has it. */
function argparseDefault(m: PythonModel, dest: string, depth: number): number | null {
  const values: (number | null)[] = [];
  for (const c of m.callsByMethod('add_argument')) {
    const explicit = stringValue(c.keywords.get('dest') ?? null);
    const options = c.args.map((a) => stringValue(a)).filter((s): s is string => s !== null);
    const long = options.find((o) => o.startsWith('--')) ?? options.find((o) => !o.startsWith('-')) ?? options[0];
    const name = explicit ?? (long ? long.replace(/^-+/, '').replace(/-/g, '_') : null);
    if (name !== dest) continue;
    const def = c.keywords.get('default') ?? null;
    const s = stringValue(def);
    values.push(s !== null ? (/^\s*-?\d+\s*$/.test(s) ? Number(s) : null) : numberValue(m, def, depth + 1));
  }
  return agree(values);
}

function argNodes(call: Node): Node[] {
  return (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a.type !== 'keyword_argument' && a.type !== 'comment');
}

function keywordOf(call: Node, name: string): Node | null {
  for (const a of call.childForFieldName('arguments')?.namedChildren ?? []) {
    if (a.type === 'keyword_argument' && a.childForFieldName('name')?.text === name) return a.childForFieldName('value');
  }
  return null;
}
