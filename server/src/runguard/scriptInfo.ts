/**
 * What the run guard learns from the script before running it, read from the shared PythonModel:
 * is it a training script (a hand-written training loop or a framework `fit` / `train`), where that
 * loop is (the CodeLens goes there), the class count of a classification loop (the random baseline
 * ln(classes), as TG205 reads it), epochs and folds (as the estimator reads them), and the paths of
 * the submission files it writes (where to look for them once the run ends).
 * No vscode / language-server / child_process import.
 */
import type { PythonModel } from '../analysis/model';
import { fileWrites } from '../analysis/file-writes';
import { scriptFacts } from '../estimator/scriptFacts';
import { classificationClassCount } from '../rules/tg205-no-loss-sanity-check';

export interface ScriptRunInfo {
  /** A training loop or a framework training call is in the file. */
  trainingScript: boolean;
  /** 0-based line of the first one (null when not a training script). */
  trainingLine: number | null;
  classes: number | null;
  /** Where the class count comes from, for people: `line 12`. */
  classesFrom: string | null;
  epochs: number | null;
  folds: number | null;
  /** Submission paths the script writes, as written (relative ones are relative to the run's working folder); only fully known paths. */
  submissionPaths: string[];
  /** The script writes a submission file somewhere (even at a path that cannot be read statically). */
  writesSubmission: boolean;
}

export function scriptRunInfo(m: PythonModel): ScriptRunInfo {
  const starts: number[] = [];
  for (const l of m.outermostTrainingLoops()) starts.push(l.node.startPosition.row);
  for (const f of m.frameworkLoops()) starts.push(f.call.node.startPosition.row);
  const trainingLine = starts.length ? Math.min(...starts) : null;
  const classes = classificationClassCount(m);
  const facts = scriptFacts(m);
  const writes = fileWrites(m).filter((w) => w.submission);
  const paths = new Set<string>();
  for (const w of writes) for (const v of w.paths.values) if (!/[{}*]/.test(v) && /\.csv$/i.test(v)) paths.add(v);
  return {
    trainingScript: trainingLine !== null,
    trainingLine,
    classes: classes?.value ?? null,
    classesFrom: classes ? `line ${classes.line}` : null,
    epochs: facts.epochs?.value ?? null,
    folds: facts.folds?.value ?? null,
    submissionPaths: [...paths],
    writesSubmission: writes.length > 0,
  };
}
