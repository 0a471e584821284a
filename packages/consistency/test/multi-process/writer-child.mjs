// One writer process of multi-process.test.ts: opens storage for `alice.id` over a disk root shared by
// every process (wrapped in a chaos driver that only delays, to widen the races), with the metadata
// directory of its machine, says "ready", waits for "go" on stdin, then runs its operations on the
// shared ids and prints each as one JSON history line, then "done".
// Times are process.hrtime (CLOCK_MONOTONIC, one clock for every process of the host) minus the
// parent's base, so the parent can order operations of all processes on one time line.
import { createInterface } from 'node:readline';
import { isStorageError, openLocalLedger, openStorage } from '@blockstack-storage/core';
import { createChaosDriver, seededRandom } from '@blockstack-storage/driver-chaos';
import { createDiskDriver } from '@blockstack-storage/driver-disk';

const {
  client: id,
  root,
  registry: registryDir,
  metadataDir,
  privateKey,
  base,
  operations,
  keys,
  seed,
} = JSON.parse(process.argv[2]);
const now = () => Number(process.hrtime.bigint() - BigInt(base));
const say = (line) => process.stdout.write(`${line}\n`);

const chaos = createChaosDriver(createDiskDriver({ root, unsafeNoFsync: true }), {
  seed: `${seed}/${id}`,
  rules: [{ fault: { kind: 'delay', ms: { min: 0, max: 3 } }, probability: 0.5 }],
});
// Every process shares this root, so to each it is a shared (non-local) provider.
const disk = Object.create(chaos);
Object.defineProperty(disk, 'capabilities', { value: { ...chaos.capabilities, visibility: 'public' } });
const registry = await openLocalLedger(registryDir);
const client = await openStorage({
  name: 'alice.id',
  config: { storageDrivers: ['disk'], requiredWrite: ['disk'], local: [], metadataDir },
  dataKey: Uint8Array.from(Buffer.from(privateKey, 'hex')),
  registry,
  drivers: [disk],
  policy: { retries: 2, baseDelayMs: 1, maxDelayMs: 4, timeoutMs: 20_000 },
  onWarning: () => {},
});
say('ready');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line === 'go') break;

for (let step = 0; step < operations; step++) {
  const random = seededRandom(seed, id, step);
  const key = keys[Math.floor(random() * keys.length)];
  const type = random() < 0.6 ? 'put' : 'get';
  const entry = { id: 0, client: id, key, type, start: now(), end: 0, result: { status: 'ok' } };
  try {
    if (type === 'put') {
      entry.written = `w:${id}:${step}:${key}:`;
      const { version } = await client.putMutable(key, new TextEncoder().encode(entry.written));
      entry.result = { status: 'ok', version };
    } else {
      const found = await client.getMutable(key);
      entry.result =
        found === null
          ? { status: 'ok', value: null }
          : { status: 'ok', version: found.version, value: new TextDecoder().decode(found.data) };
    }
  } catch (error) {
    entry.result = {
      status: 'error',
      code: isStorageError(error) ? error.code : (error?.name ?? 'unknown'),
      message: String(error?.message ?? error),
    };
  }
  entry.end = now();
  say(JSON.stringify(entry));
}
await client.close();
await registry.close();
say('done');
process.exit(0);
