#!/usr/bin/env node
// The `trainguard` command: runs the bundled CLI (built by `npm run build`).
require('../dist/cli.js').main();
