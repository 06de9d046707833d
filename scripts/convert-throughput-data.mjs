// Converts the measured throughput tables (test/data/throughput, copied from the shared reference data)
// (server/src/estimator/data/throughput.json), so the extension never reads outside itself at run
// time. Run it again when the tables change:
//   node scripts/convert-throughput-data.mjs [--data test/data/throughput] [--check]
// --check exits 1 when the committed JSON differs from what the tables give (for CI or review).
//
// Sources (cited again in the JSON and in docs/estimator.md):
// - huggingface/pytorch-image-models, folder results/, commit aa4b5850c1543fa488abf260f18390eda46cf85d
//   (Apache-2.0): benchmark-train-amp-nchw-pt112-cu113-rtx3090.csv, benchmark-infer-amp-nchw-pt113-cu117-rtx3090.csv,
//   benchmark-infer-amp-nchw-pt240-cu124-rtx4090.csv.
// - lambdal/deeplearning-benchmark (MIT): pytorch/pytorch-train-throughput-fp16.csv, single-GPU rows
//   (and the 2-GPU rows, for the multi-GPU scaling factor).
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const dataDir = argv.includes('--data') ? argv[argv.indexOf('--data') + 1] : join(root, 'test', 'data', 'throughput');
const check = argv.includes('--check');
const outFile = join(root, 'server', 'src', 'estimator', 'data', 'throughput.json');

function readCsv(name) {
  const lines = readFileSync(join(dataDir, name), 'utf8').trim().split(/\r?\n/);
  const header = lines[0].split(',');
  return lines.slice(1).map((l) => {
    const cells = l.split(',');
    const row = {};
    header.forEach((h, i) => (row[h] = cells[i]));
    return row;
  });
}

const num = (v) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`not a number: ${v}`);
  return n;
};
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

const TRAIN = 'timm-benchmark-train-amp-nchw-pt112-cu113-rtx3090.csv';
const INFER_3090 = 'timm-benchmark-infer-amp-nchw-pt113-cu117-rtx3090.csv';
const INFER_4090 = 'timm-benchmark-infer-amp-nchw-pt240-cu124-rtx4090.csv';
const LAMBDA = 'lambda-pytorch-train-throughput-fp16.csv';

// model -> [samples/s, img size, batch size, params (M)]
const train = {};
for (const r of readCsv(TRAIN)) train[r.model] = [num(r.train_samples_per_sec), num(r.train_img_size), num(r.train_batch_size), num(r.param_count)];

// model -> [[img size, samples/s, GMACs], ...] per inference table
function inferTable(name) {
  const out = {};
  for (const r of readCsv(name)) {
    (out[r.model] ??= []).push([num(r.infer_img_size), num(r.infer_samples_per_sec), num(r.infer_gmacs)]);
  }
  for (const list of Object.values(out)) list.sort((a, b) => a[0] - b[0]);
  return out;
}
const infer3090 = inferTable(INFER_3090);
const infer4090 = inferTable(INFER_4090);

// Image size -> GMACs points per model (both inference tables; the same size gives the same GMACs).
const gmacs = {};
for (const t of [infer3090, infer4090]) {
  for (const [model, list] of Object.entries(t)) {
    const points = (gmacs[model] ??= []);
    for (const [size, , g] of list) if (g > 0 && !points.some((p) => p[0] === size)) points.push([size, g]);
  }
}
for (const p of Object.values(gmacs)) p.sort((a, b) => a[0] - b[0]);

// Forward-only / training throughput on the same GPU (RTX 3090), at the same image size: the
// inference row closest in size to the training row, scaled to the training size by GMACs (pixels
// when a model has a single GMACs point).
function costAt(model, size) {
  const pts = gmacs[model];
  if (!pts || !pts.length) return null;
  if (pts.length === 1) return pts[0][1] * (size / pts[0][0]) ** 2;
  let a = pts[0], b = pts[pts.length - 1];
  for (let i = 0; i + 1 < pts.length; i++) if (size >= pts[i][0] && size <= pts[i + 1][0]) [a, b] = [pts[i], pts[i + 1]];
  const k = Math.log(b[1] / a[1]) / Math.log((b[0] / a[0]) ** 2);
  return a[1] * ((size / a[0]) ** 2) ** k;
}
const inferOverTrain = {};
for (const [model, [sps, size]] of Object.entries(train)) {
  const rows = infer3090[model];
  if (!rows) continue;
  const nearest = rows.reduce((best, r) => (Math.abs(r[0] - size) < Math.abs(best[0] - size) ? r : best));
  const cInfer = costAt(model, nearest[0]);
  const cTrain = costAt(model, size);
  if (!cInfer || !cTrain) continue;
  const inferAtTrainSize = nearest[1] * (cInfer / cTrain);
  inferOverTrain[model] = round(inferAtTrainSize / sps, 3);
}
const ratios = Object.values(inferOverTrain).sort((a, b) => a - b);
const q = (p) => ratios[Math.min(ratios.length - 1, Math.floor(p * ratios.length))];
const ratioStats = { models: ratios.length, p10: q(0.1), p25: q(0.25), median: q(0.5), p75: q(0.75), p90: q(0.9) };

// Models with inference rows only: [samples/s forward-only, img size, table] (RTX 3090 table first).
const inferOnly = {};
for (const [model, rows] of Object.entries(infer3090)) {
  if (train[model]) continue;
  const r = rows[0];
  inferOnly[model] = [r[1], r[0], '3090'];
}
for (const [model, rows] of Object.entries(infer4090)) {
  if (train[model] || inferOnly[model]) continue;
  // the row at 224 px when there is one, else the smallest
  const r = rows.find((x) => x[0] === 224) ?? rows[0];
  inferOnly[model] = [r[1], r[0], '4090'];
}

// How throughput falls with image size, per model: throughput ~ pixels^-e, e fitted (least squares
// in log-log) on the measured inference throughput of one table at two or more sizes (the RTX 4090
// table first: more models at several sizes); else on the GMACs points; models without either get
// no entry (the estimator then scales by pixels, e = 1).
function fitExponent(points) {
  // points: [pixels, value]; value ~ pixels^slope
  const xs = points.map((p) => Math.log(p[0]));
  const ys = points.map((p) => Math.log(p[1]));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : null;
}
const sizeExponent = {};
for (const model of new Set([...Object.keys(train), ...Object.keys(inferOnly)])) {
  for (const [table, t] of [['infer4090', infer4090], ['infer3090', infer3090]]) {
    const rows = t[model];
    if (!rows || rows.length < 2) continue;
    const slope = fitExponent(rows.map((r) => [r[0] * r[0], r[1]]));
    if (slope !== null) {
      sizeExponent[model] = [round(-slope, 3), table];
      break;
    }
  }
  if (sizeExponent[model]) continue;
  const g = gmacs[model];
  if (g && g.length >= 2) {
    const slope = fitExponent(g.map((p) => [p[0] * p[0], p[1]]));
    if (slope !== null) sizeExponent[model] = [round(slope, 3), 'gmacs'];
  }
}

const lambda = {};
for (const r of readCsv(LAMBDA)) lambda[r.name_gpu] = num(r.resnet50_img_per_s);

const data = {
  sources: {
    timm: {
      repository: 'huggingface/pytorch-image-models',
      commit: 'aa4b5850c1543fa488abf260f18390eda46cf85d',
      license: 'Apache-2.0',
      files: {
        train: 'results/benchmark-train-amp-nchw-pt112-cu113-rtx3090.csv',
        infer3090: 'results/benchmark-infer-amp-nchw-pt113-cu117-rtx3090.csv',
        infer4090: 'results/benchmark-infer-amp-nchw-pt240-cu124-rtx4090.csv',
      },
      note: 'Synthetic inputs, AMP, NCHW; training = forward+backward+SGD step, no data loading.',
    },
    lambda: {
      repository: 'lambdal/deeplearning-benchmark',
      file: 'pytorch/pytorch-train-throughput-fp16.csv',
      license: 'MIT',
      note: 'ResNet-50 training throughput (images/s), mixed precision, PyTorch.',
    },
  },
  train,
  gmacs,
  sizeExponent,
  inferOverTrain,
  inferOverTrainStats: ratioStats,
  inferOnly,
  lambdaResnet50: lambda,
};

const text = JSON.stringify(data) + '\n';
if (check) {
  const old = readFileSync(outFile, 'utf8');
  if (old !== text) {
    console.error(`${outFile} is out of date: run node scripts/convert-throughput-data.mjs`);
    process.exit(1);
  }
  console.log('throughput.json is up to date');
} else {
  writeFileSync(outFile, text);
  console.log(`wrote ${outFile}: ${Object.keys(train).length} trained, ${Object.keys(inferOnly).length} inference-only models, ${Object.keys(gmacs).length} with GMACs; infer/train ratio`, ratioStats);
}
