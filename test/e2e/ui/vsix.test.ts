/**
 * The packaged .vsix (what the UI tests install) holds what the extension needs and nothing else:
 * dist/ (the three bundles and both .wasm files), package.json, README and the contributed
 * snippets/, syntaxes/ and docs/; no node_modules, sources, tests, caches or source maps.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

/** File names in a zip archive, read from its central directory. */
function zipEntries(file: string): string[] {
  const buf = fs.readFileSync(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  assert.ok(eocd >= 0, `${file} is not a zip archive`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let n = 0; n < count; n++) {
    assert.strictEqual(buf.readUInt32LE(at), 0x02014b50, `bad central directory entry ${n} in ${file}`);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    names.push(buf.toString('utf8', at + 46, at + 46 + nameLen));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

/** Files under `dir` of the repository, relative to the repository, '/'-separated. */
function filesUnder(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return (fs.readdirSync(abs, { recursive: true }) as string[])
    .map((f) => path.join(dir, f).split(path.sep).join('/'))
    .filter((f) => fs.statSync(path.join(ROOT, f)).isFile());
}

describe('the packaged .vsix', () => {
  const vsix = process.env.TRAINGUARD_E2E_VSIX;
  let files: string[];

  before(() => {
    assert.ok(vsix && fs.existsSync(vsix), 'TRAINGUARD_E2E_VSIX should name the .vsix the runner packaged');
    files = zipEntries(vsix)
      .filter((f) => f.startsWith('extension/'))
      .map((f) => f.slice('extension/'.length));
  });

  it('holds package.json, the three bundles, both WebAssembly files, the README and every snippet, grammar and doc', () => {
    const needed = ['package.json', 'dist/client.js', 'dist/server.js', 'dist/cli.js', 'dist/web-tree-sitter.wasm', 'dist/tree-sitter-python.wasm'];
    for (const f of ['README.md', 'LICENSE', 'LICENSE.md', 'CHANGELOG.md']) if (fs.existsSync(path.join(ROOT, f))) needed.push(f);
    needed.push(...filesUnder('snippets'), ...filesUnder('syntaxes'), ...filesUnder('docs'));
    const missing = needed.filter((f) => !files.includes(f));
    assert.deepStrictEqual(missing, [], `missing from the .vsix (see .vscodeignore): ${missing.join(', ')}`);
    const main = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).main.replace(/^\.\//, '');
    assert.ok(files.includes(main), `package.json's main ${main} is not in the .vsix`);
  });

  it('holds no node_modules, sources, tests, caches or source maps', () => {
    const allowed = /^(package\.json|README\.md|LICENSE(\.md|\.txt)?|CHANGELOG\.md|dist\/[^/]+\.(js|wasm)|(snippets|syntaxes|docs)\/.+)$/;
    const unexpected = files.filter((f) => !allowed.test(f) || /(^|\/)node_modules\//.test(f) || f.endsWith('.map'));
    assert.deepStrictEqual(unexpected, [], `unexpected files in the .vsix (see .vscodeignore): ${unexpected.join(', ')}`);
  });
});
