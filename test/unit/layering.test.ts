/**
 * The analyser's layers (shared/design/architecture.md): rules read the analysis, never the other way
 * round. An analysis or project module that imports a rule pulls the rule registry into whatever loads
 * it; the index thread (dist/index-worker.js: summaries only) then met the registry half-initialised
 * through rule -> fix engine -> pipeline -> registry, and could not start.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './helpers';

/** Value imports (not `import type`) of a TypeScript file, as written. */
function valueImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)) out.push(m[1]);
  return out;
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

describe('layering of the analyser core', () => {
  it('no analysis or project module imports a rule (only the pipeline, analysis/analyze.ts, imports the registry)', () => {
    const offenders: string[] = [];
    for (const layer of ['analysis', 'project']) {
      for (const f of tsFiles(path.join(ROOT, 'server', 'src', layer))) {
        if (f.endsWith(path.join('analysis', 'analyze.ts'))) continue;
        for (const spec of valueImports(f)) if (/(^|\/)rules\//.test(spec)) offenders.push(`${path.relative(ROOT, f)} imports ${spec}`);
      }
    }
    assert.deepStrictEqual(offenders, []);
  });
});
