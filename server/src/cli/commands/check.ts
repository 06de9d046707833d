/**
 * `trainguard check [PATHS...]`: the checker for CI and the terminal.
 */
import * as fs from 'fs';
import * as path from 'path';
import { initParser } from '../../analysis/parser';
import { analyzeText } from '../../analysis/analyze';
import { fixAll } from '../../fixes/apply';
import { limitExceeded } from '../../analysis/limits';
import { ALL_RULES, KNOWN_CODES } from '../../rules/index';
import { mergeSettings, type SettingsLayer } from '../../config/resolve';
import { isKnownSelector } from '../../config/settings';
import { FileCache, projectRootOf } from '../../config/files';
import { findConfig, readPyproject, type ConfigProblem, type PyprojectConfig } from '../../config/pyproject';
import { workspaceFactsFor } from '../../config/workspaceFacts';
import { codeList, outputFormat, stringFlag, UsageError, type Command } from '../args';
import { collectFiles, readText } from '../files';
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
  --fix                       apply the safe fixes to the files
  --unsafe-fixes              with --fix, apply the unsafe fixes too
  --exit-zero                 exit 0 even when there are findings
  --no-color                  plain text output

Settings: [tool.trainguard] in the nearest pyproject.toml (from the file's folder up to the root
of its repository, the folder holding .git, or to the filesystem root outside one), then
--select / --ignore, which win. Problems in pyproject.toml are reported on stderr and the defaults
are used. Workspace facts, found the same way: the nearest sample_submission.csv and the
requirements*.txt / pyproject.toml pins.

Exit codes: 0 no findings, 1 findings, 2 usage or I/O error.
`,
  flags: {
    '--output-format': 'value',
    '--select': 'value',
    '--ignore': 'value',
    '--config': 'value',
    '--fix': 'boolean',
    '--unsafe-fixes': 'boolean',
    '--exit-zero': 'boolean',
    '--no-color': 'boolean',
  },
  async run(args, out) {
    const format = outputFormat(args, ['text', 'json']);
    const known = ALL_RULES.map((r) => r.meta.code);
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
    const reports: FileReport[] = [];
    let ioError = errors.length > 0;
    for (const file of files) {
      const report: FileReport = { filename: file, findings: [], notes: [] };
      let text: string;
      try {
        const r = readText(file);
        text = r.text;
        if (r.replaced) report.notes.push('not valid UTF-8: undecodable bytes were replaced before checking');
      } catch (e) {
        out.stderr(`trainguard: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
        ioError = true;
        continue;
      }
      const skipped = limitExceeded(text);
      if (skipped) {
        report.notes.push(skipped.replace(/^Train Guard skipped this file: /, 'skipped: '));
        reports.push(report);
        continue;
      }
      const settings = settingsOf(file);
      const { facts: workspace, problems } = workspaceFactsFor(cache, file, projectRootOf(cache, file), KNOWN_CODES);
      reportProblems(problems);
      if (args.flags.has('--fix')) {
        const fixed = fixAll(text, { settings, workspace, unsafe: args.flags.has('--unsafe-fixes') });
        if (fixed.text !== text) {
          fs.writeFileSync(file, fixed.text);
          const n = [...fixed.applied.values()].reduce((a, b) => a + b, 0);
          if (format === 'text') out.stderr(`Fixed ${n} problem${n === 1 ? '' : 's'} in ${file}\n`);
          text = fixed.text;
        }
      }
      const result = analyzeText(text, { settings, workspace, onRuleError: (code, e) => out.stderr(`trainguard: internal error in ${code} on ${file}: ${(e as Error).message}\n`) });
      report.findings = result.findings;
      if (result.syntaxError) report.notes.push('the file has syntax errors: findings may be incomplete and no fixes are offered');
      reports.push(report);
    }
    if (format === 'json') out.stdout(JSON.stringify(toJson(reports), null, 2) + '\n');
    else {
      const color = !args.flags.has('--no-color') && process.stdout.isTTY === true && !process.env.NO_COLOR;
      const text = toText(reports, color);
      if (text) out.stdout(text + '\n');
      out.stdout(summary(reports) + '\n');
    }
    if (ioError) return 2;
    const any = reports.some((r) => r.findings.length);
    return any && !args.flags.has('--exit-zero') ? 1 : 0;
  },
};
