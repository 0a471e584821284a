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

// When a download ends early, @google-cloud/storage destroys its whole HTTP agent (its workaround for
// a node-fetch 2 socket leak) a moment after the body rejected, which resets the next request: a bare
// driver's read right after an aborted read fails once with a retryable UnavailableError. The driver
// makes one attempt per call (retries are the policy layer's); the run through withDriverPolicy below
// keeps the whole case, where that read is retried.
const bareExclude = {
  ...exclude,
  'mutable semantics: an abort after get resolves stops the body with AbortedError':
    'the GCS SDK resets the request that follows an aborted download; withDriverPolicy retries it (run below)',
  'immutable semantics: an abort after get resolves stops the body with AbortedError':
    'the GCS SDK resets the request that follows an aborted download; withDriverPolicy retries it (run below)',
};

// Defaults (simple uploads up to 8 MiB, resumable above), public URLs, and the full 64 MiB value.
runConformanceSuite(api, {
  exclude: bareExclude,
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
    exclude: bareExclude,
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
