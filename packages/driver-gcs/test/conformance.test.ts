import { runConformanceSuite } from '@blockstack-storage/conformance';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createGcsDriverFromConfig } from '../src/index.js';
import { describeOnEmulator, emulatorEndpoint, uniqueBucket } from './emulator.js';

const api = { describe: describeOnEmulator, it, beforeAll, afterAll };

// Defaults (simple uploads up to 8 MiB, resumable above), public URLs, and the full 64 MiB value.
runConformanceSuite(api, {
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
    largeValueBytes: 16 * 1024 * 1024,
  });
});
