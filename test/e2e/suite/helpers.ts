/**
 * Helpers for the tests that run INSIDE the VS Code extension host (code-server's or a downloaded
 * VS Code's). They use only the `vscode` API. Every wait is bounded and names what it waited for.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { TrainGuardApi } from '../../../client/src/extension';

/** The repository (the extension under development); this file runs from out/test/e2e/suite/. */
export const REPO = path.resolve(__dirname, '..', '..', '..', '..');
export const EXTENSION_ID = 'trainguard.train-guard';
export const SOURCE = 'trainguard';
/** Where each rule's page lives: the diagnostics' `code.target` must point here. */
export const DOCS_BASE = 'https://github.com/trainguard/train-guard/blob/main/docs/rules/';

/** The scratch folder the runner opened (a copy under the git-ignored cache, never the repository). */
export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open: the e2e runner must open a scratch folder');
  const root = path.resolve(folder.uri.fsPath);
  const rel = path.relative(REPO, root);
  const insideRepo = !rel.startsWith('..') && !path.isAbsolute(rel);
  // the runners put it under the ignored cache; the repository itself would let a test edit tracked files
  if (insideRepo && !/^\.vscode-(e2e|test)([\\/]|$)/.test(rel)) throw new Error(`refusing to run in ${root}: not a scratch folder (expected one under .vscode-e2e/)`);
  return root;
}

/**
 * Copies a repository file (e.g. `examples/train.py`) to `as` inside the scratch workspace, replacing
 * an older copy, and returns its URI. Each test file uses its own copies, so tests stay independent.
 */
export function scratchCopy(repoPath: string, as: string): vscode.Uri {
  const target = path.join(workspaceRoot(), as);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(path.join(REPO, repoPath), target);
  return vscode.Uri.file(target);
}

/** Copies the fixture project test/fixtures/projects/amp (train.py, engine.py, dataset.py) into the scratch workspace's `folder`; returns train.py's URI. */
export function copyAmpProject(folder: string): vscode.Uri {
  for (const f of ['train.py', 'engine.py', 'dataset.py']) scratchCopy(`test/fixtures/projects/amp/${f}`, `${folder}/${f}`);
  return vscode.Uri.file(path.join(workspaceRoot(), folder, 'train.py'));
}

/** Activates Train Guard (the development copy the runner loaded) and returns its API. */
export async function activateTrainGuard(): Promise<TrainGuardApi> {
  const ext = vscode.extensions.getExtension<TrainGuardApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded in this extension host`);
  return ext.activate();
}

export function codeOf(d: vscode.Diagnostic): string {
  return String(typeof d.code === 'object' ? d.code.value : d.code);
}

export function docsTarget(d: vscode.Diagnostic): string | undefined {
  return typeof d.code === 'object' ? d.code.target.toString(true) : undefined;
}

/** Train Guard's diagnostics on `uri`. */
export function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE);
}

export function codesOn(uri: vscode.Uri): string[] {
  return ours(uri).map(codeOf).sort();
}

type Found<T> = T | undefined | null | false;

/**
 * Re-checks `probe` whenever diagnostics, documents, settings or editor tabs change (and every
 * 200 ms: a server that re-read its settings, a process that wrote a log raise no event here) until
 * it gives a value other than undefined/null/false. `probe` may be async; its runs never overlap.
 * A hang guard, not a timing expectation: on time-out it fails naming `what` and, when given, what
 * `lastSeen()` reports.
 */
export async function waitFor<T>(what: string, probe: () => Found<T> | Promise<Found<T>>, opts: { timeoutMs?: number; lastSeen?: () => string } = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60000;
  const found = (v: Found<T>): v is T => v !== undefined && v !== null && v !== false;
  const first = await probe();
  if (found(first)) return first;
  return new Promise<T>((resolve, reject) => {
    let busy = false;
    let again = false;
    let done = false;
    const finish = (err: Error | null, v?: T) => {
      if (done) return;
      done = true;
      subs.forEach((s) => s.dispose());
      clearTimeout(timer);
      clearInterval(tick);
      if (err) reject(err);
      else resolve(v as T);
    };
    const check = async () => {
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      try {
        do {
          again = false;
          const v = await probe();
          if (found(v)) return finish(null, v);
        } while (again && !done);
      } catch (e) {
        finish(e as Error);
      } finally {
        busy = false;
      }
    };
    const subs: vscode.Disposable[] = [
      vscode.languages.onDidChangeDiagnostics(check),
      vscode.workspace.onDidChangeTextDocument(check),
      vscode.workspace.onDidChangeConfiguration(check),
      vscode.window.tabGroups.onDidChangeTabs(check),
    ];
    const tick = setInterval(check, 200);
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${opts.lastSeen ? `; last seen: ${opts.lastSeen()}` : ''}`)), timeoutMs);
  });
}

/** Waits until Train Guard's codes on `uri` satisfy `ok`; returns its diagnostics then. */
export function waitForCodes(uri: vscode.Uri, what: string, ok: (codes: string[]) => boolean, timeoutMs?: number): Promise<vscode.Diagnostic[]> {
  return waitFor(`${what} on ${path.basename(uri.fsPath)}`, () => (ok(codesOn(uri)) ? ours(uri) : undefined), {
    timeoutMs,
    lastSeen: () => `trainguard codes [${codesOn(uri).join(', ')}]`,
  });
}

/** Sets `trainguard.<key>` for the scratch workspace (undefined removes it). */
export async function setWorkspaceSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('trainguard').update(key, value, vscode.ConfigurationTarget.Workspace);
}

/** Reverts and closes every open editor, so the next test file starts from a clean window. */
export async function closeAllEditors(): Promise<void> {
  for (const doc of vscode.workspace.textDocuments) {
    if (!doc.isDirty || doc.isUntitled) continue;
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/** The 0-based line of the only line of `doc` containing `text` (fails when absent or ambiguous). */
export function lineOf(doc: vscode.TextDocument, text: string): number {
  const hits: number[] = [];
  for (let i = 0; i < doc.lineCount; i++) if (doc.lineAt(i).text.includes(text)) hits.push(i);
  if (hits.length !== 1) throw new Error(`expected exactly one line containing ${JSON.stringify(text)} in ${path.basename(doc.uri.fsPath)}, found ${hits.length}`);
  return hits[0];
}
