/**
 * TG231 unverified-submission
 *
 * What it does: finds a write of a submission file — `df.to_csv(P)`, `open(P, "w")`,
 * `np.savetxt(P, ...)`, `shutil.copy(src, P)`, where the path P (a literal, an f-string, an
 * `os.path.join` / `Path / "..."`, or a variable or parameter bound to one) names a submission
 * CSV (`submission*.csv`, `final_submission.csv`; the test TG901 / TG902 use) — that nothing
 * checks afterwards: the file is not tested (`os.path.exists`),
 * not read back (`pd.read_csv`), and the written frame is not checked (`isnull`, `shape`, `len`,
 * `np.isinf`, an `assert`), nor handed to a verification helper.
 * Why it is bad: a missing, empty or NaN-filled submission scores nothing, and nobody notices
 * until the competition is over (hints, section 2C: null scores from a submission never created).
 * Example: `sub.to_csv("/kaggle/working/submission.csv", index=False)` as the script's last line.
 * Fix: append the verification block after the write, on the same path: the file exists, reads
 * back, is not empty; NaN are filled with 0.5 and +/-inf clipped to 1 / 0 (written back). Unsafe:
 * the repair changes the written values.
 * Silent: a verification block or call after the write (also in a helper it calls); writes of
 * other files; the repair write of a verification block.
 */
import type { Node } from '../analysis/parser';
import type { PythonModel } from '../analysis/model';
import { isRepairWrite, isVerified, submissionWrites, type FileWrite } from '../analysis/file-writes';
import { freshName, indentTemplate, insertLinesAfter } from '../fixes/edits';
import { ensureModuleImportAs } from '../fixes/imports';
import { nameIsFree, spellAt } from '../fixes/spelling';
import type { TextEdit } from '../analysis/source';
import type { Fix, Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG231',
    name: 'unverified-submission',
    severity: 'warning',
    section: '2C. Mandatory submission verification',
    summary: 'A submission file is written and never checked (exists, readable, not empty, no NaN/inf)',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    const writes = submissionWrites(m).filter((w) => !isRepairWrite(m, w));
    // the writes of each function with their paths' key, made once (not per pair of writes)
    const byFn = new Map<unknown, { w: FileWrite; key: string }[]>();
    for (const w of writes) {
      const list = byFn.get(w.call.fn);
      const entry = { w, key: writeKey(w) };
      if (list) list.push(entry);
      else byFn.set(w.call.fn, [entry]);
    }
    for (const w of writes) {
      // a later write of the same file supersedes this one: verify the last
      const key = writeKey(w);
      if (byFn.get(w.call.fn)!.some((o) => o.w !== w && o.w.call.node.startIndex > w.call.node.startIndex && o.key === key)) continue;
      if (isVerified(m, w)) continue;
      ctx.report({
        node: w.call.node,
        message: 'The submission file is written but never checked: verify it exists, reads back, is not empty and has no NaN/inf (a broken or missing submission scores nothing)',
        fix: verificationFix(m, w),
      });
    }
  },
};

/**
 * A write repeated: the same path expression with the same values (`sub.to_csv(SUB)` again after a
 * repair). Two spellings that happen to resolve to the same default (`out + "/submission.csv"`,
 * `os.path.join(out, "submission.csv")`) are two writes, each checked.
 */
function writeKey(w: FileWrite): string {
  return `${w.path.text}\n${w.paths.values.join('\n')}`;
}

/** The statement after which the file is complete: the write itself, or the `with open(...)` block. */
function anchorOf(m: PythonModel, w: FileWrite): Node | null {
  if (w.kind !== 'open') return m.statementOf(w.call.node);
  const item = w.call.node.parent;
  const withItem = item?.type === 'as_pattern' ? item.parent : item;
  if (withItem?.type !== 'with_item') return null; // a bare open(): closed somewhere we do not follow
  const stmt = withItem.parent?.parent;
  return stmt?.type === 'with_statement' ? stmt : null;
}

/** Path expressions that are safe to evaluate again: names, literals, f-strings, joins. */
function isPurePath(m: PythonModel, n: Node): boolean {
  switch (n.type) {
    case 'identifier':
    case 'string':
    case 'concatenated_string':
    case 'attribute':
      return true;
    case 'binary_operator':
    case 'parenthesized_expression':
      return n.namedChildren.every((c) => c.type === '/' || c.type === '+' || isPurePath(m, c));
    case 'call': {
      const q = m.callAt(n)?.qualified ?? '';
      return /^(os\.path\.join|pathlib\.\w*Path)$/.test(q) && (n.childForFieldName('arguments')?.namedChildren ?? []).every((c) => isPurePath(m, c));
    }
    default:
      return false;
  }
}

function verificationFix(m: PythonModel, w: FileWrite): Fix | null {
  const src = m.source;
  const anchor = anchorOf(m, w);
  if (!anchor || anchor.parent?.type !== 'block' && anchor.parent?.type !== 'module') return null;
  const indent = src.indentOf(anchor.startPosition.row);
  if (anchor.startPosition.column !== indent.length) return null;
  if (!isPurePath(m, w.path)) return null;
  const fn = m.functionAt(anchor);
  const spelled = spellAt(m, w.path, fn, anchor.endIndex);
  if (!spelled) return null;
  const edits: TextEdit[] = [];
  const names: Record<string, string> = {};
  for (const [mod, key] of [['os', 'os'], ['pandas', 'pd'], ['numpy', 'np']] as const) {
    const imp = ensureModuleImportAs(m, mod, key);
    if (imp.edit) {
      if (!nameIsFree(m, imp.name)) return null;
      edits.push(imp.edit);
    }
    names[key] = imp.name;
  }
  const { os, pd, np } = names;
  const lines: string[] = ['# Verify the submission before the run ends: exists, readable, not empty, no NaN/inf'];
  let path = spelled;
  if (w.path.type !== 'identifier') {
    path = freshName(m, 'submission_file');
    // a path written over several lines (inside the call's parentheses) stays one expression in ours
    lines.push(`${path} = ${/[\r\n]/.test(spelled) ? `(${spelled})` : spelled}`);
  }
  const df = freshName(m, 'submission_check');
  const cols = freshName(m, 'numeric_cols');
  lines.push(
    `if not ${os}.path.exists(${path}):`,
    `    raise FileNotFoundError(f"Submission not written: {${path}}")`,
    `${df} = ${pd}.read_csv(${path})`,
    `print(f"Submission: {${df}.shape[0]} rows, {${df}.shape[1]} columns")`,
    `if len(${df}) == 0:`,
    `    raise ValueError(f"Submission has 0 rows: {${path}}")`,
    `${cols} = ${df}.select_dtypes(include=${np}.number).columns`,
    `if ${df}.isnull().any().any() or ${np}.isinf(${df}[${cols}].to_numpy()).any():`,
    `    print("WARNING: NaN/inf in the submission: NaN -> 0.5, inf -> 1.0, -inf -> 0.0")`,
    `    ${df}[${cols}] = ${df}[${cols}].replace([${np}.inf, -${np}.inf], [1.0, 0.0])`,
    `    ${df} = ${df}.fillna(0.5)`,
    `    ${df}.to_csv(${path}, index=False)`,
    `print("Submission verified")`,
  );
  edits.unshift(insertLinesAfter(src, anchor, indentTemplate(lines, indent, src.indentUnit)));
  return { title: 'Append the submission verification block (exists, readable, not empty, NaN/inf repaired)', applicability: 'unsafe', edits };
}
