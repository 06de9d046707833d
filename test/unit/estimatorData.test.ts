/**
 * The estimator's committed data file matches the measured tables it was converted from (when the
 * tables are beside the repository, as in CI: ../shared/data), and cites its sources.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { ROOT } from './helpers';
import data from '../../server/src/estimator/data/throughput.json';

describe('estimator data', () => {
  it('cites the timm commit and Lambda\'s benchmark with their licences', () => {
    assert.strictEqual(data.sources.timm.commit, 'aa4b5850c1543fa488abf260f18390eda46cf85d');
    assert.strictEqual(data.sources.timm.license, 'Apache-2.0');
    assert.strictEqual(data.sources.lambda.repository, 'lambdal/deeplearning-benchmark');
    assert.strictEqual(data.sources.lambda.license, 'MIT');
    assert.ok(Object.keys(data.train).length > 800);
  });

  it('is what scripts/convert-throughput-data.mjs makes of the measured tables (test/data/throughput)', function () {
    const dir = path.join(ROOT, 'test', 'data', 'throughput');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'convert-throughput-data.mjs'), '--check', '--data', dir], { encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr + r.stdout);
  });
});
