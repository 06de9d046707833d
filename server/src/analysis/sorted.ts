/** Searches in lists kept in source order. */

/** The index of the first item of `sorted` (ascending by `key`) whose key is `at` or more; `sorted.length` when none. */
export function firstAtOrAfter<T>(sorted: readonly T[], at: number, key: (x: T) => number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(sorted[mid]) < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The index of the first node of `nodes` (in source order) starting at or after offset `at`. */
export function firstStartingAt(nodes: readonly { startIndex: number }[], at: number): number {
  return firstAtOrAfter(nodes, at, (n) => n.startIndex);
}
