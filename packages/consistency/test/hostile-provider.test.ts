import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ErrorCode,
  generateDataKeyPair,
  openStorage,
  readBody,
  type StorageClient,
  signMutableEnvelope,
} from '@blockstack-storage/core';
import { createChaosDriver } from '@blockstack-storage/driver-chaos';
import { createSkeletonDriver } from '@blockstack-storage/driver-skeleton';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// A provider that hands back data signed by another key, replayed under another id, rolled back to an
// older version, or corrupted: the client refuses it (and takes a good copy when there is one).
const enc = (text: string) => new TextEncoder().encode(text);
const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

let work = '';
let client: StorageClient;
let provider: ReturnType<typeof createChaosDriver>;
let backup: ReturnType<typeof createChaosDriver>;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'bss-hostile-'));
  provider = createChaosDriver(createSkeletonDriver({ publicUrl: 'http://127.0.0.1:1/' }), {
    name: 'provider',
  });
  backup = createChaosDriver(createSkeletonDriver(), { name: 'backup' });
  client = await openStorage({
    name: 'alice.id',
    config: {
      storageDrivers: ['provider', 'backup'],
      requiredWrite: ['provider'],
      local: ['backup'],
      metadataDir: join(work, 'metadata'),
    },
    drivers: [provider, backup],
    policy: { retries: 0 },
    onWarning: () => {},
  });
});
afterEach(async () => {
  await client.close();
  await rm(work, { recursive: true, force: true });
});

async function stored(driver: typeof provider, id: string): Promise<Uint8Array> {
  return readBody((await driver.inner.getMutable(id))!.body);
}

async function code(run: Promise<unknown>): Promise<string> {
  try {
    await run;
    return 'resolved';
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe('hostile provider', () => {
  it('refuses a datum signed by another key', async () => {
    const mallory = generateDataKeyPair();
    const forged = signMutableEnvelope(
      { fqDataId: 'alice.id:profile', data: enc('evil'), version: 99, timestamp: 1 },
      mallory.privateKey,
    );
    await provider.inner.putMutable('profile', forged);
    expect(await code(client.getMutable('profile'))).toBe(ErrorCode.Integrity);
  });

  it('refuses a datum replayed under another id, on every driver', async () => {
    await client.putMutable('a', enc('for a'));
    for (const d of [provider, backup]) await d.inner.putMutable('b', await stored(d, 'a'));
    expect(await code(client.getMutable('b'))).toBe(ErrorCode.Integrity);
  });

  it('refuses a rollback to an older version (StaleDataError), and takes the newer copy when one exists', async () => {
    await client.putMutable('k', enc('one'));
    const old = { provider: await stored(provider, 'k'), backup: await stored(backup, 'k') };
    await client.putMutable('k', enc('two'));
    expect(dec((await client.getMutable('k'))!.data)).toBe('two');
    await provider.inner.putMutable('k', old.provider);
    // The backup still has version 2: the newest valid copy wins.
    const read = await client.getMutable('k');
    expect([dec(read!.data), read!.version]).toEqual(['two', 2]);
    await backup.inner.putMutable('k', old.backup);
    expect(await code(client.getMutable('k'))).toBe(ErrorCode.StaleData);
  });

  it('refuses corrupted or truncated copies and reads the good one', async () => {
    await client.putMutable('k', enc('payload'));
    provider.chaos.setRules([
      { fault: { kind: 'flippedBytes' }, operations: ['getMutable'], probability: 1 },
    ]);
    expect(dec((await client.getMutable('k'))!.data)).toBe('payload');
    backup.chaos.setRules([{ fault: { kind: 'tornResponse' }, operations: ['getMutable'], probability: 1 }]);
    expect(await code(client.getMutable('k'))).toBe(ErrorCode.Integrity);
  });

  it('refuses immutable data whose bytes do not match the hash in the zone file', async () => {
    const { hash } = await client.putImmutable('release', enc('v1.0 tarball'));
    provider.chaos.setRules([
      { fault: { kind: 'flippedBytes' }, operations: ['getImmutable'], probability: 1 },
    ]);
    expect(dec((await client.getImmutable('release'))!.data)).toBe('v1.0 tarball');
    await backup.inner.putImmutable(hash, enc('v6.6 backdoor'));
    expect(await code(client.getImmutable('release'))).toBe(ErrorCode.Integrity);
  });
});
