/**
 * Suppression comments end to end through the analyser: `# noqa`, `# noqa: CODES`,
 * `# trainguard: ignore[...]`, `# trainguard: ignore-file[...]`, the lines they apply to (a finding's
 * first line and the last line of its statement), TG001 for unknown codes and TG002 for malformed
 * directives.
 */
import * as assert from 'assert';
import { ready, findings } from './helpers';
import { analyzeText } from '../../server/src/analysis/analyze';

const HEAD = `import torch
import torch.nn as nn
from torch.cuda.amp import GradScaler, autocast

model = nn.Linear(10, 2).cuda()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scaler = GradScaler()
loader = [(torch.randn(4, 10), torch.randint(0, 2, (4,)))]
`;

/** A TG303 case; `LOSS` is replaced by the loss statement (indented 8 spaces). */
function script(loss: string, prefix = ''): string {
  return `${prefix}${HEAD}
for epoch in range(3):
    for data, target in loader:
        data, target = data.cuda(), target.cuda()
        optimizer.zero_grad()
        with autocast():
            output = model(data)
${loss}
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
`;
}

const codes = (text: string, select?: string[]) => findings(text, select).map((f) => f.code);
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle));

describe('suppression comments', () => {
  before(ready);

  it('the unsuppressed script reports TG303 (the baseline the other cases change)', () => {
    assert.deepStrictEqual(codes(script('        loss = criterion(output, target)'), ['TG303']), ['TG303']);
  });

  const silenced: [string, string][] = [
    ['bare # noqa', '        loss = criterion(output, target)  # noqa'],
    ['# noqa: TG303', '        loss = criterion(output, target)  # noqa: TG303'],
    ['# noqa with several codes and other linters', '        loss = criterion(output, target)  # noqa: E501, TG303,TG701'],
    ['# noqa: lower-case code', '        loss = criterion(output, target)  # noqa: tg303'],
    ['# NOQA:TG303 without a space', '        loss = criterion(output, target)  # NOQA:TG303'],
    ['# noqa after another comment', '        loss = criterion(output, target)  # fp16 on purpose # noqa: TG303'],
    ['# trainguard: ignore[TG303]', '        loss = criterion(output, target)  # trainguard: ignore[TG303]'],
    ['# trainguard: ignore (every code)', '        loss = criterion(output, target)  # trainguard: ignore'],
    ['# trainguard: ignore[...] with a noqa after it', '        loss = criterion(output, target)  # trainguard: ignore[TG303]  # noqa: E501'],
    ['on the last line of a multi-line statement', '        loss = criterion(\n            output,\n            target,\n        )  # noqa: TG303'],
    ['on the first line of a multi-line statement', '        loss = criterion(  # noqa: TG303\n            output,\n            target,\n        )'],
  ];
  for (const [name, loss] of silenced) {
    it(`silences: ${name}`, () => assert.deepStrictEqual(codes(script(loss), ['TG303']), []));
  }

  const kept: [string, string][] = [
    ['a noqa for another code', '        loss = criterion(output, target)  # noqa: TG701'],
    ['# noqa: with no code (reported as TG002)', '        loss = criterion(output, target)  # noqa:'],
    ['a noqa on a middle line of the statement', '        loss = criterion(\n            output,  # noqa: TG303\n            target,\n        )'],
    ['a noqa on the line before', '        # noqa: TG303\n        loss = criterion(output, target)'],
    ['ignore[] with nothing in it', '        loss = criterion(output, target)  # trainguard: ignore[]'],
    ['a noqa inside a string', '        loss = criterion(output, target); note = "# noqa: TG303"'],
  ];
  for (const [name, loss] of kept) {
    it(`does not silence: ${name}`, () => assert.ok(codes(script(loss), ['TG303']).includes('TG303')));
  }

  it('file-level ignore-file[TG303] silences TG303 anywhere, and only TG303', () => {
    const text = script('        loss = criterion(output, target)', '# trainguard: ignore-file[TG303]\n');
    assert.deepStrictEqual(codes(text, ['TG303', 'TG211']), ['TG211']);
  });

  it('file-level ignore-file without a list silences every rule; ignore-file[] silences nothing and is TG002', () => {
    assert.deepStrictEqual(codes(script('        loss = criterion(output, target)', '# trainguard: ignore-file\n')), []);
    const broken = script('        loss = criterion(output, target)', '# trainguard: ignore-file[]\n');
    assert.ok(codes(broken).includes('TG303'));
    assert.ok(codes(broken).includes('TG002'));
  });

  it('a bare noqa at the end of a loop body does not silence a finding on the loop header', () => {
    const text = script('        loss = criterion(output, target)').replace('scaler.update()', 'scaler.update()  # noqa');
    assert.ok(codes(text, ['TG211']).includes('TG211'));
  });

  it('a noqa after the colon of a multi-line loop header silences a finding on the header', () => {
    const base = script('        loss = criterion(output, target)');
    const text = base.replace('for epoch in range(3):', 'for epoch in range(\n    3,\n):  # noqa: TG211');
    assert.ok(codes(base, ['TG211']).includes('TG211'));
    assert.deepStrictEqual(codes(text, ['TG211']), []);
  });

  it('TG001: unknown TG codes in noqa and in trainguard directives, with their exact range; other linters\' codes are fine', () => {
    const text = script('        loss = criterion(output, target)  # noqa: TG330, E501', '# trainguard: ignore-file[TG999, W291]\n');
    const got = findings(text, ['TG001']);
    assert.deepStrictEqual(
      got.map((f) => f.message.split(' ').find((w) => /^TG\d+$|^W291$/.test(w)) ?? f.message),
      ['TG999', 'W291', 'TG330'],
    );
    const line = lineOf(text, 'TG330');
    const tg330 = got.find((f) => f.message.includes('TG330'))!;
    assert.deepStrictEqual(tg330.range, { start: { line, character: text.split('\n')[line].indexOf('TG330') }, end: { line, character: text.split('\n')[line].indexOf('TG330') + 5 } });
    assert.strictEqual(tg330.severity, 'information');
    // the misspelt code suppresses nothing
    assert.ok(codes(text, ['TG303']).includes('TG303'));
  });

  const malformed: [string, RegExp][] = [
    ['# trainguard: budget=soon', /cannot read budget "soon"/],
    ['# trainguard: budgt=30m', /unknown directive key "budgt"/],
    ['# trainguard: ignore TG303', /codes go in brackets: `# trainguard: ignore\[TG303\]`/],
    ['# trainguard: ignore[TG303 oops]', /"oops" in `ignore\[...\]` is not a rule code/],
    ['# trainguard:', /empty `# trainguard:` directive/],
    ['x = 1  # noqa:', /`# noqa:` names no code/],
  ];
  for (const [comment, message] of malformed) {
    it(`TG002: ${comment}`, () => {
      const got = findings(`${comment}\n`, ['TG002']);
      assert.strictEqual(got.length, 1, JSON.stringify(got));
      assert.match(got[0].message, message);
    });
  }

  it('well-formed directives are not TG002, and budget/gpu reach the settings', () => {
    const text = '# trainguard: budget=1.5h gpu=T4  # noqa: E501\nx = 1  # noqa: E501\n# trainguard: ignore-file[TG205]\n';
    assert.deepStrictEqual(codes(text, ['TG002']), []);
    const r = analyzeText(text);
    assert.strictEqual(r.directives.budgetMinutes, 90);
    assert.strictEqual(r.directives.gpu, 'T4');
  });
});
