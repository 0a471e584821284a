import { randomBytes } from 'node:crypto';
import { runConformanceSuite } from '@blockstack-storage/conformance';
import { Dropbox } from 'dropbox';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createDropboxDriver } from '../src/index.js';

// Opt-in: the same conformance suite on a real Dropbox account. Set DROPBOX_TEST_TOKEN to an access
// token of an app with files.content.read/write, files.metadata.read and sharing.read/write scopes
// (or DROPBOX_TEST_APP_KEY + DROPBOX_TEST_APP_SECRET + DROPBOX_TEST_REFRESH_TOKEN). Everything goes
// under a fresh /blockstack-storage-test-<random> folder, deleted afterwards.
const env = process.env;
const token = env.DROPBOX_TEST_TOKEN;
const refresh =
  env.DROPBOX_TEST_APP_KEY && env.DROPBOX_TEST_APP_SECRET && env.DROPBOX_TEST_REFRESH_TOKEN
    ? {
        appKey: env.DROPBOX_TEST_APP_KEY,
        appSecret: env.DROPBOX_TEST_APP_SECRET,
        refreshToken: env.DROPBOX_TEST_REFRESH_TOKEN,
      }
    : undefined;
const enabled = Boolean(token || refresh);

if (!enabled) {
  console.info(
    '[driver-dropbox] live Dropbox tests skipped: set DROPBOX_TEST_TOKEN (or DROPBOX_TEST_APP_KEY, ' +
      'DROPBOX_TEST_APP_SECRET and DROPBOX_TEST_REFRESH_TOKEN) to run the conformance suite on a real account.',
  );
}

const root = `/blockstack-storage-test-${randomBytes(4).toString('hex')}`;
describe.skipIf(!enabled)('live Dropbox account', () => {
  runConformanceSuite(
    { describe, it, beforeAll, afterAll },
    {
      create: () => createDropboxDriver({ ...(token ? { accessToken: token } : {}), ...refresh, root }),
      cleanup: async () => {
        const dbx = new Dropbox(
          refresh
            ? {
                clientId: refresh.appKey,
                clientSecret: refresh.appSecret,
                refreshToken: refresh.refreshToken,
              }
            : { accessToken: token },
        );
        await dbx.filesDeleteV2({ path: root }).catch(() => {});
      },
      timeoutMs: 120_000,
    },
  );
});
