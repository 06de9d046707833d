/**
 * Calls that report progress (print, logging, trackers, progress bars, a log file written as the run
 * goes), and calls into modules we cannot see, which may. Shared by TG221 and the module summaries
 * (project/summary.ts): analysis code, so that the summaries never import a rule.
 */
import type { CallSite, PythonModel } from './model';

/** Modules whose calls report progress. */
const REPORTING = /^(logging|loguru|wandb|mlflow|neptune|comet_ml|clearml|tqdm|rich|tensorboardX|aim|dvclive|torch\.utils\.tensorboard|tensorflow\.summary|keras\.utils\.Progbar|IPython\.display|pprint|click\.echo|typer\.echo|sys\.(stdout|stderr))(\.|$)/;

/** Libraries whose functions never report progress on their own (anything else may log). */
const QUIET_LIBS = new Set(
  'torch torchvision timm numpy pandas sklearn scipy math os time random gc collections itertools functools json pickle joblib copy glob shutil pathlib re typing PIL cv2 albumentations transformers accelerate tensorflow keras pytorch_lightning lightning fastai segmentation_models_pytorch monai kornia datasets tokenizers lightgbm xgboost catboost warnings argparse dataclasses datetime sys einops safetensors sentencepiece polars pyarrow h5py skimage imageio torchmetrics bitsandbytes peft optuna'.split(' '),
);

export function isPrintLike(m: PythonModel, c: CallSite): boolean {
  if (c.callee.type === 'identifier' && (c.callee.text === 'print' || c.callee.text === 'display') && !m.bindingsIn(c.callee.text, c.fn).length && !m.imports.has(c.callee.text)) return true;
  const q = c.qualified;
  if (q && REPORTING.test(q)) return true;
  if (c.method && c.receiver) {
    for (const o of m.originsOf(c.receiver)) {
      const b = o.base ?? '';
      if (REPORTING.test(b)) return true;
      if ((b === 'accelerate.Accelerator' || /fabric\.Fabric$/.test(b)) && /^(print|log)$/.test(c.method)) return true;
    }
    // a log file written as the run goes
    if (/^(write|writelines)$/.test(c.method) && c.receiver.type === 'identifier') {
      for (const b of m.bindingsIn(c.receiver.text, c.fn)) {
        const v = b.value;
        if ((b.kind === 'assign' || b.kind === 'with') && v?.type === 'call' && v.childForFieldName('function')?.text === 'open') return true;
      }
    }
  }
  return false;
}

/** A call into a module we cannot see (`from utils import train_epoch`, a relative import): it may log. */
export function isOpaque(c: CallSite): boolean {
  const q = c.qualified;
  if (!q || q.startsWith('<local')) return false;
  const root = q.split('.')[0];
  return q.startsWith('.') || !QUIET_LIBS.has(root);
}
