/** The client's features. Adding one = a module in this folder + one line here. */
import type { ClientFeature } from './types';
import { status } from './status';

export const FEATURES: readonly ClientFeature[] = [status];
