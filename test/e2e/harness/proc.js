// Processes for the e2e runner: every child is started here, remembered by PID, and stopped with all
// its descendants (a snapshot of the tree read from /proc, then SIGTERM, then SIGKILL) when a step
// or the run ends, pass or fail. Every wait has a limit and says what it was waiting for.
'use strict';
const fs = require('fs');
const { spawn } = require('child_process');

const t0 = Date.now();
const stamp = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
let sink = (line) => process.stdout.write(line);
/** One line of runner output, prefixed with the time since the runner started. */
function log(msg) {
  sink(`[e2e ${stamp()}] ${msg}\n`);
}
/** Sends runner output elsewhere (the harness's own unit tests keep mocha's output clean). */
function setLogSink(fn) {
  sink = fn;
}

/** A failure that ends the run with exactly one line saying what could not be done and why. */
class Fatal extends Error {}

/** PIDs of the children this runner started (each the root of a tree to stop). */
const started = new Set();

/** pid -> ppid for every live process, read from /proc (no procps needed). */
function processTable() {
  const table = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] === 'Z') continue; // a zombie is already dead
      table.set(Number(name), Number(rest[1]));
    } catch {
      // the process ended while we were reading
    }
  }
  return table;
}

/** `pid` and all its live descendants, parents first. */
function treeOf(pid) {
  const table = processTable();
  const children = new Map();
  for (const [p, pp] of table) {
    if (!children.has(pp)) children.set(pp, []);
    children.get(pp).push(p);
  }
  const out = [];
  const queue = table.has(pid) ? [pid] : [];
  while (queue.length) {
    const p = queue.shift();
    out.push(p);
    queue.push(...(children.get(p) || []));
  }
  return out;
}

function alive(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Stops `pids` (a snapshot taken once, so re-parented orphans are not missed): TERM, then KILL. */
async function stopPids(pids, graceMs = 5000) {
  for (const p of pids) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const until = Date.now() + graceMs;
  while (Date.now() < until && pids.some(alive)) await sleep(100);
  const stubborn = pids.filter(alive);
  for (const p of stubborn) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const killUntil = Date.now() + 3000;
  while (Date.now() < killUntil && stubborn.some(alive)) await sleep(50);
  return { stopped: pids.length, killed: stubborn.length, left: stubborn.filter(alive) };
}

/** Stops `pid` and every descendant it has now. */
async function stopTree(pid, graceMs) {
  const tree = treeOf(pid);
  started.delete(pid);
  if (!tree.length) return { stopped: 0, killed: 0, left: [] };
  return stopPids(tree, graceMs);
}

/** Per-run folders: a process whose command line names one was started by this run. */
const sweepMarkers = [];
/**
 * Also stop, at the end, processes whose command line contains `marker` (a folder only this run
 * uses): chromium's crashpad handlers detach from the browser (their parent becomes PID 1), so no
 * descendant walk finds them, but their --database names the run's browser profile.
 */
function sweepAtEnd(marker) {
  sweepMarkers.push(marker);
}

function pidsNaming(markers) {
  const out = [];
  if (!markers.length) return out;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (markers.some((m) => cmd.includes(m))) out.push(Number(name));
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

/**
 * Stops everything this runner started: each remembered child with its descendants, any other
 * descendant of this process (the browser playwright launched) and any process naming one of this
 * run's folders (with its descendants), in one snapshot.
 */
async function stopAll() {
  const pids = new Set();
  for (const p of started) for (const d of treeOf(p)) pids.add(d);
  for (const d of treeOf(process.pid)) if (d !== process.pid) pids.add(d);
  for (const p of pidsNaming(sweepMarkers)) for (const d of treeOf(p)) pids.add(d);
  started.clear();
  if (!pids.size) return;
  const r = await stopPids([...pids]);
  log(`stopped ${r.stopped} process(es) by PID${r.killed ? ` (${r.killed} needed SIGKILL)` : ''}${r.left.length ? `; STILL ALIVE: ${r.left.join(' ')}` : ''}`);
}

/**
 * Starts a child in its own process group, remembered for stopAll(). stdout/stderr go to `logFile`
 * (appended) when given, else to ours. Returns the child and a promise of its exit code.
 */
function start(cmd, args, { cwd, env, logFile, onLine } = {}) {
  const out = logFile ? fs.openSync(logFile, 'a') : null;
  const child = spawn(cmd, args, {
    cwd,
    env: env || process.env,
    detached: true,
    stdio: ['ignore', onLine ? 'pipe' : out ?? 'inherit', onLine ? 'pipe' : out ?? 'inherit'],
  });
  if (out !== null) fs.closeSync(out);
  const exited = new Promise((resolve) => {
    child.once('error', (e) => resolve({ code: null, signal: null, error: e }));
    child.once('exit', (code, signal) => resolve({ code, signal, error: null }));
  });
  if (child.pid) started.add(child.pid);
  if (onLine) {
    for (const stream of [child.stdout, child.stderr]) {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        if (logFile) fs.appendFileSync(logFile, chunk);
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          onLine(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
    }
  }
  return { child, exited };
}

/** The last non-empty line of a log file (for one-line failure messages). */
function lastLine(file) {
  try {
    const lines = fs.readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
    return lines[lines.length - 1] || '(empty log)';
  } catch {
    return '(no log)';
  }
}

/**
 * Runs a command to completion within `timeoutMs`. When its output goes to `logFile`, prints a
 * heartbeat every minute so a long install never looks hung. Throws with what failed, the exit code or
 * the time limit, and the log's last line.
 */
async function run(what, cmd, args, { cwd, env, logFile, timeoutMs }) {
  log(`${what} (up to ${Math.round(timeoutMs / 1000)} s${logFile ? `, log: ${logFile}` : ''})`);
  const began = Date.now();
  const { child, exited } = start(cmd, args, { cwd, env, logFile });
  let timer;
  const heartbeat = logFile ? setInterval(() => log(`  still running: ${what} (${Math.round((Date.now() - began) / 1000)} s)`), 60000) : undefined;
  const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const r = await Promise.race([exited, timeout]);
  clearTimeout(timer);
  clearInterval(heartbeat);
  if (r === 'timeout') {
    if (child.pid) await stopTree(child.pid);
    throw new Error(`${what} did not finish within ${Math.round(timeoutMs / 1000)} s${logFile ? ` (last log line: ${lastLine(logFile)})` : ''}`);
  }
  if (child.pid) await stopTree(child.pid, 2000); // leftovers a finished command spawned
  if (r.error) throw new Error(`${what}: cannot run ${cmd}: ${r.error.message}`);
  if (r.code !== 0) {
    throw new Error(`${what} failed (${r.signal ? `signal ${r.signal}` : `exit ${r.code}`})${logFile ? `: ${lastLine(logFile)}` : ''}`);
  }
  log(`  done: ${what} in ${((Date.now() - began) / 1000).toFixed(1)} s`);
}

/**
 * Polls `probe` until it returns a truthy value, at most `timeoutMs`; says what it waits for, and on
 * time-out throws naming it (plus `lastSeen()` when given). A hang guard, not a timing assertion.
 */
async function waitFor(what, probe, { timeoutMs, intervalMs = 250, lastSeen, quiet } = {}) {
  if (!quiet) log(`waiting for ${what} (up to ${Math.round(timeoutMs / 1000)} s)`);
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) {
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${lastSeen ? `; last seen: ${lastSeen()}` : ''}`);
    }
    await sleep(intervalMs);
  }
}

module.exports = { log, setLogSink, Fatal, start, run, stopTree, stopAll, sweepAtEnd, waitFor, lastLine, sleep, treeOf };
