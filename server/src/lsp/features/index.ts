/** The language server's features. Adding one = a module in this folder + one line here. */
import type { ServerFeature } from '../context';
import { codeActions } from './codeActions';
import { hover } from './hover';
import { workspaceConfig } from './workspaceConfig';
import { fixAllFeature } from './fixAll';
import { suppressions } from './suppressions';
import { documentation } from './documentation';
import { estimator } from './estimator';
import { runGuard } from './runGuard';
import { projectImports } from './projectImports';

// code actions come back in this order: quick fixes, fix-all, suppressions, documentation
export const FEATURES: readonly ServerFeature[] = [codeActions, workspaceConfig, hover, fixAllFeature, suppressions, documentation, estimator, runGuard, projectImports];
