/**
 * Run with guard in the real workbench (packaged .vsix on code-server), the way a person uses it: the
 * shield button shows in the editor title, the command palette runs a hanging script, its output shows in the "Train Guard: hang_ui.py" terminal,
 * the status bar shows the run, the no-output warning pops up as a notification (the timeout shortened
 * in the workspace's .vscode/settings.json), its "Stop run" button stops the run, and the script and
 * the child it started are gone (read from the run log, checked by PID from here). Screenshots go to
 * the artefacts.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { poll, uiEnv, waitHidden, waitVisible, Workbench } from '../support/workbench';
import { alive } from '../support/proc';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const SCRIPT = 'hang_ui.py';

describe('Run with guard in the real workbench (packaged .vsix on code-server)', function () {
  this.timeout(240000);
  const env = uiEnv();
  const settingsFile = path.join(env.workspace, '.vscode', 'settings.json');
  let wb: Workbench;
  let savedSettings: string | null = null;

  before(async () => {
    fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'runguard', 'hang.py'), path.join(env.workspace, SCRIPT));
    savedSettings = fs.existsSync(settingsFile) ? fs.readFileSync(settingsFile, 'utf8') : null;
    const settings = savedSettings ? (JSON.parse(savedSettings) as Record<string, unknown>) : {};
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    fs.writeFileSync(settingsFile, JSON.stringify({ ...settings, 'trainguard.runGuard.noOutputSeconds': 3, 'trainguard.runGuard.firstEpochSeconds': 0 }, null, 2));
    wb = await Workbench.open(env);
  });

  afterEach(async function () {
    await wb?.afterTest(this.currentTest);
  });

  after(async () => {
    await wb?.close();
    if (savedSettings === null) fs.rmSync(settingsFile, { force: true });
    else fs.writeFileSync(settingsFile, savedSettings);
  });

  it('runs a hanging script from the palette, shows the no-output warning, and its Stop run button kills the tree', async () => {
    await wb.openFile(SCRIPT);
    const page = wb.page;
    // the editor-title button appears once Train Guard is active in a trusted workspace (the palette
    // entry too; an open palette does not refresh its list, so it is opened after)
    await waitVisible(page.locator('.editor-actions .action-label[aria-label="Run with guard"]'), 'the Run with guard button in the editor title', 60000);
    await page.keyboard.press('F1');
    await waitVisible(page.locator('.quick-input-widget input'), 'the command palette');
    await page.keyboard.type('Train Guard: Run with guard');
    await waitVisible(page.locator('.quick-input-list .monaco-list-row', { hasText: 'Run with guard' }), 'the Run with guard command in the palette');
    await page.keyboard.press('Enter');

    // the terminal shows the script's output, the status bar the run
    await waitVisible(page.locator('.terminal-wrapper .xterm'), "the run's terminal", 60000);
    await waitVisible(page.locator('.statusbar-item', { hasText: SCRIPT }), 'the run in the status bar', 60000);

    // (a slow interpreter start-up may be flagged first: the warning that matters follows the last line)
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'the last line was: "Creating model' });
    await waitVisible(toast, 'the no-output notification', 90000);
    assert.match((await toast.first().innerText()).replace(/\s+/g, ' '), /Train Guard \(hang_ui\.py\): no output for 3 s; the last line was: "Creating model \(pretrained\)\.\.\."/);
    await wb.screenshot('runguard-01-warning');

    const logs = path.join(env.workspace, '.trainguard', 'runs');
    const log = await poll('the run log with the PIDs', () => {
      const files = fs.existsSync(logs) ? fs.readdirSync(logs).filter((f) => f.endsWith('.log')).map((f) => path.join(logs, f)) : [];
      const text = files.map((f) => fs.readFileSync(f, 'utf8')).find((t) => t.includes(SCRIPT) && /PIDS \d+/.test(t));
      return text ?? null;
    });
    const child = Number(/PIDS (\d+)/.exec(log)![1]);
    assert.ok(alive(child), 'the child runs before the stop');

    await toast.first().locator('.monaco-button', { hasText: 'Stop run' }).click();
    await waitVisible(page.locator('.notifications-toasts .notification-toast', { hasText: `${SCRIPT} was stopped` }), 'the notification that the run was stopped', 60000);
    await waitHidden(page.locator('.statusbar-item', { hasText: SCRIPT }), 'the run to leave the status bar', 30000);
    await wb.screenshot('runguard-02-stopped');
    await poll(`the child ${child} to be gone`, () => !alive(child), 15000);
    const after = fs.readdirSync(logs).map((f) => fs.readFileSync(path.join(logs, f), 'utf8')).find((t) => t.includes(`PIDS ${child}`))!;
    assert.match(after, /\[trainguard\] run stopped on request after /);
  });
});
