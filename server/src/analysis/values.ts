/**
 * Constant values: what a literal-valued expression evaluates to, followed through simple bindings
 * (`MAX_LEN = 512`), parameters bound at the file's own call sites, Kaggle-style config classes
 * (`class CFG: max_len = 512` -> `CFG.max_len`) and config dicts (`CFG["max_len"]`). Rules use it for
 * numbers and flags written once and read elsewhere (Keras `verbose`, tokenizer `max_length`).
 * Unknown values are `undefined`: a rule that cannot read a value stays silent.
 */
import type { Node } from './parser';
import type { PythonModel } from './model';
import { isWithin, stringValue } from './model';
import { nodesOfType } from './memo';

export type Const = number | string | boolean | null;

const MAX_DEPTH = 10;

/** The constant `node` evaluates to, or undefined when it is not a constant the file makes visible. */
export function constValue(m: PythonModel, node: Node | null, depth = 0, seen = new Set<number>()): Const | undefined {
  if (!node || depth > MAX_DEPTH || seen.has(node.id)) return undefined;
  seen.add(node.id);
  switch (node.type) {
    case 'integer': {
      const t = node.text.replace(/_/g, '').toLowerCase();
      const n = /^0[xob]/.test(t) ? Number(t) : parseInt(t, 10);
      return Number.isFinite(n) ? n : undefined;
    }
    case 'float': {
      const n = parseFloat(node.text.replace(/_/g, ''));
      return Number.isFinite(n) ? n : undefined;
    }
    case 'true':
      return true;
    case 'false':
      return false;
    case 'none':
      return null;
    case 'string': {
      const s = stringValue(node);
      return s === null ? undefined : s;
    }
    case 'parenthesized_expression':
      return constValue(m, node.namedChildren[0] ?? null, depth + 1, seen);
    case 'unary_operator': {
      const v = constValue(m, node.childForFieldName('argument'), depth + 1, seen);
      const op = node.childForFieldName('operator')?.text ?? node.children[0]?.text;
      if (typeof v !== 'number') return undefined;
      return op === '-' ? -v : op === '+' ? v : undefined;
    }
    case 'binary_operator': {
      const a = constValue(m, node.childForFieldName('left'), depth + 1, seen);
      const b = constValue(m, node.childForFieldName('right'), depth + 1, seen);
      const op = node.childForFieldName('operator')?.text;
      if (typeof a !== 'number' || typeof b !== 'number') return undefined;
      if (op === '+') return a + b;
      if (op === '-') return a - b;
      if (op === '*') return a * b;
      if (op === '//' && b !== 0) return Math.floor(a / b);
      if (op === '**') return a ** b;
      return undefined;
    }
    case 'identifier':
      return identifierValue(m, node, depth, seen);
    case 'attribute':
      return classAttributeValue(m, node, depth, seen);
    case 'subscript':
      return dictEntryValue(m, node, depth, seen);
    default:
      return undefined;
  }
}

/** A name's value when every visible binding (or every argument passed for a parameter) agrees on it. */
function identifierValue(m: PythonModel, node: Node, depth: number, seen: Set<number>): Const | undefined {
  const bs = m.bindingsIn(node.text, m.functionAt(node));
  if (!bs.length) return undefined;
  const values: (Const | undefined)[] = [];
  for (const b of bs) {
    if (b.kind === 'assign') values.push(constValue(m, b.value, depth + 1, seen));
    else if (b.kind === 'param' && b.fn) {
      const args = m.argumentsFor(b.fn, b.name);
      const dflt = defaultOf(b.node);
      // the default applies when a call site leaves the parameter out (or nothing in the file calls it)
      if (args.length < m.callersOf(b.fn).length || !args.length) {
        if (!dflt) return undefined;
        values.push(constValue(m, dflt, depth + 1, seen));
      }
      for (const a of args) values.push(constValue(m, a, depth + 1, seen));
    } else return undefined;
  }
  if (!values.length || values.some((v) => v === undefined)) return undefined;
  return values.every((v) => v === values[0]) ? values[0] : undefined;
}

/** The default value of a parameter (`def f(x=3)`), or null. */
function defaultOf(paramName: Node): Node | null {
  const p = paramName.parent;
  if (p && (p.type === 'default_parameter' || p.type === 'typed_default_parameter')) return p.childForFieldName('value');
  return null;
}

/** `CFG.max_len` where `class CFG:` assigns `max_len = 512` in its body (the Kaggle config class). */
function classAttributeValue(m: PythonModel, node: Node, depth: number, seen: Set<number>): Const | undefined {
  const obj = node.childForFieldName('object');
  const attr = node.childForFieldName('attribute')?.text;
  if (!obj || obj.type !== 'identifier' || !attr) return undefined;
  const bs = m.bindingsIn(obj.text, m.functionAt(node));
  if (bs.length !== 1 || bs[0].kind !== 'class') return undefined;
  const cls = m.classes.get(obj.text);
  const body = cls?.node.childForFieldName('body');
  if (!cls || !body) return undefined;
  const found: Node[] = [];
  for (const stmt of body.namedChildren) {
    if (stmt.type !== 'expression_statement') continue;
    const a = stmt.namedChildren[0];
    if (a?.type !== 'assignment') continue;
    const left = a.childForFieldName('left');
    if (left?.type === 'identifier' && left.text === attr) found.push(a.childForFieldName('right') ?? a);
  }
  if (found.length !== 1) return undefined;
  // the attribute must not be re-assigned from outside (`CFG.max_len = args.max_len`)
  for (const b of m.bindings.get(attr) ?? []) if (b.kind !== 'assign' || !isWithin(b.node, body)) return undefined;
  if (reassignedAttribute(m, obj.text, attr)) return undefined;
  return constValue(m, found[0], depth + 1, seen);
}

function reassignedAttribute(m: PythonModel, obj: string, attr: string): boolean {
  for (const n of [...nodesOfType(m, 'assignment'), ...nodesOfType(m, 'augmented_assignment')]) {
    const left = n.childForFieldName('left');
    if (left?.type === 'attribute' && left.childForFieldName('object')?.text === obj && left.childForFieldName('attribute')?.text === attr) return true;
  }
  return false;
}

/** `CFG["max_len"]` where `CFG = {"max_len": 512, ...}` is bound once. */
function dictEntryValue(m: PythonModel, node: Node, depth: number, seen: Set<number>): Const | undefined {
  const obj = node.childForFieldName('value');
  const key = stringValue(node.childForFieldName('subscript'));
  if (!obj || obj.type !== 'identifier' || key === null) return undefined;
  const bs = m.bindingsIn(obj.text, m.functionAt(node));
  if (bs.length !== 1 || bs[0].kind !== 'assign' || bs[0].value?.type !== 'dictionary') return undefined;
  for (const pair of bs[0].value.namedChildren) {
    if (pair.type !== 'pair') continue;
    if (stringValue(pair.childForFieldName('key')) === key) return constValue(m, pair.childForFieldName('value'), depth + 1, seen);
  }
  return undefined;
}
