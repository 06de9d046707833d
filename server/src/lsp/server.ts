/**
 * The Train Guard language server: documents kept as text plus the tree of their last parse (edited,
 * re-parsed when a check needs it), diagnostics pushed after a short debounce, features (code
 * actions, ...) registered on a shared context. The analyser core does the work; this file only
 * adapts it to the protocol. A failure in one rule or one request never takes the server down.
 *
 * A check never holds the server's one thread for long: it runs its rules in slices
 * (`analyzeModelSliced`), so requests and edits are handled between two rules, and a check whose
 * version is no longer the document's (a newer edit, the document closed, the settings changed) is
 * abandoned at the next rule boundary without publishing anything. One check per document version
 * is in flight: whoever needs the findings of that version (`ensureAnalyzed`) waits for it.
 */
import {
  createConnection,
  MessageType,
  ProposedFeatures,
  ShowMessageNotification,
  TextDocumentSyncKind,
  type Connection,
  type FileEvent,
  type InitializeParams,
  type InitializeResult,
  type ServerCapabilities,
} from 'vscode-languageserver/node';
import { initParser } from '../analysis/parser';
import { PythonDocument } from '../analysis/document';
import { analyzeModelSliced, nextTurn } from '../analysis/analyze';
import { layerFromSettings, mergeSettings, type SettingsLayer } from '../config/resolve';
import type { ResolvedSettings, WorkspaceFacts } from '../config/settings';
import { ALL_RULES, KNOWN_CODES } from '../rules/index';
import { toDiagnostic, SOURCE } from './diagnostics';
import { limitExceeded, limitsFrom } from '../analysis/limits';
import { DiagnosticSeverity, DidChangeWatchedFilesNotification } from 'vscode-languageserver/node';
import type { CheckInFlight, ClientSettings, CodeActionSource, CommandHandler, DocState, DocumentEvent, ProgramLoader, ServerContext } from './context';
import type { Program } from '../project/loader';
import { FEATURES } from './features/index';
import { RecentModels } from './recentModels';
import { clientResolvesEdits, codeActionKinds, handleCodeAction, handleCodeActionResolve, handleExecuteCommand } from './actions';
import { Notebooks, NOTEBOOK_TYPE } from './notebooks';
import { IpynbTextDocuments, isIpynbUri } from './ipynbText';

export type { ClientSettings } from './context';

export const SERVER_VERSION = '0.1.0';
/** How many recently checked documents keep their tree and model (recentModels.ts). */
export const KEPT_MODELS = 4;

/** File names checked whatever the client calls their language. */
const PYTHON_FILE = /\.pyi?$/i;

/**
 * Is a text document Python? Its `languageId` says so, or its name does: a client with no filetype
 * detection (Neovim with `filetype off`, a bare LSP client) sends an empty or generic `languageId`
 * such as `plaintext` for `train.py`, and that file is still checked. The name is read from the
 * URI's path, without its query or fragment. (A `.ipynb` sent as text is a notebook: ipynbText.ts.)
 */
export function isPythonTextDocument(uri: string, languageId: string): boolean {
  if (languageId === 'python') return true;
  const path = uri.replace(/[?#].*$/, '');
  let name = path.slice(path.lastIndexOf('/') + 1);
  try {
    name = decodeURIComponent(name);
  } catch {
    /* a malformed escape: read the name as it is written */
  }
  return PYTHON_FILE.test(name);
}

export function startServer(mode: 'stdio' | 'auto' = 'auto'): Connection {
  const connection = mode === 'stdio' ? createConnection(ProposedFeatures.all, process.stdin, process.stdout) : createConnection(ProposedFeatures.all);
  const documents = new Map<string, DocState>();
  const failedRules = new Set<string>();
  const settingsLayers: ((uri: string) => SettingsLayer | null)[] = [];
  const factsProviders: ((uri: string) => WorkspaceFacts)[] = [];
  const initializedHandlers: (() => void | Promise<void>)[] = [];
  const watchedFilesHandlers: ((changes: readonly FileEvent[]) => void)[] = [];
  const watchedGlobs: string[] = [];
  let watching = false;
  let programLoader: ProgramLoader | undefined;
  const documentHandlers: ((e: DocumentEvent) => void)[] = [];
  const publishedHandlers: ((uri: string) => void)[] = [];
  let initParams: InitializeParams | undefined;
  let hasConfiguration = false;
  let globalSettings: ClientSettings = {};
  const settingsCache = new Map<string, Promise<ClientSettings>>();
  /** Problems with the client's settings already shown (each once until the settings change). */
  const shownProblems = new Set<string>();
  const codeActionSources: CodeActionSource[] = [];
  const commands = new Map<string, CommandHandler>();

  const log = (msg: string) => connection.console.log(`[trainguard] ${msg}`);
  const error = (msg: string) => connection.console.error(`[trainguard] ${msg}`);

  function clientSettings(uri: string): Promise<ClientSettings> {
    if (!hasConfiguration) return Promise.resolve(globalSettings);
    let s = settingsCache.get(uri);
    if (!s) {
      s = Promise.resolve(connection.workspace.getConfiguration({ scopeUri: uri, section: 'trainguard' }))
        .then((v: ClientSettings | null) => v ?? {})
        .catch(() => globalSettings);
      settingsCache.set(uri, s);
    }
    return s;
  }

  async function settingsFor(uri: string): Promise<ResolvedSettings> {
    const cs = await clientSettings(uri);
    const layers: (SettingsLayer | null)[] = [];
    for (const layer of settingsLayers) {
      try {
        layers.push(layer(uri));
      } catch (e) {
        error(`settings for ${uri}: ${(e as Error)?.message ?? e}`);
      }
    }
    const client = layerFromSettings(cs, KNOWN_CODES);
    for (const p of client.problems) {
      if (shownProblems.has(p)) continue;
      shownProblems.add(p);
      error(`settings: ${p}`);
      // a notification (window/showMessage), not a request: there is nothing to answer
      void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message: `Train Guard: ${p}` });
    }
    layers.push(client.layer);
    return mergeSettings(...layers);
  }

  function workspaceFacts(uri: string): WorkspaceFacts {
    const facts: WorkspaceFacts = {};
    for (const p of factsProviders) {
      try {
        Object.assign(facts, p(uri));
      } catch (e) {
        error(`workspace facts for ${uri}: ${(e as Error)?.message ?? e}`);
      }
    }
    return facts;
  }

  const slowReported = new Set<string>();
  /** The documents that keep their tree and model after a check (recentModels.ts). */
  const recent = new RecentModels(KEPT_MODELS);

  /** Bumped when every document is re-checked (settings or workspace files changed): older checks are stale. */
  let generation = 0;
  /** What the client sees only with `trainguard.trace.server` on (`$/logTrace`): parses and checks. */
  const trace = (msg: string) => connection.tracer.log(`[trainguard] ${msg}`);
  const ms = (t0: number) => `${(performance.now() - t0).toFixed(1)} ms`;
  /**
   * The pause of a check: long enough for a message that arrived during the step before it to reach
   * its handler, so that the staleness check after it sees a newer edit. vscode-jsonrpc decodes a
   * message read from the stream in one setImmediate and dispatches it in the next, each queued behind
   * the pause's own: the third turn from now comes after both.
   */
  const letMessagesIn = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) await nextTurn();
  };

  /**
   * Checks the document's current version and publishes its diagnostics. A check of that version
   * already in flight is not started again: its promise is returned.
   */
  function analyzeAndPublish(uri: string): Promise<void> {
    const state = documents.get(uri);
    if (!state) return Promise.resolve();
    const running = state.running;
    const inputs = state.inputs ?? 0;
    if (running && running.version === state.doc.version && running.generation === generation && running.inputs === inputs) return running.done;
    const check: CheckInFlight = { version: state.doc.version, generation, inputs, done: Promise.resolve() };
    state.running = check;
    check.done = runCheck(uri, state, check).finally(() => {
      if (state.running === check) state.running = undefined;
    });
    return check.done;
  }

  async function runCheck(uri: string, state: DocState, check: CheckInFlight): Promise<void> {
    const { version } = check;
    // a newer version, the document closed or reopened, or the settings changed: that event schedules its own check
    const stale = () => documents.get(uri) !== state || state.doc.version !== version || generation !== check.generation || (state.inputs ?? 0) !== check.inputs;
    const abandoned = (where: string) => trace(`check ${uri} v${version}: abandoned ${where}`);
    const cs = await clientSettings(uri);
    const settings = await settingsFor(uri);
    // the messages already received go first (a burst's later keystrokes): a version they make stale is never parsed
    await letMessagesIn();
    if (stale()) return abandoned('before the parse');
    let findings = [] as DocState['findings'];
    const limits = limitsFrom(cs);
    const skipped = cs.enable === false ? null : limitExceeded(state.doc.text, limits, state.doc.nestingLimitLine());
    if (skipped) {
      // too large: not parsed at all, one information message instead
      state.doc.dropTree();
      state.findings = [];
      state.analyzedVersion = version;
      state.settings = settings;
      const note = { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: DiagnosticSeverity.Information, source: SOURCE, message: skipped };
      if (state.notebook) notebooks.publish(state, toDiagnostic, [note]);
      else connection.sendDiagnostics({ uri, version, diagnostics: [note] });
      published(uri);
      return;
    }
    if (cs.enable !== false) {
      try {
        // parse, model, rules: each step lets waiting messages in before the next touches the document
        if (!state.doc.parsed) {
          const t0 = performance.now();
          state.doc.parse();
          trace(`parse ${uri} v${version}: ${ms(t0)} (parse ${state.doc.parses} of this document)`);
          await letMessagesIn();
          if (stale()) return abandoned('after the parse');
        }
        const t1 = performance.now();
        let model = state.doc.model();
        const modelTime = ms(t1);
        await letMessagesIn();
        if (stale()) return abandoned('after the model');
        // the project modules it imports (read and summarised in slices; a new module once, then from the cache)
        let program: Program | undefined;
        if (programLoader) {
          const t3 = performance.now();
          try {
            program = await programLoader({ uri, state, model, settings, isStale: stale, pause: letMessagesIn });
          } catch (e) {
            error(`project modules of ${uri} could not be loaded (checked alone): ${(e as Error)?.stack ?? e}`);
          }
          if (stale()) return abandoned('while loading the project modules');
          // the same version checked again with another program (a module it imports changed): the
          // model's answers were computed with the earlier one
          if (state.analysedWith?.model === model && state.analysedWith.program !== program) {
            model = state.doc.freshModel();
            trace(`model ${uri} v${version}: built again for the new project modules`);
          }
          if (program) trace(`project ${uri} v${version}: ${program.modules.filter((m) => m.summary).length} modules read, ${program.modules.filter((m) => !m.summary).length} not, ${ms(t3)}`);
        }
        trace(`model ${uri} v${version}: ${modelTime}; the rules start`);
        const t2 = performance.now();
        const over = state.overBudget;
        const skipRules = over && over.budgetMs === limits.timeBudgetMs && state.doc.text.length * 2 >= over.length ? over.rules : undefined;
        // before the rules: the analysis may give the model its program as they start, even if abandoned
        state.analysedWith = { model, program };
        const sliced = await analyzeModelSliced(model, {
          settings,
          workspace: workspaceFacts(uri),
          timeBudgetMs: limits.timeBudgetMs,
          skipRules,
          shellCommands: state.notebook?.program.shellCommands,
          program,
          isStale: stale,
          pause: letMessagesIn,
          onRuleError: (code, e) => {
            if (failedRules.has(code)) return;
            failedRules.add(code);
            error(`rule ${code} failed (reported once, the other rules still run): ${(e as Error)?.stack ?? e}`);
          },
        });
        if (sliced.cancelled) return abandoned(`after ${sliced.rulesRun} rules`);
        const result = sliced.result;
        const skippedNote = result.skippedRules.length ? `; over the time budget, skipped ${result.skippedRules.join(' ')}${result.skippedAsAsked ? ` (${result.skippedAsAsked} as in an earlier check)` : ''}` : '';
        trace(`check ${uri} v${version}: done, rules ${ms(t2)} (${result.elapsedMs} ms of their own, ${sliced.pauses} pauses), ${result.findings.length} findings${skippedNote}`);
        findings = result.findings;
        state.overBudget = result.skippedRules.length ? { rules: new Set(result.skippedRules), budgetMs: limits.timeBudgetMs, length: state.doc.text.length } : undefined;
        if (result.skippedRules.length && !slowReported.has(uri)) {
          slowReported.add(uri);
          const msg = `Train Guard: checking ${uri.replace(/^.*\//, '')} took over ${limits.timeBudgetMs} ms; ${result.skippedRules.length} rule(s) were skipped (${result.skippedRules.join(', ')}). Raise trainguard.timeBudgetMs to check them.`;
          error(msg);
          connection.window.showWarningMessage(msg);
        }
      } catch (e) {
        // nothing is published for a version that is no longer the document's, even a failed one
        if (stale()) return abandoned(`after an error: ${(e as Error)?.message ?? e}`);
        error(`analysis of ${uri} failed: ${(e as Error)?.stack ?? e}`);
      }
    }
    state.findings = findings;
    state.analyzedVersion = version;
    state.settings = settings;
    if (state.notebook) notebooks.publish(state, toDiagnostic);
    else connection.sendDiagnostics({ uri, version, diagnostics: findings.map((f) => toDiagnostic(f, uri)) });
    keepModel(uri);
    published(uri);
  }

  function published(uri: string): void {
    for (const h of publishedHandlers) {
      try {
        h(uri);
      } catch (e) {
        error(`after publishing ${uri}: ${(e as Error)?.stack ?? e}`);
      }
    }
  }

  function documentEvent(e: DocumentEvent): void {
    for (const h of documentHandlers) {
      try {
        h(e);
      } catch (err) {
        error(`document ${e.kind} of ${e.uri}: ${(err as Error)?.stack ?? err}`);
      }
    }
  }

  const debounceMs = () => Math.max(0, Number(globalSettings.debounceMs ?? 30));

  /** `uri`'s model is kept; the documents that fall out of the most recent lose theirs. */
  function keepModel(uri: string): void {
    // a document whose check is in flight keeps its tree until that check is done (it then counts as recent)
    for (const older of recent.touch(uri)) {
      const other = documents.get(older);
      if (!other || other.running) continue;
      other.doc.dropTree();
      trace(`model ${older}: dropped (not among the ${recent.size} most recent)`);
    }
  }

  /**
   * Re-checks a document after a change. A change after a pause (no other change of the document
   * in the last `debounceMs`) is checked at once: waiting would only delay its diagnostics. Changes
   * closer together than that (fast typing, a paste that formats, a rename touching many lines) are
   * checked once, `debounceMs` after the last of them.
   */
  function schedule(uri: string): void {
    const state = documents.get(uri);
    if (!state) return;
    const delay = debounceMs();
    const now = Date.now();
    const burst = state.timer !== undefined || (state.lastScheduled !== undefined && now - state.lastScheduled < delay);
    state.lastScheduled = now;
    if (state.timer) clearTimeout(state.timer);
    state.timer = setTimeout(
      () => {
        state.timer = undefined;
        analyzeAndPublish(uri).catch((e) => error(`${(e as Error)?.stack ?? e}`));
      },
      burst ? delay : 0,
    );
  }

  const ctx: ServerContext = {
    connection,
    documents,
    clientSettings,
    settingsFor,
    addSettingsLayer: (l) => settingsLayers.push(l),
    addWorkspaceFacts: (p) => factsProviders.push(p),
    workspaceFacts,
    addCodeActionSource: (source) => codeActionSources.push(source),
    addCommand(name, handler) {
      if (commands.has(name)) throw new Error(`command ${name} registered twice`);
      commands.set(name, handler);
    },
    get notebooks() {
      return notebooks;
    },
    async ensureAnalyzed(uri) {
      const state = documents.get(uri);
      if (state && state.analyzedVersion !== state.doc.version) {
        // a check of this version in flight is awaited (analyzeAndPublish returns it), not run twice
        if (state.timer) clearTimeout(state.timer);
        state.timer = undefined;
        await analyzeAndPublish(uri);
      }
      return documents.get(uri);
    },
    modelOf(state) {
      const model = state.doc.model();
      if (documents.get(state.uri) === state) keepModel(state.uri);
      return model;
    },
    schedule,
    recheckAll() {
      generation++;
      settingsCache.clear();
      for (const uri of documents.keys()) schedule(uri);
      ipynbTexts.recheckAll();
    },
    initializeParams: () => initParams,
    onInitialized: (h) => initializedHandlers.push(h),
    onWatchedFilesChanged: (h) => watchedFilesHandlers.push(h),
    watchFiles: (globs) => watchedGlobs.push(...globs.filter((g) => !watchedGlobs.includes(g))),
    watchingFiles: () => watching,
    setProgramLoader(loader) {
      if (programLoader) throw new Error('a program loader is set already');
      programLoader = loader;
    },
    onDocumentEvent: (h) => documentHandlers.push(h),
    onPublished: (h) => publishedHandlers.push(h),
    busy() {
      for (const s of documents.values()) if (s.timer !== undefined || s.running !== undefined) return true;
      return false;
    },
    inputsChanged(uri) {
      const state = documents.get(uri);
      if (!state) return;
      state.inputs = (state.inputs ?? 0) + 1;
      schedule(uri);
    },
    debounceMs,
    log,
    error,
  };

  const notebooks = new Notebooks(ctx);
  /** `.ipynb` files sent as text documents (their JSON), by clients without notebook support. */
  const ipynbTexts = new IpynbTextDocuments(ctx, debounceMs);

  connection.onInitialize(async (params: InitializeParams): Promise<InitializeResult> => {
    initParams = params;
    hasConfiguration = !!params.capabilities.workspace?.configuration;
    const init = (params.initializationOptions ?? {}) as { settings?: ClientSettings };
    if (init.settings) globalSettings = init.settings;
    await initParser();
    let capabilities: ServerCapabilities = {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      // the Python cells of Jupyter notebooks, analysed together as one program (notebooks.ts)
      notebookDocumentSync: { notebookSelector: [{ notebook: { notebookType: NOTEBOOK_TYPE }, cells: [{ language: 'python' }] }] },
    };
    if (codeActionSources.length) capabilities.codeActionProvider = { codeActionKinds: codeActionKinds(codeActionSources), resolveProvider: clientResolvesEdits(params) };
    if (commands.size) capabilities.executeCommandProvider = { commands: [...commands.keys()] };
    for (const f of FEATURES) if (f.capabilities) capabilities = mergeCapabilities(capabilities, f.capabilities(params));
    return { capabilities, serverInfo: { name: 'trainguard', version: SERVER_VERSION } };
  });

  connection.onInitialized(async () => {
    log(`ready: ${ALL_RULES.length} rules`);
    // every feature's watchers in one registration (before the features' own handlers, which may ask watchingFiles())
    const dynamic = initParams?.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    if (dynamic && watchedGlobs.length) {
      try {
        await connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: watchedGlobs.map((globPattern) => ({ globPattern })) });
        watching = true;
      } catch (e) {
        error(`file watchers could not be registered (files are re-read at each check): ${(e as Error)?.message ?? e}`);
      }
    }
    for (const h of initializedHandlers) {
      try {
        await h();
      } catch (e) {
        error(`initialized handler failed: ${(e as Error)?.stack ?? e}`);
      }
    }
  });

  connection.onDidChangeWatchedFiles(({ changes }) => {
    for (const h of watchedFilesHandlers) {
      try {
        h(changes);
      } catch (e) {
        error(`watched-files handler failed: ${(e as Error)?.stack ?? e}`);
      }
    }
  });

  connection.onDidOpenTextDocument(({ textDocument }) => {
    if (isIpynbUri(textDocument.uri)) {
      // a notebook's JSON as text (a client with no notebook support): read as a notebook
      try {
        ipynbTexts.open(textDocument.uri, textDocument.text, textDocument.version);
      } catch (e) {
        error(`cannot open ${textDocument.uri}: ${(e as Error)?.message ?? e}`);
      }
      return;
    }
    if (!isPythonTextDocument(textDocument.uri, textDocument.languageId)) return;
    try {
      documents.get(textDocument.uri)?.doc.dispose();
      documents.set(textDocument.uri, {
        uri: textDocument.uri,
        // parsed on first analysis, so an oversized file is never parsed at all
        doc: new PythonDocument(textDocument.text, textDocument.version, false),
        languageId: textDocument.languageId,
        findings: [],
        analyzedVersion: -1,
      });
      schedule(textDocument.uri);
      documentEvent({ kind: 'open', uri: textDocument.uri, state: documents.get(textDocument.uri) });
    } catch (e) {
      error(`cannot open ${textDocument.uri}: ${(e as Error)?.message ?? e}`);
    }
  });

  connection.onDidChangeTextDocument(({ textDocument, contentChanges }) => {
    if (ipynbTexts.has(textDocument.uri)) {
      try {
        ipynbTexts.change(textDocument.uri, contentChanges, textDocument.version);
      } catch (e) {
        error(`change to ${textDocument.uri} could not be applied: ${(e as Error)?.message ?? e}`);
      }
      return;
    }
    const state = documents.get(textDocument.uri);
    if (!state) return;
    try {
      state.doc.update(contentChanges.map((c) => ('range' in c ? { range: c.range, text: c.text } : { text: c.text })), textDocument.version);
    } catch (e) {
      error(`change to ${textDocument.uri} could not be applied: ${(e as Error)?.message ?? e}`);
    }
    schedule(textDocument.uri);
    documentEvent({ kind: 'change', uri: textDocument.uri, state });
  });

  connection.onDidCloseTextDocument(({ textDocument }) => {
    ipynbTexts.close(textDocument.uri);
    const state = documents.get(textDocument.uri);
    if (!state) return;
    if (state.timer) clearTimeout(state.timer);
    state.doc.dispose();
    documents.delete(textDocument.uri);
    recent.forget(textDocument.uri);
    settingsCache.delete(textDocument.uri);
    connection.sendDiagnostics({ uri: textDocument.uri, diagnostics: [] });
    documentEvent({ kind: 'close', uri: textDocument.uri });
  });

  const sync = connection.notebooks.synchronization;
  sync.onDidOpenNotebookDocument(({ notebookDocument, cellTextDocuments }) => {
    try {
      notebooks.open(notebookDocument, cellTextDocuments);
    } catch (e) {
      error(`cannot open notebook ${notebookDocument.uri}: ${(e as Error)?.stack ?? e}`);
    }
  });
  sync.onDidChangeNotebookDocument(({ notebookDocument, change }) => {
    try {
      notebooks.change(notebookDocument.uri, change);
    } catch (e) {
      error(`change to notebook ${notebookDocument.uri} could not be applied: ${(e as Error)?.stack ?? e}`);
    }
  });
  sync.onDidCloseNotebookDocument(({ notebookDocument }) => {
    notebooks.close(notebookDocument.uri);
    settingsCache.delete(notebookDocument.uri);
  });
  sync.onDidSaveNotebookDocument(() => undefined);

  connection.onDidChangeConfiguration((change) => {
    const s = (change.settings as { trainguard?: ClientSettings } | null)?.trainguard;
    if (s) globalSettings = s;
    shownProblems.clear();
    ctx.recheckAll();
  });

  for (const f of FEATURES) {
    try {
      f.register(ctx);
    } catch (e) {
      error(`feature ${f.name} failed to start: ${(e as Error)?.stack ?? e}`);
    }
  }
  // one handler each, shared by every feature's sources and commands
  connection.onCodeAction(async (params) => {
    try {
      // on a notebook cell: computed on the notebook's program, the edits mapped back to the cell
      const inNotebook = notebooks.codeActionParams(params);
      if (!inNotebook) return await handleCodeAction(ctx, codeActionSources, params);
      return await inNotebook.restore(await handleCodeAction(ctx, codeActionSources, inNotebook.params));
    } catch (e) {
      error(`code actions failed: ${(e as Error)?.stack ?? e}`);
      return [];
    }
  });
  connection.onCodeActionResolve(async (action) => {
    try {
      return (await notebooks.resolveCellFixAll(action)) ?? (await handleCodeActionResolve(ctx, codeActionSources, action));
    } catch (e) {
      error(`code action resolve failed: ${(e as Error)?.stack ?? e}`);
      return action;
    }
  });
  connection.onExecuteCommand((params) => handleExecuteCommand(ctx, commands, params));

  connection.onShutdown(() => {
    for (const s of documents.values()) {
      if (s.timer) clearTimeout(s.timer);
      s.doc.dispose();
    }
    documents.clear();
  });

  connection.listen();
  return connection;
}

/** Merges a feature's capabilities into the others': command lists are joined, not replaced. */
export function mergeCapabilities(a: ServerCapabilities, b: ServerCapabilities): ServerCapabilities {
  const merged: ServerCapabilities = { ...a, ...b };
  if (a.executeCommandProvider && b.executeCommandProvider) {
    merged.executeCommandProvider = { ...a.executeCommandProvider, ...b.executeCommandProvider, commands: [...new Set([...a.executeCommandProvider.commands, ...b.executeCommandProvider.commands])] };
  }
  return merged;
}
