/**
 * TG801 no-mixed-precision
 *
 * What it does: finds a hand-written GPU training loop (the model or the batch is moved to a device
 * that may be CUDA) in a file with no mixed precision anywhere: no `torch.autocast` /
 * `torch.cuda.amp.autocast` / `torch.amp.autocast` (block or decorator, any alias), no GradScaler,
 * no `accelerator.autocast()` or `Accelerator(mixed_precision=...)`, no apex AMP, no half /
 * bfloat16 cast of the model, no fp16 / bf16 default dtype.
 * Why it is bad: on tensor-core GPUs (T4, A10, A100, L4) fp32 training runs at roughly half the
 * speed of AMP and uses about twice the activation memory, so the same budget buys half the epochs
 * or forces a smaller batch. Hints, section 8 ("Enable mixed precision") and the launch checklist.
 * Example: `for x, y in loader: loss = crit(model(x.cuda()), y.cuda()); loss.backward(); opt.step()`.
 * Fix: none (the right dtype, the scaler and the loss placement depend on the model); the message
 * explains the autocast + GradScaler pattern.
 * Silent: AMP present; a bf16 / fp16 model cast; CPU-only scripts; framework loops (Keras has
 * TG311; Lightning, Hugging Face, fastai have their own precision switches).
 */
import type { LoopInfo, PythonModel } from '../analysis/model';
import { epochAnchors } from '../analysis/training';
import { AUTOCAST, GRAD_SCALER } from '../analysis/knowledge';
import { stringValue } from '../analysis/model';
import { usesGpu } from './tg203-no-gpu-memory-check';
import { headerRange } from './tg211-no-smoke-test';
import { isOneShot } from './tg1002-missing-zero-grad';
import type { Rule } from './types';
import { delegatedLoops, describeImported, relatedImported, type DelegatedLoop } from '../analysis/imported';

export const rule: Rule = {
  meta: {
    code: 'TG801',
    name: 'no-mixed-precision',
    severity: 'information',
    section: '8. GPU memory & OOM: mixed precision',
    summary: 'A GPU training loop runs in full fp32 precision (no autocast / AMP)',
    fixable: false,
  },
  check(ctx) {
    const m = ctx.model;
    // library code (its training functions never run in this file) is judged in the script that runs it
    const loops = m.batchLoops().filter((l) => !isOneShot(l) && m.runsInFile(l));
    // an epoch loop whose step is another module's function of the project, read: judged with that function's facts
    const delegated = delegatedLoops(m).filter((d) => d.facts.autocast === false && d.facts.gradScaler === false && d.facts.trainingStep === true);
    if ((!loops.length && !delegated.length) || usesMixedPrecision(m) || !usesGpu(m)) return;
    // on the batch loop written inside its epoch loop, else on the epoch loop that calls it (once each)
    const anchors = new Map<LoopInfo, DelegatedLoop | null>();
    for (const loop of loops) for (const at of epochAnchors(m, loop)) anchors.set(at, null);
    for (const d of delegated) if (!anchors.has(d.loop)) anchors.set(d.loop, d);
    for (const [loop, d] of [...anchors].sort((a, b) => a[0].node.startIndex - b[0].node.startIndex)) {
      ctx.report({
        range: headerRange(loop.node),
        message:
          'GPU training loop without mixed precision: run the forward pass and the loss under `torch.autocast("cuda", dtype=torch.float16)` with a `GradScaler` (or bfloat16 without one). It is about 2x faster on tensor-core GPUs and halves activation memory' +
          (d ? ` (the step is ${describeImported(d)}: add autocast there)` : ''),
        related: d ? relatedImported(d, 'the training step, with no autocast or GradScaler') : undefined,
      });
    }
  },
};

const HALF_DTYPES = /^torch\.(float16|half|bfloat16)$/;

/** Is mixed or reduced precision used anywhere in the file? */
export function usesMixedPrecision(m: PythonModel): boolean {
  for (const c of m.calls) {
    const q = c.qualified ?? '';
    const enabled = c.keywords.get('enabled');
    if (AUTOCAST.has(q) && enabled?.type !== 'false') return true;
    if (GRAD_SCALER.has(q) && enabled?.type !== 'false') return true;
    if (q.startsWith('apex.amp.') || q === 'apex.amp') return true;
    if (q === 'accelerate.Accelerator') {
      const mp = c.keywords.get('mixed_precision');
      if (mp && stringValue(mp) !== 'no') return true;
    }
    if (c.method === 'autocast' && c.receiver && m.originsOf(c.receiver).some((o) => o.base === 'accelerate.Accelerator')) return true;
    // a model cast to half / bfloat16 (bf16 training without autocast)
    if ((c.method === 'half' || c.method === 'bfloat16') && c.receiver && c.args.length === 0) return true;
    if (c.method === 'to' || q === 'torch.set_default_dtype') {
      for (const a of [...c.args, ...c.keywords.values()]) if (HALF_DTYPES.test(m.qualify(a) ?? '')) return true;
    }
  }
  // a function of another module of the project the file calls uses AMP
  const imported = m.importedFacts();
  return imported.autocast === true || imported.gradScaler === true;
}
