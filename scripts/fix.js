// dev helper: node scripts/fix.js CODE file.py [--write] [--unsafe]
//   prints (or writes file.fixed.py) the fix-all result for CODE; with --unsafe, unsafe fixes are
//   applied too and --write writes file.unsafe.fixed.py (checked by test/unit/unsafe-fixes.test.ts)
// (a sidecar file.workspace.json, as the fixture runner uses, supplies the workspace facts)
const fs = require('fs');
const { initParser } = require('../out/server/src/analysis/parser');
const { fixAll } = require('../out/server/src/fixes/apply');
(async () => {
  await initParser();
  const [code, file, ...flags] = process.argv.slice(2);
  const unsafe = flags.includes('--unsafe');
  const facts = file.replace(/\.py$/, '.workspace.json');
  const workspace = fs.existsSync(facts) ? JSON.parse(fs.readFileSync(facts, 'utf8')) : {};
  const r = fixAll(fs.readFileSync(file, 'utf8'), { codes: [code], workspace, unsafe });
  if (flags.includes('--write')) fs.writeFileSync(file.replace(/\.py$/, unsafe ? '.unsafe.fixed.py' : '.fixed.py'), r.text);
  else process.stdout.write(r.text);
})();
