// The benchmark's keystroke, shared by the server measure (bench/run.mjs) and the in-process phases
// (bench/keystroke-phases.mjs): one character typed at the start of a loop-body line past the middle
// of the file, then deleted, alternately.

/** The line and column of the benchmark's keystroke: the first loop-body line past the middle of the file. */
export function keystrokeAt(text) {
  const lines = text.split('\n');
  let row = Math.floor(lines.length / 2);
  while (row < lines.length && !/^\s+for .*:\s*$/.test(lines[row])) row++;
  row = Math.min(row + 1, lines.length - 1);
  return { row, col: lines[row].length - lines[row].trimStart().length };
}

/** The LSP content change of version `v` (v >= 2): even versions insert `x`, odd ones delete it again. */
export function keystrokeChange({ row, col }, v) {
  return v % 2 === 0
    ? { range: { start: { line: row, character: col }, end: { line: row, character: col } }, text: 'x' }
    : { range: { start: { line: row, character: col }, end: { line: row, character: col + 1 } }, text: '' };
}
