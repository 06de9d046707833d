/**
 * Submission files and the DataFrames written to them: `X.to_csv(path)` where the path's file name
 * (resolved through constants, f-strings, `os.path.join`, `Path / ...`) says `submission`, and the
 * columns / index of `X` at that point, followed through its construction (`pd.DataFrame({...})`,
 * `pd.read_csv(<sample_submission>)`, `df[[...]]`, `set_index`, `rename`, `drop`, `assign`) and the
 * statements between its binding and the write (`X['c'] = ...`, `X.columns = [...]`, `X.insert`,
 * `del X['c']`, in-place methods, a loop over a constant list of column names).
 * Anything that cannot be followed makes the columns unknown (null): rules then stay silent.
 */
import type { Node } from './parser';
import type { CallSite, PythonModel } from './model';
import { isWithin } from './model';
import { reachingBindings, statementsBetween, type Context } from './flow';
import { PyMapping, baseName, constantValue, pathTemplates, sources } from './config-values';

export interface SubmissionWrite {
  call: CallSite;
  /** The DataFrame written (`X` in `X.to_csv(...)`). */
  frame: Node;
  path: Node;
  /** The path's possible strings, unknown parts as `*`. */
  templates: string[];
}

import { isSubmissionPath } from './submission-names';

export { isSubmissionPath };

/** Every `.to_csv(...)` whose path is a submission file. */
export function submissionWrites(m: PythonModel): SubmissionWrite[] {
  const out: SubmissionWrite[] = [];
  for (const call of m.calls) {
    if (call.method !== 'to_csv' || !call.receiver) continue;
    const path = call.keywords.get('path_or_buf') ?? call.args[0];
    if (!path) continue;
    const templates = pathTemplates(m, path) ?? [];
    if (templates.some(isSubmissionPath)) out.push({ call, frame: call.receiver, path, templates });
  }
  return out;
}

export interface FrameColumn {
  name: string;
  /** The string literal that spells the name, when there is exactly one (a fix may rename it there). */
  literal: Node | null;
}

export type FrameIndex =
  | { kind: 'default' }
  /** `set_index('id')`: the named column moved to the index. */
  | { kind: 'named'; name: string; setIndex: CallSite }
  /** `pd.DataFrame(..., index=ids)`: an index set from values. */
  | { kind: 'values' }
  | { kind: 'unknown' };

export interface FrameShape {
  /** Columns in order, or null when they cannot be followed. */
  columns: FrameColumn[] | null;
  index: FrameIndex;
  /** A single dict / list literal that holds every column name (when that is how the frame was built). */
  container: Node | null;
}

const UNKNOWN: FrameShape = { columns: null, index: { kind: 'unknown' }, container: null };

const SAME_COLUMNS = new Set(['copy', 'head', 'tail', 'sort_values', 'sort_index', 'fillna', 'dropna', 'astype', 'round', 'clip', 'query', 'replace', 'drop_duplicates', 'infer_objects', 'convert_dtypes', 'ffill', 'bfill', 'abs', 'reindex_like']);

export interface FrameOptions {
  /** sample_submission.csv's header, for frames read from it. */
  sampleColumns?: readonly string[] | null;
}

/** The columns and index of a DataFrame expression at the point where it is read. */
export function frameShape(m: PythonModel, expr: Node, opts: FrameOptions = {}): FrameShape {
  try {
    return new FrameTracer(m, opts).of(expr, [], 0);
  } catch {
    return UNKNOWN;
  }
}

class FrameTracer {
  constructor(
    private readonly m: PythonModel,
    private readonly opts: FrameOptions,
  ) {}

  of(e: Node, ctx: Context, depth: number): FrameShape {
    if (depth > 10) return UNKNOWN;
    const m = this.m;
    const d = depth + 1;
    switch (e.type) {
      case 'parenthesized_expression':
        return e.namedChildren[0] ? this.of(e.namedChildren[0], ctx, d) : UNKNOWN;
      case 'identifier': {
        const bs = reachingBindings(m, e);
        if (bs.length !== 1 || bs[0].kind !== 'assign' || !bs[0].value) return UNKNOWN;
        const b = bs[0];
        if (b.fn !== m.functionAt(e)) return UNKNOWN;
        const base = this.of(b.value!, ctx, d);
        return this.mutations(base, e.text, b.node, e);
      }
      case 'subscript': {
        const obj = e.childForFieldName('value');
        const index = e.childForFieldName('subscript');
        if (!obj || !index || e.namedChildren.length !== 2) {
          // df.loc[:, [...]]
          if (obj?.type === 'attribute' && obj.childForFieldName('attribute')?.text === 'loc') {
            const parts = e.namedChildren.slice(1);
            if (parts.length === 2 && parts[0].type === 'slice' && parts[0].namedChildren.length === 0) {
              const cols = this.columnList(parts[1]);
              if (cols) return { columns: cols, index: this.of(obj.childForFieldName('object')!, ctx, d).index, container: parts[1].type === 'list' ? parts[1] : null };
            }
          }
          return UNKNOWN;
        }
        const cols = this.columnList(index);
        const base = this.of(obj, ctx, d);
        if (cols) return { columns: cols, index: base.index, container: index.type === 'list' ? index : null };
        if (index.type === 'comparison_operator' || index.type === 'boolean_operator' || index.type === 'not_operator') return { ...base, container: null };
        return UNKNOWN;
      }
      case 'call':
        return this.call(e, ctx, d);
      default:
        return UNKNOWN;
    }
  }

  /** A list of column names: `['id', 'label']`, a constant list. */
  private columnList(n: Node): FrameColumn[] | null {
    const v = constantValue(this.m, n);
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) return null;
    const lits = n.type === 'list' || n.type === 'tuple' ? n.namedChildren.filter((c) => c.type !== 'comment') : [];
    return (v as string[]).map((name, i) => ({ name, literal: lits[i]?.type === 'string' ? lits[i] : null }));
  }

  private call(e: Node, ctx: Context, d: number): FrameShape {
    const m = this.m;
    const c = m.callAt(e);
    if (!c) return UNKNOWN;
    const q = c.qualified ?? '';
    if (q === 'pandas.DataFrame' || q === 'pandas.core.frame.DataFrame') {
      const index: FrameIndex = c.keywords.has('index') || c.args[1] ? { kind: 'values' } : { kind: 'default' };
      const colsArg = c.keywords.get('columns') ?? c.args[2] ?? null;
      if (colsArg) {
        const cols = this.columnList(colsArg);
        return cols ? { columns: cols, index, container: colsArg.type === 'list' ? colsArg : null } : { ...UNKNOWN, index };
      }
      const data = c.keywords.get('data') ?? c.args[0] ?? null;
      if (!data || data.type === 'none') return { columns: [], index, container: null };
      const leaves = sources(m, data, ctx);
      if (leaves.length !== 1) return { ...UNKNOWN, index };
      const dict = leaves[0].node;
      if (dict.type === 'dictionary') {
        const cols: FrameColumn[] = [];
        for (const p of dict.namedChildren) {
          if (p.type === 'comment') continue;
          if (p.type !== 'pair') return { ...UNKNOWN, index };
          const key = p.childForFieldName('key')!;
          const k = constantValue(m, key, leaves[0].context);
          if (typeof k !== 'string') return { ...UNKNOWN, index };
          cols.push({ name: k, literal: key.type === 'string' ? key : null });
        }
        return { columns: cols, index, container: dict };
      }
      const dc = dict.type === 'call' ? m.callAt(dict) : undefined;
      if (dc && dc.callee.type === 'identifier' && dc.callee.text === 'dict' && !dc.args.length && !m.bindingsIn('dict', dc.fn).length) {
        return { columns: [...dc.keywords.keys()].map((name) => ({ name, literal: null })), index, container: null };
      }
      return { ...UNKNOWN, index };
    }
    if (q === 'pandas.read_csv') {
      const usecols = c.keywords.get('usecols');
      const index: FrameIndex = c.keywords.has('index_col') ? { kind: 'unknown' } : { kind: 'default' };
      if (usecols) {
        const cols = this.columnList(usecols);
        return cols && index.kind === 'default' ? { columns: cols, index, container: null } : { ...UNKNOWN, index };
      }
      const path = c.keywords.get('filepath_or_buffer') ?? c.args[0];
      const templates = path ? pathTemplates(m, path, ctx) ?? [] : [];
      const sample = this.opts.sampleColumns;
      if (sample && templates.length && templates.every((t) => /sample_submission/i.test(baseName(t))) && index.kind === 'default') {
        return { columns: sample.map((name) => ({ name, literal: null })), index, container: null };
      }
      return { columns: null, index, container: null };
    }
    if (c.method && c.receiver && !m.calleesOf(c).length) return this.method(c, this.of(c.receiver, ctx, d));
    // the file's own function returning a frame
    const fns = m.calleesOf(c).filter((f) => f.name !== '__init__');
    if (fns.length === 1 && fns[0].returns.length === 1) return this.of(fns[0].returns[0], [...ctx, c], d);
    return UNKNOWN;
  }

  /** A method applied to a frame, returning a new frame. */
  private method(c: CallSite, base: FrameShape): FrameShape {
    const m = this.m;
    const name = c.method!;
    if (c.keywords.get('inplace')?.type === 'true') return UNKNOWN;
    if (SAME_COLUMNS.has(name)) return { ...base, container: base.container };
    const cols = base.columns;
    switch (name) {
      case 'reset_index': {
        const drop = c.keywords.get('drop');
        if (drop?.type === 'true') return { columns: cols, index: { kind: 'default' }, container: base.container };
        if (!cols) return UNKNOWN;
        if (base.index.kind === 'named') return { columns: [{ name: base.index.name, literal: null }, ...cols], index: { kind: 'default' }, container: null };
        if (base.index.kind === 'default') return { columns: [{ name: 'index', literal: null }, ...cols], index: { kind: 'default' }, container: null };
        return UNKNOWN;
      }
      case 'set_index': {
        const key = c.keywords.get('keys') ?? c.args[0];
        const k = key ? constantValue(m, key) : undefined;
        if (typeof k !== 'string' || c.args.length > 1 || c.keywords.has('append')) return { ...UNKNOWN, index: { kind: 'unknown' } };
        const keep = c.keywords.get('drop')?.type === 'false';
        return { columns: cols && (keep ? cols : cols.filter((x) => x.name !== k)), index: { kind: 'named', name: k, setIndex: c }, container: null };
      }
      case 'rename': {
        const mapping = c.keywords.get('columns');
        if (!mapping || !cols) return mapping ? UNKNOWN : { ...base };
        const v = constantValue(m, mapping);
        if (!(v instanceof PyMapping)) return UNKNOWN;
        const renamed: FrameColumn[] = [];
        for (const col of cols) {
          const to = v.entries.get(col.name);
          if (!to) renamed.push(col);
          else if (to.length === 1 && typeof to[0].value === 'string') renamed.push({ name: to[0].value, literal: to[0].node.type === 'string' ? to[0].node : null });
          else return UNKNOWN;
        }
        return { columns: renamed, index: base.index, container: null };
      }
      case 'drop': {
        const target = c.keywords.get('columns') ?? ((c.keywords.get('axis') && constantValue(m, c.keywords.get('axis')!) === 1) || constantValue(m, c.args[1] ?? null) === 1 ? c.keywords.get('labels') ?? c.args[0] : null);
        if (!target || !cols) return c.keywords.has('index') || (c.args[0] && !c.keywords.has('axis')) ? { ...base, container: null } : UNKNOWN;
        const v = constantValue(m, target);
        const names = typeof v === 'string' ? [v] : Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null;
        return names ? { columns: cols.filter((x) => !names.includes(x.name)), index: base.index, container: null } : UNKNOWN;
      }
      case 'assign': {
        if (!cols || c.args.length) return UNKNOWN;
        const out = [...cols];
        for (const k of c.keywords.keys()) if (!out.some((x) => x.name === k)) out.push({ name: k, literal: null });
        return { columns: out, index: base.index, container: null };
      }
      default:
        return UNKNOWN;
    }
  }

  /** Applies the statements between the binding of `name` and its read at `use` (same scope). */
  private mutations(base: FrameShape, name: string, bindingNode: Node, use: Node): FrameShape {
    const m = this.m;
    const scope = m.functionAt(use);
    const bindStmt = statementOf(bindingNode);
    const stmts = statementsBetween(m, scope, bindStmt.endIndex, statementOf(use).startIndex);
    let shape: FrameShape = { columns: base.columns ? [...base.columns] : null, index: base.index, container: base.container };
    for (const s of stmts) {
      if (s.type === 'function_definition' || s.type === 'class_definition') continue;
      if (!mentions(s, name)) continue;
      if (s.type !== 'expression_statement' && s.type !== 'delete_statement') {
        // a compound statement: its simple statements are visited on their own
        if (['if_statement', 'for_statement', 'while_statement', 'try_statement', 'with_statement', 'match_statement'].includes(s.type)) continue;
        return UNKNOWN;
      }
      const loop = this.enclosingConstantLoop(s, bindStmt);
      if (loop === undefined) {
        if (writesTo(s, name) || callsWith(m, s, name)) return UNKNOWN;
        continue;
      }
      const next = this.apply(shape, name, s, loop);
      if (!next) return UNKNOWN;
      shape = next;
    }
    return shape;
  }

  /**
   * Null when `s` runs unconditionally after the binding (only blocks and `with`s in between); the
   * loop and its constant names when `s` is inside `for c in [...]` / `enumerate([...])`; undefined
   * when it is conditional (if / while / try / another loop).
   */
  private enclosingConstantLoop(s: Node, bindStmt: Node): { target: string; names: string[] } | null | undefined {
    const stop = bindStmt.parent;
    let loop: { target: string; names: string[] } | null = null;
    for (let p = s.parent; p && p.id !== stop?.id; p = p.parent) {
      if (p.type === 'block' || p.type === 'with_statement') continue;
      if (p.type === 'for_statement' && !loop) {
        const left = p.childForFieldName('left');
        let right = p.childForFieldName('right');
        let target: Node | null = left;
        if (right?.type === 'call' && right.childForFieldName('function')?.text === 'enumerate' && left?.type === 'pattern_list' && left.namedChildren.length === 2) {
          target = left.namedChildren[1];
          right = right.childForFieldName('arguments')?.namedChildren[0] ?? null;
        }
        const v = right ? constantValue(this.m, right) : undefined;
        if (target?.type !== 'identifier' || !Array.isArray(v) || !v.every((x) => typeof x === 'string')) return undefined;
        loop = { target: target.text, names: v as string[] };
        continue;
      }
      return undefined;
    }
    return loop;
  }

  private apply(shape: FrameShape, name: string, s: Node, loop: { target: string; names: string[] } | null): FrameShape | null {
    const m = this.m;
    const cols = shape.columns;
    const inner = s.namedChildren[0];
    if (s.type === 'delete_statement') {
      const t = inner?.type === 'subscript' ? inner : null;
      const k = t && t.childForFieldName('value')?.text === name ? constantValue(m, t.childForFieldName('subscript')) : undefined;
      if (typeof k !== 'string' || !cols) return null;
      return { columns: cols.filter((c) => c.name !== k), index: shape.index, container: null };
    }
    if (inner?.type === 'assignment') {
      const left = inner.childForFieldName('left')!;
      if (left.type === 'subscript') {
        let obj = left.childForFieldName('value');
        let keyNode = left.childForFieldName('subscript');
        if (obj?.type === 'attribute' && obj.childForFieldName('object')?.text === name && /^(loc)$/.test(obj.childForFieldName('attribute')?.text ?? '')) {
          const parts = left.namedChildren.slice(1);
          if (parts.length !== 2) return null;
          keyNode = parts[1];
          obj = obj.childForFieldName('object');
        }
        if (obj?.type !== 'identifier' || obj.text !== name || !keyNode) return writesTo(s, name) ? null : shape;
        if (!cols) return null;
        let names: { name: string; literal: Node | null }[];
        if (loop && keyNode.type === 'identifier' && keyNode.text === loop.target) names = loop.names.map((n) => ({ name: n, literal: null }));
        else {
          if (loop && m.identifiersIn(keyNode).includes(loop.target)) return null;
          const k = constantValue(m, keyNode);
          if (typeof k === 'string') names = [{ name: k, literal: keyNode.type === 'string' ? keyNode : null }];
          else if (Array.isArray(k) && k.every((x) => typeof x === 'string')) names = (k as string[]).map((n) => ({ name: n, literal: null }));
          else return null;
        }
        const out = [...cols];
        for (const n of names) if (!out.some((c) => c.name === n.name)) out.push(n);
        return { columns: out, index: shape.index, container: out.length === cols.length ? shape.container : null };
      }
      if (left.type === 'attribute' && left.childForFieldName('object')?.text === name) {
        if (left.childForFieldName('attribute')?.text !== 'columns') return null;
        const cl = this.columnList(inner.childForFieldName('right')!);
        const right = inner.childForFieldName('right')!;
        return cl ? { columns: cl, index: shape.index, container: right.type === 'list' ? right : null } : null;
      }
      return writesTo(s, name) ? null : shape;
    }
    if (inner?.type === 'call') {
      const c = m.callAt(inner);
      if (!c) return null;
      if (c.receiver?.type === 'identifier' && c.receiver.text === name) {
        if (c.method === 'insert') {
          const loc = constantValue(m, c.args[0] ?? c.keywords.get('loc') ?? null);
          const col = constantValue(m, c.args[1] ?? c.keywords.get('column') ?? null);
          if (typeof loc !== 'number' || typeof col !== 'string' || !cols) return null;
          const out = [...cols];
          out.splice(loc, 0, { name: col, literal: c.args[1]?.type === 'string' ? c.args[1] : null });
          return { columns: out, index: shape.index, container: null };
        }
        if (c.method === 'pop') {
          const col = constantValue(m, c.args[0] ?? null);
          if (typeof col !== 'string' || !cols) return null;
          return { columns: cols.filter((x) => x.name !== col), index: shape.index, container: null };
        }
        if (c.keywords.get('inplace')?.type === 'true') {
          const copy = { ...c, keywords: new Map([...c.keywords].filter(([k]) => k !== 'inplace')) };
          const r = this.method(copy, shape);
          return r.columns === null && shape.columns !== null ? null : r;
        }
        if (/^(to_csv|to_parquet|head|tail|describe|info|sample|copy|sort_values|fillna|isna|isnull|notna|any|all|sum|mean|nunique|value_counts)$/.test(c.method ?? '')) return shape;
        return null;
      }
      return callsWith(m, inner, name) ? null : shape;
    }
    return writesTo(s, name) || callsWith(m, s, name) ? null : shape;
  }
}

function statementOf(node: Node): Node {
  let n: Node = node;
  while (n.parent && n.parent.type !== 'block' && n.parent.type !== 'module') n = n.parent;
  return n;
}

function mentions(n: Node, name: string): boolean {
  if (n.type === 'identifier') return n.text === name;
  // attribute and keyword names (`x.name`, `f(name=1)`) name no variable
  if (n.type === 'attribute' || n.type === 'keyword_argument') {
    const read = n.childForFieldName(n.type === 'attribute' ? 'object' : 'value');
    return read !== null && mentions(read, name);
  }
  for (const c of n.namedChildren) if (mentions(c, name)) return true;
  return false;
}

/** Does the statement assign to `name`, an attribute or an item of it? */
function writesTo(s: Node, name: string): boolean {
  let found = false;
  const visit = (n: Node) => {
    if (found) return;
    if (n.type === 'assignment' || n.type === 'augmented_assignment') {
      const left = n.childForFieldName('left');
      if (left && rootName(left) === name) found = true;
    }
    for (const c of n.namedChildren) visit(c);
  };
  visit(s);
  return found;
}

function rootName(n: Node): string | null {
  let x: Node | null = n;
  while (x && (x.type === 'attribute' || x.type === 'subscript')) x = x.childForFieldName('object') ?? x.childForFieldName('value');
  return x?.type === 'identifier' ? x.text : null;
}

/** Is `name` passed to one of the file's own functions (which may change it) in `s`? */
function callsWith(m: PythonModel, s: Node, name: string): boolean {
  return m.calls.some(
    (c) => isWithin(c.node, s) && m.calleesOf(c).length > 0 && [...c.args, ...c.keywords.values()].some((a) => a.type === 'identifier' && a.text === name),
  );
}
