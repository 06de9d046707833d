/**
 * The run guard's reading of a script on disk, for the CLI: what scriptInfo.ts finds in it, and the
 * budget as `trainguard check` layers it ([tool.trainguard] in the nearest pyproject.toml, then the
 * file's `# trainguard: budget=...` comment). A file the analyser would skip (too large, a NUL byte,
 * nested too deep) is run without this: the guard then knows no class count, epochs or budget.
 * No vscode / language-server / child_process import.
 */
import * as fs from 'fs';
import { initParser, parsePython } from '../analysis/parser';
import { PythonModel } from '../analysis/model';
import { parseDirectives } from '../analysis/directives';
import { settingsForFile } from '../analysis/analyze';
import { limitExceeded } from '../analysis/limits';
import { mergeSettings } from '../config/resolve';
import { FileCache, projectRootOf } from '../config/files';
import { findConfig } from '../config/pyproject';
import { KNOWN_CODES } from '../rules/index';
import { scriptRunInfo, type ScriptRunInfo } from './scriptInfo';

export interface ScriptFileInfo {
  /** null when the script was not analysed (`skipped` says why). */
  info: ScriptRunInfo | null;
  budgetMinutes: number | null;
  skipped: string | null;
  /** Problems of the configuration files, for a warning. */
  problems: string[];
}

export async function readScriptInfo(file: string): Promise<ScriptFileInfo> {
  const problems: string[] = [];
  const cache = new FileCache(true);
  const cfg = findConfig(cache, file, projectRootOf(cache, file), KNOWN_CODES);
  for (const p of cfg?.problems ?? []) problems.push(`${p.file}${p.line !== null ? `:${p.line + 1}` : ''}: ${p.message}`);
  const settings = mergeSettings(cfg?.layer);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return { info: null, budgetMinutes: settings.budgetMinutes, skipped: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, problems };
  }
  const limit = limitExceeded(text);
  if (limit) return { info: null, budgetMinutes: settings.budgetMinutes, skipped: limit, problems };
  await initParser();
  const tree = parsePython(text);
  try {
    const m = new PythonModel(tree, text);
    const s = settingsForFile(settings, parseDirectives(m.comments));
    return { info: scriptRunInfo(m), budgetMinutes: s.budgetMinutes, skipped: null, problems };
  } finally {
    tree.delete();
  }
}
