// Where a keystroke's time goes, without the server (no I/O, no JSON-RPC): the benchmark's
// one-character edits applied to a PythonDocument as the server does (tree.edit, then tree-sitter's
// incremental re-parse, which the document does when the tree is asked for), then the model, then
// every rule with the settings the server resolves when
// nothing is configured. bench/run.mjs starts this file in its own process with the server's Node
// flags (client/src/serverOptions.ts), so the phases and the server's latency pay the same garbage
// collector; started by hand it uses whatever flags it is given:
//   node [node flags] bench/keystroke-phases.mjs FILE EDITS   -> JSON on stdout
// Each phase is given in wall and CPU time (process.cpuUsage: every thread of the process).
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { keystrokeAt, keystrokeChange } from './keystroke.mjs';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = (p) => require(path.join(ROOT, 'out/server/src', p));
const { initParser } = out('analysis/parser.js');
const { PythonDocument } = out('analysis/document.js');
const { analyzeModel } = out('analysis/analyze.js');
const { mergeSettings } = out('config/resolve.js');

const [file, editsArg] = process.argv.slice(2);
const edits = Number(editsArg ?? 10);
await initParser();
const text = fs.readFileSync(file, 'utf8');
const at = keystrokeAt(text);
const opts = { settings: mergeSettings(), workspace: {} };
const doc = new PythonDocument(text, 1);
analyzeModel(doc.model(), opts);
const phases = { reparse: [], model: [], rules: [], total: [], cpu: [] };
const now = () => performance.now();
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
for (let v = 2; v < edits + 2; v++) {
  const c0 = cpu();
  const t0 = now();
  doc.update([keystrokeChange(at, v)], v);
  // the document re-parses when the tree is asked for (a burst of edits is parsed once)
  doc.parse();
  const t1 = now();
  const model = doc.model();
  const t2 = now();
  analyzeModel(model, opts);
  const t3 = now();
  phases.reparse.push(t1 - t0);
  phases.model.push(t2 - t1);
  phases.rules.push(t3 - t2);
  phases.total.push(t3 - t0);
  phases.cpu.push(cpu() - c0);
}
doc.dispose();
process.stdout.write(JSON.stringify({ execArgv: process.execArgv, ...phases }));
