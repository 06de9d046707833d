/**
 * The budget panel's server side: what a script says (as the estimator's input, after every settings
 * layer and the file's `# trainguard: budget=... gpu=...` comment) and the edits that write a plan
 * back. The panel's webview runs the estimate itself with the same core, so typing in the form costs
 * no round trip; the script is read here because the parsed model lives here.
 */
import { ResponseError, ErrorCodes } from 'vscode-languageserver/node';
import { parsePython } from '../../analysis/parser';
import { PythonModel } from '../../analysis/model';
import { parseDirectives } from '../../analysis/directives';
import { settingsForFile } from '../../analysis/analyze';
import { inputFromScript } from '../../estimator/fromScript';
import { editsForPlan, plainFacts, scriptFacts } from '../../estimator/scriptFacts';
import {
  PLAN_EDITS_REQUEST,
  SCRIPT_INPUT_REQUEST,
  type PlanEditsParams,
  type PlanEditsResult,
  type ScriptInputParams,
  type ScriptInputResult,
} from '../../estimator/requests';
import type { ServerContext, ServerFeature } from '../context';

/** The model of the document at exactly the client's version: the server's own when it matches, else parsed from the text sent. */
export async function withModel<T>(ctx: ServerContext, uri: string, text: string, version: number, use: (m: PythonModel) => T): Promise<T> {
  const state = ctx.documents.get(uri);
  if (state && state.doc.version === version && state.doc.text === text) return use(ctx.modelOf(state));
  const tree = parsePython(text);
  try {
    return use(new PythonModel(tree, text));
  } finally {
    tree.delete();
  }
}

export function isText(p: unknown): p is { uri: string; text: string; version: number } {
  const o = p as Record<string, unknown> | null;
  return !!o && typeof o.uri === 'string' && typeof o.text === 'string' && typeof o.version === 'number';
}

export const estimator: ServerFeature = {
  name: 'estimator',
  register(ctx) {
    ctx.connection.onRequest(SCRIPT_INPUT_REQUEST, async (params: ScriptInputParams): Promise<ScriptInputResult> => {
      if (!isText(params)) throw new ResponseError(ErrorCodes.InvalidParams, 'expected { uri, text, version }');
      const settings = await ctx.settingsFor(params.uri);
      return withModel(ctx, params.uri, params.text, params.version, (m) => {
        const d = parseDirectives(m.comments);
        const s = settingsForFile(settings, d);
        const facts = scriptFacts(m);
        const { input, assumptions } = inputFromScript(facts, s);
        const from = (fileValue: unknown, value: unknown) => (fileValue !== null ? 'file comment' : value !== null ? 'settings' : null);
        return {
          uri: params.uri,
          version: params.version,
          input,
          assumptions,
          facts: plainFacts(facts),
          otherModels: facts.otherModels,
          minFolds: facts.minFolds,
          amp: facts.amp,
          multiGpu: facts.multiGpu,
          budgetMinutes: s.budgetMinutes,
          gpu: s.gpu,
          budgetFrom: from(d.budgetMinutes, s.budgetMinutes),
          gpuFrom: from(d.gpu, s.gpu),
        };
      });
    });

    ctx.connection.onRequest(PLAN_EDITS_REQUEST, async (params: PlanEditsParams): Promise<PlanEditsResult> => {
      if (!isText(params) || typeof params.change !== 'object' || params.change === null) throw new ResponseError(ErrorCodes.InvalidParams, 'expected { uri, text, version, change }');
      const change: PlanEditsParams['change'] = {};
      const c = params.change as Record<string, unknown>;
      if (typeof c.model === 'string' && c.model) change.model = c.model;
      if (typeof c.folds === 'number') change.folds = c.folds;
      if (typeof c.epochs === 'number') change.epochs = c.epochs;
      return withModel(ctx, params.uri, params.text, params.version, (m) => ({ version: params.version, ...editsForPlan(scriptFacts(m), change) }));
    });
  },
};
