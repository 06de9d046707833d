// code-server (the real VS Code workbench with the Node extension host) on 127.0.0.1, isolated in the
// cache: its own --config, --user-data-dir, --extensions-dir and XDG_* folders, nothing in $HOME.
'use strict';
const fs = require('fs');
const path = require('path');
const http = require('http');
const { log, Fatal, start, run, stopTree, waitFor, lastLine } = require('./proc');
const { cacheEnv, CS_CONFIG } = require('./install');

// Quiet, deterministic workbench: no welcome page, trust prompt, update checks, AI panels or git noise.
const USER_SETTINGS = {
  'telemetry.telemetryLevel': 'off',
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'workbench.tips.enabled': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.enableExperiments': false,
  'files.autoSave': 'off',
  'editor.minimap.enabled': false,
  'workbench.colorTheme': 'Default Dark Modern',
};

function commonArgs(L, { userDataDir, extensionsDir }) {
  return ['--config', L.csConfig, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
}

function prepareDirs(L, { userDataDir, extensionsDir }) {
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  const settings = path.join(userDataDir, 'User/settings.json');
  if (!fs.existsSync(settings)) fs.writeFileSync(settings, JSON.stringify(USER_SETTINGS, null, 2));
  // The flags say the same; the file keeps code-server from writing a default one into $HOME.
  fs.writeFileSync(L.csConfig, CS_CONFIG);
}

/** `code-server --install-extension <vsix>` into `extensionsDir`. */
async function installExtension(L, dirs, vsix) {
  prepareDirs(L, dirs);
  const logFile = path.join(L.logs, 'install-extension.log');
  fs.writeFileSync(logFile, '');
  await run(`code-server --install-extension ${path.basename(vsix)}`, L.node, [L.csEntry, ...commonArgs(L, dirs), '--force', '--install-extension', vsix], {
    env: cacheEnv(L),
    logFile,
    timeoutMs: 3 * 60000,
  });
  const log = fs.readFileSync(logFile, 'utf8');
  if (!/successfully installed/i.test(log)) throw new Error(`code-server did not report installing ${vsix}: ${lastLine(logFile)}`);
}

/** The HTTP status of GET `url` (0 when nothing answers within 10 s). */
function httpStatus(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 10000 }, (res) => {
      res.resume();
      resolve(res.statusCode || 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => {
      req.destroy();
      resolve(0);
    });
  });
}

/** The last line of code-server's log that reports an error, waiting up to 3 s for it to be written. */
async function lastError(file) {
  for (let i = 0; i < 30; i++) {
    try {
      const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => /\berror\b/i.test(l));
      if (lines.length) return lines[lines.length - 1].trim().slice(0, 400);
    } catch {
      // not written yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return lastLine(file);
}

/**
 * Starts code-server on a free port of 127.0.0.1 and waits until it answers /healthz. Throws Fatal
 * with one line when it exits or does not listen in time. Returns { url, host, pid, exited, stop }.
 */
async function startCodeServer(L, { name, userDataDir, extensionsDir, smokeTestDriver = false, env = {}, onLine }) {
  prepareDirs(L, { userDataDir, extensionsDir });
  const logFile = path.join(L.logs, `code-server-${name}.log`);
  fs.writeFileSync(logFile, '');
  const args = [
    L.csEntry,
    ...commonArgs(L, { userDataDir, extensionsDir }),
    '--bind-addr', '127.0.0.1:0',
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--reconnection-grace-time', '5',
    // without this the workbench ignores the test payload and an in-host run would hang
    ...(smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
  ];
  let url = null;
  const { child, exited } = start(L.node, args, {
    env: cacheEnv(L, env),
    logFile,
    onLine: (line) => {
      const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (m) url = m[1];
      if (onLine) onLine(line);
    },
  });
  let gone = null;
  exited.then((r) => (gone = r));
  const stop = async () => {
    if (child.pid) {
      const r = await stopTree(child.pid);
      log(`code-server (${name}) stopped: ${r.stopped} process(es) by PID${r.killed ? `, ${r.killed} needed SIGKILL` : ''}`);
    }
  };
  try {
    const why = () => (gone.error ? gone.error.message : `exit ${gone.code ?? gone.signal}`);
    await waitFor(`code-server (${name}) to listen on 127.0.0.1`, () => {
      if (gone) throw new Fatal(`cannot start code-server: it ended (${why()}) before listening: ${lastLine(logFile)}`);
      return url;
    }, { timeoutMs: 60000, intervalMs: 100 });
    await waitFor(`${url}/healthz to answer 200`, async () => {
      if (gone) throw new Fatal(`cannot start code-server: it ended (${why()}) before /healthz answered: ${lastLine(logFile)}`);
      return (await httpStatus(`${url}/healthz`)) === 200;
    }, { timeoutMs: 30000, quiet: true });
    // the first request loads VS Code's server: a broken install shows here, not as a blank workbench
    await waitFor(`${url}/ to serve the workbench`, async () => {
      if (gone) throw new Fatal(`cannot start code-server: it ended (${why()}) before serving the workbench: ${lastLine(logFile)}`);
      const status = await httpStatus(`${url}/`);
      if (status >= 500) throw new Fatal(`cannot start code-server: it answers HTTP ${status} for the workbench: ${await lastError(logFile)}`);
      return status > 0 && status < 400;
    }, { timeoutMs: 90000, intervalMs: 500, quiet: true });
  } catch (e) {
    await stop();
    if (e instanceof Fatal) throw e;
    throw new Fatal(`cannot start code-server: ${e.message} (log: ${logFile})`);
  }
  log(`code-server (${name}) pid ${child.pid} up on ${url} (log: ${logFile})`);
  return { url, host: new URL(url).host, pid: child.pid, logFile, exited, gone: () => gone, stop };
}

/** code-server's log line when an extension host process ends: a crash unless code 0 and no signal. */
const HOST_EXIT = /Extension Host Process exited with code: (\S+), signal: (\S+?)\.?$/;
function hostCrash(line) {
  const m = HOST_EXIT.exec(line);
  if (!m || (m[1] === '0' && m[2] === 'null')) return null;
  return `the extension host crashed (exit code ${m[1]}, signal ${m[2]})`;
}

module.exports = { startCodeServer, installExtension, hostCrash };
