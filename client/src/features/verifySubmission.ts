/**
 * "Train Guard: Verify submission" (`trainguard.verifySubmission`): registered here; what it does
 * (the submission check and its CSV parser) is client/src/lazy/verifySubmission.ts, loaded the first
 * time the command runs.
 */
import vscode = require('vscode');
import type { ClientFeature } from './types';
import { lazyBundle } from '../lazyBundle';
import type * as Impl from '../lazy/verifySubmission';

const load = lazyBundle<typeof Impl>('verifySubmission');

export const verifySubmissionFeature: ClientFeature = {
  name: 'verify submission',
  activate(context, _client, output) {
    context.subscriptions.push(vscode.commands.registerCommand('trainguard.verifySubmission', (target?: vscode.Uri) => load().verifySubmissionCommand(output, target)));
  },
};
