// Mocha reporter: the usual spec output, plus the counts written to
// $TRAINGUARD_RESULTS_DIR/<$TRAINGUARD_RESULTS_NAME or "mocha">.json so .ci/run can sum every runner.
'use strict';
const fs = require('fs');
const path = require('path');
const Mocha = require('mocha');

const { EVENT_RUN_END } = Mocha.Runner.constants;

class CountingReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const dir = process.env.TRAINGUARD_RESULTS_DIR;
      if (!dir) return;
      const s = runner.stats || {};
      const name = process.env.TRAINGUARD_RESULTS_NAME || 'mocha';
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ passed: s.passes || 0, failed: s.failures || 0, pending: s.pending || 0 }));
    });
  }
}

module.exports = CountingReporter;
