// Reads a vitest JSON report: tests passed and failed, plus files that failed to load (a file whose
// import throws has no failed test, but must still count as a failure).
import { existsSync, readFileSync } from 'node:fs';

/** @returns {{ passed: number, failed: number } | undefined} undefined when there is no report. */
export function countReport(file) {
  if (!existsSync(file)) return undefined;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  let failed = report.numFailedTests ?? 0;
  for (const suite of report.testResults ?? []) {
    const testsFailed = (suite.assertionResults ?? []).some((t) => t.status === 'failed');
    if (suite.status === 'failed' && !testsFailed) failed += 1;
  }
  return { passed: report.numPassedTests ?? 0, failed };
}
