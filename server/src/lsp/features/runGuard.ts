/**
 * The run guard's server side: one request that reads, from the model the server keeps, what the
 * extension needs before running a script (training script or not and where, class count, epochs,
 * folds, submission paths) and the budget after every settings layer. The extension runs the script
 * itself (client/src/features/runGuard.ts): nothing here starts a process.
 */
import { ResponseError, ErrorCodes } from 'vscode-languageserver/node';
import { parseDirectives } from '../../analysis/directives';
import { settingsForFile } from '../../analysis/analyze';
import { limitExceeded, limitsFrom } from '../../analysis/limits';
import { scriptRunInfo } from '../../runguard/scriptInfo';
import { RUN_GUARD_INFO_REQUEST, type RunGuardInfoParams, type RunGuardInfoResult } from '../../runguard/requests';
import type { ServerFeature } from '../context';
import { isText, withModel } from './estimator';

export const runGuard: ServerFeature = {
  name: 'run guard',
  register(ctx) {
    ctx.connection.onRequest(RUN_GUARD_INFO_REQUEST, async (params: RunGuardInfoParams): Promise<RunGuardInfoResult> => {
      if (!isText(params)) throw new ResponseError(ErrorCodes.InvalidParams, 'expected { uri, text, version }');
      const cs = await ctx.clientSettings(params.uri);
      const settings = await ctx.settingsFor(params.uri);
      if (cs.enable === false || limitExceeded(params.text, limitsFrom(cs))) {
        return { uri: params.uri, version: params.version, info: null, budgetMinutes: settings.budgetMinutes };
      }
      return withModel(ctx, params.uri, params.text, params.version, (m) => ({
        uri: params.uri,
        version: params.version,
        info: scriptRunInfo(m),
        budgetMinutes: settingsForFile(settings, parseDirectives(m.comments)).budgetMinutes,
      }));
    });
  },
};
