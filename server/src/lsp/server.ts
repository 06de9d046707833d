/**
 * The Train Guard language server: documents kept parsed incrementally, diagnostics pushed after a
 * short debounce, quick fixes and fix-all as code actions. The analyser core does the work; this file
 * only adapts it to the protocol. A failure in one rule or one request never takes the server down.
 */
import {
  createConnection,
  ProposedFeatures,
  TextDocumentSyncKind,
  CodeActionKind,
  DiagnosticSeverity,
  type Connection,
  type Diagnostic,
  type CodeAction,
  type InitializeParams,
  type InitializeResult,
  type TextDocumentEdit,
  ResponseError,
  ErrorCodes,
} from 'vscode-languageserver/node';
import { initParser } from '../analysis/parser';
import { PythonDocument } from '../analysis/document';
import { analyzeModel } from '../analysis/analyze';
import { fixAll } from '../fixes/apply';
import { SourceText, type Range } from '../analysis/source';
import { docsUrl, type Finding, type Severity } from '../rules/types';
import { mergeSettings } from '../config/resolve';
import type { ResolvedSettings, SeverityOverride } from '../config/settings';
import { ALL_RULES } from '../rules/index';

export const SOURCE = 'trainguard';
export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.trainguard`;

/** The `trainguard` section of the client's settings, as far as the server reads it. */
export interface ClientSettings {
  enable?: boolean;
  select?: string[];
  ignore?: string[];
  severity?: Record<string, SeverityOverride>;
  budgetMinutes?: number | null;
  gpu?: string | null;
  debounceMs?: number;
}

interface DocState {
  doc: PythonDocument;
  languageId: string;
  /** Findings of `analyzedVersion`, for code actions. */
  findings: Finding[];
  analyzedVersion: number;
  timer?: NodeJS.Timeout;
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};

export function toDiagnostic(f: Finding, uri: string): Diagnostic {
  return {
    range: f.range,
    severity: SEVERITY[f.severity],
    code: f.code,
    codeDescription: { href: docsUrl(f.code) },
    source: SOURCE,
    message: f.message,
    relatedInformation: f.related?.map((r) => ({ location: { uri, range: r.range }, message: r.message })),
    data: { fixable: !!f.fix },
  };
}

function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

/** The smallest single edit turning `before` into `after` (common prefix and suffix kept). */
export function minimalEdit(before: string, after: string): { range: Range; newText: string } {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before.charCodeAt(endB - 1) === after.charCodeAt(endA - 1)) {
    endB--;
    endA--;
  }
  const src = new SourceText(before);
  return { range: { start: src.positionAt(start), end: src.positionAt(endB) }, newText: after.slice(start, endA) };
}

export function startServer(mode: 'stdio' | 'auto' = 'auto'): Connection {
  const connection = mode === 'stdio' ? createConnection(ProposedFeatures.all, process.stdin, process.stdout) : createConnection(ProposedFeatures.all);
  const docs = new Map<string, DocState>();
  const failedRules = new Set<string>();
  let hasConfiguration = false;
  let globalSettings: ClientSettings = {};
  const settingsCache = new Map<string, Promise<ClientSettings>>();

  const log = (msg: string) => connection.console.log(`[trainguard] ${msg}`);

  connection.onInitialize(async (params: InitializeParams): Promise<InitializeResult> => {
    hasConfiguration = !!params.capabilities.workspace?.configuration;
    const init = (params.initializationOptions ?? {}) as { settings?: ClientSettings };
    if (init.settings) globalSettings = init.settings;
    await initParser();
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND], resolveProvider: false },
      },
      serverInfo: { name: 'trainguard', version: '0.1.0' },
    };
  });

  connection.onInitialized(() => {
    log(`ready: ${ALL_RULES.length} rules`);
  });

  async function settingsFor(uri: string): Promise<ClientSettings> {
    if (!hasConfiguration) return globalSettings;
    let s = settingsCache.get(uri);
    if (!s) {
      s = connection.workspace
        .getConfiguration({ scopeUri: uri, section: 'trainguard' })
        .then((v: ClientSettings | null) => v ?? {})
        .catch(() => globalSettings);
      settingsCache.set(uri, s);
    }
    return s;
  }

  function resolve(cs: ClientSettings): ResolvedSettings {
    return mergeSettings({ select: cs.select, ignore: cs.ignore, severity: cs.severity, budgetMinutes: cs.budgetMinutes ?? null, gpu: cs.gpu ?? null });
  }

  async function analyzeAndPublish(uri: string): Promise<void> {
    const state = docs.get(uri);
    if (!state) return;
    const version = state.doc.version;
    const cs = await settingsFor(uri);
    // a newer edit arrived while settings were fetched: that edit schedules its own run
    if (docs.get(uri) !== state || state.doc.version !== version) return;
    if (cs.enable === false) {
      state.findings = [];
      state.analyzedVersion = version;
      connection.sendDiagnostics({ uri, version, diagnostics: [] });
      return;
    }
    let findings: Finding[] = [];
    try {
      findings = analyzeModel(state.doc.model(), {
        settings: resolve(cs),
        onRuleError: (code, e) => {
          if (failedRules.has(code)) return;
          failedRules.add(code);
          connection.console.error(`[trainguard] rule ${code} failed (reported once, other rules still run): ${(e as Error)?.stack ?? e}`);
        },
      }).findings;
    } catch (e) {
      connection.console.error(`[trainguard] analysis of ${uri} failed: ${(e as Error)?.stack ?? e}`);
    }
    state.findings = findings;
    state.analyzedVersion = version;
    connection.sendDiagnostics({ uri, version, diagnostics: findings.map((f) => toDiagnostic(f, uri)) });
  }

  function schedule(uri: string): void {
    const state = docs.get(uri);
    if (!state) return;
    if (state.timer) clearTimeout(state.timer);
    const delay = Math.max(0, globalSettings.debounceMs ?? 30);
    state.timer = setTimeout(() => {
      state.timer = undefined;
      analyzeAndPublish(uri).catch((e) => connection.console.error(`[trainguard] ${(e as Error)?.stack ?? e}`));
    }, delay);
  }

  connection.onDidOpenTextDocument(({ textDocument }) => {
    if (textDocument.languageId !== 'python') return;
    try {
      docs.get(textDocument.uri)?.doc.dispose();
      docs.set(textDocument.uri, { doc: new PythonDocument(textDocument.text, textDocument.version), languageId: textDocument.languageId, findings: [], analyzedVersion: -1 });
      schedule(textDocument.uri);
    } catch (e) {
      connection.console.error(`[trainguard] cannot open ${textDocument.uri}: ${(e as Error)?.message ?? e}`);
    }
  });

  connection.onDidChangeTextDocument(({ textDocument, contentChanges }) => {
    const state = docs.get(textDocument.uri);
    if (!state) return;
    try {
      state.doc.update(contentChanges.map((c) => ('range' in c ? { range: c.range, text: c.text } : { text: c.text })), textDocument.version);
    } catch (e) {
      connection.console.error(`[trainguard] change to ${textDocument.uri} could not be applied incrementally, re-reading: ${(e as Error)?.message ?? e}`);
    }
    schedule(textDocument.uri);
  });

  connection.onDidCloseTextDocument(({ textDocument }) => {
    const state = docs.get(textDocument.uri);
    if (!state) return;
    if (state.timer) clearTimeout(state.timer);
    state.doc.dispose();
    docs.delete(textDocument.uri);
    settingsCache.delete(textDocument.uri);
    connection.sendDiagnostics({ uri: textDocument.uri, diagnostics: [] });
  });

  connection.onDidChangeConfiguration((change) => {
    const s = (change.settings as { trainguard?: ClientSettings } | null)?.trainguard;
    if (s) globalSettings = s;
    settingsCache.clear();
    for (const uri of docs.keys()) schedule(uri);
  });

  connection.onCodeAction(async (params) => {
    const state = docs.get(params.textDocument.uri);
    if (!state) return [];
    try {
      if (state.analyzedVersion !== state.doc.version) await analyzeAndPublish(params.textDocument.uri);
      const uri = params.textDocument.uri;
      const version = state.doc.version;
      const edit = (edits: { range: Range; newText: string }[]) => ({
        documentChanges: [{ textDocument: { uri, version }, edits } satisfies TextDocumentEdit],
      });
      const only = params.context.only;
      const wants = (kind: string) => !only || only.some((k) => kind === k || kind.startsWith(`${k}.`));
      const actions: CodeAction[] = [];
      if (wants(CodeActionKind.QuickFix)) {
        for (const d of params.context.diagnostics) {
          if (d.source !== SOURCE) continue;
          const f = state.findings.find((x) => x.code === d.code && sameRange(x.range, d.range));
          if (!f?.fix) continue;
          actions.push({
            title: `${f.fix.title} (${f.code})`,
            kind: CodeActionKind.QuickFix,
            diagnostics: [d],
            isPreferred: f.fix.applicability === 'safe',
            edit: edit(f.fix.edits),
          });
        }
      }
      if (wants(FIX_ALL_KIND) && (only?.length || state.findings.some((f) => f.fix?.applicability === 'safe'))) {
        const cs = await settingsFor(uri);
        const before = state.doc.text;
        const after = fixAll(before, { settings: resolve(cs) }).text;
        if (after !== before) actions.push({ title: 'Train Guard: fix all safe problems', kind: FIX_ALL_KIND, edit: edit([minimalEdit(before, after)]) });
      }
      return actions;
    } catch (e) {
      connection.console.error(`[trainguard] code actions failed: ${(e as Error)?.stack ?? e}`);
      throw new ResponseError(ErrorCodes.InternalError, `Train Guard could not compute code actions: ${(e as Error)?.message ?? e}`);
    }
  });

  connection.onShutdown(() => {
    for (const s of docs.values()) {
      if (s.timer) clearTimeout(s.timer);
      s.doc.dispose();
    }
    docs.clear();
  });

  connection.listen();
  return connection;
}
