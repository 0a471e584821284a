import { runConformanceSuite } from '@blockstack-storage/conformance';
import { withDriverPolicy } from '@blockstack-storage/core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createGaiaDriver } from '../src/index.js';
import { makePrivateKey, startTestHub, type TestHub } from './support/hub.js';
import { type StaleCdn, startStaleCdn } from './support/stale-cdn.js';

const MiB = 1024 * 1024;
const api = { describe, it, beforeAll, afterAll };
// The hub holds each upload in memory; 16 MiB (its limit here) keeps the size-limit case (which writes
// up to 16 MiB) and the streamed large value (at the limit) running instead of skipped.
const hubLimitMegabytes = 16;
const suiteOptions = { largeValueBytes: 16 * MiB };

let hub: TestHub;
let cdn: StaleCdn;
beforeAll(async () => {
  hub = await startTestHub({ maxFileUploadSizeMegabytes: hubLimitMegabytes });
  cdn = await startStaleCdn(hub.readUrl);
});
afterAll(async () => {
  await cdn?.stop();
  await hub?.stop();
});

// Each suite in its own bucket (its own key), so fixed ids of one cannot meet the other's.
const driverOn = (readUrlPrefix?: string) =>
  createGaiaDriver({ hubUrl: hub.url, privateKey: makePrivateKey(), readUrlPrefix });

describe('against a Gaia hub', () => {
  runConformanceSuite(api, { ...suiteOptions, create: () => driverOn() });
});

// Users reach a driver through the policy layer (timeouts, retries), so it must conform there too.
describe('through withDriverPolicy', () => {
  runConformanceSuite(api, { ...suiteOptions, create: () => withDriverPolicy(driverOn()) });
});

// Reads through a CDN that serves the first copy it saw of every URL: read-your-writes must still hold.
describe('reading through a stale CDN', () => {
  runConformanceSuite(api, { ...suiteOptions, create: () => driverOn(cdn.readUrl) });
});
