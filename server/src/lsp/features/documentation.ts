/**
 * "Show documentation for TGxxx": a code action per rule in the request. In VS Code it runs the
 * client's `trainguard.showDocumentation` (the rule's page shipped in the extension, in the markdown
 * preview, else the web page); the client says it has that command in its initializationOptions
 * (`clientCommands`). Other editors get the server command `trainguard.server.showDocumentation`,
 * which asks the client to open the web page (`window/showDocument`), when they support it.
 */
import { CodeActionKind, ErrorCodes, ResponseError, type CodeAction, type Command } from 'vscode-languageserver/node';
import { docsUrl } from '../../rules/types';
import type { ServerContext, ServerFeature } from '../context';

export const CLIENT_SHOW_DOCS_COMMAND = 'trainguard.showDocumentation';
export const SERVER_SHOW_DOCS_COMMAND = 'trainguard.server.showDocumentation';

/** What the client passes in `initializationOptions`. */
export interface InitializationOptions {
  /** Commands the client implements itself (so the server may put them in code actions). */
  clientCommands?: string[];
}

function docsCommand(ctx: ServerContext, code: string): Command | null {
  const params = ctx.initializeParams();
  const options = (params?.initializationOptions ?? {}) as InitializationOptions;
  const title = `Show documentation for ${code}`;
  if (options.clientCommands?.includes(CLIENT_SHOW_DOCS_COMMAND)) return { title, command: CLIENT_SHOW_DOCS_COMMAND, arguments: [code] };
  if (params?.capabilities.window?.showDocument?.support) return { title, command: SERVER_SHOW_DOCS_COMMAND, arguments: [code] };
  return null;
}

export const documentation: ServerFeature = {
  name: 'documentation actions',
  register(ctx) {
    ctx.addCodeActionSource({
      name: 'documentation',
      kinds: [CodeActionKind.QuickFix],
      provide(req) {
        if (!req.wants(CodeActionKind.QuickFix)) return [];
        const actions: CodeAction[] = [];
        const seen = new Set<string>();
        for (const { diagnostic, finding } of req.matched) {
          if (seen.has(finding.code)) continue;
          seen.add(finding.code);
          const command = docsCommand(ctx, finding.code);
          if (command) actions.push({ title: command.title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], command });
        }
        return actions;
      },
    });

    ctx.addCommand(SERVER_SHOW_DOCS_COMMAND, async (args) => {
      const code = args[0];
      if (typeof code !== 'string' || !/^TG\d{3,4}$/.test(code)) throw new ResponseError(ErrorCodes.InvalidParams, `${SERVER_SHOW_DOCS_COMMAND} needs a rule code`);
      const r = await ctx.connection.window.showDocument({ uri: docsUrl(code), external: true });
      return { shown: r.success };
    });
  },
};
