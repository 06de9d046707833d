/**
 * In the real extension host: the language server process is killed (SIGKILL, as a crash or the OOM
 * killer would) while train.py is open, and the client (extension.ts `restartingErrorHandler`) starts
 * a new one that analyses the document again, edits made while it was down included. Then the
 * "Train Guard: Restart Language Server" command does the same on request.
 *
 * The server process is found through the API the extension returns from activate()
 * (`TrainGuardApi.client().serverProcess`, vscode-languageclient's handle on the forked process).
 * Works on a scratch copy of examples/train.py inside the workspace folder the runner opened (never
 * the repository). Every wait is on events or a short poll, bounded by a hang guard that names what
 * it waited for. Leaves a running server behind for the suites after it.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { TrainGuardApi } from '../../../client/src/extension';

/** The repository (the extension under development); this file runs from out/test/e2e/suite/. */
const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const EXTENSION_ID = 'trainguard.train-guard';
const HEADLINE = ['TG203', 'TG211', 'TG303', 'TG701'];
const LOSS_LINE = 'loss = criterion(logits, labels)';

function scratchRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open: the e2e runner must open a scratch folder');
  const root = path.resolve(folder.uri.fsPath);
  const rel = path.relative(REPO, root);
  if (!rel.startsWith('..') && !path.isAbsolute(rel) && !/^\.vscode-(e2e|test)([\\/]|$)/.test(rel)) throw new Error(`refusing to write test files into ${root}`);
  return root;
}

const codeOf = (d: vscode.Diagnostic) => String(typeof d.code === 'object' ? d.code.value : d.code);
const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'trainguard');
const codesOn = (uri: vscode.Uri) => [...new Set(ours(uri).map(codeOf))].sort();

/**
 * Re-runs `probe` on every diagnostics or document change and every 200 ms until it gives a value;
 * fails after `timeoutMs` naming what it waited for and what it saw last.
 */
function until<T>(what: string, probe: () => T | undefined, seen: () => string, timeoutMs = 60000): Promise<T> {
  const first = probe();
  if (first !== undefined) return Promise.resolve(first);
  return new Promise<T>((resolve, reject) => {
    const subs: vscode.Disposable[] = [];
    const done = (err: Error | null, v?: T) => {
      subs.forEach((s) => s.dispose());
      clearInterval(tick);
      clearTimeout(guard);
      if (err) reject(err);
      else resolve(v as T);
    };
    const check = () => {
      try {
        const v = probe();
        if (v !== undefined) done(null, v);
      } catch (e) {
        done(e as Error);
      }
    };
    subs.push(vscode.languages.onDidChangeDiagnostics(check), vscode.workspace.onDidChangeTextDocument(check));
    const tick = setInterval(check, 200);
    const guard = setTimeout(() => done(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; last seen: ${seen()}`)), timeoutMs);
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('language server recovery in the extension host', () => {
  let api: TrainGuardApi;
  let doc: vscode.TextDocument;

  /** The pid of the running server process, when the client is running and has one. */
  const serverPid = (): number | undefined => {
    const c = api.client();
    return c?.isRunning() ? c.serverProcess?.pid : undefined;
  };
  const state = () => `server pid ${serverPid() ?? 'none'}, trainguard codes [${codesOn(doc.uri).join(', ')}]`;

  /** TG303 reported on the line that holds the loss in the document as it is now. */
  const tg303AtLossLine = () => {
    const line = doc.getText().split(/\r?\n/).findIndex((l) => l.includes(LOSS_LINE));
    assert.ok(line >= 0, 'the loss line is in the document');
    const ds = ours(doc.uri);
    return HEADLINE.every((c) => ds.some((d) => codeOf(d) === c)) && ds.some((d) => codeOf(d) === 'TG303' && d.range.start.line === line) ? true : undefined;
  };

  before(async () => {
    const ext = vscode.extensions.getExtension<TrainGuardApi>(EXTENSION_ID);
    if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded in this extension host`);
    api = await ext.activate();
    await api.ready();
    const file = path.join(scratchRoot(), 'recovery', 'train.py');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.copyFileSync(path.join(REPO, 'examples', 'train.py'), file);
    doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);
    assert.strictEqual(doc.languageId, 'python');
  });

  after(async () => {
    // leave a running server for the suites after this one
    await until('a running language server', () => serverPid(), state);
    if (doc && doc.isDirty) {
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('a killed server is restarted and analyses the open file again, edits made while it was down included', async () => {
    await until(`diagnostics ${HEADLINE.join(', ')} on train.py`, tg303AtLossLine, state);
    const first = await until('the language server process', () => serverPid(), state);
    assert.ok(alive(first), `server process ${first} is running`);

    process.kill(first, 'SIGKILL');
    // typed while the server is down (or restarting): two lines at the top move the loss line down,
    // so TG303 on the new loss line can only come from a server that read the edited text
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(0, 0), '# typed while the server was down\n\n');
    assert.ok(await vscode.workspace.applyEdit(edit), 'the edit was applied');

    const second = await until('a new language server process', () => {
      const pid = serverPid();
      return pid !== undefined && pid !== first ? pid : undefined;
    }, state);
    await until(`the killed server ${first} to be gone`, () => (alive(first) ? undefined : true), state, 15000);
    assert.ok(alive(second), `the new server ${second} is running`);
    await until('TG303 on the moved loss line from the restarted server', tg303AtLossLine, state);
    assert.deepStrictEqual(codesOn(doc.uri), HEADLINE);
  });

  it('"Train Guard: Restart Language Server" starts a new server and the diagnostics come back', async () => {
    const before = await until('the language server process', () => serverPid(), state);
    await vscode.commands.executeCommand('trainguard.restartServer');
    const after = await until('a new language server process after the restart command', () => {
      const pid = serverPid();
      return pid !== undefined && pid !== before ? pid : undefined;
    }, state);
    assert.ok(alive(after));
    // the document changes once more so the diagnostics awaited are the new server's
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(0, 0), '# and once more after the restart command\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await until('TG303 on the moved loss line after the restart command', tg303AtLossLine, state);
    assert.deepStrictEqual(codesOn(doc.uri), HEADLINE);
    // the stopped server exits (stop() asks it to shut down; allow it a moment)
    await until(`the previous server ${before} to exit`, () => (alive(before) ? undefined : true), state, 15000);
  });
});
