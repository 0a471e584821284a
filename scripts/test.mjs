// `npm test`: install if needed, then build, typecheck, lint and run every package's tests once.

// Writes the test counts to .test-results/ and prints one line "N passed, N failed" at the end.
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pnpm } from './pnpm.mjs';
import { countReport } from './test-report.mjs';

const root = new URL('..', import.meta.url);
process.chdir(fileURLToPath(root));

if (!existsSync('node_modules/.modules.yaml')) pnpm(['install', '--frozen-lockfile']);
pnpm(['turbo', 'run', 'build', 'typecheck', '--output-logs=errors-only']);
pnpm(['biome', 'check', '.']);

mkdirSync('.test-results', { recursive: true });
const label = process.env.BSS_TEST_LABEL ?? `node${process.versions.node.split('.')[0]}`;
const output = `.test-results/${label}.json`;
const status = pnpm(
  [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile=${output}`,
    ...process.argv.slice(2),
  ],
  { allowFailure: true },
);

const counts = countReport(output) ?? { passed: 0, failed: 1 };
// The runner can fail outside any test (a crashed worker): never report that as all green.
if (status !== 0 && counts.failed === 0) counts.failed = 1;
console.log(`${counts.passed} passed, ${counts.failed} failed`);
process.exit(status === 0 && counts.failed === 0 ? 0 : 1);
