/**
 * The rule registry: every rule module, in code order. Adding a rule = one file + one line here.
 */
import type { Rule } from './types';
import { rule as TG001 } from './tg001-unknown-suppression-code';
import { rule as TG002 } from './tg002-malformed-directive';
import { rule as TG101 } from './tg101-budget-exceeded';
import { rule as TG201 } from './tg201-model-not-on-gpu';
import { rule as TG202 } from './tg202-batch-not-on-gpu';
import { rule as TG203 } from './tg203-no-gpu-memory-check';
import { rule as TG204 } from './tg204-forced-cpu-device';
import { rule as TG205 } from './tg205-no-loss-sanity-check';
import { rule as TG211 } from './tg211-no-smoke-test';
import { rule as TG221 } from './tg221-silent-training-loop';
import { rule as TG222 } from './tg222-weights-download-at-init';
import { rule as TG231 } from './tg231-unverified-submission';
import { rule as TG232 } from './tg232-no-submission-written';
import { rule as TG301 } from './tg301-albumentations-albucore-break';
import { rule as TG302 } from './tg302-timm-loss-attribute';
import { rule as TG303 } from './tg303-loss-outside-autocast';
import { rule as TG304 } from './tg304-deprecated-cuda-amp';
import { rule as TG311 } from './tg311-keras-no-mixed-precision';
import { rule as TG312 } from './tg312-keras-no-checkpoint';
import { rule as TG313 } from './tg313-long-sequence-length';
import { rule as TG401 } from './tg401-small-batch-size';
import { rule as TG402 } from './tg402-mixup-without-drop-last';
import { rule as TG403 } from './tg403-odd-batch-size-with-mixup';
import { rule as TG404 } from './tg404-dataloader-starved';
import { rule as TG501 } from './tg501-label-encoder-not-saved';
import { rule as TG601 } from './tg601-fit-before-split';
import { rule as TG602 } from './tg602-augmentation-in-validation';
import { rule as TG603 } from './tg603-eval-loader-shuffled';
import { rule as TG701 } from './tg701-only-best-checkpoint';
import { rule as TG702 } from './tg702-no-checkpoint-fallback';
import { rule as TG703 } from './tg703-no-checkpoint';
import { rule as TG801 } from './tg801-no-mixed-precision';
import { rule as TG802 } from './tg802-unscaled-accumulated-loss';
import { rule as TG803 } from './tg803-zero-grad-breaks-accumulation';
import { rule as TG901 } from './tg901-submission-with-index';
import { rule as TG902 } from './tg902-submission-columns-mismatch';
import { rule as TG1001 } from './tg1001-gradscaler-misuse';
import { rule as TG1002 } from './tg1002-missing-zero-grad';
import { rule as TG1003 } from './tg1003-no-eval-mode';
import { rule as TG1004 } from './tg1004-no-grad-in-validation';
import { rule as TG1005 } from './tg1005-no-early-stopping';

export const ALL_RULES: readonly Rule[] = [
  TG001,
  TG002,
  TG101,
  TG201,
  TG202,
  TG203,
  TG204,
  TG205,
  TG211,
  TG221,
  TG222,
  TG231,
  TG232,
  TG301,
  TG302,
  TG303,
  TG304,
  TG311,
  TG312,
  TG313,
  TG401,
  TG402,
  TG403,
  TG404,
  TG501,
  TG601,
  TG602,
  TG603,
  TG701,
  TG702,
  TG703,
  TG801,
  TG802,
  TG803,
  TG901,
  TG902,
  TG1001,
  TG1002,
  TG1003,
  TG1004,
  TG1005,
].sort((a, b) => codeOrder(a.meta.code) - codeOrder(b.meta.code));

export const RULES_BY_CODE: ReadonlyMap<string, Rule> = new Map(ALL_RULES.map((r) => [r.meta.code, r]));

function codeOrder(code: string): number {
  return parseInt(code.slice(2), 10);
}

export const KNOWN_CODES: ReadonlySet<string> = new Set(ALL_RULES.map((r) => r.meta.code));
