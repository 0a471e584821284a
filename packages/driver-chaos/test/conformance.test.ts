import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConformanceSuite } from '@blockstack-storage/conformance';
import { withDriverPolicy } from '@blockstack-storage/core';
import { createDiskDriver } from '@blockstack-storage/driver-disk';
import { createSkeletonDriver } from '@blockstack-storage/driver-skeleton';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createChaosDriver } from '../src/index.js';

// A chaos driver with no faults must be indistinguishable from the driver it wraps.
describe('chaos over disk, no rules', () => {
  let root = '';
  runConformanceSuite(
    { describe, it, beforeAll, afterAll },
    {
      create: async () => {
        root = await mkdtemp(join(tmpdir(), 'bss-chaos-conformance-'));
        return createChaosDriver(createDiskDriver({ root, unsafeNoFsync: true }), { seed: 7 });
      },
      cleanup: () => rm(root, { recursive: true, force: true }),
      largeValueBytes: 8 * 1024 * 1024,
    },
  );
});

// Rules present but paused: the fault machinery (call counting, history) runs on every call yet
// changes nothing. The skeleton has conditional writes, so those cases run through the wrapper too.
describe('chaos over skeleton, rules paused', () => {
  runConformanceSuite(
    { describe, it, beforeAll, afterAll },
    {
      create: () => {
        const driver = createChaosDriver(createSkeletonDriver(), {
          seed: 'paused',
          rules: [
            { fault: { kind: 'error' }, probability: 1 },
            { fault: { kind: 'flippedBytes' }, probability: 1 },
          ],
        });
        driver.chaos.pause(true);
        return driver;
      },
      largeValueBytes: 8 * 1024 * 1024,
    },
  );
});

// As users reach it: through the policy layer (timeouts, retries), rules present but paused.
describe('chaos over skeleton through withDriverPolicy, rules paused', () => {
  runConformanceSuite(
    { describe, it, beforeAll, afterAll },
    {
      create: () => {
        const driver = createChaosDriver(createSkeletonDriver(), {
          seed: 'paused-policy',
          rules: [{ fault: { kind: 'error' }, probability: 1 }],
        });
        driver.chaos.pause(true);
        return withDriverPolicy(driver);
      },
      largeValueBytes: 8 * 1024 * 1024,
    },
  );
});
