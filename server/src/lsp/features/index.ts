/** The language server's features. Adding one = a module in this folder + one line here. */
import type { ServerFeature } from '../context';
import { codeActions } from './codeActions';
import { hover } from './hover';
import { workspaceConfig } from './workspaceConfig';

export const FEATURES: readonly ServerFeature[] = [codeActions, workspaceConfig, hover];
