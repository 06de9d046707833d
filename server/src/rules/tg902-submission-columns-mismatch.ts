/**
 * TG902 submission-columns-mismatch
 *
 * What it does: when the workspace has a `sample_submission.csv` (its header is handed to the rule
 * by the editor / CLI as `workspace.sampleSubmissionColumns`), finds a submission write whose
 * columns, resolved from the code, differ from that header in names or order. Columns are followed
 * through `pd.DataFrame({...})` keys, `columns=[...]`, `df[[...]]`, `df.columns = [...]`,
 * `df['c'] = ...`, `insert`, `rename`, `drop`, `set_index` (a written named index is a column),
 * `pd.read_csv(<sample_submission>)`, and `to_csv(columns=..., header=...)`.
 * Why it is bad: Kaggle scores by the sample's header; a renamed column ("Expected column 'label'
 * but got 'prediction'") or a swapped order fails the submission or scores it as garbage after the
 * whole training budget. Hints, section 9.
 * Example: sample header `id,label`; `pd.DataFrame({'id': ids, 'prediction': p}).to_csv('submission.csv', index=False)`.
 * Fix: rename and reorder to the sample's header: a column name spelled by a single string literal
 * that nothing else in the file uses is renamed in place; otherwise `.rename(columns={...})` is
 * added before `.to_csv`; a different order or extra columns become a `[[...]]` selection in the
 * sample's order. The pairing of names is certain when only one name differs or names differ only
 * in case / punctuation (safe); several differing names are paired by position (unsafe). Not
 * offered when a sample column is missing, or for `columns=` / `header=` / index-written layouts.
 * Silent: no sample_submission.csv in the workspace; identical columns; columns that cannot be
 * followed (computed names, frames built elsewhere).
 */
import type { Node } from '../analysis/parser';
import { constantValue } from '../analysis/config-values';
import { stringValue } from '../analysis/model';
import { nodesOfType } from '../analysis/node-index';
import type { PythonModel } from '../analysis/model';
import type { TextEdit } from '../analysis/source';
import { frameShape, submissionWrites, type FrameColumn } from '../analysis/submissions';
import { replaceNode } from '../fixes/edits';
import type { Fix, Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG902',
    name: 'submission-columns-mismatch',
    severity: 'error',
    section: '9. Submission format: column names wrong',
    summary: "The submission's columns differ from sample_submission.csv in name or order",
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    const sample = ctx.workspace.sampleSubmissionColumns;
    if (!sample || !sample.length) return;
    const samplePath = ctx.workspace.sampleSubmissionPath ?? 'sample_submission.csv';
    for (const w of submissionWrites(m)) {
      const shape = frameShape(m, w.frame, { sampleColumns: sample });
      if (!shape.columns) continue;
      const call = w.call;
      let written = shape.columns.map((c) => c.name);
      let simple = true;
      const columnsArg = call.keywords.get('columns');
      if (columnsArg) {
        const v = constantValue(m, columnsArg);
        if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && written.includes(x))) continue;
        written = v as string[];
        simple = false;
      }
      const header = call.keywords.get('header');
      if (header) {
        const v = constantValue(m, header);
        if (v === false) continue; // no header at all: a different problem
        if (Array.isArray(v)) {
          if (v.length !== written.length || !v.every((x) => typeof x === 'string')) continue;
          written = v as string[];
          simple = false;
        } else if (v !== true) continue;
      }
      const indexArg = call.keywords.get('index');
      const indexWritten = indexArg ? constantValue(m, indexArg) : true;
      if (indexWritten === undefined) continue;
      if (indexWritten !== false && indexWritten !== 0) {
        const label = call.keywords.get('index_label');
        const labelValue = label ? constantValue(m, label) : undefined;
        if (typeof labelValue === 'string') written = [labelValue, ...written];
        else if (shape.index.kind === 'named') written = [shape.index.name, ...written];
        else if (shape.index.kind !== 'default' || label) continue; // TG901's finding
        simple = simple && !label && shape.index.kind !== 'named';
      }
      if (written.length === sample.length && written.every((c, i) => c === sample[i])) continue;
      const fix = simple ? columnsFix(m, w.frame, shape.columns, sample) : null;
      ctx.report({
        node: call.node,
        message: `Submission columns [${written.join(', ')}] differ from ${samplePath} [${sample.join(', ')}]${describe(written, sample)}: Kaggle scores by the sample's header. Rename/reorder to match`,
        fix,
      });
    }
  },
};

function describe(written: string[], sample: readonly string[]): string {
  const missing = sample.filter((c) => !written.includes(c));
  const extra = written.filter((c) => !sample.includes(c));
  const parts: string[] = [];
  if (missing.length) parts.push(`missing ${missing.join(', ')}`);
  if (extra.length) parts.push(`unexpected ${extra.join(', ')}`);
  if (!missing.length && !extra.length) parts.push('same names, different order');
  return ` (${parts.join('; ')})`;
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Pairs written columns with sample columns: exact, then ignoring case / punctuation, then the single leftover pair, then by position. */
export function pairColumns(written: string[], sample: readonly string[]): { renames: Map<string, string>; certain: boolean } | null {
  const renames = new Map<string, string>();
  let restW = written.filter((c) => !sample.includes(c));
  let restS = sample.filter((c) => !written.includes(c));
  for (const w of [...restW]) {
    const match = restS.filter((s) => norm(s) === norm(w));
    if (match.length === 1 && restW.filter((x) => norm(x) === norm(w)).length === 1) {
      renames.set(w, match[0]);
      restW = restW.filter((x) => x !== w);
      restS = restS.filter((x) => x !== match[0]);
    }
  }
  if (!restS.length) return { renames, certain: true };
  if (restW.length !== restS.length) return null;
  if (restW.length === 1) {
    renames.set(restW[0], restS[0]);
    return { renames, certain: true };
  }
  // several differing names: by position among the leftovers (a guess)
  restW.forEach((w, i) => renames.set(w, restS[i]));
  return { renames, certain: false };
}

function columnsFix(m: PythonModel, frame: Node, columns: FrameColumn[], sample: readonly string[]): Fix | null {
  const written = columns.map((c) => c.name);
  if (new Set(written).size !== written.length) return null;
  const pairing = pairColumns(written, sample);
  if (!pairing) return null;
  const quote = quoteOf(columns);
  const lit = (s: string) => `${quote}${s.replace(/\\/g, '\\\\').replace(new RegExp(quote, 'g'), `\\${quote}`)}${quote}`;
  const edits: TextEdit[] = [];
  const atSite = new Map<string, string>();
  for (const [from, to] of pairing.renames) {
    const col = columns.find((c) => c.name === from)!;
    if (col.literal && col.literal.type === 'string' && stringLiteralCount(m, from) === 1 && !col.literal.text.match(/^[a-zA-Z]*f/i)) {
      edits.push(replaceNode(col.literal, renameLiteral(col.literal, to)));
    } else atSite.set(from, to);
  }
  const after = written.map((c) => pairing.renames.get(c) ?? c);
  let suffix = '';
  if (atSite.size) suffix += `.rename(columns={${[...atSite].map(([a, b]) => `${lit(a)}: ${lit(b)}`).join(', ')}})`;
  if (after.length !== sample.length || after.some((c, i) => c !== sample[i])) suffix += `[[${sample.map(lit).join(', ')}]]`;
  if (suffix) {
    const at = { line: frame.endPosition.row, character: frame.endPosition.column };
    edits.push({ range: { start: at, end: at }, newText: suffix });
  }
  if (!edits.length) return null;
  return { title: 'Rename / reorder the columns to the sample submission', applicability: pairing.certain ? 'safe' : 'unsafe', edits };
}

/** The quote character the frame's column literals use (else a single quote). */
function quoteOf(columns: FrameColumn[]): string {
  for (const c of columns) {
    const q = c.literal?.text.replace(/^[a-zA-Z]*/, '')[0];
    if (q === '"' || q === "'") return q;
  }
  return "'";
}

/** The same literal (prefix and quotes kept) with new content. */
function renameLiteral(literal: Node, to: string): string {
  const m = /^([a-zA-Z]*)("""|'''|"|')/.exec(literal.text);
  if (!m) return JSON.stringify(to);
  const q = m[2];
  const escaped = to.replace(/\\/g, '\\\\').replace(new RegExp(q[0], 'g'), `\\${q[0]}`);
  return `${m[1]}${q}${escaped}${q}`;
}

/** How many string literals in the file have exactly this value. */
function stringLiteralCount(m: PythonModel, value: string): number {
  return nodesOfType(m, 'string').filter((x) => stringValue(x) === value).length;
}
