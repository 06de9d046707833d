/**
 * Checking one input of `trainguard check`: a `.py` file, an `.ipynb` notebook, or text read from
 * stdin. Shared by the in-process run and the worker threads, so what it returns is plain data (no
 * functions): the report, the messages for stderr, and whether the input failed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { analyzeModel, analyzeText, type AnalysisResult, type AnalyzeOptions } from '../analysis/analyze';
import { parsePython } from '../analysis/parser';
import { PythonModel } from '../analysis/model';
import { importsOf } from '../project/imports';
import { isProjectName } from '../analysis/knowledge';
import { fixAll } from '../fixes/apply';
import { fixNotebook } from '../fixes/notebook';
import { limitExceeded } from '../analysis/limits';
import { NotebookProgram, isPythonLanguage } from '../analysis/notebook';
import { parseIpynb, writeIpynb, type IpynbCell } from '../analysis/ipynb';
import { SourceText } from '../analysis/source';
import { KNOWN_CODES } from '../rules/index';
import { mergeSettings, type SettingsLayer } from '../config/resolve';
import type { ResolvedSettings, WorkspaceFacts } from '../config/settings';
import { FileCache, projectRootOf } from '../config/files';
import { findConfig, readPyproject, type ConfigProblem, type PyprojectConfig } from '../config/pyproject';
import { workspaceFactsFor } from '../config/workspaceFacts';
import { decodeUtf8 } from './files';
import type { Finding, Rule } from '../rules/types';
import { unifiedDiff } from '../fixes/diff';
import type { FileReport } from './format';
import { describeInternalError } from './describeError';
import { DiskView } from '../project/fsview';
import { SummaryCache } from '../project/cache';
import { loadProgram, type Program } from '../project/loader';
import { rootFor } from '../project/resolve';

export { describeInternalError };

export interface CheckOptions {
  select: string[];
  ignore: string[];
  /** `--config PATH` (absolute), or undefined for the nearest pyproject.toml. */
  configPath?: string;
  /** check: report; fix: write the safe fixes, then report; diff: print the fixes, write nothing. */
  mode: 'check' | 'fix' | 'diff';
  unsafe: boolean;
  /** Print "Fixed N problems in FILE" (text output). */
  announceFixes: boolean;
  /** The rules (the registry's when absent; tests pass their own). */
  rules?: readonly Rule[];
  /** `--verbose`: an internal error prints its stack trace, and each file's project modules are listed. */
  verbose?: boolean;
  /** `--no-follow-imports` gives false (over pyproject.toml's `follow-imports`); undefined = no opinion. */
  followImports?: boolean;
  /**
   * The folders given on the command line (absolute): a folder checked is one project, its root the
   * search root of the imports of every file under it (as the editor's workspace folder), whatever
   * marker (`.git`, `pyproject.toml`) is above it.
   */
  projectFolders?: string[];
}

export interface FileOutcome {
  /** Null when the input could not be checked at all (unreadable, broken notebook). */
  report: FileReport | null;
  /** Lines for stderr, in order (config warnings, fixes applied, errors). */
  stderr: string[];
  /** The input failed (exit code 2 at the end). */
  failed: boolean;
  /** For stdin with --fix: the fixed text, printed instead of written. */
  fixedText?: string;
  /** With --diff: the unified diff of the fixes (empty when nothing would change). */
  diff?: string;
  /** Findings whose fix is unsafe and was not applied (for the "--unsafe-fixes" hint). */
  hiddenUnsafe: number;
  /**
   * Why the input could not be checked at all (unreadable, a broken notebook, an internal error):
   * the text after `trainguard: FILE: ` of its stderr line, and an error entry in JSON and SARIF.
   */
  error?: string;
}

/** The outcome of an input that could not be checked: one stderr line (`detail` below it), `error` for the reports. */
export function failure(file: string, message: string, detail = ''): FileOutcome {
  return { report: null, stderr: [`trainguard: ${file}: ${message}\n${detail}`], failed: true, hiddenUnsafe: 0, error: message };
}

/**
 * An exception while checking `file`: a bug in Train Guard, reported as one line for that file (the
 * other files are still checked); the stack trace only with --verbose.
 */
export function internalError(file: string, e: unknown, verbose = false): FileOutcome {
  const { message, stack } = describeInternalError(e, verbose);
  return failure(file, message, stack);
}

/** `check()`, or the internal error it threw as that file's outcome. */
export function checkSafely(file: string, check: () => FileOutcome, verbose = false): FileOutcome {
  try {
    return check();
  } catch (e) {
    return internalError(file, e, verbose);
  }
}

/**
 * Fault injection for the crash-isolation tests, from the environment variable TRAINGUARD_TEST_FAULT
 * (`throw:NAME` or `exit:NAME`): checking a file whose name is NAME throws, or ends the worker thread
 * checking it. Only the environment of the `trainguard` process sets it, never a file in the
 * workspace, and all it can do is make that file fail.
 */
export function injectedFault(file: string): 'throw' | 'exit' | null {
  const spec = /^(throw|exit):(.+)$/.exec(process.env.TRAINGUARD_TEST_FAULT ?? '');
  return spec && path.basename(file) === spec[2] ? (spec[1] as 'throw' | 'exit') : null;
}

/**
 * For each line of a cell's source, the 0-based line of the .ipynb file where it is written: in a
 * list-form source each string is on its own file line (a string holding several lines maps them
 * all there); a string-form source is on the line where it starts.
 */
export function sourceFileLines(file: SourceText, cell: IpynbCell): number[] {
  const cellLines = new SourceText(cell.text).lineCount;
  if (cell.form === 'string' || !cell.lines?.length) return new Array<number>(cellLines).fill(file.positionAt(cell.source.start).line);
  const out: number[] = [];
  for (const el of cell.lines) {
    const at = file.positionAt(el.start).line;
    if (out.length < cellLines) out.push(at);
    // each line break inside the element starts another source line written on the same file line
    const breaks = el.value.length ? (el.value.match(/\r\n|\r|\n/g) ?? []).length - (/[\r\n]$/.test(el.value) ? 1 : 0) : 0;
    for (let k = 0; k < breaks && out.length < cellLines; k++) out.push(at);
  }
  // the empty line after a final newline sits where the list ends
  while (out.length < cellLines) out.push(file.positionAt(cell.source.end).line);
  return out;
}

export function isNotebookPath(file: string): boolean {
  return file.toLowerCase().endsWith('.ipynb');
}

const BOM = [0xef, 0xbb, 0xbf];

/**
 * Writes `text` over `file`, keeping a UTF-8 byte order mark the file had. Refuses (returns why) when
 * the file on disk is no longer `original`: an editor saved it meanwhile, and that edit must not be lost.
 */
export function writeFixed(file: string, original: Buffer, text: string): true | string {
  try {
    if (!fs.readFileSync(file).equals(original)) return 'changed on disk while it was being fixed; left as it is';
    const bom = BOM.every((b, i) => original[i] === b) ? Buffer.from(BOM) : Buffer.alloc(0);
    fs.writeFileSync(file, Buffer.concat([bom, Buffer.from(text, 'utf8')]));
    return true;
  } catch (e) {
    return `cannot write the fixes: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
  }
}

export class Checker {
  private readonly cache = new FileCache(true);
  private readonly explicit: PyprojectConfig | null;
  private readonly flagsLayer: SettingsLayer;
  /** Project modules read for `--verbose`, shared by every file this checker checks (one program's modules are read once). */
  private readonly view = new DiskView();
  private readonly summaries = new SummaryCache();

  constructor(private readonly opts: CheckOptions) {
    this.explicit = opts.configPath ? readPyproject(this.cache, opts.configPath, KNOWN_CODES) : null;
    this.flagsLayer = { select: opts.select, ignore: opts.ignore, ...(opts.followImports === false ? { followImports: false } : {}) };
  }

  private problems(list: readonly ConfigProblem[], out: string[]): void {
    for (const p of list) {
      const where = `${path.relative(process.cwd(), p.file) || p.file}${p.line !== null ? `:${p.line + 1}:${p.character + 1}` : ''}`;
      out.push(`trainguard: warning: ${where}: ${p.message}\n`);
    }
  }

  /** Settings and workspace facts for a file (or the name given to stdin): found from its own path. */
  private context(file: string, out: string[]): { settings: ResolvedSettings; workspace: WorkspaceFacts } {
    const abs = path.resolve(file);
    const root = projectRootOf(this.cache, abs);
    const cfg = this.explicit ?? findConfig(this.cache, abs, root, KNOWN_CODES);
    if (cfg) this.problems(cfg.problems, out);
    const { facts, problems } = workspaceFactsFor(this.cache, abs, root, KNOWN_CODES);
    this.problems(problems, out);
    return { settings: mergeSettings(cfg?.layer, this.flagsLayer), workspace: facts };
  }

  /**
   * With --verbose, the project modules `file` imports, as stderr lines: each module read, or why it
   * could not be (missing, unreadable, a syntax error, an import cycle). They are resolved and
   * summarised (server/src/project/): the same modules the findings follow (`analyzeFollowing`).
   */
  private listModules(file: string, text: string, settings: ResolvedSettings, out: string[]): void {
    if (!this.opts.verbose) return;
    const name = path.relative(process.cwd(), path.resolve(file)) || file;
    if (!settings.followImports) {
      out.push(`${name}: project modules: not followed (follow-imports is off)\n`);
      return;
    }
    const program = loadProgram(this.view, path.resolve(file), { cache: this.summaries, entryText: text });
    out.push(...moduleListing(name, program));
  }

  /**
   * Analyses `text` (the file `file`) with the project modules it imports when follow-imports is on:
   * the file is parsed once; when one of its imports may be the project's (not a known library's),
   * they are resolved, and only when one leads into the project is the program loaded and handed
   * to the analysis (a script importing only torch, numpy, os... costs nothing more).
   */
  private analyzeFollowing(file: string, text: string, onDisk: boolean, opts: AnalyzeOptions): AnalysisResult {
    const settings = opts.settings;
    if (!settings?.followImports || !onDisk) return analyzeText(text, opts);
    const tree = parsePython(text);
    try {
      const model = new PythonModel(tree, new SourceText(text));
      const imports = importsOf(model);
      // a file that imports only known libraries (torch, numpy, os...) is not resolved at all
      const program = imports.some((r) => r.level > 0 || isProjectName(r.module)) ? loadProgram(this.view, path.resolve(file), { cache: this.summaries, entryImports: imports, workspaceRoot: this.folderOf(file) }) : null;
      return analyzeModel(model, program?.modules.length ? { ...opts, program } : opts);
    } finally {
      tree.delete();
    }
  }

  /** The program of `file` (its text `text`) for --fix, when follow-imports is on and an import leads into the project. */
  private programFor(file: string, text: string, settings: ResolvedSettings): Program | undefined {
    if (!settings.followImports) return undefined;
    const program = loadProgram(this.view, path.resolve(file), { cache: this.summaries, entryText: text, workspaceRoot: this.folderOf(file) });
    return program.modules.length ? program : undefined;
  }

  /** The innermost folder given on the command line that holds `file` (null: the file was named itself). */
  private folderOf(file: string): string | null {
    return rootFor(path.resolve(file), this.opts.projectFolders ?? []);
  }

  /** Checks a file on disk (and writes its fixes with --fix). Never throws: an exception is that file's error. */
  checkFile(file: string): FileOutcome {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch (e) {
      return failure(file, `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    return checkSafely(file, () => this.check(file, bytes, true), this.opts.verbose);
  }

  /** Checks text that is not a file (stdin), named `name` for messages and configuration. */
  checkStdin(name: string, bytes: Buffer): FileOutcome {
    return checkSafely(name, () => this.check(name, bytes, false), this.opts.verbose);
  }

  private check(file: string, bytes: Buffer, onDisk: boolean): FileOutcome {
    const stderr: string[] = [];
    const report: FileReport = { filename: file, findings: [], notes: [] };
    const { mode, unsafe } = this.opts;
    const rules = this.opts.rules;
    const decoded = decodeUtf8(bytes);
    const notebook = isNotebookPath(file);
    if (injectedFault(file) === 'throw') throw new Error(`fault injected by TRAINGUARD_TEST_FAULT for ${path.basename(file)}`);
    const broken = (why: string): FileOutcome => failure(file, why);
    if (decoded.replaced) {
      if (notebook) return broken('not a notebook: the file is not valid UTF-8');
      report.notes.push('not valid UTF-8: undecodable bytes were replaced before checking' + (mode !== 'check' ? '; no fixes are written to it' : ''));
    }
    const outcome: FileOutcome = { report, stderr, failed: false, hiddenUnsafe: 0 };
    const onRuleError = (code: string, e: unknown) => stderr.push(`trainguard: internal error in ${code} on ${file}: ${(e as Error).message}\n`);
    const count = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    const plural = (n: number) => `${n} problem${n === 1 ? '' : 's'}`;
    const skip = (text: string): boolean => {
      const skipped = limitExceeded(text);
      if (!skipped) return false;
      const note = skipped.replace(/^Train Guard skipped this file: /, 'skipped: ');
      if (mode === 'diff') {
        stderr.push(`trainguard: ${file}: ${note}\n`);
        outcome.report = null;
      } else report.notes.push(note);
      if (!onDisk && mode === 'fix') outcome.fixedText = decoded.text;
      return true;
    };
    /** Writes (or, for stdin, returns) the fixed file; false when the write was refused. */
    const write = (text: string, n: number): boolean => {
      if (!onDisk) {
        outcome.fixedText = text;
        return true;
      }
      const written = writeFixed(file, bytes, text);
      if (written !== true) {
        stderr.push(`trainguard: ${file}: ${written}\n`);
        outcome.failed = true;
        return false;
      }
      if (this.opts.announceFixes) stderr.push(`Fixed ${plural(n)} in ${file}\n`);
      return true;
    };

    if (notebook) {
      const nb = parseIpynb(decoded.text);
      if ('error' in nb) return broken(nb.error);
      if (nb.language !== null && !isPythonLanguage(nb.language)) {
        report.notes.push(`not a Python notebook (its language is ${nb.language}): skipped`);
        if (mode === 'diff') outcome.report = null;
        return outcome;
      }
      let program = NotebookProgram.fromCells(nb.cells);
      if (skip(program.text)) return outcome;
      const { settings, workspace } = this.context(file, stderr);
      this.listModules(file, program.text, settings, stderr);
      if (mode !== 'check') {
        const fixed = fixNotebook(nb.cells, { settings, workspace, unsafe, rules, program: onDisk ? this.programFor(file, program.text, settings) : undefined });
        const left = count(fixed.skipped);
        if (left) stderr.push(`trainguard: ${file}: ${left} fix${left === 1 ? '' : 'es'} left out: an edit would cross a cell boundary or touch an IPython line, or the result would not parse\n`);
        const n = count(fixed.applied);
        if (mode === 'diff') {
          outcome.diff = [...fixed.changed].map(([i, text]) => unifiedDiff(nb.cells[i].text, text, `${file}:cell ${i + 1}`)).join('');
          if (fixed.changed.size) stderr.push(`Would fix ${plural(n)} in ${file}\n`);
          outcome.report = null;
          return outcome;
        }
        if (fixed.changed.size) {
          if (write(writeIpynb(nb, fixed.changed), n)) program = NotebookProgram.fromCells(fixed.cells);
        } else if (!onDisk) outcome.fixedText = decoded.text;
      }
      const result = this.analyzeFollowing(file, program.text, onDisk, { settings, workspace, rules, shellCommands: program.shellCommands, onRuleError });
      // a fix with an edit across a cell boundary or on an IPython line cannot be written: not offered
      report.findings = result.findings.map((f): Finding => (f.fix && 'error' in program.editsToCells(f.fix.edits) ? { ...f, fix: undefined } : f));
      const fileText = new SourceText(nb.text);
      report.cells = program.segments.map((s) => ({ cell: s.cell + 1, startLine: s.startLine, fileLines: sourceFileLines(fileText, nb.cells[s.cell]) }));
      if (!unsafe) outcome.hiddenUnsafe = report.findings.filter((f) => f.fix?.applicability === 'unsafe').length;
      if (result.syntaxError) report.notes.push('the notebook has syntax errors: findings may be incomplete and no fixes are offered');
      return outcome;
    }

    let text = decoded.text;
    if (skip(text)) return outcome;
    const { settings, workspace } = this.context(file, stderr);
    this.listModules(file, text, settings, stderr);
    if (mode !== 'check' && !decoded.replaced) {
      // the fixes of findings that follow the imports (TG221's epoch print after a silent imported step)
      const fixed = fixAll(text, { settings, workspace, unsafe, rules, program: onDisk ? this.programFor(file, text, settings) : undefined });
      for (const [code, n] of fixed.rejected) stderr.push(`trainguard: ${file}: ${n} ${code} fix${n === 1 ? '' : 'es'} left out (malformed edits, or the result would not parse); please report this\n`);
      const n = count(fixed.applied);
      if (mode === 'diff') {
        outcome.diff = fixed.text !== text ? unifiedDiff(text, fixed.text, file) : '';
        if (fixed.text !== text) stderr.push(`Would fix ${plural(n)} in ${file}\n`);
        outcome.report = null;
        return outcome;
      }
      if (fixed.text !== text && write(fixed.text, n)) text = fixed.text;
      if (!onDisk) outcome.fixedText = text;
    }
    if (mode === 'diff') {
      outcome.diff = '';
      outcome.report = null;
      return outcome;
    }
    const result = this.analyzeFollowing(file, text, onDisk, { settings, workspace, rules, onRuleError });
    report.findings = result.findings;
    if (!unsafe) outcome.hiddenUnsafe = result.findings.filter((f) => f.fix?.applicability === 'unsafe').length;
    if (result.syntaxError) report.notes.push('the file has syntax errors: findings may be incomplete and no fixes are offered');
    return outcome;
  }
}

/**
 * `--verbose`'s lines for one checked file: the project modules its imports reach (transitively),
 * each with the import that first reached it, or why it was not read. Nothing for a file whose
 * imports reach none (or that does not parse: its own note says so), so that --verbose stays quiet
 * on single-file scripts.
 */
export function moduleListing(name: string, program: Program): string[] {
  const rel = (f: string) => path.relative(process.cwd(), f) || f;
  const { imports, project, external, missing } = program.stats;
  if (!program.entrySummary || !program.modules.length) return [];
  const read = program.modules.filter((m) => m.status === 'read').length;
  const head = `${name}: project modules: ${read} read` + (program.modules.length > read ? `, ${program.modules.length - read} not` : '') + ` (${imports} import${imports === 1 ? '' : 's'}: ${project} of the project, ${external} outside it${missing ? `, ${missing} not found` : ''})${program.truncated ? '; stopped at the bound' : ''}\n`;
  const lines = [head];
  for (const m of program.modules) {
    const via = `${m.via.statement}, ${rel(m.via.file)}:${m.via.line + 1}`;
    lines.push(m.status === 'read' ? `  ${rel(m.file)}  (${via})\n` : `  ${rel(m.file)}  not read: ${m.reason}  (${via})\n`);
  }
  return lines;
}
