/**
 * Keras facts shared by the Keras rules: whether the file sets a mixed-precision policy, whether
 * its training is kept off the GPU (TPU strategy, hidden GPUs, a CPU device scope), and the
 * elements of a `callbacks=` list (a literal, or a name bound once to one plus its `.append`s).
 * Qualified names are the model's normalised ones (`tensorflow.keras.` -> `keras.`).
 */
import type { Node } from './parser';
import type { CallSite, PythonModel } from './model';
import { isWithin, stringValue } from './model';
import { nodesOfType } from './memo';
import { hiddenGpus } from './devices';

const POLICY = /^keras\.(mixed_precision\.(set_global_policy|set_policy|Policy|experimental\.(set_policy|Policy))|config\.set_dtype_policy|dtype_policies\.\w+)$/;

/** A mixed-precision policy set anywhere (also a layer built with `dtype="mixed_float16"`). */
export function setsPrecisionPolicy(m: PythonModel): boolean {
  if (m.calls.some((c) => POLICY.test(c.qualified ?? ''))) return true;
  return nodesOfType(m, 'string').some((s) => /^mixed_(float16|bfloat16)$/.test(stringValue(s) ?? ''));
}

/** Is the Keras `fit` kept off the GPU: TPU strategy, GPUs hidden, or run under `tf.device("/CPU:0")`? */
export function kerasOffGpu(m: PythonModel, fit: CallSite): boolean {
  const off = offGpuFacts(m);
  return off.everywhere || off.cpuBlocks.some((body) => isWithin(fit.node, body));
}

const offGpuCache = new WeakMap<PythonModel, { everywhere: boolean; cpuBlocks: Node[] }>();

/** What keeps Keras off the GPU file-wide (TPU, hidden GPUs), and the `tf.device("/CPU:0")` blocks: once per file. */
function offGpuFacts(m: PythonModel): { everywhere: boolean; cpuBlocks: Node[] } {
  let f = offGpuCache.get(m);
  if (f) return f;
  let everywhere = hiddenGpus(m).length > 0;
  for (const c of m.calls) {
    if (everywhere) break;
    const q = c.qualified ?? '';
    if (/^tensorflow\.distribute\.(experimental\.)?TPUStrategy$|TPUClusterResolver$/.test(q)) everywhere = true;
    if (q === 'tensorflow.config.set_visible_devices' && c.args[0]?.type === 'list' && !c.args[0].namedChildren.length) everywhere = true;
    if (q === 'tensorflow.config.experimental.set_visible_devices' && c.args[0]?.type === 'list' && !c.args[0].namedChildren.length) everywhere = true;
  }
  const cpuBlocks: Node[] = [];
  for (const w of m.withBlocks) {
    for (const item of w.items) {
      const call = item.value.type === 'call' ? m.callAt(item.value) : undefined;
      if (call?.qualified === 'tensorflow.device' && /cpu/i.test(stringValue(call.args[0] ?? null) ?? '')) {
        cpuBlocks.push(w.body);
        break;
      }
    }
  }
  f = { everywhere, cpuBlocks };
  offGpuCache.set(m, f);
  return f;
}

/** The elements of a list literal, or of a name bound once to one (plus its `.append(x)`s); null when unknown. */
export function listElements(m: PythonModel, node: Node): { list: Node; elements: Node[] } | null {
  if (node.type === 'list') return { list: node, elements: node.namedChildren.filter((c) => c.type !== 'comment') };
  if (node.type !== 'identifier') return null;
  const bs = m.bindingsIn(node.text, m.functionAt(node));
  if (bs.length !== 1 || bs[0].kind !== 'assign' || bs[0].value?.type !== 'list') return null;
  const list = bs[0].value;
  const elements = list.namedChildren.filter((c) => c.type !== 'comment');
  // the calls of the binding's own scope (in the order of `m.calls`), not every call of the file
  const fn = bs[0].fn;
  for (const c of fn ? fn.calls : m.moduleCalls) {
    if (c.receiver?.type !== 'identifier' || c.receiver.text !== node.text) continue;
    if (c.method === 'append' && c.args[0]) elements.push(c.args[0]);
    else if (c.method && /^(extend|insert|__iadd__)$/.test(c.method)) return null;
  }
  return { list, elements };
}
