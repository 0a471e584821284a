// Runs without a Dropbox account: the driver against the local Dropbox API server this package ships.
// After a build: `node examples/local-dropbox.mjs`.
import { readBody } from '@blockstack-storage/core/driver';
import { createDropboxDriver } from '@blockstack-storage/driver-dropbox';
import { startLocalDropboxServer } from '@blockstack-storage/driver-dropbox/testing';

const server = await startLocalDropboxServer();
const dropbox = createDropboxDriver({
  // The local server's defaults; with a real account use your own (see the README).
  appKey: 'local-app-key',
  appSecret: 'local-app-secret',
  refreshToken: 'local-refresh-token',
  fetch: server.fetch, // omit with a real account
});
await dropbox.init();

const { url, etag } = await dropbox.putMutable(
  'alice.id/profile.json',
  new TextEncoder().encode('{"name":"alice"}'),
);
console.log('stored, rev', etag);
console.log('public URL', url);
const stored = await dropbox.getMutable('alice.id/profile.json');
console.log('read back', new TextDecoder().decode(await readBody(stored.body)));
// What another client sees with a plain GET of the shared link:
console.log('via the link', await (await server.fetch(url)).text());
await dropbox.deleteMutable('alice.id/profile.json');
await server.close();
