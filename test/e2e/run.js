#!/usr/bin/env node
// `npm run test:e2e`: Train Guard in the real VS Code workbench.
//
// Default (offline, this machine): code-server (the real VS Code workbench with a Node extension host)
// on Node 24, driven by Debian's chromium through playwright-core, everything pinned and cached in one
// git-ignored folder (.vscode-e2e/, or $TRAINGUARD_E2E_HOME). Phases:
//   host   the mocha suite test/e2e/suite/*.test.ts INSIDE the extension host (vscode API only),
//          with the repository as the extension under development        -> counts e2e-host.json
//   ui     test/e2e/ui/*.test.ts drive the workbench in chromium, with the PACKAGED .vsix installed
//          through `code-server --install-extension`                      -> counts e2e-ui.json
//   pages  test/e2e/pages/*.test.ts (browser page tests, no workbench), skipped when there are none
//                                                                         -> counts e2e-pages.json
// TRAINGUARD_E2E=electron instead runs the same in-host suite through @vscode/test-cli and
// @vscode/test-electron (.vscode-test.mjs), for machines that can download VS Code.
//
// Counts land in $TRAINGUARD_RESULTS_DIR (.ci/run sums them). Every process started here is stopped
// by PID with its descendants when the run ends, pass or fail; every wait has a limit and says what it
// waits for; a run that cannot start code-server or chromium fails with one line saying which and why.
'use strict';
const fs = require('fs');
const path = require('path');
const { log, Fatal, run, stopAll, sweepAtEnd } = require('./harness/proc');
const { layout, ensureInstalled, ensureAptPackages, PINS } = require('./harness/install');
const { startCodeServer, installExtension, hostCrash } = require('./harness/codeServer');

const ROOT = path.resolve(__dirname, '..', '..');
const HOME = path.resolve(process.env.TRAINGUARD_E2E_HOME || path.join(ROOT, '.vscode-e2e'));
const RESULTS_DIR = path.resolve(process.env.TRAINGUARD_RESULTS_DIR || path.join(HOME, 'test-results', 'counts'));
const MODE = process.env.TRAINGUARD_E2E || 'code-server';
const VERBOSE = !!process.env.TRAINGUARD_E2E_VERBOSE;
// for a developer's quick loop, e.g. TRAINGUARD_E2E_PHASES=host; CI runs them all
const ALL_PHASES = ['host', 'ui', 'pages'];
const PHASES = (process.env.TRAINGUARD_E2E_PHASES || ALL_PHASES.join(',')).split(',').map((s) => s.trim());
const minutes = (name, dflt) => Number(process.env[name] || dflt) * 60000;
// Hang guards, not expectations: a cached run takes about two minutes.
const LIMITS = {
  whole: minutes('TRAINGUARD_E2E_TIMEOUT_MIN', 60),
  hostSuite: minutes('TRAINGUARD_E2E_HOST_TIMEOUT_MIN', 10),
  mochaPhase: minutes('TRAINGUARD_E2E_PHASE_TIMEOUT_MIN', 10),
};

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const mochaBin = path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
const reporter = path.join(ROOT, 'test', 'support', 'counting-reporter.js');

/** Compiled test files for every test/e2e/<dir>/*.test.ts source (stale compiled files are ignored). */
function compiledTests(dir) {
  const src = path.join(ROOT, 'test', 'e2e', dir);
  if (!fs.existsSync(src)) return [];
  return fs
    .readdirSync(src)
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => path.join(ROOT, 'out', 'test', 'e2e', dir, f.replace(/\.ts$/, '.js')));
}

/** A fresh scratch workspace under the cache with a copy of examples/ (tests copy what they change). */
function scratchWorkspace(L, name) {
  const ws = path.join(L.runDir, name);
  fs.rmSync(ws, { recursive: true, force: true });
  fs.mkdirSync(ws, { recursive: true });
  fs.cpSync(path.join(ROOT, 'examples'), path.join(ws, 'examples'), { recursive: true });
  return ws;
}

/** What a phase returns when it has nothing to run (as opposed to null: it ran and passed). */
const SKIPPED = Symbol('skipped');

function countsFile(name) {
  return path.join(RESULTS_DIR, `${name}.json`);
}

/**
 * Reads a phase's counts and turns them into a verdict: missing counts, no test run, a skipped test
 * or a failed one all fail the phase. Missing counts are written as one failure so .ci/run sees it.
 */
function verdict(name, exitProblem, whyNoCounts) {
  const file = countsFile(name);
  let c = null;
  try {
    c = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ passed: 0, failed: 1, pending: 0 }));
    return `${name}: no counts were written (${exitProblem || whyNoCounts || 'the suite did not finish'})`;
  }
  if (c.failed > 0) return `${name}: ${c.failed} test(s) failed`;
  if (c.pending > 0) return `${name}: ${c.pending} test(s) skipped; skipping is not passing`;
  if (!(c.passed > 0)) return `${name}: no test ran`;
  if (exitProblem) return `${name}: ${exitProblem}`;
  log(`${name}: ${c.passed} passed`);
  return null;
}

/** Runs compiled mocha test files in a child process with the counting reporter. */
async function mochaPhase(name, files, env) {
  fs.rmSync(countsFile(name), { force: true });
  const missing = files.filter((f) => !fs.existsSync(f));
  if (missing.length) return `${name}: not compiled: ${missing.join(', ')}`;
  const args = [mochaBin, '--no-config', '--no-package', '--ui', 'bdd', '--timeout', '120000', '--forbid-only', '--forbid-pending', '--reporter', reporter, ...files];
  const childEnv = { ...process.env, TRAINGUARD_RESULTS_DIR: RESULTS_DIR, TRAINGUARD_RESULTS_NAME: name, ...env };
  let problem = null;
  try {
    await run(`mocha: ${name} (${files.map((f) => path.basename(f)).join(', ')})`, process.execPath, args, { cwd: ROOT, env: childEnv, timeoutMs: LIMITS.mochaPhase });
  } catch (e) {
    problem = e.message;
  }
  return verdict(name, problem);
}

async function prepare() {
  await run('build (npm run build)', npm, ['run', '--silent', 'build'], { cwd: ROOT, timeoutMs: 5 * 60000 });
  await run('compile the tests (npm run compile-tests)', npm, ['run', '--silent', 'compile-tests'], { cwd: ROOT, timeoutMs: 5 * 60000 });
}

async function packageVsix(L) {
  const vsix = path.join(L.runDir, 'train-guard.vsix');
  const vsce = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  await run('package the extension (vsce package --no-dependencies)', process.execPath, [vsce, 'package', '--no-dependencies', '-o', vsix], {
    cwd: ROOT,
    logFile: path.join(L.logs, 'vsce.log'),
    timeoutMs: 5 * 60000,
  });
  return vsix;
}

/** Launches chromium once before any phase, so a broken browser fails the run with one line. */
async function chromiumPreflight(L) {
  const { launchChromium } = require(path.join(ROOT, 'out/test/e2e/support/chromium.js'));
  log(`waiting for chromium (${L.chromium}) to start (up to 60 s)`);
  try {
    const { context, page } = await launchChromium(path.join(L.runDir, 'chrome-preflight'));
    await page.goto('about:blank');
    await context.close();
  } catch (e) {
    throw new Fatal(e.message.startsWith('cannot start chromium') ? e.message : `cannot start chromium: ${e.message.split('\n')[0]}`);
  }
}

async function hostPhase(L) {
  const name = 'e2e-host';
  fs.rmSync(countsFile(name), { force: true });
  const ws = scratchWorkspace(L, 'ws-host');
  let crash = null;
  const cs = await startCodeServer(L, {
    name: 'host',
    userDataDir: path.join(L.runDir, 'user-data-host'),
    extensionsDir: path.join(L.runDir, 'extensions-host'),
    smokeTestDriver: true,
    // the extension host inherits code-server's environment: the counting reporter writes here
    env: { TRAINGUARD_RESULTS_DIR: RESULTS_DIR, TRAINGUARD_RESULTS_NAME: name },
    onLine: (line) => (crash = crash || hostCrash(line)),
  });
  let problem = null;
  // codeAutomationExit(0) also follows an extension host that died mid-run: the missing counts tell
  const whyNoCounts = 'the extension host ended before the suite wrote its counts: did it crash?';
  try {
    const { runSuiteInHost } = require(path.join(ROOT, 'out/test/e2e/support/hostRun.js'));
    const r = await runSuiteInHost({
      baseUrl: cs.url,
      extensionPath: ROOT,
      testsPath: path.join(ROOT, 'out/test/e2e/suite/index.js'),
      workspace: ws,
      profileDir: path.join(L.runDir, 'chrome-host'),
      timeoutMs: LIMITS.hostSuite,
      log: (l) => process.stdout.write(`${l}\n`),
      quiet: !VERBOSE,
      fatal: () => {
        const g = cs.gone();
        if (g) return `code-server exited during the in-host suite (exit ${g.code ?? g.signal}); see ${cs.logFile}`;
        return crash;
      },
    });
    if (r.exitCode !== 0) problem = `the in-host suite exited with code ${r.exitCode}`;
    if (crash) problem = crash;
  } catch (e) {
    if (/^cannot start chromium/.test(e.message)) throw new Fatal(e.message);
    problem = e.message;
  } finally {
    await cs.stop();
  }
  return verdict(name, problem, whyNoCounts);
}

async function uiPhase(L, vsix) {
  const dirs = { userDataDir: path.join(L.runDir, 'user-data-ui'), extensionsDir: path.join(L.runDir, 'extensions-ui') };
  try {
    await installExtension(L, dirs, vsix);
  } catch (e) {
    fs.writeFileSync(countsFile('e2e-ui'), JSON.stringify({ passed: 0, failed: 1, pending: 0 }));
    return `e2e-ui: ${e.message}`;
  }
  const ws = scratchWorkspace(L, 'ws-ui');
  const cs = await startCodeServer(L, { name: 'ui', ...dirs });
  try {
    return await mochaPhase('e2e-ui', compiledTests('ui'), {
      TRAINGUARD_E2E_URL: cs.url,
      TRAINGUARD_E2E_WORKSPACE: ws,
      TRAINGUARD_E2E_VSIX: vsix,
      TRAINGUARD_E2E_PROFILE: path.join(L.runDir, 'chrome-ui'),
      TRAINGUARD_E2E_ARTIFACTS: L.results,
      TRAINGUARD_E2E_SERVER_LOG: cs.logFile,
      TRAINGUARD_CHROMIUM: L.chromium,
    });
  } finally {
    await cs.stop();
  }
}

async function pagesPhase(L) {
  const files = compiledTests('pages');
  if (!files.length) {
    log('pages: no test/e2e/pages/*.test.ts, step skipped');
    return SKIPPED;
  }
  return mochaPhase('e2e-pages', files, {
    TRAINGUARD_CHROMIUM: L.chromium,
    TRAINGUARD_E2E_PROFILE: path.join(L.runDir, 'chrome-pages'),
    TRAINGUARD_E2E_ARTIFACTS: L.results,
  });
}

async function offline() {
  const L = layout(ROOT, HOME);
  await ensureInstalled(L);
  fs.rmSync(L.runDir, { recursive: true, force: true });
  fs.mkdirSync(L.runDir, { recursive: true });
  sweepAtEnd(L.runDir + path.sep);
  await prepare();
  await chromiumPreflight(L);
  const vsix = await packageVsix(L);
  const problems = [];
  const ran = [];
  for (const [name, phase] of [
    ['host', () => hostPhase(L)],
    ['ui', () => uiPhase(L, vsix)],
    ['pages', () => pagesPhase(L)],
  ]) {
    if (!PHASES.includes(name)) {
      log(`--- phase ${name}: not selected (TRAINGUARD_E2E_PHASES=${PHASES.join(',')})`);
      continue;
    }
    log(`--- phase ${name}`);
    const p = await phase();
    if (p === SKIPPED) continue;
    ran.push(name);
    if (p) {
      log(`phase ${name} FAILED: ${p}`);
      problems.push(p);
    }
  }
  return { problems, ran };
}

async function electron() {
  await prepare();
  const name = 'e2e-host';
  fs.rmSync(countsFile(name), { force: true });
  const cli = path.join(ROOT, 'node_modules', '@vscode', 'test-cli', 'out', 'bin.mjs');
  let cmd = process.execPath;
  let args = [cli, '--config', path.join(ROOT, '.vscode-test.mjs')];
  if (process.platform === 'linux' && !process.env.DISPLAY) {
    // Electron needs a display; xvfb-run (Debian's xvfb) provides one
    const L = layout(ROOT, HOME);
    fs.mkdirSync(L.logs, { recursive: true });
    if (!fs.existsSync('/usr/bin/xvfb-run')) await ensureAptPackages(L, ['xvfb'], 'VS Code (electron) without a $DISPLAY');
    args = ['-a', cmd, ...args];
    cmd = '/usr/bin/xvfb-run';
  }
  let problem = null;
  try {
    await run('vscode-test (@vscode/test-cli, downloads VS Code on first use)', cmd, args, {
      cwd: ROOT,
      env: { ...process.env, TRAINGUARD_RESULTS_DIR: RESULTS_DIR, TRAINGUARD_RESULTS_NAME: name },
      timeoutMs: LIMITS.mochaPhase + 10 * 60000,
    });
  } catch (e) {
    problem = e.message;
  }
  const p = verdict(name, problem);
  return { problems: p ? [p] : [], ran: ['host (electron)'] };
}

async function main() {
  log(`mode ${MODE}; cache ${HOME}; counts in ${RESULTS_DIR}`);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  if (MODE === 'electron') return electron();
  if (MODE === 'code-server') {
    const unknown = PHASES.filter((p) => !ALL_PHASES.includes(p));
    if (unknown.length) throw new Fatal(`unknown phase(s) in TRAINGUARD_E2E_PHASES: ${unknown.join(', ')} (known: ${ALL_PHASES.join(', ')})`);
    return offline();
  }
  throw new Fatal(`unknown TRAINGUARD_E2E=${MODE}: leave it unset (code-server, offline) or set it to electron`);
}

let finishing = false;
async function finish(code, line) {
  if (finishing) return;
  finishing = true;
  clearTimeout(deadline);
  await stopAll();
  if (line) process.stdout.write(`${line}\n`);
  process.exit(code);
}

const deadline = setTimeout(() => finish(1, `e2e: FAILED: the whole run took longer than ${LIMITS.whole / 60000} min (TRAINGUARD_E2E_TIMEOUT_MIN)`), LIMITS.whole);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => finish(1, `e2e: FAILED: interrupted by ${sig}`));

main().then(
  ({ problems, ran }) => {
    if (problems.length) return finish(1, `e2e: FAILED: ${problems.join('; ')}`);
    if (!ran.length) return finish(1, 'e2e: FAILED: no phase ran');
    return finish(0, `e2e: passed: ${ran.join(', ')} (${MODE === 'electron' ? 'VS Code via @vscode/test-electron' : `code-server ${PINS.codeServer}`})`);
  },
  (e) => finish(1, e instanceof Fatal ? `e2e: FAILED: ${e.message}` : `e2e: FAILED: ${e && e.stack ? e.stack : e}`),
);
