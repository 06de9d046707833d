/** `trainguard estimate`: flags, a script, JSON output, exit codes and usage errors. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run } from '../../server/src/cli/main';
import { FIXTURES } from './helpers';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(['estimate', ...argv], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

const fixture = (name: string) => path.join(FIXTURES, 'rules', 'TG101', name);

describe('trainguard estimate', () => {
  it('estimates from flags and says the hints\' example does not fit 30 min (exit 1)', async () => {
    const r = await cli('--model', 'efficientnet_b4', '--folds', '3', '--epochs', '10', '--gpu', 'A10', '--img-size', '224', '--budget', '30m');
    assert.strictEqual(r.code, 1, r.stderr);
    assert.match(r.stdout, /budget 30 min: DOES NOT FIT/);
    assert.match(r.stdout, /3 x 10 x 2\.5 = 75 min of training/);
    assert.match(r.stdout, /Plans that fit 30 min:\n {2}- EfficientNet-B2/);
  });

  it('fits -> exit 0, with the parts and the measured rates', async () => {
    const r = await cli('--model', 'resnet18', '--epochs', '5', '--gpu', 'A100', '--img-size', '32', '--train-samples', '50000', '--val-samples', '10000', '--budget', '2h', '--workers', '8');
    assert.strictEqual(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /budget 2 h: fits/);
    for (const part of ['training', 'validation', 'inference', 'buffer 20%', 'per epoch', 'training rate']) assert.ok(r.stdout.includes(part), part);
  });

  it('JSON output carries the estimate, the plans and the input', async () => {
    const r = await cli('--model', 'convnext_tiny', '--folds', '5', '--epochs', '10', '--gpu', 'T4', '--train-samples', '20000', '--val-samples', '5000', '--budget', '1h', '--amp', 'off', '--output-format', 'json');
    const j = JSON.parse(r.stdout);
    assert.strictEqual(j.estimate.status, 'ok');
    assert.strictEqual(j.estimate.method, 'measured');
    assert.strictEqual(j.input.amp, false);
    assert.strictEqual(j.estimate.verdict, 'does-not-fit');
    assert.strictEqual(r.code, 1);
    assert.ok(j.plans.length > 0);
    for (const p of j.plans) assert.ok(p.total.point <= 60);
  });

  it('an unknown model is unknown (exit 0) and asks for a measured rate; the rate then gives an estimate', async () => {
    const r = await cli('--model', 'my_private_net', '--epochs', '3', '--gpu', 'T4');
    assert.strictEqual(r.code, 0);
    assert.match(r.stdout, /unknown/);
    assert.match(r.stdout, /samples\/s/);
    const m = await cli('--model', 'my_private_net', '--epochs', '3', '--gpu', 'T4', '--samples-per-sec', '120', '--train-samples', '12000', '--inference-minutes', '0', '--output-format', 'json');
    const j = JSON.parse(m.stdout);
    assert.strictEqual(j.estimate.method, 'user-measured');
    assert.strictEqual(j.estimate.parts.train.point, 5); // 3 x 12000 / 120 s
  });

  it('reads a script as the panel does: model, epochs, dataset, budget and GPU from its comment', async () => {
    const r = await cli(fixture('invalid-cifar-config-class.py'), '--output-format', 'json');
    assert.strictEqual(r.code, 1, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.strictEqual(j.input.model, 'resnet50');
    assert.strictEqual(j.input.epochs, 30);
    assert.strictEqual(j.input.gpu, 'T4');
    assert.strictEqual(j.input.budgetMinutes, 20);
    assert.strictEqual(j.input.trainSamples, 50000);
    assert.strictEqual(j.script.epochs.source, 'epochs = 30 (line 12)');
    // flags override the script
    const o = await cli(fixture('invalid-cifar-config-class.py'), '--epochs', '2', '--gpu', 'H100', '--output-format', 'json');
    const k = JSON.parse(o.stdout);
    assert.deepStrictEqual([k.input.epochs, k.input.gpu, k.estimate.verdict, o.code], [2, 'H100', 'fits', 0]);
  });

  it('takes the budget and GPU from [tool.trainguard] in pyproject.toml; the file\'s comment wins', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-estimate-'));
    try {
      fs.mkdirSync(path.join(dir, '.git'));
      fs.writeFileSync(path.join(dir, 'pyproject.toml'), '[tool.trainguard]\nbudget-minutes = 45\ngpu = "P100"\n');
      const body = 'import timm\nmodel = timm.create_model("efficientnet_b3")\nfor epoch in range(8):\n    for x, y in loader:\n        model(x).sum().backward()\n        opt.step()\n';
      fs.writeFileSync(path.join(dir, 'train.py'), body);
      fs.writeFileSync(path.join(dir, 'commented.py'), '# trainguard: budget=20m gpu=T4\n' + body);
      const a = JSON.parse((await cli(path.join(dir, 'train.py'), '--output-format', 'json')).stdout);
      assert.deepStrictEqual([a.input.budgetMinutes, a.input.gpu], [45, 'P100']);
      const b = JSON.parse((await cli(path.join(dir, 'commented.py'), '--output-format', 'json')).stdout);
      assert.deepStrictEqual([b.input.budgetMinutes, b.input.gpu], [20, 'T4']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('usage errors exit 2 with a clear message', async () => {
    const cases: [string[], RegExp][] = [
      [['--epochs', '3'], /--model is required/],
      [['--model', 'resnet50'], /--epochs is required/],
      [['--model', 'resnet50', '--epochs', '0'], /--epochs must be a whole number of at least 1/],
      [['--model', 'resnet50', '--epochs', '3', '--gpu', 'TPU'], /unknown GPU "TPU" \(known: P100, T4/],
      [['--model', 'resnet50', '--epochs', '3', '--amp', 'yes'], /--amp must be on or off/],
      [['--model', 'resnet50', '--epochs', '3', '--budget', 'soon'], /cannot read --budget "soon"/],
      [['--model', 'resnet50', '--epochs', '3', '--samples-per-sec', '-4'], /--samples-per-sec must be a positive number/],
      [['--model', 'resnet50', '--epochs', '3', '--frobnicate'], /unknown option --frobnicate/],
      [[fixture('valid-no-budget.py'), fixture('valid-fits-budget.py')], /at most one script/],
    ];
    for (const [argv, re] of cases) {
      const r = await cli(...argv);
      assert.strictEqual(r.code, 2, argv.join(' '));
      assert.match(r.stderr, re);
    }
    const missing = await cli(path.join(FIXTURES, 'no-such-file.py'));
    assert.strictEqual(missing.code, 2);
    assert.match(missing.stderr, /cannot read/);
  });
});
