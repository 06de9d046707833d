/**
 * TG301 albumentations-albucore-break
 *
 * What it does: reads the workspace's pinned requirements (`ctx.workspace.requirements`, filled
 * by the adapters from requirements.txt / pyproject) and finds
 * - `import albumentations` (any form) while the pins make pip install an albumentations from
 *   1.4.8 to 1.4.15 — the releases that import `preserve_channel_dim` from `albucore.utils` but
 *   leave albucore's version open — without albucore held below 0.0.17, the release that removed
 *   that function;
 * - `from albucore.utils import preserve_channel_dim` in the file itself while the pins let pip
 *   install albucore 0.0.17 or later (or no albucore at all).
 * Why it is bad: `ImportError: cannot import name 'preserve_channel_dim' from 'albucore.utils'` at
 * import time: the run dies before training, or, worse, after a long environment build; the hints'
 * section 3 (and 2B: "albumentations ImportError, 3 min debugging -> switch to torchvision").
 * Example: requirements `albumentations==1.4.10` (no albucore) and `import albumentations as A`.
 * Fix: none in this file (the pin belongs in requirements.txt, which a rule does not edit): the
 * message names the pins that work (albucore==0.0.16; or albumentations>=1.4.16, which pins its
 * own albucore; or albumentations==1.3.1 with albucore==0.0.7) or torchvision.transforms.
 * Silent: no requirements known, or albumentations not pinned; albumentations==1.3.1 (before
 * albucore) or >=1.4.16; albucore pinned below 0.0.17; files that use torchvision transforms.
 */
import type { Node } from '../analysis/parser';
import type { PythonModel } from '../analysis/model';
import { ceilingBelow, ceilingOf, ceilingWithin, requirement } from '../analysis/versions';
import type { Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG301',
    name: 'albumentations-albucore-break',
    severity: 'error',
    section: '3. Library version conflicts: albumentations',
    summary: 'The pinned albumentations / albucore versions fail at import (preserve_channel_dim removed from albucore.utils)',
    fixable: false,
  },
  check(ctx) {
    const m = ctx.model;
    const reqs = ctx.workspace.requirements;
    if (!reqs) return;
    const where = ctx.workspace.requirementsPath ? ctx.workspace.requirementsPath.split(/[\\/]/).pop()! : 'the requirements file';
    const albuSpec = requirement(reqs, 'albumentations');
    const coreSpec = requirement(reqs, 'albucore');
    const albu = ceilingOf(albuSpec);
    const core = ceilingOf(coreSpec);
    const coreOld = !!core && ceilingBelow(core, [0, 0, 17]);
    const advice = 'pin albucore==0.0.16, or upgrade to albumentations>=1.4.16 (it pins a matching albucore), or use albumentations==1.3.1 with albucore==0.0.7 — or switch to torchvision.transforms';

    const albuImport = importsOf(m, (mod) => mod === 'albumentations' || mod.startsWith('albumentations.'))[0];
    if (albuImport && albu && albuSpec !== '' && ceilingWithin(albu, [1, 4, 8], [1, 4, 15], [1, 4, 16]) && !coreOld) {
      ctx.report({
        node: albuImport,
        message: `${where} pins albumentations${albuSpec} without a compatible albucore: pip installs albucore>=0.0.17, which removed preserve_channel_dim, and this import fails with ImportError before training starts. Fix the pins: ${advice}`,
      });
    }
    for (const node of preserveChannelDimImports(m)) {
      if (coreOld || (albuSpec === null && coreSpec === null)) continue;
      ctx.report({
        node,
        message: `preserve_channel_dim is gone from albucore.utils since albucore 0.0.17, and ${where} ${coreSpec === null ? 'does not pin albucore' : `allows albucore${coreSpec}`}: this import fails with ImportError. Pin albucore==0.0.16 (with albumentations<=1.4.15), or stop importing it`,
      });
    }
  },
};

/** Import statements that load a module matching `test`. */
function importsOf(m: PythonModel, test: (module: string) => boolean): Node[] {
  const out: Node[] = [];
  for (const node of m.importNodes) {
    if (node.type === 'import_statement') {
      const names = node.namedChildren.map((c) => (c.type === 'aliased_import' ? c.childForFieldName('name')?.text ?? '' : c.text));
      if (names.some(test)) out.push(node);
    } else if (node.type === 'import_from_statement') {
      const mod = node.childForFieldName('module_name')?.text ?? '';
      if (test(mod)) out.push(node);
    }
  }
  return out;
}

/** `from albucore.utils import preserve_channel_dim` (any alias). */
function preserveChannelDimImports(m: PythonModel): Node[] {
  return importsOf(m, (mod) => mod === 'albucore.utils').filter((node) =>
    node.namedChildren.some((c) => c.id !== node.childForFieldName('module_name')?.id && (c.type === 'aliased_import' ? c.childForFieldName('name')?.text : c.text) === 'preserve_channel_dim'),
  );
}
