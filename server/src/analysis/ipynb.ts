/**
 * Reading and writing `.ipynb` files (nbformat 4) for the CLI, as text in and text out (no file
 * access here).
 *
 * Reading keeps where each cell's `source` sits in the file, so writing fixes back changes those
 * characters only: outputs, metadata, key order, indentation, line endings and the trailing newline
 * stay byte for byte, and so does the source's form (one string, or a list of lines). In a list, lines
 * that did not change keep their original encoding; new lines are encoded like the file's (raw UTF-8,
 * or `\uXXXX` escapes when the file was written ASCII-only).
 */
import type { CellInput, CellKind } from './notebook';

interface Span {
  start: number;
  end: number;
}

type JsonNode =
  | ({ type: 'object'; entries: { key: string; keySpan: Span; value: JsonNode }[] } & Span)
  | ({ type: 'array'; items: JsonNode[] } & Span)
  | ({ type: 'string'; value: string } & Span)
  | ({ type: 'number' | 'boolean' | 'null'; value: unknown } & Span);

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** A strict JSON parser (RFC 8259) that keeps the span of every value. */
export function parseJsonWithSpans(text: string, from = 0): JsonNode {
  let i = from;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(i >= text.length ? `unexpected end of file, ${what}` : `unexpected ${JSON.stringify(text[i])}, ${what}`, i);
  };
  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const str = (): { type: 'string'; value: string } & Span => {
    const start = i;
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        let value: string;
        try {
          value = JSON.parse(text.slice(start, i)) as string;
        } catch {
          i = start;
          return fail('a string with a bad escape');
        }
        return { type: 'string', value, start, end: i };
      }
      if (c === 92) i += 2;
      else if (c < 32) return fail('a control character inside a string');
      else i++;
    }
    return fail('an unterminated string');
  };
  const value = (): JsonNode => {
    ws();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      const entries: { key: string; keySpan: Span; value: JsonNode }[] = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { type: 'object', entries, start, end: i };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const k = str();
        ws();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        const v = value();
        entries.push({ key: k.value, keySpan: { start: k.start, end: k.end }, value: v });
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { type: 'object', entries, start, end: i };
        }
        fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const items: JsonNode[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { type: 'array', items, start, end: i };
      }
      for (;;) {
        items.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { type: 'array', items, start, end: i };
        }
        fail('expected "," or "]"');
      }
    }
    if (c === '"') return str();
    const lit = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!lit) return fail('expected a value');
    i += lit[0].length;
    const v = JSON.parse(lit[0]) as unknown;
    return { type: v === null ? 'null' : typeof v === 'boolean' ? 'boolean' : 'number', value: v, start, end: i };
  };
  const root = value();
  ws();
  if (i < text.length) fail('expected the end of the file');
  return root;
}

function get(node: JsonNode | undefined, key: string): JsonNode | undefined {
  if (node?.type !== 'object') return undefined;
  // JSON.parse keeps the last of duplicate keys: so do we
  for (let k = node.entries.length - 1; k >= 0; k--) if (node.entries[k].key === key) return node.entries[k].value;
  return undefined;
}

function plain(node: JsonNode | undefined): unknown {
  if (!node) return undefined;
  if (node.type === 'object') return Object.fromEntries(node.entries.map((e) => [e.key, plain(e.value)]));
  if (node.type === 'array') return node.items.map(plain);
  return node.value;
}

export interface IpynbCell extends CellInput {
  /** Where the `source` value is in the file. */
  source: Span;
  /** The source's form in the file: one string or a list of strings (and then each one's span). */
  form: 'string' | 'list';
  lines?: (Span & { value: string })[];
  /** Start of the line holding the cell's `"source"` key (for the indentation of a rewritten list). */
  keyLineStart: number;
}

export interface Ipynb {
  /** The file's text (as decoded). */
  text: string;
  nbformat: number;
  /** The notebook's language (kernelspec / language_info), lower-case; null when it says none. */
  language: string | null;
  cells: IpynbCell[];
}

function lineAndColumn(text: string, offset: number): string {
  let line = 1;
  let col = 1;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text[k] === '\n') {
      line++;
      col = 1;
    } else col++;
  }
  return `line ${line}, column ${col}`;
}

/** Parses a notebook, or says in one sentence why it is not a notebook this tool can read. */
export function parseIpynb(text: string): Ipynb | { error: string } {
  let root: JsonNode;
  try {
    root = parseJsonWithSpans(text, text.charCodeAt(0) === 0xfeff ? 1 : 0);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return { error: `not valid JSON (${lineAndColumn(text, e.offset)}: ${e.message})` };
    throw e;
  }
  if (root.type !== 'object') return { error: 'not a notebook: the file is not a JSON object' };
  const nbformat = get(root, 'nbformat');
  if (nbformat !== undefined && (nbformat.type !== 'number' || typeof nbformat.value !== 'number')) return { error: 'not a notebook: "nbformat" is not a number' };
  const major = nbformat ? (nbformat.value as number) : 4;
  const cellsNode = get(root, 'cells');
  if (!cellsNode) {
    if (get(root, 'worksheets')) return { error: `nbformat ${major} notebooks (with "worksheets") are not supported: convert with \`jupyter nbconvert --to notebook --nbformat 4\`` };
    return { error: 'not a notebook: no "cells" list' };
  }
  if (major < 4) return { error: `nbformat ${major} notebooks are not supported: convert with \`jupyter nbconvert --to notebook --nbformat 4\`` };
  if (cellsNode.type !== 'array') return { error: 'not a notebook: "cells" is not a list' };
  const meta = plain(get(root, 'metadata')) as { kernelspec?: { language?: unknown }; language_info?: { name?: unknown } } | undefined;
  const langValue = meta?.kernelspec?.language ?? meta?.language_info?.name;
  const language = typeof langValue === 'string' ? langValue.toLowerCase() : null;
  const cells: IpynbCell[] = [];
  for (let n = 0; n < cellsNode.items.length; n++) {
    const c = cellsNode.items[n];
    const where = `cell ${n + 1}`;
    if (c.type !== 'object') return { error: `${where} is not a JSON object` };
    const type = get(c, 'cell_type');
    if (type?.type !== 'string') return { error: `${where} has no "cell_type"` };
    const kind: CellKind = type.value === 'code' ? 'code' : type.value === 'markdown' ? 'markdown' : 'raw';
    const src = get(c, 'source');
    if (!src) return { error: `${where} has no "source"` };
    const keyEntry = c.type === 'object' ? [...c.entries].reverse().find((e) => e.key === 'source')! : null;
    const keyLineStart = keyEntry ? text.lastIndexOf('\n', keyEntry.keySpan.start) + 1 : 0;
    const cellMeta = plain(get(c, 'metadata')) as { vscode?: { languageId?: unknown } } | undefined;
    const cellLang = cellMeta?.vscode?.languageId;
    const base = { kind, language: typeof cellLang === 'string' ? cellLang : undefined, source: { start: src.start, end: src.end }, keyLineStart };
    if (src.type === 'string') cells.push({ ...base, text: src.value, form: 'string' });
    else if (src.type === 'array' && src.items.every((x) => x.type === 'string')) {
      const lines = src.items.map((x) => ({ start: x.start, end: x.end, value: (x as { value: string }).value }));
      cells.push({ ...base, text: lines.map((l) => l.value).join(''), form: 'list', lines });
    } else return { error: `${where}: "source" is neither a string nor a list of strings` };
  }
  return { text, nbformat: major, language, cells };
}

/**
 * Where the character at `offset` of a cell's source is written in the notebook's file: inside the
 * JSON string (one string, or the list element) that holds it, counting each escape (`\n`, `\"`,
 * `\u00e9`) as the one character it stands for. The end of the source maps to the end of its last
 * string's content; an empty list to its `[`. (How a diagnostic lands in a notebook sent as JSON text.)
 */
export function cellOffsetInFile(nb: Ipynb, cell: IpynbCell, offset: number): number {
  const pieces = cell.form === 'list' ? (cell.lines ?? []) : [{ start: cell.source.start, end: cell.source.end, value: cell.text }];
  if (!pieces.length) return cell.source.start;
  let rest = Math.max(0, offset);
  for (let k = 0; k < pieces.length; k++) {
    const p = pieces[k];
    if (rest < p.value.length || k === pieces.length - 1) return offsetInJsonString(nb.text, p, Math.min(rest, p.value.length));
    rest -= p.value.length;
  }
  return cell.source.start;
}

/** The file offset of the `index`-th decoded character of the JSON string spanning `s` (quotes included). */
function offsetInJsonString(text: string, s: Span, index: number): number {
  let i = s.start + 1;
  const end = s.end - 1;
  for (let n = 0; n < index && i < end; n++) i += text[i] === '\\' ? (text[i + 1] === 'u' ? 6 : 2) : 1;
  return Math.min(i, end);
}

/** Splits text into lines that keep their line breaks, as nbformat stores a list-form source. */
export function splitSourceLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      out.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

function encoder(fileText: string): (s: string) => string {
  // a file with raw non-ASCII text was written with ensure_ascii=False (nbformat's default); one
  // with only \u escapes for it, ASCII-only: new strings follow the file
  // eslint-disable-next-line no-control-regex
  const asciiOnly = !/[^\x00-\x7f]/.test(fileText) && /\\u(?:00[89a-fA-F][0-9a-fA-F]|0[1-9a-fA-F][0-9a-fA-F]{2}|[1-9a-fA-F][0-9a-fA-F]{3})/.test(fileText);
  return (s) => {
    const json = JSON.stringify(s);
    // eslint-disable-next-line no-control-regex
    return asciiOnly ? json.replace(/[^\x00-\x7f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;
  };
}

/**
 * The notebook's text with the sources of some cells replaced (cell index -> new source text).
 * Every character outside those `source` values is kept.
 */
export function writeIpynb(nb: Ipynb, changed: ReadonlyMap<number, string>): string {
  const encode = encoder(nb.text);
  const replacements: { start: number; end: number; text: string }[] = [];
  for (const [index, newText] of changed) {
    const cell = nb.cells[index];
    if (!cell || cell.text === newText) continue;
    let out: string;
    if (cell.form === 'string') out = encode(newText);
    else out = encodeList(nb.text, cell, splitSourceLines(newText), encode);
    replacements.push({ start: cell.source.start, end: cell.source.end, text: out });
  }
  replacements.sort((a, b) => a.start - b.start);
  let result = '';
  let cursor = 0;
  for (const r of replacements) {
    result += nb.text.slice(cursor, r.start) + r.text;
    cursor = r.end;
  }
  return result + nb.text.slice(cursor);
}

function encodeList(fileText: string, cell: IpynbCell, lines: string[], encode: (s: string) => string): string {
  if (!lines.length) return '[]';
  const raw = fileText.slice(cell.source.start, cell.source.end);
  // unchanged lines keep their own bytes
  const pool = new Map<string, string[]>();
  for (const l of cell.lines ?? []) {
    const list = pool.get(l.value) ?? [];
    list.push(fileText.slice(l.start, l.end));
    pool.set(l.value, list);
  }
  const items = lines.map((l) => pool.get(l)?.shift() ?? encode(l));
  const eolMatch = /\r\n|\n/.exec(raw) ?? /\r\n|\n/.exec(fileText);
  const eol = eolMatch ? eolMatch[0] : '\n';
  const old = cell.lines ?? [];
  if (old.length && !/[\r\n]/.test(raw)) return `[${items.join(', ')}]`;
  let itemIndent: string;
  let closeIndent: string;
  if (old.length) {
    const before = fileText.slice(fileText.lastIndexOf('\n', old[0].start) + 1, old[0].start);
    itemIndent = /^[ \t]*$/.test(before) ? before : '';
    const closeLine = fileText.slice(fileText.lastIndexOf('\n', cell.source.end - 1) + 1, cell.source.end - 1);
    closeIndent = /^[ \t]*$/.test(closeLine) ? closeLine : '';
  } else {
    // an empty list before: indent one step (the file's own) deeper than the "source" key
    const keyIndent = /^[ \t]*/.exec(fileText.slice(cell.keyLineStart))![0];
    const step = /\n([ \t]+)"/.exec(fileText)?.[1] ?? ' ';
    itemIndent = keyIndent + step;
    closeIndent = keyIndent;
  }
  return `[${eol}${items.map((x) => itemIndent + x).join(`,${eol}`)}${eol}${closeIndent}]`;
}
