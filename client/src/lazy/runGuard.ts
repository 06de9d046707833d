/**
 * "Train Guard: Run with guard" (`trainguard.runWithGuard`): runs the active training script (or the
 * one a CodeLens / the editor-title button names) under the run guard (server/src/runguard/runner.ts,
 * bundled into the client) in a pseudo-terminal that shows its output as it comes. Only in trusted
 * workspaces: in an untrusted one the command refuses and no CodeLens is shown.
 *
 * - Interpreter: the Python extension's selected environment (`ms-python.python`
 *   `environments.getActiveEnvironmentPath`, when installed), else `trainguard.pythonPath`, else
 *   `python3` (`python` on Windows).
 * - What the script says (training loop, class count, epochs, folds, submission paths, budget after
 *   every settings layer) comes from the language server (`trainguard/runGuardInfo`); without it the
 *   run is guarded with the settings alone.
 * - A status-bar item shows elapsed time against the budget, the latest epoch and loss; each warning
 *   is a notification with "Stop run"; `trainguard.runGuard.autoStop` stops the run by itself on the
 *   warnings the hints say to stop for. Timeouts: `trainguard.runGuard.noOutputSeconds`,
 *   `trainguard.runGuard.firstEpochSeconds`.
 * - Stopping (the notification, "Train Guard: Stop guarded run", Ctrl+C in the terminal, closing the
 *   terminal) kills the whole process tree. The full log stays in `.trainguard/runs/<timestamp>.log`
 *   beside the script; "Train Guard: Open run log" lists them. When the run ends, the submission it
 *   wrote is verified.
 *
 * `trainguard.runGuardRuns` (not in the palette) returns the runs of this session as plain data, for
 * the extension-host tests.
 *
 * Loaded on first use (dist/lazy/runGuard.js, with the runner): the commands, the CodeLens provider
 * and the status item are registered by client/src/features/runGuard.ts, which calls
 * createRunGuard the first time one of the commands runs.
 */
import path = require('path');
import vscode = require('vscode');
import { GuardedRun, type RunResult } from '../../../server/src/runguard/runner';
import type { GuardWarning, RunStatus } from '../../../server/src/runguard/watcher';
import { formatWarning, statusLine } from '../../../server/src/runguard/format';
import { describeCheck } from '../../../server/src/runguard/submission';
import { listRunLogs, type RunLogEntry } from '../../../server/src/runguard/logs';
import { RUN_ACTIVE_CONTEXT, SHOW_RUN_COMMAND } from '../features/ids';
import { scriptInfo, withTimeout } from '../features/runGuardInfo';
import type { FeatureHost } from './host';

/** What `trainguard.runWithGuard` and `trainguard.runGuardRuns` return (plain data). */
export interface RunSummary {
  script: string;
  python: string;
  pythonFrom: 'python extension' | 'trainguard.pythonPath' | 'default';
  pid: number | null;
  logFile: string | null;
  running: boolean;
  warnings: { kind: GuardWarning['kind']; message: string; line: string | null }[];
  /** Set once the run has ended. */
  result: { exitCode: number | null; signal: string | null; stoppedBy: string | null; spawnError: string | null; submissions: { file: string; valid: boolean | null }[] } | null;
}

export interface ActiveRun {
  script: string;
  python: string;
  pythonFrom: RunSummary['pythonFrom'];
  run: GuardedRun;
  terminal: vscode.Terminal;
  warnings: GuardWarning[];
  result: RunResult | null;
  status: RunStatus | null;
  /** The script writes a submission somewhere (the language server read it). */
  expectSubmission: boolean;
}

const DEFAULT_PYTHON = process.platform === 'win32' ? 'python' : 'python3';

function summary(a: ActiveRun): RunSummary {
  return {
    script: a.script,
    python: a.python,
    pythonFrom: a.pythonFrom,
    pid: a.run.pid,
    logFile: a.run.logFile,
    running: a.run.running,
    warnings: a.warnings.map((w) => ({ kind: w.kind, message: w.message, line: w.line })),
    result: a.result && {
      exitCode: a.result.exitCode,
      signal: a.result.signal,
      stoppedBy: a.result.stoppedBy,
      spawnError: a.result.spawnError,
      submissions: a.result.submissions.map((s) => ({ file: s.file, valid: s.result?.valid ?? null })),
    },
  };
}

/** The Python extension's API, as far as the guard uses it (everything optional: older versions differ). */
interface PythonApi {
  environments?: {
    getActiveEnvironmentPath?(resource?: vscode.Uri): { id?: string; path?: string } | undefined;
    resolveEnvironment?(env: unknown): Thenable<{ executable?: { uri?: vscode.Uri } } | undefined>;
  };
}

async function pythonFromExtension(uri: vscode.Uri, output: vscode.LogOutputChannel): Promise<string | null> {
  const ext = vscode.extensions.getExtension<PythonApi>('ms-python.python');
  if (!ext) return null;
  try {
    const api = ext.isActive ? ext.exports : await withTimeout(ext.activate(), 15000);
    const envs = api?.environments;
    if (!envs || typeof envs.getActiveEnvironmentPath !== 'function') return null;
    const envPath = envs.getActiveEnvironmentPath(uri);
    if (!envPath) return null;
    if (typeof envs.resolveEnvironment === 'function') {
      const resolved = await withTimeout(envs.resolveEnvironment(envPath), 15000);
      const exe = resolved?.executable?.uri?.fsPath;
      if (exe) return exe;
    }
    return typeof envPath.path === 'string' && envPath.path ? envPath.path : null;
  } catch (e) {
    output.warn(`run guard: the Python extension did not give an interpreter (${(e as Error)?.message ?? e}); using the settings`);
    return null;
  }
}

async function resolvePython(uri: vscode.Uri, output: vscode.LogOutputChannel): Promise<{ python: string; from: RunSummary['pythonFrom'] }> {
  const fromExt = await pythonFromExtension(uri, output);
  if (fromExt) return { python: fromExt, from: 'python extension' };
  const setting = vscode.workspace.getConfiguration('trainguard', uri).get<string | null>('pythonPath', null);
  if (typeof setting === 'string' && setting.trim()) return { python: setting.trim(), from: 'trainguard.pythonPath' };
  return { python: DEFAULT_PYTHON, from: 'default' };
}

function seconds(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback;
}

/** Text for a pseudo-terminal: every line end as \r\n (a lone \n would not return the cursor). */
function forTerminal(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

/** What features/runGuard.ts keeps from activation on: the runs (its CodeLenses read them), the status item, the lenses. */
export interface RunGuardState {
  active: Map<string, ActiveRun>;
  item: vscode.StatusBarItem;
  lenses: { refresh(): void };
}

/** The run guard's commands, over the state client.js created at activation. */
export function createRunGuard(host: FeatureHost, { active, item, lenses }: RunGuardState) {
  const { context, output } = host;
  let shown: ActiveRun | null = null;

  const refreshContext = () => {
    const any = [...active.values()].some((a) => a.run.running);
    void vscode.commands.executeCommand('setContext', RUN_ACTIVE_CONTEXT, any);
    lenses.refresh();
    if (!any) item.hide();
  };
  const showStatus = (a: ActiveRun) => {
    if (!a.status || !a.run.running) return;
    const others = [...active.values()].filter((x) => x !== a && x.run.running).length;
    item.text = `$(shield) ${path.basename(a.script)} ${statusLine(a.status)}${others ? ` (+${others} more)` : ''}`;
    item.tooltip = `Train Guard is guarding ${a.script}\n${a.warnings.length} warning(s). Click to show its output.`;
    item.backgroundColor = a.warnings.length ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    item.command = { title: 'Show output', command: SHOW_RUN_COMMAND, arguments: [vscode.Uri.file(a.script)] };
    item.show();
    shown = a;
  };

  const explain = async (w: GuardWarning) => {
    if (w.help.rule) {
      await vscode.commands.executeCommand('trainguard.showDocumentation', w.help.rule);
      return;
    }
    const page = vscode.Uri.joinPath(context.extensionUri, 'docs', 'run-guard.md');
    try {
      await vscode.workspace.fs.stat(page);
      await vscode.commands.executeCommand('markdown.showPreview', page);
    } catch {
      await vscode.env.openExternal(vscode.Uri.parse(w.help.url));
    }
  };

  const notifyWarning = async (a: ActiveRun, w: GuardWarning, autoStop: boolean) => {
    const name = path.basename(a.script);
    const stopping = autoStop && w.stop;
    const actions = [...(a.run.running && !stopping ? ['Stop run'] : []), 'Explain', 'Show output'];
    const choice = await vscode.window.showWarningMessage(`Train Guard (${name}): ${w.message}${stopping ? ' Auto-stop is stopping the run.' : ''}`, ...actions);
    if (choice === 'Stop run') await a.run.stop('user');
    else if (choice === 'Explain') await explain(w);
    else if (choice === 'Show output') a.terminal.show();
  };

  const notifyEnd = async (a: ActiveRun, r: RunResult) => {
    const name = path.basename(a.script);
    if (r.spawnError) {
      const choice = await vscode.window.showErrorMessage(`Train Guard: ${r.spawnError}. Select an interpreter with the Python extension or set trainguard.pythonPath.`, 'Open Settings');
      if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'trainguard.pythonPath');
      return;
    }
    const bad = r.submissions.filter((s) => s.result && !s.result.valid);
    for (const s of r.submissions) output.info(describeCheck(s).join('\n'));
    const how = r.stoppedBy === 'auto' ? `was stopped by auto-stop (${r.stopWarning?.kind})` : r.stoppedBy === 'user' ? 'was stopped' : r.signal ? `ended by ${r.signal}` : `exited with code ${r.exitCode}`;
    const missing = !r.submissions.length && a.expectSubmission && r.stoppedBy === null;
    const sub = bad.length
      ? ` Its submission ${path.basename(bad[0].file)} is NOT valid.`
      : r.submissions.length
        ? ` Its submission ${path.basename(r.submissions[0].file)} looks valid.`
        : missing
          ? ' It wrote no submission, though the script writes one.'
          : '';
    const message = `Train Guard: ${name} ${how}; ${r.warnings.length} warning(s).${sub}`;
    const actions = ['Open log', ...(bad.length ? ['Show problems'] : [])];
    const show = bad.length || missing || (r.exitCode !== 0 && r.stoppedBy === null) ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const choice = await show(message, ...actions);
    if (choice === 'Open log' && r.logFile) await vscode.window.showTextDocument(vscode.Uri.file(r.logFile), { preview: true });
    if (choice === 'Show problems') output.show(true);
  };

  const runWithGuard = async (target?: unknown): Promise<RunSummary | undefined> => {
    if (!vscode.workspace.isTrusted) {
      const choice = await vscode.window.showWarningMessage('Train Guard runs scripts only in a trusted workspace: "Run with guard" executes the script with Python.', 'Manage Workspace Trust');
      if (choice === 'Manage Workspace Trust') await vscode.commands.executeCommand('workbench.trust.manage');
      return undefined;
    }
    const uri = target instanceof vscode.Uri ? target : typeof target === 'string' ? vscode.Uri.parse(target) : vscode.window.activeTextEditor?.document.uri;
    if (!uri || uri.scheme !== 'file' || !uri.fsPath.toLowerCase().endsWith('.py')) {
      void vscode.window.showInformationMessage('Train Guard: open a Python training script saved on disk to run it with guard.');
      return undefined;
    }
    const script = uri.fsPath;
    const existing = active.get(script);
    if (existing?.run.running) {
      existing.terminal.show();
      void vscode.window.showInformationMessage(`Train Guard: ${path.basename(script)} is already running under guard.`);
      return summary(existing);
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.isDirty && !(await doc.save())) {
      void vscode.window.showWarningMessage(`Train Guard: ${path.basename(script)} could not be saved; nothing was run.`);
      return undefined;
    }
    const info = await scriptInfo(host, doc);
    const { python, from } = await resolvePython(uri, output);
    const config = vscode.workspace.getConfiguration('trainguard', uri);
    const settingBudget = config.get<number | null>('budgetMinutes', null);
    const budget = info ? info.budgetMinutes : typeof settingBudget === 'number' && settingBudget > 0 ? settingBudget : null;
    const autoStop = config.get<boolean>('runGuard.autoStop', false) === true;
    const noOutputSeconds = seconds(config.get('runGuard.noOutputSeconds'), 60);
    const firstEpochSeconds = seconds(config.get('runGuard.firstEpochSeconds'), 90);

    const write = new vscode.EventEmitter<string>();
    const close = new vscode.EventEmitter<number | void>();
    let opened = false;
    const pending: string[] = [];
    const emit = (text: string) => (opened ? write.fire(text) : pending.push(text));
    let entry: ActiveRun | null = null;
    const pty: vscode.Pseudoterminal = {
      onDidWrite: write.event,
      onDidClose: close.event,
      open: () => {
        opened = true;
        for (const t of pending.splice(0)) write.fire(t);
      },
      close: () => {
        // the terminal was closed: the run goes with it
        if (entry?.run.running) void entry.run.stop('user');
      },
      handleInput: (data) => {
        if (data === '\x03' && entry?.run.running) void entry.run.stop('user');
      },
    };
    const terminal = vscode.window.createTerminal({ name: `Train Guard: ${path.basename(script)}`, pty, iconPath: new vscode.ThemeIcon('shield') });
    const guardLines = (lines: string[], breakFirst: boolean) => emit(`${breakFirst ? '\r\n' : ''}${lines.map((l) => `\x1b[33m[trainguard] ${l}\x1b[0m\r\n`).join('')}`);
    const classes = info?.info?.classes ?? null;
    guardLines(
      [
        `running ${python} -u ${path.basename(script)} (interpreter from ${from}; budget ${budget !== null ? `${budget} min` : 'none'}; classes ${classes ?? 'unknown'}; no-output ${noOutputSeconds} s; first epoch ${firstEpochSeconds} s; auto-stop ${autoStop ? 'on' : 'off'}). Ctrl+C stops the run.`,
      ],
      false,
    );
    let run: GuardedRun;
    try {
      run = GuardedRun.start(
        {
          python,
          script,
          autoStop,
          watch: { noOutputSeconds, firstEpochSeconds, classes, budgetMinutes: budget, epochs: info?.info?.epochs ?? null, folds: info?.info?.folds ?? null },
          submissionPaths: info?.info?.submissionPaths ?? [],
          expectSubmission: info?.info?.writesSubmission ?? false,
        },
        {
          output: (text) => emit(forTerminal(text)),
          guard: guardLines,
          status: (s) => {
            if (!entry) return;
            entry.status = s;
            if (shown === entry || !shown?.run.running) showStatus(entry);
          },
          event: (e) => {
            if (!entry || e.type !== 'warning') return;
            entry.warnings.push(e.warning);
            output.warn(`run guard (${path.basename(script)}): ${formatWarning(e.warning).join('\n')}`);
            void notifyWarning(entry, e.warning, autoStop);
          },
        },
      );
    } catch (e) {
      terminal.dispose();
      void vscode.window.showErrorMessage(`Train Guard: ${(e as Error).message}. Select an interpreter with the Python extension or set trainguard.pythonPath.`);
      return undefined;
    }
    entry = { script, python, pythonFrom: from, run, terminal, warnings: [], result: null, status: null, expectSubmission: info?.info?.writesSubmission ?? false };
    const a = entry;
    active.set(script, a);
    terminal.show(true);
    refreshContext();
    output.info(`run guard: started ${python} -u ${script} (pid ${run.pid ?? 'none'}, log ${run.logFile ?? 'not written'})`);
    void run.done.then(async (r) => {
      a.result = r;
      emit('\x1b[2m(the run is over; this terminal can be closed)\x1b[0m\r\n');
      refreshContext();
      if (shown === a) {
        const next = [...active.values()].find((x) => x.run.running);
        if (next) showStatus(next);
        else item.hide();
      }
      output.info(`run guard: ${script} ended (exit ${r.exitCode ?? r.signal ?? r.spawnError}, ${r.warnings.length} warnings)`);
      await notifyEnd(a, r);
    });
    return summary(a);
  };

  const find = (target?: unknown): ActiveRun | undefined => {
    const uri = target instanceof vscode.Uri ? target : typeof target === 'string' ? vscode.Uri.parse(target) : vscode.window.activeTextEditor?.document.uri;
    const own = uri ? active.get(uri.fsPath) : undefined;
    if (own?.run.running) return own;
    const running = [...active.values()].filter((a) => a.run.running);
    return running.length === 1 ? running[0] : own;
  };

  const openRunLog = async (): Promise<string | undefined> => {
    const dirs = new Set<string>([...active.values()].map((a) => path.dirname(a.script)));
    for (const f of await vscode.workspace.findFiles('**/.trainguard/runs/*.log', '**/node_modules/**', 500)) dirs.add(path.dirname(path.dirname(path.dirname(f.fsPath))));
    const logs: RunLogEntry[] = [...dirs].flatMap((d) => listRunLogs(d)).sort((x, y) => y.mtimeMs - x.mtimeMs);
    if (!logs.length) {
      void vscode.window.showInformationMessage('Train Guard: no run logs yet. "Run with guard" keeps each run\'s output in .trainguard/runs/ beside the script.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      logs.map((l) => ({
        label: `$(output) ${l.script ? path.basename(l.script) : 'unknown script'}`,
        description: path.basename(l.file, '.log').replace('_', ' '),
        detail: `${vscode.workspace.asRelativePath(l.file)} (${Math.max(1, Math.round(l.size / 1024))} KB)`,
        file: l.file,
      })),
      { placeHolder: 'Open the log of a guarded run (newest first)', matchOnDetail: true },
    );
    if (!picked) return undefined;
    await vscode.window.showTextDocument(vscode.Uri.file(picked.file), { preview: true });
    return picked.file;
  };

  const stop = async (target?: unknown): Promise<RunSummary | undefined> => {
    const a = find(target);
    if (!a?.run.running) {
      void vscode.window.showInformationMessage('Train Guard: no guarded run to stop.');
      return a ? summary(a) : undefined;
    }
    await a.run.stop('user');
    return summary(a);
  };

  return {
    runWithGuard,
    stop,
    showRun: (target?: unknown) => find(target)?.terminal.show(),
    openRunLog,
    runs: (): RunSummary[] => [...active.values()].map(summary),
  };
}
