/**
 * The rule docs' shared parts: the index table of docs/rules/README.md, rendered from the registry
 * (by `node scripts/gen-rule-docs-index.mjs`, checked by test/unit/docs.test.ts), and the sections
 * every docs/rules/TGxxx.md page must have.
 */
import type { RuleMeta } from './types';

/** `## ` headings every rule page has, in this order. */
export const REQUIRED_SECTIONS = ['What it does', 'Why it matters', 'Example', 'Fixed version', 'When it stays silent', 'How to suppress'] as const;

/** Headings accepted for a section besides its own name (the short forms the rule pages use). */
const ALIASES: Record<string, readonly string[]> = {
  'Fixed version': ['Fixed', 'Fix'],
  'How to suppress': ['Suppress', 'Suppression'],
};

/** The lower-cased headings that count as `section`. */
export function sectionHeadings(section: string): string[] {
  return [section, ...(ALIASES[section] ?? [])].map((h) => h.toLowerCase());
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** docs/rules/README.md, complete. */
export function renderRulesIndex(rules: readonly RuleMeta[]): string {
  const rows = rules.map((r) => `| [${r.code}](${r.code}.md) | \`${r.name}\` | ${r.severity} | ${r.fixable ? 'yes' : ''} | ${cell(r.summary)} | [${r.code}.md](${r.code}.md) |`);
  const fixable = rules.filter((r) => r.fixable).length;
  return [
    '# Train Guard rules',
    '',
    '<!-- Generated from the rule registry by `node scripts/gen-rule-docs-index.mjs`: do not edit by hand. -->',
    '',
    `${rules.length} rules, ${fixable} with a quick fix. The severity is the default; every rule can be turned off or given`,
    'another severity, and any finding can be suppressed on its line: see [configuration](../configuration.md).',
    '',
    '| Code | Name | Default severity | Fixable | Summary | Docs |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** The required sections a page lacks (or has out of order), by heading. */
export function missingSections(markdown: string): string[] {
  const headings = markdown
    .split(/\r?\n/)
    .filter((l) => /^##\s/.test(l))
    .map((l) => l.replace(/^##\s+/, '').trim().toLowerCase());
  const pos = REQUIRED_SECTIONS.map((s) => headings.findIndex((h) => sectionHeadings(s).includes(h)));
  // missing, or placed after a section that should follow it
  return REQUIRED_SECTIONS.filter((_, i) => pos[i] < 0 || pos.some((p, j) => j > i && p >= 0 && p < pos[i]));
}
