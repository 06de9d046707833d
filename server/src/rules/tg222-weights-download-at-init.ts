/**
 * TG222 weights-download-at-init
 *
 * What it does: finds model or tokenizer construction that downloads weights when the script
 * starts: `timm.create_model(..., pretrained=True)`, torchvision `weights=ResNet50_Weights.DEFAULT`
 * (or any weights enum, or the old `pretrained=True`), `X.from_pretrained("org/name")` with a Hub
 * id (transformers, diffusers, sentence-transformers, peft, efficientnet_pytorch), `torch.hub.load`
 * from GitHub, `load_state_dict_from_url`, Keras applications with `weights="imagenet"` (their
 * default), smp `encoder_weights="imagenet"`, and `pretrained=True` given to any other factory (a
 * project's model class, `models.__dict__[arch](pretrained=True)`). Names are resolved through imports and aliases; Hub
 * ids are read through the variables they are bound to.
 * Why it is bad: offline (Kaggle kernels with the internet off, air-gapped runners) the download
 * hangs or fails at model init, before a single batch: the hints' section 2A case, six launches
 * that all hung at initialisation and zero training done.
 * Example: `model = timm.create_model("efficientnet_b3", pretrained=True, num_classes=5)`.
 * Fix: none in the editor (where the weights live is the user's choice): the message explains
 * how to load from a local file or a shipped cache.
 * Silent: a local path (`/kaggle/input/...`, `./weights`), `pretrained_cfg_overlay=dict(file=...)`,
 * `local_files_only=True` / `cache_dir=`, a cache or offline switch set up in the file
 * (`TORCH_HOME`, `HF_HOME`, `HF_HUB_OFFLINE`, `torch.hub.set_dir`, weights copied into
 * `~/.cache/torch`); a `load_state_dict_from_url` whose URL the file cannot know (a library helper's
 * parameter, a YAML config value). Framework loops do not silence it: the download is in the
 * script's construction code, before and outside any loop a framework runs.
 */
import type { Node } from '../analysis/parser';
import type { CallSite, PythonModel } from '../analysis/model';
import { stringValue } from '../analysis/model';
import { nodesOfType, once } from '../analysis/memo';
import { scalarConstant } from '../analysis/config-values';
import type { Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG222',
    name: 'weights-download-at-init',
    severity: 'information',
    section: '2A. Training smoke test: model initialization hangs',
    summary: 'Pretrained weights are downloaded at start-up (hangs offline)',
    fixable: false,
  },
  check(ctx) {
    const m = ctx.model;
    if (cacheSetUp(m)) return;
    for (const c of m.calls) {
      const hit = download(m, c);
      if (hit) ctx.report({ node: hit.node, message: `${hit.what} downloads weights when the script starts: offline (internet off on Kaggle) it hangs or fails before training. ${hit.advice}` });
    }
  },
};

const CACHE_ENV = /^(TORCH_HOME|HF_HOME|HF_HUB_CACHE|HUGGINGFACE_HUB_CACHE|TRANSFORMERS_CACHE|HF_HUB_OFFLINE|TRANSFORMERS_OFFLINE|XDG_CACHE_HOME|KERAS_HOME|TIMM_CACHE_DIR)$/;

/** An environment / cache set-up in the file that makes the downloads local. */
function cacheSetUp(m: PythonModel): boolean {
  for (const n of nodesOfType(m, 'assignment')) {
    const left = n.childForFieldName('left');
    if (left?.type === 'subscript' && m.qualify(left.childForFieldName('value')) === 'os.environ' && CACHE_ENV.test(stringValue(left.childForFieldName('subscript')) ?? '')) return true;
  }
  for (const c of m.calls) {
    const q = c.qualified ?? '';
    if (q === 'torch.hub.set_dir') return true;
    if ((q === 'os.environ.setdefault' || q === 'os.putenv') && CACHE_ENV.test(stringValue(c.args[0] ?? null) ?? '')) return true;
    if (q === 'os.environ.update' && c.args[0]?.type === 'dictionary' && c.args[0].namedChildren.some((p) => CACHE_ENV.test(stringValue(p.childForFieldName('key')) ?? ''))) return true;
  }
  // weights copied into the caches the libraries read
  for (const s of nodesOfType(m, 'string')) {
    if (/\.cache\/(torch|huggingface)|hub\/checkpoints|\.keras\/models/.test(s.text)) return true;
  }
  return false;
}

interface Download {
  node: Node;
  what: string;
  advice: string;
}

const TIMM_ADVICE = 'Load a local file with pretrained_cfg_overlay=dict(file="/kaggle/input/.../model.safetensors"), or set TORCH_HOME / HF_HOME to a cache shipped with the inputs.';
const HF_ADVICE = 'Load from a local directory (/kaggle/input/<dataset>/<model>) or set HF_HOME and HF_HUB_OFFLINE=1 with the weights cached in the inputs.';
const TORCH_ADVICE = 'Save the weights once, ship them as an input and load them with load_state_dict(torch.load(path)), or set TORCH_HOME to a cache shipped with the inputs.';

function download(m: PythonModel, c: CallSite): Download | null {
  const q = c.qualified ?? '';
  if (q === 'timm.create_model' || q === 'timm.models.create_model') {
    const pre = c.keywords.get('pretrained');
    if (!pre || scalarConstant(m, pre) !== true || hasFileOverlay(c)) return null;
    return { node: pre.parent ?? pre, what: 'timm.create_model(pretrained=True)', advice: TIMM_ADVICE };
  }
  if (/^torchvision\.models\.([a-z_0-9.]+|get_model)$/.test(q) && !/_Weights\b/.test(q)) {
    const pre = c.keywords.get('pretrained');
    if (pre && scalarConstant(m, pre) === true) return { node: pre.parent ?? pre, what: `${c.callee.text}(pretrained=True)`, advice: TORCH_ADVICE };
    const w = c.keywords.get('weights');
    if (w && isTorchvisionWeights(m, w)) return { node: w.parent ?? w, what: `${c.callee.text}(weights=${w.text})`, advice: TORCH_ADVICE };
    return null;
  }
  if (c.method === 'from_pretrained' && /^(transformers|diffusers|sentence_transformers|peft|efficientnet_pytorch|open_clip)\./.test(q)) {
    if (scalarConstant(m, c.keywords.get('local_files_only') ?? null) === true || c.keywords.has('cache_dir')) return null;
    const src = c.args[0] ?? c.keywords.get('pretrained_model_name_or_path') ?? c.keywords.get('model_name') ?? null;
    const id = src ? scalarConstant(m, src) : undefined;
    if (typeof id !== 'string' || !isHubId(m, id)) return null;
    return { node: c.callee, what: `${c.callee.text}("${id}")`, advice: HF_ADVICE };
  }
  if (q === 'sentence_transformers.SentenceTransformer') {
    const src = c.args[0] ?? c.keywords.get('model_name_or_path') ?? null;
    const id = src ? scalarConstant(m, src) : undefined;
    if (typeof id !== 'string' || !isHubId(m, id) || c.keywords.has('cache_folder')) return null;
    return { node: c.callee, what: `SentenceTransformer("${id}")`, advice: HF_ADVICE };
  }
  if (q === 'torch.hub.load') {
    const source = c.keywords.get('source');
    if (source && stringValue(source) === 'local') return null;
    return { node: c.node, what: 'torch.hub.load', advice: TORCH_ADVICE };
  }
  if (q === 'torch.hub.load_state_dict_from_url' || q === 'torch.utils.model_zoo.load_url') {
    // the URL given on the command line (`args.resume`, default ''): the default run downloads nothing
    const url = scalarConstant(m, c.args[0] ?? c.keywords.get('url') ?? null);
    if (typeof url !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return null;
    return { node: c.node, what: q, advice: TORCH_ADVICE };
  }
  if (/^keras\.applications\.([A-Z]\w*|\w+\.[A-Z]\w*)$/.test(q)) {
    const w = c.keywords.get('weights');
    if (w && (scalarConstant(m, w) !== 'imagenet')) return null;
    return { node: w?.parent ?? c.node, what: `${c.callee.text}(weights="imagenet")`, advice: 'Pass weights="/kaggle/input/.../weights.h5" (a local file), or ship ~/.keras/models with the inputs.' };
  }
  if (/^segmentation_models_pytorch\.[A-Z]\w*$/.test(q)) {
    const w = c.keywords.get('encoder_weights');
    if (!w || scalarConstant(m, w) !== 'imagenet') return null;
    return { node: w.parent ?? w, what: `${c.callee.text}(encoder_weights="imagenet")`, advice: 'Pass encoder_weights=None and load a local state dict, or set TORCH_HOME to a cache shipped with the inputs.' };
  }
  // any other factory given `pretrained=True` (`models.__dict__[arch](pretrained=True)`, a project's
  // model class): the flag asks for the published weights. The file's own functions and classes are
  // judged by what their bodies call instead.
  const pre = c.keywords.get('pretrained');
  if (pre && scalarConstant(m, pre) === true && !hasFileOverlay(c) && !ownCode(m, c)) {
    return { node: pre.parent ?? pre, what: `${c.callee.text}(pretrained=True)`, advice: TORCH_ADVICE };
  }
  return null;
}

/** A call of the file's own function or class (its body is visible and judged where the download is). */
function ownCode(m: PythonModel, c: CallSite): boolean {
  const q = m.qualify(c.callee) ?? '';
  return q.startsWith('<local>.') || q.startsWith('<local-fn>.') || m.calleesOf(c).length > 0;
}

/** `pretrained_cfg_overlay=dict(file=...)` or `{"file": ...}`: timm loads a local file. */
function hasFileOverlay(c: CallSite): boolean {
  const o = c.keywords.get('pretrained_cfg_overlay');
  if (!o) return false;
  if (o.type === 'dictionary') return o.namedChildren.some((p) => stringValue(p.childForFieldName('key')) === 'file');
  if (o.type === 'call' && o.childForFieldName('function')?.text === 'dict') {
    return (o.childForFieldName('arguments')?.namedChildren ?? []).some((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'file');
  }
  return true; // an overlay we cannot read: assume it points somewhere local
}

/** `ResNet50_Weights.DEFAULT`, `models.ResNet50_Weights.IMAGENET1K_V2`, `"DEFAULT"`, `"IMAGENET1K_V1"`. */
function isTorchvisionWeights(m: PythonModel, w: Node): boolean {
  const v = scalarConstant(m, w);
  if (v === null) return false;
  if (typeof v === 'string') return /^[A-Z0-9_]+$/.test(v) || /_Weights\./.test(v);
  const q = m.qualify(w);
  return !!q && /^torchvision\.models\.(\w+\.)*\w+_Weights\.\w+$/.test(q);
}

/**
 * A Hub id (`bert-base-uncased`, `microsoft/deberta-v3-base`), not a local path. A single name
 * without a hyphen or digit (`outputs`, `model`) is taken for a local directory, and so is any
 * string the file itself saves to.
 */
function isHubId(m: PythonModel, s: string): boolean {
  if (!/^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/.test(s) || /\.(bin|pt|pth|safetensors|ckpt|h5|onnx)$/.test(s)) return false;
  if (!s.includes('/') && !/[-\d]/.test(s)) return false;
  return !savedTo(m, s);
}

interface SavedTo {
  /** `x.save_pretrained(P)`, `x.save_model(P)`, `x.save(P)`, in the file's order. */
  calls: readonly CallSite[];
  /** How many of them have had their path resolved, and the values found. */
  next: number;
  values: Set<unknown>;
}

const SAVED_TO = new WeakMap<PythonModel, SavedTo>();

/**
 * Does the file save to `s` (`x.save_pretrained(s)`, ...)? The save calls' paths are resolved in
 * order, each once per model, and only as far as needed: the constant resolver keeps what it
 * computes, so it is asked the same questions in the same order as a scan of the calls per Hub id.
 */
function savedTo(m: PythonModel, s: string): boolean {
  const st = once(SAVED_TO, m, () => ({ calls: m.callsByMethods(['save_pretrained', 'save_model', 'save']).filter((c) => !!c.args[0]), next: 0, values: new Set<unknown>() }));
  if (st.values.has(s)) return true;
  while (st.next < st.calls.length) {
    const v = scalarConstant(m, st.calls[st.next++].args[0]);
    st.values.add(v);
    if (v === s) return true;
  }
  return false;
}
