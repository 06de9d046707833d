/**
 * Settings from pyproject.toml, the editor and the CLI: select / ignore / severity semantics, the
 * precedence of the layers, broken and unknown configuration, and the cache.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { effectiveSeverity, defaultSettings, isKnownSelector, type ResolvedSettings } from '../../server/src/config/settings';
import { mergeSettings, layerFromSettings, type SettingsLayer } from '../../server/src/config/resolve';
import { parsePyproject, findConfig } from '../../server/src/config/pyproject';
import { FileCache, ancestors, MAX_CONFIG_BYTES } from '../../server/src/config/files';
import { KNOWN_CODES } from '../../server/src/rules/index';
import { tempTree } from './tempTree';

const KNOWN = new Set(['TG101', 'TG201', 'TG205', 'TG211', 'TG301', 'TG303', 'TG304', 'TG701', 'TG1001']);

function settings(s: Partial<ResolvedSettings>): ResolvedSettings {
  return { ...defaultSettings(), ...s };
}
const on = (code: string, s: ResolvedSettings) => effectiveSeverity(code, 'warning', s);

describe('settings', () => {
  describe('select / ignore within one layer (Ruff semantics)', () => {
    it('empty select = every rule', () => assert.strictEqual(on('TG303', settings({})), 'warning'));
    it('select by code and by prefix', () => {
      assert.strictEqual(on('TG303', settings({ select: ['TG303'] })), 'warning');
      assert.strictEqual(on('TG303', settings({ select: ['TG3'] })), 'warning');
      assert.strictEqual(on('TG701', settings({ select: ['TG3'] })), null);
      assert.strictEqual(on('TG701', settings({ select: ['ALL'] })), 'warning');
    });
    it('a prefix is not the code itself spelt longer: TG30 matches TG303, TG3030 does not match TG303', () => {
      assert.strictEqual(on('TG303', settings({ select: ['TG30'] })), 'warning');
      assert.strictEqual(on('TG303', settings({ select: ['TG3030'] })), null);
    });
    it('ignore by code, by prefix and ALL', () => {
      assert.strictEqual(on('TG303', settings({ ignore: ['TG303'] })), null);
      assert.strictEqual(on('TG303', settings({ ignore: ['TG3'] })), null);
      assert.strictEqual(on('TG701', settings({ ignore: ['TG3'] })), 'warning');
      assert.strictEqual(on('TG701', settings({ ignore: ['ALL'] })), null);
    });
    it('a more specific select beats a broader ignore', () => {
      const s = settings({ select: ['TG303'], ignore: ['TG3'] });
      assert.strictEqual(on('TG303', s), 'warning');
      assert.strictEqual(on('TG304', s), null);
      assert.strictEqual(on('TG303', settings({ select: ['TG303'], ignore: ['ALL'] })), 'warning');
      assert.strictEqual(on('TG303', settings({ select: ['TG3', 'TG303'], ignore: ['TG30'] })), 'warning');
      assert.strictEqual(on('TG304', settings({ select: ['TG3', 'TG303'], ignore: ['TG30'] })), null);
    });
    it('a more specific ignore beats a broader select, and ignore wins a tie', () => {
      assert.strictEqual(on('TG303', settings({ select: ['TG3'], ignore: ['TG303'] })), null);
      assert.strictEqual(on('TG304', settings({ select: ['TG3'], ignore: ['TG303'] })), 'warning');
      assert.strictEqual(on('TG303', settings({ select: ['TG3'], ignore: ['TG3'] })), null);
      assert.strictEqual(on('TG303', settings({ select: ['ALL'], ignore: ['ALL'] })), null);
    });
    it('severity overrides: a level, or off (which beats select)', () => {
      assert.strictEqual(on('TG303', settings({ severity: { TG303: 'error' } })), 'error');
      assert.strictEqual(on('TG303', settings({ select: ['TG303'], severity: { TG303: 'off' } })), null);
      assert.strictEqual(on('TG303', settings({ ignore: ['TG303'], severity: { TG303: 'error' } })), null, 'a severity does not re-enable an ignored rule');
    });
  });

  describe('layers: pyproject.toml < editor settings < CLI flags', () => {
    const merged = (...layers: SettingsLayer[]) => mergeSettings(...layers);
    it('a later select replaces an earlier select and the earlier ignores', () => {
      const s = merged({ select: ['TG7'], ignore: ['TG303'] }, { select: ['TG303'] });
      assert.strictEqual(on('TG303', s), 'warning');
      assert.strictEqual(on('TG701', s), null);
    });
    it('a later select beats an earlier ignore of the same code (pyproject ignores TG303, --select TG303)', () => {
      assert.strictEqual(on('TG303', merged({ ignore: ['TG303'] }, { select: ['TG303'] })), 'warning');
    });
    it('a later ignore beats an earlier, more specific select (pyproject selects TG303, --ignore TG3)', () => {
      const s = merged({ select: ['TG303'] }, { ignore: ['TG3'] });
      assert.strictEqual(on('TG303', s), null);
    });
    it('ignores without any select add up across layers', () => {
      const s = merged({ ignore: ['TG303'] }, { ignore: ['TG701'] }, {});
      assert.strictEqual(on('TG303', s), null);
      assert.strictEqual(on('TG701', s), null);
      assert.strictEqual(on('TG211', s), 'warning');
    });
    it('an empty select is no opinion: it keeps the earlier selection', () => {
      const s = merged({ select: ['TG3'] }, { select: [] }, { select: [], ignore: [] });
      assert.strictEqual(on('TG303', s), 'warning');
      assert.strictEqual(on('TG701', s), null);
    });
    it('a select after a later ignore starts over (the ignore no longer counts)', () => {
      const s = merged({ select: ['TG3'] }, { ignore: ['TG303'] }, { select: ['TG303'] });
      assert.strictEqual(on('TG303', s), 'warning');
    });
    it('severity merges code by code, later wins; budget and gpu: later non-null wins', () => {
      const s = merged(
        { severity: { TG303: 'off', TG701: 'error' }, budgetMinutes: 30, gpu: 'T4' },
        { severity: { TG303: 'information' }, budgetMinutes: null, gpu: null },
        { budgetMinutes: 45 },
      );
      assert.deepStrictEqual(s.severity, { TG303: 'information', TG701: 'error' });
      assert.strictEqual(s.budgetMinutes, 45);
      assert.strictEqual(s.gpu, 'T4');
    });
  });

  describe('editor settings as a layer', () => {
    it('upper-cases codes, reports unknown codes and bad values, drops wrong types', () => {
      const r = layerFromSettings({ select: ['tg303', 'TG999'], ignore: 'TG701', severity: { TG303: 'loud', TG701: 'error' }, budgetMinutes: -3, gpu: 4 }, KNOWN);
      assert.deepStrictEqual(r.layer, { select: ['TG303', 'TG999'], severity: { TG701: 'error' } });
      assert.deepStrictEqual(r.problems, [
        'trainguard.select: "TG999" is not a Train Guard rule code or prefix',
        'trainguard.ignore must be a list of rule codes or prefixes (e.g. ["TG303", "TG7"]): ignored',
        'trainguard.severity: TG303 must be one of error, warning, information, off: ignored',
        'trainguard.budgetMinutes must be a positive number of minutes: ignored',
        'trainguard.gpu must be a GPU name like "T4": ignored',
      ]);
    });
    it('known selectors: codes, prefixes of known codes, ALL', () => {
      assert.ok(isKnownSelector('TG3', KNOWN) && isKnownSelector('TG303', KNOWN) && isKnownSelector('ALL', KNOWN) && isKnownSelector('TG', KNOWN));
      assert.ok(!isKnownSelector('TG9', KNOWN) && !isKnownSelector('TG3030', KNOWN) && !isKnownSelector('T-G', KNOWN) && !isKnownSelector('', KNOWN));
    });
  });

  describe('pyproject.toml [tool.trainguard]', () => {
    const FILE = '/p/pyproject.toml';
    it('reads every key', () => {
      const cfg = parsePyproject('[project]\nname = "x"\n\n[tool.trainguard]\nselect = ["TG3", "tg701"]\nignore = ["TG304"]\nseverity = { TG205 = "off", TG701 = "error" }\nbudget-minutes = 30\ngpu = "T4"\n', FILE, KNOWN);
      assert.deepStrictEqual(cfg.problems, []);
      assert.deepStrictEqual(cfg.layer, { select: ['TG3', 'TG701'], ignore: ['TG304'], severity: { TG205: 'off', TG701: 'error' }, budgetMinutes: 30, gpu: 'T4' });
    });
    it('accepts a sub-table for severity and a duration string for the budget', () => {
      const cfg = parsePyproject('[tool.trainguard]\nbudget-minutes = "1.5h"\n[tool.trainguard.severity]\nTG303 = "information"\n', FILE, KNOWN);
      assert.deepStrictEqual(cfg.problems, []);
      assert.deepStrictEqual(cfg.layer, { budgetMinutes: 90, severity: { TG303: 'information' } });
    });
    it('no [tool.trainguard]: no settings, no problem', () => {
      const cfg = parsePyproject('[tool.ruff]\nline-length = 100\n', FILE, KNOWN);
      assert.strictEqual(cfg.hasSection, false);
      assert.strictEqual(cfg.layer, null);
      assert.deepStrictEqual(cfg.problems, []);
    });
    it('broken TOML: exactly one problem with its line, and the defaults', () => {
      const cfg = parsePyproject('[tool.trainguard]\nselect = ["TG3"\nignore = [\n', FILE, KNOWN);
      assert.strictEqual(cfg.layer, null);
      assert.strictEqual(cfg.document, null);
      assert.strictEqual(cfg.problems.length, 1);
      assert.match(cfg.problems[0].message, /^pyproject\.toml is not valid TOML \(.+ at line \d\): Train Guard uses its default settings$/);
      assert.ok(cfg.problems[0].line !== null && cfg.problems[0].line >= 1);
    });
    it('unknown keys and codes: one problem each naming the file\'s key and line; the rest still applies', () => {
      const text = '[tool.trainguard]\nslect = ["TG3"]\nignore = ["TG999", "TG701"]\nseverity = { TG998 = "off", TG303 = "loud" }\ncolour = true\n';
      const cfg = parsePyproject(text, FILE, KNOWN);
      const got = cfg.problems.map((p) => `${p.line! + 1}: ${p.message}`);
      assert.deepStrictEqual(got, [
        '2: unknown key "slect" in [tool.trainguard]: ignored (did you mean "select"? known keys: select, ignore, severity, budget-minutes, gpu, follow-imports)',
        '3: [tool.trainguard] ignore names "TG999", which is not a Train Guard rule code or prefix (see `trainguard rules`)',
        '4: [tool.trainguard] severity names "TG998", which is not a Train Guard rule code (severities are set per code, e.g. TG303)',
        '4: [tool.trainguard] severity of TG303 must be one of "error", "warning", "information", "off", not the string "loud": ignored',
        '5: unknown key "colour" in [tool.trainguard]: ignored (known keys: select, ignore, severity, budget-minutes, gpu, follow-imports)',
      ]);
      assert.deepStrictEqual(cfg.layer, { ignore: ['TG999', 'TG701'], severity: { TG998: 'off' } });
    });
    it('wrong types are reported and skipped', () => {
      const cfg = parsePyproject('[tool.trainguard]\nselect = "TG3"\nseverity = ["TG303"]\nbudget-minutes = -5\ngpu = 3\n', FILE, KNOWN);
      assert.strictEqual(cfg.problems.length, 4);
      assert.deepStrictEqual(cfg.layer, {});
      const cfg2 = parsePyproject('[tool]\ntrainguard = 3\n', FILE, KNOWN);
      assert.match(cfg2.problems[0].message, /\[tool\.trainguard\] must be a table/);
    });
  });

  describe('finding the configuration', () => {
    let root: string;
    before(() => {
      root = tempTree({
        'pyproject.toml': '[tool.trainguard]\nignore = ["TG701"]\n',
        'proj/pyproject.toml': '[project]\nname = "no-trainguard-section"\n',
        'proj/src/train.py': 'x = 1\n',
        'proj/broken/pyproject.toml': '[tool.trainguard\n',
        'proj/broken/train.py': 'x = 1\n',
        'other/sub/pyproject.toml': '[tool.trainguard]\nselect = ["TG3"]\n',
        'other/sub/deep/train.py': 'x = 1\n',
        'dir-config/pyproject.toml/keep': '',
        'dir-config/train.py': 'x = 1\n',
        'huge/pyproject.toml': '#'.repeat(MAX_CONFIG_BYTES + 1),
        'huge/train.py': 'x = 1\n',
      });
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    it('walks up past a pyproject.toml without [tool.trainguard]', () => {
      const cfg = findConfig(new FileCache(true), path.join(root, 'proj/src/train.py'), root, KNOWN);
      assert.strictEqual(cfg?.path, path.join(root, 'pyproject.toml'));
      assert.deepStrictEqual(cfg?.layer, { ignore: ['TG701'] });
    });
    it('takes the nearest one', () => {
      assert.strictEqual(findConfig(new FileCache(true), path.join(root, 'other/sub/deep/train.py'), root, KNOWN)?.path, path.join(root, 'other/sub/pyproject.toml'));
    });
    it('stops at the workspace root', () => {
      assert.strictEqual(findConfig(new FileCache(true), path.join(root, 'proj/src/train.py'), path.join(root, 'proj'), KNOWN), null);
    });
    it('a broken nearer file wins: one problem and the defaults (not the parent\'s settings)', () => {
      const cfg = findConfig(new FileCache(true), path.join(root, 'proj/broken/train.py'), root, KNOWN)!;
      assert.strictEqual(cfg.path, path.join(root, 'proj/broken/pyproject.toml'));
      assert.strictEqual(cfg.layer, null);
      assert.strictEqual(cfg.problems.length, 1);
    });
    it('a folder named pyproject.toml and an oversized file: one problem each, never a throw', () => {
      const dir = findConfig(new FileCache(true), path.join(root, 'dir-config/train.py'), root, KNOWN)!;
      assert.match(dir.problems[0].message, /not a regular file/);
      const huge = findConfig(new FileCache(true), path.join(root, 'huge/train.py'), root, KNOWN)!;
      assert.match(huge.problems[0].message, /too large to read/);
      assert.strictEqual(huge.layer, null);
    });
    it('ancestors: up to the root when inside it, else to the filesystem root', () => {
      assert.deepStrictEqual(ancestors(path.join(root, 'a/b'), root), [path.join(root, 'a/b'), path.join(root, 'a'), root]);
      const outside = ancestors(path.join(root, 'a'), path.join(root, 'z'));
      assert.strictEqual(outside[outside.length - 1], path.parse(root).root);
    });
  });

  describe('the cache', () => {
    let root: string;
    beforeEach(() => (root = tempTree({ 'pyproject.toml': '[tool.trainguard]\nignore = ["TG701"]\n', 'a/train.py': '' })));
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
    const file = () => path.join(root, 'a/train.py');
    const rewrite = (text: string) => {
      fs.writeFileSync(path.join(root, 'pyproject.toml'), text);
      // a distinct mtime, whatever the filesystem's timestamp resolution
      const t = new Date(Date.now() + 5000);
      fs.utimesSync(path.join(root, 'pyproject.toml'), t, t);
    };

    it('with file events: keeps what it read until invalidated', () => {
      const cache = new FileCache(true);
      assert.deepStrictEqual(findConfig(cache, file(), root, KNOWN)?.layer, { ignore: ['TG701'] });
      rewrite('[tool.trainguard]\nignore = ["TG303"]\n');
      assert.deepStrictEqual(findConfig(cache, file(), root, KNOWN)?.layer, { ignore: ['TG701'] });
      cache.invalidate(path.join(root, 'pyproject.toml'));
      assert.deepStrictEqual(findConfig(cache, file(), root, KNOWN)?.layer, { ignore: ['TG303'] });
    });
    it('with file events: a created or deleted file is seen after invalidation', () => {
      const cache = new FileCache(true);
      fs.rmSync(path.join(root, 'pyproject.toml'));
      cache.invalidate(path.join(root, 'pyproject.toml'));
      assert.strictEqual(findConfig(cache, file(), root, KNOWN), null);
      fs.writeFileSync(path.join(root, 'a/pyproject.toml'), '[tool.trainguard]\nselect = ["TG2"]\n');
      assert.strictEqual(findConfig(cache, file(), root, KNOWN), null, 'still the cached listing');
      cache.invalidate(path.join(root, 'a/pyproject.toml'));
      assert.deepStrictEqual(findConfig(cache, file(), root, KNOWN)?.layer, { select: ['TG2'] });
    });
    it('without file events: every read re-validates by size and mtime', () => {
      const cache = new FileCache(false);
      assert.deepStrictEqual(findConfig(cache, file(), root, KNOWN)?.layer, { ignore: ['TG701'] });
      rewrite('[tool.trainguard]\nignore = ["TG303", "TG211"]\n');
      assert.deepStrictEqual(findConfig(cache, file(), root, KNOWN)?.layer, { ignore: ['TG303', 'TG211'] });
    });
  });

  it('the registry\'s codes are what the adapters validate against', () => {
    assert.ok(KNOWN_CODES.has('TG303') && KNOWN_CODES.has('TG001'));
  });
});
