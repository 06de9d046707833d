/**
 * Train Guard's directive comments highlighted in the real workbench (the packaged .vsix's injection
 * grammar, syntaxes/trainguard-directives.tmLanguage.json, on top of VS Code's own Python grammar):
 * `# noqa: TG303`, `# trainguard: ignore[...]` and `# trainguard: budget=30m gpu=T4` are coloured
 * apart from the comment around them; a malformed directive, a plain comment and a directive inside a
 * string are not. Read from the colours the editor really renders, and shown in a screenshot
 * (docs/images/directives.png in the README).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { poll, uiEnv, waitVisible, Workbench } from '../support/workbench';

const FILE = 'directives_demo.py';
const TEXT = [
  '# trainguard: budget=30m gpu=T4',
  '# trainguard: ignore-file[TG205]',
  'import torch',
  '',
  'model = torch.nn.Linear(2, 2)',
  'loss = torch.nn.functional.mse_loss(model(torch.ones(1, 2)), torch.zeros(1, 2))  # noqa: TG303, TG701',
  'x = 1  # trainguard: ignore[TG203]',
  'y = 2  # noqa: because the loss is fine',
  'z = 3  # a plain comment about TG303 and noqa',
  's = "# noqa: TG303"',
  '',
].join('\n');

interface Run {
  text: string;
  color: string;
}

describe('directive comments highlighted in the real workbench (packaged .vsix on code-server)', function () {
  this.timeout(240000);
  const env = uiEnv();
  let wb: Workbench;

  before(async () => {
    fs.writeFileSync(path.join(env.workspace, FILE), TEXT);
    wb = await Workbench.open(env);
  });

  afterEach(async function () {
    await wb?.afterTest(this.currentTest);
  });

  after(async () => {
    await wb?.close();
  });

  /** The coloured runs of the rendered line whose text (spaces normalised) starts with `prefix`. */
  async function runsOf(editor: ReturnType<Workbench['editor']>, prefix: string, what = `the rendered line starting ${JSON.stringify(prefix)}`, ready = (_: Run[]) => true, timeoutMs = 30000): Promise<Run[]> {
    return poll(
      what,
      async () => {
        const lines = await editor.locator('.view-line').evaluateAll((els) =>
          els.map((el) => Array.from(el.querySelectorAll('span > span')).map((s) => ({ text: (s.textContent ?? '').replace(/\u00a0/g, ' '), color: getComputedStyle(s).color }))),
        );
        const runs = lines.find((r) => r.map((x) => x.text).join('').startsWith(prefix));
        return runs && ready(runs) ? runs : null;
      },
      timeoutMs,
    );
  }

  /** The colour of the run holding `needle` on that line. */
  const colorOf = (runs: Run[], needle: string): string => {
    const r = runs.find((x) => x.text.includes(needle));
    assert.ok(r, `no run holds ${JSON.stringify(needle)} in ${JSON.stringify(runs)}`);
    return r.color;
  };

  it('colours noqa codes and trainguard directives apart from the comment; leaves malformed ones, plain comments and strings alone', async () => {
    const editor = await wb.openFile(FILE);
    await waitVisible(editor.locator('.view-line', { hasText: 'plain comment' }), 'the demo file to render');
    // the TextMate grammars load and tokenize asynchronously: wait until the line with a plain
    // comment shows the code and the comment in different colours
    const plain = await runsOf(editor, 'z = 3', 'the Python grammar to colour the file (a comment apart from code)', (runs) => new Set(runs.map((r) => r.color)).size > 1, 90000);
    const commentColor = colorOf(plain, 'a plain comment about TG303 and noqa');
    assert.strictEqual(new Set(plain.filter((r) => r.text.includes('#') || r.text.includes('plain')).map((r) => r.color)).size, 1, `a plain comment is one colour: ${JSON.stringify(plain)}`);

    const noqa = await runsOf(editor, 'loss = ');
    assert.notStrictEqual(colorOf(noqa, 'noqa'), commentColor, `"noqa" should be coloured as a directive: ${JSON.stringify(noqa)}`);
    assert.notStrictEqual(colorOf(noqa, 'TG303'), commentColor, `the code TG303 should be coloured: ${JSON.stringify(noqa)}`);
    assert.notStrictEqual(colorOf(noqa, 'TG701'), commentColor, `the code TG701 should be coloured: ${JSON.stringify(noqa)}`);

    const ignore = await runsOf(editor, 'x = 1');
    assert.notStrictEqual(colorOf(ignore, 'trainguard'), commentColor, JSON.stringify(ignore));
    assert.notStrictEqual(colorOf(ignore, 'TG203'), commentColor, JSON.stringify(ignore));

    const budget = await runsOf(editor, '# trainguard: budget');
    assert.notStrictEqual(colorOf(budget, 'trainguard'), commentColor, JSON.stringify(budget));
    assert.notStrictEqual(colorOf(budget, 'T4'), commentColor, JSON.stringify(budget));

    const file = await runsOf(editor, '# trainguard: ignore-file');
    assert.notStrictEqual(colorOf(file, 'TG205'), commentColor, JSON.stringify(file));

    // `# noqa:` followed by words, not codes: not read as a directive, so not highlighted as one
    const malformed = await runsOf(editor, 'y = 2');
    for (const r of malformed.filter((x) => /noqa|because/.test(x.text))) assert.strictEqual(r.color, commentColor, `malformed directive coloured: ${JSON.stringify(malformed)}`);
    // inside a string it is string text
    const str = await runsOf(editor, 's = ');
    assert.notStrictEqual(colorOf(str, 'TG303'), colorOf(noqa, 'TG303'), `a directive inside a string is string text: ${JSON.stringify(str)}`);

    // the README's picture: the editor's top left, where the demo file's lines are
    const box = await wb.page.locator('.editor-group-container.active').boundingBox();
    if (box) {
      fs.mkdirSync(env.artifacts, { recursive: true });
      await wb.page.screenshot({ path: path.join(env.artifacts, '06-directives-editor.png'), clip: { x: box.x, y: box.y, width: Math.min(box.width, 960), height: Math.min(box.height, 280) } }).catch(() => undefined);
    }
  });
});
