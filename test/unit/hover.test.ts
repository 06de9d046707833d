/** Hovers on suppression comments and `# trainguard:` directives (the pure part of the LSP feature). */
import * as assert from 'assert';
import { ready } from './helpers';
import { analyzeText } from '../../server/src/analysis/analyze';
import { hoverAt } from '../../server/src/lsp/features/hover';

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle));

const text = `# trainguard: budget=30m gpu=T4
# trainguard: ignore-file[TG701]
import torch
from torch.cuda.amp import autocast

model = torch.nn.Linear(2, 2).cuda()
criterion = torch.nn.CrossEntropyLoss()
for x, y in [(torch.randn(2, 2), torch.zeros(2))]:
    with autocast():
        output = model(x.cuda())
    loss = criterion(output, y.cuda())  # noqa: TG303, TG999, E501
    loss.backward()
    scaler.update()
`;

describe('hover', () => {
  before(ready);
  const hover = (needle: string, offset = 0) => {
    const line = lineOf(text, needle);
    const r = analyzeText(text, { keepModel: true });
    try {
      const h = hoverAt(r.model.comments, { line, character: text.split('\n')[line].indexOf(needle) + offset });
      return h ? { value: (h.contents as { value: string }).value, range: h.range } : null;
    } finally {
      r.model.tree.delete();
    }
  };

  it('on a known code: name, severity, fixable, summary, docs link, and the code\'s range', () => {
    const h = hover('TG303, TG999', 2)!;
    assert.match(h.value, /\*\*TG303\*\* `loss-outside-autocast` \(error, quick fix available\)/);
    assert.match(h.value, /autocast/);
    assert.match(h.value, /\[Documentation\]\(https:\/\/.*\/docs\/rules\/TG303\.md\)/);
    const line = lineOf(text, 'TG303, TG999');
    const col = text.split('\n')[line].indexOf('TG303, TG999');
    assert.deepStrictEqual(h.range, { start: { line, character: col }, end: { line, character: col + 5 } });
  });

  it('on a code of ignore-file[...]', () => assert.match(hover('TG701]')!.value, /\*\*TG701\*\* `only-best-checkpoint`/));
  it('on an unknown TG code: says it suppresses nothing', () => assert.match(hover('TG999')!.value, /no Train Guard rule has this code/));
  it('on another linter\'s code: nothing', () => assert.strictEqual(hover('E501'), null));
  it('on the directive word: explains budget and gpu with this file\'s values', () => {
    assert.match(hover('trainguard: budget')!.value, /This file: budget 30 min, GPU T4/);
  });
  it('on the noqa word: explains what noqa does', () => assert.match(hover('noqa: TG303')!.value, /suppresses the listed codes/));
  it('on code, not a comment: nothing', () => assert.strictEqual(hover('scaler.update()'), null));
});
