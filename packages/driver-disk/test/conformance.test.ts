import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConformanceSuite } from '@blockstack-storage/conformance';
import { withDriverPolicy } from '@blockstack-storage/core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createDiskDriver } from '../src/index.js';

let root = '';
runConformanceSuite(
  { describe, it, beforeAll, afterAll },
  {
    create: async () => {
      root = await mkdtemp(join(tmpdir(), 'bss-disk-conformance-'));
      return createDiskDriver({ root });
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  },
);

// The same suite with a public_url: the driver then declares public visibility and gives URLs.
let publicRoot = '';
describe('with public_url', () => {
  runConformanceSuite(
    { describe, it, beforeAll, afterAll },
    {
      create: async () => {
        publicRoot = await mkdtemp(join(tmpdir(), 'bss-disk-public-'));
        return createDiskDriver({ root: publicRoot, publicUrl: 'http://127.0.0.1:6270/' });
      },
      cleanup: () => rm(publicRoot, { recursive: true, force: true }),
      largeValueBytes: 8 * 1024 * 1024,
    },
  );
});

// Users reach the driver through the policy layer (timeouts, retries): the suite must pass there too.
let policyRoot = '';
describe('through withDriverPolicy', () => {
  runConformanceSuite(
    { describe, it, beforeAll, afterAll },
    {
      create: async () => {
        policyRoot = await mkdtemp(join(tmpdir(), 'bss-disk-policy-'));
        return withDriverPolicy(createDiskDriver({ root: policyRoot }));
      },
      cleanup: () => rm(policyRoot, { recursive: true, force: true }),
      largeValueBytes: 8 * 1024 * 1024,
    },
  );
});
