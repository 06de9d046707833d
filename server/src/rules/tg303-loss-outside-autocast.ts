/**
 * TG303 loss-outside-autocast
 *
 * What it does: finds a model output computed inside `with autocast(...)` (any spelling: `torch.autocast`,
 * `torch.amp.autocast`, `torch.cuda.amp.autocast`, an alias) whose loss is computed after the block.
 * Why it is bad: the output is half precision and the loss then runs without autocast's per-op casting:
 * `RuntimeError: "nll_loss_out_frame" not implemented for 'Half'` at the first batch, or a loss computed
 * in fp16 that overflows. The hints' section 3 (mixed precision type error).
 * Example: `with autocast(): out = model(x)` then `loss = criterion(out, y)` after the block.
 * Fix: move the loss statement(s) into the `with` block, re-indented, comments kept. Silent when the
 * loss is inside the block, or is computed on outputs cast back to float32 on purpose (`out.float()`).
 */
import type { Node } from '../analysis/parser';
import type { CallSite, PythonModel, WithInfo } from '../analysis/model';
import { blockIndent, reindentLines, rangeOfRows } from '../fixes/edits';
import type { Fix, Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG303',
    name: 'loss-outside-autocast',
    severity: 'error',
    section: '3. Library version conflicts: mixed precision type error',
    summary: 'The loss is computed after the autocast block that produced the model output',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    for (const block of m.autocastBlocks()) {
      const produced = outputsProducedIn(m, block);
      if (!produced.size) continue;
      const after = followingStatements(block.node);
      const rebound = new Set<string>();
      for (const stmt of after) {
        for (const call of callsIn(m, stmt)) {
          if (call.withs.some((w) => m.isAutocast(w))) continue;
          if (!m.isLossCall(call)) continue;
          const used = halfPrecisionInputs(m, call, produced, rebound);
          if (!used.length) continue;
          ctx.report({
            node: call.node,
            message: `Loss computed outside the autocast block that produced \`${used[0]}\`: compute it inside \`with ${block.items[0].value.text}:\` (a half-precision output outside autocast crashes with "not implemented for 'Half'" or loses precision)`,
            fix: moveIntoBlock(m, block, stmt),
            related: [{ range: rangeOf(block.items[0].value), message: 'the autocast block that computes the output' }],
          });
        }
        for (const name of boundIn(m, stmt)) rebound.add(name);
      }
    }
  },
};

function rangeOf(n: Node) {
  return { start: { line: n.startPosition.row, character: n.startPosition.column }, end: { line: n.endPosition.row, character: n.endPosition.column } };
}

/** Names assigned inside the block from a model forward pass (or an unresolved callable: a model we cannot see). */
function outputsProducedIn(m: PythonModel, block: WithInfo): Set<string> {
  const out = new Set<string>();
  for (const b of m.bindingsWithin(block.body.startIndex, block.body.endIndex)) {
    if ((b.kind !== 'assign' && b.kind !== 'unpack') || b.fn !== block.fn || !b.value) continue;
    if (producesModelOutput(m, b.value)) out.add(b.name);
  }
  return out;
}

function producesModelOutput(m: PythonModel, value: Node): boolean {
  let v: Node | null = value;
  // out = model(x).logits / model(x)[0] / model(x).squeeze(1)
  while (v && (v.type === 'attribute' || v.type === 'subscript' || (v.type === 'call' && v.childForFieldName('function')?.type === 'attribute' && isForwardLess(m, v)))) {
    v = v.type === 'call' ? v.childForFieldName('function')!.childForFieldName('object') : v.childForFieldName('object') ?? v.childForFieldName('value');
  }
  if (!v || v.type !== 'call') return false;
  const call = m.callAt(v);
  if (!call) return false;
  if (m.isModelCall(call)) return true;
  // a callable we cannot resolve (a parameter never bound in this file): treat as the model
  if (call.callee.type === 'identifier' && !m.qualify(call.callee) && m.originsOf(call.callee).every((o) => o.base === null)) {
    return m.bindingsIn(call.callee.text, call.fn).some((b) => b.kind === 'param');
  }
  return false;
}

/** `model(x).squeeze(1)`: a tensor method applied to a forward pass (not itself a forward pass). */
function isForwardLess(m: PythonModel, v: Node): boolean {
  const call = m.callAt(v);
  return !!call && !m.isModelCall(call) && !!call.receiver && call.receiver.type === 'call';
}

function followingStatements(stmt: Node): Node[] {
  const out: Node[] = [];
  for (let s = stmt.nextNamedSibling; s; s = s.nextNamedSibling) if (s.type !== 'comment') out.push(s);
  return out;
}

function callsIn(m: PythonModel, stmt: Node): CallSite[] {
  return m.callsWithin(m.functionAt(stmt), stmt.startIndex, stmt.endIndex);
}

function boundIn(m: PythonModel, stmt: Node): string[] {
  return [...new Set(m.bindingsWithin(stmt.startIndex, stmt.endIndex).map((b) => b.name))];
}

/** Arguments of the loss that read an autocast output as is (not cast back to float32). */
function halfPrecisionInputs(m: PythonModel, call: CallSite, produced: Set<string>, rebound: Set<string>): string[] {
  const out: string[] = [];
  const inputs = [...call.args, ...call.keywords.values()];
  for (const arg of inputs) {
    if (isFloatCast(arg)) continue;
    for (const name of m.identifiersIn(arg)) if (produced.has(name) && !rebound.has(name)) out.push(name);
  }
  return out;
}

/** `out.float()`, `out.double()`, `out.to(torch.float32)`, `out.type(torch.float32)`, `out.float().squeeze()`. */
function isFloatCast(arg: Node): boolean {
  for (let n: Node | null = arg; n && n.type === 'call'; ) {
    const f = n.childForFieldName('function');
    if (f?.type !== 'attribute') return false;
    const method = f.childForFieldName('attribute')?.text;
    if (method === 'float' || method === 'double') return true;
    if (method === 'to' || method === 'type') {
      const a = n.childForFieldName('arguments')?.text ?? '';
      if (/float32|float64|\bfloat\b|double/.test(a)) return true;
    }
    n = f.childForFieldName('object');
  }
  return false;
}

/**
 * Moves the statements from the block's end through `stmt` into the block by re-indenting them.
 * Declined when they include a backward or optimizer step (those belong outside autocast), or when
 * the block's body sits on its header line.
 */
function moveIntoBlock(m: PythonModel, block: WithInfo, stmt: Node): Fix | null {
  const src = m.source;
  const bodyIndent = blockIndent(src, block.body);
  const withIndent = src.indentOf(block.node.startPosition.row);
  if (bodyIndent === null || !bodyIndent.startsWith(withIndent) || bodyIndent === withIndent) return null;
  const fromRow = block.node.endPosition.row + 1;
  const toRow = stmt.endPosition.row;
  const fn = m.functionAt(stmt);
  const moved = (fn ? fn.calls : m.moduleCalls).filter((c) => c.node.startPosition.row >= fromRow && c.node.endPosition.row <= toRow);
  if (moved.some((c) => m.isTrainingStep(c) || c.method === 'zero_grad')) return null;
  // never move a statement that ends another construct on the same line
  if (src.lineText(toRow).slice(stmt.endPosition.column).trim() && !src.lineText(toRow).slice(stmt.endPosition.column).trim().startsWith('#')) return null;
  const lines = reindentLines(src, m.root, fromRow, toRow, withIndent, bodyIndent);
  if (!lines) return null;
  return {
    title: 'Move the loss into the autocast block',
    applicability: 'safe',
    edits: [{ range: rangeOfRows(src, fromRow, toRow), newText: lines.join(src.eol) }],
  };
}
