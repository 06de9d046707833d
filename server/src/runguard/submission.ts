/**
 * After a guarded run: the submission files the run wrote (a `submission*.csv` modified since the
 * start, in the working folder, the script's folder, or a folder / path the script names for its
 * submission), each verified with the same core as `trainguard verify-submission`.
 * No vscode / language-server / child_process import.
 */
import * as fs from 'fs';
import * as path from 'path';
import { isSubmissionPath } from '../analysis/submission-names';
import { SampleError, verifySubmission, type VerifyResult } from '../submission/verify';
import { findSample, readCsvText } from '../submission/files';

/** File times may be coarser than the clock (1-2 s on some file systems). */
const MTIME_SLACK_MS = 1000;
const MAX_FILES = 5;

export interface SubmissionSearch {
  /** The run's working folder: relative paths of the script are relative to it. */
  cwd: string;
  scriptDir: string;
  /** Paths the script writes submissions to (from scriptInfo). */
  paths: readonly string[];
  /** The run's start (ms since the epoch, as `Date.now()`). */
  sinceMs: number;
}

export interface SubmissionCheck {
  file: string;
  sample: string | null;
  /** null when the file or its sample could not be read (`error` says why). */
  result: VerifyResult | null;
  error: string | null;
}

/** Where the run's submission may be: the folders searched (for the message when none is found) and the files found, newest first. */
export function findRunSubmissions(s: SubmissionSearch): { searched: string[]; files: string[] } {
  const dirs = new Set<string>([path.resolve(s.cwd), path.resolve(s.scriptDir)]);
  const files = new Map<string, number>();
  const consider = (file: string) => {
    try {
      const st = fs.statSync(file);
      if (st.isFile() && st.mtimeMs >= s.sinceMs - MTIME_SLACK_MS) files.set(file, st.mtimeMs);
    } catch {
      // not written
    }
  };
  for (const p of s.paths) {
    const abs = path.resolve(s.cwd, p);
    dirs.add(path.dirname(abs));
    consider(abs);
  }
  for (const dir of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) if (isSubmissionPath(name) && /\.csv$/i.test(name)) consider(path.join(dir, name));
  }
  const sorted = [...files].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([f]) => f);
  return { searched: [...dirs], files: sorted.slice(0, MAX_FILES) };
}

/** Verifies one submission file against the nearest sample_submission.csv. */
export function checkSubmissionFile(file: string): SubmissionCheck {
  const input = readCsvText(file);
  if (!input.ok) return { file, sample: null, result: null, error: input.message };
  const sample = findSample(file);
  let sampleText: string | null = null;
  if (sample) {
    const s = readCsvText(sample);
    if (!s.ok) return { file, sample, result: null, error: s.message };
    sampleText = s.text;
  }
  try {
    return { file, sample, result: verifySubmission(input.text, sampleText), error: null };
  } catch (e) {
    if (e instanceof SampleError) return { file, sample, result: null, error: `${sample}: ${e.message}` };
    throw e;
  }
}

/** Lines for people about one check: a verdict, then the problems (at most `max`). */
export function describeCheck(c: SubmissionCheck, max = 10): string[] {
  if (!c.result) return [`submission ${c.file}: not checked: ${c.error}`];
  const r = c.result;
  const against = c.sample ? `against ${c.sample}` : 'no sample_submission.csv found: columns and ids not checked';
  const head = r.valid
    ? `submission ${c.file} looks valid: ${r.rows} row${r.rows === 1 ? '' : 's'} (${against})`
    : `submission ${c.file} is NOT valid (${against}):`;
  const problems = r.problems.slice(0, max).map((p) => `  ${p.row !== null ? `row ${p.row}` : 'file'}${p.column !== null ? `, column ${p.column}` : ''}: ${p.severity}: ${p.message}`);
  if (r.problems.length > max) problems.push(`  ... and ${r.problems.length - max} more (trainguard verify-submission ${JSON.stringify(c.file)})`);
  return [head, ...problems];
}
