import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChaosDriver } from '@blockstack-storage/driver-chaos';
import { createSkeletonDriver } from '@blockstack-storage/driver-skeleton';
import { afterEach, describe, expect, it } from 'vitest';
import {
  faultRecorder,
  type HistoryEntry,
  OPTIONAL_DRIVER_FAULTS,
  openStorageCluster,
  REQUIRED_DRIVER_FAULTS,
  recordingFaultsOf,
  runWorkload,
  type StorageCluster,
  type StrayFault,
} from '../src/index.js';

// Issue 15: with writers on two machines the checker reported lost updates that were the required
// driver's injected stale reads, because that chaos driver's faults were never recorded (its test
// did not pass `onFault: faultRecorder(...)`). The cluster now records every chaos driver it is given;
// these tests hold it to "every injected fault is attributed to the operation it hit".
let work = '';
let cluster: StorageCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
  await rm(work, { recursive: true, force: true });
});

const KEYS = ['profile', 'Ünï cödé', 'a/b'];

describe('fault attribution', () => {
  it('records every fault of every chaos driver on the operation of its key, with no wiring by hand', async () => {
    work = await mkdtemp(join(tmpdir(), 'bss-attribution-'));
    // No `onFault` on either driver: the cluster must attach the recorder itself.
    const drivers = [
      createChaosDriver(createSkeletonDriver(), { seed: 'attr/required', rules: REQUIRED_DRIVER_FAULTS }),
      createChaosDriver(
        { ...createSkeletonDriver(), name: 'mirror' },
        { seed: 'attr/mirror', rules: OPTIONAL_DRIVER_FAULTS },
      ),
    ];
    cluster = await openStorageCluster({
      drivers,
      requiredWrite: ['skeleton'],
      local: ['mirror'],
      capabilityOverrides: { skeleton: { visibility: 'public' } },
      clients: 4,
      machines: 2,
      workDir: work,
      policy: { retries: 2, baseDelayMs: 1, maxDelayMs: 4, timeoutMs: 10_000 },
    });
    const history = await runWorkload({
      clients: cluster.clients,
      keys: KEYS,
      operations: 400,
      seed: 'attr',
    });

    const injected = tally(drivers.flatMap((d) => d.chaos.events.map((e) => `${d.name} ${e.key} ${e.kind}`)));
    const recorded = tally(
      history.flatMap((entry) => (entry.faults ?? []).map((f) => `${f.driver} ${entry.key} ${f.kind}`)),
    );
    expect(recorded).toEqual(injected);
    // Without sync or read-repair every driver call belongs to an operation that waits for it.
    expect(cluster.strayFaults.map((f) => `${f.driver} ${f.event.key} ${f.kind}`)).toEqual([]);
    // A real test: the faults that excuse a read were among them, on both drivers.
    expect(injected['skeleton profile staleRead'] ?? 0).toBeGreaterThan(0);
    expect(Object.keys(injected).some((k) => k.startsWith('mirror '))).toBe(true);
  }, 60_000);

  it('does not blame an operation for a fault injected after it answered', async () => {
    const driver = createChaosDriver(createSkeletonDriver(), {
      rules: [{ fault: { kind: 'error' }, operations: ['getMutable'], probability: 1 }],
    });
    const strays: StrayFault[] = [];
    driver.chaos.addFaultListener(faultRecorder('skeleton', (f) => strays.push(f)));
    const entry: HistoryEntry = {
      id: 1,
      client: 'c1',
      key: 'k',
      type: 'get',
      start: 1,
      end: 2,
      result: { status: 'ok' },
    };
    let background: Promise<unknown> = Promise.resolve();
    await recordingFaultsOf(entry, async () => {
      await driver.getMutable('k').catch(() => null); // the operation's own call
      // Work the operation leaves running (as a read-repair after a get), which fails after the answer.
      background = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        await driver.getMutable('k').catch(() => null);
      })();
    });
    await background;
    expect(entry.faults).toEqual([{ driver: 'skeleton', kind: 'error' }]);
    expect(strays.map((f) => `${f.driver} ${f.kind} ${f.event.key}`)).toEqual(['skeleton error k']);
  });
});

function tally(items: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}
