/// <reference lib="dom" />
/**
 * The budget panel's page script (runs in the webview, bundled for the browser). It runs the very
 * estimator core TG101 and the CLI use, on every form change, so typing costs no round trip. The
 * extension only sends what the active script says and applies plans to it.
 * State (the form and the file it came from) survives reloads through the webview state API.
 */
import { estimate, formatMinutes, formatRange, plansThatFit, type EstimateInput, type Estimate, type Plan } from '../../../server/src/estimator/estimate';
import { findGpu } from '../../../server/src/estimator/gpus';
import { resolveModelName, searchModels } from '../../../server/src/estimator/models';
import { parseDuration } from '../../../server/src/analysis/directives';
import { isHostMessage, type Defaults, type PageMessage, type PlanChange, type ScriptInfo } from './protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const FIELDS = ['model', 'sps', 'folds', 'epochs', 'imgSize', 'trainSamples', 'valSamples', 'batchSize', 'numWorkers', 'gpu', 'budget', 'inferenceMinutes'] as const;
type Field = (typeof FIELDS)[number];
const CHECKS = ['amp', 'multiGpu'] as const;
type Check = (typeof CHECKS)[number];

interface PageState {
  v: 1;
  form: Record<Field, string> & Record<Check, boolean>;
  /** Fields the user changed since the script was read: a re-read of the same file keeps them. */
  touched: string[];
  script: ScriptInfo | null;
  note: string;
}

const vscode = acquireVsCodeApi();
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const input = (id: Field) => $<HTMLInputElement | HTMLSelectElement>(id);
const check = (id: Check) => $<HTMLInputElement>(id);

function emptyForm(): PageState['form'] {
  return { model: '', sps: '', folds: '1', epochs: '', imgSize: '', trainSamples: '', valSamples: '', batchSize: '', numWorkers: '', gpu: 'A10', budget: '', inferenceMinutes: '', amp: true, multiGpu: true };
}

function isState(x: unknown): x is PageState {
  const s = x as PageState | null;
  return !!s && s.v === 1 && typeof s.form === 'object' && s.form !== null && Array.isArray(s.touched) && FIELDS.every((f) => typeof s.form[f] === 'string') && CHECKS.every((c) => typeof s.form[c] === 'boolean');
}

const saved = vscode.getState();
let state: PageState = isState(saved) ? saved : { v: 1, form: emptyForm(), touched: [], script: null, note: 'No Python script is active.' };

function post(m: PageMessage): void {
  vscode.postMessage(m);
}

function readForm(): void {
  for (const f of FIELDS) state.form[f] = input(f).value;
  for (const c of CHECKS) state.form[c] = check(c).checked;
}

function writeForm(): void {
  for (const f of FIELDS) input(f).value = state.form[f];
  for (const c of CHECKS) check(c).checked = state.form[c];
}

const num = (s: string): number | null => {
  const t = s.trim().replace(/[_,\s]/g, '');
  if (!t) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : NaN;
};

/** The form as the estimator's input, or the first problem with it. */
function formInput(): { input: EstimateInput } | { problem: string; field: Field } {
  const f = state.form;
  const ints: [Field, number][] = [['folds', 1], ['epochs', 1], ['imgSize', 8], ['trainSamples', 1], ['valSamples', 0], ['batchSize', 1], ['numWorkers', 0]];
  const values: Partial<Record<Field, number | null>> = {};
  for (const [k, min] of ints) {
    const v = num(f[k]);
    if (v !== null && (!Number.isInteger(v) || v < min)) return { problem: `${label(k)}: a whole number of at least ${min}`, field: k };
    values[k] = v;
  }
  if (values.epochs === null) return { problem: 'Epochs: enter the epochs per fold', field: 'epochs' };
  // the measure script's line `TRAINGUARD samples_per_sec=412.3 ...` is accepted as it is
  const sps = num(/samples_per_sec=([\d.]+)/.exec(f.sps)?.[1] ?? f.sps);
  if (sps !== null && !(sps > 0)) return { problem: 'Measured samples/s: a positive number', field: 'sps' };
  const inf = num(f.inferenceMinutes);
  if (inf !== null && !(inf >= 0)) return { problem: 'Inference: minutes, 0 or more', field: 'inferenceMinutes' };
  let budget: number | null = null;
  if (f.budget.trim()) {
    budget = parseDuration(f.budget);
    if (budget === null || !(budget > 0)) return { problem: 'Time budget: e.g. 30m, 90, 1.5h', field: 'budget' };
  }
  return {
    input: {
      model: f.model,
      samplesPerSec: sps,
      folds: values.folds ?? 1,
      epochs: values.epochs!,
      imgSize: values.imgSize ?? null,
      trainSamples: values.trainSamples ?? null,
      valSamples: values.valSamples ?? null,
      batchSize: values.batchSize ?? null,
      numWorkers: values.numWorkers ?? null,
      gpu: f.gpu,
      amp: f.amp,
      multiGpu: f.multiGpu,
      budgetMinutes: budget,
      inferenceMinutes: inf,
    },
  };
}

function label(f: Field): string {
  return document.querySelector(`label[for="${f}"]`)?.textContent ?? f;
}

function text(id: string, value: string): void {
  $(id).textContent = value;
}

function list(id: string, items: string[]): void {
  const ul = $(id);
  ul.replaceChildren(...items.map((t) => Object.assign(document.createElement('li'), { textContent: t })));
}

let currentPlans: Plan[] = [];

function render(): void {
  for (const f of FIELDS) input(f).removeAttribute('aria-invalid');
  $('multiGpu-field').hidden = (findGpu(state.form.gpu)?.count ?? 1) < 2;
  const resolved = resolveModelName(state.form.model);
  const hint = $('model-hint');
  hint.textContent = resolved.note ?? (resolved.name ? `timm ${resolved.name}` : state.form.model ? 'not in the measured tables: enter a measured samples/s' : 'timm name, torchvision name, Hugging Face id or "EfficientNet B4"');
  const fi = formInput();
  const verdict = $('verdict');
  verdict.className = 'badge';
  currentPlans = [];
  if ('problem' in fi) {
    input(fi.field).setAttribute('aria-invalid', 'true');
    text('total', '-');
    text('verdict', '');
    text('range', fi.problem);
    clearResult();
    renderPlans([]);
    return;
  }
  const e = estimate(fi.input);
  renderEstimate(e);
  if (e.status === 'ok') {
    const minFolds = state.script?.minFolds ?? 1;
    currentPlans = plansThatFit(fi.input, { minFolds });
  }
  renderPlans(currentPlans);
}

function clearResult(): void {
  for (const id of ['part-train', 'part-validation', 'part-inference', 'part-buffer', 'part-epoch', 'part-rate', 'method', 'seed']) text(id, '');
  list('notes', []);
}

function renderEstimate(e: Estimate): void {
  const verdict = $('verdict');
  if (e.status === 'unknown') {
    text('total', 'unknown');
    text('verdict', '');
    text('range', e.message);
    clearResult();
    list('notes', e.notes);
    verdict.classList.add('unknown');
    return;
  }
  text('total', formatMinutes(e.total.point));
  text('range', `range ${formatMinutes(e.total.low)} - ${formatMinutes(e.total.high)} · ${e.model.label} on ${e.gpu.id}, ${e.imgSize} px, ${e.folds} x ${e.epochs}`);
  if (e.verdict === 'no-budget') text('verdict', 'no budget');
  else {
    text('verdict', e.verdict === 'fits' ? `fits ${formatMinutes(e.budgetMinutes!)}` : `does not fit ${formatMinutes(e.budgetMinutes!)}`);
    verdict.classList.add(e.verdict);
  }
  text('part-train', formatRange(e.parts.train));
  text('part-validation', e.parts.validation ? formatRange(e.parts.validation) : "included in the hints' min/epoch");
  text('part-inference', formatRange(e.parts.inference));
  text('part-buffer', formatRange(e.parts.buffer));
  text('part-epoch', formatRange(e.minPerEpoch));
  text('part-rate', e.trainSamplesPerSec ? `${Math.round(e.trainSamplesPerSec.point)} samples/s (${Math.round(e.trainSamplesPerSec.low)}-${Math.round(e.trainSamplesPerSec.high)})` : '-');
  text('method', `Method: ${e.methodText}. GPU: ${e.gpu.how}.`);
  text('seed', e.seed ? e.seed.summary : '');
  list('notes', [...(state.script?.assumptions ?? []), ...e.notes]);
}

let renderedPlans = '';

function renderPlans(plans: Plan[]): void {
  $('plans-section').hidden = plans.length === 0;
  // unchanged plans keep their buttons, so keyboard focus on one survives a re-render
  const key = JSON.stringify(plans.map((p) => [p.title, p.model, p.folds, p.epochs]));
  if (key === renderedPlans) return;
  renderedPlans = key;
  const ul = $('plans');
  ul.replaceChildren(
    ...plans.map((p) => {
      const li = document.createElement('li');
      const span = Object.assign(document.createElement('span'), { textContent: p.title });
      const use = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Use', className: 'secondary' });
      use.setAttribute('aria-label', `Use: ${p.title}`);
      use.addEventListener('click', () => usePlan(p));
      li.append(span, use);
      return li;
    }),
  );
}

function usePlan(p: Plan): void {
  state.form.model = p.model;
  state.form.folds = String(p.folds);
  state.form.epochs = String(p.epochs);
  touch(['model', 'folds', 'epochs']);
  writeForm();
  save();
  render();
  setStatus(`Plan chosen: ${p.title}. "Apply to file" writes it into the script.`);
}

function touch(fields: string[]): void {
  for (const f of fields) if (!state.touched.includes(f)) state.touched.push(f);
}

function setStatus(s: string): void {
  state.note = s;
  text('status', s);
}

function save(): void {
  vscode.setState(state);
}

function updateModelList(): void {
  const dl = $('models');
  dl.replaceChildren(...searchModels(state.form.model, 30).map((m) => Object.assign(document.createElement('option'), { value: m.name, label: m.label })));
}

/** Fills the form from the script: every field the script or the settings give, except what the user changed for this same file. */
function applyScript(s: ScriptInfo): void {
  const sameFile = state.script?.uri === s.uri;
  if (!sameFile) {
    state.touched = [];
    state.form = emptyForm();
    setStatus('');
  }
  const keep = new Set(sameFile ? state.touched : []);
  const set = (f: Field, v: string | number | null | undefined) => {
    if (!keep.has(f) && v !== undefined && v !== null) state.form[f] = String(v);
  };
  const i = s.input;
  set('model', i?.model ?? s.facts.model?.value);
  set('folds', i?.folds ?? s.facts.folds?.value);
  set('epochs', i?.epochs ?? s.facts.epochs?.value);
  set('imgSize', i?.imgSize);
  set('trainSamples', i?.trainSamples);
  set('valSamples', i?.valSamples);
  set('batchSize', i?.batchSize);
  set('numWorkers', i?.numWorkers);
  set('gpu', findGpu(s.gpu)?.id ?? findGpu(i?.gpu)?.id);
  if (s.budgetMinutes !== null) set('budget', `${+s.budgetMinutes.toFixed(2)}m`);
  if (i && !keep.has('amp')) state.form.amp = i.amp !== false;
  if (i && !keep.has('multiGpu')) state.form.multiGpu = i.multiGpu !== false;
  state.script = s;
  const parts = [`From ${s.fileName}`];
  if (s.facts.model) parts.push(`model: ${s.facts.model.source}`);
  if (s.budgetFrom) parts.push(`budget from ${s.budgetFrom}`);
  if (s.gpuFrom) parts.push(`GPU from ${s.gpuFrom}`);
  if (!i) parts.push(s.facts.model ? 'no epoch count found: enter it' : 'no model found: enter one');
  text('source', parts.join(' · '));
  writeForm();
  updateModelList();
  save();
  render();
}

function applyDefaults(reason: string, d: Defaults): void {
  text('source', reason);
  if (!state.script) {
    if (d.budgetMinutes !== null && !state.touched.includes('budget')) state.form.budget = `${+d.budgetMinutes.toFixed(2)}m`;
    const g = findGpu(d.gpu);
    if (g && !state.touched.includes('gpu')) state.form.gpu = g.id;
    writeForm();
    save();
    render();
  }
}

function onChange(ev: Event): void {
  const id = (ev.target as HTMLElement).id;
  readForm();
  touch([id]);
  if (id === 'model') updateModelList();
  save();
  render();
}

function apply(): void {
  const fi = formInput();
  if ('problem' in fi) {
    setStatus(fi.problem);
    return;
  }
  const change: PlanChange = { folds: fi.input.folds, epochs: fi.input.epochs };
  const resolved = resolveModelName(fi.input.model).name;
  if (fi.input.model && (!state.script?.facts.model || resolveModelName(String(state.script.facts.model.value)).name !== resolved)) change.model = resolved ?? fi.input.model;
  setStatus('Applying to the file...');
  post({ type: 'apply', change });
}

window.addEventListener('message', (ev: MessageEvent) => {
  const m: unknown = ev.data;
  if (!isHostMessage(m)) return; // anything else is dropped
  switch (m.type) {
    case 'script':
      applyScript(m.script);
      break;
    case 'noScript':
      applyDefaults(m.reason, m.defaults);
      break;
    case 'applied':
      setStatus(m.message);
      save();
      break;
  }
});

const form = $<HTMLFormElement>('form');
form.addEventListener('input', onChange);
form.addEventListener('change', onChange);
form.addEventListener('submit', (e) => e.preventDefault());
$('apply').addEventListener('click', apply);
$('reload').addEventListener('click', () => post({ type: 'reload' }));
$('measure').addEventListener('click', () => post({ type: 'measure' }));

writeForm();
updateModelList();
if (state.script) text('source', `From ${state.script.fileName}`);
else text('source', state.note);
text('status', state.script ? state.note : '');
render();
post({ type: 'ready' });
