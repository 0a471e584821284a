// `npm test`: install if needed, then build, typecheck, lint and run every package's tests once.
// A failed build, typecheck or lint does not stop the tests (so one broken package does not hide
// the others); each counts as one failure. Writes the vitest report to .test-results/ and prints
// one line "N passed, N failed" at the end.
// First, so that an unsupported Node stops with a message before anything else runs.
import './require-supported-node.mjs';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pnpm } from './pnpm.mjs';
import { checksFileFor, countReport } from './test-report.mjs';

process.chdir(fileURLToPath(new URL('..', import.meta.url)));

if (!existsSync('node_modules/.modules.yaml')) pnpm(['install', '--frozen-lockfile']);
// turbo's task hashes do not include the Node version, so .ci/run's second leg (Node 24 after
// Node 22) would replay the first one's build and typecheck from cache ("FULL TURBO") instead of
// running them. One cache per Node version makes each Node build and typecheck for itself.
const turboCache = `.turbo/cache-node-${process.version}`;
console.log(`== build and typecheck on Node ${process.version} (turbo cache ${turboCache})`);
const checks = [
  [
    'build and typecheck',
    [
      'turbo',
      'run',
      'build',
      'typecheck',
      '--continue',
      '--output-logs=errors-only',
      `--cache-dir=${turboCache}`,
    ],
  ],
  ['lint and format (biome)', ['biome', 'check', '.']],
];
const failedChecks = checks
  .filter(([, args]) => pnpm(args, { allowFailure: true }) !== 0)
  .map(([name]) => name);

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

// Recorded beside the report so .ci/run's summary over both Node legs counts them too.
writeFileSync(checksFileFor(output), JSON.stringify({ failedChecks, runnerStatus: status }));
for (const name of failedChecks) console.error(`FAILED: ${name} (see above)`);
const counts = countReport(output) ?? { passed: 0, failed: 1 };
if (counts.skipped) console.log(`${counts.skipped} skipped (not counted as passed)`);
console.log(`${counts.passed} passed, ${counts.failed} failed`);
process.exit(counts.failed === 0 ? 0 : 1);
