/**
 * TG601 fit-before-split
 *
 * What it does: finds a data-dependent transformer (scalers, encoders such as OneHotEncoder /
 * OrdinalEncoder / TargetEncoder, imputers, text vectorizers, PCA / SVD, feature selectors,
 * category_encoders) fitted (`fit` / `fit_transform`) on data that has not been split yet, whose
 * output is then split: given to `train_test_split`, to a CV splitter's `.split(...)`, to
 * `cross_val_score` / `cross_validate` / `cross_val_predict`, or indexed with a fold's indices
 * (`X_scaled[tr_idx]`). The output is followed through names, DataFrame column writes
 * (`df[cols] = scaler.fit_transform(df[cols])`) and `transform` calls of the fitted object (also
 * chained: `StandardScaler().fit(X).transform(X)`, `fit` returns the estimator). Also: fitted on
 * all rows that a later `train_test_split` splits, then applied to the parts
 * (`bow.fit(df.text)`, split, `bow.transform(txt_tr)`). A fold column counts as a split: the frame cut
 * into complementary parts by one column compared with the held-out fold (`df[df.kfold != fold]` and
 * `df[df.kfold == fold]` in one function).
 * Why it is bad: the validation rows' statistics (means, vocabularies, categories, components)
 * leak into what the model trains on: the CV score is optimistic and the leaderboard score lower
 * than expected ("CV looks good, LB much worse"). Hints, section 6.
 * Example: `X = StandardScaler().fit_transform(X); X_tr, X_va, y_tr, y_va = train_test_split(X, y)`.
 * Fix: none automatic (the fit has to move after the split, into the fold): the finding points at
 * both lines.
 * Silent: a fit on the training part (`fit_transform(X_train)` after the split, `X[tr_idx]`), a fit
 * inside the fold loop, a `Pipeline` given to `cross_val_score` (fitted per fold), a `LabelEncoder`
 * / `LabelBinarizer` on the target (not leakage), stateless transforms (`HashingVectorizer`,
 * `PolynomialFeatures`, `FunctionTransformer`, `Normalizer`).
 */
import type { Node } from '../analysis/parser';
import type { CallSite, PythonModel } from '../analysis/model';
import { isWithin } from '../analysis/model';
import { sources } from '../analysis/config-values';
import { derivedTargets, derivesFrom } from '../analysis/derived';
import { nodesOfType } from '../analysis/node-index';
import { CV_FUNCTIONS, SPLIT_FUNCTIONS, foldLoops, isFoldIndexName, isSplitCall } from '../analysis/splits';
import { nodeRange, type Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG601',
    name: 'fit-before-split',
    severity: 'error',
    section: '6. Data leakage & CV/LB mismatch: preprocessing before split',
    summary: 'A scaler / encoder / imputer / vectorizer / PCA is fitted on the full data and its output is split afterwards (leakage)',
    fixable: false,
  },
  check(ctx) {
    const m = ctx.model;
    const transformers = m.calls.filter((c) => isLeakyTransformer(c.qualified));
    if (!transformers.length) return;
    const sinks = splitSinks(m);
    if (!sinks.length) return;
    const folds = foldLoops(m);
    // Per file, not per transformer: the fits and transforms of each transformer (in source order),
    // and, for each split input, every transformer output it is built from (one traversal per input).
    const tIds = new Set(transformers.map((t) => t.node.id));
    const fitsOf = instanceCalls(m, ['fit', 'fit_transform'], tIds);
    const transformsOf = instanceCalls(m, ['transform'], tIds);
    const candidates = new Set<number>();
    for (const list of [...fitsOf.values(), ...transformsOf.values()]) for (const c of list) candidates.add(c.node.id);
    const reached = new Map<Node, Set<number>>();
    const reachedBy = (i: Node) => {
      let r = reached.get(i);
      if (!r) reached.set(i, (r = derivedTargets(m, i, (n) => candidates.has(n.id))));
      return r;
    };
    for (const t of transformers) {
      const fits = fitsOf.get(t.node.id) ?? [];
      for (const fit of fits) {
        if (insideFold(m, fit, folds)) continue;
        const data = fit.args[0] ?? fit.keywords.get('X') ?? fit.keywords.get('raw_documents') ?? null;
        if (!data || fromSplit(m, data)) continue;
        // the transformer's outputs: fit_transform itself, and transform calls on the same object
        const outputs = new Set<number>();
        if (fit.method === 'fit_transform') outputs.add(fit.node.id);
        for (const c of transformsOf.get(t.node.id) ?? []) {
          if (c.args[0] && !fromSplit(m, c.args[0])) outputs.add(c.node.id);
        }
        let sink = outputs.size ? sinks.find((s) => s.inputs.some((i) => [...reachedBy(i)].some((id) => outputs.has(id)))) : undefined;
        // fitted on all rows, then applied to the parts a later split makes of those same rows
        // (`bow.fit(df.text)`, `train_test_split(df.text, ...)`, `bow.transform(part)`)
        const outputSplit = !!sink;
        if (!sink) sink = splitOfFittedRows(m, fit, data, sinks, transformsOf.get(t.node.id) ?? []);
        if (!sink) continue;
        const what = t.qualified!.replace(/^.*\./, '');
        const shape = outputSplit
          ? `is fitted on data that is not split yet, and its output is split at line ${sink.node.startPosition.row + 1} (${sink.kind})`
          : `is fitted on all rows, which are split at line ${sink.node.startPosition.row + 1} (${sink.kind}) and then transformed part by part`;
        ctx.report({
          node: fit.node,
          message: `${what} ${shape}: validation rows leak into the fitted statistics and the CV score is optimistic. Fit it on the training part only (inside the fold, after the split) and transform the validation part`,
          related: [{ range: nodeRange(sink.node), message: `the ${what} output is split here` }],
        });
        break;
      }
    }
  },
};

const STATELESS = /^(HashingVectorizer|PolynomialFeatures|FunctionTransformer|Normalizer|Binarizer|LabelEncoder|LabelBinarizer|MultiLabelBinarizer)$/;

function isLeakyTransformer(q: string | null): boolean {
  if (!q) return false;
  const name = q.replace(/^.*\./, '');
  if (STATELESS.test(name)) return false;
  return (
    /^sklearn\.preprocessing\.(_data\.|_encoders\.|_discretization\.|_target_encoder\.)?(StandardScaler|MinMaxScaler|RobustScaler|MaxAbsScaler|QuantileTransformer|PowerTransformer|OneHotEncoder|OrdinalEncoder|TargetEncoder|KBinsDiscretizer|SplineTransformer)$/.test(q) ||
    /^sklearn\.impute\.[A-Z]\w*Imputer$/.test(q) ||
    /^sklearn\.feature_extraction\.text\.(TfidfVectorizer|CountVectorizer|TfidfTransformer)$/.test(q) ||
    /^sklearn\.decomposition\.[A-Z]\w*$/.test(q) ||
    /^sklearn\.feature_selection\.[A-Z]\w*$/.test(q) ||
    /^category_encoders\.[A-Z]\w*$/.test(q)
  );
}

/**
 * The split (after the fit) of the very rows the fit saw, when the fitted object then transforms a
 * part that split made: the statistics were learnt on rows that became validation.
 */
function splitOfFittedRows(m: PythonModel, fit: CallSite, data: Node, sinks: Sink[], transforms: CallSite[]): Sink | undefined {
  const root = rootOf(data);
  if (!root) return undefined;
  const origin = new Set([root.id, ...sources(m, root).map((s) => s.node.id)]);
  const appliedToParts = transforms.filter((c) => c.node.startIndex > fit.node.endIndex && !!c.args[0] && fromSplit(m, c.args[0]));
  if (!appliedToParts.length) return undefined;
  return sinks.find(
    (s) =>
      s.node.startIndex > fit.node.endIndex &&
      s.kind === 'train_test_split' &&
      appliedToParts.some((c) => c.node.startIndex > s.node.endIndex) &&
      s.inputs.some((i) => {
        const r = rootOf(i);
        return !!r && (origin.has(r.id) || sources(m, r).some((x) => origin.has(x.node.id)));
      }),
  );
}

/** The variable an expression reads rows of (`df` of `df["text"]`, `df.text`, `df.iloc[:, 1]`). */
function rootOf(n: Node): Node | null {
  let x: Node | null = n;
  while (x && (x.type === 'subscript' || x.type === 'attribute')) x = x.childForFieldName('value') ?? x.childForFieldName('object');
  return x?.type === 'identifier' ? x : null;
}

/**
 * The receiver with `.fit(...)` peeled: sklearn's `fit` returns the estimator itself, so
 * `StandardScaler().fit(X).transform(X)` transforms with that scaler.
 */
function peelFit(m: PythonModel, n: Node): Node {
  let x = n;
  for (let i = 0; i < 4 && x.type === 'call'; i++) {
    const c = m.callAt(x);
    if (!c || c.method !== 'fit' || !c.receiver) break;
    x = c.receiver;
  }
  return x;
}

/**
 * Transformer id -> the calls `x.method(...)` (for the given methods) whose receiver is that
 * transformer or a value coming from it (also through `.fit(...)`, which returns it), in source order.
 */
function instanceCalls(m: PythonModel, methods: string[], transformers: ReadonlySet<number>): Map<number, CallSite[]> {
  const out = new Map<number, CallSite[]>();
  for (const c of m.calls) {
    if (!c.method || !methods.includes(c.method) || !c.receiver) continue;
    const receiver = peelFit(m, c.receiver);
    const ids = new Set([receiver.id, ...sources(m, receiver).flatMap((s) => {
      const peeled = peelFit(m, s.node);
      return peeled.id === s.node.id ? [s.node.id] : [s.node.id, peeled.id, ...sources(m, peeled).map((p) => p.node.id)];
    })]);
    for (const id of ids) {
      if (!transformers.has(id)) continue;
      const list = out.get(id);
      if (list) list.push(c);
      else out.set(id, [c]);
    }
  }
  return out;
}

/** Is the fit run inside a fold loop (lexically, or in a function called from one)? */
function insideFold(m: PythonModel, fit: CallSite, folds: ReturnType<typeof foldLoops>): boolean {
  if (folds.some((l) => l.fn === fit.fn && isWithin(fit.node, l.body))) return true;
  let fns = fit.fn ? [fit.fn] : [];
  for (let depth = 0; depth < 4 && fns.length; depth++) {
    const next = [];
    for (const f of fns) {
      for (const c of m.callersOf(f)) {
        if (folds.some((l) => l.fn === c.fn && isWithin(c.node, l.body))) return true;
        if (c.fn) next.push(c.fn);
      }
    }
    fns = next;
  }
  return false;
}

/** Is `expr` a part produced by a split (`train_test_split` results, rows at a fold's indices)? */
function fromSplit(m: PythonModel, expr: Node): boolean {
  let known = FROM_SPLIT.get(m);
  if (!known) FROM_SPLIT.set(m, (known = new Map()));
  let r = known.get(expr.id);
  if (r === undefined) known.set(expr.id, (r = fromSplitUncached(m, expr)));
  return r;
}

const FROM_SPLIT = new WeakMap<PythonModel, Map<number, boolean>>();

function fromSplitUncached(m: PythonModel, expr: Node): boolean {
  return derivesFrom(m, expr, (n) => {
    if (n.type === 'call') {
      const c = m.callAt(n);
      return !!c && ((c.qualified !== null && SPLIT_FUNCTIONS.has(c.qualified)) || isSplitCall(m, c));
    }
    if (n.type === 'subscript') return foldIndexed(m, n);
    return false;
  });
}

/** `X[tr_idx]`, `df.iloc[va_idx]`, `X[tr_idx, :]`: rows at a fold's indices. */
function foldIndexed(m: PythonModel, sub: Node): boolean {
  const parts = sub.namedChildren.slice(1);
  return parts.some((p) => m.identifiersIn(p).some((id) => isFoldIndexName(m, id, sub)));
}

interface Sink {
  node: Node;
  kind: string;
  /** The expressions that get split. */
  inputs: Node[];
}

/** Where data gets split: split functions, splitters' `.split`, CV helpers, rows taken at fold indices. */
function splitSinks(m: PythonModel): Sink[] {
  const out: Sink[] = [];
  for (const c of m.calls) {
    const args = [...c.args, ...c.keywords.values()];
    if (c.qualified && SPLIT_FUNCTIONS.has(c.qualified)) out.push({ node: c.node, kind: 'train_test_split', inputs: args });
    else if (c.qualified && CV_FUNCTIONS.has(c.qualified)) out.push({ node: c.node, kind: c.qualified.replace(/^.*\./, ''), inputs: args.filter((a) => a !== (c.keywords.get('estimator') ?? c.args[0])) });
    else if (isSplitCall(m, c)) out.push({ node: c.node, kind: 'cross-validation split', inputs: c.args.slice(0, 1) });
  }
  for (const n of nodesOfType(m, 'subscript')) {
    if (!foldIndexed(m, n)) continue;
    let target = n.childForFieldName('value');
    if (target?.type === 'attribute' && /^(iloc|loc)$/.test(target.childForFieldName('attribute')?.text ?? '')) target = target.childForFieldName('object');
    if (target) out.push({ node: n, kind: 'fold indices', inputs: [target] });
  }
  out.push(...complementaryMasks(m));
  return out.sort((a, b) => a.node.startIndex - b.node.startIndex);
}

/** The values written into columns of `self.x` (`self.x[cols] = v`, `self.x.loc[:, c] = v`) anywhere in the file. */
function columnWritesInto(m: PythonModel, text: string): Node[] {
  const out: Node[] = [];
  for (const a of nodesOfType(m, 'assignment')) {
    let left = a.childForFieldName('left');
    const right = a.childForFieldName('right');
    if (left?.type !== 'subscript' || !right) continue;
    left = left.childForFieldName('value');
    if (left?.type === 'attribute' && /^(iloc|loc)$/.test(left.childForFieldName('attribute')?.text ?? '')) left = left.childForFieldName('object');
    if (left?.text === text) out.push(right);
  }
  return out;
}

/**
 * A frame cut into complementary parts by one column compared with one value, in one function:
 * `df[df.kfold != fold]` and `df[df.kfold == fold]` (also `.loc[...]`, `df["k"]`, the value on either
 * side). A fold column split: the training part and the validation part.
 */
function complementaryMasks(m: PythonModel): Sink[] {
  const seen = new Map<string, { node: Node; op: string; frame: Node }[]>();
  const out: Sink[] = [];
  for (const n of nodesOfType(m, 'subscript')) {
    let frame = n.childForFieldName('value');
    const mask = n.namedChildren.slice(1);
    if (mask.length !== 1 || mask[0].type !== 'comparison_operator') continue;
    if (frame?.type === 'attribute' && /^(iloc|loc)$/.test(frame.childForFieldName('attribute')?.text ?? '')) frame = frame.childForFieldName('object');
    // a name, or a frame kept on the instance (`self.data[self.data.kfold != self.fold]`)
    if (frame?.type !== 'identifier' && !(frame?.type === 'attribute' && frame.childForFieldName('object')?.text === 'self')) continue;
    const cmp = mask[0];
    const ops = cmp.children.filter((c) => !c.isNamed).map((c) => c.text);
    const sides = cmp.namedChildren;
    if (ops.length !== 1 || sides.length !== 2 || !['==', '!='].includes(ops[0])) continue;
    // one side reads a column of the same frame, the other is the value
    const column = (x: Node) => {
      const obj = x.type === 'subscript' ? x.childForFieldName('value') : x.type === 'attribute' ? x.childForFieldName('object') : null;
      return (obj?.type === 'identifier' || obj?.type === 'attribute') && obj.text === frame!.text;
    };
    const [a, b] = sides;
    const col = column(a) ? a : column(b) ? b : null;
    const val = col === a ? b : a;
    // the value is the fold being held out (a name), not a literal class (`df[df.y == 0]`, `df[df.y != 0]`)
    if (!col || column(val) || (val.type !== 'identifier' && val.type !== 'attribute')) continue;
    const fn = m.functionAt(n);
    const key = `${fn?.span.start ?? -1}|${frame.text}|${col.text}|${val.text}`;
    const list = seen.get(key) ?? [];
    const other = list.find((x) => x.op !== ops[0]);
    if (other) {
      // a parameter: the frames the file's call sites pass
      const passed = fn && frame.type === 'identifier' && m.bindingsIn(frame.text, fn).some((b) => b.kind === 'param' && b.fn === fn) ? m.argumentsFor(fn, frame.text) : [];
      // a frame kept on the instance: the values its columns were given (`self.data[cols] = sc.fit_transform(...)`)
      const kept = frame.type === 'attribute' ? columnWritesInto(m, frame.text) : [];
      out.push({ node: other.node.startIndex < n.startIndex ? other.node : n, kind: 'fold column', inputs: [frame, ...passed, ...kept] });
    }
    list.push({ node: n, op: ops[0], frame });
    seen.set(key, list);
  }
  return out;
}
