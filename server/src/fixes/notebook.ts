/**
 * Fix-all for a notebook (`trainguard check --fix` on an `.ipynb`): the same rounds as `fixAll` on a
 * file, run on the notebook's program (analysis/notebook.ts), applying the fixes whose edits each fall
 * inside one cell (a fix may edit several cells: an import cell and a later call) and leave the
 * IPython lines alone; a round whose result no longer parses keeps only
 * the fixes that parse together. Returns each changed cell's new text: the caller writes them back.
 */
import { analyzeText, type AnalyzeOptions } from '../analysis/analyze';
import { NotebookProgram, type CellInput } from '../analysis/notebook';
import { applyNonOverlapping, parses } from './apply';
import type { Finding, Fix } from '../rules/types';
import type { TextEdit } from '../analysis/source';

export interface NotebookFixOptions extends AnalyzeOptions {
  unsafe?: boolean;
  maxRounds?: number;
  /** Only the fixes that land in this cell (the editor's fix-all of one cell). */
  onlyCell?: number;
}

export interface NotebookFixResult {
  /** The cells after fixing (same order and kinds; only texts may differ). */
  cells: CellInput[];
  /** Cell index -> new text, for the cells that changed. */
  changed: Map<number, string>;
  /** Fixes applied, by code. */
  applied: Map<string, number>;
  /** Fixes left out because an edit would cross a cell boundary or touch an IPython line, by code. */
  skipped: Map<string, number>;
}

/** The cells with the fixes applied, each fix's edits to the cells they fall in. */
function applyToCells(program: NotebookProgram, cells: readonly CellInput[], fixes: readonly Finding[]): CellInput[] | null {
  const byCell = new Map<number, TextEdit[]>();
  for (const f of fixes) {
    const groups = program.groupEditsByCell(f.fix!.edits);
    if ('error' in groups) return null;
    for (const [cell, edits] of groups) byCell.set(cell, [...(byCell.get(cell) ?? []), ...edits]);
  }
  const m = program.editsToCells(byCell);
  if ('error' in m) return null;
  const out = cells.map((c) => ({ ...c }));
  for (const c of m) out[c.cell].text = c.text;
  return out;
}

export function fixNotebook(cellsIn: readonly CellInput[], opts: NotebookFixOptions = {}): NotebookFixResult {
  let cells = cellsIn.map((c) => ({ ...c }));
  const applied = new Map<string, number>();
  let skipped = new Map<string, number>();
  const count = (m: Map<string, number>, code: string) => m.set(code, (m.get(code) ?? 0) + 1);
  const accept = (fix: Fix) => opts.unsafe === true || fix.applicability === 'safe';
  const seen = new Set<string>();
  const key = (cs: readonly CellInput[]) => JSON.stringify(cs.map((c) => c.text));
  seen.add(key(cells));
  for (let round = 0; round < (opts.maxRounds ?? 10); round++) {
    const program = NotebookProgram.fromCells(cells);
    const analysis = analyzeText(program.text, { ...opts, shellCommands: program.shellCommands });
    if (analysis.syntaxError) break;
    skipped = new Map();
    const mappable = analysis.findings.filter((f) => {
      if (!f.fix || !accept(f.fix)) return false;
      const m = program.editsToCells(f.fix.edits);
      if ('error' in m) {
        count(skipped, f.code);
        return false;
      }
      // one cell's fix-all edits that cell only: a fix that also edits another cell is left out
      return opts.onlyCell === undefined || m.every((c) => c.cell === opts.onlyCell);
    });
    const r = applyNonOverlapping(program.text, mappable, accept);
    if (!r.applied.length) break;
    let used = r.applied;
    let next = applyToCells(program, cells, used);
    if (next && !parses(NotebookProgram.fromCells(next).text)) next = null;
    if (!next) {
      // keep the fixes that parse together, in order
      used = [];
      next = cells;
      for (const f of r.applied) {
        const candidate = applyToCells(program, cells, [...used, f]);
        if (candidate && parses(NotebookProgram.fromCells(candidate).text)) {
          used.push(f);
          next = candidate;
        } else count(skipped, f.code);
      }
    }
    if (!used.length) break;
    const k = key(next);
    if (seen.has(k)) break; // fixes that undo each other
    seen.add(k);
    for (const f of used) count(applied, f.code);
    cells = next;
  }
  const changed = new Map<number, string>();
  cells.forEach((c, i) => {
    if (c.text !== cellsIn[i].text) changed.set(i, c.text);
  });
  return { cells, changed, applied, skipped };
}
