/**
 * TG311 keras-no-mixed-precision
 *
 * What it does: finds Keras training (`model.fit` on a Keras / tf.keras model, the Functional or
 * Sequential API or a `keras.Model` subclass) in a file that never sets a mixed-precision policy
 * (`keras.mixed_precision.set_global_policy("mixed_float16")`, `keras.config.set_dtype_policy`,
 * a layer built with `dtype="mixed_float16"`). TG801 leaves Keras to this rule.
 * Why it is bad: on the GPUs Kaggle and most clouds give (T4, A10, A100) float16 math runs on the
 * tensor cores, roughly 2x the throughput at the same batch and half the activation memory;
 * float32 training leaves that on the table for every epoch of the budget. Hints, section 3A.
 * Example: `model.compile(...)`, `model.fit(x, y, epochs=20)` and no policy.
 * Fix: insert `mixed_precision.set_global_policy("mixed_float16")` after the imports, spelled
 * through the file's own Keras imports (`tf.keras.mixed_precision...`, `keras.mixed_precision...`,
 * or a new `from tensorflow.keras import mixed_precision`). Unsafe: mixed precision changes the
 * numerics (keep the output layer in float32 with `dtype="float32"`).
 * Silent: a policy set (any policy, also float32 on purpose); TPU strategies, hidden GPUs or a
 * `tf.device("/CPU:0")` scope; non-Keras training.
 */
import type { Node } from '../analysis/parser';
import type { PythonModel } from '../analysis/model';
import { kerasOffGpu, setsPrecisionPolicy } from '../analysis/keras';
import { insertLinesAtRow, rowAfterImports } from '../fixes/insert';
import { fileQuote, spellKeras } from '../fixes/spelling';
import type { Fix, Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG311',
    name: 'keras-no-mixed-precision',
    severity: 'information',
    section: '3A. Fastai & Keras quick start options',
    summary: 'Keras GPU training without a mixed_float16 policy',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    const fits = m.frameworkLoops().filter((f) => f.framework === 'keras' && !kerasOffGpu(m, f.call));
    if (!fits.length || setsPrecisionPolicy(m)) return;
    const first = fits.sort((a, b) => a.call.node.startIndex - b.call.node.startIndex)[0];
    ctx.report({
      node: first.call.callee,
      message: 'Keras training without mixed precision: set mixed_precision.set_global_policy("mixed_float16") after the imports (about 2x faster on T4/A10/A100 tensor cores, half the activation memory; keep the output layer dtype="float32")',
      fix: policyFix(m, first.call.node),
    });
  },
};

function policyFix(m: PythonModel, fit: Node): Fix | null {
  const row = rowAfterImports(m.root);
  if (row === 0 || row > fit.startPosition.row) return null;
  const policy = spellKeras(m, 'mixed_precision.set_global_policy', true);
  const q = fileQuote(m);
  const lines = [
    '',
    "# Mixed precision: float16 math on the GPU's tensor cores (about 2x faster); weights stay float32",
    `${policy.text}(${q}mixed_float16${q})`,
  ];
  const edits = [];
  if (policy.edit) edits.push(policy.edit);
  edits.push(insertLinesAtRow(m.source, row, lines));
  return { title: 'Set the mixed_float16 policy after the imports', applicability: 'unsafe', edits };
}
