/**
 * What the run guard reads from a script before running it (runguard/scriptInfo.ts, scriptFile.ts):
 * training script or not (the CodeLens goes on the first training loop), the class count of a
 * classification loop (never guessed: a count read from the data is unknown), epochs, folds, the
 * submission paths, and the budget through the settings layers.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { FIXTURES, ready } from './helpers';
import { tempTree } from './tempTree';
import { parsePython } from '../../server/src/analysis/parser';
import { PythonModel } from '../../server/src/analysis/model';
import { scriptRunInfo, type ScriptRunInfo } from '../../server/src/runguard/scriptInfo';
import { readScriptInfo } from '../../server/src/runguard/scriptFile';

function info(text: string): ScriptRunInfo {
  const tree = parsePython(text);
  try {
    return scriptRunInfo(new PythonModel(tree, text));
  } finally {
    tree.delete();
  }
}

const fixture = (...p: string[]) => fs.readFileSync(path.join(FIXTURES, ...p), 'utf8');

describe('run guard: what it reads from the script', () => {
  before(ready);

  it('a classification loop: training script, its first loop line, the class count from a constant, epochs', () => {
    const r = info(fixture('rules', 'TG205', 'invalid-basic.py'));
    assert.deepStrictEqual([r.trainingScript, r.trainingLine, r.classes, r.classesFrom, r.epochs], [true, 40, 120, 'line 37', 8]);
  });

  it('a class count read from the data at run time is unknown, not guessed; folds and epochs are read', () => {
    const r = info(fixture('realistic', 'timm_kfold_amp_clean.py'));
    assert.deepStrictEqual([r.trainingScript, r.classes, r.folds, r.epochs], [true, null, 3, 8]);
  });

  it('a multi-label (BCE) loop has no ln(classes) baseline', () => {
    const r = info(fixture('rules', 'TG205', 'valid-multilabel-bce.py'));
    assert.strictEqual(r.trainingScript, true);
    assert.strictEqual(r.classes, null);
  });

  it('a framework fit is a training script (Keras), on the line of the fit', () => {
    const text = fixture('realistic', 'keras_efficientnet_clean.py');
    const r = info(text);
    assert.strictEqual(r.trainingScript, true);
    assert.match(text.split('\n')[r.trainingLine!], /model\.fit\(/);
  });

  it('an inference script is not a training script; its submission path is read', () => {
    const r = info(fixture('realistic', 'predict_submission.py'));
    assert.deepStrictEqual([r.trainingScript, r.trainingLine, r.submissionPaths, r.writesSubmission], [false, null, ['submission.csv'], true]);
  });

  it('submission paths through constants and os.path.join; paths with unknown parts are left out', () => {
    const r = info('import os\nimport pandas as pd\nOUT = "/kaggle/working"\ndf = pd.DataFrame()\ndf.to_csv(os.path.join(OUT, "submission.csv"), index=False)\nfor f in range(3):\n    df.to_csv(f"sub/{f}_submission.csv")\n');
    assert.deepStrictEqual(r.submissionPaths, ['/kaggle/working/submission.csv']);
    assert.strictEqual(r.writesSubmission, true);
  });

  it('from a file: the budget of its # trainguard: comment over pyproject.toml, and of pyproject.toml alone', async () => {
    const root = tempTree({
      'pyproject.toml': '[tool.trainguard]\nbudget-minutes = 45\n',
      'a/train.py': '# trainguard: budget=20m\nprint("hi")\n',
      'a/other.py': 'print("hi")\n',
    });
    try {
      const a = await readScriptInfo(path.join(root, 'a', 'train.py'));
      assert.deepStrictEqual([a.budgetMinutes, a.skipped, a.info?.trainingScript], [20, null, false]);
      const b = await readScriptInfo(path.join(root, 'a', 'other.py'));
      assert.strictEqual(b.budgetMinutes, 45);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('from a file the analyser skips (a NUL byte): run without script facts, and says why', async () => {
    const root = tempTree({ 'bin.py': 'print(1)\u0000\n' });
    try {
      const r = await readScriptInfo(path.join(root, 'bin.py'));
      assert.strictEqual(r.info, null);
      assert.match(r.skipped ?? '', /NUL byte/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
