// Reads a vitest JSON report and the checks file scripts/test.mjs writes beside it. Counts tests
// passed and failed, plus: files that failed to load (a file whose import throws has no failed
// test but must count), each failed build/typecheck/lint check, and a runner that exited non-zero
// without any failure to show for it (a crashed worker).
import { existsSync, readFileSync } from 'node:fs';

export function checksFileFor(reportFile) {
  return reportFile.replace(/\.json$/, '.checks.json');
}

/**
 * Skipped tests (vitest's "pending": `it.skip`, `ctx.skip()`, todo) are neither passed nor failed.
 * @returns {{ passed: number, failed: number, skipped: number } | undefined} undefined when there is no report.
 */
export function countReport(file) {
  if (!existsSync(file)) return undefined;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  let failed = report.numFailedTests ?? 0;
  for (const suite of report.testResults ?? []) {
    const testsFailed = (suite.assertionResults ?? []).some((t) => t.status === 'failed');
    if (suite.status === 'failed' && !testsFailed) failed += 1;
  }
  const checksFile = checksFileFor(file);
  if (existsSync(checksFile)) {
    const { failedChecks = [], runnerStatus = 0 } = JSON.parse(readFileSync(checksFile, 'utf8'));
    if (runnerStatus !== 0 && failed === 0) failed = 1;
    failed += failedChecks.length;
  }
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  return { passed: report.numPassedTests ?? 0, failed, skipped };
}
