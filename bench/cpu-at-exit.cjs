// Preloaded (`node --require bench/cpu-at-exit.cjs ...`) into a process the benchmark starts: when
// the process exits, writes its CPU time since it started (user + system, every thread, in ms) to the
// file named by TG_BENCH_CPU_FILE. A measure that depends less on the machine's load than wall time.
'use strict';
const fs = require('fs');

const file = process.env.TG_BENCH_CPU_FILE;
if (file) {
  process.on('exit', () => {
    const u = process.cpuUsage();
    fs.writeFileSync(file, String((u.user + u.system) / 1000));
  });
}
