// dev helper: node scripts/try.js file.py  (runs the compiled analyser from out/; a sidecar file.workspace.json supplies workspace facts)
const fs = require('fs');
const { initParser } = require('../out/server/src/analysis/parser');
const { analyzeText } = require('../out/server/src/analysis/analyze');
(async () => {
  await initParser();
  const text = fs.readFileSync(process.argv[2], 'utf8');
  const facts = process.argv[2].replace(/\.py$/, '.workspace.json');
  const workspace = fs.existsSync(facts) ? JSON.parse(fs.readFileSync(facts, 'utf8')) : {};
  const r = analyzeText(text, { workspace, onRuleError: (c, e) => console.error('RULE ERROR', c, e) });
  for (const f of r.findings) {
    console.log(`${f.range.start.line + 1}:${f.range.start.character + 1} ${f.code} ${f.message}`);
    if (f.fix && process.argv[3]) console.log(JSON.stringify(f.fix, null, 1));
  }
})();
