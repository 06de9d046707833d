/**
 * TG205 no-loss-sanity-check
 *
 * What it does: finds a hand-written classification training loop (the batch loop reaches
 * `nn.CrossEntropyLoss`, `F.cross_entropy`, `nn.NLLLoss`, timm's label-smoothing / soft-target
 * cross-entropy) while the file never compares a loss with the random baseline ln(num_classes)
 * (a `math.log` / `np.log` / `torch.log` whose value is compared). The loss is also found inside the
 * forward of the file's own model class (a model that returns its loss) and in the criterion handed
 * to an epoch step the file cannot read (`train_one_epoch(model, criterion, loader, opt)`).
 * Why it is bad: a model that does not learn (labels misaligned, lr far off, frozen backbone,
 * training silently on the CPU) keeps its loss at ln(C), 4.79 for 120 classes, and the run burns
 * its whole budget before anyone notices. Hints, section 2: after 1-2 epochs compare the
 * validation loss with ln(num_classes) and kill the run when it is within 0.1.
 * Example: `for epoch in range(EPOCHS): train_one_epoch(...); val_loss, acc = validate(...)`.
 * Reported once per classification criterion, on the criterion (the `nn.CrossEntropyLoss(...)` /
 * `nn.NLLLoss(...)` creation, every branch that may create it; the `F.cross_entropy(...)` call when
 * there is no criterion object), with the epoch loops that train with it as related information.
 * Fix: insert the baseline check after the validation step of the epoch loop, using the file's
 * own epoch counter, validation-loss name and number of classes (from `num_classes=` /
 * `num_labels=` of the model, or the `nn.Linear` head it is given). Not offered when one of those
 * cannot be found.
 * Silent: regression / multi-label losses (MSE, BCE); files that already compare with the
 * baseline; framework loops.
 */
import type { Node } from '../analysis/parser';
import type { FunctionInfo, LoopInfo, PythonModel } from '../analysis/model';
import { isWithin } from '../analysis/model';
import { isClassificationLoss } from '../analysis/knowledge';
import { modelCreations, trainedModelUses } from '../analysis/devices';
import { bodyStatements, classificationCriteria, classificationCriteriaOf, functionTrains, hasBaselineCheck, lossBoundFromCall, lossKind, lossNames } from '../analysis/losses';
import { delegatedLoops, lossArguments, lossArgumentsOf, wholeTrainingCalls } from '../analysis/imported';
import { scriptConstant } from '../analysis/config-values';
import { nodesOfType, reachFromLoop } from '../analysis/memo';
import { freshName, indentTemplate, insertLinesAfter } from '../fixes/edits';
import { spellAt, spellModuleAttr } from '../fixes/spelling';
import { headerRange } from './tg211-no-smoke-test';
import { nodeRange, type Fix, type Rule, type RuleContext } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG205',
    name: 'no-loss-sanity-check',
    severity: 'information',
    section: '2. GPU validation: loss vs random baseline',
    summary: 'A classification loop never compares its loss with the random baseline ln(num_classes)',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    const facts = m.trainingLoops();
    if (hasBaselineCheck(m)) return;
    reportWholeTrainings(ctx);
    if (!facts.size) return;
    // the classification criteria each training batch loop computes its loss with
    const criteriaOf = new Map<LoopInfo, Node[]>();
    const forwardLosses = lossesInForward(m);
    for (const l of m.batchLoops()) {
      const found = new Map<number, Node>();
      for (const c of reachFromLoop(m, l)) for (const n of classificationCriteria(m, c)) found.set(n.id, n);
      for (const n of forwardLosses.get(l) ?? []) found.set(n.id, n);
      if (found.size) criteriaOf.set(l, [...found.values()]);
    }
    // epoch loops whose step is a function the file cannot read, handed a classification criterion
    // (`train_one_epoch(model, criterion, loader, opt)`, the criterion chosen in any branch)
    const delegatedOf = new Map<LoopInfo, Node[]>();
    for (const f of facts.values()) {
      if (!f.delegated) continue;
      const found = new Map<number, Node>();
      for (const c of reachFromLoop(m, f.loop)) {
        // a step the file cannot read, or whose step its summary does not show (a backward inside a library
        // scaler call); a read module that shows the step is judged by its summary below, one that compares
        // with the baseline is silent
        const imported = m.importedFunction(c);
        if (!m.isDelegatedStep(c) || (imported && (imported.facts.trainingStep === true || imported.module?.baselineCheck !== false))) continue;
        for (const a of [...c.args, ...c.keywords.values()]) if (m.hasRole(a, 'loss')) for (const n of classificationCriteriaOf(m, a)) found.set(n.id, n);
      }
      if (found.size) delegatedOf.set(f.loop, [...found.values()]);
    }
    // an epoch loop whose step is another module's function of the project, read: the criteria it hands
    // that function as the loss it trains with (unless that module compares with the baseline itself)
    const handed: LoopInfo[] = [];
    for (const d of delegatedLoops(m)) {
      if (d.facts.trainingStep !== true || d.functions.some((f) => f.module?.baselineCheck !== false)) continue;
      const found = new Map<number, Node>();
      for (const a of lossArguments(d)) for (const n of classificationCriteriaOf(m, a)) found.set(n.id, n);
      if (found.size) {
        criteriaOf.set(d.loop, [...found.values()]);
        handed.push(d.loop);
      }
    }
    if (!criteriaOf.size && !delegatedOf.size) return;
    const batch = [...criteriaOf.keys()].filter((l) => !handed.includes(l));
    const epochLoops = [...facts.values()]
      .filter((f) => f.inner.length && f.inner.every((l) => !facts.get(l)!.inner.length) && f.inner.some((l) => criteriaOf.has(l)))
      .map((f) => f.loop)
      .concat(handed);
    // no epoch loop: a lone batch loop is the whole training (a one-batch smoke test is not)
    const oneShot = (l: LoopInfo) => l.body.namedChildren.some((c) => c.type === 'break_statement');
    const targets = [...(epochLoops.length ? epochLoops : batch.filter((l) => !facts.get(l)!.outer.length && !oneShot(l))), ...delegatedOf.keys()];
    for (const [l, ns] of delegatedOf) criteriaOf.set(l, [...(criteriaOf.get(l) ?? []), ...ns]);
    // once per criterion, on the criterion; the loops that train with it are related information
    const criteria = new Map<number, { node: Node; loops: LoopInfo[] }>();
    for (const loop of targets.sort((a, b) => a.node.startIndex - b.node.startIndex)) {
      const trained = criteriaOf.has(loop) ? [loop] : facts.get(loop)!.inner.filter((l) => criteriaOf.has(l));
      for (const l of trained) {
        for (const n of criteriaOf.get(l)!) {
          const entry = criteria.get(n.id) ?? { node: n, loops: [] };
          if (!entry.loops.includes(loop)) entry.loops.push(loop);
          criteria.set(n.id, entry);
        }
      }
    }
    const fixes = new Map<LoopInfo, Fix | null>();
    const fixFor = (loop: LoopInfo): Fix | null => {
      if (!epochLoops.includes(loop)) return null;
      if (!fixes.has(loop)) fixes.set(loop, baselineFix(m, loop));
      return fixes.get(loop)!;
    };
    for (const { node, loops } of [...criteria.values()].sort((a, b) => a.node.startIndex - b.node.startIndex)) {
      const at = loops.find((l) => fixFor(l) !== null);
      let fix = at ? fixFor(at) : null;
      // the check goes into the loop, which may be in another function than the criterion: the title says where
      if (fix && at && at.fn !== m.functionAt(node)) fix = { ...fix, title: `${fix.title} (in the epoch loop ${at.fn ? `of ${at.fn.name}()` : 'at module level'}, line ${at.node.startPosition.row + 1})` };
      ctx.report({
        node,
        message: 'Classification loss with no sanity check: after the first epochs compare the validation loss with ln(num_classes); a loss stuck at that baseline means the model is not learning (stop the run before it burns the budget)',
        fix,
        related: loops.map((l) => ({ range: headerRange(l.node), message: epochLoops.includes(l) ? 'the epoch loop that trains with this loss' : 'the training loop that uses this loss' })),
      });
    }
  },
};

/**
 * Classification losses computed inside the forward pass of a model a batch loop trains (a local
 * `nn.Module` whose `forward` returns `F.cross_entropy(logits, y)` with the logits): the batch
 * loops -> the loss calls.
 */
function lossesInForward(m: PythonModel): Map<LoopInfo, Node[]> {
  const out = new Map<LoopInfo, Node[]>();
  for (const use of trainedModelUses(m)) {
    for (const creation of modelCreations(m, use.expr)) {
      const q = m.callAt(creation)?.qualified ?? '';
      const fwd = q.startsWith('<local>.') ? m.classes.get(q.slice(8))?.methods.get('forward') : undefined;
      if (!fwd) continue;
      const found = out.get(use.loop) ?? [];
      for (const c of m.reachableFromFunction(fwd)) for (const n of classificationCriteria(m, c)) if (!found.some((x) => x.id === n.id)) found.push(n);
      if (found.length) out.set(use.loop, found);
    }
  }
  return out;
}

/**
 * A criterion handed to a function of another module of the project that runs a whole training
 * with it as its loss (`engine.train(..., loss_fn=loss_fn, ...)` at module level), when that module
 * never compares with the baseline: on the criterion, the call as related information. No fix.
 */
function reportWholeTrainings(ctx: RuleContext): void {
  const m = ctx.model;
  const seen = new Set<number>();
  for (const { call, fn } of wholeTrainingCalls(m)) {
    if (fn.module?.baselineCheck !== false) continue;
    for (const a of lossArgumentsOf(call, fn)) {
      for (const n of classificationCriteriaOf(m, a)) {
        if (seen.has(n.id)) continue;
        seen.add(n.id);
        ctx.report({
          node: n,
          message: 'Classification loss with no sanity check: after the first epochs compare the validation loss with ln(num_classes); a loss stuck at that baseline means the model is not learning (stop the run before it burns the budget)',
          related: [{ range: nodeRange(call.node), message: `the training that uses this loss: \`${fn.summary.name}\` (${fn.file.split(/[\\/]/).pop()})` }],
        });
      }
    }
  }
}


/** The statement that computes the validation loss in the epoch loop, and the name it binds. */
function validationStep(m: PythonModel, loop: LoopInfo): { name: string; stmt: Node } | null {
  const evaluates = (f: FunctionInfo) => !functionTrains(m, f) && m.reachableFromFunction(f).some((c) => m.isModelCall(c));
  for (const s of bodyStatements(loop)) {
    const bound = lossBoundFromCall(m, s, evaluates);
    if (bound) return { name: bound.name, stmt: s };
  }
  // inline: a loss accumulated outside the training loops of the epoch body
  const facts = m.trainingLoops();
  // (the loops of the same function, in the order of `m.loops`: not every loop of the file)
  const training = (loop.fn ? loop.fn.loops : m.moduleLoops).filter((l) => l !== loop && isWithin(l.node, loop.body) && facts.has(l)).map((l) => l.node);
  const names = lossNames(m, loop.fn, loop.body, training);
  let best: { name: string; stmt: Node; at: number } | null = null;
  for (const name of names) {
    for (const b of m.bindingsInScope(name, loop.fn)) {
      if (!isWithin(b.node, loop.body) || training.some((t) => isWithin(b.node, t))) continue;
      const stmt = directChild(loop.body, b.node);
      if (stmt && (!best || b.node.startIndex > best.at)) best = { name, stmt, at: b.node.startIndex };
    }
  }
  return best && { name: best.name, stmt: best.stmt };
}

function directChild(block: Node, node: Node): Node | null {
  let n: Node | null = node;
  while (n && n.parent && n.parent.id !== block.id) n = n.parent;
  return n && n.parent?.id === block.id ? n : null;
}

/**
 * The class count of a hand-written classification training loop (a batch loop reaching a
 * class-index loss), as a number: what `numClasses` finds, resolved through the file's constants
 * and config objects (not argparse defaults: the command line may change them). Null when there is
 * no such loop, no class count, or several different ones.
 * The run guard compares the validation loss it reads in the output with ln(this).
 */
export function classificationClassCount(m: PythonModel): { value: number; line: number } | null {
  const classifies = (l: LoopInfo) => reachFromLoop(m, l).some((c) => {
    const k = lossKind(m, c);
    return !!k && isClassificationLoss(k);
  });
  const batch = m.batchLoops().filter(classifies);
  const found = new Map<number, number>();
  for (const loop of batch) {
    const n = numClasses(m, loop);
    if (!n) continue;
    // what the file itself fixes: an argparse default is unknown (the run may pass --num-classes)
    const v = scriptConstant(m, n);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 2) return null;
    if (!found.has(v)) found.set(v, n.startPosition.row + 1);
  }
  if (found.size !== 1) return null;
  const [[value, line]] = [...found];
  return { value, line };
}

/** The number of classes of the model trained in `loop`: `num_classes=` / `num_labels=` / `classes=`, or the out size of the `nn.Linear` head it is given. */
function numClasses(m: PythonModel, loop: LoopInfo): Node | null {
  const reached = new Set(m.loopsReachedFrom(loop));
  const creations: Node[] = [];
  for (const use of trainedModelUses(m)) if (reached.has(use.loop) || use.loop === loop) creations.push(...modelCreations(m, use.expr));
  if (!creations.length) return null;
  const found: Node[] = [];
  for (const c of creations) {
    const call = m.callAt(c);
    const kw = call?.keywords.get('num_classes') ?? call?.keywords.get('num_labels') ?? call?.keywords.get('classes');
    if (kw) found.push(kw);
    else if (call?.qualified === 'torch.nn.Linear') {
      const out = call.keywords.get('out_features') ?? call.args[1];
      if (out) found.push(out);
    }
  }
  // a replaced head: `model.fc = nn.Linear(model.fc.in_features, NUM_CLASSES)`
  for (const n of nodesOfType(m, 'assignment')) {
    {
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      const call = right?.type === 'call' ? m.callAt(right) : undefined;
      if (left && call?.qualified === 'torch.nn.Linear' && (left.type === 'attribute' || left.type === 'subscript')) {
        let root: Node | null = left;
        while (root && (root.type === 'attribute' || root.type === 'subscript')) root = root.childForFieldName('object') ?? root.childForFieldName('value');
        if (root && modelCreations(m, root).some((x) => creations.some((y) => y.id === x.id))) {
          const out = call.keywords.get('out_features') ?? call.args[1];
          if (out) found.push(out);
        }
      }
    }
  }
  const last = found[found.length - 1];
  return last ?? null;
}

/** `epoch < 2` for `for epoch in range(N)`, `epoch < S + 2` for `range(S, N)` with a constant start. */
function firstEpochs(m: PythonModel, loop: LoopInfo): string | null {
  if (loop.kind !== 'for' || loop.targets.length !== 1 || loop.targetNode?.type !== 'identifier' || loop.iter?.type !== 'call') return null;
  const callee = loop.iter.childForFieldName('function');
  if (callee?.type !== 'identifier' || callee.text !== 'range' || m.bindingsIn('range', loop.fn).length) return null;
  const args = loop.iter.childForFieldName('arguments')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
  const epoch = loop.targets[0];
  if (args.length === 1) return `${epoch} < 2`;
  const start = scriptConstant(m, args[0]);
  if (args.length >= 2 && typeof start === 'number' && Number.isInteger(start)) return `${epoch} < ${start + 2}`;
  return null;
}

function baselineFix(m: PythonModel, loop: LoopInfo): Fix | null {
  const src = m.source;
  const cond = firstEpochs(m, loop);
  const val = validationStep(m, loop);
  const classesNode = numClasses(m, loop);
  if (!cond || !val || !classesNode) return null;
  const indent = src.indentOf(val.stmt.startPosition.row);
  if (val.stmt.startPosition.column !== indent.length) return null;
  const classes = spellAt(m, classesNode, loop.fn, val.stmt.endIndex);
  const log = spellModuleAttr(m, 'math', 'log');
  if (!classes || !log) return null;
  const baseline = freshName(m, 'random_baseline');
  const v = val.name;
  const lines = [
    '# Loss sanity check: a validation loss still at ln(num_classes) means the model is not learning',
    `if ${cond}:`,
    `    ${baseline} = ${log.text}(${classes})`,
    `    if abs(${v} - ${baseline}) < 0.1:`,
    `        print(f"WARNING: val loss {${v}:.4f} is at the random baseline ln(num_classes) = {${baseline}:.2f}: the model is not learning (check labels, lr, device)")`,
  ];
  const edits = [insertLinesAfter(src, val.stmt, indentTemplate(lines, indent, src.indentUnit))];
  if (log.edit) edits.push(log.edit);
  return { title: 'Compare the validation loss with the random baseline ln(num_classes)', applicability: 'safe', edits };
}
