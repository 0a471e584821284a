// `npm run quickstart`: install if needed, build what the example needs, run examples/quickstart.mjs.

// First, so that an unsupported Node stops with a message before anything else runs.
import './require-supported-node.mjs';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pnpm } from './pnpm.mjs';

process.chdir(fileURLToPath(new URL('..', import.meta.url)));
if (!existsSync('node_modules/.modules.yaml')) pnpm(['install', '--frozen-lockfile']);
pnpm(['turbo', 'run', 'build', '--filter=@blockstack-storage/examples...', '--output-logs=errors-only']);
const result = spawnSync(process.execPath, ['examples/quickstart.mjs'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
