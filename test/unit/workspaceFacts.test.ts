/**
 * Workspace facts (the nearest sample_submission.csv header, requirement pins) discovered in
 * temporary folder trees, and the CLI's use of them and of pyproject.toml.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { FileCache } from '../../server/src/config/files';
import { parseCsvHeader, parseRequirementsText, pyprojectDependencies, workspaceFactsFor } from '../../server/src/config/workspaceFacts';
import { KNOWN_CODES } from '../../server/src/rules/index';
import { tempTree } from './tempTree';
import { ready, runCli } from './helpers';

const facts = (root: string, rel: string, stop: string | null = root) => workspaceFactsFor(new FileCache(true), path.join(root, rel), stop, KNOWN_CODES);

describe('workspace facts', () => {
  describe('CSV header', () => {
    it('plain, quoted, BOM, CRLF, spaces', () => {
      assert.deepStrictEqual(parseCsvHeader('id,target\n1,0\n'), ['id', 'target']);
      assert.deepStrictEqual(parseCsvHeader('\ufeff"image_id","label, name","say ""hi"""\r\nx'), ['image_id', 'label, name', 'say "hi"']);
      assert.deepStrictEqual(parseCsvHeader(' id , target '), ['id', 'target']);
    });
    it('nothing to read: null', () => {
      assert.strictEqual(parseCsvHeader(''), null);
      assert.strictEqual(parseCsvHeader('"unclosed,header'), null);
    });
  });

  describe('requirements', () => {
    it('pins, ranges, extras, markers, hashes, comments, options, URLs, editable installs', () => {
      const text = [
        '# training deps',
        'albumentations==1.4.0',
        'Torch >= 2.1, <2.5  # cuda 12',
        'timm[hf]~=0.9.16 ; python_version >= "3.9"',
        'scikit_learn==1.3.2 --hash=sha256:abc',
        'numpy',
        '--index-url https://example.invalid/simple',
        'pkg @ https://example.invalid/pkg.whl',
        '-e git+https://example.invalid/repo.git#egg=my_lib',
        'albumentations==9.9.9',
        'opencv-python-headless\\',
        '  ==4.9.0.80',
      ].join('\n');
      assert.deepStrictEqual(parseRequirementsText(text), {
        albumentations: '==1.4.0',
        torch: '>=2.1,<2.5',
        timm: '~=0.9.16',
        'scikit-learn': '==1.3.2',
        numpy: '',
        pkg: '',
        'my-lib': '',
        'opencv-python-headless': '==4.9.0.80',
      });
    });
    it('pyproject.toml: PEP 621 dependencies and optional ones, Poetry', () => {
      assert.deepStrictEqual(
        pyprojectDependencies({
          project: { dependencies: ['albumentations==1.3.1', 'albucore (==0.0.7)'], 'optional-dependencies': { dev: ['pytest>=8'] } },
          tool: { poetry: { dependencies: { python: '^3.10', Timm: '0.9.2', torch: { version: '^2.1' }, local: { path: '../x' } } } },
        }),
        { albumentations: '==1.3.1', albucore: '==0.0.7', pytest: '>=8', timm: '==0.9.2', torch: '^2.1', local: '' },
      );
    });
  });

  describe('discovery in a folder tree', () => {
    let root: string;
    before(() => {
      root = tempTree({
        'sample_submission.csv': 'id,label\n1,0\n',
        'requirements.txt': 'albumentations==1.3.1\n-r requirements-extra.txt\n',
        'requirements-extra.txt': 'albucore==0.0.7\n-r requirements.txt\n',
        'comp/sample_submission.csv': '\ufeffimage_id,target\r\n' + 'a,1\r\n'.repeat(1000),
        'comp/src/train.py': '',
        'comp/requirements-dev.txt': '# nothing but a comment\n',
        'comp/pyproject.toml': '[project]\nname = "comp"\ndependencies = ["timm==0.9.2", "albumentations==1.4.0"]\n',
        'comp/requirements.txt': 'albumentations==1.4.3\n',
        'empty-sample/sample_submission.csv': '',
        'empty-sample/train.py': '',
        'broken/pyproject.toml': '[project\n',
        'broken/train.py': '',
        'huge-header/sample_submission.csv': 'x'.repeat(70 * 1024) + '\n1\n',
        'huge-header/train.py': '',
      });
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    it('the nearest sample_submission.csv: its header, the file\'s path', () => {
      const f = facts(root, 'comp/src/train.py').facts;
      assert.deepStrictEqual(f.sampleSubmissionColumns, ['image_id', 'target']);
      assert.strictEqual(f.sampleSubmissionPath, path.join(root, 'comp', 'sample_submission.csv'));
    });
    it('the file\'s own folder first; an empty or unreadable header is skipped for the next one up', () => {
      assert.deepStrictEqual(facts(root, 'train.py').facts.sampleSubmissionColumns, ['id', 'label']);
      assert.deepStrictEqual(facts(root, 'empty-sample/train.py').facts.sampleSubmissionColumns, ['id', 'label']);
      assert.deepStrictEqual(facts(root, 'huge-header/train.py').facts.sampleSubmissionColumns, ['id', 'label']);
    });
    it('nothing above the workspace root is read', () => {
      const f = facts(root, 'comp/src/train.py', path.join(root, 'comp', 'src')).facts;
      assert.strictEqual(f.sampleSubmissionColumns, null);
      assert.strictEqual(f.requirements, null);
    });
    it('requirements of the nearest folder that has any: requirements.txt first, then pyproject.toml', () => {
      const f = facts(root, 'comp/src/train.py').facts;
      assert.deepStrictEqual(f.requirements, { albumentations: '==1.4.3', timm: '==0.9.2' });
      assert.strictEqual(f.requirementsPath, path.join(root, 'comp', 'requirements.txt'));
    });
    it('-r includes are followed (a loop is harmless)', () => {
      const f = facts(root, 'train.py').facts;
      assert.deepStrictEqual(f.requirements, { albumentations: '==1.3.1', albucore: '==0.0.7' });
      assert.strictEqual(f.requirementsPath, path.join(root, 'requirements.txt'));
    });
    it('a broken pyproject.toml on the way: one problem, and the search goes on upwards', () => {
      const r = facts(root, 'broken/train.py');
      assert.strictEqual(r.problems.length, 1);
      assert.match(r.problems[0].message, /not valid TOML/);
      assert.deepStrictEqual(r.facts.requirements, { albumentations: '==1.3.1', albucore: '==0.0.7' });
    });
  });

  describe('the CLI', () => {
    let root: string;
    let cwd: string;
    const TG303 = [
      'import torch',
      'import torch.nn as nn',
      'from torch.cuda.amp import autocast',
      'model = nn.Linear(10, 2).cuda()',
      'criterion = nn.CrossEntropyLoss()',
      'optimizer = torch.optim.SGD(model.parameters(), lr=0.1)',
      'for epoch in range(3):',
      '    for data, target in [(torch.randn(4, 10), torch.zeros(4))]:',
      '        data, target = data.cuda(), target.cuda()',
      '        with autocast():',
      '            output = model(data)',
      '        loss = criterion(output, target)',
      '        loss.backward()',
      '        optimizer.step()',
      '        optimizer.zero_grad()',
      '',
    ].join('\n');
    before(async () => {
      await ready();
      cwd = process.cwd();
      root = tempTree({
        'ok/pyproject.toml': '[tool.trainguard]\nselect = ["TG303", "TG211"]\nignore = ["TG2"]\nseverity = { TG303 = "warning" }\n',
        'ok/train.py': TG303,
        'broken/pyproject.toml': '[tool.trainguard]\nselect = [\n',
        'broken/train.py': TG303,
        'unknown/pyproject.toml': '[tool.trainguard]\nselekt = ["TG3"]\n',
        'unknown/train.py': TG303,
        'other.toml': '[tool.trainguard]\nselect = ["TG211"]\n',
        'ok/deep/er/train.py': TG303,
        'ok/repo/.git/HEAD': 'ref: refs/heads/main\n',
        'ok/repo/train.py': TG303,
      });
      process.chdir(root);
    });
    after(() => {
      process.chdir(cwd);
      fs.rmSync(root, { recursive: true, force: true });
    });
    async function check(...args: string[]) {
      const { code, stdout, stderr } = await runCli(['check', '--output-format', 'json', ...args]);
      const found = stdout ? (JSON.parse(stdout) as { code: string; severity: string }[]) : [];
      return { code, found: found.map((f) => `${f.code}:${f.severity}`), stderr };
    }

    it('pyproject.toml: select, ignore (a more specific select beats the broader ignore) and severity', async () => {
      const r = await check('ok/train.py');
      assert.deepStrictEqual([...r.found].sort(), ['TG211:warning', 'TG303:warning']);
      assert.strictEqual(r.stderr, '');
      assert.strictEqual(r.code, 1);
    });
    it('from a subfolder: the pyproject.toml above the current folder applies; never one above the repository', async () => {
      process.chdir(path.join(root, 'ok', 'deep', 'er'));
      try {
        assert.deepStrictEqual([...(await check('train.py')).found].sort(), ['TG211:warning', 'TG303:warning']);
        process.chdir(path.join(root, 'ok', 'repo'));
        const inRepo = await check('train.py');
        assert.ok(inRepo.found.includes('TG303:error') && inRepo.found.includes('TG203:warning'), `the defaults, not ok/pyproject.toml: ${inRepo.found}`);
      } finally {
        process.chdir(root);
      }
    });
    it('--ignore beats the pyproject.toml select; --select replaces it', async () => {
      assert.deepStrictEqual((await check('ok/train.py', '--ignore', 'TG3')).found, ['TG211:warning']);
      assert.deepStrictEqual((await check('ok/train.py', '--select', 'TG203')).found.map((f) => f.split(':')[0]), ['TG203']);
    });
    it('a broken pyproject.toml: one warning on stderr, the defaults, the normal exit code', async () => {
      const r = await check('broken/train.py');
      const lines = r.stderr.trim().split('\n');
      assert.strictEqual(lines.length, 1, r.stderr);
      assert.match(lines[0], /^trainguard: warning: broken\/pyproject\.toml:\d+:\d+: pyproject\.toml is not valid TOML/);
      assert.ok(r.found.includes('TG303:error') && r.found.includes('TG203:warning'), JSON.stringify(r.found));
      assert.strictEqual(r.code, 1);
    });
    it('an unknown key: a warning naming the file, line and key', async () => {
      const r = await check('unknown/train.py');
      assert.match(r.stderr, /^trainguard: warning: unknown\/pyproject\.toml:2:1: unknown key "selekt" in \[tool\.trainguard\]: ignored \(did you mean "select"\?/);
    });
    it('--config PATH replaces the discovered pyproject.toml; a missing one is a usage error', async () => {
      assert.deepStrictEqual((await check('ok/train.py', '--config', 'other.toml')).found, ['TG211:warning']);
      const r = await check('ok/train.py', '--config', 'nope.toml');
      assert.strictEqual(r.code, 2);
      assert.match(r.stderr, /--config nope\.toml: no such file/);
    });
  });
});
