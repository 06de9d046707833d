/**
 * fixes/imports.ts: a new import goes once, after the header comments, the module docstring,
 * `__future__` imports and the leading import block, in the file's own line endings; a name from a
 * module already imported with `from x import` is merged into that statement.
 */
import * as assert from 'assert';
import { applyEdits } from '../../server/src/analysis/source';
import { ensureFromImport, ensureModuleImport } from '../../server/src/fixes/imports';
import { ready, pythonSyntaxError, withModel } from './helpers';


function addModule(text: string, module: string): { text: string; name: string } {
  return withModel(text, (m) => {
    const r = ensureModuleImport(m, module);
    return { text: r.edit ? applyEdits(text, [r.edit]) : text, name: r.name };
  });
}

function addFrom(text: string, module: string, name: string): { text: string; name: string } {
  return withModel(text, (m) => {
    const r = ensureFromImport(m, module, name);
    return { text: r.edit ? applyEdits(text, [r.edit]) : text, name: r.name };
  });
}

describe('imports added by fixes', () => {
  before(ready);

  const moduleCases: [string, string, string][] = [
    ['no header at all', 'x = 1\n', 'import torch\nx = 1\n'],
    ['a comment that introduces the code stays with it', '# Train\nx = 1\n', 'import torch\n# Train\nx = 1\n'],
    ['after a one-line docstring', '"""Train."""\nx = 1\n', '"""Train."""\nimport torch\nx = 1\n'],
    ['after a multi-line docstring and __future__', '"""Train.\n\nMore.\n"""\nfrom __future__ import annotations\n\nx = 1\n', '"""Train.\n\nMore.\n"""\nfrom __future__ import annotations\nimport torch\n\nx = 1\n'],
    ['after the shebang and encoding lines', '#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# Train\nx = 1\n', '#!/usr/bin/env python\n# -*- coding: utf-8 -*-\nimport torch\n# Train\nx = 1\n'],
    ['after header comments, docstring and the import block', '#!/usr/bin/env python\n# (c) me\n"""Doc."""\nimport os\nimport sys  # why\n\n# Config\nX = 1\n', '#!/usr/bin/env python\n# (c) me\n"""Doc."""\nimport os\nimport sys  # why\nimport torch\n\n# Config\nX = 1\n'],
    ['comments inside the import block are passed over', 'import os\n# numeric\nimport numpy as np\nx = 1\n', 'import os\n# numeric\nimport numpy as np\nimport torch\nx = 1\n'],
    ['after a line that ends with more code', 'import os; x = 1\ny = 2\n', 'import os; x = 1\nimport torch\ny = 2\n'],
    ['a parenthesized multi-line import', 'from a import (\n    b,\n    c,\n)\nx = 1\n', 'from a import (\n    b,\n    c,\n)\nimport torch\nx = 1\n'],
    ['CRLF line endings', '"""Doc."""\r\nimport os\r\nx = 1\r\n', '"""Doc."""\r\nimport os\r\nimport torch\r\nx = 1\r\n'],
    ['no final newline', 'import os', 'import os\nimport torch'],
    ['a file that is only a docstring without a final newline', '"""Doc."""', '"""Doc."""\nimport torch'],
  ];
  for (const [name, before, after] of moduleCases) {
    it(`import torch: ${name}`, async () => {
      const r = addModule(before, 'torch');
      assert.strictEqual(r.text, after);
      assert.strictEqual(r.name, 'torch');
      assert.strictEqual(await pythonSyntaxError(r.text), null);
    });
  }

  it('reuses an existing import, under its alias', () => {
    assert.deepStrictEqual(addModule('import torch\nx = 1\n', 'torch'), { text: 'import torch\nx = 1\n', name: 'torch' });
    assert.deepStrictEqual(addModule('import torch as T\nx = 1\n', 'torch'), { text: 'import torch as T\nx = 1\n', name: 'T' });
  });

  it('a module imported only for one name still gets its own import', () => {
    assert.deepStrictEqual(addModule('from torch import nn\nx = 1\n', 'torch'), { text: 'from torch import nn\nimport torch\nx = 1\n', name: 'torch' });
  });

  const fromCases: [string, string, string][] = [
    ['merged into the existing statement', 'from torch.amp import GradScaler\nx = 1\n', 'from torch.amp import GradScaler, autocast\nx = 1\n'],
    ['merged before a trailing comment, after an alias', 'from torch.amp import GradScaler as GS  # amp\nx = 1\n', 'from torch.amp import GradScaler as GS, autocast  # amp\nx = 1\n'],
    ['merged into a parenthesized list', 'from torch.amp import (\n    GradScaler,\n)\nx = 1\n', 'from torch.amp import (\n    GradScaler, autocast,\n)\nx = 1\n'],
    ['a new statement after the imports', '"""Doc."""\nimport torch\nx = 1\n', '"""Doc."""\nimport torch\nfrom torch.amp import autocast\nx = 1\n'],
  ];
  for (const [name, before, after] of fromCases) {
    it(`from torch.amp import autocast: ${name}`, async () => {
      const r = addFrom(before, 'torch.amp', 'autocast');
      assert.strictEqual(r.text, after);
      assert.strictEqual(r.name, 'autocast');
      assert.strictEqual(await pythonSyntaxError(r.text), null);
    });
  }

  it('reuses a name already imported (under its alias) or a star import', () => {
    assert.deepStrictEqual(addFrom('from torch.amp import autocast as ac\n', 'torch.amp', 'autocast'), { text: 'from torch.amp import autocast as ac\n', name: 'ac' });
    assert.deepStrictEqual(addFrom('from torch.amp import *\n', 'torch.amp', 'autocast'), { text: 'from torch.amp import *\n', name: 'autocast' });
  });

  it('does not merge into an import nested in a function', () => {
    const r = addFrom('def f():\n    from torch.amp import GradScaler\n', 'torch.amp', 'autocast');
    assert.strictEqual(r.text, 'from torch.amp import autocast\ndef f():\n    from torch.amp import GradScaler\n');
  });
});
