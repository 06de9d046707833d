/**
 * `trainguard check [PATHS...]`: the checker for CI and the terminal.
 */
import * as path from 'path';
import { initParser } from '../../analysis/parser';
import { ALL_RULES, KNOWN_CODES } from '../../rules/index';
import { isKnownSelector } from '../../config/settings';
import { FileCache } from '../../config/files';
import { readPyproject } from '../../config/pyproject';
import { codeList, outputFormat, stringFlag, UsageError, type Command, type Out, type ParsedArgs } from '../args';
import { collectFiles } from '../files';
import { Checker } from '../checkFile';
import type { Rule } from '../../rules/types';
import { toJson, toText, summary, type FileReport } from '../format';

export const command: Command = {
  name: 'check',
  summary: 'check Python files and notebooks (folders are walked for *.py and *.ipynb)',
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
  const configPath = stringFlag(args, '--config');
  if (configPath !== undefined) {
    const probe = readPyproject(new FileCache(true), path.resolve(configPath), KNOWN_CODES);
    if (!probe) throw new UsageError(`--config ${configPath}: no such file`);
    if (probe.document && !probe.hasSection) out.stderr(`trainguard: warning: ${configPath} has no [tool.trainguard] table: the defaults are used\n`);
  }
  const diffMode = args.flags.has('--diff');
  const mode = diffMode ? 'diff' : args.flags.has('--fix') ? 'fix' : 'check';
  const checker = new Checker({
    select,
    ignore,
    configPath: configPath !== undefined ? path.resolve(configPath) : undefined,
    mode,
    unsafe: args.flags.has('--unsafe-fixes'),
    announceFixes: format === 'text',
    rules: rules === ALL_RULES ? undefined : rules,
  });
  const inputs = args.positionals.length ? args.positionals : ['.'];
  const { files, errors } = collectFiles(inputs, ['.py', '.ipynb']);
  for (const e of errors) out.stderr(`trainguard: ${e}\n`);
  if (errors.length && !files.length) return 2;
  await initParser();
  const reports: FileReport[] = [];
  let ioError = errors.length > 0;
  let wouldChange = 0;
  let hiddenUnsafe = 0;
  // a warning about one pyproject.toml is printed once, however many files it applies to
  const printed = new Set<string>();
  for (const file of files) {
    const r = checker.checkFile(file);
    for (const line of r.stderr) {
      if (line.startsWith('trainguard: warning: ')) {
        if (printed.has(line)) continue;
        printed.add(line);
      }
      out.stderr(line);
    }
    if (r.diff) {
      wouldChange++;
      out.stdout(r.diff);
    }
    if (r.failed) ioError = true;
    hiddenUnsafe += r.hiddenUnsafe;
    if (r.report) reports.push(r.report);
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

export { writeFixed } from '../checkFile';
