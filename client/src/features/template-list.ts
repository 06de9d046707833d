/**
 * The templates offered by "Train Guard: Insert template...": the snippets file shipped in the
 * extension (snippets/python.json, the same file VS Code reads for completion), read into a list.
 * No `vscode` import here, so the unit tests read the shipped file through this same code.
 */

export interface Template {
  /** The snippet's key, e.g. `Train Guard: one-batch smoke test`. */
  name: string;
  /** Its completion prefix, e.g. `tg-smoke-test`. */
  prefix: string;
  description: string;
  /** The snippet body in VS Code snippet syntax, lines joined with `\n`. */
  body: string;
}

/** Parses the snippets file; throws on an entry that is not a snippet VS Code would accept. */
export function parseTemplates(json: string): Template[] {
  const raw = JSON.parse(json) as Record<string, unknown>;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('the snippets file is not a JSON object');
  return Object.entries(raw).map(([name, value]) => {
    const s = value as { prefix?: unknown; description?: unknown; body?: unknown };
    const prefix = Array.isArray(s.prefix) ? s.prefix[0] : s.prefix;
    const body = Array.isArray(s.body) ? s.body.join('\n') : s.body;
    if (typeof prefix !== 'string' || typeof body !== 'string') throw new Error(`snippet "${name}" has no prefix or body`);
    return { name, prefix, description: typeof s.description === 'string' ? s.description : '', body };
  });
}

/** The quick-pick label: the name without the `Train Guard: ` every entry starts with. */
export function templateLabel(t: Template): string {
  return t.name.replace(/^Train Guard:\s*/, '');
}

/** The template a command argument names (its prefix or its full name), if any. */
export function findTemplate(list: readonly Template[], key: string): Template | undefined {
  return list.find((t) => t.prefix === key || t.name === key);
}
