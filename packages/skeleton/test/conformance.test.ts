import { runConformanceSuite } from '@blockstack-storage/conformance';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createSkeletonDriver } from '../src/index.js';

// The whole conformance test of a driver is this one call: keep it that way when you fork.
runConformanceSuite({ describe, it, beforeAll, afterAll }, { create: () => createSkeletonDriver() });
