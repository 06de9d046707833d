/**
 * In the real extension host: the language server process is killed (SIGKILL, as a crash or the OOM
 * killer would) while train.py is open, and the client (extension.ts `restartingErrorHandler`) starts
 * a new one that analyses the document again, edits made while it was down included. Then the
 * "Train Guard: Restart Language Server" command does the same on request.
 *
 * The server process is found through the API the extension returns from activate()
 * (`TrainGuardApi.client().serverProcess`, vscode-languageclient's handle on the forked process).
 * Works on a scratch copy of examples/train.py. Leaves a running server for the suites after it.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { TrainGuardApi } from '../../../client/src/extension';
import { activateTrainGuard, closeAllEditors, codeOf, codesOn, ours, scratchCopy, waitFor } from './helpers';
import { alive } from '../support/proc';

const HEADLINE = ['TG203', 'TG211', 'TG303', 'TG701'];
const LOSS_LINE = 'loss = criterion(logits, labels)';

describe('language server recovery in the extension host', () => {
  let api: TrainGuardApi;
  let doc: vscode.TextDocument;
  /** The codes the first server reported: a restarted server must report the same. */
  let firstCodes: string[] = [];

  /** The pid of the running server process, when the client is running and has one. */
  const serverPid = (): number | undefined => {
    const c = api.client();
    return c?.isRunning() ? c.serverProcess?.pid : undefined;
  };
  const lastSeen = () => `server pid ${serverPid() ?? 'none'}, trainguard codes [${codesOn(doc.uri).join(', ')}]`;

  /** Our diagnostics include the headline codes, TG303 on the line that holds the loss in the document as it is now. */
  const tg303AtLossLine = (): true | undefined => {
    const line = doc.getText().split(/\r?\n/).findIndex((l) => l.includes(LOSS_LINE));
    assert.ok(line >= 0, 'the loss line is in the document');
    const ds = ours(doc.uri);
    const all = HEADLINE.every((c) => ds.some((d) => codeOf(d) === c));
    return all && ds.some((d) => codeOf(d) === 'TG303' && d.range.start.line === line) ? true : undefined;
  };

  before(async () => {
    api = await activateTrainGuard();
    await api.ready();
    doc = await vscode.workspace.openTextDocument(scratchCopy('examples/train.py', 'recovery/train.py'));
    await vscode.window.showTextDocument(doc);
    assert.strictEqual(doc.languageId, 'python');
  });

  after(async () => {
    // leave a running server for the suites after this one
    await waitFor('a running language server', () => serverPid(), { lastSeen });
    await closeAllEditors();
  });

  it('a killed server is restarted and analyses the open file again, edits made while it was down included', async () => {
    await waitFor(`diagnostics ${HEADLINE.join(', ')} on train.py`, tg303AtLossLine, { lastSeen });
    firstCodes = codesOn(doc.uri);
    const first = await waitFor('the language server process', () => serverPid(), { lastSeen });
    assert.ok(alive(first), `server process ${first} is running`);

    process.kill(first, 'SIGKILL');
    // typed while the server is down (or restarting): two lines at the top move the loss line down,
    // so TG303 on the new loss line can only come from a server that read the edited text
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(0, 0), '# typed while the server was down\n\n');
    assert.ok(await vscode.workspace.applyEdit(edit), 'the edit was applied');

    const second = await waitFor('a new language server process', () => {
      const pid = serverPid();
      return pid !== undefined && pid !== first ? pid : undefined;
    }, { lastSeen });
    await waitFor(`the killed server ${first} to be gone`, () => !alive(first), { lastSeen, timeoutMs: 15000 });
    assert.ok(alive(second), `the new server ${second} is running`);
    await waitFor('TG303 on the moved loss line from the restarted server', tg303AtLossLine, { lastSeen });
    assert.deepStrictEqual(codesOn(doc.uri), firstCodes, 'the restarted server reports what the first one did');
  });

  it('"Train Guard: Restart Language Server" starts a new server and the diagnostics come back', async () => {
    const old = await waitFor('the language server process', () => serverPid(), { lastSeen });
    await vscode.commands.executeCommand('trainguard.restartServer');
    const pid = await waitFor('a new language server process after the restart command', () => {
      const p = serverPid();
      return p !== undefined && p !== old ? p : undefined;
    }, { lastSeen });
    assert.ok(alive(pid));
    // the document changes once more, so the diagnostics awaited are the new server's
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(0, 0), '# and once more after the restart command\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitFor('TG303 on the moved loss line after the restart command', tg303AtLossLine, { lastSeen });
    assert.deepStrictEqual(codesOn(doc.uri), firstCodes);
    // the stopped server exits (stop() asks it to shut down)
    await waitFor(`the previous server ${old} to exit`, () => !alive(old), { lastSeen, timeoutMs: 15000 });
  });
});
