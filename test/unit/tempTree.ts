/** Temporary folder trees for the tests that read the workspace (config, facts, CLI, LSP). */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Creates `{ 'a/pyproject.toml': '...' }` under a new temporary folder (real path) and returns it. */
export function tempTree(files: Record<string, string | Buffer>): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tg-test-')));
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  return root;
}
