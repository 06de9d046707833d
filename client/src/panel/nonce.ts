/**
 * The per-load nonce of the budget panel's Content-Security-Policy (`script-src 'nonce-…'`): 16 bytes
 * (128 bits) from the operating system's CSPRNG, base64-encoded, as the CSP specification asks. A nonce
 * that a page could predict (Math.random) would let injected markup carry a script the policy allows.
 * Runs in the extension host only (Node's `crypto`); the webview never makes one.
 */
import crypto = require('crypto');

export const NONCE_BYTES = 16;

/** A fresh nonce; `bytes` is the random source (the tests pass a fixed one). */
export function cspNonce(bytes: (n: number) => Uint8Array = crypto.randomBytes): string {
  const b = bytes(NONCE_BYTES);
  if (b.length !== NONCE_BYTES) throw new Error(`nonce source gave ${b.length} bytes, not ${NONCE_BYTES}`);
  return Buffer.from(b).toString('base64');
}
