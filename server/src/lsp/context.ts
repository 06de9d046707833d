/**
 * What the language server's feature modules share: the connection, the open documents with their
 * latest findings, settings and workspace facts. Features (code actions, hovers, notebooks...) are
 * registered on this context; none of them parse or analyse on their own.
 */
import type { CodeAction, CodeActionParams, Connection, Diagnostic, FileEvent, InitializeParams, ServerCapabilities, WorkspaceEdit } from 'vscode-languageserver/node';
import type { TextEdit } from '../analysis/source';
import type { PythonDocument } from '../analysis/document';
import type { PythonModel } from '../analysis/model';
import type { Finding } from '../rules/types';
import type { ResolvedSettings, SeverityOverride, WorkspaceFacts } from '../config/settings';
import type { SettingsLayer } from '../config/resolve';
import type { NotebookState, Notebooks } from './notebooks';
import type { Program } from '../project/loader';

/** The `trainguard` section of the client's settings, as far as the server reads it. */
export interface ClientSettings {
  enable?: boolean;
  select?: string[];
  ignore?: string[];
  severity?: Record<string, SeverityOverride>;
  budgetMinutes?: number | null;
  gpu?: string | null;
  /** Read the project modules a file imports (issue 18). */
  followImports?: boolean;
  debounceMs?: number;
  showSuppressionActions?: boolean;
  maxFileSize?: number;
  maxLineLength?: number;
  timeBudgetMs?: number;
  [key: string]: unknown;
}

export interface DocState {
  uri: string;
  doc: PythonDocument;
  languageId: string;
  /** Findings of `analyzedVersion`. */
  findings: Finding[];
  analyzedVersion: number;
  /** Settings the findings were computed with. */
  settings?: ResolvedSettings;
  timer?: NodeJS.Timeout;
  /** When the last re-check was scheduled (Date.now()): a change closer to it than the debounce is part of a burst. */
  lastScheduled?: number;
  /** For a notebook (keyed by the notebook's URI): its cells; `doc` is then the cells' program. */
  notebook?: NotebookState;
  /** The latest check started (server.ts), until it has published or been abandoned. */
  running?: CheckInFlight;
  /**
   * Bumped when something the findings depend on outside the text changed (a project module it
   * imports was edited, created or deleted): a check started before is stale, and a new one is due.
   */
  inputs?: number;
  /**
   * The model last analysed and the program it was analysed with: a model keeps answers computed with
   * its program, so a later check of the same version with another program builds a new model.
   */
  analysedWith?: { model: PythonModel; program: Program | undefined };
  /**
   * The rules a check of this document skipped for the time budget, skipped by its later checks too
   * (server.ts): the budget is wall-clock time, so without this the set would change from one
   * keystroke to the next on a loaded machine and findings would come and go. Forgotten when the
   * budget setting changes or the text shrinks below half the length it had then.
   */
  overBudget?: { rules: ReadonlySet<string>; budgetMs: number; length: number };
}

/** A check of one document version in flight. */
export interface CheckInFlight {
  version: number;
  /** Settings generation it started under: a re-check of every document makes it stale. */
  generation: number;
  /** The document's `inputs` it started with: an imported module changed since makes it stale. */
  inputs: number;
  /** Settles once the check has published, or been abandoned (a newer version, the document closed). */
  done: Promise<void>;
}

/** What a code-action source is given for one `textDocument/codeAction` request. */
export interface CodeActionRequest {
  uri: string;
  params: CodeActionParams;
  /** The document's state, analysed at `version` (its current version): findings and text agree. */
  state: DocState;
  version: number;
  /** The request's diagnostics of ours, each with the finding it shows. */
  matched: { diagnostic: Diagnostic; finding: Finding }[];
  clientSettings: ClientSettings;
  /** Does the request's `only` filter let actions of `kind` through? */
  wants(kind: string): boolean;
  /**
   * The client asks for an action's edit only when the user picks it (`codeAction/resolve` with
   * `edit` among its resolvable properties), so an expensive edit can be left out of the list.
   */
  resolvesEdits: boolean;
  /**
   * A workspace edit of this document only, at `version` (the client refuses it once the document has
   * changed), or null when an edit lies outside the text: such an action must not be offered.
   */
  edit(edits: readonly TextEdit[]): WorkspaceEdit | null;
}

/** Contributes code actions; several sources share the one `textDocument/codeAction` handler. */
export interface CodeActionSource {
  name: string;
  /** Kinds this source returns (advertised in the server's capabilities). */
  kinds: readonly string[];
  provide(req: CodeActionRequest): CodeAction[] | Promise<CodeAction[]>;
  /**
   * `codeAction/resolve` for an action this source returned without its edit (its `data` says which):
   * the action with the edit, or null when the action is not this source's.
   */
  resolve?(action: CodeAction): Promise<CodeAction | null>;
}

/** A `workspace/executeCommand` handler. */
export type CommandHandler = (args: readonly unknown[]) => unknown | Promise<unknown>;

/** What the program loader is given for one check (server.ts, between the model and the rules). */
export interface ProgramRequest {
  uri: string;
  state: DocState;
  model: PythonModel;
  settings: ResolvedSettings;
  /** The check's own staleness test: a load may stop early when it says true. */
  isStale(): boolean;
  /** The check's pause (lets waiting messages in). */
  pause(): Promise<void>;
}

/** Loads the project modules a checked document imports (`undefined`: none, or not followed). Must not throw. */
export type ProgramLoader = (req: ProgramRequest) => Promise<Program | undefined>;

/** An open Python text document was opened, edited or closed (`state` is undefined once closed). */
export type DocumentEvent = { kind: 'open' | 'change' | 'close'; uri: string; state?: DocState };

export interface ServerContext {
  readonly connection: Connection;
  readonly documents: Map<string, DocState>;
  /** The client's `trainguard` settings for a document. */
  clientSettings(uri: string): Promise<ClientSettings>;
  /** Client settings merged with every settings layer (pyproject.toml...) for a document. */
  settingsFor(uri: string): Promise<ResolvedSettings>;
  /** Adds a settings layer applied between the defaults and the client's settings (e.g. pyproject.toml). */
  addSettingsLayer(layer: (uri: string) => SettingsLayer | null): void;
  /** Adds a provider of workspace facts (sample_submission header, requirement pins) for a document. */
  addWorkspaceFacts(provider: (uri: string) => WorkspaceFacts): void;
  /** Workspace facts (sample_submission header, pins...) for a document, from every provider. */
  workspaceFacts(uri: string): WorkspaceFacts;
  /** Adds a code-action source (quick fixes, fix-all, suppressions...). Call from `register`. */
  addCodeActionSource(source: CodeActionSource): void;
  /** Adds a `workspace/executeCommand` command (advertised in the capabilities). Call from `register`. */
  addCommand(name: string, handler: CommandHandler): void;
  /** Open notebooks: cell URIs to their notebook, code-action and position mapping. */
  readonly notebooks: Notebooks;
  /** Analyses the document now if its findings are stale, and returns its state. */
  ensureAnalyzed(uri: string): Promise<DocState | undefined>;
  /**
   * The model of the document's current version (parsed and built if needed), for a request that
   * reads it (hover, suppression actions, the budget panel): the document then counts as recently
   * used, so only the few most recent keep a model (recentModels.ts), whoever asked for it.
   */
  modelOf(state: DocState): PythonModel;
  /** Re-checks one document after the debounce. */
  schedule(uri: string): void;
  /** Re-checks every open document (settings or workspace files changed). */
  recheckAll(): void;
  /** The client's initialize request (undefined until it arrives). */
  initializeParams(): InitializeParams | undefined;
  /** Runs `handler` once the client has sent `initialized` (dynamic registrations go there). */
  onInitialized(handler: () => void | Promise<void>): void;
  /** Every feature that watches files gets each `workspace/didChangeWatchedFiles` batch. */
  onWatchedFilesChanged(handler: (changes: readonly FileEvent[]) => void): void;
  /**
   * Asks for file watchers on `globs` (call from `register`): the server registers every feature's
   * globs in one registration once the client has sent `initialized`, when the client supports it.
   */
  watchFiles(globs: readonly string[]): void;
  /** Are the watchers registered (file events will come)? False until then, and for clients without them. */
  watchingFiles(): boolean;
  /** Sets the loader of the project modules each check passes to the analysis (one loader). */
  setProgramLoader(loader: ProgramLoader): void;
  /** Called after each Python text document is opened, edited or closed (not notebooks). */
  onDocumentEvent(handler: (e: DocumentEvent) => void): void;
  /** Called after diagnostics were published for a document. */
  onPublished(handler: (uri: string) => void): void;
  /** Is a check running or waiting for its debounce? (Background work waits meanwhile.) */
  busy(): boolean;
  /**
   * Something the document's findings depend on outside its text changed (an imported module): a
   * check of it in flight is abandoned and a new one scheduled.
   */
  inputsChanged(uri: string): void;
  /** The time a burst of changes is coalesced for (`trainguard.debounceMs`, default 30 ms). */
  debounceMs(): number;
  log(message: string): void;
  error(message: string): void;
}

export interface ServerFeature {
  name: string;
  capabilities?(params: InitializeParams): ServerCapabilities;
  register(ctx: ServerContext): void;
}
