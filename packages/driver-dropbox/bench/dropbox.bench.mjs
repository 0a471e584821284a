// Driver overhead per call vs the official SDK calling the same local Dropbox server directly.
// Run after a build: `pnpm --filter @blockstack-storage/driver-dropbox build && pnpm --filter @blockstack-storage/driver-dropbox bench`.
// Not a test: it prints a table and never fails on speed.
import { performance } from 'node:perf_hooks';
import { readBody } from '@blockstack-storage/core/driver';
import { Dropbox } from 'dropbox';
import { createDropboxDriver } from '../dist/index.js';
import { startLocalDropboxServer } from '../dist/testing/index.js';

const server = await startLocalDropboxServer({ accessTokens: ['bench-token'] });
const sdk = new Dropbox({ accessToken: 'bench-token', fetch: server.fetch });
const driver = createDropboxDriver({ accessToken: 'bench-token', root: '/bench', fetch: server.fetch });

const sizes = [
  { label: '4 KiB', bytes: 4 * 1024, iterations: 300 },
  { label: '1 MiB', bytes: 1024 * 1024, iterations: 40 },
];

async function time(iterations, fn) {
  for (let i = 0; i < Math.min(10, iterations); i++) await fn(i); // warm-up
  const samples = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await fn(i);
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const rows = [];
for (const { label, bytes, iterations } of sizes) {
  const value = new Uint8Array(bytes).map((_, i) => (i * 13) & 0xff);
  const sdkPut = await time(iterations, () =>
    sdk.filesUpload({ path: `/bench-sdk/value-${label}`, mode: { '.tag': 'overwrite' }, contents: value }),
  );
  const driverPut = await time(iterations, () => driver.putMutable(`value-${label}`, value));
  const sdkGet = await time(iterations, () => sdk.filesDownload({ path: `/bench-sdk/value-${label}` }));
  const driverGet = await time(iterations, async () =>
    readBody((await driver.getMutable(`value-${label}`)).body),
  );
  rows.push([`put ${label}`, sdkPut, driverPut]);
  rows.push([`get ${label}`, sdkGet, driverGet]);
}
await server.close();

const ms = (x) => x.toFixed(3);
console.log(`Node ${process.version}, median of N calls against the local Dropbox server (ms per call)\n`);
console.log('| operation | SDK direct | driver | overhead |');
console.log('| --- | ---: | ---: | ---: |');
for (const [op, base, ours] of rows) {
  console.log(`| ${op} | ${ms(base)} | ${ms(ours)} | ${ours >= base ? '+' : ''}${ms(ours - base)} |`);
}
