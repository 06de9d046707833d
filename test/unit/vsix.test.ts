/**
 * The packaged extension (`npm test` runs `vsce package` first): it holds the bundles, both wasm
 * files and the docs, and none of node_modules, the tests or the sources.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './helpers';

/** File names in a zip archive, read from its central directory. */
export function zipEntries(file: string): string[] {
  const buf = fs.readFileSync(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  assert.ok(eocd >= 0, `${file} is not a zip archive`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    assert.strictEqual(buf.readUInt32LE(p), 0x02014b50, 'corrupt central directory');
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    names.push(buf.toString('utf8', p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

describe('the packaged .vsix', () => {
  const vsix = path.join(ROOT, 'dist', 'train-guard.vsix');

  it('exists (vsce package ran in this test run)', () => {
    assert.ok(fs.existsSync(vsix), 'dist/train-guard.vsix missing: run `npm run package`');
  });

  it('holds the bundled client (and its lazily loaded features) and server, the CLI and both wasm files', () => {
    const names = zipEntries(vsix);
    for (const f of ['extension/package.json', 'extension/dist/client.js', 'extension/dist/client-bundle.js', 'extension/dist/server.js', 'extension/dist/cli.js', 'extension/dist/cli/check.js', 'extension/dist/cli/lsp.js', 'extension/dist/cli/run.js', 'extension/dist/cli-worker.js', 'extension/dist/index-worker.js', 'extension/dist/lazy/panel.js', 'extension/dist/lazy/runGuard.js', 'extension/dist/lazy/verifySubmission.js', 'extension/dist/web-tree-sitter.wasm', 'extension/dist/tree-sitter-python.wasm', 'extension/readme.md', 'extension/LICENSE.txt']) {
      assert.ok(names.includes(f), `${f} missing from the vsix (has: ${names.join(', ')})`);
    }
  });

  it('holds the budget panel: its page script, style, activity-bar icon and the measure script', () => {
    const names = zipEntries(vsix);
    for (const f of ['extension/dist/panel.js', 'extension/media/panel.css', 'extension/media/trainguard.svg', 'extension/snippets/measure-throughput.py']) {
      assert.ok(names.includes(f), `${f} missing from the vsix`);
      }
    });

  it('holds every file package.json contributes (snippets, grammars)', () => {
    const names = zipEntries(vsix);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const contributed = [...(pkg.contributes.snippets ?? []), ...(pkg.contributes.grammars ?? [])].map((c: { path: string }) => c.path);
    assert.ok(contributed.length >= 2, 'package.json contributes the snippets and the directive grammar');
    for (const p of contributed) {
      const entry = `extension/${path.posix.normalize(p)}`;
      assert.ok(names.includes(entry), `${entry} missing from the vsix`);

    }
  });

  it('ships no node_modules, tests, sources or source maps', () => {
    const names = zipEntries(vsix);
    const bad = names.filter((n) => /node_modules\/|^extension\/test\/|^extension\/(server|client)\/src\/|\.map$|\.ts$|^extension\/out\//.test(n));
    assert.deepStrictEqual(bad, []);
  });
});
