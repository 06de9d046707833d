/**
 * Where an import leads inside the project, found the way Python's path-based finder would find it,
 * without running anything: through an injected view of the files (fsview.ts).
 *
 * Search roots (`searchRoots`), in Python's order for `python train.py`:
 *   1. the entry script's own folder (sys.path[0]);
 *   2. when that folder is a package (it holds `__init__.py`), the folder above its top package (the
 *      script run as `python -m pkg.train` from there);
 *   3. the project root's `src/` (a src layout, installed in development mode), then the project root
 *      itself: the workspace root when it holds the script, else the nearest folder with
 *      `pyproject.toml`, `setup.py`, `setup.cfg` or `.git`.
 * In each root a module `a.b` is `a/b.py` or the package `a/b/__init__.py`. The first root with a
 * regular module or package `a` owns `a.b` (a `b` not in it is missing, as Python would say); a folder
 * without `__init__.py` is a namespace package, used only when no root has a regular `a` (as Python
 * does), and a bare one with nothing of it to read is not taken as the project's (an installed
 * package of that name would win). Relative imports (`from .x import y`, `from .. import y`) are read from
 * the importing file's own folder. A name that no root holds is `external` (the standard library or an
 * installed package): not the project's, nothing to read.
 */
import * as path from 'path';
import type { ProjectView } from './fsview';
import type { ImportRef } from './imports';

/** A module of the project an import reaches. */
export interface ModuleTarget {
  /** Dotted name from its search root (`pkg.engine`), or the relative spelling when it was found relatively. */
  name: string;
  /** `.../engine.py` or `.../pkg/__init__.py`; null for a namespace package (a folder, nothing to read). */
  file: string | null;
  /** The folder of a package (regular or namespace); null for a plain module. */
  packageDir: string | null;
}

export type ImportResolution =
  | {
      status: 'project';
      /** The module named after `import` / `from` (for `import a.b`: `a.b`). */
      target: ModuleTarget;
      /** Files of the project the statement loads, in the order Python runs them (package `__init__.py`s first). */
      files: string[];
      /** For `from pkg import y`: the names that are submodules of `pkg` (files of their own). */
      submodules: Map<string, ModuleTarget>;
    }
  | { status: 'external' }
  /** A relative import whose target is not there (or climbs above the filesystem root). */
  | { status: 'missing'; reason: string };

const PROJECT_MARKERS = ['pyproject.toml', 'setup.py', 'setup.cfg', '.git', '.hg'];
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The root (a workspace folder, a folder checked by the CLI) that contains `file`, the deepest one, or null. */
export function rootFor(file: string, roots: readonly string[]): string | null {
  let best: string | null = null;
  for (const r of roots) {
    const rel = path.relative(r, file);
    if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
    if (!best || r.length > best.length) best = r;
  }
  return best;
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The project root of `file`: `workspaceRoot` when it holds the file, else the nearest folder with a project marker, else null. */
export function projectRoot(view: ProjectView, file: string, workspaceRoot: string | null = null): string | null {
  const abs = path.resolve(file);
  if (workspaceRoot && isInside(abs, path.resolve(workspaceRoot))) return path.resolve(workspaceRoot);
  for (let d = path.dirname(abs); ; d = path.dirname(d)) {
    if (PROJECT_MARKERS.some((m) => view.isFile(path.join(d, m)) || view.isDir(path.join(d, m)))) return d;
    if (path.dirname(d) === d) return null;
  }
}

/** The folders absolute imports are looked up in, for the program started from `entry` (see the file comment). */
export function searchRoots(view: ProjectView, entry: string, workspaceRoot: string | null = null): string[] {
  const out: string[] = [];
  const add = (d: string | null) => {
    if (d && !out.includes(d)) out.push(d);
  };
  const dir = path.dirname(path.resolve(entry));
  add(dir);
  if (view.isFile(path.join(dir, '__init__.py'))) {
    let top = dir;
    while (path.dirname(top) !== top && view.isFile(path.join(path.dirname(top), '__init__.py'))) top = path.dirname(top);
    add(path.dirname(top));
  }
  const root = projectRoot(view, entry, workspaceRoot);
  if (root) {
    if (view.isDir(path.join(root, 'src'))) add(path.join(root, 'src'));
    add(root);
  }
  return out;
}

/** `name` (one identifier) inside `dir`: a module file, a package, a namespace folder, or nothing. */
function child(view: ProjectView, dir: string, name: string): { kind: 'module' | 'package'; file: string } | { kind: 'namespace'; dir: string } | null {
  if (!IDENT.test(name)) return null;
  const pkg = path.join(dir, name);
  const init = path.join(pkg, '__init__.py');
  if (view.isFile(init)) return { kind: 'package', file: init };
  const mod = path.join(dir, `${name}.py`);
  if (view.isFile(mod)) return { kind: 'module', file: mod };
  if (view.isDir(pkg)) return { kind: 'namespace', dir: pkg };
  return null;
}

/**
 * `parts` walked down from `dir`: the target and the files run on the way (each package's
 * `__init__.py`), or null when a part is not there (or a module is not a package and has no children).
 */
function walk(view: ProjectView, dir: string, parts: readonly string[], name: string): { target: ModuleTarget; files: string[] } | null {
  const files: string[] = [];
  let here = dir;
  for (let i = 0; i < parts.length; i++) {
    const c = child(view, here, parts[i]);
    if (!c) return null;
    const last = i === parts.length - 1;
    if (c.kind === 'module') {
      if (!last) return null;
      files.push(c.file);
      return { target: { name, file: c.file, packageDir: null }, files };
    }
    if (c.kind === 'namespace') {
      here = c.dir;
    } else {
      files.push(c.file);
      here = path.dirname(c.file);
    }
    if (last) return { target: { name, file: c.kind === 'package' ? c.file : null, packageDir: here }, files };
  }
  return null;
}

/** The submodules among `names` of a package target (`from pkg import engine` where `pkg/engine.py` exists). */
function submodulesOf(view: ProjectView, target: ModuleTarget, names: readonly string[], files: string[]): Map<string, ModuleTarget> {
  const out = new Map<string, ModuleTarget>();
  if (!target.packageDir) return out;
  for (const n of names) {
    const c = child(view, target.packageDir, n);
    if (!c) continue;
    const name = target.name.endsWith('.') ? `${target.name}${n}` : `${target.name}.${n}`;
    if (c.kind === 'namespace') out.set(n, { name, file: null, packageDir: c.dir });
    else {
      out.set(n, { name, file: c.file, packageDir: c.kind === 'package' ? path.dirname(c.file) : null });
      files.push(c.file);
    }
  }
  return out;
}

/**
 * Resolves one import of `file` against `roots` (from `searchRoots` for the program's entry). Never
 * throws; never reads more than the view's `isFile` / `isDir`.
 */
export function resolveImport(view: ProjectView, file: string, ref: ImportRef, roots: readonly string[]): ImportResolution {
  const names = ref.names.map((n) => n.name);
  if (ref.level > 0) {
    let base = path.dirname(path.resolve(file));
    for (let i = 1; i < ref.level; i++) {
      const up = path.dirname(base);
      if (up === base) return { status: 'missing', reason: `${'.'.repeat(ref.level)} climbs above the filesystem root` };
      base = up;
    }
    const spelled = '.'.repeat(ref.level) + ref.module;
    if (!ref.module) {
      // `from . import y` / `from .. import y`: the package folder itself
      const init = path.join(base, '__init__.py');
      const target: ModuleTarget = { name: spelled, file: view.isFile(init) ? init : null, packageDir: base };
      const files = target.file ? [target.file] : [];
      const submodules = submodulesOf(view, target, names, files);
      if (!target.file && !submodules.size) return { status: 'missing', reason: `no module or package ${names.join(', ')} there (a relative import)` };
      return { status: 'project', target, files, submodules };
    }
    const found = walk(view, base, ref.module.split('.'), spelled);
    if (!found) return { status: 'missing', reason: `no module or package ${spelled} there (a relative import)` };
    const files = [...found.files];
    return { status: 'project', target: found.target, files, submodules: ref.kind === 'from' ? submodulesOf(view, found.target, names, files) : new Map() };
  }
  if (!ref.module) return { status: 'external' };
  const parts = ref.module.split('.');
  const found = (f: { target: ModuleTarget; files: string[] }): ImportResolution => {
    const files = [...f.files];
    return { status: 'project', target: f.target, files, submodules: ref.kind === 'from' ? submodulesOf(view, f.target, names, files) : new Map() };
  };
  // the first root with a regular module or package of the first name owns the whole dotted name
  for (const root of roots) {
    const top = child(view, root, parts[0]);
    if (!top || top.kind === 'namespace') continue;
    const f = walk(view, root, parts, ref.module);
    return f ? found(f) : { status: 'missing', reason: `the project's ${parts[0]} has no module ${parts.slice(1).join('.')}` };
  }
  // else the namespace portions (folders without __init__.py), in root order
  const portions = roots.filter((r) => child(view, r, parts[0])?.kind === 'namespace');
  if (!portions.length) return { status: 'external' };
  for (const root of portions) {
    const f = walk(view, root, parts, ref.module);
    // a bare folder `a` is no evidence that `import a` is the project's (an installed package of
    // that name would win over it); `a/b` found in it, or a module named by `from a import b`, is
    if (f && (parts.length > 1 || f.files.length || (ref.kind === 'from' && names.some((n) => child(view, f.target.packageDir ?? '', n))))) return found(f);
  }
  if (parts.length === 1) return { status: 'external' };
  return { status: 'missing', reason: `the project's ${parts[0]}/ (a folder without __init__.py) has no module ${parts.slice(1).join('.')}` };
}
