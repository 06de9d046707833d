/**
 * The Training budget panel: a webview view in Train Guard's own activity-bar container. It follows
 * the active Python editor: the language server reads the script (model, folds, epochs, image size,
 * dataset size, and the budget/GPU after settings, pyproject and the file's `# trainguard:` comment)
 * and the page runs the estimator core itself, so the form answers as you type. "Apply to file"
 * writes model / folds / epochs into the literals that set them, as one undoable WorkspaceEdit.
 *
 * Commands (also what the in-host tests drive):
 * - `trainguard.estimateActiveFile` -> { script, estimate, plans } for the active Python file.
 * - `trainguard.applyPlan` ({ model?, folds?, epochs? }) -> { applied, problems } on the active file.
 * - `trainguard.openMeasureSnippet` opens the timing script as a new untitled Python file (it needs
 *   nothing of this file: client/src/features/panel.ts has it).
 *
 * Loaded on first use (dist/lazy/panel.js, with the estimator): the view, the commands and the
 * listeners are registered by client/src/features/panel.ts, which creates the BudgetPanel the first
 * time the view is shown or one of its commands runs.
 */
import path = require('path');
import vscode = require('vscode');
import { estimate, plansThatFit, type Estimate, type Plan } from '../../../server/src/estimator/estimate';
import { PLAN_EDITS_REQUEST, SCRIPT_INPUT_REQUEST, type PlanEditsResult, type ScriptInputResult } from '../../../server/src/estimator/requests';
import { panelHtml } from '../panel/html';
import { cspNonce } from '../panel/nonce';
import { isPageMessage, isPlanChange, type HostMessage, type PlanChange, type ScriptInfo } from '../panel/protocol';
import { VIEW_ID } from '../features/ids';
import type { FeatureHost } from './host';

function activePython(): vscode.TextDocument | null {
  const doc = vscode.window.activeTextEditor?.document;
  return doc && doc.languageId === 'python' ? doc : null;
}

function settingsDefaults(uri?: vscode.Uri): { budgetMinutes: number | null; gpu: string | null } {
  const c = vscode.workspace.getConfiguration('trainguard', uri);
  const b = c.get<number | null>('budgetMinutes', null);
  const g = c.get<string | null>('gpu', null);
  return { budgetMinutes: typeof b === 'number' && b > 0 ? b : null, gpu: typeof g === 'string' && g ? g : null };
}

async function readScript(host: FeatureHost, doc: vscode.TextDocument): Promise<ScriptInfo> {
  await host.whenRunning();
  const r = await host.client.sendRequest<ScriptInputResult>(SCRIPT_INPUT_REQUEST, { uri: doc.uri.toString(), text: doc.getText(), version: doc.version });
  const facts: ScriptInfo['facts'] = {};
  for (const [k, f] of Object.entries(r.facts)) if (f) facts[k] = { value: f.value, source: f.source };
  return {
    fileName: path.basename(doc.fileName),
    uri: r.uri,
    version: r.version,
    input: r.input,
    assumptions: r.assumptions,
    facts,
    otherModels: r.otherModels,
    minFolds: r.minFolds,
    budgetMinutes: r.budgetMinutes,
    gpu: r.gpu,
    budgetFrom: r.budgetFrom,
    gpuFrom: r.gpuFrom,
  };
}

/** Writes a plan into `doc` as one WorkspaceEdit (undoable like any edit). */
async function applyPlan(host: FeatureHost, doc: vscode.TextDocument, change: PlanChange): Promise<{ applied: boolean; problems: string[] }> {
  await host.whenRunning();
  const version = doc.version;
  const r = await host.client.sendRequest<PlanEditsResult>(PLAN_EDITS_REQUEST, { uri: doc.uri.toString(), text: doc.getText(), version, change });
  if (doc.version !== version) return { applied: false, problems: ['the file changed meanwhile: try again'] };
  if (!r.edits.length) return { applied: false, problems: r.problems.length ? r.problems : ['the file already says that'] };
  const edit = new vscode.WorkspaceEdit();
  for (const e of r.edits) edit.replace(doc.uri, new vscode.Range(e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character), e.newText);
  const ok = await vscode.workspace.applyEdit(edit);
  return { applied: ok, problems: ok ? r.problems : ['VS Code refused the edit'] };
}

export class BudgetPanel implements vscode.WebviewViewProvider {
  private view: vscode.WebviewView | undefined;
  private pending: vscode.Disposable[] = [];
  private lastDoc: vscode.TextDocument | null = null;
  private refreshTimer: NodeJS.Timeout | undefined;

  private readonly context: vscode.ExtensionContext;
  private readonly output: vscode.LogOutputChannel;

  constructor(private readonly host: FeatureHost) {
    this.context = host.context;
    this.output = host.output;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const media = vscode.Uri.joinPath(this.context.extensionUri, 'media');
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist');
    view.webview.options = { enableScripts: true, localResourceRoots: [media, dist] };
    view.webview.html = panelHtml({
      cspSource: view.webview.cspSource,
      nonce: cspNonce(),
      scriptUri: view.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'panel.js')).toString(),
      styleUri: view.webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel.css')).toString(),
    });
    for (const d of this.pending) d.dispose();
    this.pending = [
      view.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      view.onDidChangeVisibility(() => view.visible && this.refresh()),
      view.onDidDispose(() => (this.view = undefined)),
    ];
  }

  private post(m: HostMessage): void {
    void this.view?.webview.postMessage(m);
  }

  private async onMessage(m: unknown): Promise<void> {
    if (!isPageMessage(m)) {
      this.output.warn(`budget panel: dropped an unexpected message ${JSON.stringify(m)?.slice(0, 200)}`);
      return;
    }
    switch (m.type) {
      case 'ready':
      case 'reload':
        await this.refresh();
        break;
      case 'measure':
        await vscode.commands.executeCommand('trainguard.openMeasureSnippet');
        break;
      case 'apply': {
        const doc = activePython() ?? this.lastDoc;
        if (!doc || doc.isClosed) {
          this.post({ type: 'applied', ok: false, message: 'No Python script to apply to: open one.' });
          return;
        }
        try {
          const r = await applyPlan(this.host, doc, m.change);
          const what = Object.entries(m.change).map(([k, v]) => `${k} = ${v}`).join(', ');
          this.post({ type: 'applied', ok: r.applied, message: r.applied ? `Applied to ${path.basename(doc.fileName)}: ${what}${r.problems.length ? ` (not written: ${r.problems.join('; ')})` : ''}. Undo with Ctrl+Z in the editor.` : `Not applied: ${r.problems.join('; ')}` });
        } catch (e) {
          this.post({ type: 'applied', ok: false, message: `Not applied: ${(e as Error).message}` });
        }
        break;
      }
    }
  }

  /** Sends the active script (or the settings' defaults) to the page. */
  async refresh(): Promise<void> {
    if (!this.view) return;
    const doc = activePython();
    if (!doc) {
      this.post({ type: 'noScript', reason: this.lastDoc && !this.lastDoc.isClosed ? `Showing ${path.basename(this.lastDoc.fileName)} (the active editor is not a Python script).` : 'No Python script is active: the form estimates what you type.', defaults: settingsDefaults() });
      return;
    }
    this.lastDoc = doc;
    try {
      this.post({ type: 'script', script: await readScript(this.host, doc) });
    } catch (e) {
      this.output.error(`budget panel: cannot read ${doc.uri.toString()}: ${(e as Error)?.message ?? e}`);
    }
  }

  /** Re-reads after edits, at most every 400 ms while typing (a debounce, not a wait). */
  scheduleRefresh(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh(), 400);
  }

  /** `trainguard.estimateActiveFile`. */
  async estimateActiveFile(): Promise<{ script: ScriptInfo; estimate: Estimate | null; plans: Plan[] } | null> {
    const doc = activePython();
    if (!doc) {
      void vscode.window.showInformationMessage('Train Guard: open a Python training script to estimate it.');
      return null;
    }
    void vscode.commands.executeCommand(`${VIEW_ID}.focus`).then(undefined, () => undefined);
    const script = await readScript(this.host, doc);
    const e = script.input ? estimate(script.input) : null;
    const plans = script.input ? plansThatFit(script.input, { minFolds: script.minFolds }) : [];
    return { script, estimate: e, plans };
  }

  /** `trainguard.applyPlan`. */
  async applyPlan(change: unknown): Promise<{ applied: boolean; problems: string[] }> {
    const doc = activePython();
    if (!doc) throw new Error('no active Python script');
    if (!isPlanChange(change)) throw new Error('expected { model?, folds?, epochs? }');
    const r = await applyPlan(this.host, doc, change);
    await this.refresh();
    return r;
  }
}

