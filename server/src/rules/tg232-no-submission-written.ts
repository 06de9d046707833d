/**
 * TG232 no-submission-written
 *
 * What it does: finds a script that predicts on the test set — a forward pass or a
 * `.predict()` / `.predict_proba()` / `get_preds()` whose input, or the loop it runs in, reads test
 * data (a path naming `test.csv`, a `test/` folder, `test_images`,
 * followed through variables, datasets, loaders and the file's own functions) — and never writes
 * a submission file (a written CSV whose file name says `submission`, see TG231).
 * Why it is bad: the predictions stay in memory and the run ends with no `submission.csv`: a null
 * score after all the GPU time (hints, section 2C: leaf-classification, siim-isic).
 * Example: `preds = model.predict(test_df[features])` and the script ends.
 * Fix: none (the submission's columns come from the competition): the message says what to write.
 * Silent: training-only scripts (no prediction on test data); a submission written anywhere in
 * the file; a write whose path cannot be read (`args.out`), or test predictions handed to a
 * function Train Guard cannot see (either may write the submission).
 */
import { fileWrites, isSubmissionName, baseName, opaqueCallsWithTestData, testPredictions } from '../analysis/file-writes';
import type { Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG232',
    name: 'no-submission-written',
    severity: 'information',
    section: '2C. Mandatory submission verification',
    summary: 'The script predicts on the test set but never writes a submission file',
    fixable: false,
  },
  check(ctx) {
    const m = ctx.model;
    const preds = testPredictions(m);
    if (!preds.length) return;
    // a write we cannot read may be the submission
    for (const w of fileWrites(m)) {
      if (w.submission || w.paths.unknown || w.paths.values.some((v) => /[{}*]/.test(baseName(v)) || isSubmissionName(v))) return;
    }
    if (opaqueCallsWithTestData(m).length) return;
    ctx.report({
      node: preds[0].node,
      message: 'This script predicts on the test set but never writes a submission file: write submission.csv (columns as in sample_submission.csv, index=False), or the run scores nothing',
    });
  },
};
