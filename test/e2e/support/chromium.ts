/**
 * Debian's chromium driven by playwright-core, headless, with a throw-away profile under the e2e
 * cache: the one way every e2e part (in-host runner, workbench UI tests, page tests) opens a browser.
 */
import * as fs from 'fs';
import * as path from 'path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.TRAINGUARD_CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A one-line reason from a playwright launch error (its messages run to dozens of lines). */
function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 2)
    .join(' ');
}

export class ChromiumLaunchError extends Error {}

/** Launches chromium with a fresh profile in `profileDir` (emptied first). */
export async function launchChromium(profileDir: string, opts: { width?: number; height?: number } = {}): Promise<{ context: BrowserContext; page: Page }> {
  if (!fs.existsSync(CHROMIUM)) throw new ChromiumLaunchError(`cannot start chromium: ${CHROMIUM} does not exist (apt-get install chromium)`);
  fs.rmSync(profileDir, { recursive: true, force: true });
  fs.mkdirSync(profileDir, { recursive: true });
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: opts.width ?? 1400, height: opts.height ?? 900 },
      args: CHROMIUM_ARGS,
      timeout: 60000,
      // chromium's crash reports and dconf cache follow XDG_*: keep them in the profile, not in $HOME
      env: { ...process.env, XDG_CONFIG_HOME: path.join(profileDir, 'xdg-config'), XDG_CACHE_HOME: path.join(profileDir, 'xdg-cache') },
    });
  } catch (e) {
    throw new ChromiumLaunchError(`cannot start chromium (${CHROMIUM}): ${firstLine(e)}`);
  }
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}
