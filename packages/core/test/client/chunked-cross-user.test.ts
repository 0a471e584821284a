import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalLedger, openStorage, type StorageClient, type StorageDriver } from '../../src/index.js';
import { NO_RETRY, newLedger, tempDir, tempDrivers } from '../support/client-fixture.js';
import { startStaticServer, type TestServer } from '../support/static-server.js';
import { createTempDirDriver } from '../support/temp-dir-driver.js';

const KiB = 1024;
// Alice's public driver is a directory served read-only over HTTP; Bob knows only her name and reads
// her chunked values over HTTP: the manifest from the published URL, the chunks beside it.
let server: TestServer;
let ledger: LocalLedger;
let alice: StorageClient;
let bob: StorageClient;

async function open(
  name: string,
  drivers: StorageDriver[],
  config: { requiredWrite: string[]; local?: string[] },
) {
  return openStorage({
    name,
    config: {
      storageDrivers: drivers.map((d) => d.name),
      metadataDir: await tempDir('bss-meta-'),
      ...config,
    },
    drivers,
    registry: ledger,
    policy: NO_RETRY,
    chunkThresholdBytes: 32 * KiB,
    chunkBytes: 8 * KiB,
    onWarning: () => {},
  });
}

beforeAll(async () => {
  const root = await tempDir('bss-served-');
  server = await startStaticServer(root);
  const served = createTempDirDriver({ name: 'served', root, publicUrl: server.url });
  const [local] = await tempDrivers([{ name: 'local' }]);
  ledger = await newLedger();
  alice = await open('alice.id', [local!, served], { requiredWrite: ['served'], local: ['local'] });
  const [bobs] = await tempDrivers([{ name: 'bobs', publicUrl: 'http://bob.example' }]);
  bob = await open('bob.id', [bobs!], { requiredWrite: ['bobs'] });
});
afterAll(async () => {
  await alice.close();
  await bob.close();
  await server.close();
});

async function collect(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of body) parts.push(part);
  return Buffer.concat(parts);
}

describe("reading another user's chunked values over HTTP", () => {
  it('a public value, and one encrypted to the reader', async () => {
    const open = randomBytes(100 * KiB);
    expect((await alice.putMutable('video', open, { public: true })).format).toBe('bsc1');
    const got = await bob.getMutableStream('video', { owner: 'alice.id' });
    expect(got).toMatchObject({ owner: 'alice.id', size: open.byteLength, encrypted: false, format: 'bsc1' });
    expect(got!.source).toContain(server.url);
    expect((await collect(got!.body)).equals(open)).toBe(true);

    const secret = randomBytes(70 * KiB);
    await alice.putMutable('for-bob', secret, { recipientPublicKey: bob.publicKey });
    const mine = await bob.getMutable('for-bob', { owner: 'alice.id' });
    expect(mine).toMatchObject({ encrypted: true, format: 'bsc1' });
    expect(Buffer.from(mine!.data).equals(secret)).toBe(true);
  });

  it('a large immutable value, verified against the manifest hash in her zone file', async () => {
    const value = randomBytes(90 * KiB);
    const put = await alice.putImmutable('release.tar', value);
    expect(put.chunked).toBe(true);
    const got = await bob.getImmutable('release.tar', { owner: 'alice.id' });
    expect(got).toMatchObject({ hash: put.hash, sha256: put.sha256, chunked: true });
    expect(Buffer.from(got!.data).equals(value)).toBe(true);
  });
});
