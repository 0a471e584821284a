import { runConformanceSuite } from '@blockstack-storage/conformance';
import { withDriverPolicy } from '@blockstack-storage/core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createDropboxDriver } from '../src/index.js';
import { type LocalDropboxServer, startLocalDropboxServer } from '../src/testing/index.js';

// The full suite (64 MiB value included) against the driver on the local Dropbox API server, with a
// small session threshold so large values really go through upload sessions.
let server: LocalDropboxServer | undefined;
describe('on the local Dropbox server, refresh-token credentials', () => {
  runConformanceSuite(
    { describe, it, beforeAll, afterAll },
    {
      create: async () => {
        server = await startLocalDropboxServer();
        return createDropboxDriver({
          appKey: 'local-app-key',
          appSecret: 'local-app-secret',
          refreshToken: 'local-refresh-token',
          sessionThresholdBytes: 4 * 1024 * 1024,
          fetch: server.fetch,
        });
      },
      cleanup: () => server?.close(),
    },
  );
});

// Again with a long-lived token and compression on (a smaller large value: the streaming path is the same).
let compressedServer: LocalDropboxServer | undefined;
describe('on the local Dropbox server, long-lived token, compress = true', () => {
  runConformanceSuite(
    { describe, it, beforeAll, afterAll },
    {
      create: async () => {
        compressedServer = await startLocalDropboxServer({ accessTokens: ['long-lived'] });
        return createDropboxDriver({
          accessToken: 'long-lived',
          compress: true,
          sessionThresholdBytes: 1024 * 1024,
          root: '/Apps/Blockstack Test',
          fetch: compressedServer.fetch,
        });
      },
      cleanup: () => compressedServer?.close(),
      largeValueBytes: 16 * 1024 * 1024,
    },
  );
});

// As users reach it: through the policy layer (timeouts, retries). 8 MiB still spans upload sessions.
let policyServer: LocalDropboxServer | undefined;
describe('on the local Dropbox server, through withDriverPolicy', () => {
  runConformanceSuite(
    { describe, it, beforeAll, afterAll },
    {
      create: async () => {
        policyServer = await startLocalDropboxServer();
        return withDriverPolicy(
          createDropboxDriver({
            appKey: 'local-app-key',
            appSecret: 'local-app-secret',
            refreshToken: 'local-refresh-token',
            sessionThresholdBytes: 4 * 1024 * 1024,
            fetch: policyServer.fetch,
          }),
        );
      },
      cleanup: () => policyServer?.close(),
      largeValueBytes: 8 * 1024 * 1024,
    },
  );
});
