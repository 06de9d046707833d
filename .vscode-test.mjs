// @vscode/test-cli configuration: the same in-host e2e suite as the offline runner
// (test/e2e/suite/*.test.ts, compiled into out/test/e2e/suite/), run in a desktop VS Code that
// @vscode/test-electron downloads into .vscode-test/. Run it with `TRAINGUARD_E2E=electron npm run test:e2e`
// (test/e2e/run.js builds, compiles, supplies a display through xvfb-run when needed and checks the
// counts) on a machine that can download VS Code; TRAINGUARD_VSCODE_PATH=/path/to/code uses an
// installed VS Code instead of downloading one.
import { defineConfig } from '@vscode/test-cli';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const home = path.resolve(process.env.TRAINGUARD_E2E_HOME || path.join(root, '.vscode-e2e'));

// A scratch workspace with a copy of examples/: the tests never open the repository's own files.
const workspace = path.join(home, 'run', 'ws-electron');
fs.rmSync(workspace, { recursive: true, force: true });
fs.mkdirSync(workspace, { recursive: true });
fs.cpSync(path.join(root, 'examples'), path.join(workspace, 'examples'), { recursive: true });

// One compiled file per test/e2e/suite/*.test.ts (a stale compiled file whose source is gone is not run).
const files = fs
  .readdirSync(path.join(root, 'test', 'e2e', 'suite'))
  .filter((f) => f.endsWith('.test.ts'))
  .sort()
  .map((f) => path.join(root, 'out', 'test', 'e2e', 'suite', f.replace(/\.ts$/, '.js')));

export default defineConfig({
  label: 'e2e-host',
  files,
  // the oldest VS Code that package.json's engines.vscode accepts, pinned
  version: '1.91.0',
  ...(process.env.TRAINGUARD_VSCODE_PATH ? { useInstallation: { fromPath: process.env.TRAINGUARD_VSCODE_PATH } } : {}),
  extensionDevelopmentPath: root,
  workspaceFolder: workspace,
  launchArgs: ['--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  env: {
    TRAINGUARD_RESULTS_DIR: process.env.TRAINGUARD_RESULTS_DIR || path.join(home, 'test-results', 'counts'),
    TRAINGUARD_RESULTS_NAME: 'e2e-host',
  },
  mocha: {
    ui: 'bdd',
    color: false,
    timeout: 150000,
    forbidOnly: true,
    forbidPending: true,
    reporter: path.join(root, 'test', 'support', 'counting-reporter.js'),
  },
});
