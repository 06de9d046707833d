/**
 * Reading a submission CSV and finding its sample_submission.csv on disk, for the adapters that run
 * on Node (the CLI's `verify-submission`, the run guard's check after a run). The extension reads
 * through `vscode.workspace.fs` instead. Never throws for a missing or unreadable file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { sampleCandidates } from './verify';

export type CsvRead = { ok: true; text: string; replaced: boolean } | { ok: false; message: string };

/** A CSV file's text, decoded as UTF-8 (`replaced`: it was not valid UTF-8 and bad bytes were replaced). */
export function readCsvText(file: string): CsvRead {
  let bytes: Buffer;
  try {
    if (fs.statSync(file).isDirectory()) return { ok: false, message: `${file} is a folder, not a CSV file` };
    bytes = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, message: code === 'ENOENT' ? `${file}: no such file` : `cannot read ${file}: ${code ?? (e as Error).message}` };
  }
  // the BOM is kept (ignoreBOM) so that --fix writes it back; NUL bytes survive decoding and are
  // reported by the core as "not a CSV"
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes), replaced: false };
  } catch {
    return { ok: true, text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes), replaced: true };
  }
}

/** The nearest sample_submission.csv: beside `file`, then up to 5 folders up; null when there is none. */
export function findSample(file: string): string | null {
  for (const candidate of sampleCandidates(path.resolve(file), 5, path.sep as '/' | '\\')) {
    if (path.resolve(candidate) === path.resolve(file)) continue;
    try {
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not there: keep looking upwards
    }
  }
  return null;
}
