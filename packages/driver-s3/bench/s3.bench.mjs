// The S3 driver vs the raw AWS SDK: the same bytes, the same server, the same client, in the same run.
// Run: pnpm --filter @blockstack-storage/driver-s3 bench   (needs bash scripts/s3-server.sh start)
// Prints a Markdown table of median times; "driver / raw" is the driver's cost (1.00 = none). No thresholds.
// The 4 KiB get also runs as a plain HTTP GET (fetch, no SDK) of a public-read copy: what the server
// alone costs for a small answer. A 4 KiB get slower than a 1 MiB one is the server delaying small
// answers (Nagle + delayed ACK), not the SDK or the driver: radosgw needs `tcp_nodelay=1` on beast.
import { createHash, randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createS3Driver } from '../dist/index.js';

const endpoint = process.env.BSS_S3_ENDPOINT ?? 'http://127.0.0.1:7480';
const credentials = {
  accessKeyId: process.env.BSS_S3_ACCESS_KEY ?? 'TESTAK',
  secretAccessKey: process.env.BSS_S3_SECRET_KEY ?? 'TESTSK',
};
try {
  await fetch(endpoint, { signal: AbortSignal.timeout(3000) });
} catch {
  console.error(`S3 server not running at ${endpoint}: start it with bash scripts/s3-server.sh start`);
  process.exit(1);
}

const MiB = 1024 * 1024;
const PART = 8 * MiB;
const QUEUE = 4;
const bucket = `bss-bench-${randomBytes(4).toString('hex')}`;
// One client for both sides, configured as the driver configures its own for a custom endpoint.
const client = new S3Client({
  endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
await client.send(new CreateBucketCommand({ Bucket: bucket }));
const driver = createS3Driver({ bucket, client, multipartThreshold: PART, uploadConcurrency: QUEUE });
await driver.init();

async function drain(body) {
  const hash = createHash('md5');
  for await (const chunk of body) hash.update(chunk);
  return hash.digest('hex');
}
const rawKey = (name) => `raw/${name}`;

/**
 * Runs every op of a size `rounds` times, in a new random order each round (so neither side always
 * follows the other), and keeps the median time of each.
 */
async function compare(rounds, ops) {
  const times = Object.fromEntries(Object.keys(ops).map((k) => [k, []]));
  for (let round = -1; round < rounds; round++) {
    const order = Object.entries(ops).sort(() => Math.random() - 0.5);
    for (const [name, op] of order) {
      const start = performance.now();
      await op();
      if (round >= 0) times[name].push(performance.now() - start); // round -1 warms up
    }
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return Object.fromEntries(Object.entries(times).map(([k, xs]) => [k, median(xs)]));
}

const rows = [];
const smallVsLarge = {};
const label = (size) => (size >= MiB ? `${size / MiB} MiB` : `${size / 1024} KiB`);
for (const [size, rounds] of [
  [4 * 1024, 200],
  [MiB, 150],
  [64 * MiB, 15],
]) {
  const bytes = randomBytes(size);
  const ops = {
    'raw PutObject': () =>
      client.send(
        new PutObjectCommand({ Bucket: bucket, Key: rawKey('put'), Body: bytes, ContentLength: size }),
      ),
    'driver putMutable': () => driver.putMutable('put', bytes),
    'raw GetObject': async () =>
      drain((await client.send(new GetObjectCommand({ Bucket: bucket, Key: rawKey('put') }))).Body),
    'driver getMutable': async () => drain((await driver.getMutable('put')).body),
  };
  if (size < MiB) {
    ops['raw HTTP GET (fetch)'] = async () => {
      const response = await fetch(`${endpoint}/${bucket}/${rawKey('public')}`);
      if (!response.ok) throw new Error(`HTTP GET answered ${response.status}`);
      await drain(response.body);
    };
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: rawKey('public'), Body: bytes, ACL: 'public-read' }),
    );
  }
  if (size > PART) {
    ops['raw Upload (lib-storage)'] = () =>
      new Upload({
        client,
        params: { Bucket: bucket, Key: rawKey('upload'), Body: bytes },
        partSize: PART,
        queueSize: QUEUE,
      }).done();
  }
  await ops['raw PutObject'](); // so that a get drawn before its put in the first round finds a value
  await ops['driver putMutable']();
  const t = await compare(rounds, ops);
  rows.push([label(size), 'put', t['raw PutObject'], t['driver putMutable'], 'PutObject']);
  if (t['raw Upload (lib-storage)'] !== undefined) {
    rows.push([label(size), 'put', t['raw Upload (lib-storage)'], t['driver putMutable'], 'Upload']);
  }
  rows.push([label(size), 'get', t['raw GetObject'], t['driver getMutable'], 'GetObject']);
  if (t['raw HTTP GET (fetch)'] !== undefined) {
    rows.push([label(size), 'get', t['raw HTTP GET (fetch)'], t['driver getMutable'], 'HTTP GET, no SDK']);
  }
  smallVsLarge[size] = t['raw GetObject'];
}

console.log(`S3 driver vs raw SDK on ${endpoint} (median ms; Node ${process.version})\n`);
console.log('| size | op | raw SDK call | raw ms | driver ms | driver / raw |');
console.log('|---|---|---|---|---|---|');
for (const [size, op, raw, drv, call] of rows) {
  console.log(
    `| ${size} | ${op} | ${call} | ${raw.toFixed(2)} | ${drv.toFixed(2)} | ${(drv / raw).toFixed(2)} |`,
  );
}

const [small, large] = [smallVsLarge[4 * 1024], smallVsLarge[MiB]];
console.log(
  `\nSmall GET: 4 KiB in ${small.toFixed(2)} ms, 1 MiB in ${large.toFixed(2)} ms (raw GetObject).` +
    (small > large
      ? ' The small answer is slower: the server delays it (Nagle + delayed ACK); set tcp_nodelay=1 on its frontend.'
      : ''),
);

for (const key of [rawKey('put'), rawKey('upload'), rawKey('public'), 'mutable/put']) {
  await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}
await client.send(new DeleteBucketCommand({ Bucket: bucket }));
client.destroy();
