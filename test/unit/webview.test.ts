/**
 * The budget panel's webview security (SECURITY.md "Webviews"): the CSP nonce comes from the CSPRNG
 * and is fresh per load, the page's policy allows only that nonce, and both ends drop malformed
 * messages (the extension host checks with isPageMessage, the page with isHostMessage).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { cspNonce, NONCE_BYTES } from '../../client/src/panel/nonce';
import { panelHtml } from '../../client/src/panel/html';
import { isHostMessage, isPageMessage, isPlanChange } from '../../client/src/panel/protocol';
import { ROOT } from './helpers';

/** CSP Level 3 `base64-value`. */
const CSP_BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

describe('webview nonce', () => {
  it('is the base64 of 16 bytes taken from the given random source', () => {
    const asked: number[] = [];
    const n = cspNonce((k) => (asked.push(k), Uint8Array.from({ length: k }, (_, i) => i * 17)));
    assert.deepStrictEqual(asked, [NONCE_BYTES]);
    assert.strictEqual(NONCE_BYTES, 16);
    assert.strictEqual(n, Buffer.from(Array.from({ length: 16 }, (_, i) => i * 17)).toString('base64'));
    assert.throws(() => cspNonce(() => new Uint8Array(4)), /4 bytes/);
  });

  it('defaults to crypto.randomBytes: 128 bits, valid in a CSP, never repeated', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const n = cspNonce();
      assert.match(n, CSP_BASE64);
      assert.strictEqual(Buffer.from(n, 'base64').length, 16);
      seen.add(n);
    }
    assert.strictEqual(seen.size, 2000);
  });

  it('the page allows exactly the one script that carries the nonce', () => {
    const nonce = cspNonce();
    const html = panelHtml({ cspSource: 'vscode-webview://x', nonce, scriptUri: 'vscode-webview://x/panel.js', styleUri: 'vscode-webview://x/panel.css' });
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1] ?? '';
    assert.ok(csp.includes(`script-src 'nonce-${nonce}'`), csp);
    assert.ok(csp.startsWith(`default-src 'none'`), csp);
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    assert.deepStrictEqual(scripts, [`<script nonce="${nonce}" src="vscode-webview://x/panel.js">`]);
  });

  it('no shipped client or server code draws randomness from Math.random', () => {
    const hits: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.ts$/.test(e.name)) {
          fs.readFileSync(p, 'utf8').split('\n').forEach((line, i) => {
            // a doc comment may name it; code may not call it
            if (/Math\.random\s*\(/.test(line.replace(/\/\/.*$|^\s*\*.*$/, ''))) hits.push(`${path.relative(ROOT, p)}:${i + 1}`);
          });
        }
      }
    };
    walk(path.join(ROOT, 'client', 'src'));
    walk(path.join(ROOT, 'server', 'src'));
    assert.deepStrictEqual(hits, []);
  });
});

describe('webview messages', () => {
  const malformedPage: unknown[] = [
    null, undefined, 0, 'ready', [], [{ type: 'ready' }], {}, { type: 'READY' }, { type: 'nope' }, { type: 42 },
    { type: 'ready', extra: 1 }, { type: 'measure', command: 'workbench.action.terminal.new' },
    { type: 'apply' }, { type: 'apply', change: null }, { type: 'apply', change: {} }, { type: 'apply', change: [] },
    { type: 'apply', change: { model: 'resnet50', path: '/etc/passwd' } },
    { type: 'apply', change: { model: 'x"; import os; os.system("rm -rf /")  #' } },
    { type: 'apply', change: { model: 'a'.repeat(301) } },
    { type: 'apply', change: { folds: 0 } }, { type: 'apply', change: { folds: 1.5 } }, { type: 'apply', change: { folds: '5' } },
    { type: 'apply', change: { epochs: Infinity } }, { type: 'apply', change: { epochs: NaN } }, { type: 'apply', change: { epochs: 1e9 } },
    { type: 'apply', change: { folds: -3 } },
    JSON.parse('{"type":"apply","change":{"__proto__":{"folds":5}}}'),
  ];

  it('the extension host drops every malformed page message', () => {
    for (const m of malformedPage) assert.strictEqual(isPageMessage(m), false, JSON.stringify(m) ?? String(m));
  });

  it('and accepts the well-formed ones', () => {
    for (const m of [{ type: 'ready' }, { type: 'reload' }, { type: 'measure' }, { type: 'apply', change: { model: 'tf_efficientnet_b4_ns', folds: 5, epochs: 10 } }, { type: 'apply', change: { model: 'timm/convnext_tiny.fb_in22k' } }, { type: 'apply', change: { epochs: 3 } }]) {
      assert.strictEqual(isPageMessage(m), true, JSON.stringify(m));
    }
    assert.strictEqual(isPlanChange({ folds: 5 }), true);
  });

  const script = {
    fileName: 'train.py', uri: 'file:///ws/train.py', version: 3,
    input: { model: 'resnet50', folds: 5, epochs: 10, gpu: 'T4', imgSize: 224, amp: true },
    assumptions: ['a'], facts: { model: { value: 'resnet50', source: 'line 3' } }, otherModels: [], minFolds: 1,
    budgetMinutes: 30, gpu: 'T4', budgetFrom: 'settings', gpuFrom: null,
  };

  it('the page accepts the host messages it expects', () => {
    assert.strictEqual(isHostMessage({ type: 'script', script }), true);
    assert.strictEqual(isHostMessage({ type: 'script', script: { ...script, input: null } }), true);
    assert.strictEqual(isHostMessage({ type: 'noScript', reason: 'none', defaults: { budgetMinutes: null, gpu: null } }), true);
    assert.strictEqual(isHostMessage({ type: 'applied', ok: true, message: 'done' }), true);
  });

  it('the page drops malformed host messages', () => {
    const bad: unknown[] = [
      null, 'script', {}, { type: 'script' }, { type: 'script', script: null },
      { type: 'script', script: { ...script, version: '3' } },
      { type: 'script', script: { ...script, fileName: 'x'.repeat(501) } },
      { type: 'script', script: { ...script, input: { ...script.input, folds: 0 } } },
      { type: 'script', script: { ...script, input: { ...script.input, amp: 'yes' } } },
      { type: 'script', script: { ...script, facts: { m: { value: {}, source: 'x' } } } },
      { type: 'script', script: { ...script, facts: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, { value: 1, source: 's' }])) } },
      { type: 'script', script: { ...script, assumptions: Array.from({ length: 51 }, () => 'a') } },
      { type: 'script', script: { ...script, minFolds: 11 } },
      { type: 'script', script: { ...script, budgetMinutes: -1 } },
      { type: 'noScript', reason: 'r' }, { type: 'noScript', reason: 'r', defaults: { budgetMinutes: 'x', gpu: null } },
      { type: 'applied', ok: 'true', message: 'm' }, { type: 'applied', ok: true, message: 'm'.repeat(2001) },
      { type: '__proto__' },
    ];
    for (const m of bad) assert.strictEqual(isHostMessage(m), false, JSON.stringify(m));
  });
});
