/**
 * The budget panel's page: static markup only (the script fills it with textContent, never HTML),
 * a strict Content-Security-Policy (no inline script or style, the one script carries a nonce,
 * nothing remote). No vscode import: the page tests build the same HTML.
 */
import { GPUS } from '../../../server/src/estimator/gpus';

export interface PanelHtmlOptions {
  /** `webview.cspSource`: where the page may load its script and style from. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function field(id: string, label: string, hint: string, attrs = 'inputmode="numeric"'): string {
  return `<div class="field"><label for="${id}">${esc(label)}</label><input id="${id}" name="${id}" ${attrs} autocomplete="off" spellcheck="false" aria-describedby="${id}-hint"><span class="hint" id="${id}-hint">${esc(hint)}</span></div>`;
}

export function panelHtml(o: PanelHtmlOptions): string {
  const csp = [`default-src 'none'`, `style-src ${o.cspSource}`, `script-src 'nonce-${o.nonce}'`, `img-src ${o.cspSource} data:`, `font-src ${o.cspSource}`].join('; ');
  const gpus = GPUS.map((g) => `<option value="${esc(g.id)}">${esc(g.label)}</option>`).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${esc(o.styleUri)}">
<title>Training budget</title>
</head>
<body>
<main>
  <div class="source-bar"><p id="source" class="source">No Python script is active.</p><button type="button" id="reload" class="secondary" title="Read the active script again">Reload from file</button></div>
  <form id="form" novalidate>
    <fieldset>
      <legend>Model</legend>
      <div class="field wide"><label for="model">Model</label><input id="model" name="model" list="models" autocomplete="off" spellcheck="false" aria-describedby="model-hint"><datalist id="models"></datalist><span class="hint" id="model-hint">timm name, torchvision name, Hugging Face id or "EfficientNet B4"</span></div>
      ${field('sps', 'Measured samples/s', 'optional: your own training rate replaces the tables', 'inputmode="decimal"')}
      <div class="field"><span class="label-like">Unknown model?</span><button type="button" id="measure" class="link">Measure it on your GPU</button><span class="hint">a timing script that prints samples/s</span></div>
    </fieldset>
    <fieldset>
      <legend>Run</legend>
      ${field('folds', 'Folds', 'folds trained')}
      ${field('epochs', 'Epochs', 'per fold')}
      ${field('imgSize', 'Image size (px)', 'training side; 224 if empty')}
      ${field('trainSamples', 'Training samples / epoch', 'per fold')}
      ${field('valSamples', 'Validation samples / epoch', 'forward only')}
      ${field('batchSize', 'Batch size', 'optional')}
      ${field('numWorkers', 'DataLoader workers', 'data-loading floor; none if empty')}
    </fieldset>
    <fieldset>
      <legend>GPU and budget</legend>
      <div class="field"><label for="gpu">GPU</label><select id="gpu" name="gpu">${gpus}</select></div>
      <div class="field check"><input type="checkbox" id="amp" name="amp"><label for="amp">Mixed precision (AMP)</label></div>
      <div class="field check" id="multiGpu-field"><input type="checkbox" id="multiGpu" name="multiGpu"><label for="multiGpu">Trains on both GPUs</label></div>
      ${field('budget', 'Time budget', 'e.g. 30m, 1.5h', 'inputmode="text"')}
      ${field('inferenceMinutes', 'Inference (min)', 'predict.py; 5-8 if empty', 'inputmode="decimal"')}
    </fieldset>
  </form>
  <section id="result" aria-live="polite" aria-labelledby="total-label">
    <h2 id="total-label" class="visually-hidden">Estimate</h2>
    <p class="total"><span id="total">-</span> <span id="verdict" class="badge"></span></p>
    <p id="range" class="range"></p>
    <table id="parts" aria-label="Breakdown">
      <tbody>
        <tr><th scope="row">Training</th><td id="part-train"></td></tr>
        <tr><th scope="row">Validation</th><td id="part-validation"></td></tr>
        <tr><th scope="row">Inference</th><td id="part-inference"></td></tr>
        <tr><th scope="row">Buffer (20%)</th><td id="part-buffer"></td></tr>
        <tr><th scope="row">Per epoch</th><td id="part-epoch"></td></tr>
        <tr><th scope="row">Training rate</th><td id="part-rate"></td></tr>
      </tbody>
    </table>
    <p id="method" class="method"></p>
    <p id="seed" class="seed"></p>
    <ul id="notes" class="notes"></ul>
  </section>
  <section id="plans-section" aria-labelledby="plans-title">
    <h2 id="plans-title">Plans that fit</h2>
    <ul id="plans" class="plans"></ul>
  </section>
  <div class="actions"><button type="button" id="apply">Apply model, folds and epochs to file</button></div>
  <p id="status" class="status" role="status"></p>
</main>
<script nonce="${esc(o.nonce)}" src="${esc(o.scriptUri)}"></script>
</body>
</html>`;
}
