/**
 * TG501 label-encoder-not-saved
 *
 * What it does: in a script that trains (a hand-written training loop, a framework fit, or a
 * scikit-learn / LightGBM / XGBoost / CatBoost model fit), finds a `LabelEncoder` (any spelling:
 * `from sklearn.preprocessing import LabelEncoder as LE`, `preprocessing.LabelEncoder()`) that is
 * fitted (`fit`, `fit_transform`) and never persisted: no `pickle.dump` / `joblib.dump` /
 * `torch.save` / `json.dump` / `np.save` / `to_csv` of the encoder, of its `classes_`, or of anything
 * built from it (a dict of encoders, a checkpoint dict holding `le.classes_`, a mapping).
 * Why it is bad: the class <-> index mapping exists only in this process. When the run is killed
 * at the budget or predict.py is a separate script, predictions can no longer be turned back into
 * labels, or are decoded with a refitted encoder whose order differs: a submission of wrong labels.
 * Hints, section 5 ("Save for predict.py").
 * Example: `le = LabelEncoder(); df['label'] = le.fit_transform(df['label'])` and nothing saves `le`.
 * Fix: insert `pickle.dump(le, open('label_encoder.pkl', 'wb'))` right after the fit, same
 * indentation, adding `import pickle` once. Not offered for an encoder fitted inside a loop (one
 * file would be overwritten by each), an encoder without a name, or when `pickle` names something
 * else in the file.
 * Silent: an encoder persisted anywhere in the file; scripts that do not train.
 */
import type { Node } from '../analysis/parser';
import type { CallSite, PythonModel } from '../analysis/model';
import { stringValue } from '../analysis/model';
import { sources } from '../analysis/config-values';
import { derivedTargets } from '../analysis/derived';
import { nodesOfType } from '../analysis/node-index';
import { insertLinesAfter } from '../fixes/edits';
import { ensureModuleImport } from '../fixes/imports';
import type { Fix, Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG501',
    name: 'label-encoder-not-saved',
    severity: 'warning',
    section: '5. Label encoding errors',
    summary: 'A fitted LabelEncoder is never saved, so predictions cannot be decoded outside this run',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    const encoders = m.calls.filter((c) => LABEL_ENCODER.test(c.qualified ?? ''));
    if (!encoders.length || !trains(m)) return;
    const persists = m.calls.filter((c) => isPersisting(m, c));
    const fits = m.calls.filter((c) => (c.method === 'fit' || c.method === 'fit_transform') && c.receiver);
    // every encoder any persisted value is built from, in one traversal per argument (not one per
    // encoder): the encoder itself, its classes_, or anything holding them; encoded labels are not the mapping
    const encoderIds = new Set(encoders.map((e) => e.node.id));
    let saved: Set<number> | undefined;
    const savedEncoders = () => {
      if (!saved) {
        saved = new Set();
        for (const p of persists) {
          for (const a of [...p.args, ...p.keywords.values(), ...(p.receiver ? [p.receiver] : [])]) {
            for (const id of derivedTargets(m, a, (n) => encoderIds.has(n.id), isEncodedOutput)) saved.add(id);
          }
        }
      }
      return saved;
    };
    const unsaved: { encoder: CallSite; fit: CallSite }[] = [];
    for (const enc of encoders) {
      const fit = fits.find((c) => isEncoder(m, c.receiver!, enc));
      if (!fit) continue;
      if (!savedEncoders().has(enc.node.id)) unsaved.push({ encoder: enc, fit });
    }
    const names = new Set(unsaved.map((u) => (u.fit.receiver?.type === 'identifier' ? u.fit.receiver.text : '')));
    for (const { fit } of unsaved) {
      ctx.report({
        node: fit.node,
        message: 'This LabelEncoder is never saved: its class <-> index mapping dies with the process, so a separate predict.py (or a rerun after a killed job) cannot decode predictions. pickle.dump it (or np.save its classes_) right after fitting',
        fix: saveFix(m, fit, names.size > 1),
      });
    }
  },
};

const LABEL_ENCODER = /^sklearn\.preprocessing\.(_label\.)?LabelEncoder$/;

/** `le.transform(y)`, `le.fit_transform(y)`, `le.inverse_transform(p)`: codes or labels, not the mapping. */
function isEncodedOutput(n: Node): boolean {
  if (n.type !== 'call') return false;
  const f = n.childForFieldName('function');
  return f?.type === 'attribute' && /^(transform|fit_transform|inverse_transform)$/.test(f.childForFieldName('attribute')?.text ?? '');
}

function isEncoder(m: PythonModel, receiver: Node, enc: CallSite): boolean {
  if (receiver.id === enc.node.id) return true;
  return sources(m, receiver).some((s) => s.node.id === enc.node.id);
}

const PERSIST_CALLS = new Set([
  'pickle.dump',
  'pickle.dumps',
  'joblib.dump',
  'dill.dump',
  'cloudpickle.dump',
  'torch.save',
  'json.dump',
  'json.dumps',
  'numpy.save',
  'numpy.savez',
  'numpy.savez_compressed',
  'numpy.savetxt',
  'pandas.to_pickle',
  'yaml.dump',
  'yaml.safe_dump',
]);
const PERSIST_METHODS = new Set(['to_csv', 'to_json', 'to_pickle', 'to_parquet', 'write', 'write_text', 'write_bytes', 'dump', 'save']);

function isPersisting(m: PythonModel, c: CallSite): boolean {
  if (c.qualified && PERSIST_CALLS.has(c.qualified)) return true;
  return !!c.method && PERSIST_METHODS.has(c.method) && !m.calleesOf(c).length;
}

const ESTIMATOR = /^(sklearn\.(ensemble|linear_model|svm|tree|neighbors|naive_bayes|neural_network|gaussian_process|discriminant_analysis|kernel_ridge|pipeline)\.|lightgbm\.|xgboost\.|catboost\.)/;

/** Does the script train a model (hand-written loop, framework, or an estimator's fit / lgb.train)? */
export function trains(m: PythonModel): boolean {
  if (m.trainingLoops().size || m.frameworkLoops().length) return true;
  for (const c of m.calls) {
    if (c.qualified && /^(lightgbm|xgboost)\.(train|cv)$/.test(c.qualified)) return true;
    if ((c.method === 'fit' || c.method === 'fit_transform') && c.receiver) {
      if (c.receiver.type === 'call' && ESTIMATOR.test(m.callAt(c.receiver)?.qualified ?? '')) return true;
      if (sources(m, c.receiver).some((s) => s.node.type === 'call' && ESTIMATOR.test(m.callAt(s.node)?.qualified ?? ''))) return true;
    }
  }
  return false;
}

/** `pickle.dump(le, open('label_encoder.pkl', 'wb'))` after the statement that fits `le`. */
function saveFix(m: PythonModel, fit: CallSite, several: boolean): Fix | null {
  const recv = fit.receiver;
  if (!recv || recv.type !== 'identifier') return null;
  if (fit.loops.length || inComprehension(fit.node)) return null;
  if ((m.bindings.get('pickle') ?? []).some((b) => b.kind !== 'import')) return null;
  let stmt: Node = fit.node;
  while (stmt.parent && stmt.parent.type !== 'block' && stmt.parent.type !== 'module') stmt = stmt.parent;
  const src = m.source;
  const indent = src.indentOf(stmt.startPosition.row);
  if (stmt.startPosition.column !== indent.length) return null;
  // nothing else on the statement's last line (a `;` chain)
  const tail = src.lineText(stmt.endPosition.row).slice(stmt.endPosition.column).trim();
  if (tail && !tail.startsWith('#')) return null;
  const used = stringsOf(m);
  let file = several || used.has('label_encoder.pkl') ? `label_encoder_${recv.text}.pkl` : 'label_encoder.pkl';
  for (let i = 2; used.has(file); i++) file = `label_encoder_${recv.text}_${i}.pkl`;
  const pickle = ensureModuleImport(m, 'pickle');
  const quote = /^[^"]*"/.test(stmt.text) && !/'/.test(stmt.text) ? '"' : "'";
  const line = `${indent}${pickle.name}.dump(${recv.text}, open(${quote}${file}${quote}, ${quote}wb${quote}))  # save for predict.py`;
  return {
    title: `Save the label encoder (${file})`,
    applicability: 'safe',
    edits: [...(pickle.edit ? [pickle.edit] : []), insertLinesAfter(src, stmt, [line])],
  };
}

const STRINGS = new WeakMap<PythonModel, Set<string>>();

/** The values of the file's plain string literals (once per file, not once per finding). */
function stringsOf(m: PythonModel): ReadonlySet<string> {
  let used = STRINGS.get(m);
  if (!used) {
    used = new Set<string>();
    for (const n of nodesOfType(m, 'string')) {
      const v = stringValue(n);
      if (v) used.add(v);
    }
    STRINGS.set(m, used);
  }
  return used;
}

function inComprehension(n: Node): boolean {
  for (let p = n.parent; p; p = p.parent) {
    if (/comprehension$|^generator_expression$|^lambda$/.test(p.type)) return true;
    if (p.type === 'block' || p.type === 'module') return false;
  }
  return false;
}
