// The hub over the disk driver beside the same driver called directly, same bytes, same run: stores and
// reads at 1 KiB and 1 MiB, one at a time and 32 at once. Prints a table; no thresholds.
// Run: pnpm --filter @blockstack-storage/gaia-hub bench   (after a build)
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBody } from '@blockstack-storage/core';
import { createDiskDriver } from '@blockstack-storage/driver-disk';
import { getPublicKeyFromPrivate, makeECPrivateKey, publicKeyToBtcAddress } from '@stacks/encryption';
import { TokenSigner } from 'jsontokens';
import { startHub } from '../dist/index.js';

const root = await mkdtemp(join(tmpdir(), 'gaia-hub-bench-'));
const driver = createDiskDriver({ root });
await driver.init();
const hub = await startHub({ drivers: [driver], requiredWrite: ['disk'] });
const info = await (await fetch(`${hub.url}/hub_info`)).json();
const privateKey = makeECPrivateKey();
const publicKey = getPublicKeyFromPrivate(privateKey);
const address = publicKeyToBtcAddress(publicKey);
const token = new TokenSigner('ES256K', privateKey).sign({
  gaiaChallenge: info.challenge_text,
  iss: publicKey,
  salt: '00',
});
const authorization = `bearer v1:${token}`;

/** Runs `op` from `concurrency` loops for `seconds`; each loop works on its own keys. */
async function measure(label, size, concurrency, op, seconds = 1.5) {
  const bytes = randomBytes(size);
  for (let i = 0; i < 3; i++) await op(bytes, i, 0); // warm-up, and the files the reads need
  let n = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, loop) => {
      for (let i = 0; performance.now() - start < seconds * 1000; i++) {
        await op(bytes, i, loop);
        n++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  return { label, size, concurrency, opsPerSec: n / elapsed, mbPerSec: (n * size) / elapsed / 1e6 };
}

// node:http with keep-alive as the client: undici's fetch costs more than the hub itself at 1 MiB in one
// process (37 ms against 7 ms per read, measured), which would hide the hub's own cost.
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
function send(method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (response) => {
      response.on('data', () => {});
      response.on('end', () => resolve(response.statusCode));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const keys = 8;
const hubStore = async (bytes, i, loop) => {
  const status = await send(
    'POST',
    `${hub.url}/store/${address}/b${loop}-${i % keys}`,
    {
      Authorization: authorization,
      'Content-Type': 'application/octet-stream',
      'Content-Length': bytes.byteLength,
    },
    bytes,
  );
  if (status !== 202) throw new Error(`store answered ${status}`);
};
const hubRead = async (_bytes, i, loop) => {
  const status = await send('GET', `${hub.readUrl}${address}/b${loop}-${i % keys}`, {});
  if (status !== 200) throw new Error(`read answered ${status}`);
};

const rows = [];
for (const size of [1024, 1024 * 1024]) {
  for (const concurrency of [1, 32]) {
    const direct = await measure('driver putMutable', size, concurrency, (b, i, loop) =>
      driver.putMutable(`d${loop}-${i % keys}`, b),
    );
    const store = await measure('hub POST /store', size, concurrency, hubStore);
    // Every key the reads ask for, written whatever the stores above reached.
    const bytes = randomBytes(size);
    for (let loop = 0; loop < concurrency; loop++) {
      for (let i = 0; i < keys; i++) {
        await driver.putMutable(`d${loop}-${i}`, bytes);
        await hubStore(bytes, i, loop);
      }
    }
    const directRead = await measure('driver getMutable + read', size, concurrency, async (_b, i, loop) =>
      readBody((await driver.getMutable(`d${loop}-${i % keys}`)).body),
    );
    const read = await measure('hub GET read URL', size, concurrency, hubRead);
    rows.push([direct, 1], [store, store.opsPerSec / direct.opsPerSec]);
    rows.push([directRead, 1], [read, read.opsPerSec / directRead.opsPerSec]);
  }
}
console.log('| operation | size | concurrency | ops/s | MB/s | vs driver |');
console.log('|---|---|---|---|---|---|');
for (const [r, ratio] of rows) {
  const size = r.size >= 1024 * 1024 ? '1 MiB' : '1 KiB';
  console.log(
    `| ${r.label} | ${size} | ${r.concurrency} | ${r.opsPerSec.toFixed(0)} | ${r.mbPerSec.toFixed(1)} | ${ratio.toFixed(2)} |`,
  );
}
agent.destroy();
await hub.close();
await rm(root, { recursive: true, force: true });
