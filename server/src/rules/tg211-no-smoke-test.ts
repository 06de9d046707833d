/**
 * TG211 no-smoke-test
 *
 * What it does: finds a full hand-written training loop with no one-batch forward + backward before
 * it (no `next(iter(loader))` step outside the batch loops, no one-shot loop that breaks after a
 * batch, no `fast_dev_run`, no `--smoke` / `--dry-run` flag).
 * Why it is bad: a data-loading bug, a hung weight download or an OOM shows up only after the
 * workers spin up and the first epoch starts, minutes into the budget. The hints' section 2A: six
 * launches that all hung at initialisation, zero training done.
 * Example: `for epoch in range(EPOCHS): for x, y in loader: ...` with nothing before it.
 * Fix: insert the one-batch smoke test before the fold/epoch loop, wired to the file's own model,
 * loader, criterion, scaler and device names (taken from the batch loop, followed back through
 * the calls into `train_one_epoch(...)`). Not offered when those names cannot be resolved.
 */
import type { Node } from '../analysis/parser';
import type { CallSite, LoopInfo, PythonModel } from '../analysis/model';
import { stringValue } from '../analysis/model';
import { describeBatchStep, nameInScope, type BatchStep } from '../analysis/training';
import { freshName, indentTemplate, insertLinesBefore } from '../fixes/edits';
import type { TextEdit } from '../analysis/source';
import { currentAutocastText, reportsDeprecatedAmp } from './tg304-deprecated-cuda-amp';
import type { Fix, Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG211',
    name: 'no-smoke-test',
    severity: 'warning',
    section: '2A. Training smoke test',
    summary: 'The full training loop starts with no one-batch smoke test before it',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    if (hasSmokeSwitch(m)) return;
    const facts = m.trainingLoops();
    const oneShot = (l: LoopInfo) => l.body.namedChildren.some((c) => c.type === 'break_statement');
    const full = [...facts.values()].filter((f) => !oneShot(f.loop));
    if (!full.length) return;
    // steps reached from the full batch loops are training, any other backward is a smoke test
    const batchReach = new Set<CallSite>();
    for (const f of full) if (f.inner.length === 0) for (const c of m.reachableFromLoop(f.loop)) batchReach.add(c);
    const smoke = m.calls.some((c) => c.method === 'backward' && !batchReach.has(c));
    if (smoke) return;
    // each training run the file starts (an outermost loop that runs here: library code is judged
    // in the script that calls it) needs its own smoke test
    // reported on the run's epoch loop (not on a fold loop around it); the fix goes before the run
    const outermost = full.filter((f) => f.outer.every((o) => oneShot(o)) && m.runsInFile(f.loop)).map((f) => f.loop);
    const proper = new Set(m.epochLoopsProper());
    const anchors = new Map<LoopInfo, LoopInfo>();
    for (const loop of outermost.sort((a, b) => a.node.startIndex - b.node.startIndex)) {
      const epoch = proper.has(loop) ? loop : facts.get(loop)!.inner.filter((l) => proper.has(l)).sort((a, b) => a.node.startIndex - b.node.startIndex)[0];
      const at = epoch ?? loop;
      if (!anchors.has(at)) anchors.set(at, loop);
    }
    for (const [at, loop] of [...anchors].sort((a, b) => a[0].node.startIndex - b[0].node.startIndex)) {
      ctx.report({
        range: headerRange(at.node),
        message: 'Full training starts with no smoke test: run one batch forward + backward first, so a hang, a loader error or an OOM shows in seconds, not minutes into the budget',
        // the fix inserts before the whole run: its title says where when that is another function
        fix: smokeTestFix(m, loop, at.fn, reportsDeprecatedAmp(ctx)),
      });
    }
  },
};

/** `fast_dev_run=...`, an argparse `--smoke` / `--dry-run` / `--fast-dev-run` flag. */
function hasSmokeSwitch(m: PythonModel): boolean {
  for (const c of m.calls) {
    if (c.keywords.has('fast_dev_run')) return true;
    if (c.method === 'add_argument') {
      for (const a of c.args) {
        const v = stringValue(a);
        if (v && /^--?(smoke|smoke[-_]test|dry[-_]run|fast[-_]dev[-_]run|sanity[-_]check)$/.test(v)) return true;
      }
    }
  }
  return false;
}

export function headerRange(loop: Node) {
  const body = loop.childForFieldName('body');
  const endRow = loop.startPosition.row;
  const endCol = body && body.startPosition.row === endRow ? body.startPosition.column : Number.MAX_SAFE_INTEGER;
  return { start: { line: loop.startPosition.row, character: loop.startPosition.column }, end: { line: endRow, character: endCol === Number.MAX_SAFE_INTEGER ? loop.startPosition.column + firstLineLength(loop) : endCol } };
}

function firstLineLength(n: Node): number {
  const t = n.text;
  const i = t.search(/\r|\n/);
  return i < 0 ? t.length : i;
}

/** The chain of training loops from `outer` down to a describable batch loop. */
function candidateInsertions(m: PythonModel, outer: LoopInfo): { at: LoopInfo; step: BatchStep }[] {
  const facts = m.trainingLoops();
  const f = facts.get(outer)!;
  const batch = (f.inner.length ? f.inner : [outer]).filter((l) => facts.get(l)!.inner.length === 0);
  const out: { at: LoopInfo; step: BatchStep }[] = [];
  for (const b of batch) {
    const step = describeBatchStep(m, b);
    if (!step) continue;
    // try the outermost loop first, then every training loop on the way down (same function or not)
    const chain = [outer, ...f.inner.filter((l) => facts.get(l)!.inner.length > 0 && m.loopsReachedFrom(l).includes(b)), b];
    for (const at of chain) out.push({ at, step });
  }
  return out;
}

/** The smoke-test fix for the run starting at `outer`; its title names the function it edits when that is not `reportedIn`'s. */
function smokeTestFix(m: PythonModel, outer: LoopInfo, reportedIn: LoopInfo['fn'], modernAmp: boolean): Fix | null {
  for (const { at, step } of candidateInsertions(m, outer)) {
    const fix = buildSmokeTest(m, at, step, modernAmp);
    if (fix) return at.fn === reportedIn ? fix : { ...fix, title: `${fix.title} (${at.fn ? `in \`${at.fn.name}\`` : 'at module level'})` };
  }
  return null;
}

/** `modernAmp`: a deprecated `torch.cuda.amp.autocast(...)` is copied in its torch.amp form (TG304 would report the copy). */
function buildSmokeTest(m: PythonModel, at: LoopInfo, step: BatchStep, modernAmp: boolean): Fix | null {
  const src = m.source;
  const before = at.node.startIndex;
  const from = step.loop.fn;
  const spell = (n: Node | null): string | null => (n && n.type === 'identifier' ? nameInScope(m, n.text, from, at.fn, before) : null);
  const model = spell(step.modelCall.callee);
  const loader = spell(step.loader);
  const criterion = step.lossCall.callee.type === 'identifier' ? spell(step.lossCall.callee) : importOnly(m, step.lossCall.callee);
  if (!model || !loader || !criterion) return null;
  const scaler = step.scaler ? spell(step.scaler) : null;
  if (step.scaler && !scaler) return null;
  let move = '';
  if (step.move?.kind === 'cuda') move = '.cuda(non_blocking=True)';
  else if (step.move?.kind === 'to') {
    const dev = step.move.device.type === 'identifier' ? spell(step.move.device) : importOnly(m, step.move.device);
    if (!dev) return null;
    move = `.to(${dev})`;
  }
  let autocast: string | null = null;
  let importEdit: TextEdit | null = null;
  if (step.autocast) {
    const item = step.autocast.items.find((i) => m.isAutocast({ ...step.autocast!, items: [i] }));
    autocast = item ? importOnly(m, item.value) : null;
    if (!autocast) return null;
    if (modernAmp) {
      const current = currentAutocastText(m, item!.value);
      if (!current) return null;
      autocast = current.text;
      importEdit = current.edit;
    }
  }
  const x = freshName(m, 'smoke_inputs');
  const y = freshName(m, 'smoke_targets');
  const out = freshName(m, 'smoke_outputs');
  const loss = freshName(m, 'smoke_loss');
  const extra = step.batchNames.length > 2 ? `, *${freshName(m, 'smoke_rest')}` : '';
  const lines = [
    '# Smoke test: one batch forward + backward before the full run (fails in seconds, not minutes)',
    'print("Running smoke test (1 batch)...")',
    `${x}, ${y}${extra} = next(iter(${loader}))`,
    ...(move ? [`${x}, ${y} = ${x}${move}, ${y}${move}`] : []),
    ...(autocast
      ? [`with ${autocast}:`, `    ${out} = ${model}(${x})`, `    ${loss} = ${criterion}(${out}, ${y})`]
      : [`${out} = ${model}(${x})`, `${loss} = ${criterion}(${out}, ${y})`]),
    scaler ? `${scaler}.scale(${loss}).backward()` : `${loss}.backward()`,
    `${model}.zero_grad(set_to_none=True)  # the smoke step must not leak gradients into training`,
    `print(f"Smoke test passed: loss {${loss}.item():.4f}")`,
  ];
  const indent = src.indentOf(at.node.startPosition.row);
  if (at.node.startPosition.column !== indent.length) return null;
  return {
    title: 'Insert a one-batch smoke test before the training loop',
    applicability: 'safe',
    edits: [...(importEdit ? [importEdit] : []), insertLinesBefore(src, at.node, indentTemplate(lines, indent, src.indentUnit))],
  };
}

/** The text of an expression whose every name is an import or a module-level name (valid anywhere after the imports), else null. */
function importOnly(m: PythonModel, n: Node): string | null {
  const ids = m.identifiersIn(n);
  const global = (id: string) => m.imports.has(id) || (m.bindings.get(id) ?? []).some((b) => b.fn === null && b.kind === 'assign');
  return ids.every(global) ? n.text : null;
}
