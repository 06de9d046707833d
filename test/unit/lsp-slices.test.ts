/**
 * The server's checks do not block it and waste no work (issue 9), over stdio with the bundled
 * server: a check whose version is superseded is abandoned and publishes nothing; a burst of edits
 * is parsed once; requests are answered between the rules of a long check; a request that needs the
 * findings of the version being checked waits for that check instead of running the rules again.
 *
 * What the server did is read from its trace (`$/logTrace`, sent because the test turns tracing on
 * as VS Code does for `trainguard.trace.server`): a line per parse and per check. The order of
 * messages is asserted, never a duration.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  CodeActionRequest,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidChangeNotebookDocumentNotification,
  DidOpenNotebookDocumentNotification,
  HoverRequest,
  LogTraceNotification,
  SetTraceNotification,
  type CodeAction,
  type Hover,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { LspSession } from './lsp.test';
import { ROOT } from './helpers';
import { KEPT_MODELS } from '../../server/src/lsp/server';

const example = fs.readFileSync(path.join(ROOT, 'examples', 'train.py'), 'utf8');
/** A file whose check takes long (~1200 lines: the rules run for the better part of a second), with a `# noqa` comment to hover on line 0. */
const BIG = 'import torch  # noqa: TG303\n' + example.repeat(10);

/** A server with its trace turned on, recording every trace line and every publish in arrival order. */
class TracedSession extends LspSession {
  readonly events: string[] = [];
  private readonly listeners: ((e: string) => void)[] = [];

  constructor() {
    super();
    this.conn.onNotification(LogTraceNotification.type, (p) => this.record(`trace ${p.message.replace(/^\[trainguard\] /, '')}`));
    this.onPublish = (p: PublishDiagnosticsParams) => this.record(`publish ${p.uri} v${p.version}`);
  }

  async start(settings: Record<string, unknown> = {}): Promise<void> {
    // the default settings: the 30 ms burst debounce is part of what is tested
    await this.initialize(settings);
    await this.conn.sendNotification(SetTraceNotification.type, { value: 'messages' });
  }

  record(e: string): void {
    this.events.push(e);
    for (const l of [...this.listeners]) l(e);
  }

  /** Resolves when an event matching `re` has been recorded (bounded). */
  waitFor(re: RegExp, ms = 20000): Promise<string> {
    const have = this.events.find((e) => re.test(e));
    if (have) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no event ${re} within ${ms} ms; events:\n${this.events.join('\n')}\nserver stderr: ${this.stderr}`)), ms);
      const l = (e: string) => {
        if (!re.test(e)) return;
        clearTimeout(timer);
        this.listeners.splice(this.listeners.indexOf(l), 1);
        resolve(e);
      };
      this.listeners.push(l);
    });
  }

  about(uri: string): string[] {
    return this.events.filter((e) => e.includes(`${uri} v`));
  }

  /** Writes several JSON-RPC notifications to the server in ONE write: it reads them together. */
  writeAtOnce(messages: { method: string; params: unknown }[]): void {
    const frames = messages.map((m) => {
      const body = JSON.stringify({ jsonrpc: '2.0', ...m });
      return `Content-Length: ${Buffer.byteLength(body, 'utf8')}\r\n\r\n${body}`;
    });
    this.child.stdin!.write(frames.join(''));
  }
}

/** An insertion of `text` at line `line`, column 0, as version `version`. */
function typed(uri: string, version: number, line: number, text: string) {
  return { textDocument: { uri, version }, contentChanges: [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, text }] };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('language server: checks in slices, abandoned when stale, one per version', function () {
  this.timeout(60000);
  let s: TracedSession;

  beforeEach(async () => {
    s = new TracedSession();
    await s.start();
  });
  afterEach(async () => s.close());

  it('abandons the check of a version edited meanwhile: nothing is published for it, the final version is', async () => {
    const uri = 'file:///ws/abandoned.py';
    await s.open(uri, BIG, 1);
    // the check of version 1 is running its rules
    await s.waitFor(new RegExp(`^trace model ${escape(uri)} v1:`));
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, typed(uri, 2, 1, '# a comment\n'));
    await s.waitFor(new RegExp(`^publish ${escape(uri)} v2$`));
    const events = s.about(uri);
    assert.ok(events.some((e) => new RegExp(`^trace check ${escape(uri)} v1: abandoned after \\d+ rules$`).test(e)), events.join('\n'));
    assert.deepStrictEqual(
      events.filter((e) => e.startsWith('publish')),
      [`publish ${uri} v2`],
    );
    assert.strictEqual(events.filter((e) => /: done,/.test(e)).length, 1, events.join('\n'));
    // the final version's findings: the ten copies of train.py's problems, nothing of version 1
    const p = s.latest.get(uri)!;
    assert.strictEqual(p.version, 2);
    assert.ok(p.diagnostics.length >= 10, `${p.diagnostics.length} diagnostics`);
  });

  it('parses a burst of edits once: the version the next edit supersedes is never parsed', async () => {
    const uri = 'file:///ws/burst.py';
    await s.open(uri, BIG, 1);
    await s.waitFor(new RegExp(`^publish ${escape(uri)} v1$`));
    // two keystrokes that reach the server together
    s.writeAtOnce([
      { method: DidChangeTextDocumentNotification.method, params: typed(uri, 2, 1, 'x') },
      { method: DidChangeTextDocumentNotification.method, params: typed(uri, 3, 1, 'y') },
    ]);
    await s.waitFor(new RegExp(`^publish ${escape(uri)} v3$`));
    const events = s.about(uri);
    const parses = events.filter((e) => e.startsWith('trace parse'));
    assert.deepStrictEqual(
      parses.map((e) => /^trace parse \S+ (v\d+):.*\(parse (\d+) of this document\)$/.exec(e)?.slice(1).join(' ')),
      ['v1 1', 'v3 2'],
      events.join('\n'),
    );
    assert.ok(!events.some((e) => e === `publish ${uri} v2`), events.join('\n'));
  });

  it('answers a hover and another document\'s code actions while a long check runs, before it publishes', async () => {
    const small = 'file:///ws/small.py';
    await s.open(small, example, 1);
    const smallDiags = await s.diagnostics(small, (p) => p.version === 1 && p.diagnostics.length > 0);
    const uri = 'file:///ws/long.py';
    await s.open(uri, BIG, 1);
    await s.waitFor(new RegExp(`^trace model ${escape(uri)} v1:`));
    // both sent while the check of long.py runs its rules
    const hover = s.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 0, character: 24 } }).then((h: Hover | null) => {
      s.record('answer hover');
      return h;
    });
    const d = smallDiags.diagnostics[0];
    const actions = s.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri: small }, range: d.range, context: { diagnostics: [d] } }).then((a) => {
      s.record('answer code actions');
      return a as CodeAction[];
    });
    const [h, a] = await Promise.all([hover, actions]);
    await s.waitFor(new RegExp(`^publish ${escape(uri)} v1$`));
    const order = s.events.filter((e) => e.startsWith('answer') || e === `publish ${uri} v1`);
    assert.deepStrictEqual(order.slice(-1), [`publish ${uri} v1`], s.events.join('\n'));
    assert.strictEqual(order.length, 3, s.events.join('\n'));
    // real answers, not empty ones
    assert.match(JSON.stringify(h?.contents), /TG303/);
    assert.ok(a.length > 0, 'no code action for the small file');
    assert.ok(a.some((x) => x.diagnostics?.some((y) => y.code === d.code)));
  });

  it('a code action request on the version being checked waits for that check instead of running the rules again', async () => {
    const uri = 'file:///ws/waits.py';
    await s.open(uri, BIG, 1);
    await s.waitFor(new RegExp(`^trace model ${escape(uri)} v1:`));
    // the request needs the findings of version 1 (ensureAnalyzed) while its check is running
    const range = { start: { line: 0, character: 0 }, end: { line: 400, character: 0 } };
    const actions = (await s.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics: [] } })) as CodeAction[];
    s.record('answer code actions');
    const checks = s.about(uri).filter((e) => e.startsWith('trace check'));
    assert.strictEqual(checks.length, 1, s.events.join('\n'));
    assert.match(checks[0], /: done,/);
    assert.deepStrictEqual(
      s.events.filter((e) => e === `publish ${uri} v1` || e === 'answer code actions'),
      [`publish ${uri} v1`, 'answer code actions'],
    );
    // answered from the findings of version 1: the file-wide fix-all is offered
    assert.ok(actions.some((x) => x.kind === 'source.fixAll.trainguard'), JSON.stringify(actions.map((x) => x.title)));
  });

  it('a notebook goes the same way: a cell edited during the check abandons it, the cells get the final version only', async () => {
    const nb = 'file:///ws/slices.ipynb';
    const cell = (n: number) => `vscode-notebook-cell:/ws/slices.ipynb#C${n}`;
    await s.conn.sendNotification(DidOpenNotebookDocumentNotification.type, {
      notebookDocument: { uri: nb, notebookType: 'jupyter-notebook', version: 1, cells: [1, 2].map((n) => ({ kind: 2 as const, document: cell(n) })) },
      cellTextDocuments: [
        { uri: cell(1), languageId: 'python', version: 1, text: BIG },
        { uri: cell(2), languageId: 'python', version: 1, text: 'print("done")\n' },
      ],
    });
    await s.waitFor(new RegExp(`^trace model ${escape(nb)} v1:`));
    await s.conn.sendNotification(DidChangeNotebookDocumentNotification.type, {
      notebookDocument: { uri: nb, version: 2 },
      change: { cells: { textContent: [{ document: { uri: cell(2), version: 2 }, changes: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# edited\n' }] }] } },
    });
    await s.waitFor(new RegExp(`^publish ${escape(cell(2))} v2$`));
    await s.waitFor(new RegExp(`^publish ${escape(cell(1))} v1$`));
    const events = s.events.filter((e) => e.includes('slices.ipynb'));
    // the program's check of version 1 gave up; version 2 (the edit) was checked and published on both cells
    assert.ok(events.some((e) => new RegExp(`^trace check ${escape(nb)} v1: abandoned after \\d+ rules$`).test(e)), events.join('\n'));
    assert.deepStrictEqual(
      events.filter((e) => e.startsWith('publish') || /: done,/.test(e)).map((e) => e.replace(/: done,.*/, ': done')).sort(),
      [`publish ${cell(1)} v1`, `publish ${cell(2)} v2`, `trace check ${nb} v2: done`],
    );
    assert.ok(s.latest.get(cell(1))!.diagnostics.length >= 10);
  });

  it('closing a document abandons its check: nothing is published but the clearing', async () => {
    const uri = 'file:///ws/closed.py';
    await s.open(uri, BIG, 1);
    await s.waitFor(new RegExp(`^trace model ${escape(uri)} v1:`));
    await s.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    await s.waitFor(new RegExp(`^trace check ${escape(uri)} v1: abandoned`));
    // the clearing (no version), then the check gives up at its next rule boundary
    assert.deepStrictEqual(
      s.about(uri).filter((e) => !/^trace (parse|model|project)/.test(e)).map((e) => e.replace(/ abandoned after \d+ rules$/, ' abandoned')),
      [`publish ${uri} vundefined`, `trace check ${uri} v1: abandoned`],
    );
    assert.deepStrictEqual(s.latest.get(uri)?.diagnostics, []);
  });

  it('keeps skipping the rules an earlier check skipped for the time budget, until the budget setting changes', async () => {
    const t = new TracedSession();
    try {
      // a 1 ms budget: the first check of the big file runs out of it after a rule or two
      await t.start({ timeBudgetMs: 1 });
      const uri = 'file:///ws/over-budget.py';
      await t.open(uri, BIG, 1);
      const first = await t.waitFor(new RegExp(`^trace check ${escape(uri)} v1: done`));
      const skipped = /; over the time budget, skipped ([A-Z0-9 ]+)$/.exec(first)?.[1].split(' ') ?? [];
      assert.ok(skipped.length > 0, first);
      // the next version skips the same rules from the start, whatever the clock says this time
      await t.conn.sendNotification(DidChangeTextDocumentNotification.type, typed(uri, 2, 1, '# a comment\n'));
      const second = await t.waitFor(new RegExp(`^trace check ${escape(uri)} v2: done`));
      assert.match(second, new RegExp(`\\(${skipped.length} as in an earlier check\\)$`));
      const again = /skipped ([A-Z0-9 ]+) \(/.exec(second)?.[1].split(' ') ?? [];
      assert.ok(
        skipped.every((c) => again.includes(c)),
        `v1 skipped ${skipped.join(' ')}, v2 ${again.join(' ')}`,
      );
      const v2 = (await t.diagnostics(uri, (p) => p.version === 2)).diagnostics;
      assert.deepStrictEqual(v2.filter((d) => skipped.includes(String(d.code))), [], 'a rule skipped for the budget reported on v2');
      // a new budget: every rule runs again
      await t.conn.sendNotification(DidChangeConfigurationNotification.type, { settings: { trainguard: { timeBudgetMs: 60000 } } });
      const third = await t.waitFor(new RegExp(`^trace check ${escape(uri)} v2: done.*findings$`));
      assert.doesNotMatch(third, /over the time budget/);
      const all = (await t.diagnostics(uri, (p) => p.diagnostics.some((d) => skipped.includes(String(d.code))))).diagnostics;
      assert.ok(all.length > v2.length, `${all.length} diagnostics with every rule, ${v2.length} with the budget`);
    } finally {
      await t.close();
    }
  });

  it('a hover that rebuilds the model of a document past the kept ones makes it recent: another one drops its model', async () => {
    const uri = (i: number) => `file:///ws/kept${i}.py`;
    const text = '# noqa: TG203\n' + example;
    for (let i = 0; i < KEPT_MODELS + 2; i++) {
      await s.open(uri(i), text, 1);
      await s.waitFor(new RegExp(`^publish ${escape(uri(i))} v1$`));
    }
    // the first two fell out when the 5th and the 6th were checked
    await s.waitFor(new RegExp(`^trace model ${escape(uri(1))}: dropped`));
    assert.ok(!s.events.some((e) => e.startsWith(`trace model ${uri(2)}: dropped`)), s.events.join('\n'));
    const hover = (await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri: uri(0) }, position: { line: 0, character: 10 } })) as Hover | null;
    assert.ok(hover, 'no hover on the noqa code');
    // its model is kept again, so the least recent of the others gives its up
    await s.waitFor(new RegExp(`^trace model ${escape(uri(2))}: dropped`));
  });
});
