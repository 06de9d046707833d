/**
 * What Train Guard knows about the training libraries: fully qualified names (after import
 * resolution) sorted into the roles rules ask about. Rules never match variable names; they ask the
 * model what a name is bound to and look the binding's origin up here.
 */

const LOSS_MODULES = ['torch.nn.', 'timm.loss.', 'segmentation_models_pytorch.losses.', 'monai.losses.', 'kornia.losses.'];

/** `torch.nn.CrossEntropyLoss`, `timm.loss.SoftTargetCrossEntropy`, `smp.losses.DiceLoss`, ... */
export function isLossConstructor(q: string): boolean {
  if (!LOSS_MODULES.some((m) => q.startsWith(m))) return false;
  const last = q.slice(q.lastIndexOf('.') + 1);
  return /Loss$|CrossEntropy|^JsdCrossEntropy$/.test(last);
}

/** Functional losses: `torch.nn.functional.cross_entropy`, ... */
export const FUNCTIONAL_LOSSES = new Set(
  [
    'cross_entropy', 'nll_loss', 'binary_cross_entropy', 'binary_cross_entropy_with_logits', 'mse_loss', 'l1_loss',
    'smooth_l1_loss', 'huber_loss', 'kl_div', 'cosine_embedding_loss', 'margin_ranking_loss', 'soft_margin_loss',
    'multilabel_soft_margin_loss', 'multi_margin_loss', 'poisson_nll_loss', 'gaussian_nll_loss', 'triplet_margin_loss',
    'ctc_loss', 'hinge_embedding_loss', 'multilabel_margin_loss',
  ].map((n) => `torch.nn.functional.${n}`),
);

/** Losses whose target is a class index: the ln(num_classes) baseline applies (TG205). */
export function isClassificationLoss(q: string): boolean {
  return /(^torch\.nn\.(CrossEntropyLoss|NLLLoss)$)|(^torch\.nn\.functional\.(cross_entropy|nll_loss)$)|(^timm\.loss\.(LabelSmoothingCrossEntropy|SoftTargetCrossEntropy)$)/.test(q);
}

export const AUTOCAST = new Set([
  'torch.autocast',
  'torch.amp.autocast',
  'torch.cuda.amp.autocast',
  'torch.cpu.amp.autocast',
  'torch.amp.autocast_mode.autocast',
]);

export const GRAD_SCALER = new Set([
  'torch.cuda.amp.GradScaler',
  'torch.amp.GradScaler',
  'torch.GradScaler',
  'torch.cpu.amp.GradScaler',
]);

export function isOptimizerConstructor(q: string): boolean {
  return (
    (/^torch\.optim\.[A-Z]/.test(q) && !q.startsWith('torch.optim.lr_scheduler')) ||
    /^timm\.optim\.(create_optimizer(_v2)?|[A-Z]\w*)$/.test(q) ||
    /^transformers\.(AdamW|Adafactor)$/.test(q) ||
    /^transformers\.optimization\.(AdamW|Adafactor)$/.test(q) ||
    /^bitsandbytes\.optim\.[A-Z]/.test(q) ||
    /^torch_optimizer\.[A-Z]/.test(q)
  );
}

export function isSchedulerConstructor(q: string): boolean {
  return /^torch\.optim\.lr_scheduler\./.test(q) || /^timm\.scheduler\./.test(q) || /^transformers\.get_\w+_schedule/.test(q);
}

/** Functions and classes that build a network. Local `nn.Module` subclasses are added by the model. */
export function isModelFactory(q: string): boolean {
  return (
    q === 'timm.create_model' ||
    q === 'timm.models.create_model' ||
    /^torchvision\.models\.(?!detection\.?$)[a-z_0-9.]+$/.test(q) ||
    /^torchvision\.models\.[A-Za-z_0-9.]+$/.test(q) ||
    /^transformers\.\w*(Model|ForSequenceClassification|ForTokenClassification|ForImageClassification|ForCausalLM|ForMaskedLM|ForQuestionAnswering|ForMultipleChoice)\w*(\.from_pretrained|\.from_config)?$/.test(q) ||
    /^segmentation_models_pytorch\.[A-Z]\w*$/.test(q) ||
    /^efficientnet_pytorch\.EfficientNet\.from_(pretrained|name)$/.test(q) ||
    /^torch\.nn\.(Sequential|Linear|Conv[123]d|LSTM|GRU|Transformer\w*)$/.test(q)
  );
}

export const DATALOADER = new Set(['torch.utils.data.DataLoader', 'torch.utils.data.dataloader.DataLoader']);

/** Calls that report GPU memory (TG203). */
export const GPU_MEMORY_REPORTS = new Set([
  'torch.cuda.memory_allocated',
  'torch.cuda.max_memory_allocated',
  'torch.cuda.memory_reserved',
  'torch.cuda.max_memory_reserved',
  'torch.cuda.mem_get_info',
  'torch.cuda.memory_summary',
  'torch.cuda.memory_stats',
  'torch.cuda.list_gpu_processes',
  'tensorflow.config.experimental.get_memory_usage',
  'tensorflow.config.experimental.get_memory_info',
  'pynvml.nvmlDeviceGetMemoryInfo',
  'GPUtil.showUtilization',
  'GPUtil.getGPUs',
]);

export const CHECKPOINT_SAVES = new Set(['torch.save', 'safetensors.torch.save_file', 'safetensors.torch.save_model', 'joblib.dump', 'pickle.dump']);

/** Modules whose presence marks a framework that owns the training loop. */
export const FRAMEWORK_MODULES = [
  'pytorch_lightning',
  'lightning',
  'lightning.pytorch',
  'fastai',
  'transformers',
  'accelerate',
  'keras',
  'tensorflow',
  'pytorch_accelerated',
];

/** Top-level modules of the standard library and of the libraries training scripts use: not the project's own code. */
const KNOWN_LIBRARIES = new Set(
  ('torch torchvision torchaudio torchtext timm numpy pandas polars sklearn scipy transformers tokenizers datasets accelerate ' +
    'pytorch_lightning lightning fastai keras tensorflow tf_keras jax flax optax apex deepspeed pytorch_accelerated ' +
    'albumentations cv2 PIL skimage segmentation_models_pytorch monai torch_geometric lightgbm xgboost catboost optuna ' +
    'wandb mlflow tensorboard tensorboardX neptune comet_ml tqdm rich os sys math time random json csv pickle joblib ' +
    'gc shutil pathlib glob logging warnings itertools functools collections copy re subprocess argparse typing ' +
    'dataclasses contextlib threading multiprocessing datetime zipfile gzip io abc enum inspect traceback hydra omegaconf ' +
    'yaml toml fire click typer ignite catalyst pytorch_metric_learning huggingface_hub safetensors peft trl bitsandbytes ' +
    'sentencepiece spacy nltk gensim einops kornia apex effdet mmcv mmdet detectron2 ultralytics').split(' '),
);

/** Is a qualified name the project's own code (a relative import, or a module no known library owns)? */
export function isProjectName(q: string): boolean {
  return q.startsWith('.') || !KNOWN_LIBRARIES.has(q.split('.')[0]);
}

export function isDeviceMove(method: string): boolean {
  return method === 'cuda' || method === 'to';
}
