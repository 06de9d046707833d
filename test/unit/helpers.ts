/**
 * Shared test helpers: parser set-up, a RuleTester-style fixture runner and the fix round-trip check
 * (apply, re-analyse, diagnostic gone, nothing new, no ERROR node, python3's ast accepts it).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { pythonSyntaxError, stopPython } from '../support/python';
import { initParser, parsePython } from '../../server/src/analysis/parser';
import { analyzeText, type AnalyzeOptions } from '../../server/src/analysis/analyze';
import { applyEdits } from '../../server/src/analysis/source';
import { PythonModel } from '../../server/src/analysis/model';
import { fixAll } from '../../server/src/fixes/apply';
import { defaultSettings, type WorkspaceFacts } from '../../server/src/config/settings';
import type { Finding } from '../../server/src/rules/types';
import { run } from '../../server/src/cli/main';

export { pythonSyntaxError };

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');

/** Runs the CLI with `argv` in the current folder (a test's temp tree); its exit code and its captured output. */
export async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

export async function ready(): Promise<void> {
  await initParser();
}

/** Runs `use` on the model of `text`; the tree is freed afterwards. */
export function withModel<T>(text: string, use: (m: PythonModel) => T): T {
  const tree = parsePython(text);
  try {
    return use(new PythonModel(tree, text));
  } finally {
    tree.delete();
  }
}

/** Findings for `text` with only `codes` enabled (all rules when omitted). */
export function findings(text: string, codes?: string[], opts: AnalyzeOptions = {}): Finding[] {
  const settings = { ...defaultSettings(), ...(opts.settings ?? {}), select: codes ?? [] };
  return analyzeText(text, { ...opts, settings, onRuleError: (code, e) => { throw new Error(`${code} threw: ${(e as Error).stack}`); } }).findings;
}

/** Lines (1-based) marked `# expect: TGxxx` (several codes may be listed) for `code`. */
export function expectedLines(text: string, code: string): number[] {
  const out: number[] = [];
  text.split(/\r\n|\n|\r/).forEach((line, i) => {
    const m = /#\s*expect:\s*([A-Z0-9, ]+)/.exec(line);
    if (m && m[1].split(/[\s,]+/).includes(code)) out.push(i + 1);
  });
  return out;
}

/**
 * Applies the fix of one finding and checks the round trip: the finding is gone (with the findings
 * of its code that carry the very same fix, and no other), no other new
 * finding appears, the tree has no ERROR node, python3 parses the result. Returns the new text.
 */
export async function checkFixRoundTrip(text: string, finding: Finding, code: string, opts: AnalyzeOptions = {}): Promise<string> {
  assert.ok(finding.fix, `${code} has no fix`);
  const fixed = applyEdits(text, finding.fix!.edits);
  const tree = parsePython(fixed);
  assert.ok(!tree.rootNode.hasError, `${code} fix produced a syntax error (tree-sitter):\n${fixed}`);
  const pyErr = await pythonSyntaxError(fixed);
  assert.strictEqual(pyErr, null, `${code} fix is rejected by python3: ${pyErr}\n${fixed}`);
  const before = findings(text, undefined, opts);
  const after = findings(fixed, undefined, opts);
  const count = (fs: Finding[], c: string) => fs.filter((f) => f.code === c).length;
  // findings of the code that carry this very fix (TG205: two criteria trained in one loop share its check) go together
  const edits = JSON.stringify(finding.fix!.edits);
  const sharing = Math.max(1, before.filter((f) => f.code === code && f.fix && JSON.stringify(f.fix.edits) === edits).length);
  assert.strictEqual(count(after, code), count(before, code) - sharing, `${code} fix did not remove its diagnostic${sharing > 1 ? ` (and the ${sharing - 1} sharing its fix)` : ''}:\n${fixed}`);
  const codes = new Set([...before, ...after].map((f) => f.code));
  for (const c of codes) {
    if (c === code) continue;
    assert.ok(count(after, c) <= count(before, c), `${code} fix introduced a new ${c} finding:\n${fixed}`);
  }
  return fixed;
}

/** Fix-all is idempotent: a second run changes nothing. */
export function checkFixAllIdempotent(text: string, codes?: string[], opts: AnalyzeOptions = {}): string {
  const once = fixAll(text, { ...opts, codes }).text;
  const twice = fixAll(once, { ...opts, codes }).text;
  assert.strictEqual(twice, once, 'applying the fixes a second time changed the file');
  return once;
}

export interface RuleFixture {
  file: string;
  name: string;
  text: string;
  kind: 'valid' | 'invalid';
  /** `<name>.fixed.py` beside an invalid fixture: the expected text after fixing every finding of the rule. */
  fixed: string | null;
  /** `<name>.workspace.json` beside a fixture: WorkspaceFacts the adapters would read (sample_submission header, pins). */
  workspace: WorkspaceFacts;
}

/** Fixtures of a rule: `test/fixtures/rules/TGxxx/{valid,invalid}-*.py`. */
export function ruleFixtures(code: string): RuleFixture[] {
  const dir = path.join(FIXTURES, 'rules', code);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /^(valid|invalid)-.*\.py$/.test(f) && !f.endsWith('.fixed.py'))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      const fixedFile = file.replace(/\.py$/, '.fixed.py');
      const factsFile = file.replace(/\.py$/, '.workspace.json');
      return {
        file,
        name: f,
        text: fs.readFileSync(file, 'utf8'),
        kind: f.startsWith('valid') ? ('valid' as const) : ('invalid' as const),
        fixed: fs.existsSync(fixedFile) ? fs.readFileSync(fixedFile, 'utf8') : null,
        workspace: fs.existsSync(factsFile) ? (JSON.parse(fs.readFileSync(factsFile, 'utf8')) as WorkspaceFacts) : {},
      };
    });
}

// One root-level hook: the shared python3 process ends with the test run.
after(() => stopPython());
