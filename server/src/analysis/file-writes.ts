/**
 * Files a script writes and reads, decided by what the code does: the path strings a call
 * receives, read through variables, parameters, `os.path.join`, `Path(...) / "..."` and f-strings
 * (never by the name of a variable). A submission file is a written path whose file name says so
 * (`submission.csv`, `submission_fold0.csv`, `{OUT}/submission.csv`), by the same test as the
 * submission-format rules use (`isSubmissionPath` of submissions.ts, which follows the written
 * DataFrame's columns for TG901 / TG902); this module covers every kind of write (`to_csv`,
 * `open(..., "w")`, `np.savetxt`, `shutil.copy`), whether the file is checked afterwards, and which
 * values come from the test set (a path naming test data, followed through the file's bindings and
 * calls) and which calls predict on it. Used by TG231 (submission never verified) and TG232 (test
 * predictions never written).
 */
import type { Node } from './parser';
import type { Binding, CallSite, FunctionInfo, PythonModel } from './model';
import { stringTemplate, stringValue } from './model';
import { pathTemplates, scriptConstant, sources } from './config-values';
import { nodesOfType, once } from './memo';
import { isSubmissionPath } from './submissions';
import { firstStartingAt } from './sorted';
import * as K from './knowledge';

const MAX_VALUES = 16;

/** The strings a path expression may evaluate to (unknown parts written `*`); `unknown` when some part cannot be read. */
export interface PathValues {
  values: string[];
  unknown: boolean;
}

const UNKNOWN: PathValues = { values: [], unknown: true };

/**
 * The paths an expression may be, by the one constant resolver (`pathTemplates` of config-values:
 * constants, config classes and dicts, argparse defaults, f-strings, `%`, `.format()`,
 * `os.path.join`, `Path /`), unknown parts written `*`: `os.path.join(out_dir, "submission.csv")`
 * with `out_dir` unknown still names submission.csv (`*` then `/submission.csv`).
 */
export function pathValues(m: PythonModel, node: Node | null): PathValues {
  const t = pathTemplates(m, node);
  if (!t) return UNKNOWN;
  const values = t.slice(0, MAX_VALUES);
  return { values, unknown: values.some((v) => v.includes('*')) };
}

/** The last path segment of a path string. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter((s) => s.length);
  return parts[parts.length - 1] ?? '';
}

/** `submission.csv`, `submission_fold0.csv`, `final_submission.csv`: a path that names a submission CSV (not `sample_submission.csv`). */
export function isSubmissionName(path: string): boolean {
  return isSubmissionPath(path);
}

export type WriteKind = 'to_csv' | 'write_csv' | 'savetxt' | 'open' | 'copy' | 'write_text';

/** A call that writes a file. */
export interface FileWrite {
  call: CallSite;
  kind: WriteKind;
  /** The path expression. */
  path: Node;
  paths: PathValues;
  /** Some possible path names a submission CSV. */
  submission: boolean;
}

const writesCache = new WeakMap<PythonModel, FileWrite[]>();

/** Every file write in the file whose path argument is present (`df.to_csv(path)`, `open(path, "w")`, `np.savetxt`, `shutil.copy(src, dst)`). */
export function fileWrites(m: PythonModel): FileWrite[] {
  return once(writesCache, m, () => {
    const out: FileWrite[] = [];
    for (const c of m.calls) {
      const w = writeOf(m, c);
      if (!w) continue;
      const paths = pathValues(m, w.path);
      const submission = paths.values.some(isSubmissionName) || (w.kind === 'to_csv' && !!c.receiver && builtOnSampleSubmission(m, c.receiver, 0));
      out.push({ call: c, kind: w.kind, path: w.path, paths, submission });
    }
    return out;
  });
}

/**
 * Is the frame `expr` the competition's sample submission read and filled in (`sub =
 * pd.read_csv(<.../sample_submission.csv>)`, `sub[TARGET] = preds`, `sub.to_csv(out)`)? Its CSV is
 * the submission whatever the output file is called (`Path(OUT) / f"{stamp}-{models}.csv"`).
 * Followed through bindings and methods on the frame (`.copy()`, `.merge(...)`, `.loc[...]`).
 */
function builtOnSampleSubmission(m: PythonModel, expr: Node | null, depth: number): boolean {
  if (!expr || depth > 6) return false;
  switch (expr.type) {
    case 'identifier':
      return sources(m, expr).some((s) => s.node.id !== expr.id && builtOnSampleSubmission(m, s.node, depth + 1));
    case 'subscript':
      return builtOnSampleSubmission(m, expr.childForFieldName('value'), depth + 1);
    case 'parenthesized_expression':
      return builtOnSampleSubmission(m, expr.namedChildren[0] ?? null, depth + 1);
    case 'attribute':
      return /^(loc|iloc)$/.test(expr.childForFieldName('attribute')?.text ?? '') && builtOnSampleSubmission(m, expr.childForFieldName('object'), depth + 1);
    case 'call': {
      const c = m.callAt(expr);
      if (!c) return false;
      if (c.qualified === 'pandas.read_csv' || c.qualified === 'polars.read_csv') {
        const t = pathTemplates(m, c.args[0] ?? c.keywords.get('filepath_or_buffer') ?? null) ?? [];
        return t.some((v) => /sample_?submission/i.test(baseName(v)));
      }
      if (c.method && c.receiver && !c.qualified) return builtOnSampleSubmission(m, c.receiver, depth + 1);
      return false;
    }
    default:
      return false;
  }
}

export function submissionWrites(m: PythonModel): FileWrite[] {
  return fileWrites(m).filter((w) => w.submission);
}

/** Is `c` the builtin `open` (not shadowed by a local binding)? */
export function isBuiltinOpen(m: PythonModel, c: CallSite): boolean {
  if (c.qualified === 'io.open' || c.qualified === 'builtins.open') return true;
  return c.callee.type === 'identifier' && c.callee.text === 'open' && !m.bindingsIn('open', c.fn).length && !m.imports.has('open');
}

/** The mode an `open(...)` call uses ("r" when absent), or null when it cannot be read. */
export function openMode(m: PythonModel, c: CallSite): string | null {
  const mode = c.keywords.get('mode') ?? c.args[1] ?? null;
  if (!mode) return 'r';
  const v = scriptConstant(m, mode);
  return typeof v === 'string' ? v : null;
}

function writeOf(m: PythonModel, c: CallSite): { kind: WriteKind; path: Node } | null {
  const first = (kw: string) => c.args[0] ?? c.keywords.get(kw) ?? null;
  if (c.method === 'to_csv' && c.receiver) {
    const p = first('path_or_buf');
    return p ? { kind: 'to_csv', path: p } : null;
  }
  if (c.method === 'write_csv' && c.receiver) {
    const p = first('file');
    return p ? { kind: 'write_csv', path: p } : null;
  }
  if ((c.method === 'write_text' || c.method === 'write_bytes') && c.receiver) return { kind: 'write_text', path: c.receiver };
  if (c.qualified === 'numpy.savetxt') {
    const p = first('fname');
    return p ? { kind: 'savetxt', path: p } : null;
  }
  if (c.qualified && /^(shutil\.(copy|copy2|copyfile|move)|os\.(rename|replace))$/.test(c.qualified)) {
    const p = c.args[1] ?? c.keywords.get('dst') ?? null;
    return p ? { kind: 'copy', path: p } : null;
  }
  if (isBuiltinOpen(m, c)) {
    const mode = openMode(m, c);
    const p = first('file');
    if (!p || mode === null || !/[wax]/.test(mode)) return null;
    return { kind: 'open', path: p };
  }
  return null;
}

/** Calls that check a file on disk: exists / size / read back. */
const PATH_CHECKS = /^(os\.path\.(exists|isfile|getsize)|os\.stat|pandas\.read_csv|numpy\.(loadtxt|genfromtxt)|polars\.read_csv|csv\.reader)$/;
const PATH_METHOD_CHECKS = /^(exists|is_file|stat|read_text|read_bytes)$/;
/** Checks on the written DataFrame itself. */
const FRAME_CHECKS = /^(isnull|isna|notnull|notna|describe|info|count)$/;
const FRAME_FN_CHECKS = /^(numpy\.(isinf|isnan|isfinite|all|any)|len)$/;

/** Libraries whose functions are known (anything else imported may verify the file). */
const KNOWN_LIBS = new Set('os shutil pathlib glob json csv pickle joblib numpy pandas polars torch timm torchvision sklearn math time random gc sys tensorflow keras transformers lightgbm xgboost catboost scipy PIL cv2 zipfile subprocess logging warnings tqdm'.split(' '));

/** Is `c` after `w` on the way the script runs (later in the same function, or in another function)? */
function after(w: FileWrite, c: CallSite): boolean {
  return c.fn !== w.call.fn || c.node.startIndex >= w.call.node.endIndex;
}

const shapeCache = new WeakMap<PythonModel, Node[]>();

/** The attributes `x.shape` of the file, in source order (once per model). */
function shapeReads(m: PythonModel): Node[] {
  return once(shapeCache, m, () => nodesOfType(m, 'attribute').filter((a) => a.childForFieldName('attribute')?.text === 'shape'));
}

const candidatesCache = new WeakMap<PythonModel, CallSite[]>();

/**
 * The calls `isVerified` can accept for some write, in the order of `m.calls` (once per model, not a
 * scan of every call per write): a call none of its tests can accept is passed over there without
 * resolving anything, so the constant resolver is asked the same questions in the same order.
 */
function checkCandidates(m: PythonModel): CallSite[] {
  return once(candidatesCache, m, () =>
    m.calls.filter((c) => {
      const q = c.qualified ?? '';
      return (
        PATH_CHECKS.test(q) ||
        isBuiltinOpen(m, c) ||
        (!!c.method && (PATH_METHOD_CHECKS.test(c.method) || FRAME_CHECKS.test(c.method))) ||
        FRAME_FN_CHECKS.test(q || c.callee.text) ||
        isOpaque(c)
      );
    }),
  );
}

/**
 * Is the submission written by `w` checked afterwards: the file tested or read back (`os.path.exists`,
 * `pd.read_csv`, `Path.exists`), the written frame checked (`isnull`, `shape`, `len`, `np.isinf`),
 * or either handed to a function Train Guard cannot see?
 */
export function isVerified(m: PythonModel, w: FileWrite): boolean {
  const frame = w.kind === 'to_csv' && w.call.receiver?.type === 'identifier' ? w.call.receiver.text : null;
  for (const c of checkCandidates(m)) {
    if (c === w.call || !after(w, c)) continue;
    const q = c.qualified ?? '';
    const firstArg = c.args[0] ?? null;
    if (PATH_CHECKS.test(q) && firstArg && checksPath(m, firstArg, w)) return true;
    if (isBuiltinOpen(m, c) && firstArg && !/[wax]/.test(openMode(m, c) ?? 'w') && checksPath(m, firstArg, w)) return true;
    if (c.method && PATH_METHOD_CHECKS.test(c.method) && c.receiver && checksPath(m, c.receiver, w)) return true;
    if (frame && sameName(m, c.receiver, frame, w) && c.method && FRAME_CHECKS.test(c.method)) return true;
    if (frame && FRAME_FN_CHECKS.test(q || c.callee.text) && c.args.some((a) => m.identifiersIn(a).includes(frame) && sameName(m, firstIdentifier(a, frame), frame, w))) return true;
    if (isOpaque(c) && c.args.some((a) => pathValues(m, a).values.some(isSubmissionName) || (frame !== null && a.type === 'identifier' && sameName(m, a, frame, w)))) return true;
  }
  if (frame) {
    // `sub.shape`, `assert ... sub ...` after the write
    // (the `.shape` reads and asserts starting after the write: binary searches in lists in source order)
    const shapes = shapeReads(m);
    for (let i = firstStartingAt(shapes, w.call.node.endIndex); i < shapes.length; i++) {
      const obj = shapes[i].childForFieldName('object');
      if (obj?.type === 'identifier' && sameName(m, obj, frame, w)) return true;
    }
    const asserts = nodesOfType(m, 'assert_statement');
    for (let i = firstStartingAt(asserts, w.call.node.endIndex); i < asserts.length; i++) {
      if (m.identifiersIn(asserts[i]).includes(frame)) return true;
    }
  }
  return false;
}

/**
 * Does a check read the written file: a path naming a submission, or (a submission known by its
 * frame, under any name) the same path expression or a path with one of the write's known values.
 */
function checksPath(m: PythonModel, p: Node, w: FileWrite): boolean {
  const values = pathValues(m, p).values;
  if (values.some(isSubmissionName)) return true;
  if (p.text === w.path.text && m.functionAt(p) === w.call.fn) return true;
  return values.some((v) => !v.includes('*') && w.paths.values.includes(v));
}

function firstIdentifier(n: Node, name: string): Node | null {
  if (n.type === 'identifier' && n.text === name) return n;
  for (const c of n.namedChildren) {
    const hit = firstIdentifier(c, name);
    if (hit) return hit;
  }
  return null;
}

/** Does `node` (an identifier) name the same variable as the receiver of the write? */
function sameName(m: PythonModel, node: Node | null, name: string, w: FileWrite): boolean {
  return !!node && node.type === 'identifier' && node.text === name && m.functionAt(node) === w.call.fn;
}

function isOpaque(c: CallSite): boolean {
  const q = c.qualified;
  if (!q || q.startsWith('<local')) return false;
  return q.startsWith('.') || !KNOWN_LIBS.has(q.split('.')[0]);
}

/**
 * A write that repairs a submission read back just before (`df = pd.read_csv(P); df = df.fillna(0.5);
 * df.to_csv(P)`): part of a verification, not a new submission to verify.
 */
export function isRepairWrite(m: PythonModel, w: FileWrite): boolean {
  // the calls of the write's own function (not every call of the file, for every write)
  return (w.call.fn ? w.call.fn.calls : m.moduleCalls).some(
    (c) => c.node.endIndex <= w.call.node.startIndex && /^(pandas|polars)\.read_csv$/.test(c.qualified ?? '') && !!c.args[0] && pathValues(m, c.args[0]).values.some(isSubmissionName),
  );
}

// -------------------------------------------------------------------------------------------------
// The test set

/**
 * A path (or path part) that names test data: `test.csv`, `.../test/...`, `test_images`. (Not
 * `sample_submission.csv`: training scripts read it for the class names, and the taint would
 * follow those into every model.)
 */
export function namesTestData(path: string, pathContext: boolean): boolean {
  const segments = path.split(/[\\/]/).filter((s) => s.length);
  const isPath = segments.length > 1 || /\.\w{2,8}$/.test(path) || pathContext;
  if (!isPath) return false;
  return segments.some(
    (s) =>
      /^test([_-]?(images?|imgs?|data|set|files|dir|folder|videos?|audio))?$/i.test(s) ||
      /^test[\w-]*\.(csv|parquet|feather|json|jsonl|tsv|pkl|pickle|npy|npz|zip|h5|hdf5|txt|tfrec|tfrecords)$/i.test(s),
  );
}

/** Calls whose string arguments are path parts (`os.path.join(DATA, "test")`, `Path(root) / "test"`). */
const PATH_BUILDERS = /^(os\.path\.join|posixpath\.join|pathlib\.\w*Path|glob\.glob|glob\.iglob|os\.listdir|os\.scandir|os\.walk)$/;

interface TaintFacts {
  strings: Node[];
  bindings: Set<Binding>;
  /** Is a test string inside this expression? */
  holdsString: (e: Node) => boolean;
}

const taintCache = new WeakMap<PythonModel, TaintFacts>();

/** Rounds of the taint's fixed point (a longer chain of bindings is not followed). */
const TAINT_ROUNDS = 12;

/** Test-data strings and the bindings whose value comes from them (a fixed point over the file's bindings and calls). */
function taint(m: PythonModel): TaintFacts {
  return once(taintCache, m, () => {
    const strings = nodesOfType(m, 'string').filter((s) => {
      const v = stringValue(s) ?? stringTemplate(s);
      if (v === null) return false;
      const parent = s.parent;
      const ctx =
        (parent?.type === 'binary_operator' && parent.childForFieldName('operator')?.text === '/') ||
        (parent?.type === 'argument_list' && PATH_BUILDERS.test(m.callAt(parent.parent!)?.qualified ?? ''));
      return namesTestData(v, ctx);
    });
    // is a test string inside this expression? (strings are in source order: a binary search)
    const holdsString = (e: Node) => {
      for (let i = firstStartingAt(strings, e.startIndex); i < strings.length && strings[i].startIndex <= e.endIndex; i++) if (strings[i].endIndex <= e.endIndex) return true;
      return false;
    };
    // What each binding reads (test strings directly, or other bindings), in the order of
    // `m.bindings`: binding i is `readers[i]`; `users` maps a binding to the readers that read it.
    const readers: Binding[] = [];
    const direct: boolean[] = [];
    const position = new Map<Binding, number>();
    const reads: (readonly Binding[])[][] = [];
    for (const bs of m.bindings.values()) {
      for (const b of bs) {
        let refs: (readonly Binding[])[];
        if (b.kind === 'param' && b.fn) {
          const args = m.argumentsFor(b.fn, b.name);
          direct.push(args.some(holdsString));
          refs = [];
          for (const a of args) refsInto(m, a, refs);
        } else if (b.value && b.kind !== 'import' && b.kind !== 'def' && b.kind !== 'class') {
          direct.push(holdsString(b.value));
          refs = [];
          refsInto(m, b.value, refs);
        } else continue;
        position.set(b, readers.length);
        readers.push(b);
        reads.push(refs);
      }
    }
    const users: number[][] = readers.map(() => []);
    reads.forEach((groups, i) => {
      for (const g of groups) for (const x of g) {
        const j = position.get(x);
        if (j !== undefined) users[j].push(i);
      }
    });
    // The fixed point was computed in rounds over the readers in order, a reader tainted as soon as
    // a binding it reads was (earlier in the same round, or in an earlier round), for at most
    // TAINT_ROUNDS rounds. The round a reader is tainted in is the shortest path to it from the
    // direct readers, an edge x -> b costing 0 when x comes before b and 1 otherwise: found level
    // by level here, each edge looked at once, with the same result.
    const NEVER = TAINT_ROUNDS;
    const round = new Array<number>(readers.length).fill(NEVER);
    let frontier: number[] = [];
    direct.forEach((d, i) => {
      if (d) {
        round[i] = 0;
        frontier.push(i);
      }
    });
    for (let r = 0; r < TAINT_ROUNDS && frontier.length; r++) {
      const level: number[] = [];
      const stack = frontier;
      while (stack.length) {
        const x = stack.pop()!;
        level.push(x);
        for (const b of users[x]) {
          if (round[b] === NEVER && x < b) {
            round[b] = r;
            stack.push(b);
          }
        }
      }
      const next: number[] = [];
      for (const x of level) {
        for (const b of users[x]) {
          if (round[b] === NEVER) {
            round[b] = r + 1;
            next.push(b);
          }
        }
      }
      frontier = next;
    }
    const tainted = new Set<Binding>();
    readers.forEach((b, i) => {
      if (round[i] < TAINT_ROUNDS) tainted.add(b);
    });
    return { strings, bindings: tainted, holdsString };
  });
}

/**
 * The bindings the identifiers (and `self.x` attributes) of `expr` may read, as the lists the model
 * gives for each name (pushed to `out`, not copied).
 */
function refsInto(m: PythonModel, expr: Node, out: (readonly Binding[])[]): void {
  // over the syntax arrays by index: only the identifiers read become node objects (this walks the
  // value of every binding of the file)
  const t = m.syntax;
  const fields = t.fieldIds;
  const OBJECT = fields.get('object') ?? -1;
  const ATTRIBUTE = fields.get('attribute') ?? -1;
  const VALUE = fields.get('value') ?? -1;
  const field = (i: number, id: number) => {
    for (let c = t.firstChild(i); c > 0; c = t.next[c]) if (t.field[c] === id) return c;
    return -1;
  };
  const walk = (i: number) => {
    const type = t.typeOf(i);
    if (type === 'identifier') {
      const n = t.node(i);
      const bs = m.bindingsIn(n.text, m.functionAt(n));
      if (bs.length) out.push(bs);
      return;
    }
    if (type === 'attribute') {
      const obj = field(i, OBJECT);
      const attr = field(i, ATTRIBUTE);
      if (obj >= 0 && attr >= 0 && t.typeOf(obj) === 'identifier' && t.node(obj).text === 'self') {
        const bs = m.bindings.get(`self.${t.node(attr).text}`);
        if (bs?.length) out.push(bs);
      }
      if (obj >= 0) walk(obj);
      return;
    }
    if (type === 'keyword_argument') {
      const v = field(i, VALUE);
      if (v >= 0) walk(v);
      return;
    }
    if (type === 'lambda' || type === 'function_definition') return;
    for (let c = t.firstChild(i); c > 0; c = t.next[c]) if (t.named[c]) walk(c);
  };
  walk(expr.index);
}

/** Does `expr` read test data (a test path, or a name bound from one)? */
export function readsTestData(m: PythonModel, expr: Node): boolean {
  const t = taint(m);
  if (t.holdsString(expr)) return true;
  const groups: (readonly Binding[])[] = [];
  refsInto(m, expr, groups);
  return groups.some((g) => g.some((b) => t.bindings.has(b)));
}

const PREDICT_METHODS = /^(predict|predict_proba|predict_on_batch|get_preds|tta|inference|generate)$/;

/**
 * Calls that predict on the test set: a forward pass or a `.predict*()` / `get_preds()` whose input
 * (or the loop it runs in) reads test data, outside the hand-written training loops.
 */
export function testPredictions(m: PythonModel): CallSite[] {
  const inTraining = new Set<CallSite>();
  for (const loop of m.trainingLoops().keys()) for (const c of m.reachableFromLoop(loop)) inTraining.add(c);
  const out: CallSite[] = [];
  for (const c of m.calls) {
    if (inTraining.has(c)) continue;
    const predicts = (c.method !== null && PREDICT_METHODS.test(c.method) && !!c.receiver) || m.isModelCall(c) || ownFunctionPredicts(m, c);
    if (!predicts) continue;
    const inputs = [...c.args, ...c.keywords.values()];
    if (inputs.some((a) => readsTestData(m, a)) || c.loops.some((l) => !!l.iter && readsTestData(m, l.iter))) out.push(c);
  }
  return out;
}

/**
 * A call of the file's own function that predicts, directly or through the functions it calls (a
 * forward pass or a `.predict*()` in its body) and does not train: `predict_loader(test_loader, model)`.
 * Its test-data arguments make it a prediction on the test set.
 */
function ownFunctionPredicts(m: PythonModel, c: CallSite): boolean {
  const fns = m.calleesOf(c);
  if (!fns.length) return false;
  let known = PREDICTING_FNS.get(m);
  if (!known) PREDICTING_FNS.set(m, (known = new Map()));
  return fns.some((f) => {
    let r = known!.get(f);
    if (r === undefined) {
      const reach = m.reachableFromFunction(f);
      // a function that trains (`train(model, train_dl, test_dl, ...)`) evaluates on its held-out data, not the test set
      r = !reach.some((x) => m.isTrainingStep(x) || m.isDelegatedStep(x)) && reach.some((x) => m.isModelCall(x) || evalModeCall(x) || (x.method !== null && PREDICT_METHODS.test(x.method) && !!x.receiver && !m.calleesOf(x).length));
      known!.set(f, r);
    }
    return r;
  });
}

const PREDICTING_FNS = new WeakMap<PythonModel, Map<FunctionInfo, boolean>>();

/** `net(x)` where the same function puts `net` in eval mode (`net.eval()`, `net = net.eval()`): a forward pass of a module of unknown origin. */
function evalModeCall(x: CallSite): boolean {
  if (x.callee.type !== 'identifier' || !x.fn) return false;
  const name = x.callee.text;
  return x.fn.calls.some((e) => e.method === 'eval' && e.receiver?.type === 'identifier' && e.receiver.text === name && e.node.startIndex < x.node.startIndex);
}

/** Calls into code Train Guard cannot see that receive test-derived values (they may write the submission). */
export function opaqueCallsWithTestData(m: PythonModel): CallSite[] {
  return m.calls.filter((c) => isOpaque(c) && !isDatasetConstruction(m, c) && [...c.args, ...c.keywords.values()].some((a) => readsTestData(m, a)));
}

/**
 * A call whose value becomes a DataLoader's dataset (`DataLoader(Ds(test_df), ...)`, or bound to a
 * name handed to one in the same function): a dataset, which serves items and writes no file.
 */
function isDatasetConstruction(m: PythonModel, c: CallSite): boolean {
  const isLoader = (x: CallSite | undefined) => !!x?.qualified && K.DATALOADER.has(x.qualified);
  const holder = c.node.parent?.type === 'argument_list' ? c.node.parent.parent : c.node.parent?.type === 'keyword_argument' ? c.node.parent.parent?.parent : null;
  if (holder?.type === 'call' && isLoader(m.callAt(holder))) {
    const lc = m.callAt(holder)!;
    return lc.args[0]?.id === c.node.id || lc.keywords.get('dataset')?.id === c.node.id;
  }
  const parent = c.node.parent;
  const left = parent?.type === 'assignment' && parent.childForFieldName('right')?.id === c.node.id ? parent.childForFieldName('left') : null;
  if (left?.type !== 'identifier') return false;
  return (c.fn ? c.fn.calls : m.moduleCalls).some((x) => {
    if (!isLoader(x)) return false;
    const ds = x.args[0] ?? x.keywords.get('dataset');
    return ds?.type === 'identifier' && ds.text === left.text && ds.startIndex > c.node.startIndex;
  });
}
