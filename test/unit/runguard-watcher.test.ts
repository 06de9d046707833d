/**
 * The run guard's watcher on recorded logs (test/fixtures/runguard/*.log), replayed with a fake
 * clock: each line `[SECONDS] text` (or `[SECONDS err] text` for stderr) arrives at its time, the
 * clock ticks every 0.5 s in between as the runner's timer does, and `#! end SECONDS` ends the run.
 * Every warning kind fires on the log that shows it, with the line that caused it, and healthy logs
 * of each output format give no warning at all. Plus the line parser on each format.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { FIXTURES } from './helpers';
import { RunWatcher, type GuardEvent, type GuardWarning, type WatchOptions } from '../../server/src/runguard/watcher';
import { LineSplitter, newParseContext, parseLine, statedSeconds } from '../../server/src/runguard/parse';
import { KNOWN_ERRORS, knownError } from '../../server/src/runguard/help';
import { formatWarning, statusLine } from '../../server/src/runguard/format';
import { ALL_RULES } from '../../server/src/rules/index';

const DIR = path.join(FIXTURES, 'runguard');
const TICK_MS = 500;

interface Replay {
  events: GuardEvent[];
  warnings: GuardWarning[];
  watcher: RunWatcher;
  endMs: number;
}

function replay(name: string, options: Partial<WatchOptions> = {}): Replay {
  const text = fs.readFileSync(path.join(DIR, name), 'utf8');
  const w = new RunWatcher(options, 0);
  const events: GuardEvent[] = [];
  let t = 0;
  const advance = (to: number) => {
    while (t + TICK_MS <= to) {
      t += TICK_MS;
      events.push(...w.tick(t));
    }
  };
  let end: number | null = null;
  for (const line of text.split('\n')) {
    const endMark = /^#! end (\d+(?:\.\d+)?)$/.exec(line);
    if (endMark) {
      end = Number(endMark[1]) * 1000;
      break;
    }
    if (line.startsWith('#') || !line.trim()) continue;
    const m = /^\[(\d+(?:\.\d+)?)(?: (err|stdout))?\] ?(.*)$/.exec(line);
    assert.ok(m, `${name}: malformed line ${JSON.stringify(line)}`);
    const at = Number(m[1]) * 1000;
    advance(at);
    events.push(...w.line(m[3], at, m[2] === 'err' ? 'stderr' : 'stdout'));
  }
  assert.ok(end !== null, `${name} has no "#! end" line`);
  advance(end);
  events.push(...w.finish(end));
  const warnings = events.flatMap((e) => (e.type === 'warning' ? [e.warning] : []));
  return { events, warnings, watcher: w, endMs: end };
}

function only(r: Replay): GuardWarning {
  assert.strictEqual(r.warnings.length, 1, `expected one warning, got: ${JSON.stringify(r.warnings.map((w) => `${w.kind}: ${w.message}`), null, 1)}`);
  return r.warnings[0];
}

describe('run guard: the watcher on recorded logs', () => {
  describe('healthy runs: no warning', () => {
    const cases: [string, Partial<WatchOptions>][] = [
      ['healthy-plain.log', { classes: 120, budgetMinutes: 30, epochs: 10 }],
      ['healthy-keras.log', { classes: 10, budgetMinutes: 30 }],
      ['healthy-lightning.log', { classes: 10, budgetMinutes: 30, epochs: 3 }],
      ['healthy-fastai.log', { classes: 37, budgetMinutes: 30, epochs: 2 }],
      ['healthy-hf.log', { classes: 2, budgetMinutes: 30, epochs: 3 }],
    ];
    for (const [name, options] of cases) {
      it(name, () => {
        const r = replay(name, options);
        assert.deepStrictEqual(r.warnings.map((w) => `${w.kind}: ${w.message} <- ${w.line}`), []);
        assert.ok(r.events.some((e) => e.type === 'epoch'), 'the epochs were read');
      });
    }

    it('reads the epochs, losses and times of each format', () => {
      const keras = replay('healthy-keras.log', {}).watcher.status(120000);
      assert.deepStrictEqual([keras.epoch, keras.epochs, keras.trainLoss, keras.valLoss, keras.started], [3, 10, 0.71, 0.76, true]);
      const epochs = (name: string, o: Partial<WatchOptions> = {}) =>
        replay(name, o).events.flatMap((e) => (e.type === 'epoch' ? [[e.epoch.epoch, e.epoch.valLoss, e.epoch.seconds]] : []));
      assert.deepStrictEqual(epochs('healthy-plain.log'), [[1, 3.2, 46], [2, 2.41, 46], [3, 2.02, 46], [4, 1.8, 45], [5, 4.6, 46]]);
      // Lightning counts from 0 (shown from 1); the 100% bar is drawn again once validation is done
      assert.deepStrictEqual(epochs('healthy-lightning.log'), [[1, null, 5], [1, 1.71, 6], [2, 1.32, 5], [3, 1.05, 5]]);
      assert.deepStrictEqual(epochs('healthy-fastai.log'), [[1, 0.35247, 24], [1, 0.28153, 24], [2, 0.237421, 24]]);
      // Hugging Face: the eval dict at epoch 1.0 ends the first epoch; the second is timed from it
      assert.deepStrictEqual(epochs('healthy-hf.log'), [[1, 0.4401, null], [2, 0.3902, 40]]);
      const gpu = replay('healthy-keras.log').events.flatMap((e) => (e.type === 'gpu' ? [Math.round(e.percent)] : []));
      assert.deepStrictEqual(gpu, [74], 'the idle nvidia-smi table before training is not a reading; the CSV row during training is');
    });
  });

  it('no output: warns once the run is silent for the timeout, with the last line, and stop is advised', () => {
    const r = replay('hang-no-output.log', { firstEpochSeconds: 0 });
    const w = only(r);
    assert.strictEqual(w.kind, 'no-output');
    assert.strictEqual(w.atMs, 64000);
    assert.strictEqual(w.line, 'Creating model tf_efficientnet_b4_ns (pretrained)');
    assert.strictEqual(w.lineNumber, 2);
    assert.strictEqual(w.stop, true);
    assert.match(w.message, /no output for 60 s/);
    assert.match(w.help.url, /run-guard\.md#no-output$/);
    // a shorter timeout fires sooner; 0 turns it off
    assert.strictEqual(only(replay('hang-no-output.log', { firstEpochSeconds: 0, noOutputSeconds: 5 })).atMs, 9000);
    assert.deepStrictEqual(replay('hang-no-output.log', { firstEpochSeconds: 0, noOutputSeconds: 0 }).warnings, []);
  });

  it('no output: once per silence, again after output resumes and stops again', () => {
    const w = new RunWatcher({ noOutputSeconds: 10, firstEpochSeconds: 0 }, 0);
    const kinds: string[] = [];
    for (let t = 500; t <= 30000; t += 500) for (const e of w.tick(t)) if (e.type === 'warning') kinds.push(`${e.warning.kind}@${t}`);
    w.line('alive', 30000);
    for (let t = 30500; t <= 45000; t += 500) for (const e of w.tick(t)) if (e.type === 'warning') kinds.push(`${e.warning.kind}@${t}`);
    assert.deepStrictEqual(kinds, ['no-output@10000', 'no-output@40000']);
  });

  it('no output: a script printing once per epoch is judged by its own rhythm after the first epoch', () => {
    const r = replay('epoch-lines-only.log', { firstEpochSeconds: 0 });
    assert.deepStrictEqual(r.warnings.map((w) => [w.kind, w.atMs, w.line]), [
      ['no-output', 60000, 'Epoch 1/10'],
      ['no-output', 450000, 'Epoch 4/10'],
    ]);
    assert.match(r.warnings[1].message, /^no output for 2\.5 min \(1\.5x the longest silence before an epoch report\)/);
  });

  it('progress-bar redraws without a line end count as output', () => {
    const w = new RunWatcher({ noOutputSeconds: 10, firstEpochSeconds: 0 }, 0);
    const events: GuardEvent[] = [];
    for (let t = 1000; t <= 30000; t += 1000) {
      w.activity(t);
      events.push(...w.tick(t));
    }
    assert.deepStrictEqual(events, []);
  });

  it('no first epoch: warns at the timeout when output goes on but no epoch or loss', () => {
    const r = replay('slow-start.log');
    const w = only(r);
    assert.strictEqual(w.kind, 'no-first-epoch');
    assert.strictEqual(w.atMs, 90000);
    assert.strictEqual(w.line, 'cached 8000/20000');
    assert.strictEqual(w.stop, true);
    // the hang gives both, silence first
    assert.deepStrictEqual(replay('hang-no-output.log').warnings.map((x) => `${x.kind}@${x.atMs}`), ['no-output@64000', 'no-first-epoch@90000']);
    assert.deepStrictEqual(replay('slow-start.log', { firstEpochSeconds: 120 }).warnings, []);
  });

  it('low GPU memory: the TG203 first-batch print under 10%', () => {
    const w = only(replay('low-gpu.log', { noOutputSeconds: 0 }));
    assert.strictEqual(w.kind, 'low-gpu-memory');
    assert.strictEqual(w.line, 'GPU: 0.1 GB / 16.0 GB (0.6%)');
    assert.strictEqual(w.atMs, 15000, 'reported once the burst of output it came in is over');
    assert.match(w.message, /0\.60% \(under 10%\).*CPU/);
    assert.strictEqual(w.help.rule, 'TG203');
    assert.strictEqual(w.stop, true);
  });

  it('low GPU memory: an nvidia-smi row during training; not before training, not when another GPU of the table is busy', () => {
    const w = only(replay('low-gpu-smi.log'));
    assert.strictEqual(w.kind, 'low-gpu-memory');
    assert.match(w.line!, /3MiB \/ 15360MiB/);
    // the same row before any epoch or loss: an idle GPU before training is expected
    const before = new RunWatcher({}, 0);
    const events = [...before.line('| N/A   40C    P8     9W /  70W |      3MiB / 15360MiB |      0%      Default |', 1000), ...before.tick(5000), ...before.finish(6000)];
    assert.deepStrictEqual(events, []);
    // the busy GPU listed after the idle one cancels the pending reading too
    const two = new RunWatcher({}, 0);
    const out = [
      ...two.line('loss 2.3', 0),
      ...two.line('| N/A   40C    P8     9W /  70W |      3MiB / 15360MiB |      0%      Default |', 1000),
      ...two.line('| N/A   60C    P0    70W /  70W |  12288MiB / 15360MiB |     97%      Default |', 1000),
      ...two.tick(5000),
      ...two.finish(6000),
    ];
    assert.deepStrictEqual(out.filter((e) => e.type === 'warning'), []);
  });

  it('loss at the random baseline: validation loss within 0.1 of ln(classes) in the first two epochs', () => {
    const w = only(replay('baseline.log', { classes: 120 }));
    assert.strictEqual(w.kind, 'loss-at-baseline');
    assert.strictEqual(w.line, 'Epoch 2/10 - loss: 4.7911 - val_loss: 4.7802');
    assert.match(w.message, /4\.7802 in epoch 2 .* ln\(120\) = 4\.787/);
    assert.strictEqual(w.help.rule, 'TG205');
    // unknown class count: no check; another class count: not at its baseline
    assert.deepStrictEqual(replay('baseline.log').warnings, []);
    assert.deepStrictEqual(replay('baseline.log', { classes: 10 }).warnings, []);
  });

  it('loss at the random baseline: only in the first two epochs (a 4.6 in epoch 5 of a 120-class run is fine)', () => {
    const w = new RunWatcher({ classes: 120, noOutputSeconds: 0 }, 0);
    const events = [1, 2, 3, 4, 5].flatMap((e) => w.line(`epoch ${e}: train 4.8 val ${e < 3 ? 3.0 : 4.75}`, e * 1000));
    assert.deepStrictEqual(events.filter((e) => e.type === 'warning'), []);
  });

  it("loss at the random baseline: the script's own sanity-check print (hints' template)", () => {
    const w = only(replay('baseline-template.log'));
    assert.strictEqual(w.kind, 'loss-at-baseline');
    assert.match(w.line!, /Loss ≈ random baseline/);
  });

  it('over budget: projected from the epoch times, once two epochs are timed', () => {
    const w = only(replay('over-budget.log', { budgetMinutes: 50 }));
    assert.strictEqual(w.kind, 'over-budget');
    assert.strictEqual(w.line, 'Epoch 2/10: train_loss=1.70 val_loss=1.60 (120.0s)');
    assert.match(w.message, /projected run time 60 min is over the 50 min budget \(2 of 10 epochs done, fold 1 of 3, 2 min per epoch\)/);
    assert.strictEqual(w.help.rule, 'TG101');
    assert.strictEqual(w.stop, false);
    // one epoch alone warns only when clearly over (1.5x): 60 min against 30
    assert.strictEqual(only(replay('over-budget.log', { budgetMinutes: 30 })).line, 'Epoch 1/10: train_loss=2.10 val_loss=1.90 (120.0s)');
    assert.deepStrictEqual(replay('over-budget.log', { budgetMinutes: 90 }).warnings, []);
    // no budget: nothing to compare with
    assert.deepStrictEqual(replay('over-budget.log').warnings, []);
  });

  it('over budget: folds count only when the output shows them (a script whose folds are skipped is not over-projected)', () => {
    const lines = ['Epoch 1/10 loss 2.0 (120s)', 'Epoch 2/10 loss 1.8 (120s)'];
    const run = (folds: number | null, withMarker: boolean) => {
      const w = new RunWatcher({ budgetMinutes: 30, folds, noOutputSeconds: 0 }, 0);
      const text = withMarker ? ['Fold 1', ...lines] : lines;
      return text.flatMap((l, i) => w.line(l, 120000 * i + 1000)).filter((e) => e.type === 'warning');
    };
    assert.strictEqual(run(3, false).length, 0, '20 min for the one fold seen');
    assert.strictEqual(run(3, true).length, 1, '60 min for 3 folds once the output shows folds');
  });

  it('over budget: the whole budget used while the run goes on', () => {
    const r = replay('over-budget.log', { budgetMinutes: 5 });
    assert.deepStrictEqual(r.warnings.map((w) => [w.kind, w.atMs, w.line]), [
      ['over-budget', 130000, 'Epoch 1/10: train_loss=2.10 val_loss=1.90 (120.0s)'],
      ['over-budget', 300000, 'step 100/400 loss 1.60'],
    ]);
    assert.match(r.warnings[1].message, /used its whole 5 min budget/);
  });

  it('traceback: CUDA out of memory on stderr, with stdout lines in between, linked to the guide', () => {
    const w = only(replay('traceback-oom.log'));
    assert.strictEqual(w.kind, 'traceback');
    assert.match(w.line!, /^torch\.OutOfMemoryError: CUDA out of memory/);
    assert.strictEqual(w.lineNumber, 9);
    assert.match(w.message, /batch size/);
    assert.match(w.help.url, /run-guard\.md#cuda-out-of-memory$/);
    assert.strictEqual(w.stop, false);
  });

  it("traceback: a DataLoader worker's error names its cause (albucore), linked to TG301", () => {
    const w = only(replay('traceback-worker.log'));
    assert.strictEqual(w.kind, 'traceback');
    assert.match(w.line!, /^ImportError: cannot import name 'preserve_channel_dim'/);
    assert.strictEqual(w.help.rule, 'TG301');
  });

  it('traceback: an unknown error links to the guide; KeyboardInterrupt is not a warning', () => {
    const w = new RunWatcher({ noOutputSeconds: 0, firstEpochSeconds: 0 }, 0);
    const tb = ['Traceback (most recent call last):', '  File "t.py", line 1, in <module>', "KeyError: 'label'"];
    const events = [...tb.flatMap((l) => w.line(l, 1000, 'stderr')), ...w.finish(1200)];
    assert.deepStrictEqual(events.map((e) => (e.type === 'warning' ? [e.warning.line, e.warning.help.anchor] : e.type)), [["KeyError: 'label'", 'traceback']]);
    const k = new RunWatcher({}, 0);
    const quiet = [...['Traceback (most recent call last):', '  File "t.py", line 3, in <module>', 'KeyboardInterrupt'].flatMap((l) => k.line(l, 1000, 'stderr')), ...k.finish(1500)];
    assert.deepStrictEqual(quiet.filter((e) => e.type === 'warning'), []);
  });

  it('each known error of the hints is recognised, and each rule it links exists under that name', () => {
    const samples: Record<string, string> = {
      'cuda-oom': 'torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB',
      albucore: "ImportError: cannot import name 'preserve_channel_dim' from 'albucore.utils'",
      'timm-loss': "AttributeError: module 'timm' has no attribute 'loss'",
      'half-loss': 'RuntimeError: "nll_loss_out_frame" not implemented for \'Half\'',
      'odd-batch': 'AssertionError: Batch size should be even when using this',
      'device-mismatch': 'RuntimeError: Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!',
      'gpu-unused': 'RuntimeError: GPU not being used - check data.cuda() calls',
      'no-cuda': 'AssertionError: Torch not compiled with CUDA enabled',
      'string-labels': "ValueError: invalid literal for int() with base 10: 'cat'",
      'dataloader-worker': 'RuntimeError: DataLoader worker (pid 1234) is killed by signal: Bus error. It is possible that dataloader\'s workers are out of shared memory.',
      'no-submission': 'AssertionError: Must create submission before exiting',
    };
    assert.deepStrictEqual(Object.keys(samples).sort(), KNOWN_ERRORS.map((e) => e.id).sort());
    for (const [id, text] of Object.entries(samples)) assert.strictEqual(knownError(text)?.id, id, text);
    assert.strictEqual(knownError('ValueError: could not convert string to float'), null);
    const names = new Map(ALL_RULES.map((r) => [r.meta.code, r.meta.name]));
    for (const e of KNOWN_ERRORS) if (e.help.rule) assert.strictEqual(`${e.help.rule} ${names.get(e.help.rule)}`, e.help.title);
  });

  it("every guide link points at a section of docs/run-guard.md (GitHub's heading anchors)", () => {
    const slugs = new Set(
      fs
        .readFileSync(path.join(FIXTURES, '..', '..', 'docs', 'run-guard.md'), 'utf8')
        .split('\n')
        .filter((l) => /^#{2,4} /.test(l))
        .map((l) => l.replace(/^#+ /, '').trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')),
    );
    const anchors = new Set([...KNOWN_ERRORS.map((e) => e.help.anchor), 'no-output', 'no-first-epoch', 'traceback'].filter((a): a is string => !!a));
    for (const w of [...replay('hang-no-output.log').warnings, ...replay('traceback-oom.log').warnings]) if (w.help.anchor) anchors.add(w.help.anchor);
    assert.ok(anchors.size >= 7);
    for (const a of anchors) assert.ok(slugs.has(a), `docs/run-guard.md has no section #${a} (sections: ${[...slugs].join(', ')})`);
  });

  it('formats a warning with its line and link, and the status line', () => {
    const w = only(replay('low-gpu.log', { noOutputSeconds: 0 }));
    assert.deepStrictEqual(formatWarning(w).map((l) => l.replace(/: http.*/, '')), [
      `WARNING (low-gpu-memory) at 0:15: ${w.message} [stop advised]`,
      '  line 3: GPU: 0.1 GB / 16.0 GB (0.6%)',
      '  explained in TG203 no-gpu-memory-check',
    ]);
    const r = replay('over-budget.log', { budgetMinutes: 50 });
    assert.strictEqual(statusLine(r.watcher.status(380000)), '6:20 / 50:00 · fold 1/3 · epoch 3/10 · val 1.45 · projected 60 min');
  });
});

describe('run guard: reading output lines', () => {
  const read = (line: string) => parseLine(line, newParseContext());

  it('plain prints, Keras, tqdm, Lightning, Hugging Face', () => {
    const pick = (line: string) => {
      const f = read(line);
      return [f.epoch?.n ?? null, f.epoch?.of ?? null, f.trainLoss, f.valLoss, f.seconds, f.complete];
    };
    assert.deepStrictEqual(pick('epoch 3: train 0.41 val 0.52 (12s)'), [3, null, 0.41, 0.52, 12, true]);
    assert.deepStrictEqual(pick('Epoch 3/10'), [3, 10, null, null, null, false]);
    assert.deepStrictEqual(pick('625/625 [==============================] - 31s 45ms/step - loss: 1.2100 - accuracy: 0.58 - val_loss: 0.9800'), [null, null, 1.21, 0.98, 31, true]);
    assert.deepStrictEqual(pick('625/625 ━━━━━━━━━━━━━━━━━━━━ 31s 45ms/step - accuracy: 0.58 - loss: 1.21 - val_accuracy: 0.66 - val_loss: 0.98'), [null, null, 1.21, 0.98, 31, true]);
    assert.deepStrictEqual(pick('312/625 [=============>...............] - ETA: 14s - loss: 1.3000'), [null, null, 1.3, null, null, false]);
    assert.deepStrictEqual(pick('Epoch 1/10 - 45s - loss: 0.40 - val_loss: 0.52'), [1, 10, 0.4, 0.52, 45, true]);
    assert.deepStrictEqual(pick('Epoch 3:  45%|████▌     | 45/100 [00:10<00:12, 4.50it/s, loss=0.41]'), [3, null, 0.41, null, null, false]);
    assert.deepStrictEqual(pick('Epoch 3: 100%|██████████| 100/100 [01:22<00:00, 1.21it/s, loss=0.41]'), [3, null, 0.41, null, 82, true]);
    assert.deepStrictEqual(pick('Epoch 2: 100%|██████████| 50/50 [00:05<00:00,  9.12it/s, v_num=0, train_loss=0.412, val_loss=0.523]'), [2, null, 0.412, 0.523, 5, true]);
    assert.deepStrictEqual(pick("{'eval_loss': 0.4401, 'eval_runtime': 4.9, 'epoch': 1.0}"), [1, null, null, 0.4401, null, true]);
    assert.deepStrictEqual(pick("{'loss': 0.6912, 'learning_rate': 4.5e-05, 'epoch': 0.5}"), [null, null, 0.6912, null, null, false]);
    assert.deepStrictEqual(pick('[Fold 2/5] Epoch 4/20 | train loss 0.3301 | valid loss 0.4102 | 1m 05s'), [4, 20, 0.3301, 0.4102, 65, true]);
  });

  it('a step inside an epoch, a best-epoch note and a checkpoint name are not epoch reports', () => {
    assert.strictEqual(read('epoch 3 step 100/500 loss 0.5').complete, false);
    assert.strictEqual(read('Epoch 3 [20/100] loss 0.5').complete, false);
    assert.strictEqual(read('Best epoch 3 with val loss 0.5').epoch, null);
    assert.strictEqual(read('Early stopping at epoch 7').epoch, null);
    assert.strictEqual(read('saved model_epoch_3.pth').epoch, null);
    assert.strictEqual(read('EPOCHS = 10').epoch, null);
    assert.strictEqual(read('=== Fold 1/3 ===').progress, false, 'a fold header comes before the model is built');
  });

  it('stated times: never an ETA, a per-step or a per-iteration time', () => {
    assert.strictEqual(statedSeconds('- ETA: 14s - loss: 1.3'), null);
    assert.strictEqual(statedSeconds('100/100 - 5.0s/it'), null);
    assert.strictEqual(statedSeconds('120ms/step'), null);
    assert.strictEqual(statedSeconds('epoch time: 0:02:03'), 123);
    assert.strictEqual(statedSeconds('took 2.5 min'), 150);
  });

  it('GPU memory formats; RAM and utilisation lines are not GPU memory', () => {
    const pct = (line: string) => {
      const g = read(line).gpu;
      return g ? Math.round(g.percent * 10) / 10 : null;
    };
    assert.strictEqual(pct('GPU: 19.2 GB / 24.0 GB (80.0%)'), 80);
    assert.strictEqual(pct('|  N/A   34C    P0    26W / 250W |   4096MiB / 16384MiB |      0%      Default |'), 25);
    assert.strictEqual(pct('GPU memory: 1.2/16.0 GB'), 7.5);
    assert.strictEqual(pct('cuda memory allocated 512 MB of 16384 MB'), 3.1);
    assert.strictEqual(pct('VRAM 3.1G/15.9G'), 19.5);
    assert.strictEqual(pct('GPU memory used: 4.5%'), 4.5);
    assert.strictEqual(pct('RAM: 1.2 GB / 32 GB (4%)'), null);
    assert.strictEqual(pct('GPU utilization: 3%'), null);
    assert.strictEqual(pct('Using GPU 1/2'), null);
    assert.strictEqual(pct('Smoke test passed! GPU: 3.1 GB, Loss: 4.8012'), null);
    // nvidia-smi CSV needs its header to know which column is which
    const ctx = newParseContext();
    parseLine('memory.total [MiB], memory.used [MiB]', ctx);
    assert.strictEqual(Math.round(parseLine('16280 MiB, 1628 MiB', ctx).gpu!.percent), 10);
    assert.strictEqual(read('16280 MiB, 1628 MiB').gpu, null);
  });

  it('splits a stream at \\n, \\r\\n and a lone \\r, across chunks', () => {
    const s = new LineSplitter();
    const lines = [...s.push('a\r\nb\rpro'), ...s.push('gress\r'), ...s.push('\nc\nd')];
    assert.deepStrictEqual(lines, ['a', 'b', 'progress', 'c']);
    assert.strictEqual(s.flush(), 'd');
    // output that never ends a line is cut rather than kept growing
    const long = new LineSplitter();
    const cut = long.push('x'.repeat(70000));
    assert.deepStrictEqual(cut.map((l) => l.length), [70000]);
    assert.strictEqual(long.flush(), null);
  });
});
