/**
 * Gradient accumulation marks shared by TG401 and the project summaries (summary.ts `accumulates`):
 * an optimizer / scaler step under an `if` whose condition has a `%` (`if (i + 1) % accum == 0:`).
 * Kept out of the rule module so that the summaries (bundled in the index thread) do not import rules.
 */
import type { Node } from './parser';
import type { CallSite } from './model';

/** Is the call under an `if` whose condition has a `%` (`if (i + 1) % accum == 0:`), below `stop`? */
export function stepUnderModulo(c: CallSite, stop: Node): boolean {
  for (let p = c.node.parent; p && p.id !== stop.id; p = p.parent) {
    if (p.type === 'if_statement' && hasModulo(p.childForFieldName('condition'))) return true;
  }
  return false;
}

function hasModulo(n: Node | null): boolean {
  if (!n) return false;
  if (n.type === 'binary_operator' && n.childForFieldName('operator')?.type === '%') return true;
  return n.namedChildren.some(hasModulo);
}
