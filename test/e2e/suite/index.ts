/**
 * Entry point of the in-host e2e suite: VS Code's extension host loads this module (the runner passes
 * it as extensionTestsPath) and awaits run(). It runs every test/e2e/suite/*.test.ts, compiled into
 * out/test/e2e/suite/, with mocha's BDD interface and the counting reporter, which writes the counts
 * to $TRAINGUARD_RESULTS_DIR/$TRAINGUARD_RESULTS_NAME.json. Adding a test = adding a *.test.ts here.
 * (`@vscode/test-cli` loads the same files with its own entry; see .vscode-test.mjs.)
 */
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';
import { REPO } from './helpers';

/** The compiled test files, one per test/e2e/suite/*.test.ts source (a stale compiled file whose source was deleted is not run). */
export function suiteFiles(): string[] {
  const src = path.join(REPO, 'test', 'e2e', 'suite');
  const files = fs
    .readdirSync(src)
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => path.join(__dirname, f.replace(/\.ts$/, '.js')));
  if (!files.length) throw new Error(`no *.test.ts in ${src}`);
  const missing = files.filter((f) => !fs.existsSync(f));
  if (missing.length) throw new Error(`not compiled (run npm run compile-tests): ${missing.join(', ')}`);
  return files;
}

export async function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: 150000, // per test; the waits inside are bounded at 60 s each
    forbidOnly: true,
    forbidPending: true, // a skipped test fails the run: nothing passes by not running
    reporter: path.join(REPO, 'test', 'support', 'counting-reporter.js'),
  });
  for (const f of suiteFiles()) mocha.addFile(f);
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} in-host e2e test(s) failed`);
}
