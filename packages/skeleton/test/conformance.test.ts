import { runConformanceSuite } from '@blockstack-storage/conformance';
import { withDriverPolicy } from '@blockstack-storage/core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createSkeletonDriver } from '../src/index.js';

// The whole conformance test of a driver is this call, and the same through the policy layer below:
// keep both when you fork.
runConformanceSuite({ describe, it, beforeAll, afterAll }, { create: () => createSkeletonDriver() });

// Users reach a driver through the policy layer (timeouts, retries), so it must conform there too.
describe('through withDriverPolicy', () => {
  runConformanceSuite(
    { describe, it, beforeAll, afterAll },
    { create: () => withDriverPolicy(createSkeletonDriver()) },
  );
});
