/**
 * The real VS Code workbench (code-server) in chromium, driven the way a person uses it: explorer
 * clicks, Ctrl+G, the mouse over a squiggle, Ctrl+., the lightbulb, Ctrl+S. Used by test/e2e/ui/.
 * The runner (test/e2e/run.js) starts code-server with the packaged .vsix installed and passes:
 *   TRAINGUARD_E2E_URL        http://127.0.0.1:PORT of code-server
 *   TRAINGUARD_E2E_WORKSPACE  a scratch folder under the cache (tests copy their files into it)
 *   TRAINGUARD_E2E_PROFILE    where chromium keeps its throw-away profile
 *   TRAINGUARD_E2E_ARTIFACTS  where screenshots go
 * Every wait is bounded and fails naming what it waited for.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { launchChromium } from './chromium';
import { HOST_CRASH } from './hostRun';

export interface UiEnv {
  url: string;
  workspace: string;
  profile: string;
  artifacts: string;
}

export function uiEnv(): UiEnv {
  const need = (name: string): string => {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set: run the UI tests through \`npm run test:e2e\` (test/e2e/run.js), which starts code-server`);
    return v;
  };
  return { url: need('TRAINGUARD_E2E_URL'), workspace: need('TRAINGUARD_E2E_WORKSPACE'), profile: need('TRAINGUARD_E2E_PROFILE'), artifacts: need('TRAINGUARD_E2E_ARTIFACTS') };
}

/** Waits for `locator` to be visible; on time-out fails with `what`. */
export async function waitVisible(locator: Locator, what: string, timeoutMs = 30000): Promise<Locator> {
  try {
    await locator.first().waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
  }
  return locator.first();
}

export async function waitHidden(locator: Locator, what: string, timeoutMs = 30000): Promise<void> {
  try {
    await locator.first().waitFor({ state: 'hidden', timeout: timeoutMs });
  } catch {
    throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
  }
}

/** Polls `probe` (Node side) until truthy; a hang guard that names what it waited for. */
export async function poll<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 30000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export class Workbench {
  /** Extension-host crashes the workbench reported; a test run with any fails. */
  readonly crashes: string[] = [];

  private constructor(
    readonly env: UiEnv,
    readonly context: BrowserContext,
    readonly page: Page,
  ) {
    page.on('console', (m) => {
      if (HOST_CRASH.test(m.text())) this.crashes.push(m.text().split('\n')[0]);
    });
    page.on('crash', () => this.crashes.push('the workbench page crashed'));
  }

  /** Opens the workbench on `env.workspace` and waits until the explorer lists its files. */
  static async open(env: UiEnv): Promise<Workbench> {
    const { context, page } = await launchChromium(env.profile);
    const wb = new Workbench(env, context, page);
    try {
      await page.goto(`${env.url}/?folder=${encodeURIComponent(env.workspace)}`, { timeout: 60000 });
      await waitVisible(page.locator('.monaco-workbench'), 'the workbench to load', 120000);
      await waitVisible(page.locator('.explorer-folders-view .monaco-list-row'), 'the explorer to list the scratch workspace', 120000);
    } catch (e) {
      await wb.screenshot('failure-open');
      await wb.close();
      throw e;
    }
    return wb;
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
  }

  /** Fails when the workbench or code-server's log (TRAINGUARD_E2E_SERVER_LOG) shows an extension host crash. */
  /** For mocha's afterEach: a screenshot named after a failed test, then the extension host must still be alive. */
  async afterTest(test: { state?: string; title: string } | undefined): Promise<void> {
    if (test?.state === 'failed') await this.screenshot(`failure-${test.title.replace(/\W+/g, '-').slice(0, 60)}`);
    this.assertHostAlive();
  }

  assertHostAlive(): void {
    const crashes = [...this.crashes];
    const log = process.env.TRAINGUARD_E2E_SERVER_LOG;
    if (log && fs.existsSync(log)) {
      for (const line of fs.readFileSync(log, 'utf8').split('\n')) {
        const m = /Extension Host Process exited with code: (\S+), signal: (\S+?)\.?$/.exec(line.trim());
        if (m && !(m[1] === '0' && m[2] === 'null')) crashes.push(`exit code ${m[1]}, signal ${m[2]}`);
      }
    }
    if (crashes.length) throw new Error(`the extension host crashed: ${crashes.join(' | ')}`);
  }

  /** The editor showing `name` (a file at the workspace root). */
  editor(name: string): Locator {
    return this.page.locator(`.editor-instance .monaco-editor[data-uri$="/${name}"]`);
  }

  /** Opens `name` from the explorer (double click: a pinned editor, as a person would). */
  async openFile(name: string): Promise<Locator> {
    const row = await waitVisible(this.page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${name}"]`), `${name} in the explorer`, 60000);
    await row.dblclick();
    await waitVisible(this.page.locator(`.tabs-container .tab.active[aria-label^="${name}"]`), `the editor tab of ${name} to be active`);
    await waitVisible(this.editor(name).locator('.view-lines'), `the editor of ${name} to render`);
    return this.editor(name);
  }

  /** Ctrl+G line:column (1-based) and waits until the status bar shows the cursor there. */
  async goto(line: number, column: number): Promise<void> {
    await this.page.keyboard.press('Control+G');
    await waitVisible(this.page.locator('.quick-input-widget input'), 'the Go to Line box (Ctrl+G)');
    await this.page.keyboard.type(`${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await waitVisible(this.page.locator('.statusbar-item', { hasText: `Ln ${line}, Col ${column}` }), `the cursor at Ln ${line}, Col ${column}`);
  }

  async save(): Promise<void> {
    await this.page.keyboard.press('Control+S');
  }

  /** A screenshot of the whole window (or of `locator`) under the artefacts folder; returns its path. */
  async screenshot(name: string, locator?: Locator): Promise<string> {
    fs.mkdirSync(this.env.artifacts, { recursive: true });
    const file = path.join(this.env.artifacts, `${name}.png`);
    try {
      if (locator) await locator.screenshot({ path: file, timeout: 10000 });
      else await this.page.screenshot({ path: file, timeout: 10000 });
    } catch {
      // a screenshot is an artefact, never the reason a test fails
    }
    return file;
  }
}
