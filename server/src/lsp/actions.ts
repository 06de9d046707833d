/**
 * The one `textDocument/codeAction` handler and the one `workspace/executeCommand` handler, shared by
 * the feature modules through `ctx.addCodeActionSource` / `ctx.addCommand`.
 *
 * Every edit is a versioned TextDocumentEdit of the requested document only, computed from findings
 * and text of that exact version: the client refuses it once the document has moved on, so a fix
 * computed for an older version is never applied to a newer one.
 */
import {
  ErrorCodes,
  ResponseError,
  type CodeAction,
  type CodeActionParams,
  type Diagnostic,
  type ExecuteCommandParams,
  type InitializeParams,
  type TextDocumentEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import { fixSpans } from '../fixes/apply';
import type { Range, TextEdit } from '../analysis/source';
import type { Finding } from '../rules/types';
import { SOURCE } from './diagnostics';
import type { CodeActionRequest, CodeActionSource, CommandHandler, DocState, ServerContext } from './context';

export function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

/** Does a request's `only` let `kind` through? (`source.fixAll` lets `source.fixAll.trainguard` through.) */
export function kindWanted(only: readonly string[] | undefined, kind: string): boolean {
  return !only || only.some((k) => kind === k || kind.startsWith(`${k}.`));
}

/** The state of `uri` analysed at its current version, or undefined (not open, or it kept changing). */
export async function freshState(ctx: ServerContext, uri: string): Promise<DocState | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const state = await ctx.ensureAnalyzed(uri);
    if (!state) return undefined;
    if (state.analyzedVersion === state.doc.version) return state;
  }
  return undefined;
}

/** A versioned edit of one document, or null when an edit lies outside its text. */
export function versionedEdit(ctx: ServerContext, state: DocState, edits: readonly TextEdit[]): WorkspaceEdit | null {
  if (!edits.length || !fixSpans(state.doc.source, edits)) return null;
  const caps = ctx.initializeParams()?.capabilities.workspace?.workspaceEdit;
  // every client we know supports documentChanges; one that does not gets plain changes
  if (caps && caps.documentChanges === false) return { changes: { [state.uri]: [...edits] } };
  const change: TextDocumentEdit = { textDocument: { uri: state.uri, version: state.doc.version }, edits: [...edits] };
  return { documentChanges: [change] };
}

/** Our diagnostics in the request, each paired with the current finding it shows. */
export function matchDiagnostics(diagnostics: readonly Diagnostic[], findings: readonly Finding[]): { diagnostic: Diagnostic; finding: Finding }[] {
  const out: { diagnostic: Diagnostic; finding: Finding }[] = [];
  for (const d of diagnostics) {
    if (d.source !== SOURCE) continue;
    const finding = findings.find((f) => f.code === d.code && sameRange(f.range, d.range));
    if (finding) out.push({ diagnostic: d, finding });
  }
  return out;
}

/** Does the client resolve a code action's `edit` lazily (`codeAction/resolve`, LSP 3.16)? */
export function clientResolvesEdits(params: InitializeParams | undefined): boolean {
  return !!params?.capabilities.textDocument?.codeAction?.resolveSupport?.properties.includes('edit');
}

/** The `data` of an action offered without its edit: what to compute when the client resolves it. */
export interface DeferredEdit {
  trainguard: 'fixAll' | 'cellFixAll';
  /** The document (for a cell: the cell) and the version the action was offered for. */
  uri: string;
  version: number;
}

/**
 * How a fix-all action (a file's or a notebook cell's) answers a request that wants its kind. Asked
 * for by kind (on save, "Fix all"), it is computed. Asked without a kind filter (the lightbulb, on
 * every move of the cursor) it is offered only when a safe fix exists, and its edit (every round of
 * fixes, each a full analysis: seconds on a 10k-line file) is computed only when the user picks it,
 * if the client resolves edits ('defer').
 */
export function fixAllAnswer(only: readonly string[] | undefined, findings: readonly Finding[], resolvesEdits: boolean): 'none' | 'defer' | 'compute' {
  if (only?.length) return 'compute';
  if (!findings.some((f) => f.fix?.applicability === 'safe')) return 'none';
  return resolvesEdits ? 'defer' : 'compute';
}

export function deferredEdit(action: CodeAction, kind: DeferredEdit['trainguard']): DeferredEdit | null {
  const d = action.data as Partial<DeferredEdit> | undefined;
  return d && d.trainguard === kind && typeof d.uri === 'string' && typeof d.version === 'number' ? (d as DeferredEdit) : null;
}

/**
 * `codeAction/resolve`: the first source that knows the action fills in its edit. An action whose
 * document has moved on comes back without an edit (nothing is applied; the next request offers a
 * fresh one), as does an unknown one.
 */
export async function handleCodeActionResolve(ctx: ServerContext, sources: readonly CodeActionSource[], action: CodeAction): Promise<CodeAction> {
  for (const source of sources) {
    if (!source.resolve) continue;
    try {
      const resolved = await source.resolve(action);
      if (resolved) return resolved;
    } catch (e) {
      ctx.error(`code action resolve (${source.name}) failed: ${(e as Error)?.stack ?? e}`);
      return action;
    }
  }
  return action;
}

export function codeActionKinds(sources: readonly CodeActionSource[]): string[] {
  return [...new Set(sources.flatMap((s) => s.kinds))];
}

export async function handleCodeAction(ctx: ServerContext, sources: readonly CodeActionSource[], params: CodeActionParams): Promise<CodeAction[]> {
  const uri = params.textDocument.uri;
  const state = await freshState(ctx, uri);
  if (!state) return [];
  const only = params.context.only;
  const req: CodeActionRequest = {
    uri,
    params,
    state,
    version: state.doc.version,
    matched: matchDiagnostics(params.context.diagnostics, state.findings),
    clientSettings: await ctx.clientSettings(uri),
    wants: (kind) => kindWanted(only, kind),
    resolvesEdits: clientResolvesEdits(ctx.initializeParams()),
    edit: (edits) => versionedEdit(ctx, state, edits),
  };
  const actions: CodeAction[] = [];
  for (const source of sources) {
    if (!source.kinds.some((k) => kindWanted(only, k))) continue;
    try {
      actions.push(...(await source.provide(req)));
    } catch (e) {
      ctx.error(`code actions (${source.name}) failed: ${(e as Error)?.stack ?? e}`);
    }
    // the document changed while a source was computing: what we have is for an older version
    if (state.doc.version !== req.version || ctx.documents.get(uri) !== state) return [];
  }
  return actions;
}

export async function handleExecuteCommand(ctx: ServerContext, commands: ReadonlyMap<string, CommandHandler>, params: ExecuteCommandParams): Promise<unknown> {
  const handler = commands.get(params.command);
  if (!handler) throw new ResponseError(ErrorCodes.InvalidParams, `Train Guard has no command ${params.command}`);
  try {
    return await handler(params.arguments ?? []);
  } catch (e) {
    if (e instanceof ResponseError) throw e;
    ctx.error(`command ${params.command} failed: ${(e as Error)?.stack ?? e}`);
    throw new ResponseError(ErrorCodes.InternalError, `Train Guard: ${params.command} failed: ${(e as Error)?.message ?? e}`);
  }
}
