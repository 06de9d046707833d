/**
 * Finding the files to check: explicit files as given, folders walked for `*.py` (and notebooks),
 * skipping VCS folders, `node_modules`, virtual environments and caches. Sorted, so output is stable.
 */
import * as fs from 'fs';
import * as path from 'path';

export const SKIP_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules', '__pycache__', '.venv', 'venv', 'env', '.env', '.tox', '.nox', '.mypy_cache', '.ruff_cache', '.pytest_cache', 'site-packages', 'dist', 'build', '.ipynb_checkpoints', '.trainguard']);

export interface WalkResult {
  files: string[];
  errors: string[];
}

export function isVirtualEnv(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'pyvenv.cfg'));
}

export function collectFiles(inputs: string[], extensions: readonly string[]): WalkResult {
  const files = new Set<string>();
  const errors: string[] = [];
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      errors.push(`cannot read folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (SKIP_DIRS.has(e.name) || isVirtualEnv(p)) continue;
        walk(p);
      } else if (e.isFile() && extensions.some((x) => e.name.endsWith(x))) files.add(p);
    }
  };
  for (const input of inputs) {
    let st: fs.Stats;
    try {
      st = fs.statSync(input);
    } catch {
      errors.push(`${input}: no such file or folder`);
      continue;
    }
    if (st.isDirectory()) walk(input);
    else files.add(input);
  }
  return { files: [...files].sort(), errors };
}

/** Reads a file as UTF-8; invalid bytes become U+FFFD and are reported, never a crash. */
export function readText(file: string): { text: string; replaced: boolean } {
  return decodeUtf8(fs.readFileSync(file));
}

export function decodeUtf8(buf: Uint8Array): { text: string; replaced: boolean } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf), replaced: false };
  } catch {
    return { text: new TextDecoder('utf-8', { fatal: false }).decode(buf), replaced: true };
  }
}
