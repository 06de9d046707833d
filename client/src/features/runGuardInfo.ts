/**
 * What the run guard asks the language server about a script (`trainguard/runGuardInfo`): used by
 * the CodeLens provider (client.js) and by the run itself (client/src/lazy/runGuard.ts), so it
 * imports no value from vscode-languageclient (the client's state comes with the FeatureHost).
 */
import type * as vscode from 'vscode';
import { RUN_GUARD_INFO_REQUEST, type RunGuardInfoResult } from '../../../server/src/runguard/requests';
import type { FeatureHost } from '../lazy/host';

/** `p`'s value, or undefined if it rejects or takes longer than `ms`. */
export function withTimeout<T>(p: Thenable<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    Promise.resolve(p).then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
    );
  });
}

/** What the server read in `doc` for the guard; null while it is not running or when it does not answer within 10 s. */
export async function scriptInfo(host: Pick<FeatureHost, 'client' | 'isRunning'>, doc: vscode.TextDocument): Promise<RunGuardInfoResult | null> {
  if (!host.isRunning()) return null;
  const r = await withTimeout(host.client.sendRequest<RunGuardInfoResult>(RUN_GUARD_INFO_REQUEST, { uri: doc.uri.toString(), text: doc.getText(), version: doc.version }), 10000);
  return r ?? null;
}
