/**
 * Where a run-guard warning is explained: a rule's page (docs/rules/TGxxx.md) or a section of the
 * run guard's guide (docs/run-guard.md), and the Python errors the Kaggle hints name, each with the
 * page that explains it. No vscode / language-server import.
 */
import { DOCS_BASE_URL, docsUrl } from '../rules/types';

/** The guide's address on the web (the extension opens its shipped copy when it can). */
export const GUIDE_URL = DOCS_BASE_URL.replace(/rules\/$/, 'run-guard.md');

export interface HelpLink {
  /** For people: `TG303 loss-outside-autocast` or `Run guard: CUDA out of memory`. */
  title: string;
  url: string;
  /** The rule code when the page is a rule's. */
  rule: string | null;
  /** The guide's section anchor when the page is the guide. */
  anchor: string | null;
}

export function ruleHelp(code: string, name: string): HelpLink {
  return { title: `${code} ${name}`, url: docsUrl(code), rule: code, anchor: null };
}

export function guideHelp(anchor: string, title: string): HelpLink {
  return { title: `Run guard: ${title}`, url: `${GUIDE_URL}#${anchor}`, rule: null, anchor };
}

export interface KnownError {
  id: string;
  /** Tested against the whole traceback text. */
  test: RegExp;
  /** What it means and what to do, in plain words. */
  advice: string;
  help: HelpLink;
}

/**
 * The errors of the hints (sections 2, 3, 4, 5, 8) and of the rules that prevent them, most
 * specific first: a DataLoader worker's traceback names the worker first and the cause after.
 */
export const KNOWN_ERRORS: readonly KnownError[] = [
  {
    id: 'cuda-oom',
    test: /CUDA out of memory|OutOfMemoryError|CUDA error: out of memory|CUBLAS_STATUS_ALLOC_FAILED|OOM when allocating|ResourceExhaustedError/,
    advice: 'the GPU ran out of memory: lower the batch size by 30-50% (gradient accumulation keeps the effective size), turn on mixed precision, or look for an earlier run still holding the GPU (nvidia-smi)',
    help: guideHelp('cuda-out-of-memory', 'CUDA out of memory'),
  },
  {
    id: 'albucore',
    test: /cannot import name '?\w+'? from '?albucore/,
    advice: 'albumentations and albucore versions do not match: pin albumentations==1.3.1 albucore==0.0.7, or use torchvision.transforms',
    help: ruleHelp('TG301', 'albumentations-albucore-break'),
  },
  {
    id: 'timm-loss',
    test: /module 'timm' has no attribute 'loss'/,
    advice: "timm.loss is a submodule that `import timm` does not load: write `from timm.loss import SoftTargetCrossEntropy`",
    help: ruleHelp('TG302', 'timm-loss-attribute'),
  },
  {
    id: 'half-loss',
    test: /not implemented for 'Half'/,
    advice: 'the loss was computed in half precision outside autocast: compute it inside the `with autocast():` block',
    help: ruleHelp('TG303', 'loss-outside-autocast'),
  },
  {
    id: 'odd-batch',
    test: /Batch size should be even/,
    advice: 'Mixup / CutMix got an odd last batch: give the training DataLoader drop_last=True',
    help: ruleHelp('TG402', 'mixup-without-drop-last'),
  },
  {
    id: 'device-mismatch',
    test: /Expected all tensors to be on the same device|Input type \(torch\.(?:cuda\.)?\w+\) and weight type \(torch\.(?:cuda\.)?\w+\) should be the same/,
    advice: 'the model and the batch are on different devices: move both with .to(device)',
    help: ruleHelp('TG202', 'batch-not-on-gpu'),
  },
  {
    id: 'gpu-unused',
    test: /GPU memory under 10%|GPU not being used/,
    advice: "the script's own first-batch check found the GPU unused: the model or the batch is on the CPU",
    help: ruleHelp('TG203', 'no-gpu-memory-check'),
  },
  {
    id: 'no-cuda',
    test: /Torch not compiled with CUDA enabled|No CUDA GPUs are available|Found no NVIDIA driver|CUDA driver initialization failed/,
    advice: 'no usable GPU: check the runtime has a GPU and that torch was installed with CUDA',
    help: guideHelp('no-gpu', 'no GPU'),
  },
  {
    id: 'string-labels',
    test: /invalid literal for int\(\) with base 10/,
    advice: 'string labels reached int(): encode them with a LabelEncoder before training (and save it for predict.py)',
    help: guideHelp('string-labels', 'string labels'),
  },
  {
    id: 'dataloader-worker',
    test: /DataLoader worker \(pid\(?s?\)? ?[\d, ]*\)? (?:is killed by signal|exited unexpectedly)|unable to write to file <\/torch_|insufficient shared memory/,
    advice: 'a DataLoader worker died (often too little shared memory): try num_workers=0 to see the real error, or a smaller num_workers',
    help: guideHelp('dataloader-worker-died', 'DataLoader worker died'),
  },
  {
    id: 'no-submission',
    test: /submission\.csv not created|Must create submission/,
    advice: "the script's own check found no submission file: write submission.csv before it exits",
    help: ruleHelp('TG232', 'no-submission-written'),
  },
];

export const GENERIC_TRACEBACK_HELP = guideHelp('traceback', 'a Python error');

/** The known error a traceback shows, or null. */
export function knownError(tracebackText: string): KnownError | null {
  return KNOWN_ERRORS.find((e) => e.test.test(tracebackText)) ?? null;
}
