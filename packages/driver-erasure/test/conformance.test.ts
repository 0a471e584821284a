import { runConformanceSuite } from '@blockstack-storage/conformance';
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
