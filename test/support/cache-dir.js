// Mocha setup (.mocharc.json `require`): the `trainguard` processes the tests start keep their
// start-up caches (server/src/cli/codeCache.ts) in a folder of this run, not in the user's
// ~/.cache/trainguard; it is removed when the run ends. A test that sets its own folder still can.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

if (!process.env.TRAINGUARD_CACHE_DIR) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-test-cache-'));
  process.env.TRAINGUARD_CACHE_DIR = dir;
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
}
