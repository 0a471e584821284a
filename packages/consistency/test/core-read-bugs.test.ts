import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChaosDriver, createChaosDriver } from '@blockstack-storage/driver-chaos';
import { createSkeletonDriver } from '@blockstack-storage/driver-skeleton';
import { afterEach, describe, expect, it } from 'vitest';
import { openStorageCluster, type StorageCluster } from '../src/index.js';

// Regression tests for what the consistency run found in the core client's reads. Each is a small,
// deterministic replay of a violation the checker reported under chaos.
const enc = (text: string) => new TextEncoder().encode(text);
const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

let work = '';
let cluster: StorageCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
  await rm(work, { recursive: true, force: true });
});

async function open(drivers: ChaosDriver[], requiredWrite: string[]): Promise<StorageCluster> {
  work = await mkdtemp(join(tmpdir(), 'bss-read-bugs-'));
  cluster = await openStorageCluster({
    drivers,
    requiredWrite,
    capabilityOverrides: Object.fromEntries(
      requiredWrite.map((name) => [name, { visibility: 'public' as const }]),
    ),
    clients: 2,
    workDir: work,
    policy: { retries: 0 },
  });
  return cluster;
}

/** Runs `get` and returns what it gave: the text, `null`, or the error code. */
async function outcome(get: () => Promise<{ data: Uint8Array } | null>): Promise<string | null> {
  try {
    const found = await get();
    return found === null ? null : dec(found.data);
  } catch (error) {
    return `error ${(error as { code?: string }).code}`;
  }
}

describe('core client reads under a stale provider', () => {
  // Regression (fixed in core): a reader that finds the key
  // deleted (tombstone or nothing) records nothing in its version cache, so a later stale copy of
  // the deleted value (version >= what it knew) is accepted: the value comes back after the client saw
  // it deleted (checker: resurrected-value). Fix: on a null read with knownVersion > 0, record
  // knownVersion + 1 as deleteMutable does for the deleter.
  it('a value a client saw deleted never comes back to it', async () => {
    const driver = createChaosDriver(createSkeletonDriver(), { seed: 'resurrect' });
    const [writer, reader] = (await open([driver], ['skeleton'])).clients as [
      StorageCluster['clients'][number],
      StorageCluster['clients'][number],
    ];
    await writer.put('k', enc('one'));
    expect(await outcome(() => reader.get('k'))).toBe('one');
    await writer.delete('k');
    expect(await outcome(() => reader.get('k'))).toBe(null);
    driver.chaos.setRules([{ fault: { kind: 'staleRead' }, operations: ['getMutable'], probability: 1 }]);
    const seen = [];
    for (let i = 0; i < 8; i++) seen.push(await outcome(() => reader.get('k')));
    expect(seen).not.toContain('one');
  });

  // Regression (fixed in core): tombstones carry no version, so a stale tombstone (from a delete
  // older than the version this client has read) is taken as the current state and the read returns
  // null after the client has read a newer value (checker: lost-value). Fix: refuse a tombstone whose
  // time is older than the newest envelope this client has accepted, or write deletions as versioned
  // (bsk2) markers.
  it('a stale tombstone does not hide a newer value the client has read', async () => {
    const driver = createChaosDriver(createSkeletonDriver(), { seed: 'tombstone' });
    const [writer, reader] = (await open([driver], ['skeleton'])).clients as [
      StorageCluster['clients'][number],
      StorageCluster['clients'][number],
    ];
    await writer.put('k', enc('one'));
    await writer.delete('k');
    await writer.put('k', enc('three'));
    expect(await outcome(() => reader.get('k'))).toBe('three');
    driver.chaos.setRules([{ fault: { kind: 'staleRead' }, operations: ['getMutable'], probability: 1 }]);
    const seen = [];
    for (let i = 0; i < 8; i++) seen.push(await outcome(() => reader.get('k')));
    // Refusing (StaleDataError) is right; answering "deleted" is not.
    expect(seen).not.toContain(null);
  });

  // Regression (fixed in core): when the required-write driver fails and the optional
  // drivers do not have the value (they lost the write), the read returns null, as if the datum did
  // not exist, to the very client that wrote it (checker: lost-value). Fix: with knownVersion > 0 and
  // a failed source, throw UnavailableError instead of returning null.
  it('a failed required driver is not reported as a missing value to the writer', async () => {
    const primary = createChaosDriver(createSkeletonDriver(), { name: 'primary', seed: 'p' });
    const backup = createChaosDriver(createSkeletonDriver(), {
      name: 'backup',
      seed: 'b',
      rules: [{ fault: { kind: 'lostWrite' }, operations: ['putMutable'], probability: 1 }],
    });
    const [writer] = (await open([primary, backup], ['primary'])).clients;
    await writer!.put('k', enc('mine'));
    primary.chaos.setRules([
      { fault: { kind: 'error', retryable: false }, operations: ['getMutable'], schedule: [0] },
    ]);
    expect(await outcome(() => writer!.get('k'))).not.toBe(null);
  });
});
