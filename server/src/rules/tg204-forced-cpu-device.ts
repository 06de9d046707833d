/**
 * TG204 forced-cpu-device
 *
 * What it does: in a script with a hand-written training loop, finds the training device
 * hard-coded to the CPU: the `'cpu'` literal that the trained model or the loop's batch tensors are
 * moved to (directly, through a `device` variable, `torch.device('cpu')` or a parameter),
 * `os.environ["CUDA_VISIBLE_DEVICES"] = ""` / `"-1"` (hides every GPU), and
 * `Accelerator(cpu=True)`.
 * Why it is bad: a device left on `'cpu'` after debugging trains the whole run on the CPU, 10-100x
 * slower, with the GPU idle; the hints' section 2 symptom (GPU memory under 10%, loss at baseline).
 * Example: `device = torch.device("cpu")`, `model.to(device)`, `x.to(device)` in the loop.
 * Fix: replace the literal with `'cuda' if torch.cuda.is_available() else 'cpu'` (same quotes; the
 * script still runs on a CPU-only machine); `Accelerator(cpu=True)` -> `cpu=False`. Safe when the
 * literal is a device variable that moves the model and every batch tensor (otherwise the change
 * may split the step across devices, so it is offered as unsafe). No fix for CUDA_VISIBLE_DEVICES.
 * Silent: `'cuda' if torch.cuda.is_available() else 'cpu'`, devices read from arguments,
 * inference-only scripts (no training loop), `.cpu()` on outputs, a model moved to the CPU once
 * training is over (after a move to the GPU, or after its training loop: freeing GPU memory).
 */
import type { Node } from '../analysis/parser';
import type { LoopInfo, PythonModel } from '../analysis/model';
import { isWithin } from '../analysis/model';
import { type ModelMove, batchNames, batchStatus, cpuLiterals, hiddenGpus, modelCreations, modelMoves, toDeviceArg, trainedModelUses, unmovedBatchUses } from '../analysis/devices';
import { scriptConstant } from '../analysis/config-values';
import { replaceNode } from '../fixes/edits';
import { ensureModuleImport } from '../fixes/imports';
import { nameIsFree } from '../fixes/spelling';
import type { Fix, Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG204',
    name: 'forced-cpu-device',
    severity: 'warning',
    section: '2. GPU validation: training on CPU',
    summary: "The training device is hard-coded to 'cpu'",
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    if (!m.trainingLoops().size) return;
    const literals = new Map<number, Node>();
    const add = (nodes: Node[]) => nodes.forEach((n) => literals.set(n.id, n));
    for (const use of trainedModelUses(m)) {
      const creations = modelCreations(m, use.expr);
      const moves = modelMoves(m, creations);
      for (const mv of moves) if (mv.where === 'cpu' && mv.device && !afterTraining(m, mv, moves, creations, use.loop)) add(cpuLiterals(m, mv.device));
    }
    for (const loop of m.batchLoops()) {
      const names = batchNames(m, loop);
      for (const c of loop.calls) {
        if (c.fn !== loop.fn || c.method !== 'to' || !c.receiver) continue;
        const dev = toDeviceArg(m, c);
        if (dev && m.deviceOf(dev) === 'cpu' && batchStatus(m, loop, c.receiver, names).kind === 'batch') add(cpuLiterals(m, dev));
      }
    }
    for (const lit of [...literals.values()].sort((a, b) => a.startIndex - b.startIndex)) {
      ctx.report({
        node: lit,
        message: "Training device hard-coded to 'cpu': use 'cuda' if torch.cuda.is_available() else 'cpu' (on the CPU the run is 10-100x slower and the GPU sits idle)",
        fix: availabilityFix(m, lit),
      });
    }
    for (const v of hiddenGpus(m)) {
      ctx.report({ node: v, message: 'CUDA_VISIBLE_DEVICES hides every GPU from this training script: it will train on the CPU (10-100x slower). Remove the assignment or name a GPU ("0")' });
    }
    for (const c of m.calls) {
      if (c.qualified !== 'accelerate.Accelerator') continue;
      const cpu = c.keywords.get('cpu');
      if (!cpu || scriptConstant(m, cpu) !== true) continue;
      ctx.report({
        node: cpu,
        message: 'Accelerator(cpu=True) forces training on the CPU (10-100x slower): drop it and let accelerate use the GPU',
        fix: cpu.type === 'true' ? { title: 'Let accelerate use the GPU (cpu=False)', applicability: 'safe', edits: [replaceNode(cpu, 'False')] } : null,
      });
    }
  },
};

/**
 * Is a move to the CPU one made once training is over (`model.to("cpu")` to free GPU memory before
 * the next fold, or to export)? It follows a move of the same model to a device that may be CUDA,
 * or it comes after the training loop that trains the model, in the same function, and no loop it
 * sits in would train the moved model again (a fold loop that creates a new model each time is fine).
 */
function afterTraining(m: PythonModel, mv: ModelMove, moves: readonly ModelMove[], creations: readonly Node[], batchLoop: LoopInfo): boolean {
  if (moves.some((o) => o.node.startIndex < mv.node.startIndex && (o.where === 'cuda' || o.where === 'maybe-cuda'))) return true;
  const fn = m.functionAt(mv.node);
  let ended = false;
  for (let l: LoopInfo | null = batchLoop; l; l = l.parent) {
    if (l.fn !== fn) continue;
    if (l.node.endIndex <= mv.node.startIndex) ended = true;
    else if (isWithin(mv.node, l.body) && !creations.every((c) => isWithin(c, l!.body))) return false;
  }
  return ended;
}

/** Parents where a conditional expression can replace a string without parentheses. */
const BARE_OK = new Set(['argument_list', 'keyword_argument', 'assignment', 'default_parameter', 'typed_default_parameter', 'return_statement', 'pair', 'list', 'expression_list']);

function availabilityFix(m: PythonModel, lit: Node): Fix | null {
  const torch = ensureModuleImport(m, 'torch');
  if (torch.edit && !nameIsFree(m, 'torch')) return null;
  const start = /^([a-zA-Z]*)('''|"""|'|")/.exec(lit.text);
  if (!start) return null;
  const cuda = `${start[1]}${start[2]}cuda${start[2]}`;
  let text = `${cuda} if ${torch.name}.cuda.is_available() else ${lit.text}`;
  if (!lit.parent || !BARE_OK.has(lit.parent.type)) text = `(${text})`;
  const edits = [replaceNode(lit, text)];
  if (torch.edit) edits.push(torch.edit);
  return {
    title: "Use the GPU when available ('cuda' if torch.cuda.is_available() else 'cpu')",
    applicability: isConsistentDeviceVariable(m, lit) ? 'safe' : 'unsafe',
    edits,
  };
}

/**
 * Is the literal the value of a device variable (`device = 'cpu'`, `device = torch.device('cpu')`)
 * in a script where every trained model is moved and no batch tensor reaches the model unmoved?
 * Then switching the variable moves the whole step together.
 */
function isConsistentDeviceVariable(m: PythonModel, lit: Node): boolean {
  let n: Node = lit;
  if (n.parent?.type === 'argument_list' && n.parent.parent?.type === 'call' && m.qualify(n.parent.parent.childForFieldName('function')) === 'torch.device') n = n.parent.parent;
  if (n.parent?.type !== 'assignment' || n.parent.childForFieldName('right')?.id !== n.id || n.parent.childForFieldName('left')?.type !== 'identifier') return false;
  for (const use of trainedModelUses(m)) if (!modelMoves(m, modelCreations(m, use.expr)).length) return false;
  return m.batchLoops().every((l) => !unmovedBatchUses(m, l).length);
}
