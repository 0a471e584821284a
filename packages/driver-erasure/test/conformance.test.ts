import { runConformanceSuite } from '@blockstack-storage/conformance';
import { withDriverPolicy } from '@blockstack-storage/core';
import { createSkeletonDriver } from '@blockstack-storage/driver-skeleton';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createErasureDriver } from '../src/index.js';

// 4 data + 2 parity shards over six in-memory providers, with the suite's default 64 MiB streamed value.
runConformanceSuite(
  { describe, it, beforeAll, afterAll },
  {
    create: () =>
      createErasureDriver({
        drivers: Array.from({ length: 6 }, () => createSkeletonDriver()),
        dataShards: 4,
        parityShards: 2,
      }),
  },
);

// A small stripe size, so that even small values span many stripes and padded last pieces.
describe('with 1000-byte stripes and 3 + 1 shards', () => {
  runConformanceSuite(
    { describe, it, beforeAll, afterAll },
    {
      create: () =>
        createErasureDriver({
          drivers: Array.from({ length: 4 }, () => createSkeletonDriver()),
          dataShards: 3,
          parityShards: 1,
          stripeBytes: 1000,
        }),
      largeValueBytes: 4 * 1024 * 1024,
    },
  );
});

// Inner drivers with a 1 MiB limit: the erasure driver declares the largest value whose shards fit
// (about 3 MiB with 3 data shards), and the suite checks the limit exactly.
describe('with 1 MiB inner limits', () => {
  runConformanceSuite(
    { describe, it, beforeAll, afterAll },
    {
      create: () =>
        createErasureDriver({
          drivers: Array.from({ length: 4 }, () => createSkeletonDriver({ maxObjectBytes: 1024 * 1024 })),
          dataShards: 3,
          parityShards: 1,
          stripeBytes: 256 * 1024,
        }),
    },
  );
});

// As users reach it: through the policy layer (timeouts, retries), over policy-wrapped inner drivers.
describe('through withDriverPolicy', () => {
  runConformanceSuite(
    { describe, it, beforeAll, afterAll },
    {
      create: () =>
        withDriverPolicy(
          createErasureDriver({
            drivers: Array.from({ length: 4 }, () => withDriverPolicy(createSkeletonDriver())),
            dataShards: 3,
            parityShards: 1,
          }),
        ),
      largeValueBytes: 8 * 1024 * 1024,
    },
  );
});
