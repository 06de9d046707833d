/**
 * Where findings are anchored (issue 16, rules.md "Where a finding is reported"), beyond the fixture
 * markers: TG205's related locations (the epoch loops that train with the criterion), and TG304's two
 * kinds of fix on every use of every fixture: each call's own fix, and the whole-file rewrite offered
 * beside it, each a clean round trip (python3 parses the result, its findings go, nothing new appears).
 */
import * as assert from 'assert';
import { applyEdits } from '../../server/src/analysis/source';
import type { Finding } from '../../server/src/rules/types';
import { checkFixRoundTrip, findings, pythonSyntaxError, ready, ruleFixtures } from './helpers';

const line = (f: { range: { start: { line: number } } }) => f.range.start.line + 1;

describe('anchoring (issue 16)', () => {
  before(ready);

  it('TG205: once per criterion, on it, with every epoch loop that trains with it as related information', () => {
    const text = [
      'import torch',
      'import torch.nn as nn',
      'net = nn.Linear(8, 3).cuda()',
      'crit = nn.CrossEntropyLoss()',
      'opt = torch.optim.SGD(net.parameters(), lr=0.1)',
      'def train_pass(batches):',
      '    for xb, yb in batches:',
      '        opt.zero_grad()',
      '        crit(net(xb.cuda()), yb.cuda()).backward()',
      '        opt.step()',
      'for ep in range(8):',
      '    train_pass(train_batches)',
      'for ep in range(2):',
      '    train_pass(extra_batches)',
      '',
    ].join('\n');
    const got = findings(text, ['TG205']);
    assert.deepStrictEqual(got.map(line), [4]);
    assert.strictEqual(got[0].range.start.character, 7, 'the criterion creation, not the assignment');
    assert.deepStrictEqual(got[0].related?.map((r) => [r.range.start.line + 1, r.message]), [
      [11, 'the epoch loop that trains with this loss'],
      [13, 'the epoch loop that trains with this loss'],
    ]);
  });

  it('TG205: a criterion used only to score validation is not reported beside the training one', () => {
    const text = [
      'import torch',
      'import torch.nn as nn',
      'net = nn.Linear(8, 3).cuda()',
      'train_crit = nn.NLLLoss()',
      'val_crit = nn.CrossEntropyLoss()',
      'opt = torch.optim.SGD(net.parameters(), lr=0.1)',
      'for ep in range(8):',
      '    for xb, yb in loader:',
      '        opt.zero_grad()',
      '        train_crit(net(xb.cuda()).log_softmax(1), yb.cuda()).backward()',
      '        opt.step()',
      '    with torch.no_grad():',
      '        for xb, yb in val_loader:',
      '            print(val_crit(net(xb.cuda()), yb.cuda()).item())',
      '',
    ].join('\n');
    assert.deepStrictEqual(findings(text, ['TG205']).map(line), [4]);
  });

  it('TG205: a fix that edits another function than the criterion\'s says where in its title', async () => {
    const text = [
      'import timm',
      'import torch',
      'import torch.nn as nn',
      'NUM_CLASSES = 5',
      'criterion = nn.CrossEntropyLoss()',
      'def main(train_loader, val_loader):',
      '    model = timm.create_model("resnet18", num_classes=NUM_CLASSES).cuda()',
      '    opt = torch.optim.Adam(model.parameters())',
      '    for epoch in range(10):',
      '        for x, y in train_loader:',
      '            opt.zero_grad()',
      '            criterion(model(x.cuda()), y.cuda()).backward()',
      '            opt.step()',
      '        val_loss = 0.0',
      '        with torch.no_grad():',
      '            for x, y in val_loader:',
      '                val_loss += criterion(model(x.cuda()), y.cuda()).item()',
      '        print(epoch, val_loss)',
      'main(train_loader, val_loader)',
      '',
    ].join('\n');
    const [f] = findings(text, ['TG205']);
    assert.strictEqual(line(f), 5);
    assert.strictEqual(f.fix?.title, 'Compare the validation loss with the random baseline ln(num_classes) (in the epoch loop of main(), line 9)');
    const fixed = await checkFixRoundTrip(text, f, 'TG205');
    assert.ok(fixed.includes('        if epoch < 2:\n            random_baseline = math.log(NUM_CLASSES)\n'), fixed);
  });

  describe('TG304: every use of every invalid fixture', () => {
    const invalid = ruleFixtures('TG304').filter((f) => f.kind === 'invalid');
    // without fixtures the loop below would create no test and the suite would pass on nothing
    it('has invalid fixtures to check', () => assert.ok(invalid.length >= 3, `${invalid.length} invalid TG304 fixtures`));
    for (const fx of invalid) {
      it(`each call's own fix round-trips: ${fx.name}`, async () => {
        const opts = { workspace: fx.workspace };
        const all = findings(fx.text, undefined, opts).filter((f) => f.code === 'TG304');
        assert.ok(all.length, 'no TG304 finding');
        for (const f of all) {
          assert.ok(f.fix, `line ${line(f)}: no fix`);
          await checkFixRoundTrip(fx.text, f, 'TG304', opts);
        }
      });
      it(`the whole-file rewrite, where offered, removes every finding it covers: ${fx.name}`, async () => {
        const opts = { workspace: fx.workspace };
        const before = findings(fx.text, undefined, opts);
        const tg304 = before.filter((f) => f.code === 'TG304');
        const wholes = tg304.map((f) => f.alternativeFixes ?? []);
        if (tg304.length < 2) {
          assert.deepStrictEqual(wholes, tg304.map(() => []), 'one use: its own fix is the whole rewrite');
          return;
        }
        // the same action on every finding
        const first = wholes[0][0];
        assert.ok(first, 'no whole-file rewrite');
        assert.ok(first.title.startsWith('Rewrite every deprecated'), first.title);
        for (const w of wholes) assert.deepStrictEqual(w, [first]);
        const fixed = applyEdits(fx.text, first.edits);
        assert.strictEqual(await pythonSyntaxError(fixed), null, fixed);
        const after = findings(fixed, undefined, opts);
        assert.deepStrictEqual(after.filter((f) => f.code === 'TG304'), [], fixed);
        const count = (fs: Finding[], c: string) => fs.filter((f) => f.code === c).length;
        for (const c of new Set(after.map((f) => f.code))) assert.ok(count(after, c) <= count(before, c), `new ${c}:\n${fixed}`);
      });
    }
  });

  it('TG304: a noqa on one call leaves the import it reads in place, in its own fix, fix-all and the whole-file rewrite', () => {
    const text = 'import torch\nfrom torch.cuda.amp import autocast\nwith autocast():  # noqa: TG304\n    a = 1\nwith autocast(dtype=torch.float16):\n    b = 2\n';
    const got = findings(text, ['TG304']);
    assert.deepStrictEqual(got.map(line), [5]);
    assert.strictEqual(applyEdits(text, got[0].fix!.edits), 'import torch\nfrom torch.cuda.amp import autocast\nwith autocast():  # noqa: TG304\n    a = 1\nwith torch.amp.autocast("cuda", dtype=torch.float16):\n    b = 2\n');
    assert.strictEqual(got[0].alternativeFixes, undefined, 'one use to rewrite: no further action');
  });
});
