// Adds up the vitest JSON reports given as arguments and prints "N passed, N failed".
// A missing report counts as one failure (that leg did not get to run its tests). Skipped tests are
// not counted as passed; their number is printed on the line before, so the summary stays the last line.
import { countReport } from './test-report.mjs';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  const counts = countReport(file);
  if (!counts) console.error(`no test report at ${file}`);
  passed += counts?.passed ?? 0;
  failed += counts?.failed ?? 1;
  skipped += counts?.skipped ?? 0;
}
if (skipped > 0) console.log(`${skipped} skipped (not counted as passed)`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
