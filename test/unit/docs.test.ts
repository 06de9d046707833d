/**
 * The rule docs against the registry: every rule has a page with the required sections, no page
 * lacks a rule, and docs/rules/README.md is exactly what scripts/gen-rule-docs-index.mjs generates.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { ALL_RULES } from '../../server/src/rules/index';
import { missingSections, renderRulesIndex, sectionHeadings, REQUIRED_SECTIONS } from '../../server/src/rules/docsIndex';
import { ROOT } from './helpers';

const DOCS = path.join(ROOT, 'docs', 'rules');

describe('rule docs', () => {
  for (const rule of ALL_RULES) {
    const { code, name } = rule.meta;
    it(`${code} has docs/rules/${code}.md with "# ${code} ${name}" and the required sections`, () => {
      const file = path.join(DOCS, `${code}.md`);
      assert.ok(fs.existsSync(file), `docs/rules/${code}.md is missing`);
      const text = fs.readFileSync(file, 'utf8');
      assert.strictEqual(text.split(/\r?\n/)[0], `# ${code} ${name}`);
      assert.deepStrictEqual(missingSections(text), [], `docs/rules/${code}.md lacks (or misorders) these sections: ${missingSections(text).join(', ')}`);
      const lines = text.split(/\r?\n/);
      const at = lines.findIndex((l) => /^##\s/.test(l) && sectionHeadings('How to suppress').includes(l.replace(/^##\s+/, '').trim().toLowerCase()));
      const suppress = lines.slice(at).join('\n');
      assert.ok(suppress.includes(code), `the "How to suppress" section of ${code}.md never names ${code}`);
    });
  }

  it('every page belongs to a registered rule', () => {
    const codes = new Set(ALL_RULES.map((r) => r.meta.code));
    const orphans = fs.readdirSync(DOCS).filter((f) => /^TG\d+\.md$/.test(f) && !codes.has(f.replace(/\.md$/, '')));
    assert.deepStrictEqual(orphans, []);
  });

  it('the section check fails on a page without them, or with them out of order', () => {
    assert.deepStrictEqual(missingSections('# TG9 x\n## What it does\n## Example\n'), ['Why it matters', 'Fixed version', 'When it stays silent', 'How to suppress']);
    const ordered = REQUIRED_SECTIONS.map((s) => `## ${s}\n`).join('');
    assert.deepStrictEqual(missingSections(ordered), []);
    const swapped = ordered.replace('## Example\n', '').replace('## How to suppress\n', '## How to suppress\n## Example\n');
    assert.deepStrictEqual(missingSections(swapped), ['Example']);
    // the short headings the rule pages use
    assert.deepStrictEqual(missingSections(ordered.replace('## Fixed version', '## Fixed').replace('## How to suppress', '## Suppress')), []);
    assert.deepStrictEqual(missingSections(ordered.replace('## Fixed version', '## Fixed stuff')), ['Fixed version']);
  });

  it('docs/rules/README.md matches the registry (regenerate with node scripts/gen-rule-docs-index.mjs)', () => {
    const committed = fs.readFileSync(path.join(DOCS, 'README.md'), 'utf8');
    assert.strictEqual(committed, renderRulesIndex(ALL_RULES.map((r) => r.meta)));
    for (const r of ALL_RULES) assert.ok(committed.includes(`| [${r.meta.code}](${r.meta.code}.md) | \`${r.meta.name}\` | ${r.meta.severity} |`));
  });

  it('the generator script agrees (--check)', () => {
    const out = execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'gen-rule-docs-index.mjs'), '--check'], { cwd: ROOT, encoding: 'utf8' });
    assert.match(out, /up to date/);
  });
});
