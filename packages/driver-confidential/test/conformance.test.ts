import { randomBytes } from 'node:crypto';
import { runConformanceSuite } from '@blockstack-storage/conformance';
import { withDriverPolicy } from '@blockstack-storage/core';
import { createSkeletonDriver } from '@blockstack-storage/driver-skeleton';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createConfidentialDriver } from '../src/index.js';

// 1 ms slots so the suite runs in seconds; 64 KiB blocks, so the default 64 MiB value is ~1,000 blocks
// (each in its own slot, both ways).
runConformanceSuite(
  { describe, it, beforeAll, afterAll },
  {
    create: () =>
      createConfidentialDriver({
        inner: createSkeletonDriver(),
        key: randomBytes(32),
        blockBytes: 64 * 1024,
        slotMs: 1,
        cells: 8,
      }),
  },
);

// Small blocks: every value but the tiniest spans many blocks and both generations of names.
describe('with 1 KiB blocks', () => {
  runConformanceSuite(
    { describe, it, beforeAll, afterAll },
    {
      create: () =>
        createConfidentialDriver({
          inner: createSkeletonDriver(),
          key: randomBytes(32),
          blockBytes: 1024,
          slotMs: 1,
        }),
      // 1 MiB is ~1,070 blocks, a slot each; 64 MiB would take minutes of 1 ms slots.
      largeValueBytes: 1024 * 1024,
    },
  );
});

// As users reach it: through the policy layer (timeouts, retries), over a policy-wrapped inner driver.
describe('through withDriverPolicy', () => {
  runConformanceSuite(
    { describe, it, beforeAll, afterAll },
    {
      create: () =>
        withDriverPolicy(
          createConfidentialDriver({
            inner: withDriverPolicy(createSkeletonDriver()),
            key: randomBytes(32),
            blockBytes: 256 * 1024,
            slotMs: 1,
          }),
        ),
      largeValueBytes: 16 * 1024 * 1024,
    },
  );
});
