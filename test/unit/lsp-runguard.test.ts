/**
 * The run guard's request to the language server (dist/server.js over stdio): what the extension
 * needs before running a script (training script, first loop line, class count, epochs, budget after
 * the settings and the file's comment), for the text the client sends.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { RUN_GUARD_INFO_REQUEST, type RunGuardInfoResult } from '../../server/src/runguard/requests';
import { FIXTURES } from './helpers';
import { LspSession } from './lsp.test';

describe('run guard through the language server', function () {
  this.timeout(30000);
  let s: LspSession;
  const uri = 'file:///ws/train.py';
  const text = fs.readFileSync(path.join(FIXTURES, 'rules', 'TG205', 'invalid-basic.py'), 'utf8');

  beforeEach(async () => {
    s = new LspSession();
    await s.initialize({ debounceMs: 0, budgetMinutes: 45 });
    await s.open(uri, text);
  });
  afterEach(async () => s.close());

  it('answers with the script facts and the budget (settings, then the file comment)', async () => {
    const r = (await s.conn.sendRequest(RUN_GUARD_INFO_REQUEST, { uri, text, version: 1 })) as RunGuardInfoResult;
    assert.deepStrictEqual([r.info?.trainingScript, r.info?.trainingLine, r.info?.classes, r.info?.epochs, r.budgetMinutes], [true, 40, 120, 8, 45]);
    const commented = `# trainguard: budget=20m\n${text}`;
    const r2 = (await s.conn.sendRequest(RUN_GUARD_INFO_REQUEST, { uri, text: commented, version: 2 })) as RunGuardInfoResult;
    assert.deepStrictEqual([r2.info?.trainingLine, r2.budgetMinutes], [41, 20]);
    const plain = (await s.conn.sendRequest(RUN_GUARD_INFO_REQUEST, { uri, text: 'print("hello")\n', version: 3 })) as RunGuardInfoResult;
    assert.deepStrictEqual([plain.info?.trainingScript, plain.info?.trainingLine], [false, null]);
    await assert.rejects(Promise.resolve(s.conn.sendRequest(RUN_GUARD_INFO_REQUEST, { uri })));
  });

  it('a file over the size limit is not analysed for it', async () => {
    const big = `${text}\n${'#'.repeat(20000)}\n`;
    const r = (await s.conn.sendRequest(RUN_GUARD_INFO_REQUEST, { uri, text: big, version: 4 })) as RunGuardInfoResult;
    assert.strictEqual(r.info, null);
    assert.strictEqual(r.budgetMinutes, 45);
  });
});
