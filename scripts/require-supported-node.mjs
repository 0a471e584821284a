// Imported first by `npm test` and `npm run quickstart`: on a Node.js outside the root package.json's
// `engines` they stop with what to do, instead of a stack trace or pnpm's ERR_PNPM_UNSUPPORTED_ENGINE.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const range = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).engines.node;
const minimum = /^>=(\d+)\.(\d+)$/.exec(range);
if (minimum === null) {
  throw new Error(`scripts/require-supported-node.mjs reads only ">=MAJOR.MINOR" engines, not "${range}"`);
}
const [major, minor] = process.versions.node.split('.').map(Number);
const [wantMajor, wantMinor] = [Number(minimum[1]), Number(minimum[2])];
if (major < wantMajor || (major === wantMajor && minor < wantMinor)) {
  const script = `scripts/${basename(process.argv[1] ?? 'quickstart.mjs')}`;
  console.error(
    [
      `blockstack-storage needs Node.js ${range} (22 or 24 LTS); this is Node ${process.versions.node} (${process.execPath}).`,
      'Install Node.js 22 or 24 (https://nodejs.org/en/download), or run this once with Node 24 from the npm registry:',
      `  npx --yes node@24 ${script}`,
    ].join('\n'),
  );
  process.exit(1);
}
