/**
 * TG901 submission-with-index
 *
 * What it does: finds `X.to_csv(<submission path>)` (the path's file name, resolved through
 * constants, f-strings, `os.path.join`, `Path / ...`, says submission) that writes the DataFrame's
 * index: no `index=False` (pandas' default is True), `index=True`, or an index that carries the ids
 * (`set_index('id')`, `pd.DataFrame(..., index=ids)`, `index_label=`).
 * Why it is bad: the default RangeIndex becomes an extra unnamed first column (`,id,label`):
 * Kaggle rejects the file or reads the row numbers as ids, a null score after the whole training
 * budget. Ids kept in the index only survive as long as the index name does (a `reset_index`,
 * `rename`, `concat` later loses or renames them). Hints, sections 2C and 9.
 * Example: `sub.to_csv('submission.csv')`.
 * Fix: add `index=False` (or turn `index=True` into False); for a frame whose ids were moved to the
 * index with `set_index('id')`, write them back as a column: `.reset_index()` before `.to_csv`, and
 * `index=False` (the file is byte-for-byte the same, the ids no longer depend on the index). Unsafe
 * when the frame's index cannot be followed (it might hold ids); none for `index=ids` /
 * `index_label=` (the ids have to be put into a column by hand).
 * Silent: `index=False` (also through a constant); files that are not submissions; an `index`
 * value that cannot be resolved.
 */
import { constantValue } from '../analysis/config-values';
import { frameShape, submissionWrites, type SubmissionWrite } from '../analysis/submissions';
import type { PythonModel } from '../analysis/model';
import type { TextEdit } from '../analysis/source';
import { addKeywordArguments, replaceArgument } from '../fixes/arguments';
import { nodeRange, type Fix, type Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG901',
    name: 'submission-with-index',
    severity: 'error',
    section: '9. Submission format',
    summary: 'A submission file is written with the DataFrame index (no index=False)',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    for (const w of submissionWrites(m)) {
      const indexArg = w.call.keywords.get('index') ?? positional(w, 6);
      if (indexArg) {
        const v = constantValue(m, indexArg);
        if (v === false || v === 0) continue;
        if (v !== true && v !== 1) continue; // unknown: cannot tell
      }
      const shape = frameShape(m, w.frame, { sampleColumns: ctx.workspace.sampleSubmissionColumns ?? null });
      const label = w.call.keywords.get('index_label');
      let message: string;
      let fix: Fix | null = null;
      if (shape.index.kind === 'named') {
        message = `The submission's ids are written from the DataFrame index (set_index('${shape.index.name}')): they only survive while the index keeps its name. Write them as a column: reset_index() and index=False`;
        // set_index(..., drop=False) keeps the column too: reset_index() would clash with it
        if (!label && !shape.index.setIndex.keywords.has('drop')) fix = resetIndexFix(m, w, indexArg);
      } else if (shape.index.kind === 'values' || label) {
        message = label
          ? 'The submission is written with its index under index_label=: unless the index holds the ids, that column is row numbers. Put the ids in a column and write with index=False'
          : 'The submission\'s index is set from values (DataFrame(..., index=...)) and written as the first column: put the ids in a column and write with index=False';
      } else {
        message = 'Submission written without index=False: pandas adds the row numbers as an extra unnamed first column (",id,..."), which Kaggle rejects or misreads. Add index=False';
        fix = indexFalseFix(m, w, indexArg, shape.index.kind === 'default' ? 'safe' : 'unsafe');
      }
      ctx.report({
        node: w.call.node,
        message,
        fix,
        related: shape.index.kind === 'named' ? [{ range: nodeRange(shape.index.setIndex.node), message: 'the ids are moved to the index here' }] : undefined,
      });
    }
  },
};

/** `to_csv(path_or_buf, sep, na_rep, float_format, columns, header, index, ...)` positional argument. */
function positional(w: SubmissionWrite, i: number) {
  const args = w.call.args;
  return args.some((a) => a.type === 'list_splat') ? null : args[i] ?? null;
}

function indexFalseFix(m: PythonModel, w: SubmissionWrite, indexArg: ReturnType<typeof positional>, applicability: 'safe' | 'unsafe'): Fix | null {
  if (indexArg) return { title: 'Set index=False', applicability, edits: [replaceArgument(indexArg, 'False')] };
  if (hasSplat(w)) return null;
  const edits = addKeywordArguments(m, w.call, ['index=False']);
  return edits ? { title: 'Add index=False', applicability, edits } : null;
}

function hasSplat(w: SubmissionWrite): boolean {
  return !!w.call.node.childForFieldName('arguments')?.namedChildren.some((a) => a.type === 'dictionary_splat' || a.type === 'list_splat');
}

/** `sub.to_csv(p)` after `sub = df.set_index('id')` -> `sub.reset_index().to_csv(p, index=False)`. */
function resetIndexFix(m: PythonModel, w: SubmissionWrite, indexArg: ReturnType<typeof positional>): Fix | null {
  const base = indexFalseFix(m, w, indexArg, 'safe');
  if (!base) return null;
  const at = { line: w.frame.endPosition.row, character: w.frame.endPosition.column };
  const edits: TextEdit[] = [{ range: { start: at, end: at }, newText: '.reset_index()' }, ...base.edits];
  return { title: 'Write the ids as a column: reset_index() and index=False', applicability: 'safe', edits };
}
