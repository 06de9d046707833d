/**
 * `trainguard check [PATHS...]`: the checker for CI and the terminal.
 */
import * as fs from 'fs';
import * as path from 'path';
import { initParser } from '../../analysis/parser';
import { analyzeText } from '../../analysis/analyze';
import { fixAll } from '../../fixes/apply';
import { unifiedDiff } from '../../fixes/diff';
import { limitExceeded } from '../../analysis/limits';
import { ALL_RULES, KNOWN_CODES } from '../../rules/index';
import { mergeSettings, type SettingsLayer } from '../../config/resolve';
import { isKnownSelector } from '../../config/settings';
import { FileCache, projectRootOf } from '../../config/files';
import { findConfig, readPyproject, type ConfigProblem, type PyprojectConfig } from '../../config/pyproject';
import { workspaceFactsFor } from '../../config/workspaceFacts';
import { codeList, outputFormat, stringFlag, UsageError, type Command, type Out, type ParsedArgs } from '../args';
import { collectFiles, decodeUtf8 } from '../files';
import type { Rule } from '../../rules/types';
import { toJson, toText, summary, type FileReport } from '../format';

export const command: Command = {
  name: 'check',
  summary: 'check Python files (folders are walked for *.py)',
  usage: `Usage: trainguard check [PATHS...] [options]

Options:
  --output-format text|json   how findings are printed (default: text)
  --select CODES              only these rules (comma-separated codes or prefixes: TG303,TG7)
  --ignore CODES              never these rules
  --config PATH               read [tool.trainguard] from this file instead of the nearest
                              pyproject.toml
  --fix                       apply the safe fixes to the files, then report what is left
  --diff                      print the safe fixes as a unified diff instead of writing them;
                              exit 1 if any file would change, 0 if none would
  --unsafe-fixes              with --fix or --diff, apply the unsafe fixes too
  --exit-zero                 exit 0 even when there are findings
  --no-color                  plain text output

Settings: [tool.trainguard] in the nearest pyproject.toml (from the file's folder up to the root
of its repository, the folder holding .git, or to the filesystem root outside one), then
--select / --ignore, which win. Problems in pyproject.toml are reported on stderr and the defaults
are used. Workspace facts, found the same way: the nearest sample_submission.csv and the
requirements*.txt / pyproject.toml pins.

Exit codes: 0 no findings, 1 findings, 2 usage or I/O error
(with --diff: 0 nothing to fix, 1 some file would change, 2 usage or I/O error).
`,
  flags: {
    '--output-format': 'value',
    '--select': 'value',
    '--ignore': 'value',
    '--config': 'value',
    '--fix': 'boolean',
    '--diff': 'boolean',
    '--unsafe-fixes': 'boolean',
    '--exit-zero': 'boolean',
    '--no-color': 'boolean',
  },
  run: (args, out) => runCheck(args, out),
};

/** `trainguard check` with the given rules (the registry's; tests pass their own). */
export async function runCheck(args: ParsedArgs, out: Out, rules: readonly Rule[] = ALL_RULES): Promise<number> {
  const format = outputFormat(args, ['text', 'json']);
  const known = rules.map((r) => r.meta.code);
  const select = codeList(args.flags.get('--select'));
  const ignore = codeList(args.flags.get('--ignore'));
  for (const c of [...select, ...ignore]) {
    if (!isKnownSelector(c, known)) throw new UsageError(`unknown rule code or prefix "${c}" (see trainguard rules)`);
  }
  // one cache for the whole run: each pyproject.toml / requirements file is read once
  const cache = new FileCache(true);
  const configPath = stringFlag(args, '--config');
  let explicit: PyprojectConfig | null = null;
  if (configPath !== undefined) {
    explicit = readPyproject(cache, path.resolve(configPath), KNOWN_CODES);
    if (!explicit) throw new UsageError(`--config ${configPath}: no such file`);
    if (explicit.document && !explicit.hasSection) out.stderr(`trainguard: warning: ${configPath} has no [tool.trainguard] table: the defaults are used\n`);
  }
  const reported = new Set<string>();
  const reportProblems = (problems: readonly ConfigProblem[]) => {
    for (const p of problems) {
      const where = `${path.relative(process.cwd(), p.file) || p.file}${p.line !== null ? `:${p.line + 1}:${p.character + 1}` : ''}`;
      const line = `trainguard: warning: ${where}: ${p.message}\n`;
      if (reported.has(line)) continue;
      reported.add(line);
      out.stderr(line);
    }
  };
  const flagsLayer: SettingsLayer = { select, ignore };
  const settingsOf = (file: string) => {
    const cfg = explicit ?? findConfig(cache, file, projectRootOf(cache, file), KNOWN_CODES);
    if (cfg) reportProblems(cfg.problems);
    return mergeSettings(cfg?.layer, flagsLayer);
  };
  const inputs = args.positionals.length ? args.positionals : ['.'];
  const { files, errors } = collectFiles(inputs, ['.py']);
  for (const e of errors) out.stderr(`trainguard: ${e}\n`);
  if (errors.length && !files.length) return 2;
  await initParser();
  const diffMode = args.flags.has('--diff');
  const fixMode = args.flags.has('--fix') && !diffMode;
  const unsafe = args.flags.has('--unsafe-fixes');
  const reports: FileReport[] = [];
  let ioError = errors.length > 0;
  let wouldChange = 0;
  let hiddenUnsafe = 0;
  for (const file of files) {
    const report: FileReport = { filename: file, findings: [], notes: [] };
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch (e) {
      out.stderr(`trainguard: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      ioError = true;
      continue;
    }
    const decoded = decodeUtf8(bytes);
    let text = decoded.text;
    if (decoded.replaced) report.notes.push('not valid UTF-8: undecodable bytes were replaced before checking' + (fixMode || diffMode ? '; no fixes are written to it' : ''));
    const skipped = limitExceeded(text);
    if (skipped) {
      const note = skipped.replace(/^Train Guard skipped this file: /, 'skipped: ');
      report.notes.push(note);
      if (diffMode) out.stderr(`trainguard: ${file}: ${note}\n`);
      else reports.push(report);
      continue;
    }
    const settings = settingsOf(file);
    const { facts: workspace, problems } = workspaceFactsFor(cache, file, projectRootOf(cache, file), KNOWN_CODES);
    reportProblems(problems);
    if ((fixMode || diffMode) && !decoded.replaced) {
      const fixed = fixAll(text, { settings, workspace, unsafe, rules });
      for (const [code, n] of fixed.rejected) out.stderr(`trainguard: ${file}: ${n} ${code} fix${n === 1 ? '' : 'es'} left out (malformed edits, or the result would not parse); please report this\n`);
      if (fixed.text !== text) {
        const n = [...fixed.applied.values()].reduce((a, b) => a + b, 0);
        if (diffMode) {
          wouldChange++;
          out.stdout(unifiedDiff(text, fixed.text, file));
          out.stderr(`Would fix ${n} problem${n === 1 ? '' : 's'} in ${file}\n`);
        } else {
          const written = writeFixed(file, bytes, fixed.text);
          if (written === true) {
            if (format === 'text') out.stderr(`Fixed ${n} problem${n === 1 ? '' : 's'} in ${file}\n`);
            text = fixed.text;
          } else {
            out.stderr(`trainguard: ${file}: ${written}\n`);
            ioError = true;
          }
        }
      }
    }
    if (diffMode) continue;
    const result = analyzeText(text, { settings, workspace, rules, onRuleError: (code, e) => out.stderr(`trainguard: internal error in ${code} on ${file}: ${(e as Error).message}\n`) });
    report.findings = result.findings;
    if (!unsafe) hiddenUnsafe += result.findings.filter((f) => f.fix?.applicability === 'unsafe').length;
    if (result.syntaxError) report.notes.push('the file has syntax errors: findings may be incomplete and no fixes are offered');
    reports.push(report);
  }
  if (diffMode) {
    if (!wouldChange && format === 'text') out.stderr('No fixes would be applied.\n');
    if (ioError) return 2;
    return wouldChange ? 1 : 0;
  }
  if (format === 'json') out.stdout(JSON.stringify(toJson(reports), null, 2) + '\n');
  else {
    const color = !args.flags.has('--no-color') && process.stdout.isTTY === true && !process.env.NO_COLOR;
    const text = toText(reports, color);
    if (text) out.stdout(text + '\n');
    out.stdout(summary(reports) + '\n');
    if (hiddenUnsafe) out.stdout(`(${hiddenUnsafe} more fix${hiddenUnsafe === 1 ? '' : 'es'} available with \`--fix --unsafe-fixes\`.)\n`);
  }
  if (ioError) return 2;
  const any = reports.some((r) => r.findings.length);
  return any && !args.flags.has('--exit-zero') ? 1 : 0;
}

const BOM = [0xef, 0xbb, 0xbf];

/**
 * Writes the fixed text over `file`, keeping a UTF-8 byte order mark the file had. Refuses (returns
 * why) when the file on disk is no longer the bytes that were fixed: an editor saved it meanwhile,
 * and that edit must not be lost.
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
