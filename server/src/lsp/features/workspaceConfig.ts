/**
 * The project's files in the editor: `[tool.trainguard]` of the nearest pyproject.toml as a settings
 * layer (below the client's settings), the nearest sample_submission.csv header and requirement pins
 * as workspace facts, re-checks of every open file when one of those files changes, and
 * `trainguard/resolvedConfig` (what applies to a file, for the "Show Resolved Configuration" command).
 *
 * Problems in a pyproject.toml are published as diagnostics on that file (not as pop-ups): they
 * point at the line, stay visible in the Problems panel while the file is wrong, disappear when it is
 * fixed, and never interrupt typing. Pop-ups are kept for the client's own settings (server.ts),
 * which have no file to point at.
 *
 * File changes arrive as `workspace/didChangeWatchedFiles`: registered dynamically with glob
 * watchers when the client supports it (VS Code does), in which case reads are cached until an event
 * invalidates them. Without it (a client that may still send file events of its own), every read
 * re-validates the file by size and mtime, so edits are picked up at the next analysis.
 */
import { fileURLToPath, pathToFileURL } from 'url';
import * as path from 'path';
import { DiagnosticSeverity, FileChangeType, type Diagnostic } from 'vscode-languageserver/node';
import { FileCache, projectRootOf } from '../../config/files';
import { CONFIG_FILE, findConfig, readPyproject, type ConfigProblem } from '../../config/pyproject';
import { SAMPLE_SUBMISSION, workspaceFactsFor } from '../../config/workspaceFacts';
import { KNOWN_CODES } from '../../rules/index';
import { SOURCE } from '../diagnostics';
import type { ServerContext, ServerFeature } from '../context';
import { rootFor } from '../../project/resolve';

/** Files whose changes alter settings or workspace facts. */
export const WATCHED_GLOBS = [`**/${CONFIG_FILE}`, `**/${SAMPLE_SUBMISSION}`, '**/requirements*.txt'];

export const RESOLVED_CONFIG_REQUEST = 'trainguard/resolvedConfig';

export function uriToPath(uri: string): string | null {
  if (!uri.startsWith('file:')) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}

/** Paths of the workspace folders the client announced (the root URI for old clients). */
export function workspaceRoots(ctx: ServerContext): string[] {
  const p = ctx.initializeParams();
  const uris = p?.workspaceFolders?.map((f) => f.uri) ?? (p?.rootUri ? [p.rootUri] : []);
  return uris.map(uriToPath).filter((x): x is string => !!x);
}

export const workspaceConfig: ServerFeature = {
  name: 'workspace config',
  register(ctx) {
    let cache = new FileCache(false);
    /** What was last published for each config file (to publish only changes). */
    const published = new Map<string, string>();

    const publishProblems = (file: string, problems: readonly ConfigProblem[]) => {
      const key = JSON.stringify(problems);
      if ((published.get(file) ?? '[]') === key) return;
      published.set(file, key);
      const diagnostics: Diagnostic[] = problems.map((p) => ({
        range: { start: { line: p.line ?? 0, character: p.line === null ? 0 : p.character }, end: { line: p.line ?? 0, character: p.line === null ? 0 : Number.MAX_SAFE_INTEGER } },
        severity: DiagnosticSeverity.Warning,
        source: SOURCE,
        code: 'config',
        message: p.message,
      }));
      for (const p of problems) ctx.log(`${p.file}${p.line !== null ? `:${p.line + 1}` : ''}: ${p.message}`);
      ctx.connection.sendDiagnostics({ uri: pathToFileURL(file).href, diagnostics });
    };
    const publishAll = (problems: readonly ConfigProblem[]) => {
      const byFile = new Map<string, ConfigProblem[]>();
      for (const p of problems) byFile.set(p.file, [...(byFile.get(p.file) ?? []), p]);
      for (const [file, list] of byFile) publishProblems(file, list);
    };

    /** The file's workspace folder; outside every folder, its repository (as in the CLI). */
    const rootOf = (file: string) => rootFor(file, workspaceRoots(ctx)) ?? projectRootOf(cache, file);
    const configOf = (uri: string) => {
      const file = uriToPath(uri);
      if (!file) return null;
      const cfg = findConfig(cache, file, rootOf(file), KNOWN_CODES);
      if (cfg) publishProblems(cfg.path, cfg.problems);
      return cfg;
    };
    const factsOf = (uri: string) => {
      const file = uriToPath(uri);
      if (!file) return null;
      const r = workspaceFactsFor(cache, file, rootOf(file), KNOWN_CODES);
      publishAll(r.problems);
      return r.facts;
    };

    ctx.addSettingsLayer((uri) => configOf(uri)?.layer ?? null);
    ctx.addWorkspaceFacts((uri) => factsOf(uri) ?? {});

    // registered by the server with the other features' globs, once the client is initialized
    ctx.watchFiles(WATCHED_GLOBS);
    ctx.onInitialized(() => {
      if (!ctx.watchingFiles()) {
        ctx.log('the client cannot register file watchers: workspace files are re-validated at each analysis');
        return;
      }
      // from now on file events tell us about changes: reads can be kept until then
      cache = new FileCache(true);
    });

    ctx.onWatchedFilesChanged((changes) => {
      let relevant = false;
      for (const ch of changes) {
        const file = uriToPath(ch.uri);
        if (!file) continue;
        const base = path.basename(file);
        if (base !== CONFIG_FILE && base !== SAMPLE_SUBMISSION && !/^requirements.*\.txt$/i.test(base)) continue;
        relevant = true;
        cache.invalidate(file);
        if (base === CONFIG_FILE && published.has(file)) {
          // re-read now so a fixed (or deleted) file loses its diagnostics even if no open file uses it any more
          const cfg = ch.type === FileChangeType.Deleted ? null : readPyproject(cache, file, KNOWN_CODES);
          publishProblems(file, cfg?.problems ?? []);
        }
      }
      if (relevant) ctx.recheckAll();
    });

    ctx.connection.onRequest(RESOLVED_CONFIG_REQUEST, async (params: { uri: string }) => {
      const uri = params?.uri;
      if (typeof uri !== 'string') return null;
      const file = uriToPath(uri);
      const cfg = configOf(uri);
      return {
        file,
        workspaceRoot: file ? rootOf(file) : null,
        configFile: cfg?.path ?? null,
        configProblems: cfg?.problems ?? [],
        settings: await ctx.settingsFor(uri),
        workspace: factsOf(uri) ?? {},
      };
    });
  },
};
