import { runConformanceSuite } from '@blockstack-storage/conformance';
import { withDriverPolicy } from '@blockstack-storage/core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createGcsDriverFromConfig } from '../src/index.js';
import { describeOnEmulator, emulatorEndpoint, uniqueBucket } from './emulator.js';

const api = { describe: describeOnEmulator, it, beforeAll, afterAll };

// The Cloud Storage emulator checks ifGenerationMatch before it writes but not atomically with the
// write: of 8 concurrent uploads with the same generation precondition, all 8 succeed. Real GCS applies
// preconditions atomically (documented), which the driver relies on; that race cannot be tested here.
const exclude = {
  'capabilities: of writers racing to replace one etag, exactly one wins':
    'the GCS emulator does not apply generation preconditions atomically under concurrent uploads',
};

// Defaults (simple uploads up to 8 MiB, resumable above), public URLs, and the full 64 MiB value.
runConformanceSuite(api, {
  exclude,
  create: () =>
    createGcsDriverFromConfig({
      bucket: uniqueBucket('conformance'),
      api_endpoint: emulatorEndpoint,
      public_read: 'true',
    }),
});

// Compression on, a prefix, and a 256 KiB resumable threshold so the 1 MiB values and the aborted
// stream go through resumable sessions too. 16 MiB for the large value: the 64 MiB path is the
// same code and is covered above; this keeps the run short on a 2-core machine.
describe('compressed, prefixed, small resumable threshold', () => {
  runConformanceSuite(api, {
    create: () =>
      createGcsDriverFromConfig({
        bucket: uniqueBucket('compressed'),
        api_endpoint: emulatorEndpoint,
        prefix: 'tenants/alice/',
        compress: 'true',
        resumable_threshold: String(256 * 1024),
      }),
    exclude,
    largeValueBytes: 16 * 1024 * 1024,
  });
});

// As users reach it: through the policy layer (timeouts, retries), with public URLs.
describe('through withDriverPolicy', () => {
  runConformanceSuite(api, {
    create: () =>
      withDriverPolicy(
        createGcsDriverFromConfig({
          bucket: uniqueBucket('policy'),
          api_endpoint: emulatorEndpoint,
          public_read: 'true',
        }),
      ),
    exclude,
    largeValueBytes: 8 * 1024 * 1024,
  });
});
