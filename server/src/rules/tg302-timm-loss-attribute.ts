/**
 * TG302 timm-loss-attribute
 *
 * What it does: finds `timm.loss.X` (any alias of the `timm` module: `import timm as tm` ->
 * `tm.loss.X`) in a file that only imports `timm` itself: nothing loads the `timm.loss`
 * submodule (`import timm.loss`, `from timm.loss import ...`, `from timm import loss`).
 * Why it is bad: `import timm` does not import `timm.loss` in every release, and the attribute
 * access fails with `AttributeError: module 'timm' has no attribute 'loss'` — at the line that
 * builds the criterion, after the data and the model have loaded. Hints, section 3.
 * Example: `import timm` then `criterion = timm.loss.SoftTargetCrossEntropy()`.
 * Fix: add `from timm.loss import X` (merged into an existing `from timm.loss import`) and use `X`.
 * Not offered when `X` already names something else in the file, or for a bare `timm.loss`.
 * Silent: code that uses `from timm.loss import X`; `import timm.loss` / `from timm import loss`
 * (the submodule is loaded on purpose); a local variable that happens to be called `timm`. A
 * `timm.loss.X` left next to a `from timm.loss import ...` is still reported: it works only as
 * long as that import stays.
 */
import type { Node } from '../analysis/parser';
import type { PythonModel } from '../analysis/model';
import { nodesOfType } from '../analysis/memo';
import { replaceNode } from '../fixes/edits';
import { ensureFromImport, ensureModuleImport } from '../fixes/imports';
import type { Fix, Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG302',
    name: 'timm-loss-attribute',
    severity: 'error',
    section: '3. Library version conflicts: timm API changes',
    summary: '`timm.loss.X` is reached through `import timm` only (AttributeError in some releases)',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    if (loadsTimmLoss(m)) return;
    for (const { attr, name } of lossAttributes(m)) {
      ctx.report({
        node: attr,
        message: `\`${attr.text}\` needs the timm.loss submodule, which \`import timm\` does not always load ("module 'timm' has no attribute 'loss'"): use \`from timm.loss import ${name}\``,
        fix: importFix(m, attr, name),
      });
    }
    // a bare `timm.loss` (getattr(timm.loss, name), passed around)
    for (const attr of nodesOfType(m, 'attribute')) {
      if (m.qualify(attr) !== 'timm.loss') continue;
      const parent = attr.parent;
      if (parent?.type === 'attribute' && parent.childForFieldName('object')?.id === attr.id) continue;
      const imp = ensureModuleImport(m, 'timm.loss');
      ctx.report({
        node: attr,
        message: '`timm.loss` is not loaded by `import timm` in every release ("module \'timm\' has no attribute \'loss\'"): add `import timm.loss`',
        fix: imp.edit ? { title: 'Add `import timm.loss`', applicability: 'safe', edits: [imp.edit] } : null,
      });
    }
  },
};

/** Every `<timm>.loss.X` read in the file. */
function lossAttributes(m: PythonModel): { attr: Node; name: string }[] {
  const out: { attr: Node; name: string }[] = [];
  for (const attr of nodesOfType(m, 'attribute')) {
    const obj = attr.childForFieldName('object');
    if (!obj || m.qualify(obj) !== 'timm.loss') continue;
    out.push({ attr, name: attr.childForFieldName('attribute')?.text ?? '' });
  }
  return out;
}

/** Is the `timm.loss` submodule imported as such (`import timm.loss`, `from timm import loss`)? */
function loadsTimmLoss(m: PythonModel): boolean {
  for (const node of m.importNodes) {
    if (node.type === 'import_statement') {
      for (const c of node.namedChildren) {
        const name = c.type === 'aliased_import' ? c.childForFieldName('name')?.text : c.text;
        if (name === 'timm.loss' || name?.startsWith('timm.loss.')) return true;
      }
    } else if (node.type === 'import_from_statement') {
      const mod = node.childForFieldName('module_name')?.text ?? '';
      if (mod === 'timm' && node.namedChildren.some((c) => c.id !== node.childForFieldName('module_name')?.id && (c.type === 'aliased_import' ? c.childForFieldName('name')?.text : c.text) === 'loss')) return true;
    }
  }
  return false;
}

/** `from timm.loss import X` (merged into an existing one) and this `timm.loss.X` -> `X`. */
function importFix(m: PythonModel, attr: Node, name: string): Fix | null {
  if (!/^[A-Za-z_]\w*$/.test(name)) return null;
  // an assignment target (`timm.loss.X = ...`) is not a use to rewrite
  const parent = attr.parent;
  if (parent?.type === 'assignment' && parent.childForFieldName('left')?.id === attr.id) return null;
  // the name must be free, or already mean timm.loss.X
  const local = [...m.imports].find(([, q]) => q === `timm.loss.${name}`)?.[0];
  if (!local && (m.bindings.has(name) || m.imports.has(name))) return null;
  const imp = ensureFromImport(m, 'timm.loss', name);
  const edits = [replaceNode(attr, imp.name)];
  if (imp.edit) edits.push(imp.edit);
  return { title: `Import ${name} from timm.loss`, applicability: 'safe', edits };
}
