/**
 * `trainguard verify-submission FILE`: checks a submission CSV before it is handed in (readable, rows,
 * no NaN / inf, the sample's columns, order, ids and row count), and with --fix repairs the safe part.
 */
import * as fs from 'fs';
import { outputFormat, stringFlag, UsageError, type Command, type Out, type ParsedArgs } from '../args';
import { fixSubmission, SampleError, verifySubmission, type SubmissionProblem, type VerifyResult } from '../../submission/verify';
import { findSample, readCsvText as readText } from '../../submission/files';

export const command: Command = {
  name: 'verify-submission',
  summary: 'check a submission CSV (NaN/inf, columns, ids, rows) against sample_submission.csv',
  usage: `Usage: trainguard verify-submission FILE [options]

Checks that FILE is readable CSV with data rows and no missing (empty, NaN, NA, null...) or infinite
values; with a sample, that its columns (names and order), ids (the sample's first column: same
set, no duplicate) and row count are the sample's. Rows out of the sample's order are a warning.

Options:
  --sample PATH               the sample submission (default: sample_submission.csv beside FILE,
                              then in up to 5 parent folders; without one only FILE itself is checked)
  --fix                       write the safe repairs to FILE: column order as in the sample, missing
                              numbers filled (0.5 in a probability column, else the column median),
                              then report what is left
  --output-format text|json   how problems are printed (default: text)

Rows are CSV records counted from 1 with the header as row 1; columns are counted from 1.
Exit codes: 0 valid, 1 problems, 2 usage or I/O error.
`,
  flags: {
    '--sample': 'value',
    '--fix': 'boolean',
    '--output-format': 'value',
  },
  run: (args, out) => runVerifySubmission(args, out),
};

function where(file: string, p: SubmissionProblem): string {
  return `${file}${p.row !== null ? `:${p.row}` : ''}${p.row !== null && p.column !== null ? `:${p.column}` : ''}`;
}

export async function runVerifySubmission(args: ParsedArgs, out: Out): Promise<number> {
  const format = outputFormat(args, ['text', 'json']);
  if (args.positionals.length !== 1) throw new UsageError(args.positionals.length ? 'give exactly one FILE' : 'missing FILE (the submission CSV)');
  const file = args.positionals[0];
  const input = readText(file);
  if (!input.ok) {
    out.stderr(`trainguard: ${input.message}\n`);
    return 2;
  }
  const samplePath = stringFlag(args, '--sample') ?? findSample(file);
  let sampleText: string | null = null;
  if (samplePath !== null) {
    const s = readText(samplePath);
    if (!s.ok) {
      out.stderr(`trainguard: ${s.message}\n`);
      return 2;
    }
    sampleText = s.text;
  }

  let result: VerifyResult;
  let changes: string[] = [];
  try {
    if (args.flags.has('--fix')) {
      const fixed = fixSubmission(input.text, sampleText);
      if (fixed.text !== null && input.replaced) {
        out.stderr(`trainguard: ${file} is not valid UTF-8: nothing was written to it\n`);
        result = verifySubmission(input.text, sampleText);
      } else if (fixed.text !== null) {
        try {
          fs.writeFileSync(file, fixed.text, 'utf8');
        } catch (e) {
          out.stderr(`trainguard: cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
          return 2;
        }
        changes = fixed.changes;
        result = fixed.after;
      } else result = fixed.after;
    } else result = verifySubmission(input.text, sampleText);
  } catch (e) {
    if (e instanceof SampleError) {
      out.stderr(`trainguard: ${samplePath}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }

  if (format === 'json') {
    out.stdout(
      JSON.stringify(
        { file, sample: samplePath, valid: result.valid, rows: result.rows, columns: result.header, fixed: changes, problems: result.problems },
        null,
        2,
      ) + '\n',
    );
  } else {
    for (const c of changes) out.stderr(`Fixed: ${file}: ${c}\n`);
    for (const p of result.problems) out.stdout(`${where(file, p)}: ${p.severity}: ${p.message}\n`);
    const against = samplePath !== null ? `against ${samplePath}` : 'no sample_submission.csv found: columns and ids not checked';
    out.stdout(result.valid ? `Submission looks valid: ${result.rows} row${result.rows === 1 ? '' : 's'} (${against})\n` : `Submission is not valid (${against})\n`);
  }
  return result.valid ? 0 : 1;
}
