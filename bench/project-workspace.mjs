// The generated workspace of the project benchmarks (bench/project-index.mjs, bench/project-editor.mjs):
// the real-code corpus's Python files (test/realworld/corpus) and the fixture projects, copied
// round-robin into packages of 50 modules, each with imports appended that tie it to its package
// (`from .m07 import *`), to another package (`from p03.m11 import helper`) and to nothing of the
// project (`import torch`); `train.py` at the root imports three of them; a `.git` folder marks the root.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PER_PACKAGE = 50;

export function pyFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...pyFiles(p));
    else if (e.name.endsWith('.py')) out.push(p);
  }
  return out.sort();
}

export function generate(root, FILES = 2000) {
  const sources = [...pyFiles(path.join(ROOT, 'test/realworld/corpus')), ...pyFiles(path.join(ROOT, 'test/fixtures/projects'))].map((f) => fs.readFileSync(f, 'utf8'));
  const packages = Math.ceil(FILES / PER_PACKAGE);
  let lines = 0;
  let bytes = 0;
  const files = [];
  for (let i = 0; i < FILES; i++) {
    const pkg = `p${String(Math.floor(i / PER_PACKAGE)).padStart(2, '0')}`;
    const mod = `m${String(i % PER_PACKAGE).padStart(2, '0')}`;
    const dir = path.join(root, pkg);
    if (i % PER_PACKAGE === 0) {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, '__init__.py'), '');
      files.push(path.join(dir, '__init__.py'));
    }
    const sibling = `m${String((i * 7 + 3) % PER_PACKAGE).padStart(2, '0')}`;
    const other = `p${String((i * 13 + 5) % packages).padStart(2, '0')}.m${String((i * 11) % PER_PACKAGE).padStart(2, '0')}`;
    const text = `${sources[i % sources.length]}\n\nimport torch\nfrom .${sibling} import *\nfrom ${other} import helper\n`;
    fs.writeFileSync(path.join(dir, `${mod}.py`), text);
    files.push(path.join(dir, `${mod}.py`));
    lines += text.split('\n').length;
    bytes += Buffer.byteLength(text);
  }
  fs.writeFileSync(path.join(root, 'train.py'), 'from p00.m00 import *\nfrom p01 import m01\nimport p02.m02\n');
  files.push(path.join(root, 'train.py'));
  fs.mkdirSync(path.join(root, '.git'));
  return { files, lines, bytes };
}

