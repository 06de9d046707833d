// dev helper: node scripts/fix.js CODE file.py [--write]  -> prints (or writes file.fixed.py) the fix-all result for CODE
// (a sidecar file.workspace.json, as the fixture runner uses, supplies the workspace facts)
const fs = require('fs');
const { initParser } = require('../out/server/src/analysis/parser');
const { fixAll } = require('../out/server/src/fixes/apply');
(async () => {
  await initParser();
  const [code, file, write] = process.argv.slice(2);
  const facts = file.replace(/\.py$/, '.workspace.json');
  const workspace = fs.existsSync(facts) ? JSON.parse(fs.readFileSync(facts, 'utf8')) : {};
  const r = fixAll(fs.readFileSync(file, 'utf8'), { codes: [code], workspace });
  if (write) fs.writeFileSync(file.replace(/\.py$/, '.fixed.py'), r.text);
  else process.stdout.write(r.text);
})();
