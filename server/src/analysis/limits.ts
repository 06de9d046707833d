/**
 * Input limits: files too large, with absurdly long lines (minified or generated code), or with NUL
 * bytes (binary data: python3 itself refuses them) are skipped with one message instead of being
 * analysed slowly or uselessly.
 */
export interface Limits {
  /** Largest file analysed, in UTF-16 code units (~bytes for ASCII). Default 2 MB. */
  maxFileSize: number;
  /** Longest line analysed. Default 10,000 characters. */
  maxLineLength: number;
  /** Time budget for the rules of one file, in milliseconds; rules not run by then are skipped and reported. */
  timeBudgetMs: number;
}

export const DEFAULT_LIMITS: Limits = { maxFileSize: 2 * 1024 * 1024, maxLineLength: 10_000, timeBudgetMs: 3000 };

/** Limits from settings (`trainguard.maxFileSize`, ...): a missing, non-numeric or non-positive value keeps the default. */
export function limitsFrom(settings: { maxFileSize?: unknown; maxLineLength?: unknown; timeBudgetMs?: unknown }): Limits {
  const n = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : d);
  return {
    maxFileSize: n(settings.maxFileSize, DEFAULT_LIMITS.maxFileSize),
    maxLineLength: n(settings.maxLineLength, DEFAULT_LIMITS.maxLineLength),
    timeBudgetMs: n(settings.timeBudgetMs, DEFAULT_LIMITS.timeBudgetMs),
  };
}

/** Why `text` is not analysed, or null when it is within the limits. */
export function limitExceeded(text: string, limits: Limits = DEFAULT_LIMITS, nesting?: number): string | null {
  if (text.length > limits.maxFileSize) {
    return `Train Guard skipped this file: ${(text.length / 1048576).toFixed(1)} MB is over the ${(limits.maxFileSize / 1048576).toFixed(1)} MB limit (setting trainguard.maxFileSize)`;
  }
  let lineStart = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 10;
    if (c === 0) {
      // python3 refuses such a file outright ("source code string cannot contain null bytes")
      return `Train Guard skipped this file: it contains a NUL byte (line ${countLines(text, i) + 1}), so it is binary data, not Python source`;
    }
    if (c === 10 || c === 13) {
      if (i - lineStart > limits.maxLineLength) {
        return `Train Guard skipped this file: line ${countLines(text, lineStart) + 1} is ${i - lineStart} characters long, over the ${limits.maxLineLength} limit (generated or minified code?)`;
      }
      lineStart = i + 1;
    }
  }
  // `nesting`: tooDeeplyNested(text), when the caller already knows it
  const deep = nesting ?? tooDeeplyNested(text);
  if (deep) return `Train Guard skipped this file: blocks are nested ${MAX_BLOCK_DEPTH} or more levels deep (line ${deep}); python3 refuses that too ("too many levels of indentation")`;
  return null;
}

/**
 * CPython's limit on indentation levels (the tokenizer's MAXINDENT). A file nested deeper is not
 * valid Python, and past a few hundred levels the tree-sitter WebAssembly parser overruns its memory
 * ("memory access out of bounds") and stays broken for every later file: such files are never parsed.
 */
export const MAX_BLOCK_DEPTH = 100;

/**
 * The 1-based line where blocks are first nested `MAX_BLOCK_DEPTH` levels deep, or 0. A line opens a new level when it is
 * indented deeper than the current block and the code line before it ends with `:` (other deeper lines
 * are continuations of a bracketed expression or a string and are not counted). Tabs go to the next
 * multiple of 8, as in CPython.
 */
export function tooDeeplyNested(text: string): number {
  const stack: number[] = [0];
  let opener = false;
  let lineNo = 0;
  for (const line of text.split(/\r\n|\n|\r/)) {
    lineNo++;
    let col = 0;
    let i = 0;
    for (; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 32) col++;
      else if (c === 9) col = (Math.floor(col / 8) + 1) * 8;
      else if (c !== 12) break;
    }
    if (i === line.length || line.charCodeAt(i) === 35) continue; // blank or comment-only
    while (stack.length > 1 && col < stack[stack.length - 1]) stack.pop();
    if (col > stack[stack.length - 1] && opener) {
      stack.push(col);
      if (stack.length - 1 >= MAX_BLOCK_DEPTH) return lineNo;
    }
    const hash = line.indexOf('#', i);
    opener = (hash < 0 ? line : line.slice(0, hash)).trimEnd().endsWith(':');
  }
  return 0;
}

function countLines(text: string, upTo: number): number {
  let n = 0;
  for (let i = 0; i < upTo; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
