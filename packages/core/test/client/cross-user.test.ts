import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  encodeDataId,
  isStorageError,
  type LocalLedger,
  MUTABLE_PREFIX_RECORD,
  parseZoneFile,
  type StorageClient,
} from '../../src/index.js';
import { newLedger, openUser, str, tempDir, tempDrivers, text } from '../support/client-fixture.js';
import { startStaticServer, type TestServer } from '../support/static-server.js';
import { createTempDirDriver } from '../support/temp-dir-driver.js';

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

// Alice's public driver is a directory served read-only over HTTP (what `serve` does for a disk root);
// her second driver is local. Bob knows only her name: he resolves her zone file through the shared
// registry, fetches the published URLs over HTTP and verifies with her data key.
let server: TestServer;
let ledger: LocalLedger;
let alice: StorageClient;
let bob: StorageClient;
let served: ReturnType<typeof createTempDirDriver>;

beforeAll(async () => {
  const root = await tempDir('bss-served-');
  server = await startStaticServer(root);
  served = createTempDirDriver({ name: 'served', root, publicUrl: server.url });
  const [local] = await tempDrivers([{ name: 'local' }]);
  ledger = await newLedger();
  alice = await openUser({
    name: 'alice.id',
    drivers: [local!, served],
    registry: ledger,
    config: { requiredWrite: ['served'], local: ['local'] },
  });
  const [bobs] = await tempDrivers([{ name: 'bobs', publicUrl: 'http://bob.example' }]);
  bob = await openUser({ name: 'bob.id', drivers: [bobs!], registry: ledger });
});
afterAll(async () => {
  await alice.close();
  await bob.close();
  await server.close();
});

describe('reading another user’s data', () => {
  it('publishes the public driver’s URL prefix in the zone file, never the local driver’s', async () => {
    const put = await alice.putMutable('profile', text('{"name":"Alice"}'), { public: true });
    expect(put.urls).toEqual([`${server.url}/mutable/profile`]);
    expect(put.publishTxid).toBeDefined();
    const zone = parseZoneFile((await ledger.getZoneFile('alice.id'))!.text);
    expect(zone.uris).toEqual([
      expect.objectContaining({ name: MUTABLE_PREFIX_RECORD, target: `${server.url}/mutable/` }),
    ]);
    // Later puts need no NAME_UPDATE: the prefix is already published.
    expect((await alice.putMutable('other', text('x'), { public: true })).publishTxid).toBeUndefined();
  });

  it('lets anyone read public data by name alone, verified with the owner’s data key', async () => {
    await alice.putMutable('status', text('hello world'), { public: true });
    const got = await bob.getMutable('status', { owner: 'alice.id' });
    expect(str(got!.data)).toBe('hello world');
    expect(got).toMatchObject({
      owner: 'alice.id',
      encrypted: false,
      source: `${server.url}/mutable/status`,
    });
    expect(await bob.getMutable('never-written', { owner: 'alice.id' })).toBeNull();
  });

  it('keeps encrypted data readable only by the key it was encrypted to', async () => {
    await alice.putMutable('diary', text('dear diary'));
    const error = await failure(bob.getMutable('diary', { owner: 'alice.id' }));
    expect(isStorageError(error, ErrorCode.Permission)).toBe(true);
    // A MAC mismatch cannot tell another recipient from damage before signing: the message says both.
    expect((error as Error).message).toMatch(
      /MAC.*encrypted to another key, or damaged before it was signed/,
    );
    expect(str((await alice.getMutable('diary'))!.data)).toBe('dear diary');

    await alice.putMutable('for-bob', text('meet at noon'), { recipientPublicKey: bob.publicKey });
    const got = await bob.getMutable('for-bob', { owner: 'alice.id' });
    expect(str(got!.data)).toBe('meet at noon');
    expect(got!.encrypted).toBe(true);
  });

  it('refuses tampered or rolled-back copies served over HTTP', async () => {
    await alice.putMutable('news', text('v1'), { public: true });
    const path = served.pathOf(`mutable/${encodeDataId('news')}`);
    const v1 = await readFile(path);
    await alice.putMutable('news', text('v2'), { public: true });
    expect((await bob.getMutable('news', { owner: 'alice.id' }))!.version).toBe(2);

    await writeFile(path, v1); // the server rolls back
    const stale = await failure(bob.getMutable('news', { owner: 'alice.id' }));
    expect(isStorageError(stale, ErrorCode.StaleData)).toBe(true);

    const tampered = Buffer.from(await readFile(path));
    tampered[tampered.length - 5]! ^= 1;
    await writeFile(path, tampered);
    expect(
      isStorageError(await failure(bob.getMutable('news', { owner: 'alice.id' })), ErrorCode.Integrity),
    ).toBe(true);
  });

  it('reads immutable data through the URL in the zone file record, checking the hash', async () => {
    const put = await alice.putImmutable('pgp-key', text('alice pgp key'));
    expect(put.url).toBe(`${server.url}/immutable/${put.hash}`);
    const got = await bob.getImmutable('pgp-key', { owner: 'alice.id' });
    expect(str(got!.data)).toBe('alice pgp key');
    expect(got!.source).toBe(`${server.url}/immutable/${put.hash}`);
    expect(str((await bob.getImmutableByHash(put.hash, { owner: 'alice.id' }))!.data)).toBe('alice pgp key');
    await writeFile(served.pathOf(`immutable/${put.hash}`), 'forged');
    expect(
      isStorageError(await failure(bob.getImmutable('pgp-key', { owner: 'alice.id' })), ErrorCode.Integrity),
    ).toBe(true);
  });

  it('fails clearly for a name that is not registered', async () => {
    const error = await failure(bob.getMutable('x', { owner: 'nobody.id' }));
    expect(isStorageError(error, ErrorCode.NotFound)).toBe(true);
    expect(error!.message).toContain('nobody.id is not registered');
  });
});
