/**
 * Protocol tests of the workspace features (dist/server.js over stdio, through the LspSession of
 * lsp.test.ts): pyproject.toml as a settings layer, its problems as diagnostics on it, watched-file
 * registration and re-checks after pyproject.toml / sample_submission.csv change, the fallback for
 * clients without file watchers, problems in the client's settings, and hovers on suppressions.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import {
  InitializeRequest,
  InitializedNotification,
  RegistrationRequest,
  DidChangeWatchedFilesNotification,
  DidChangeTextDocumentNotification,
  HoverRequest,
  ShowMessageNotification,
  FileChangeType,
  type Registration,
  type PublishDiagnosticsParams,
  type ShowMessageParams,
  type MarkupContent,
} from 'vscode-languageserver-protocol/node';
import { LspSession } from './lsp.test';
import { tempTree } from './tempTree';

const TRAIN = `import torch
import torch.nn as nn
from torch.amp import autocast

model = nn.Linear(10, 2).cuda()
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(3):
    for data, target in [(torch.randn(4, 10), torch.zeros(4, 2))]:
        data, target = data.cuda(), target.cuda()
        with autocast("cuda"):
            output = model(data)
        loss = criterion(output, target)  # noqa: TG330
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    print(epoch, loss.item())
torch.save(model.state_dict(), "model.pth")
`;

const codes = (p: PublishDiagnosticsParams) => p.diagnostics.map((d) => String(d.code)).sort();
const uriOf = (file: string) => pathToFileURL(file).href;

interface Started {
  s: LspSession;
  registered: Promise<Registration[]>;
  messages: ShowMessageParams[];
}

/** A session whose client announces `root` as its workspace folder and (optionally) dynamic file watchers. */
async function start(root: string, opts: { watchers: boolean; settings?: Record<string, unknown> }): Promise<Started> {
  const s = new LspSession();
  let resolveReg!: (r: Registration[]) => void;
  const registered = new Promise<Registration[]>((r) => (resolveReg = r));
  s.conn.onRequest(RegistrationRequest.type, (p) => {
    resolveReg(p.registrations);
  });
  const messages: ShowMessageParams[] = [];
  s.conn.onNotification(ShowMessageNotification.type, (m) => {
    messages.push(m);
  });
  await s.conn.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: uriOf(root),
    workspaceFolders: [{ uri: uriOf(root), name: 'ws' }],
    capabilities: {
      workspace: opts.watchers ? { didChangeWatchedFiles: { dynamicRegistration: true } } : {},
      textDocument: { publishDiagnostics: { versionSupport: true }, hover: { contentFormat: ['markdown'] } },
    },
    initializationOptions: { settings: { debounceMs: 0, ...(opts.settings ?? {}) } },
  });
  await s.conn.sendNotification(InitializedNotification.type, {});
  return { s, registered, messages };
}

/** A predicate that lets through the next publication only (the one after it was made). */
function next(): (p: PublishDiagnosticsParams) => boolean {
  let first = true;
  return () => {
    if (first) {
      first = false;
      return false;
    }
    return true;
  };
}

describe('language server: workspace configuration and facts', function () {
  this.timeout(30000);
  let root: string;
  let session: Started | undefined;
  const file = (rel: string) => path.join(root, rel);

  beforeEach(() => {
    root = tempTree({
      'pyproject.toml': '[tool.trainguard]\nignore = ["TG211"]\n',
      'sample_submission.csv': 'id,target\n1,0\n',
      'requirements.txt': 'albumentations==1.4.0\n',
      'src/train.py': TRAIN,
    });
  });
  afterEach(async () => {
    await session?.s.close();
    session = undefined;
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('registers its file watchers, applies pyproject.toml, and re-checks open files when it changes', async () => {
    session = await start(root, { watchers: true });
    const { s } = session;
    const regs = await session.registered;
    assert.strictEqual(regs.length, 1);
    assert.strictEqual(regs[0].method, DidChangeWatchedFilesNotification.method);
    const globs = (regs[0].registerOptions as { watchers: { globPattern: string }[] }).watchers.map((w) => w.globPattern);
    // with the project modules' (projectImports.ts), in one registration
    assert.deepStrictEqual(globs, ['**/pyproject.toml', '**/sample_submission.csv', '**/requirements*.txt', '**/*.py']);
    const uri = uriOf(file('src/train.py'));
    await s.open(uri, TRAIN);
    const first = await s.diagnostics(uri);
    assert.deepStrictEqual(codes(first), ['TG001', 'TG203', 'TG303'], 'TG211 is ignored by pyproject.toml');
    fs.writeFileSync(file('pyproject.toml'), '[tool.trainguard]\nignore = ["TG3"]\nseverity = { TG203 = "error" }\n');
    const again = s.diagnostics(uri, next());
    await s.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uriOf(file('pyproject.toml')), type: FileChangeType.Changed }] });
    const p = await again;
    assert.deepStrictEqual(codes(p), ['TG001', 'TG203', 'TG211']);
    assert.strictEqual(p.diagnostics.find((d) => d.code === 'TG203')!.severity, 1);
  });

  it('publishes a broken pyproject.toml as one diagnostic on it (defaults meanwhile), and clears it once fixed', async () => {
    fs.writeFileSync(file('pyproject.toml'), '[tool.trainguard]\nignore = ["TG211"\n');
    session = await start(root, { watchers: true });
    const { s } = session;
    await session.registered;
    const uri = uriOf(file('src/train.py'));
    const cfgUri = uriOf(file('pyproject.toml'));
    await s.open(uri, TRAIN);
    assert.deepStrictEqual(codes(await s.diagnostics(uri)), ['TG001', 'TG203', 'TG211', 'TG303'], 'the defaults');
    const broken = await s.diagnostics(cfgUri);
    assert.strictEqual(broken.diagnostics.length, 1);
    assert.match(String(broken.diagnostics[0].message), /pyproject\.toml is not valid TOML/);
    assert.strictEqual(broken.diagnostics[0].source, 'trainguard');
    fs.writeFileSync(file('pyproject.toml'), '[tool.trainguard]\nignore = ["TG211"]\n');
    const cleared = s.diagnostics(cfgUri, (p) => p.diagnostics.length === 0);
    const rechecked = s.diagnostics(uri, next());
    await s.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: cfgUri, type: FileChangeType.Changed }] });
    await cleared;
    assert.deepStrictEqual(codes(await rechecked), ['TG001', 'TG203', 'TG303']);
  });

  it('an unknown key: a diagnostic on its line in pyproject.toml', async () => {
    fs.writeFileSync(file('pyproject.toml'), '[project]\nname = "x"\n\n[tool.trainguard]\nignroe = ["TG211"]\n');
    session = await start(root, { watchers: true });
    const { s } = session;
    await s.open(uriOf(file('src/train.py')), TRAIN);
    const p = await s.diagnostics(uriOf(file('pyproject.toml')));
    assert.strictEqual(p.diagnostics.length, 1);
    assert.strictEqual(p.diagnostics[0].range.start.line, 4);
    assert.match(String(p.diagnostics[0].message), /unknown key "ignroe" in \[tool\.trainguard\]: ignored \(did you mean "ignore"\?/);
  });

  it('re-reads sample_submission.csv and requirements after they change, and re-checks', async () => {
    session = await start(root, { watchers: true });
    const { s } = session;
    await session.registered;
    const uri = uriOf(file('src/train.py'));
    await s.open(uri, TRAIN);
    await s.diagnostics(uri);
    const before = (await s.conn.sendRequest('trainguard/resolvedConfig', { uri })) as { workspace: Record<string, unknown>; configFile: string };
    assert.strictEqual(before.configFile, file('pyproject.toml'));
    assert.deepStrictEqual(before.workspace, { sampleSubmissionColumns: ['id', 'target'], sampleSubmissionPath: file('sample_submission.csv'), requirements: { albumentations: '==1.4.0' }, requirementsPath: file('requirements.txt') });
    fs.writeFileSync(file('src/sample_submission.csv'), 'image_id,label\n');
    fs.writeFileSync(file('requirements.txt'), 'albumentations==1.3.1\nalbucore==0.0.7\n');
    const rechecked = s.diagnostics(uri, next());
    await s.conn.sendNotification(DidChangeWatchedFilesNotification.type, {
      changes: [
        { uri: uriOf(file('src/sample_submission.csv')), type: FileChangeType.Created },
        { uri: uriOf(file('requirements.txt')), type: FileChangeType.Changed },
      ],
    });
    await rechecked;
    const after = (await s.conn.sendRequest('trainguard/resolvedConfig', { uri })) as { workspace: Record<string, unknown> };
    assert.deepStrictEqual(after.workspace, { sampleSubmissionColumns: ['image_id', 'label'], sampleSubmissionPath: file('src/sample_submission.csv'), requirements: { albumentations: '==1.3.1', albucore: '==0.0.7' }, requirementsPath: file('requirements.txt') });
  });

  it('without file watchers: nothing is registered, and a change is seen at the next analysis', async () => {
    session = await start(root, { watchers: false });
    const { s } = session;
    const uri = uriOf(file('src/train.py'));
    await s.open(uri, TRAIN);
    assert.deepStrictEqual(codes(await s.diagnostics(uri)), ['TG001', 'TG203', 'TG303']);
    fs.writeFileSync(file('pyproject.toml'), '[tool.trainguard]\nselect = ["TG211", "TG303"]\n');
    const t = new Date(Date.now() + 5000);
    fs.utimesSync(file('pyproject.toml'), t, t);
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ text: TRAIN + '\n' }] });
    assert.deepStrictEqual(codes(await s.diagnostics(uri, (p) => p.version === 2)), ['TG211', 'TG303']);
    const raced = await Promise.race([session.registered.then(() => 'registered'), s.conn.sendRequest('trainguard/resolvedConfig', { uri }).then(() => 'answered')]);
    assert.strictEqual(raced, 'answered', 'no registration was requested');
  });

  it('client settings override pyproject.toml; an unknown code in them is shown once', async () => {
    session = await start(root, { watchers: true, settings: { select: ['TG211', 'TG999'] } });
    const { s } = session;
    const uri = uriOf(file('src/train.py'));
    await s.open(uri, TRAIN);
    assert.deepStrictEqual(codes(await s.diagnostics(uri)), ['TG211'], 'the editor selects TG211, which pyproject.toml ignores');
    await s.open(uriOf(file('src/other.py')), TRAIN);
    await s.diagnostics(uriOf(file('src/other.py')));
    const shown = session.messages.filter((m) => m.message.includes('TG999'));
    assert.deepStrictEqual(shown.map((m) => m.message), ['Train Guard: trainguard.select: "TG999" is not a Train Guard rule code or prefix']);
  });

  it('hovers on a suppression code: the rule, or an unknown code', async () => {
    session = await start(root, { watchers: true });
    const { s } = session;
    const text = TRAIN.replace('# noqa: TG330', '# noqa: TG303, TG330');
    const uri = uriOf(file('src/train.py'));
    await s.open(uri, text);
    await s.diagnostics(uri);
    const line = text.split('\n').findIndex((l) => l.includes('# noqa'));
    const col = text.split('\n')[line].indexOf('TG303');
    const known = await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character: col + 1 } });
    assert.match((known!.contents as MarkupContent).value, /\*\*TG303\*\* `loss-outside-autocast`/);
    assert.deepStrictEqual(known!.range, { start: { line, character: col }, end: { line, character: col + 5 } });
    const unknown = await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character: col + 8 } });
    assert.match((unknown!.contents as MarkupContent).value, /TG330\*\*: no Train Guard rule has this code/);
    const code = await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 0, character: 3 } });
    assert.strictEqual(code, null);
  });
});
