/**
 * Train / validation splits: `train_test_split(...)`, a cross-validation splitter's `.split(...)`
 * (KFold, StratifiedKFold, GroupKFold, iterstrat's MultilabelStratifiedKFold...), the fold loops
 * that iterate it, the names bound to fold indices, and sklearn helpers that split internally
 * (`cross_val_score`, `cross_validate`, `cross_val_predict`).
 */
import type { Node } from './parser';
import type { Binding, CallSite, LoopInfo, PythonModel } from './model';
import { peelIterable } from './training';
import { sources } from './config-values';

const SPLITTER = /^(sklearn\.model_selection\.(_split\.)?(KFold|StratifiedKFold|GroupKFold|StratifiedGroupKFold|RepeatedKFold|RepeatedStratifiedKFold|ShuffleSplit|StratifiedShuffleSplit|GroupShuffleSplit|TimeSeriesSplit|LeaveOneOut|LeavePOut|LeaveOneGroupOut|LeavePGroupsOut|PredefinedSplit)|iterstrat\.ml_stratifiers\.(MultilabelStratifiedKFold|RepeatedMultilabelStratifiedKFold|MultilabelStratifiedShuffleSplit))$/;

export const SPLIT_FUNCTIONS = new Set(['sklearn.model_selection.train_test_split', 'sklearn.model_selection._split.train_test_split']);

/** sklearn helpers that split the data they are given into folds internally. */
export const CV_FUNCTIONS = new Set([
  'sklearn.model_selection.cross_val_score',
  'sklearn.model_selection.cross_validate',
  'sklearn.model_selection.cross_val_predict',
  'sklearn.model_selection.learning_curve',
  'sklearn.model_selection.validation_curve',
  'sklearn.model_selection.permutation_test_score',
]);

/** Is `q` a cross-validation splitter class? */
export function isSplitterClass(q: string | null): boolean {
  return !!q && SPLITTER.test(q);
}

/** `kf.split(X, y)` on a splitter (the splitter resolved through assignments, parameters, factories). */
export function isSplitCall(m: PythonModel, call: CallSite): boolean {
  if (call.method !== 'split' || !call.receiver) return false;
  if (call.receiver.type === 'call') return isSplitterClass(m.callAt(call.receiver)?.qualified ?? null);
  return sources(m, call.receiver).some((s) => s.node.type === 'call' && isSplitterClass(m.callAt(s.node)?.qualified ?? null));
}

/** The split call a loop iterates (`for fold, (tr, va) in enumerate(skf.split(X, y))`), or null. */
export function foldSplitOf(m: PythonModel, loop: LoopInfo): CallSite | null {
  if (loop.kind !== 'for') return null;
  const peeled = peelIterable(m, loop);
  if (!peeled) return null;
  for (const s of sources(m, peeled.loader)) {
    const c = s.node.type === 'call' ? m.callAt(s.node) : undefined;
    if (c && isSplitCall(m, c)) return c;
  }
  return null;
}

const FOLD_LOOPS = new WeakMap<PythonModel, LoopInfo[]>();

/** Loops over a splitter's folds. */
export function foldLoops(m: PythonModel): LoopInfo[] {
  let loops = FOLD_LOOPS.get(m);
  if (!loops) FOLD_LOOPS.set(m, (loops = m.loops.filter((l) => foldSplitOf(m, l) !== null)));
  return loops;
}

/** Is the identifier `name` (read at `at`) bound to fold indices by a fold loop's target? */
export function isFoldIndexName(m: PythonModel, name: string, at: Node): boolean {
  const targets = foldTargetBindings(m);
  if (!targets.size) return false;
  return m.bindingsIn(name, m.functionAt(at)).some((b) => b.kind === 'for' && targets.has(b));
}

const FOLD_TARGETS = new WeakMap<PythonModel, ReadonlySet<Binding>>();

/** The `for` bindings made by fold loops' targets (found once per file, not per name read). */
function foldTargetBindings(m: PythonModel): ReadonlySet<Binding> {
  let set = FOLD_TARGETS.get(m);
  if (!set) {
    const found = new Set<Binding>();
    for (const l of foldLoops(m)) {
      if (!l.targetNode) continue;
      for (const b of m.bindingsWithin(l.targetNode.startIndex, l.targetNode.endIndex)) if (b.kind === 'for') found.add(b);
    }
    FOLD_TARGETS.set(m, (set = found));
  }
  return set;
}
