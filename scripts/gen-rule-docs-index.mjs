// Writes docs/rules/README.md (the table of every rule) from the rule registry, so the index can
// never drift from the code. `--check` writes nothing and exits 1 when the file is out of date.
// The registry is TypeScript: it is bundled in memory with esbuild (already a dev dependency), with
// the same settings as scripts/build.mjs, and loaded from a temporary file.
import * as esbuild from 'esbuild';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'docs', 'rules', 'README.md');
const check = process.argv.includes('--check');

const result = await esbuild.build({
  stdin: {
    contents: "export { ALL_RULES } from './server/src/rules/index';\nexport { renderRulesIndex } from './server/src/rules/docsIndex';\n",
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  write: false,
  logLevel: 'warning',
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "const __importMetaUrl = require('url').pathToFileURL(__filename).href;" },
});
const dir = mkdtempSync(join(tmpdir(), 'tg-docs-'));
let text;
try {
  const file = join(dir, 'registry.cjs');
  writeFileSync(file, result.outputFiles[0].text);
  const { ALL_RULES, renderRulesIndex } = createRequire(import.meta.url)(file);
  text = renderRulesIndex(ALL_RULES.map((r) => r.meta));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

let current = null;
try {
  current = readFileSync(target, 'utf8');
} catch {
  current = null;
}
if (check) {
  if (current !== text) {
    console.error('docs/rules/README.md is out of date: run `node scripts/gen-rule-docs-index.mjs`');
    process.exit(1);
  }
  console.log('docs/rules/README.md is up to date');
} else if (current === text) {
  console.log('docs/rules/README.md is up to date');
} else {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log('wrote docs/rules/README.md');
}
