/**
 * Input limits: files too large, or with absurdly long lines (minified or generated code), are skipped
 * with one message instead of being analysed slowly.
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
export function limitExceeded(text: string, limits: Limits = DEFAULT_LIMITS): string | null {
  if (text.length > limits.maxFileSize) {
    return `Train Guard skipped this file: ${(text.length / 1048576).toFixed(1)} MB is over the ${(limits.maxFileSize / 1048576).toFixed(1)} MB limit (setting trainguard.maxFileSize)`;
  }
  let lineStart = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 10;
    if (c === 10 || c === 13) {
      if (i - lineStart > limits.maxLineLength) {
        return `Train Guard skipped this file: line ${countLines(text, lineStart) + 1} is ${i - lineStart} characters long, over the ${limits.maxLineLength} limit (generated or minified code?)`;
      }
      lineStart = i + 1;
    }
  }
  return null;
}

function countLines(text: string, upTo: number): number {
  let n = 0;
  for (let i = 0; i < upTo; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
