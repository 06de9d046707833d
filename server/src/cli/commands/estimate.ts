/**
 * `trainguard estimate`: the training-budget estimate of the side panel and TG101, in the terminal.
 * Either from flags (`--model efficientnet_b4 --folds 3 --epochs 10 --gpu A10`) or from a script
 * (`trainguard estimate train.py`, read as the panel reads it; flags then override what it says).
 */
import { initParser, parsePython } from '../../analysis/parser';
import { PythonModel } from '../../analysis/model';
import { parseDirectives, parseDuration } from '../../analysis/directives';
import { settingsForFile } from '../../analysis/analyze';
import { mergeSettings } from '../../config/resolve';
import { FileCache, projectRootOf } from '../../config/files';
import { findConfig } from '../../config/pyproject';
import { KNOWN_CODES } from '../../rules/index';
import { estimate, formatMinutes, formatRange, plansThatFit, type Estimate, type EstimateInput, type Plan, type Range3 } from '../../estimator/estimate';
import { findGpu, GPU_IDS } from '../../estimator/gpus';
import { inputFromScript } from '../../estimator/fromScript';
import { plainFacts, scriptFacts } from '../../estimator/scriptFacts';
import { outputFormat, stringFlag, UsageError, type Command, type ParsedArgs } from '../args';
import { readText } from '../files';

const USAGE = `Usage: trainguard estimate --model NAME --folds N --epochs N [options]
       trainguard estimate FILE.py [options]

Estimates training time as the side panel and TG101 do: folds x epochs x min/epoch x 1.2 + inference,
min/epoch from measured throughput (docs/estimator.md). With FILE.py the model, folds, epochs, batch
size, image size, workers and dataset size come from the script; the budget and GPU from
[tool.trainguard] in the nearest pyproject.toml, then the file's # trainguard: comment; flags win.

Options:
  --model NAME              timm name, torchvision name, Hugging Face id or "EfficientNet B4"
  --folds N                 folds trained (default with FILE: the script's; else 1)
  --epochs N                epochs per fold
  --gpu NAME                ${GPU_IDS.join(', ')} (default: the script's comment, else A10)
  --img-size PX             training image side (default: the script's, else 224)
  --train-samples N         training samples per epoch
  --val-samples N           validation samples per epoch
  --batch-size N            batch size
  --workers N               DataLoader workers (data-loading floor)
  --amp on|off              mixed precision (default on)
  --multi-gpu on|off        for T4x2: does the script train on both GPUs (default on)
  --budget TIME             e.g. 30m, 1.5h
  --samples-per-sec X       your measured training samples/s (snippets/measure-throughput.py)
  --inference-minutes M     predict.py time (default: the hints' 5-8 min)
  --output-format text|json

Exit codes: 0 fits, no budget given, or unknown; 1 does not fit the budget; 2 usage or I/O error.
`;

function intFlag(args: ParsedArgs, name: string, min: number): number | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new UsageError(`${name} must be a whole number of at least ${min} (got "${v}")`);
  return Number(v);
}

function numFlag(args: ParsedArgs, name: string): number | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || !(n > 0)) throw new UsageError(`${name} must be a positive number (got "${v}")`);
  return n;
}

function onOff(args: ParsedArgs, name: string): boolean | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return undefined;
  if (v !== 'on' && v !== 'off') throw new UsageError(`${name} must be on or off (got "${v}")`);
  return v === 'on';
}

interface FromFile {
  input: EstimateInput | null;
  /** What the script says, as plain data (the tree is freed once read). */
  facts: Record<string, unknown> | null;
  minFolds: number;
  assumptions: string[];
}

async function fromFile(file: string, gpuFlag: string | undefined, budgetFlag: number | undefined, warn: (s: string) => void): Promise<FromFile> {
  let text: string;
  try {
    text = readText(file).text;
  } catch (e) {
    throw new IoError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  await initParser();
  const tree = parsePython(text);
  try {
    const m = new PythonModel(tree, text);
    // settings as `check` layers them: [tool.trainguard] in the nearest pyproject.toml, then the
    // file's `# trainguard: budget=... gpu=...` comment, then the flags
    const cache = new FileCache(true);
    const cfg = findConfig(cache, file, projectRootOf(cache, file), KNOWN_CODES);
    for (const p of cfg?.problems ?? []) warn(`${p.file}${p.line !== null ? `:${p.line + 1}` : ''}: ${p.message}`);
    const s = settingsForFile(mergeSettings(cfg?.layer), parseDirectives(m.comments));
    const facts = scriptFacts(m);
    const { input, assumptions } = inputFromScript(facts, { budgetMinutes: budgetFlag ?? s.budgetMinutes, gpu: gpuFlag ?? s.gpu });
    return { input, facts: { ...plainFacts(facts), otherModels: facts.otherModels, amp: facts.amp, multiGpu: facts.multiGpu }, minFolds: facts.minFolds, assumptions };
  } finally {
    tree.delete();
  }
}

class IoError extends Error {}

export const command: Command = {
  name: 'estimate',
  summary: 'estimate training time against a budget (from flags or a script)',
  usage: USAGE,
  flags: {
    '--model': 'value',
    '--folds': 'value',
    '--epochs': 'value',
    '--gpu': 'value',
    '--img-size': 'value',
    '--train-samples': 'value',
    '--val-samples': 'value',
    '--batch-size': 'value',
    '--workers': 'value',
    '--amp': 'value',
    '--multi-gpu': 'value',
    '--budget': 'value',
    '--samples-per-sec': 'value',
    '--inference-minutes': 'value',
    '--output-format': 'value',
  },
  async run(args, out) {
    const format = outputFormat(args, ['text', 'json']);
    if (args.positionals.length > 1) throw new UsageError('give at most one script');
    const gpu = stringFlag(args, '--gpu');
    if (gpu !== undefined && !findGpu(gpu)) throw new UsageError(`unknown GPU "${gpu}" (known: ${GPU_IDS.join(', ')})`);
    const budgetText = stringFlag(args, '--budget');
    const budget = budgetText === undefined ? undefined : parseDuration(budgetText) ?? undefined;
    if (budgetText !== undefined && (budget === undefined || !(budget > 0))) throw new UsageError(`cannot read --budget "${budgetText}" (use e.g. 30m or 1.5h)`);
    const flags: Partial<EstimateInput> = {};
    const set = <K extends keyof EstimateInput>(k: K, v: EstimateInput[K] | undefined) => {
      if (v !== undefined) flags[k] = v;
    };
    set('model', stringFlag(args, '--model'));
    set('folds', intFlag(args, '--folds', 1));
    set('epochs', intFlag(args, '--epochs', 1));
    set('gpu', gpu);
    set('imgSize', intFlag(args, '--img-size', 8));
    set('trainSamples', intFlag(args, '--train-samples', 1));
    set('valSamples', intFlag(args, '--val-samples', 0));
    set('batchSize', intFlag(args, '--batch-size', 1));
    set('numWorkers', intFlag(args, '--workers', 0));
    set('amp', onOff(args, '--amp'));
    set('multiGpu', onOff(args, '--multi-gpu'));
    set('budgetMinutes', budget);
    set('samplesPerSec', numFlag(args, '--samples-per-sec'));
    const inf = stringFlag(args, '--inference-minutes');
    if (inf !== undefined) {
      if (!/^\d+(\.\d+)?$/.test(inf)) throw new UsageError(`--inference-minutes must be a number of minutes (got "${inf}")`);
      flags.inferenceMinutes = Number(inf);
    }

    let input: EstimateInput;
    let file: FromFile | null = null;
    if (args.positionals.length) {
      try {
        file = await fromFile(args.positionals[0], gpu, budget, (w) => out.stderr(`trainguard: warning: ${w}\n`));
      } catch (e) {
        if (e instanceof IoError) {
          out.stderr(`trainguard estimate: ${e.message}\n`);
          return 2;
        }
        throw e;
      }
      const base = file.input;
      const model = flags.model ?? base?.model;
      const epochs = flags.epochs ?? base?.epochs;
      if (!model) throw new UsageError(`${args.positionals[0]} creates no model Train Guard can read: give --model`);
      if (!epochs) throw new UsageError(`${args.positionals[0]} sets no epoch count Train Guard can read: give --epochs`);
      input = { ...(base ?? { folds: 1, gpu: 'A10' }), ...flags, model, epochs } as EstimateInput;
      if (!input.gpu) input.gpu = 'A10';
    } else {
      if (!flags.model) throw new UsageError('--model is required (or give a script)');
      if (flags.epochs === undefined) throw new UsageError('--epochs is required (or give a script)');
      input = { folds: 1, gpu: 'A10', ...flags } as EstimateInput;
      if (!gpu) file = { input, facts: null, minFolds: 1, assumptions: ['GPU not given: estimated for an A10, the hints\' reference'] };
    }
    const e = estimate(input);
    const plans = e.status === 'ok' ? plansThatFit(input, { minFolds: file?.minFolds ?? 1 }) : [];
    const assumptions = file?.assumptions.filter((a) => !(gpu && /GPU not/.test(a))) ?? [];
    if (format === 'json') {
      out.stdout(JSON.stringify({ input, estimate: e, plans, assumptions, script: file?.facts ?? null }, null, 2) + '\n');
    } else {
      out.stdout(renderText(e, plans, assumptions));
    }
    return e.status === 'ok' && e.verdict === 'does-not-fit' ? 1 : 0;
  },
};

const rate = (r: Range3) => `${Math.round(r.point)} samples/s (${Math.round(r.low)}-${Math.round(r.high)})`;

export function renderText(e: Estimate, plans: Plan[], assumptions: string[]): string {
  const lines: string[] = [];
  if (e.status === 'unknown') {
    lines.push(`Estimate for ${e.model || '(no model)'}: unknown`, `  ${e.message}`);
    for (const n of e.notes) lines.push(`  - ${n}`);
    return lines.join('\n') + '\n';
  }
  const verdict = e.verdict === 'no-budget' ? 'no budget given' : `budget ${formatMinutes(e.budgetMinutes!)}: ${e.verdict === 'fits' ? 'fits' : 'DOES NOT FIT'}`;
  lines.push(`Estimate: ${e.model.label} on ${e.gpu.label}, ${e.imgSize} px, ${e.folds} fold${e.folds === 1 ? '' : 's'} x ${e.epochs} epoch${e.epochs === 1 ? '' : 's'}`);
  lines.push(`  total       ${formatRange(e.total)}   ${verdict}`);
  lines.push(`  training    ${formatRange(e.parts.train)}`);
  lines.push(`  validation  ${e.parts.validation ? formatRange(e.parts.validation) : 'included in the hints\' min/epoch'}`);
  lines.push(`  inference   ${formatRange(e.parts.inference)}`);
  lines.push(`  buffer 20%  ${formatRange(e.parts.buffer)}`);
  lines.push(`  per epoch   ${formatRange(e.minPerEpoch)}`);
  if (e.trainSamplesPerSec) lines.push(`  training rate   ${rate(e.trainSamplesPerSec)}; validation ${rate(e.valSamplesPerSec!)}`);
  lines.push(`Method: ${e.methodText}.`);
  lines.push(`GPU factor: ${e.gpu.how}.`);
  if (e.seed) lines.push(e.seed.summary);
  const notes = [...assumptions, ...e.notes];
  if (notes.length) {
    lines.push('Notes:');
    for (const n of notes) lines.push(`  - ${n}`);
  }
  if (plans.length) {
    lines.push(`Plans that fit ${formatMinutes(e.budgetMinutes!)}:`);
    for (const p of plans) lines.push(`  - ${p.title}`);
  } else if (e.verdict === 'does-not-fit') lines.push('No plan of the same model family, epochs or folds fits.');
  return lines.join('\n') + '\n';
}
