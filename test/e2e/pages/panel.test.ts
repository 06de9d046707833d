/**
 * The budget panel's page in Debian's chromium (playwright-core), outside VS Code: the built page
 * (dist/panel.js + media/panel.css + the HTML the extension serves, with its real CSP) is served on
 * 127.0.0.1, `acquireVsCodeApi` is a stand-in that records posted messages and keeps the state in
 * sessionStorage (so a reload behaves like VS Code restoring a webview). It checks the prefill from a
 * script message, the outputs against the estimator core, keyboard use, message validation, "Apply",
 * state across reloads, no CSP violation, and takes docs/images/panel.png.
 *
 * Run by `npm run test:e2e` (needs `npm run build` and `npm run compile-tests` first), not by
 * `npm test`: a fresh machine has no chromium. TRAINGUARD_CHROMIUM = browser path (default
 * /usr/bin/chromium; Debian: apt-get install -y chromium).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import type { AddressInfo } from 'net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { panelHtml } from '../../../client/src/panel/html';
import { estimate, formatMinutes, plansThatFit, type EstimateInput, type KnownEstimate } from '../../../server/src/estimator/estimate';
import type { HostMessage, ScriptInfo } from '../../../client/src/panel/protocol';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const CHROMIUM = process.env.TRAINGUARD_CHROMIUM || '/usr/bin/chromium';
const NONCE = 'TestNonce0123456789abcdefABCDEF';

/** A dark VS Code theme's variables, as the workbench sets them on the webview's <html>. */
const THEME = `html { --vscode-font-family: "DejaVu Sans", sans-serif; --vscode-font-size: 13px; --vscode-foreground: #cccccc;
--vscode-descriptionForeground: #9d9d9d; --vscode-sideBar-background: #181818; --vscode-editor-background: #1f1f1f;
--vscode-input-background: #313131; --vscode-input-foreground: #cccccc; --vscode-input-border: #3c3c3c;
--vscode-dropdown-background: #313131; --vscode-dropdown-foreground: #cccccc; --vscode-dropdown-border: #3c3c3c;
--vscode-focusBorder: #0078d4; --vscode-button-background: #0078d4; --vscode-button-foreground: #ffffff;
--vscode-button-hoverBackground: #026ec1; --vscode-button-secondaryBackground: #313131; --vscode-button-secondaryForeground: #cccccc;
--vscode-button-secondaryHoverBackground: #3c3c3c; --vscode-textLink-foreground: #4daafc; --vscode-badge-background: #616161;
--vscode-badge-foreground: #f8f8f8; --vscode-testing-iconPassed: #73c991; --vscode-errorForeground: #f85149;
--vscode-inputValidation-errorBackground: #5a1d1d; --vscode-inputValidation-errorBorder: #be1100; --vscode-panel-border: #2b2b2b;
--vscode-textBlockQuote-border: #616161; --vscode-checkbox-background: #313131; }`;

const STAND_IN = `
(() => {
  window.__posted = [];
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
    getState: () => { const s = sessionStorage.getItem('vscode-state'); return s ? JSON.parse(s) : undefined; },
    setState: (s) => sessionStorage.setItem('vscode-state', JSON.stringify(s)),
  });
})();`;

const SEED_SCRIPT: ScriptInfo = {
  fileName: 'train.py',
  uri: 'file:///work/train.py',
  version: 3,
  input: { model: 'efficientnet_b4', folds: 3, epochs: 10, gpu: 'A10', amp: true, multiGpu: false, imgSize: 224, batchSize: 128, numWorkers: 10, trainSamples: null, valSamples: null, budgetMinutes: 30 },
  assumptions: [],
  facts: { model: { value: 'efficientnet_b4', source: 'timm.create_model("efficientnet_b4") (line 17)' }, folds: { value: 3, source: 'N_FOLDS = 3 (line 11)' }, epochs: { value: 10, source: 'EPOCHS = 10 (line 12)' } },
  otherModels: [],
  minFolds: 2,
  budgetMinutes: 30,
  gpu: 'A10',
  budgetFrom: 'file comment',
  gpuFrom: 'file comment',
};

function serve(): Promise<{ server: http.Server; base: string }> {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const send = (type: string, body: string | Buffer) => {
        res.writeHead(200, { 'content-type': type });
        res.end(body);
      };
      if (req.url === '/') {
        const html = panelHtml({ cspSource: base, nonce: NONCE, scriptUri: `${base}/dist/panel.js`, styleUri: `${base}/media/panel.css` })
          // the workbench's theme variables (served, so the page's own CSP allows them)
          .replace('</head>', `<link rel="stylesheet" href="${base}/theme.css">\n</head>`);
        send('text/html', html);
      } else if (req.url === '/theme.css') send('text/css', THEME);
      else if (req.url === '/dist/panel.js') send('text/javascript', fs.readFileSync(path.join(ROOT, 'dist', 'panel.js')));
      else if (req.url === '/media/panel.css') send('text/css', fs.readFileSync(path.join(ROOT, 'media', 'panel.css')));
      else if (req.url === '/favicon.ico') {
        res.writeHead(204); // the browser asks; a webview never does
        res.end();
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
}

describe('budget panel page (chromium)', function () {
  this.timeout(60000);
  let server: http.Server;
  let base: string;
  let ctx: BrowserContext;
  let page: Page;
  let profile: string;
  const problems: string[] = [];

  const posted = () => page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted);
  const send = (m: unknown) => page.evaluate((msg) => window.postMessage(msg, '*'), m);
  const value = (id: string) => page.inputValue(`#${id}`);
  const textOf = (id: string) => page.locator(`#${id}`).innerText();

  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `no chromium at ${CHROMIUM} (apt-get install -y chromium, or set TRAINGUARD_CHROMIUM)`);
    assert.ok(fs.existsSync(path.join(ROOT, 'dist', 'panel.js')), 'dist/panel.js missing: run npm run build');
    ({ server, base } = await serve());
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'trainguard-chromium-'));
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 420, height: 1100 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    await ctx.addInitScript(STAND_IN);
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy|Refused/.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.goto(`${base}/`);
  });

  after(async () => {
    await ctx?.close();
    server?.close();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
  });

  it('loads under its CSP with no error and says it is ready', async () => {
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    assert.deepStrictEqual(problems, []);
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.match(csp!, /default-src 'none'/);
    assert.match(csp!, new RegExp(`script-src 'nonce-${NONCE}'`));
    assert.doesNotMatch(csp!, /unsafe-inline|unsafe-eval/);
    // no inline script could run: a script without the nonce is refused
    const ran = await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inline = 1';
      document.body.append(s);
      return (window as unknown as { __inline?: number }).__inline === 1;
    });
    assert.strictEqual(ran, false);
    problems.length = 0; // that refusal is the expected one
  });

  it('fills the form from the script and shows the estimate, its parts and plans that fit', async () => {
    await send({ type: 'script', script: SEED_SCRIPT } satisfies HostMessage);
    await page.waitForFunction(() => (document.getElementById('model') as HTMLInputElement).value === 'efficientnet_b4');
    assert.deepStrictEqual([await value('folds'), await value('epochs'), await value('gpu'), await value('budget'), await value('imgSize'), await value('numWorkers')], ['3', '10', 'A10', '30m', '224', '10']);
    assert.strictEqual(await page.isChecked('#amp'), true);
    const e = estimate({ ...SEED_SCRIPT.input!, inferenceMinutes: null }) as KnownEstimate;
    assert.strictEqual(await textOf('total'), formatMinutes(e.total.point));
    assert.strictEqual(await textOf('verdict'), 'does not fit 30 min');
    assert.match(await textOf('source'), /From train\.py · model: timm\.create_model\("efficientnet_b4"\) \(line 17\) · budget from file comment/);
    assert.match(await textOf('part-validation'), /included in the hints' min\/epoch/);
    assert.match(await textOf('seed'), /3 x 10 x 2\.5 = 75 min of training/);
    const plans = await page.locator('#plans li span').allInnerTexts();
    assert.deepStrictEqual(plans, plansThatFit(SEED_SCRIPT.input!, { minFolds: 2 }).map((p) => p.title));
    assert.ok(plans[0].startsWith('EfficientNet-B2'));
  });

  it('drops messages that do not match the protocol', async () => {
    const before = await value('model');
    await send({ type: 'script', script: { ...SEED_SCRIPT, input: { ...SEED_SCRIPT.input, model: 'resnet18', folds: -1 } } });
    await send({ type: 'script', script: { ...SEED_SCRIPT, fileName: 42 } });
    await send({ type: 'applied', ok: 'yes', message: 'hacked' });
    await send({ type: 'evil', html: '<img src=x onerror=alert(1)>' });
    await send('a string');
    // a valid message after the bad ones is handled: everything before it was dropped
    await send({ type: 'applied', ok: true, message: 'after the bad ones' });
    await page.waitForFunction(() => document.getElementById('status')!.textContent === 'after the bad ones');
    assert.strictEqual(await value('model'), before);
    assert.deepStrictEqual(problems, []);
  });

  it('answers the form as it is typed, with the keyboard, exactly as the estimator core does', async () => {
    await page.focus('#model');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('ResNet-50');
    await page.keyboard.press('Tab'); // -> measured samples/s
    await page.keyboard.press('Tab'); // -> "Measure it" link button
    await page.keyboard.press('Tab'); // -> folds
    assert.strictEqual(await page.evaluate(() => document.activeElement?.id), 'folds');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('5');
    await page.fill('#trainSamples', '20000');
    await page.fill('#valSamples', '5000');
    await page.selectOption('#gpu', 'T4');
    await page.fill('#budget', '1.5h');
    await page.fill('#inferenceMinutes', '5');
    const input: EstimateInput = { model: 'ResNet-50', folds: 5, epochs: 10, imgSize: 224, trainSamples: 20000, valSamples: 5000, batchSize: null, numWorkers: 10, gpu: 'T4', amp: true, multiGpu: false, budgetMinutes: 90, inferenceMinutes: 5 };
    const e = estimate(input) as KnownEstimate;
    await page.waitForFunction((t) => document.getElementById('total')!.textContent === t, formatMinutes(e.total.point));
    assert.strictEqual(await textOf('verdict'), e.verdict === 'fits' ? 'fits 1 h 30 min' : 'does not fit 1 h 30 min');
    assert.match(await textOf('model-hint'), /resnet50/);
    assert.match(await textOf('part-rate'), new RegExp(`^${Math.round(e.trainSamplesPerSec!.point)} samples/s`));
    // a bad value is flagged on its field, not estimated
    await page.fill('#epochs', '2.5');
    await page.waitForFunction(() => document.getElementById('epochs')!.getAttribute('aria-invalid') === 'true');
    assert.match(await textOf('range'), /Epochs: a whole number/);
    await page.fill('#epochs', '10');
  });

  it('says unknown for a model the tables do not know, then takes the measure script\'s line', async () => {
    await page.fill('#model', 'my_private_net');
    await page.waitForFunction(() => document.getElementById('total')!.textContent === 'unknown');
    assert.match(await textOf('range'), /not in the measured tables: unknown/);
    await page.fill('#sps', 'TRAINGUARD samples_per_sec=150.0 model=my_private_net img_size=224 batch_size=64 amp=on gpu="Tesla T4"');
    const e = estimate({ model: 'my_private_net', samplesPerSec: 150, folds: 5, epochs: 10, imgSize: 224, trainSamples: 20000, valSamples: 5000, numWorkers: 10, gpu: 'T4', budgetMinutes: 90, inferenceMinutes: 5 }) as KnownEstimate;
    await page.waitForFunction((t) => document.getElementById('total')!.textContent === t, formatMinutes(e.total.point));
    await page.click('#measure');
    assert.deepStrictEqual((await posted()).slice(-1), [{ type: 'measure' }]);
    await page.fill('#sps', '');
  });

  it('"Use" takes a plan into the form; "Apply" posts model, folds and epochs', async () => {
    await send({ type: 'script', script: { ...SEED_SCRIPT, uri: 'file:///work/other.py', fileName: 'other.py' } });
    await page.waitForFunction(() => (document.getElementById('model') as HTMLInputElement).value === 'efficientnet_b4');
    const use = page.locator('#plans li button').first();
    await use.focus();
    await page.keyboard.press('Enter');
    assert.strictEqual(await value('model'), 'efficientnet_b2');
    await page.locator('#apply').focus();
    await page.keyboard.press('Space');
    const last = (await posted()).slice(-1)[0];
    assert.deepStrictEqual(last, { type: 'apply', change: { folds: 3, epochs: 10, model: 'efficientnet_b2' } });
    await send({ type: 'applied', ok: true, message: 'Applied to other.py: model = efficientnet_b2. Undo with Ctrl+Z in the editor.' });
    await page.waitForFunction(() => /Applied to other\.py/.test(document.getElementById('status')!.textContent ?? ''));
  });

  it('keeps the form across a reload (webview state)', async () => {
    await page.fill('#trainSamples', '31337');
    await page.reload();
    await page.waitForFunction(() => (document.getElementById('trainSamples') as HTMLInputElement).value === '31337');
    assert.strictEqual(await value('model'), 'efficientnet_b2');
    assert.match(await textOf('source'), /other\.py/);
    // the same file read again keeps what the user changed
    await send({ type: 'script', script: { ...SEED_SCRIPT, uri: 'file:///work/other.py', fileName: 'other.py' } });
    await page.waitForFunction(() => /other\.py · model/.test(document.getElementById('source')!.textContent ?? ''));
    assert.strictEqual(await value('model'), 'efficientnet_b2');
    assert.strictEqual(await value('trainSamples'), '31337');
    assert.deepStrictEqual(problems, []);
  });

  it('takes a screenshot of the panel (docs/images/panel.png)', async () => {
    await send({ type: 'script', script: { ...SEED_SCRIPT, uri: 'file:///work/train.py', input: { ...SEED_SCRIPT.input!, trainSamples: 18000, valSamples: 2000 } } });
    await page.waitForFunction(() => (document.getElementById('trainSamples') as HTMLInputElement).value === '18000');
    const out = path.join(ROOT, 'docs', 'images', 'panel.png');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    await page.screenshot({ path: out, fullPage: true });
    assert.ok(fs.statSync(out).size > 10000);
  });
});
