/**
 * The packaged Train Guard (.vsix installed into code-server) in the real workbench, used the way a
 * person does: squiggles on examples/train.py, a hover with the message and the docs link, the TG303
 * quick fix through Ctrl+. and through the lightbulb, saved to disk. Screenshots go to the artefacts.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { poll, uiEnv, waitHidden, waitVisible, Workbench } from '../support/workbench';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const DOCS_TG303 = 'https://github.com/trainguard/train-guard/blob/main/docs/rules/TG303.md';
const ORIGINAL = fs.readFileSync(path.join(ROOT, 'examples', 'train.py'), 'utf8');
const LINES = ORIGINAL.split('\n');
const LOSS = LINES.findIndex((l) => l.includes('loss = criterion(logits, labels)'));
const WITH = LINES.findIndex((l) => /^with autocast\(.*\):$/.test(l.trim()));
/** Where TG303 points (1-based, as Ctrl+G takes it): the loss call. */
const TG303_AT = { line: LOSS + 1, column: LINES[LOSS].indexOf('criterion(') + 1 };
// TG203 and TG211 are reported on the epoch loop (rules.md anchoring), out of view from the TG303 line
const EPOCH = LINES.findIndex((l) => /^\s*for epoch in range\(/.test(l));
const WARN_AT = { line: EPOCH + 1, column: LINES[EPOCH].indexOf('for') + 1 };
/** examples/train.py after the fix: only the loss line changes, one level deeper, inside autocast. */
const FIXED = [...LINES.slice(0, LOSS), `    ${LINES[LOSS]}`, ...LINES.slice(LOSS + 1)].join('\n');

const indent = (s: string) => s.length - s.trimStart().length;

/**
 * The file once the workbench has finished saving it. A save truncates the file and then writes it,
 * so a read in between sees it empty or cut short (CI saw that once): wait until it differs from the
 * original and two reads 200 ms apart agree.
 */
async function savedText(file: string): Promise<string> {
  let last: string | undefined;
  return poll(`${path.basename(file)} to be saved with the fix`, () => {
    const now = fs.readFileSync(file, 'utf8');
    const settled = now !== ORIGINAL && now.length > 0 && now === last;
    last = now;
    return settled && now;
  });
}

/** The saved file must be examples/train.py with the loss moved into the autocast block. */
async function assertFixedOnDisk(file: string): Promise<void> {
  const disk = await savedText(file);
  const lines = disk.split('\n');
  assert.ok(lines.length === LINES.length, `the saved file has ${lines.length} lines, examples/train.py has ${LINES.length}: ${JSON.stringify(disk.slice(0, 400))}`);
  assert.ok(indent(lines[LOSS]) > indent(lines[WITH]), `after the fix, line ${LOSS + 1} ${JSON.stringify(lines[LOSS])} should be inside ${JSON.stringify(lines[WITH])}`);
  assert.strictEqual(indent(lines[LOSS]), indent(lines[WITH + 1]), 'the loss should sit beside the model call in the autocast body');
  assert.strictEqual(disk, FIXED, 'nothing but the loss line should change');
}

describe('Train Guard in the real workbench (packaged .vsix on code-server)', function () {
  this.timeout(240000);
  const env = uiEnv();
  let wb: Workbench;

  before(async () => {
    assert.ok(LOSS > 0 && WITH > 0 && WITH < LOSS, 'examples/train.py should hold a `with autocast(...):` block followed by the loss line outside it');
    for (const name of ['train_quickfix.py', 'train_lightbulb.py']) fs.copyFileSync(path.join(ROOT, 'examples', 'train.py'), path.join(env.workspace, name));
    wb = await Workbench.open(env);
  });

  afterEach(async function () {
    await wb?.afterTest(this.currentTest);
  });

  after(async () => {
    await wb?.close();
  });

  it('shows the squiggles; hovering the TG303 one shows its message, source and docs link', async () => {
    const editor = await wb.openFile('train_quickfix.py');
    await wb.goto(TG303_AT.line, TG303_AT.column); // scrolls the findings into view
    await waitVisible(editor.locator('.squiggly-error'), 'the TG303 error squiggle', 90000);
    await wb.goto(WARN_AT.line, WARN_AT.column);
    await waitVisible(editor.locator('.squiggly-warning'), 'a warning squiggle (TG203 / TG211 on the epoch loop)', 30000);
    await wb.goto(TG303_AT.line, TG303_AT.column);
    await waitVisible(editor.locator('.squiggly-error'), 'the TG303 error squiggle back in view');
    await wb.screenshot('01-squiggles');

    const box = await editor.locator('.squiggly-error').first().boundingBox();
    assert.ok(box, 'the error squiggle has no box');
    await wb.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const hover = await waitVisible(wb.page.locator('.monaco-hover:not(.hidden) .marker.hover-contents'), 'the hover over the TG303 squiggle');
    const text = (await hover.innerText()).replace(/\u00a0/g, ' ');
    assert.match(text, /Loss computed outside the autocast block/);
    assert.match(text, /trainguard/);
    const link = hover.locator('a.code-link');
    assert.strictEqual((await link.innerText()).trim(), 'TG303');
    assert.strictEqual(await link.getAttribute('href'), DOCS_TG303);
    await wb.screenshot('02-hover');
    await wb.page.mouse.move(5, 5);
    await wb.page.keyboard.press('Escape');
  });

  it('Ctrl+. on the TG303 squiggle offers the fix; Enter applies it; the saved file has the loss inside autocast', async () => {
    const editor = await wb.openFile('train_quickfix.py');
    await wb.goto(TG303_AT.line, TG303_AT.column);
    await waitVisible(editor.locator('.squiggly-error'), 'the TG303 error squiggle', 90000);
    await wb.page.keyboard.press('Control+.');
    const rows = wb.page.locator('.action-widget .monaco-list-row.action');
    await waitVisible(rows, 'the quick-fix menu (Ctrl+.)');
    const labels: string[] = [];
    for (let i = 0, n = await rows.count(); i < n; i++) labels.push((await rows.nth(i).getAttribute('aria-label')) ?? '');
    const at = labels.findIndex((l) => l.includes('(TG303)'));
    assert.ok(at >= 0, `the quick-fix menu should offer the TG303 fix, it shows ${JSON.stringify(labels)}`);
    assert.match(labels[at], /^Move the loss into the autocast block \(TG303\)/);
    for (let i = 0; i < labels.length; i++) {
      const focused = await wb.page.locator('.action-widget .monaco-list-row.action.focused').getAttribute('aria-label');
      if (focused?.includes('(TG303)')) break;
      await wb.page.keyboard.press('ArrowDown');
    }
    assert.match((await wb.page.locator('.action-widget .monaco-list-row.action.focused').getAttribute('aria-label')) ?? '', /\(TG303\)/);
    await wb.screenshot('03-quickfix-menu');
    await wb.screenshot('03-quickfix-menu-editor', wb.page.locator('.editor-group-container.active'));
    await wb.page.keyboard.press('Enter');
    await waitHidden(wb.page.locator('.action-widget'), 'the quick-fix menu to close');

    const file = path.join(env.workspace, 'train_quickfix.py');
    await wb.save();
    await assertFixedOnDisk(file);
    await waitHidden(editor.locator('.squiggly-error'), 'the TG303 squiggle to clear after the fix');
    await wb.goto(WARN_AT.line, WARN_AT.column);
    await waitVisible(editor.locator('.squiggly-warning'), 'the warning squiggles to stay');
    await wb.screenshot('04-fixed');
  });

  it('clicking the lightbulb on the TG303 line and its TG303 entry applies the same fix', async () => {
    const editor = await wb.openFile('train_lightbulb.py');
    await wb.goto(TG303_AT.line, TG303_AT.column);
    await waitVisible(editor.locator('.squiggly-error'), 'the TG303 error squiggle', 90000);
    const bulb = await waitVisible(editor.locator('.lightBulbWidget.codicon-lightbulb-autofix'), 'the lightbulb with a preferred fix on the TG303 line');
    await bulb.click();
    const row = await waitVisible(wb.page.locator('.action-widget .monaco-list-row.action', { hasText: '(TG303)' }), 'the TG303 entry in the lightbulb menu');
    await wb.screenshot('05-lightbulb-menu');
    await row.click();
    await waitHidden(wb.page.locator('.action-widget'), 'the lightbulb menu to close');

    const file = path.join(env.workspace, 'train_lightbulb.py');
    await wb.save();
    await assertFixedOnDisk(file);
    await waitHidden(editor.locator('.squiggly-error'), 'the TG303 squiggle to clear after the fix');
  });
});
