/**
 * `trainguard`: the command-line checker for CI and the terminal, and `trainguard lsp` for editors
 * other than VS Code. Exit codes: 0 no findings, 1 findings, 2 usage or I/O error.
 */
import * as fs from 'fs';
import { initParser } from '../analysis/parser';
import { analyzeText } from '../analysis/analyze';
import { fixAll } from '../fixes/apply';
import { ALL_RULES } from '../rules/index';
import { docsUrl } from '../rules/types';
import { mergeSettings } from '../config/resolve';
import { startServer } from '../lsp/server';
import { parseArgs, codeList, UsageError, type ParsedArgs } from './args';
import { collectFiles, readText } from './files';
import { toJson, toText, summary, type FileReport } from './format';

const VERSION = '0.1.0';

const HELP = `Train Guard ${VERSION}: catches the mistakes that waste a GPU budget in training scripts.

Usage:
  trainguard check [PATHS...] [options]   check Python files (folders are walked for *.py)
  trainguard rules [--output-format text|json]
                                          list every rule
  trainguard lsp                          start the language server on stdio
  trainguard --version

Options of check:
  --output-format text|json   how findings are printed (default: text)
  --select CODES              only these rules (comma-separated codes or prefixes: TG303,TG7)
  --ignore CODES              never these rules
  --fix                       apply the safe fixes to the files
  --unsafe-fixes              with --fix, apply the unsafe fixes too
  --exit-zero                 exit 0 even when there are findings
  --no-color                  plain text output

Exit codes: 0 no findings, 1 findings, 2 usage or I/O error.
`;

const BOOLEAN_FLAGS = new Set(['--fix', '--unsafe-fixes', '--exit-zero', '--no-color', '--help', '--version', '--stdio', '--quiet']);

type Out = { stdout: (s: string) => void; stderr: (s: string) => void };

export async function run(argv: string[], out: Out): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-V') {
    out.stdout(`trainguard ${VERSION}\n`);
    return 0;
  }
  if (!argv.length || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    out.stdout(HELP);
    return argv.length ? 0 : 2;
  }
  let args: ParsedArgs;
  try {
    args = parseArgs(argv, BOOLEAN_FLAGS);
  } catch (e) {
    if (e instanceof UsageError) {
      out.stderr(`trainguard: ${e.message} (see trainguard --help)\n`);
      return 2;
    }
    throw e;
  }
  switch (args.command) {
    case 'check':
      return check(args, out);
    case 'rules':
      return rules(args, out);
    case 'lsp': {
      startServer('stdio');
      return -1; // keeps running
    }
    default:
      out.stderr(`trainguard: unknown command "${args.command}" (see trainguard --help)\n`);
      return 2;
  }
}

function outputFormat(args: ParsedArgs, allowed: string[]): string {
  const f = args.flags.get('--output-format');
  const format = typeof f === 'string' ? f : 'text';
  if (!allowed.includes(format)) throw new UsageError(`--output-format must be one of ${allowed.join(', ')}`);
  return format;
}

async function check(args: ParsedArgs, out: Out): Promise<number> {
  let format: string;
  try {
    format = outputFormat(args, ['text', 'json']);
  } catch (e) {
    out.stderr(`trainguard: ${(e as Error).message}\n`);
    return 2;
  }
  const known = new Set(ALL_RULES.map((r) => r.meta.code));
  const select = codeList(args.flags.get('--select'));
  const ignore = codeList(args.flags.get('--ignore'));
  for (const c of [...select, ...ignore]) {
    if (c !== 'ALL' && ![...known].some((k) => k.startsWith(c))) {
      out.stderr(`trainguard: unknown rule code or prefix "${c}" (see trainguard rules)\n`);
      return 2;
    }
  }
  const inputs = args.positionals.length ? args.positionals : ['.'];
  const { files, errors } = collectFiles(inputs, ['.py']);
  for (const e of errors) out.stderr(`trainguard: ${e}\n`);
  if (errors.length && !files.length) return 2;
  await initParser();
  const settings = mergeSettings({ select, ignore });
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
    if (args.flags.has('--fix')) {
      const fixed = fixAll(text, { settings, unsafe: args.flags.has('--unsafe-fixes') });
      if (fixed.text !== text) {
        fs.writeFileSync(file, fixed.text);
        const n = [...fixed.applied.values()].reduce((a, b) => a + b, 0);
        if (format === 'text') out.stderr(`Fixed ${n} problem${n === 1 ? '' : 's'} in ${file}\n`);
        text = fixed.text;
      }
    }
    const result = analyzeText(text, { settings, onRuleError: (code, e) => out.stderr(`trainguard: internal error in ${code} on ${file}: ${(e as Error).message}\n`) });
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
}

function rules(args: ParsedArgs, out: Out): number {
  let format: string;
  try {
    format = outputFormat(args, ['text', 'json']);
  } catch (e) {
    out.stderr(`trainguard: ${(e as Error).message}\n`);
    return 2;
  }
  const list = ALL_RULES.map((r) => ({ code: r.meta.code, name: r.meta.name, severity: r.meta.severity, fixable: r.meta.fixable, summary: r.meta.summary, url: docsUrl(r.meta.code) }));
  if (format === 'json') out.stdout(JSON.stringify(list, null, 2) + '\n');
  else for (const r of list) out.stdout(`${r.code}  ${r.name.padEnd(34)} ${r.severity.padEnd(11)} ${r.fixable ? 'fix' : '   '}  ${r.summary}\n`);
  return 0;
}

/** Runs the CLI with the process's arguments and sets its exit code. */
export function main(): void {
  run(process.argv.slice(2), { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }).then(
    (code) => {
      if (code >= 0) process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`trainguard: internal error: ${(e as Error).stack ?? e}\n`);
      process.exitCode = 2;
    },
  );
}

if (require.main === module) main();
