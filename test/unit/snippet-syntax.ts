/**
 * A small expander for VS Code's snippet syntax, used to check what our snippets insert without an
 * editor. It follows VS Code's SnippetParser and SnippetSession.adjustWhitespace:
 *
 * - `$1`, `${1}`, `${1:default}` (defaults may nest other placeholders), `${1|one,two|}` (the first
 *   choice is inserted), `$0` / `${0:text}` (the final tab stop);
 * - mirrors: every occurrence of an index takes the default of the first occurrence (in document
 *   order) that has one. Stricter than VS Code: two different defaults for one index throw, since
 *   VS Code would silently drop the second;
 * - variables `$NAME`, `${NAME}`, `${NAME:default}`: a value from `variables` (even ''), else the
 *   default. Stricter than VS Code: an unknown variable without a default throws (VS Code would
 *   insert its name), and transforms (`${1/re/fmt/}`) throw (we do not use them);
 * - escapes: `\$`, `\}` and `\\` everywhere, plus `\,` and `\|` inside a choice; any other backslash
 *   is literal, and so is a `$` that starts nothing;
 * - whitespace: each line after the first gets the insertion line's indentation, and leading
 *   whitespace is normalised to the editor's indentation (tabs -> `indentUnit`), as insertSnippet does.
 */

type Node =
  | { kind: 'text'; value: string }
  | { kind: 'placeholder'; index: number; children: Node[] | null; choices?: string[] }
  | { kind: 'variable'; name: string; children: Node[] | null };

export interface ExpandOptions {
  /** What one level of indentation is in the editor: four spaces (default) or a tab. */
  indentUnit?: string;
  /** The indentation of the line the snippet is inserted on (added to every following line). */
  baseIndent?: string;
  /** Values of the variables the snippet may use (`TM_FILENAME`, `TM_SELECTED_TEXT`, ...). undefined = unset. */
  variables?: Record<string, string | undefined>;
  /** Tab width used to normalise indentation (VS Code's `editor.tabSize`). */
  tabSize?: number;
}

export class SnippetSyntaxError extends Error {}

class Parser {
  private pos = 0;
  constructor(private readonly src: string) {}

  parse(): Node[] {
    const nodes = this.sequence(() => false);
    if (this.pos !== this.src.length) throw new SnippetSyntaxError(`unexpected "${this.src[this.pos]}" at ${this.pos}`);
    return nodes;
  }

  /** Nodes until `stop()` is true at the current position (the stop character is not consumed). */
  private sequence(stop: () => boolean, inPlaceholder = false): Node[] {
    const out: Node[] = [];
    let text = '';
    const flush = () => {
      if (text) out.push({ kind: 'text', value: text });
      text = '';
    };
    while (this.pos < this.src.length && !stop()) {
      const c = this.src[this.pos];
      if (c === '\\') {
        const next = this.src[this.pos + 1];
        if (next === '$' || next === '}' || next === '\\') {
          text += next;
          this.pos += 2;
        } else {
          text += c;
          this.pos += 1;
        }
        continue;
      }
      if (c === '$') {
        const node = this.dollar();
        if (node) {
          flush();
          out.push(node);
        } else {
          text += '$';
          this.pos += 1;
        }
        continue;
      }
      if (c === '}' && inPlaceholder) break;
      text += c;
      this.pos += 1;
    }
    flush();
    return out;
  }

  /** Parses a `$...` construct at pos; returns null (pos unchanged) when `$` starts nothing. */
  private dollar(): Node | null {
    const rest = this.src.slice(this.pos + 1);
    let m = /^(\d+)/.exec(rest);
    if (m) {
      this.pos += 1 + m[1].length;
      return { kind: 'placeholder', index: Number(m[1]), children: null };
    }
    m = /^([_a-zA-Z][_a-zA-Z0-9]*)/.exec(rest);
    if (m) {
      this.pos += 1 + m[1].length;
      return { kind: 'variable', name: m[1], children: null };
    }
    if (rest[0] !== '{') return null;
    const start = this.pos;
    this.pos += 2;
    m = /^(\d+|[_a-zA-Z][_a-zA-Z0-9]*)/.exec(this.src.slice(this.pos));
    if (!m) throw new SnippetSyntaxError(`"\${" without an index or a variable name at ${start}`);
    const id = m[1];
    this.pos += id.length;
    const isIndex = /^\d/.test(id);
    const c = this.src[this.pos];
    if (c === '}') {
      this.pos += 1;
      return isIndex ? { kind: 'placeholder', index: Number(id), children: null } : { kind: 'variable', name: id, children: null };
    }
    if (c === ':') {
      this.pos += 1;
      const children = this.sequence(() => false, true);
      if (this.src[this.pos] !== '}') throw new SnippetSyntaxError(`unclosed "\${${id}:" starting at ${start}`);
      this.pos += 1;
      return isIndex ? { kind: 'placeholder', index: Number(id), children } : { kind: 'variable', name: id, children };
    }
    if (c === '|' && isIndex) {
      this.pos += 1;
      const choices: string[] = [];
      let cur = '';
      for (;;) {
        const ch = this.src[this.pos];
        if (ch === undefined) throw new SnippetSyntaxError(`unclosed choice starting at ${start}`);
        if (ch === '\\' && [',', '|', '\\', '$', '}'].includes(this.src[this.pos + 1])) {
          cur += this.src[this.pos + 1];
          this.pos += 2;
        } else if (ch === ',') {
          choices.push(cur);
          cur = '';
          this.pos += 1;
        } else if (ch === '|' && this.src[this.pos + 1] === '}') {
          choices.push(cur);
          this.pos += 2;
          break;
        } else {
          cur += ch;
          this.pos += 1;
        }
      }
      return { kind: 'placeholder', index: Number(id), children: [{ kind: 'text', value: choices[0] }], choices };
    }
    if (c === '/') throw new SnippetSyntaxError(`transforms are not supported (at ${start})`);
    throw new SnippetSyntaxError(`malformed "\${${id}" at ${start}`);
  }
}

export function parseSnippet(body: string): Node[] {
  return new Parser(body).parse();
}

/** Every tab-stop index used in the body (0 included), in first-seen order. */
export function tabStops(body: string): number[] {
  const seen: number[] = [];
  const walk = (nodes: Node[]) => {
    for (const n of nodes) {
      if (n.kind === 'placeholder' && !seen.includes(n.index)) seen.push(n.index);
      if (n.kind !== 'text' && n.children) walk(n.children);
    }
  };
  walk(parseSnippet(body));
  return seen;
}

/** The text VS Code inserts for `body` when every tab stop keeps its default. */
export function expandSnippet(body: string | string[], opts: ExpandOptions = {}): string {
  const src = Array.isArray(body) ? body.join('\n') : body;
  const nodes = parseSnippet(src);
  const variables = opts.variables ?? {};
  // the defining default of each index: the first occurrence with a value, in document order
  const definitions = new Map<number, Node[][]>();
  const collect = (list: Node[]) => {
    for (const n of list) {
      if (n.kind === 'placeholder' && n.children && n.children.length) {
        const defs = definitions.get(n.index) ?? [];
        defs.push(n.children);
        definitions.set(n.index, defs);
      }
      if (n.kind !== 'text' && n.children) collect(n.children);
    }
  };
  collect(nodes);
  const resolving = new Set<number>();
  // every occurrence of an index (mirror or not) shows the defining default, as VS Code does
  const resolve = (list: Node[]): string =>
    list
      .map((n) => {
        if (n.kind === 'text') return n.value;
        if (n.kind === 'placeholder') {
          const def = definitions.get(n.index)?.[0];
          if (!def) return '';
          if (resolving.has(n.index)) throw new SnippetSyntaxError(`tab stop $${n.index} contains itself`);
          resolving.add(n.index);
          try {
            return resolve(def);
          } finally {
            resolving.delete(n.index);
          }
        }
        const v = variables[n.name];
        if (v !== undefined) return v;
        if (n.children) return resolve(n.children);
        throw new SnippetSyntaxError(`unknown variable $${n.name} (give it a value or a default)`);
      })
      .join('');
  // stricter than VS Code, which silently replaces a later, different default by the first one
  for (const [index, defs] of definitions) {
    const values = new Set(defs.map((d) => resolve(d)));
    if (values.size > 1) throw new SnippetSyntaxError(`tab stop $${index} has different defaults: ${[...values].map((v) => JSON.stringify(v)).join(', ')}`);
  }
  const text = resolve(nodes);
  return adjustWhitespace(text, opts);
}

function adjustWhitespace(text: string, opts: ExpandOptions): string {
  const unit = opts.indentUnit ?? '    ';
  const tabSize = opts.tabSize ?? (unit === '\t' ? 4 : unit.length);
  const insertSpaces = unit !== '\t';
  const base = opts.baseIndent ?? '';
  const normalize = (line: string) => {
    const ws = /^[ \t]*/.exec(line)![0];
    let col = 0;
    for (const ch of ws) col = ch === '\t' ? col - (col % tabSize) + tabSize : col + 1;
    const lead = insertSpaces ? ' '.repeat(col) : '\t'.repeat(Math.floor(col / tabSize)) + ' '.repeat(col % tabSize);
    return lead + line.slice(ws.length);
  };
  return text
    .split(/\r\n|\r|\n/)
    .map((line, i) => normalize(i === 0 ? line : base + line))
    .join('\n');
}
