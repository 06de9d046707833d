/**
 * Messages between the budget panel's webview and the extension, with validators: each side checks
 * every message it receives and drops what does not match (a webview is a web page: never trust it,
 * and never trust what arrives in it either). No vscode import: the webview bundles this file too.
 */
import type { EstimateInput } from '../../../server/src/estimator/estimate';

export interface FactSummary {
  value: string | number;
  source: string;
}

/** What the extension tells the page about the active script. */
export interface ScriptInfo {
  fileName: string;
  uri: string;
  version: number;
  input: EstimateInput | null;
  assumptions: string[];
  facts: Record<string, FactSummary>;
  otherModels: string[];
  minFolds: number;
  budgetMinutes: number | null;
  gpu: string | null;
  budgetFrom: string | null;
  gpuFrom: string | null;
}

export interface Defaults {
  budgetMinutes: number | null;
  gpu: string | null;
}

export type HostMessage =
  | { type: 'script'; script: ScriptInfo }
  | { type: 'noScript'; reason: string; defaults: Defaults }
  | { type: 'applied'; ok: boolean; message: string };

export interface PlanChange {
  model?: string;
  folds?: number;
  epochs?: number;
}

export type PageMessage = { type: 'ready' } | { type: 'reload' } | { type: 'measure' } | { type: 'apply'; change: PlanChange };

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStr = (x: unknown, max = 2000): x is string => typeof x === 'string' && x.length <= max;
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isInt = (x: unknown, min: number, max = 1e9): x is number => isNum(x) && Number.isInteger(x) && x >= min && x <= max;
const optNum = (x: unknown) => x === undefined || x === null || isNum(x);
const isStrList = (x: unknown, max = 50) => Array.isArray(x) && x.length <= max && x.every((s) => isStr(s));
const strOrNull = (x: unknown) => x === null || isStr(x, 200);
const numOrNull = (x: unknown) => x === null || (isNum(x) && x > 0);

function isInput(x: unknown): x is EstimateInput {
  if (!isObj(x)) return false;
  return (
    isStr(x.model, 300) && isInt(x.folds, 1, 1000) && isInt(x.epochs, 1, 100000) && isStr(x.gpu, 50) &&
    ['imgSize', 'trainSamples', 'valSamples', 'batchSize', 'numWorkers', 'budgetMinutes', 'samplesPerSec', 'inferenceMinutes'].every((k) => optNum(x[k])) &&
    (x.amp === undefined || typeof x.amp === 'boolean') && (x.multiGpu === undefined || typeof x.multiGpu === 'boolean')
  );
}

function isFacts(x: unknown): x is Record<string, FactSummary> {
  return isObj(x) && Object.keys(x).length <= 20 && Object.values(x).every((f) => isObj(f) && (isStr(f.value, 300) || isNum(f.value)) && isStr(f.source, 500));
}

function isScript(x: unknown): x is ScriptInfo {
  return (
    isObj(x) && isStr(x.fileName, 500) && isStr(x.uri, 4000) && isNum(x.version) && (x.input === null || isInput(x.input)) &&
    isStrList(x.assumptions) && isFacts(x.facts) && isStrList(x.otherModels) && isInt(x.minFolds, 1, 10) &&
    numOrNull(x.budgetMinutes) && strOrNull(x.gpu) && strOrNull(x.budgetFrom) && strOrNull(x.gpuFrom)
  );
}

export function isHostMessage(x: unknown): x is HostMessage {
  if (!isObj(x)) return false;
  switch (x.type) {
    case 'script':
      return isScript(x.script);
    case 'noScript':
      return isStr(x.reason, 500) && isObj(x.defaults) && numOrNull(x.defaults.budgetMinutes) && strOrNull(x.defaults.gpu);
    case 'applied':
      return typeof x.ok === 'boolean' && isStr(x.message, 2000);
    default:
      return false;
  }
}

export function isPlanChange(x: unknown): x is PlanChange {
  if (!isObj(x)) return false;
  const keys = Object.keys(x);
  if (!keys.length || keys.some((k) => k !== 'model' && k !== 'folds' && k !== 'epochs')) return false;
  return (x.model === undefined || (isStr(x.model, 300) && /^[\w./:-]+$/.test(x.model))) && (x.folds === undefined || isInt(x.folds, 1, 1000)) && (x.epochs === undefined || isInt(x.epochs, 1, 100000));
}

export function isPageMessage(x: unknown): x is PageMessage {
  if (!isObj(x)) return false;
  switch (x.type) {
    case 'ready':
    case 'reload':
    case 'measure':
      return Object.keys(x).length === 1;
    case 'apply':
      return isPlanChange(x.change);
    default:
      return false;
  }
}
