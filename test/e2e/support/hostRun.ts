/**
 * Runs the in-host suite in code-server's Node extension host, the way VS Code's own browser
 * integration tests do: the workbench is opened with a `payload` naming the extension under
 * development and the tests module (vscode-remote:// URIs); with code-server's
 * `--vscode-option enable-smoke-test-driver` the workbench then calls window.codeAutomationExit(code)
 * when run() settles and forwards the extension host's console through window.codeAutomationLog.
 */
import * as path from 'path';
import { format } from 'util';
import { launchChromium } from './chromium';

export interface HostRunOptions {
  /** http://127.0.0.1:PORT of a code-server started with the smoke-test driver */
  baseUrl: string;
  /** the extension under development (the repository) */
  extensionPath: string;
  /** the compiled suite entry, e.g. out/test/e2e/suite/index.js */
  testsPath: string;
  /** the scratch folder to open */
  workspace: string;
  profileDir: string;
  timeoutMs: number;
  log: (line: string) => void;
  /** hide the workbench's known offline noise (gallery look-ups, auth provider time-outs) */
  quiet?: boolean;
  /** when this returns a reason, the run fails with it (e.g. code-server exited) */
  fatal?: () => string | null;
}

export interface HostRunResult {
  exitCode: number;
}

/** The workbench's chatter and its known offline noise (gallery look-ups, the GitHub auth provider). */
const NOISE = [
  /^(Resolving|Resolved) connection token/,
  /^Creating a socket/,
  /^\[(reconnection-grace-time|Service Worker|AccountPolicyGate|AgentHost[^\]]*)\]/,
  /^Creation of workbench contribution/,
  /^Updating additional builtin extensions cache/,
  /open-vsx|queryRawGallery|queryGallery|getExtensions|checkForUpdates|autoUpdateBuiltin|ENOTFOUND|ERR_NAME_NOT_RESOLVED|marketplace/,
  /authentication provider 'github'/i,
];
/** What the workbench logs when an extension host dies. */
export const HOST_CRASH = /Extension host \([^)]*\) terminated unexpectedly|extension host terminated unexpectedly|Extension Host Process exited/i;

export async function runSuiteInHost(o: HostRunOptions): Promise<HostRunResult> {
  const host = new URL(o.baseUrl).host;
  const remote = (p: string) => `vscode-remote://${host}${path.resolve(p)}`;
  const payload = [
    ['extensionDevelopmentPath', remote(o.extensionPath)],
    ['extensionTestsPath', remote(o.testsPath)],
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
  ];
  const url = `${o.baseUrl}/?folder=${encodeURIComponent(path.resolve(o.workspace))}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const { context, page } = await launchChromium(o.profileDir);
  let settle!: (r: { code?: number; error?: string }) => void;
  const outcome = new Promise<{ code?: number; error?: string }>((r) => (settle = r));
  try {
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      const line = format(...(Array.isArray(args) ? args : [args]));
      if (HOST_CRASH.test(line)) settle({ error: `the extension host crashed: ${line.split('\n')[0]}` });
      if (o.quiet && NOISE.some((n) => n.test(line.trim()))) return;
      for (const l of line.split('\n')) o.log(`  ${type === 'error' ? '[host error] ' : ''}${l}`);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => {
      o.log(`the workbench reported codeAutomationExit(${code})`);
      settle({ code: Number(code) });
    });
    page.on('console', (m) => {
      const text = m.text();
      if (HOST_CRASH.test(text)) settle({ error: `the extension host crashed: ${text.split('\n')[0]}` });
    });
    page.on('crash', () => settle({ error: 'the workbench page crashed in chromium' }));
    context.on('close', () => settle({ error: 'chromium closed before the suite finished' }));
    o.log(`open the workbench with the test payload: ${o.baseUrl}/?folder=${o.workspace}`);
    await page.goto(url, { timeout: 60000 });
    const timer = setTimeout(() => settle({ error: `timed out after ${Math.round(o.timeoutMs / 1000)} s waiting for the in-host suite to report its exit code (codeAutomationExit)` }), o.timeoutMs);
    const poll = setInterval(() => {
      const why = o.fatal?.();
      if (why) settle({ error: why });
    }, 500);
    const r = await outcome;
    clearTimeout(timer);
    clearInterval(poll);
    if (r.error) throw new Error(r.error);
    return { exitCode: r.code ?? 1 };
  } finally {
    await context.close().catch(() => undefined);
  }
}
