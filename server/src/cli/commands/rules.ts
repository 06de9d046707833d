/**
 * `trainguard rules`: every rule with its code, name, default severity, fixability and docs URL
 * (like `ruff rule --all`).
 */
import { ALL_RULES } from '../../rules/index';
import { docsUrl } from '../../rules/types';
import { outputFormat, type Command } from '../args';

export const command: Command = {
  name: 'rules',
  summary: 'list every rule (code, name, severity, fixable, docs)',
  usage: 'Usage: trainguard rules [--output-format text|json]\n',
  flags: { '--output-format': 'value' },
  async run(args, out) {
    const format = outputFormat(args, ['text', 'json']);
    const list = ALL_RULES.map((r) => ({ code: r.meta.code, name: r.meta.name, severity: r.meta.severity, fixable: r.meta.fixable, summary: r.meta.summary, url: docsUrl(r.meta.code) }));
    if (format === 'json') out.stdout(JSON.stringify(list, null, 2) + '\n');
    else for (const r of list) out.stdout(`${r.code.padEnd(6)} ${r.name.padEnd(34)} ${r.severity.padEnd(11)} ${r.fixable ? 'fix' : '   '}  ${r.summary}\n`);
    return 0;
  },
};
