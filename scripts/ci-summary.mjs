// Adds up the vitest JSON reports given as arguments and prints "N passed, N failed".
// A missing report counts as one failure (that leg did not get to run its tests).
import { countReport } from './test-report.mjs';

let passed = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  const counts = countReport(file);
  if (!counts) console.error(`no test report at ${file}`);
  passed += counts?.passed ?? 0;
  failed += counts?.failed ?? 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
