import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  openStorage,
  type PutOptions,
  type StorageDriver,
  signMutableEnvelope,
} from '@blockstack-storage/core';
import { createDiskDriver } from '@blockstack-storage/driver-disk';
import { createSkeletonDriver } from '@blockstack-storage/driver-skeleton';
import { afterEach, describe, expect, it } from 'vitest';
import { openStorageCluster, type StorageCluster } from '../src/index.js';

// Found by healing-under-writers with the writers on two machines (issue 15): `sync` replaced the
// acknowledged copy of a version on the required-write driver with a losing writer's copy of the same
// version from a mirror. `repairMutable` (core/src/client/replicas.ts) judges the copies once, then
// writes conditionally; when the conditional write fails because the winner's put landed meanwhile,
// `writeCopy` reads the driver again and asks `verdictOf`, which calls any copy of the same version
// with other bytes a fork to replace, without asking whether it is on a required-write driver (the
// preference `newer` applies only to the copies judged first). So it writes the loser's bytes over the
// winner's. The same path serves read-repair. Fixed: only the copy judged first may be replaced as the
// other side of a fork; a copy found after a lost conditional write is judged as a put would judge it.
const enc = (text: string) => new TextEncoder().encode(text);
const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

let work = '';
let cluster: StorageCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
  await rm(work, { recursive: true, force: true });
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A driver whose next put waits for `hold` (once, when armed), after telling `arrived`. */
function holdingPuts(inner: StorageDriver) {
  let armed: { arrived: () => void; hold: Promise<void>; landed: () => void } | undefined;
  const driver: StorageDriver = Object.create(inner);
  driver.putMutable = async (key: string, body, opts?: PutOptions) => {
    const gate = armed;
    armed = undefined;
    if (gate === undefined) return inner.putMutable(key, body, opts);
    gate.arrived();
    await gate.hold;
    try {
      return await inner.putMutable(key, body, opts);
    } finally {
      gate.landed();
    }
  };
  return {
    driver,
    /** Holds the next put until `hold` resolves. */
    arm(hold: Promise<void>) {
      const arrived = deferred();
      const landed = deferred();
      armed = { arrived: arrived.resolve, hold, landed: landed.resolve };
      return { arrived: arrived.promise, landed: landed.promise };
    },
  };
}

describe('sync beside a racing writer', () => {
  it('never writes a losing writer’s copy over the acknowledged copy of that version', async () => {
    work = await mkdtemp(join(tmpdir(), 'bss-heal-bugs-'));
    const disk = holdingPuts(
      createDiskDriver({ root: join(work, 'disk'), unsafeNoFsync: true, createRoot: true }),
    );
    const mirror = { ...createSkeletonDriver(), name: 'mirror' };
    cluster = await openStorageCluster({
      drivers: [disk.driver, mirror],
      requiredWrite: ['disk'],
      local: ['mirror'],
      capabilityOverrides: { disk: { visibility: 'public' } },
      clients: 1,
      workDir: join(work, 'clients'),
      policy: { retries: 0 },
    });
    const [writer] = cluster.clients;
    const syncer = await cluster.openStorageClient(join(work, 'syncer'));
    try {
      await writer!.put('k', enc('first')); // v1 on both drivers

      // The writer's v2: it has read both copies (v1) and its conditional write to the disk is held.
      const releaseWriter = deferred();
      const writerOnDisk = disk.arm(releaseWriter.promise);
      const put = writer!.put('k', enc('winner'));
      await writerOnDisk.arrived;
      // Meanwhile a losing writer's v2 reached the mirror (its conditional write to the disk will lose).
      const loser = signMutableEnvelope(
        {
          fqDataId: `${cluster.name}:k`,
          data: enc('loser'),
          version: 2,
          timestamp: Math.floor(Date.now() / 1000),
        },
        cluster.keyPair.privateKey,
      );
      await mirror.putMutable('k', loser);

      // A sync judges the disk's v1 stale and the mirror's v2 newest; its write to the disk waits until
      // the writer's v2 has landed there, so it is refused and sync reads the disk again.
      const syncOnDisk = disk.arm(writerOnDisk.landed);
      const syncing = (async () => {
        for await (const _ of syncer.sync()) void _;
      })();
      await syncOnDisk.arrived;
      releaseWriter.resolve();
      expect((await put).version).toBe(2); // acknowledged: the required driver took it
      await syncing;

      const reader = await cluster.openClient('reader', join(work, 'reader'));
      const read = await reader.get('k');
      await reader.close?.();
      expect({ version: read?.version, value: read && dec(read.data) }).toEqual({
        version: 2,
        value: 'winner',
      });
    } finally {
      await syncer.close();
    }
  });
});

// Found by core/bench/sync.bench.mjs (issue 15): a chunked (bsc1) value is its signed manifest plus
// chunks stored as immutable objects; `sync` copies the manifest to an empty replica but none of the
// chunks, and `verify` then calls the replica healthy, so the replica alone cannot serve the value.
// Fixed: sync copies the chunks a driver lacks before the manifest (core/src/client/manifest-chunks.ts).
describe('sync of a chunked value', () => {
  it('copies its chunks, so the replica alone serves the value', async () => {
    work = await mkdtemp(join(tmpdir(), 'bss-heal-chunks-'));
    const open = (names: string[]) =>
      openStorage({
        name: 'alice.id',
        config: { storageDrivers: names, requiredWrite: names, metadataDir: join(work, 'metadata') },
        drivers: names.map((name) => {
          const disk = createDiskDriver({ root: join(work, name), unsafeNoFsync: true, createRoot: true });
          // Shared roots, as in the cluster: not local to one machine.
          const capabilities = { ...disk.capabilities, visibility: 'public' as const };
          return Object.assign(Object.create(disk) as StorageDriver, { name, capabilities });
        }),
        chunkThresholdBytes: 64 * 1024,
        chunkBytes: 64 * 1024,
        onWarning: () => {},
      });
    const value = randomBytes(300 * 1024);
    const writer = await open(['source']);
    await writer.putMutable('big', value);
    await writer.close();

    const syncer = await open(['source', 'replica']);
    for await (const _ of syncer.sync()) void _;
    await syncer.close();

    const replicaAlone = await open(['replica']);
    try {
      const read = await replicaAlone.getMutable('big');
      expect(read && Buffer.from(read.data).equals(value)).toBe(true);
    } finally {
      await replicaAlone.close();
    }
  });
});
