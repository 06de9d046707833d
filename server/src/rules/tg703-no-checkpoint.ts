/**
 * TG703 no-checkpoint
 *
 * What it does: finds a hand-written training loop in a file that never saves the model: no
 * `torch.save`, safetensors save, `save_pretrained` / `save_model` / `save_state`, `accelerator.save`,
 * Keras `model.save`, joblib / pickle dump of a model, `torch.jit.save`, `torch.onnx.export`.
 * Why it is bad: when the run ends — or is killed at the time budget — the trained weights die with
 * the process; predict.py has nothing to load and the GPU time is lost. Hints, section 7.
 * Example: `for epoch in range(EPOCHS): train_one_epoch(...); val_loss = validate(...)` and no save.
 * Fix: in the epoch loop, right after the validation metric is computed, insert the best + last save
 * pair (`if val_loss < best_val_loss: ... torch.save(..._best.pth)` then `torch.save(..._last.pth)`),
 * with `best_val_loss = float("inf")` (or `-inf` for a score) before the epoch loop. The metric's
 * direction is read from the code (a loss call -> lower is better; an accuracy / sklearn score ->
 * higher). Without a validation metric only the last-checkpoint save is inserted (at the end of the
 * epoch body, or after a single loop over batches). Paths carry the fold index in a fold loop
 * (`model_fold{fold}_last.pth`); no fix when the model or the fold index cannot be named there.
 * Reported on the epoch loop's header (inside a fold loop, the epoch loop, not the fold loop: where
 * the fix inserts the save); a single training loop is its own epoch loop.
 * Silent: any save of the model anywhere in the file; framework loops (Keras: TG312; Lightning and
 * Hugging Face save checkpoints themselves).
 */
import type { Node } from '../analysis/parser';
import type { LoopInfo, PythonModel } from '../analysis/model';
import { peelIterable, isBoundBefore } from '../analysis/training';
import { loopModelNames, validationMetric } from '../analysis/passes';
import { argumentAt, reachSet } from '../analysis/optim';
import type { TextEdit } from '../analysis/source';
import { blockIndent, freshName, indentTemplate, insertLinesAfter, insertLinesBefore } from '../fixes/edits';
import { ensureModuleImport } from '../fixes/imports';
import { ownLineStatement } from '../fixes/statements';
import { isCheckpointSave } from './tg701-only-best-checkpoint';
import { headerRange } from './tg211-no-smoke-test';
import { isOneShot } from './tg1002-missing-zero-grad';
import type { Fix, Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG703',
    name: 'no-checkpoint',
    severity: 'warning',
    section: '7. Model saving & checkpointing',
    summary: 'A training loop never saves the model',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    if (!m.trainingLoops().size || savesModel(m)) return;
    const reported = new Set<LoopInfo>();
    for (const loop of m.outermostTrainingLoops()) {
      // library code (never run in this file): saving belongs to the script that calls it
      if (isOneShot(loop) || !m.runsInFile(loop)) continue;
      // on the epoch loop, where the fix inserts the save (a fold loop around it is not the place)
      const at = epochLoopsOf(m, loop)[0] ?? loop;
      if (reported.has(at)) continue;
      reported.add(at);
      ctx.report({
        range: headerRange(at.node),
        message: 'The model is never saved: when the run ends or is killed at the budget, the trained weights are lost and predict.py has nothing to load. Save the best and the last checkpoint every epoch',
        fix: saveFix(m, loop),
      });
    }
  },
};

/**
 * The epoch loops of the training that `outer` starts (itself, or loops it reaches, also through
 * calls), in source order: training loops whose inner training loops are all batch loops.
 */
function epochLoopsOf(m: PythonModel, outer: LoopInfo): LoopInfo[] {
  const facts = m.trainingLoops();
  const isEpochLoop = (l: LoopInfo) => {
    const f = facts.get(l)!;
    return f.inner.length > 0 && f.inner.every((i) => facts.get(i)!.inner.length === 0);
  };
  return [outer, ...facts.get(outer)!.inner].filter(isEpochLoop).sort((a, b) => a.node.startIndex - b.node.startIndex);
}

const EXTRA_SAVES = new Set(['torch.jit.save', 'torch.onnx.export', 'torch.export.save']);

/** Does the file save a model anywhere? */
export function savesModel(m: PythonModel): boolean {
  // or a function of another module of the project the file calls saves (`utils.save_on_master(...)`)
  return m.calls.some((c) => isCheckpointSave(m, c) || (c.qualified !== null && EXTRA_SAVES.has(c.qualified))) || m.importedFacts().saves === true;
}

function saveFix(m: PythonModel, outer: LoopInfo): Fix | null {
  const epochs = epochLoopsOf(m, outer);
  if (epochs.length > 1) return null;
  if (epochs.length === 1) return epochLoopFix(m, epochs[0]);
  // a single training loop: per "epoch" when it counts epochs (range), else once after it
  const it = peelIterable(m, outer)?.loader;
  const isRange = it?.type === 'call' && /^(range|trange|tqdm\.\w*\.?trange)$/.test(m.qualify(it.childForFieldName('function')) ?? it.childForFieldName('function')?.text ?? '');
  return isRange ? epochLoopFix(m, outer) : afterLoopFix(m, outer);
}

interface Naming {
  torch: { name: string; edit: TextEdit | null };
  model: string;
  best: string;
  last: string;
  /** The file's own string quote. */
  q: string;
}

/** The model name, the save function and the checkpoint paths, spelled for code inserted in `loop`'s scope before `at`. */
function naming(m: PythonModel, loop: LoopInfo, at: number): Naming | null {
  const models = loopModelNames(m, loop, m.reachableFromLoop(loop).filter((c) => m.isModelCall(c)));
  if (models.length !== 1) return null;
  const model = models[0];
  const root = model.split('.')[0];
  if (root !== 'self' && !isBoundBefore(m, root, loop.fn, at)) return null;
  const folds = m.trainingLoops().get(loop)!.outer;
  let stem = 'model';
  if (folds.length > 1) return null;
  if (folds.length === 1) {
    const fold = foldIndexIn(m, folds[0], loop);
    if (!fold) return null;
    stem = `model_fold{${fold}}`;
  }
  const q = quote(m);
  const f = folds.length ? 'f' : '';
  return { torch: ensureModuleImport(m, 'torch'), model, best: `${f}${q}${stem}_best.pth${q}`, last: `${f}${q}${stem}_last.pth${q}`, q };
}

const quoteCache = new WeakMap<PythonModel, string>();

/** The file's own string quote (the more common of ' and "). */
function quote(m: PythonModel): string {
  const cached = quoteCache.get(m);
  if (cached) return cached;
  let single = 0;
  let double = 0;
  const visit = (n: Node) => {
    if (n.type === 'string') {
      const start = n.namedChildren.find((c) => c.type === 'string_start')?.text ?? '';
      if (start.endsWith("'")) single++;
      else if (start.endsWith('"')) double++;
      return;
    }
    for (const c of n.namedChildren) visit(c);
  };
  visit(m.root);
  const q = single > double ? "'" : '"';
  quoteCache.set(m, q);
  return q;
}

/**
 * The fold index of `fold` (an outer training loop) as a name visible in `loop`: the loop's own
 * index (`for fold in range(N)`, `for fold, (tr, va) in enumerate(...)`) when `loop` is in the same
 * function, else a parameter of `loop`'s function that every call on the way receives it through.
 */
function foldIndexIn(m: PythonModel, fold: LoopInfo, loop: LoopInfo): string | null {
  let index: string | null = null;
  const peeled = peelIterable(m, fold);
  if (peeled?.enumerated) {
    const first = fold.targetNode?.namedChildren[0];
    if (first?.type === 'identifier') index = first.text;
  } else if (fold.targetNode?.type === 'identifier' && peeled?.loader.type === 'call' && peeled.loader.childForFieldName('function')?.text === 'range') {
    index = fold.targetNode.text;
  }
  if (!index || index === '_') return null;
  if (fold.fn === loop.fn) return index;
  const fn = loop.fn;
  if (!fn) return null;
  const sites = m.callersOf(fn).filter((s) => s.fn === fold.fn && reachSet(m, fold).has(s));
  if (!sites.length) return null;
  for (const p of fn.params) {
    if (sites.every((s) => argumentAt(fn, p, s)?.text === index)) return p;
  }
  return null;
}

function epochLoopFix(m: PythonModel, epoch: LoopInfo): Fix | null {
  const src = m.source;
  const indent = blockIndent(src, epoch.body);
  if (indent === null) return null;
  const metric = validationMetric(m, epoch);
  if (metric) {
    const after = ownLineStatement(m, metric.after);
    const loopIndent = src.indentOf(epoch.node.startPosition.row);
    if (after && epoch.node.startPosition.column === loopIndent.length) {
      const n = naming(m, epoch, after.endIndex);
      if (!n) return null;
      const best = freshName(m, metric.direction === 'lower' ? 'best_val_loss' : 'best_val_score');
      const t = n.torch.name;
      const lines = [
        '# Save the best and the last checkpoint (a run killed early keeps the last one)',
        `if ${metric.name} ${metric.direction === 'lower' ? '<' : '>'} ${best}:`,
        `    ${best} = ${metric.name}`,
        `    ${t}.save(${n.model}.state_dict(), ${n.best})`,
        `${t}.save(${n.model}.state_dict(), ${n.last})`,
      ];
      const edits: TextEdit[] = [
        insertLinesBefore(src, epoch.node, [`${loopIndent}${best} = float(${n.q}${metric.direction === 'lower' ? 'inf' : '-inf'}${n.q})`]),
        insertLinesAfter(src, after, indentTemplate(lines, indent, src.indentUnit)),
      ];
      if (n.torch.edit) edits.push(n.torch.edit);
      return { title: `Save the best (by ${metric.name}) and the last checkpoint every epoch`, applicability: 'safe', edits };
    }
  }
  // no validation metric: the last checkpoint at the end of each epoch (before a final jump)
  const stmts = epoch.body.namedChildren.filter((s) => s.type !== 'comment');
  const last = stmts[stmts.length - 1];
  if (!last) return null;
  const jump = /^(break|continue|return|raise)_statement$/.test(last.type);
  const anchor = last;
  if (anchor.startPosition.column !== src.indentOf(anchor.startPosition.row).length) return null;
  const n = naming(m, epoch, jump ? anchor.startIndex : anchor.endIndex);
  if (!n) return null;
  const lines = indentTemplate(['# Save the last checkpoint every epoch (a run killed early keeps it)', `${n.torch.name}.save(${n.model}.state_dict(), ${n.last})`], indent, src.indentUnit);
  const edits: TextEdit[] = [jump ? insertLinesBefore(src, anchor, lines) : insertLinesAfter(src, anchor, lines)];
  if (n.torch.edit) edits.push(n.torch.edit);
  return { title: 'Save the last checkpoint every epoch', applicability: 'safe', edits };
}

/** A single pass over the batches: save once it is done. */
function afterLoopFix(m: PythonModel, loop: LoopInfo): Fix | null {
  const src = m.source;
  const indent = src.indentOf(loop.node.startPosition.row);
  if (loop.node.startPosition.column !== indent.length) return null;
  const n = naming(m, loop, loop.node.endIndex);
  if (!n) return null;
  const lines = indentTemplate(['# Save the trained model (predict.py needs it)', `${n.torch.name}.save(${n.model}.state_dict(), ${n.last})`], indent, src.indentUnit);
  const edits: TextEdit[] = [insertLinesAfter(src, loop.node, lines)];
  if (n.torch.edit) edits.push(n.torch.edit);
  return { title: 'Save the model after training', applicability: 'safe', edits };
}
