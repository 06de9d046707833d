/**
 * TG203 no-gpu-memory-check
 *
 * What it does: finds a hand-written training loop that runs on the GPU (the model or the batch is
 * moved with `.cuda()` / `.to(device)` where the device may be CUDA) while the file never reports
 * GPU memory (`torch.cuda.memory_allocated`, `max_memory_allocated`, `mem_get_info`, `nvidia-smi`...).
 * Why it is bad: a missing `.cuda()` or a library conflict leaves training on the CPU, 10-100x slower,
 * and nothing says so until the budget is gone. Hints, section 2: check GPU memory after the first batch.
 * Example: `for x, y in loader: x, y = x.cuda(), y.cuda(); ...; optimizer.step()` and no memory print.
 * Fix: insert the first-batch GPU print (used / total / %) that aborts under 10%, after the optimizer
 * step of the batch loop (adding `enumerate` to the loop when it has no batch index).
 * Silent: CPU-only scripts; scripts that already report memory (in a notebook, a `!nvidia-smi` line
 * counts: it prints the memory in use); library code (training never called in the file) unless its
 * own code proves CUDA (torch.cuda.amp, empty_cache, .cuda(), a device that is "cuda" for sure) and
 * it runs an epoch loop: a device from the caller or "cuda if available" is the program's fact.
 */
import type { Node } from '../analysis/parser';
import type { LoopInfo, PythonModel } from '../analysis/model';
import { isWithin, stringValue } from '../analysis/model';
import { GPU_MEMORY_REPORTS } from '../analysis/knowledge';
import { epochAnchors, peelIterable } from '../analysis/training';
import { provesCuda, usesGpu } from '../analysis/devices';
import { blockIndent, freshName, indentationIsUniform, indentTemplate, insertLinesAfter, replaceNode } from '../fixes/edits';
import { ensureModuleImport } from '../fixes/imports';
import { headerRange } from './tg211-no-smoke-test';
import type { Fix, Rule } from './types';
import { delegatedLoops, describeImported, relatedImported, type DelegatedLoop } from '../analysis/imported';
import type { TextEdit } from '../analysis/source';

export const rule: Rule = {
  meta: {
    code: 'TG203',
    name: 'no-gpu-memory-check',
    severity: 'warning',
    section: '2. GPU validation',
    summary: 'A GPU training loop never reports GPU memory, so training silently on the CPU goes unnoticed',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    // library code (training functions the file never calls) is judged only when its own code proves
    // CUDA (torch.cuda.amp, empty_cache, .cuda()): a device passed by the caller or "cuda if available"
    // is the calling program's fact, judged there with the imported facts
    const library = ![...m.trainingLoops().keys()].some((l) => m.runsInFile(l)) && provesCuda(m);
    const judged = (l: LoopInfo) => library || m.runsInFile(l);
    const batchLoops = m.batchLoops().filter((l) => !l.body.namedChildren.some((c) => c.type === 'break_statement') && judged(l));
    // a notebook's `!nvidia-smi` (or a `%%bash` cell running it) is a GPU-memory report too
    const shellReport = ctx.shellCommands.some((c) => /\bnvidia-smi\b/.test(c));
    // an epoch loop whose step is another module's function of the project, read, that reports no memory either
    const delegated = delegatedLoops(m).filter((d) => d.facts.gpuMemoryReport === false && d.facts.trainingStep === true);
    if ((!batchLoops.length && !delegated.length) || shellReport || reportsGpuMemory(m) || m.importedFacts().gpuMemoryReport === true || !usesGpu(m)) return;
    // one report per training run the file starts: the first batch loop of each outermost training loop
    const facts = m.trainingLoops();
    // (reported on the batch loop written inside its epoch loop, else on the epoch loop that calls it)
    const chosen = new Map<LoopInfo, LoopInfo>();
    const inOther = new Map<LoopInfo, DelegatedLoop>();
    for (const f of facts.values()) {
      if (f.outer.length || !judged(f.loop)) continue;
      // in a library, only a whole training run (an epoch loop around its batch loop) is the library's: a lone batch
      // pass (`train_pass(batches)`) is driven by the caller's epoch loop, judged there
      if (!m.runsInFile(f.loop) && !f.inner.length && !f.delegated) continue;
      const reached = new Set([f.loop, ...f.inner]);
      const first = batchLoops.filter((l) => reached.has(l)).sort((a, b) => a.node.startIndex - b.node.startIndex)[0];
      if (first) {
        const at = epochAnchors(m, first, f.loop)[0];
        if (!chosen.has(at)) chosen.set(at, first);
      } else {
        // the batch loop is in the step function of another module: on the epoch loop that calls it
        const d = delegated.filter((x) => reached.has(x.loop)).sort((a, b) => a.loop.node.startIndex - b.loop.node.startIndex)[0];
        if (d && !inOther.has(d.loop)) inOther.set(d.loop, d);
      }
    }
    // no fix: the print belongs in the other module's batch loop, and a fix edits only this file
    for (const [at, d] of inOther) {
      if (chosen.has(at)) continue;
      ctx.report({
        range: headerRange(at.node),
        message: `GPU training loop with no GPU-memory report: print memory after the first batch${m.trainingLoops().get(d.loop)?.stepElsewhere ? '' : ` in ${describeImported(d)}`} and stop under 10% (a run silently on the CPU is 10-100x slower and wastes the budget)`,
        related: relatedImported(d, 'the batch loop, with no GPU-memory report'),
      });
    }
    for (const [at, loop] of [...chosen].sort((a, b) => a[0].node.startIndex - b[0].node.startIndex)) {
      ctx.report({
        range: headerRange(at.node),
        message: 'GPU training loop with no GPU-memory report: print memory after the first batch and stop under 10% (a run silently on the CPU is 10-100x slower and wastes the budget)',
        fix: gpuPrintFix(m, loop, at.fn !== loop.fn),
      });
    }
  },
};

/** Does the file report GPU memory anywhere (torch.cuda memory calls, nvidia-smi, pynvml, TF)? */
export function reportsGpuMemory(m: PythonModel): boolean {
  for (const c of m.calls) {
    if (c.qualified && GPU_MEMORY_REPORTS.has(c.qualified)) return true;
    for (const a of c.args) {
      const v = stringValue(a) ?? (a.type === 'list' ? a.namedChildren.map((x) => stringValue(x) ?? '').join(' ') : null);
      if (v && /\bnvidia-smi\b/.test(v)) return true;
    }
  }
  return false;
}

/** Is this a GPU run? The shared inference of `analysis/devices.ts` (kept here for the rules that import it from TG203). */
export { usesGpu };

function gpuPrintFix(m: PythonModel, loop: LoopInfo, elsewhere = false): Fix | null {
  const src = m.source;
  const indent = blockIndent(src, loop.body);
  if (indent === null || loop.kind !== 'for' || !loop.targetNode) return null;
  const anchor = lastStepStatement(m, loop);
  if (!anchor) return null;
  // tabs and spaces mixed in the loop: an inserted block could make python3 raise TabError
  if (!indentationIsUniform(src, loop.node.startPosition.row, Math.max(loop.node.endPosition.row, anchor.endPosition.row))) return null;
  const edits: TextEdit[] = [];
  const peeled = peelIterable(m, loop);
  let index: string | null = null;
  let firstIndex = '0';
  // `bar = enumerate(loader, 1)` bound before the loop: its start is not read here
  if (peeled?.enumerated && loop.iter?.type !== 'call') return null;
  if (peeled?.enumerated) {
    const first = loop.targetNode.namedChildren[0];
    if (first?.type === 'identifier' && first.text !== '_') index = first.text;
    // `enumerate(loader, start=1)`: the first batch is 1; a start we cannot read declines the fix
    const start = enumerateStart(m, loop.iter);
    if (start === null) return null;
    firstIndex = start;
  }
  if (!index) {
    if (peeled?.enumerated || !loop.iter) return null;
    index = freshName(m, 'batch_idx');
    const target = loop.targetNode;
    const pattern = target.type === 'pattern_list' ? `(${target.text})` : target.text;
    edits.push(replaceNode(target, `${index}, ${pattern}`));
    // a bare tuple (`for batch in loader,:`, one item: the loader itself) stays one argument: enumerate((loader,))
    const iterable = loop.iter.type === 'expression_list' ? `(${loop.iter.text})` : loop.iter.text;
    edits.push(replaceNode(loop.iter, `enumerate(${iterable})`));
  }
  const epoch = epochIndex(m, loop);
  const torch = ensureModuleImport(m, 'torch');
  if (torch.edit) edits.push(torch.edit);
  const mem = freshName(m, 'gpu_mem_gb');
  const total = freshName(m, 'gpu_total_gb');
  const t = torch.name;
  const lines = [
    `if ${epoch ? `${epoch} == 0 and ` : ''}${index} == ${firstIndex}:  # first batch: is the GPU really used?`,
    `    ${mem} = ${t}.cuda.memory_allocated() / 1024**3`,
    `    ${total} = ${t}.cuda.get_device_properties(0).total_memory / 1024**3`,
    `    print(f"GPU: {${mem}:.1f} GB / {${total}:.1f} GB ({${mem} / ${total} * 100:.1f}%)")`,
    `    if ${mem} / ${total} < 0.10:`,
    `        raise RuntimeError("GPU memory under 10% after the first batch: training is probably on the CPU (check .cuda() / .to(device))")`,
  ];
  edits.push(insertLinesAfter(src, anchor, indentTemplate(lines, indent, src.indentUnit)));
  // the batch loop lives in another function than the reported epoch loop: the title says where the print goes
  const where = elsewhere && loop.fn ? ` in \`${loop.fn.name}\`` : '';
  return { title: `Insert the first-batch GPU memory print${where} (stops under 10%)`, applicability: 'safe', edits };
}

/** The `start` of the `enumerate(...)` in a loop's iterable (wrappers such as tqdm peeled): "0" when absent, the literal when an integer, else null. */
function enumerateStart(m: PythonModel, iter: Node | null): string | null {
  for (let it = iter, i = 0; it && it.type === 'call' && i < 4; i++) {
    const callee = it.childForFieldName('function');
    const args = it.childForFieldName('arguments')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
    if ((m.qualify(callee) ?? callee?.text ?? '').replace(/^.*\./, '') === 'enumerate') {
      const kw = args.find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'start');
      const start = kw ? kw.childForFieldName('value') : args.filter((a) => a.type !== 'keyword_argument')[1] ?? null;
      if (!start) return '0';
      return start.type === 'integer' ? start.text : null;
    }
    it = args.find((c) => c.type !== 'keyword_argument') ?? null;
  }
  return '0';
}

/** The last statement of the loop body that performs a training step (step / backward / update). */
function lastStepStatement(m: PythonModel, loop: LoopInfo): Node | null {
  const stmts = loop.body.namedChildren.filter((c) => c.type !== 'comment');
  const calls = m.reachableFromLoop(loop);
  let anchor: Node | null = null;
  for (const s of stmts) {
    if (calls.some((c) => isWithin(c.node, s) && (m.isTrainingStep(c) || c.method === 'update'))) anchor = s;
    else if (calls.some((c) => isWithin(c.node, s) && m.calleesOf(c).some((f) => m.reachableFromFunction(f).some((x) => m.isTrainingStep(x))))) anchor = s;
  }
  // never after a statement that leaves the iteration
  if (anchor && /^(return|break|continue|raise)_statement$/.test(anchor.type)) return null;
  return anchor;
}

/** The epoch counter visible in the batch loop: the target of an enclosing `for epoch in range(...)`. */
function epochIndex(m: PythonModel, loop: LoopInfo): string | null {
  for (let p = loop.parent; p; p = p.parent) {
    if (p.kind === 'for' && p.targets.length === 1 && p.iter?.type === 'call' && m.qualify(p.iter.childForFieldName('function')) === null && p.iter.childForFieldName('function')?.text === 'range') {
      return p.targets[0];
    }
  }
  return null;
}
