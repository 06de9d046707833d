/** The client's features. Adding one = a module in this folder + one line here. */
import type { ClientFeature } from './types';
import { status } from './status';
import { resolvedConfig } from './resolvedConfig';
import { fixAll } from './fixAll';
import { documentation } from './documentation';
import { panel } from './panel';
import { templates } from './templates';
import { verifySubmissionFeature } from './verifySubmission';
import { runGuardFeature } from './runGuard';

export const FEATURES: readonly ClientFeature[] = [status, resolvedConfig, fixAll, documentation, panel, templates, verifySubmissionFeature, runGuardFeature];
