/**
 * `trainguard check [PATHS...]`: the checker for CI and the terminal. The work on each input is in
 * cli/checkFile.ts; large inputs are spread over worker threads (cli/pool.ts); the reports are printed
 * in one of the formats of cli/format.ts, in the files' sorted order whatever thread checked them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { initParser } from '../../analysis/parser';
import { ALL_RULES, KNOWN_CODES } from '../../rules/index';
import { isKnownSelector } from '../../config/settings';
import { FileCache } from '../../config/files';
import { readPyproject } from '../../config/pyproject';
import { codeList, outputFormat, stringFlag, UsageError, type Command, type Out, type ParsedArgs } from '../args';
import { collectFiles } from '../files';
import { Checker, type CheckOptions, type FileOutcome } from '../checkFile';
import { checkAll, workerCount, workerScript } from '../pool';
import type { Rule } from '../../rules/types';
import { VERSION } from '../version';
import { statistics, statisticsText, summary, toConcise, toGithub, toJson, toJsonLines, toSarif, toText, type FileReport, type InputFailure } from '../format';

export const FORMATS = ['text', 'concise', 'json', 'json-lines', 'github', 'sarif'] as const;

export const command: Command = {
  name: 'check',
  summary: 'check Python files and notebooks (folders are walked for *.py and *.ipynb)',
  usage: `Usage: trainguard check [PATHS...] [options]
       trainguard check - --stdin-filename NAME [options]     (the text on stdin)

Options:
  --output-format FORMAT      how findings are printed (default: text):
                                text        file:line:col: CODE [*] severity: message, and a summary
                                concise     file:line:col: CODE message
                                json        Ruff's JSON shape (a list)
                                json-lines  the same objects, one per line
                                github      GitHub Actions annotations (::error file=...,line=...)
                                sarif       SARIF 2.1.0 (code scanning), rules and fixes included
  --select CODES              only these rules (comma-separated codes or prefixes: TG303,TG7)
  --ignore CODES              never these rules
  --config PATH               read [tool.trainguard] from this file instead of the nearest
                              pyproject.toml
  --fix                       apply the safe fixes to the files, then report what is left
  --diff                      print the safe fixes as a unified diff instead of writing them;
                              exit 1 if any file would change, 0 if none would
  --unsafe-fixes              with --fix or --diff, apply the unsafe fixes too
  --exit-zero                 exit 0 even when there are findings
  --statistics                print how many findings each rule has instead of the findings
  --quiet, -q                 print the findings only: no summary, no "Fixed ..." lines
  --stdin-filename NAME       name of the text read from stdin (\`-\`): used in messages, to find
                              pyproject.toml and workspace facts, and \`.ipynb\` reads a notebook.
                              With --fix the fixed text goes to stdout and the findings to stderr
  --jobs N                    check with N worker threads (default: one per core for 16 files or
                              more; 1 = all in this thread)
  --no-color                  plain text output
  --verbose                   list, for each checked file, the project modules its imports reach
                              (or why one cannot be read); with an internal error (a bug in Train
                              Guard), print its stack trace
  --no-follow-imports         do not read the project modules a file imports (as
                              \`follow-imports = false\` in [tool.trainguard])

Notebooks (.ipynb, nbformat 4): the Python cells are checked as one program, in cell order; findings
name the cell and the line in it (file.ipynb:cell 3:2:5); --fix rewrites only the changed cells'
sources. A notebook that cannot be read is an error for that file (exit 2 at the end); the other
files are still checked.

An input that cannot be checked (unreadable, a broken notebook, or an internal error while checking
it) is one error line on stderr and an error entry in the json, json-lines, github and sarif output;
the other files are still checked and the exit code is 2.

Settings: [tool.trainguard] in the nearest pyproject.toml (from the file's folder up to the root
of its repository, the folder holding .git, or to the filesystem root outside one), then
--select / --ignore, which win. Problems in pyproject.toml are reported on stderr and the defaults
are used. Workspace facts, found the same way: the nearest sample_submission.csv and the
requirements*.txt / pyproject.toml pins.

Project modules: the modules of the project a file imports (\`from engine import train_one_epoch\`,
\`from .utils import *\`) are found the way Python would find them (the file's folder, its package,
a src/ layout, the project root) and read, never run; the findings follow them (an imported step's
autocast, prints, saves...); --verbose lists them.

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
    '--statistics': 'boolean',
    '--quiet': 'boolean',
    '-q': 'boolean',
    '--stdin-filename': 'value',
    '--jobs': 'value',
    '--no-color': 'boolean',
    '--verbose': 'boolean',
    '--no-follow-imports': 'boolean',
  },
  run: (args, out) => runCheck(args, out),
};

/** Reads all of stdin (the caller may pass its own reader in tests). */
export function readStdin(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks)));
    process.stdin.on('error', reject);
  });
}

/** `trainguard check` with the given rules (the registry's; tests pass their own). */
export async function runCheck(args: ParsedArgs, out: Out, rules: readonly Rule[] = ALL_RULES, stdin: () => Promise<Buffer> = readStdin): Promise<number> {
  const format = outputFormat(args, FORMATS);
  const known = rules.map((r) => r.meta.code);
  const select = codeList(args.flags.get('--select'));
  const ignore = codeList(args.flags.get('--ignore'));
  for (const c of [...select, ...ignore]) {
    if (!isKnownSelector(c, known)) throw new UsageError(`unknown rule code or prefix "${c}" (see trainguard rules)`);
  }
  const jobsFlag = stringFlag(args, '--jobs');
  const jobs = jobsFlag === undefined ? undefined : Number(jobsFlag);
  if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1 || jobs > 256)) throw new UsageError('--jobs must be a whole number from 1 to 256');
  const stdinName = stringFlag(args, '--stdin-filename');
  const fromStdin = args.positionals.includes('-') || (stdinName !== undefined && !args.positionals.length);
  if (fromStdin && args.positionals.length > 1) throw new UsageError('`-` (stdin) cannot be combined with other paths');
  const configPath = stringFlag(args, '--config');
  if (configPath !== undefined) {
    const probe = readPyproject(new FileCache(true), path.resolve(configPath), KNOWN_CODES);
    if (!probe) throw new UsageError(`--config ${configPath}: no such file`);
    if (probe.document && !probe.hasSection) out.stderr(`trainguard: warning: ${configPath} has no [tool.trainguard] table: the defaults are used\n`);
  }
  const quiet = args.flags.has('--quiet') || args.flags.has('-q');
  const diffMode = args.flags.has('--diff');
  const mode = diffMode ? 'diff' : args.flags.has('--fix') ? 'fix' : 'check';
  const options: CheckOptions = {
    select,
    ignore,
    configPath: configPath !== undefined ? path.resolve(configPath) : undefined,
    mode,
    unsafe: args.flags.has('--unsafe-fixes'),
    announceFixes: format === 'text' && !quiet,
    rules: rules === ALL_RULES ? undefined : rules,
    verbose: args.flags.has('--verbose'),
    ...(args.flags.has('--no-follow-imports') ? { followImports: false } : {}),
  };

  const reports: FileReport[] = [];
  /** Inputs that could not be checked: error entries in the reports. */
  const failures: InputFailure[] = [];
  const errors: string[] = [];
  let ioError = false;
  let walkErrors = 0;
  let wouldChange = 0;
  let hiddenUnsafe = 0;
  // with --fix on stdin the fixed text owns stdout: the report goes to stderr
  let report = out.stdout;
  // a warning about one pyproject.toml is printed once, however many files it applies to
  const printed = new Set<string>();
  const take = (r: FileOutcome, file: string) => {
    if (r.error !== undefined) failures.push({ filename: file, message: r.error });
    for (const line of r.stderr) {
      if (line.startsWith('trainguard: warning: ')) {
        if (printed.has(line)) continue;
        printed.add(line);
      }
      if (quiet && /^(Fixed|Would fix) /.test(line)) continue;
      // the line of an input that could not be checked is its failure entry, not one more error
      const isFailure = r.error !== undefined && line.startsWith(`trainguard: ${file}: ${r.error}`);
      if (line.startsWith('trainguard: ') && !line.startsWith('trainguard: warning: ') && !isFailure) errors.push(line.replace(/^trainguard: /, '').trimEnd());
      out.stderr(line);
    }
    if (r.diff) {
      wouldChange++;
      out.stdout(r.diff);
    }
    if (r.failed) ioError = true;
    hiddenUnsafe += r.hiddenUnsafe;
    if (r.report) reports.push(r.report);
  };

  await initParser();
  if (fromStdin) {
    const name = stdinName ?? '-';
    let bytes: Buffer;
    try {
      bytes = await stdin();
    } catch (e) {
      out.stderr(`trainguard: cannot read stdin: ${(e as Error).message}\n`);
      return 2;
    }
    const r = new Checker(options).checkStdin(name, bytes);
    if (mode === 'fix') {
      // the fixed text, or the input as it came when nothing was fixed (an editor piping its buffer
      // through `check --fix -` must never get less than it sent)
      const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
      const fixed = r.fixedText !== undefined ? Buffer.from((bom && !r.fixedText.startsWith('\ufeff') ? '\ufeff' : '') + r.fixedText, 'utf8') : null;
      const output = fixed && !fixed.equals(bytes) ? fixed : bytes;
      if (out.stdoutBytes) out.stdoutBytes(output);
      else out.stdout(output.toString('utf8'));
      report = out.stderr;
    }
    take(r, name);
  } else {
    const inputs = args.positionals.length ? args.positionals : ['.'];
    const walked = collectFiles(inputs, ['.py', '.ipynb']);
    // each folder checked is one project (its root is where the imports of its files are looked up)
    options.projectFolders = inputs.filter((i) => isFolder(i)).map((i) => path.resolve(i));
    for (const e of walked.errors) {
      out.stderr(`trainguard: ${e}\n`);
      errors.push(e);
    }
    ioError = walked.errors.length > 0;
    walkErrors = walked.errors.length;
    if (walked.errors.length && !walked.files.length) return 2;
    // custom rules (tests) are code the workers cannot receive: those runs stay in this thread
    const workers = options.rules ? 0 : workerCount(walked.files.length, jobs, workerScript());
    await checkAll(walked.files, options, () => new Checker(options), workers, (r, i) => take(r, walked.files[i]));
  }

  if (diffMode) {
    if (!wouldChange && format === 'text' && !quiet) out.stderr('No fixes would be applied.\n');
    if (ioError) return 2;
    return wouldChange ? 1 : 0;
  }
  const failedFiles = failures.length + walkErrors;
  if (args.flags.has('--statistics')) {
    const stats = statistics(reports, rules);
    if (format === 'json') report(JSON.stringify(stats, null, 2) + '\n');
    else if (stats.length) report(statisticsText(stats) + '\n');
  } else if (format === 'json') report(JSON.stringify(toJson(reports, failures), null, 2) + '\n');
  else if (format === 'json-lines') {
    const text = toJsonLines(reports, failures);
    if (text) report(text + '\n');
  } else if (format === 'sarif') report(JSON.stringify(toSarif(reports, { rules, version: VERSION, root: process.cwd(), errors, failures }), null, 2) + '\n');
  else if (format === 'github') {
    const text = toGithub(reports, failures);
    if (text) report(text + '\n');
  } else if (format === 'concise') {
    const text = toConcise(reports);
    if (text) report(text + '\n');
    if (!quiet) report(summary(reports) + '\n');
  } else {
    const color = !args.flags.has('--no-color') && process.stdout.isTTY === true && !process.env.NO_COLOR;
    const text = toText(reports, color);
    if (text) report(text + '\n');
    if (!quiet) {
      report(summary(reports) + (failedFiles ? `\n${failedFiles} input${failedFiles === 1 ? '' : 's'} could not be checked (see above).` : '') + '\n');
      if (hiddenUnsafe) report(`(${hiddenUnsafe} more fix${hiddenUnsafe === 1 ? '' : 'es'} available with \`--fix --unsafe-fixes\`.)\n`);
    }
  }
  if (ioError) return 2;
  const any = reports.some((r) => r.findings.length);
  return any && !args.flags.has('--exit-zero') ? 1 : 0;
}

export { writeFixed } from '../checkFile';

function isFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
