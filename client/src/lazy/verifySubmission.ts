/**
 * "Train Guard: Verify submission" (`trainguard.verifySubmission`): runs the submission check (the
 * same core as `trainguard verify-submission`, bundled into the client: it has no server dependency)
 * on the CSV chosen in the explorer or the active editor, against the nearest sample_submission.csv
 * (beside it, then up to 5 folders up). Valid: an information message. Otherwise the problems go to
 * the Train Guard output channel with row:column, and "Fix" applies the safe repairs after a
 * confirmation that lists them.
 *
 * Loaded on first use (dist/lazy/verifySubmission.js): the command is registered by
 * client/src/features/verifySubmission.ts.
 */
import vscode = require('vscode');
import { fixSubmission, sampleCandidates, SampleError, verifySubmission, type VerifyResult } from '../../../server/src/submission/verify';

async function readText(uri: vscode.Uri): Promise<string> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText();
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(await vscode.workspace.fs.readFile(uri));
}

async function findSample(uri: vscode.Uri): Promise<vscode.Uri | null> {
  for (const p of sampleCandidates(uri.path, 5, '/')) {
    const candidate = uri.with({ path: p });
    if (candidate.toString() === uri.toString()) continue;
    try {
      const st = await vscode.workspace.fs.stat(candidate);
      if (st.type & vscode.FileType.File) return candidate;
    } catch {
      // not there: keep looking upwards
    }
  }
  return null;
}

function describe(uri: vscode.Uri, sample: vscode.Uri | null, result: VerifyResult): string {
  const lines = result.problems.map((p) => `  ${p.row !== null ? `row ${p.row}` : 'file'}${p.column !== null ? `, column ${p.column}` : ''}: ${p.severity}: ${p.message}`);
  const against = sample ? `against ${sample.fsPath}` : 'no sample_submission.csv found: columns and ids not checked';
  return `Verify submission ${uri.fsPath} (${against}):\n${lines.join('\n')}`;
}

/** `trainguard.verifySubmission` on the chosen or active CSV file. */
export async function verifySubmissionCommand(output: vscode.LogOutputChannel, target?: vscode.Uri): Promise<VerifyResult | undefined> {
  const uri = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri;
  if (!uri || !uri.path.toLowerCase().endsWith('.csv')) {
    void vscode.window.showInformationMessage('Train Guard: choose a submission .csv file (explorer context menu) or open one to verify it.');
    return undefined;
  }
  let text: string;
  let sampleText: string | null = null;
  const sample = await findSample(uri);
  try {
    text = await readText(uri);
    if (sample) sampleText = await readText(sample);
  } catch (e) {
    void vscode.window.showErrorMessage(`Train Guard: cannot read ${uri.fsPath}: ${(e as Error)?.message ?? e}`);
    return undefined;
  }
  let result: VerifyResult;
  try {
    result = verifySubmission(text, sampleText);
  } catch (e) {
    if (e instanceof SampleError) {
      void vscode.window.showErrorMessage(`Train Guard: ${sample?.fsPath}: ${e.message}`);
      return undefined;
    }
    throw e;
  }
  const name = uri.path.split('/').pop();
  if (result.valid && !result.problems.length) {
    void vscode.window.showInformationMessage(`Train Guard: ${name} looks valid: ${result.rows} rows${sample ? ', matches the sample' : ' (no sample_submission.csv found: columns and ids not checked)'}.`);
    return result;
  }
  output.info(describe(uri, sample, result));
  const fix = fixSubmission(text, sampleText);
  const errors = result.problems.filter((p) => p.severity === 'error').length;
  const message = result.valid
    ? `Train Guard: ${name} is valid, with ${result.problems.length} warning(s).`
    : `Train Guard: ${name} has ${errors} problem(s).`;
  const actions = fix.text !== null ? ['Show problems', 'Fix'] : ['Show problems'];
  const choice = await (result.valid ? vscode.window.showInformationMessage(message, ...actions) : vscode.window.showWarningMessage(message, ...actions));
  if (choice === 'Show problems') output.show(true);
  if (choice === 'Fix' && fix.text !== null) {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open?.isDirty) {
      void vscode.window.showWarningMessage(`Train Guard: ${name} has unsaved changes; save it, then verify again.`);
      return result;
    }
    const left = fix.after.problems.filter((p) => p.severity === 'error').length;
    const ok = await vscode.window.showWarningMessage(
      `Apply these changes to ${name}?`,
      { modal: true, detail: `${fix.changes.map((c) => `- ${c}`).join('\n')}\n\n${left ? `${left} problem(s) will remain.` : 'No problem will remain.'}` },
      'Apply',
    );
    if (ok !== 'Apply') return result;
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(fix.text));
    output.info(`Fixed ${uri.fsPath}:\n${fix.changes.map((c) => `  ${c}`).join('\n')}`);
    if (left) output.info(describe(uri, sample, fix.after));
    void vscode.window.showInformationMessage(`Train Guard: fixed ${name} (${fix.changes.length} change(s))${left ? `; ${left} problem(s) remain, see the output` : ''}.`);
    return fix.after;
  }
  return result;
}
