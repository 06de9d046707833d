/**
 * The CI integration files against what they rely on: the npm package pre-commit and npx install
 * (`npm pack`: the command's bin, its bundles and wasm, nothing else), the pre-commit hooks' entry
 * (a command the package provides), and the GitHub Actions example's commands (formats that exist).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { ROOT } from './helpers';
import { FORMATS } from '../../server/src/cli/commands/check';

describe('CI integration files', function () {
  this.timeout(60000);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };

  it('npm pack ships the trainguard command: bin, the CLI and server bundles, the worker, both wasm files, no sources', () => {
    // --ignore-scripts: list what is there now (npm test has just built dist/), without rebuilding
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const files = (JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path).sort();
    for (const f of ['bin/trainguard.js', 'dist/cli.js', 'dist/cli/check.js', 'dist/cli/rules.js', 'dist/cli/estimate.js', 'dist/cli/lsp.js', 'dist/cli/verify-submission.js', 'dist/cli/run.js', 'dist/cli-worker.js', 'dist/index-worker.js', 'dist/server.js', 'dist/web-tree-sitter.wasm', 'dist/tree-sitter-python.wasm', 'package.json']) assert.ok(files.includes(f), `${f} missing from the package: ${files.join(', ')}`);
    assert.deepStrictEqual(files.filter((f) => /^(server|client|test|scripts|node_modules)\//.test(f) || f.endsWith('.map') || f.endsWith('.vsix')), []);
    assert.strictEqual(pkg.bin.trainguard, './bin/trainguard.js');
    assert.match(pkg.scripts.prepack, /scripts\/build\.mjs/, 'npm pack (pre-commit installs with it) builds dist/ first');
  });

  it('.pre-commit-hooks.yaml: node hooks whose entry is the package\'s trainguard command', () => {
    const text = fs.readFileSync(path.join(ROOT, '.pre-commit-hooks.yaml'), 'utf8');
    const hooks = text.split(/^- /m).slice(1);
    assert.deepStrictEqual(hooks.map((h) => /^id: (\S+)/.exec(h)?.[1]), ['trainguard', 'trainguard-fix']);
    for (const h of hooks) {
      assert.match(h, /^\s+language: node$/m);
      assert.match(h, /^\s+types_or: \[python, jupyter\]$/m);
      const entry = /^\s+entry: (.+)$/m.exec(h)![1].split(' ');
      assert.ok(entry[0] in pkg.bin, `entry ${entry[0]} is not a bin of the package`);
      assert.strictEqual(entry[1], 'check');
    }
  });

  it('the GitHub Actions example runs check with formats that exist', () => {
    const text = fs.readFileSync(path.join(ROOT, 'docs', 'ci', 'github-actions.yml'), 'utf8');
    const runs = [...text.matchAll(/trainguard check (.*)$/gm)].map((m) => m[1]);
    assert.strictEqual(runs.length, 2);
    const formats = runs.map((r) => /--output-format (\S+)/.exec(r)![1]);
    assert.deepStrictEqual(formats, ['github', 'sarif']);
    for (const f of formats) assert.ok((FORMATS as readonly string[]).includes(f));
    assert.match(text, /security-events: write/);
    assert.match(text, /upload-sarif/);
  });
});
