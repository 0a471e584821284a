import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  encodeDataId,
  generateDataKeyPair,
  isStorageError,
  PermissionError,
  type ReplicationError,
  type StaleDataError,
  UnavailableError,
} from '../../src/index.js';
import { withChaos } from '../support/chaos-driver.js';
import { newLedger, openUser, str, tempDir, tempDrivers, text } from '../support/client-fixture.js';

const keyOf = (dataId: string) => `mutable/${encodeDataId(dataId)}`;
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

async function twoDriverUser(policy?: 'first' | 'newest') {
  const [a, b] = await tempDrivers([
    { name: 'a', publicUrl: 'http://a.example' },
    { name: 'b', publicUrl: 'http://b.example' },
  ]);
  const metadataDir = await tempDir('bss-meta-');
  const registry = await newLedger();
  const client = await openUser({
    name: 'alice.id',
    drivers: [a!, b!],
    registry,
    metadataDir,
    config: policy ? { readOrder: policy } : {},
  });
  return { a: a!, b: b!, client, registry, metadataDir };
}

describe('putMutable / getMutable', () => {
  it('round-trips encrypted data with increasing versions; drivers never see the plaintext', async () => {
    const { a, client } = await twoDriverUser();
    const first = await client.putMutable('profile', text('secret plans'));
    expect(first.version).toBe(1);
    expect(first.outcomes.map((o) => o.status)).toEqual(['ok', 'ok']);
    expect((await client.putMutable('profile', text('newer plans'))).version).toBe(2);
    const stored = await readFile(a.pathOf(keyOf('profile')));
    expect(stored.subarray(0, 5).toString()).toBe('bsk2.');
    expect(stored.toString()).not.toContain(Buffer.from('newer plans').toString('base64'));
    const got = await client.getMutable('profile');
    expect(str(got!.data)).toBe('newer plans');
    expect(got).toMatchObject({ version: 2, encrypted: true, owner: 'alice.id' });
    expect(await client.getMutable('nothing')).toBeNull();
    await client.close();
  });

  it('stores public data signed but unencrypted', async () => {
    const { b, client } = await twoDriverUser();
    await client.putMutable('hello', text('hi all'), { public: true });
    expect((await readFile(b.pathOf(keyOf('hello')))).toString()).toContain(
      Buffer.from('hi all').toString('base64'),
    );
    expect(await client.getMutable('hello')).toMatchObject({ encrypted: false, version: 1 });
    await client.close();
  });

  it.each(['newest', 'first'] as const)(
    'refuses a copy with a tampered byte and returns the good copy from another driver (%s)',
    async (policy) => {
      const { a, b, client } = await twoDriverUser(policy);
      await client.putMutable('profile', text('untouched'), { public: true });
      const path = a.pathOf(keyOf('profile'));
      const bytes = await readFile(path);
      bytes[bytes.length - 20]! ^= 0x01;
      await writeFile(path, bytes);
      const got = await client.getMutable('profile');
      expect(str(got!.data)).toBe('untouched');
      expect(got!.source).toBe('b');
      expect(got!.copies[0]).toMatchObject({ source: 'a', status: 'invalid' });
      expect(isStorageError(got!.copies[0]!.error, ErrorCode.Integrity)).toBe(true);
      // With the good copy gone too, the tampered one is still never returned.
      await rm(b.pathOf(keyOf('profile')));
      expect(isStorageError(await failure(client.getMutable('profile')), ErrorCode.Integrity)).toBe(true);
      await client.close();
    },
  );

  it("refuses a replay of another key's datum or another user's datum (fq_data_id / signer mismatch)", async () => {
    const { a, b, client } = await twoDriverUser();
    await client.putMutable('public-note', text('for anyone'), { public: true });
    await client.putMutable('bank', text('balance 1'), { public: true });
    // Driver `a` serves the `public-note` envelope under the `bank` key: validly signed, wrong id.
    await copyFile(a.pathOf(keyOf('public-note')), a.pathOf(keyOf('bank')));
    const got = await client.getMutable('bank');
    expect(str(got!.data)).toBe('balance 1');
    expect(got!.copies[0]!.status).toBe('invalid');
    expect(got!.copies[0]!.error!.message).toContain('replayed');

    // Mallory's envelope for the same fq id, signed by her own key, is refused as well.
    const [malloryDriver] = await tempDrivers([{ name: 'm', publicUrl: 'http://m.example' }]);
    const mallory = await openUser({
      name: 'alice.id',
      drivers: [malloryDriver!],
      registry: await newLedger(),
      dataKey: generateDataKeyPair().privateKey,
    });
    await mallory.putMutable('bank', text('balance 1000000'), { public: true });
    await mallory.close();
    await copyFile(malloryDriver!.pathOf(keyOf('bank')), b.pathOf(keyOf('bank')));
    const error = await failure(client.getMutable('bank'));
    expect(isStorageError(error, ErrorCode.Integrity)).toBe(true);
    expect(error!.message).toContain('a: invalid, b: invalid');
    await client.close();
  });

  it('never lets a driver rolled back to an older version make a get go backwards', async () => {
    const { a, b, client, registry, metadataDir } = await twoDriverUser('first');
    await client.putMutable('profile', text('v1'), { public: true });
    const old = await readFile(a.pathOf(keyOf('profile')));
    await client.putMutable('profile', text('v2'), { public: true });
    await writeFile(a.pathOf(keyOf('profile')), old); // `a` rolled back to version 1

    const got = await client.getMutable('profile'); // `first`: a is asked first
    expect(got).toMatchObject({ version: 2, source: 'b' });
    expect(got!.copies[0]).toMatchObject({ source: 'a', status: 'stale', version: 1 });

    await rm(b.pathOf(keyOf('profile'))); // only the stale copy is left
    const error = (await failure(client.getMutable('profile'))) as StaleDataError;
    expect(isStorageError(error, ErrorCode.StaleData)).toBe(true);
    expect(error.knownVersion).toBe(2);
    expect(error.versionsSeen).toEqual([1]);
    expect(error.message).toContain('versions 1');
    await client.close();

    // The version cache persists: a new client on the same metadata directory refuses it too.
    const again = await openUser({
      name: 'alice.id',
      drivers: [a, b],
      registry,
      metadataDir,
      dataKey: undefined,
    });
    expect(
      isStorageError(await failure(again.getMutable('profile', { policy: 'newest' })), ErrorCode.StaleData),
    ).toBe(true);
    await again.close();
  });

  it('newest returns the highest valid version across drivers and remembers it', async () => {
    const { a, b, client } = await twoDriverUser('newest');
    await client.putMutable('k', text('one'), { public: true });
    const v1 = await readFile(a.pathOf(keyOf('k')));
    await client.putMutable('k', text('two'), { public: true });
    await writeFile(a.pathOf(keyOf('k')), v1);
    expect(await client.getMutable('k')).toMatchObject({ version: 2, source: 'b' });
    expect(await client.getMutable('k', { policy: 'first' })).toMatchObject({ version: 2, source: 'b' });
    await rm(b.pathOf(keyOf('k')));
    expect(isStorageError(await failure(client.getMutable('k')), ErrorCode.StaleData)).toBe(true);
    await client.close();
  });

  it('fails the put when a required driver fails, not when an optional one does, and records no version on failure', async () => {
    const [req, opt] = await tempDrivers([
      { name: 'req', publicUrl: 'http://req.example' },
      { name: 'opt', publicUrl: 'http://opt.example' },
    ]);
    const required = withChaos(req!);
    const optional = withChaos(opt!);
    const client = await openUser({
      name: 'alice.id',
      drivers: [required, optional],
      registry: await newLedger(),
      config: { requiredWrite: ['req'] },
    });
    optional.chaos.failNext('putMutable', new PermissionError('no write access', { driver: 'opt' }));
    const ok = await client.putMutable('k', text('one'), { public: true });
    expect(ok.version).toBe(1);
    expect(ok.outcomes.find((o) => o.driver === 'opt')).toMatchObject({ status: 'failed', required: false });

    required.chaos.failNext('putMutable', new PermissionError('no write access', { driver: 'req' }));
    const error = (await failure(client.putMutable('k', text('two'), { public: true }))) as ReplicationError;
    expect(isStorageError(error, ErrorCode.Replication)).toBe(true);
    expect(error.outcomes.find((o) => o.driver === 'req')).toMatchObject({
      status: 'failed',
      required: true,
    });
    expect(error.message).toContain('req (required)');

    // The failed put was not acknowledged: reads still give version 1.
    expect((await client.getMutable('k', { policy: 'first' }))!.version).toBe(1);
    // Its number reached the optional driver, so it is never reused: the next put is version 3.
    expect((await client.putMutable('k', text('two'), { public: true })).version).toBe(3);
    await client.close();
  });

  it('deletes with a tombstone; a driver that missed the delete cannot bring the value back', async () => {
    const { a, b, client } = await twoDriverUser();
    await client.putMutable('gone', text('bye'), { public: true });
    const before = await readFile(a.pathOf(keyOf('gone')));
    const deleted = await client.deleteMutable('gone');
    expect(deleted.tombstoneOutcomes.map((o) => o.status)).toEqual(['ok', 'ok']);
    expect(deleted.outcomes.map((o) => o.status)).toEqual(['ok', 'ok']);
    expect(await client.getMutable('gone')).toBeNull();

    await writeFile(a.pathOf(keyOf('gone')), before); // an old copy comes back on one driver
    expect(await client.getMutable('gone')).toBeNull(); // the other keeps the tombstone
    await rm(b.pathOf(keyOf('gone')));
    expect(isStorageError(await failure(client.getMutable('gone')), ErrorCode.StaleData)).toBe(true);
    expect((await client.putMutable('gone', text('back'), { public: true })).version).toBe(3);
    expect(str((await client.getMutable('gone'))!.data)).toBe('back');
    await client.close();
  });

  it('reads the tombstone as deleted where a driver missed the delete', async () => {
    const [req, opt] = await tempDrivers([
      { name: 'req', publicUrl: 'http://req.example' },
      { name: 'opt', publicUrl: 'http://opt.example' },
    ]);
    const optional = withChaos(opt!);
    const client = await openUser({
      name: 'alice.id',
      drivers: [req!, optional],
      registry: await newLedger(),
      config: { requiredWrite: ['req'] },
    });
    await client.putMutable('gone', text('bye'), { public: true });
    optional.chaos.failNext('putMutable', new PermissionError('no write access', { driver: 'opt' }));
    const deleted = await client.deleteMutable('gone');
    expect(deleted.outcomes.map((o) => o.status)).toEqual(['ok', 'failed']);
    // The tombstone stays in place of the value (a reader that finds nothing knows nothing).
    expect((await readFile(req!.pathOf(keyOf('gone')), 'utf8')).startsWith('delete-')).toBe(true);
    expect(await readFile(opt!.pathOf(keyOf('gone')), 'utf8')).toContain('"version":1');
    const got = await client.getMutable('gone');
    expect(got).toBeNull();
    await client.close();
  });
});

describe('concurrent and aborted writes', () => {
  it('gives concurrent puts of one id in one process distinct versions', async () => {
    const { client } = await twoDriverUser();
    const results = await Promise.all(
      ['a', 'b', 'c', 'd'].map((value) => client.putMutable('counter', text(value), { public: true })),
    );
    expect(results.map((r) => r.version).sort()).toEqual([1, 2, 3, 4]);
    expect((await client.getMutable('counter'))!.version).toBe(4);
    await client.close();
  });

  it('throws AbortedError for an aborted put and records no version', async () => {
    const { client } = await twoDriverUser();
    const controller = new AbortController();
    controller.abort();
    const error = await failure(client.putMutable('k', text('x'), { signal: controller.signal }));
    expect(isStorageError(error, ErrorCode.Aborted)).toBe(true);
    expect((await client.putMutable('k', text('y'))).version).toBe(1);
    await client.close();
  });
});

describe('the read limit (policy.maxReadBytes)', () => {
  it('refuses to store what no read could take back, and names an oversized copy TooLarge, not unavailable', async () => {
    const [drv] = await tempDrivers([{ name: 'd', publicUrl: 'http://d.example' }]);
    const registry = await newLedger();
    const metadataDir = await tempDir('bss-meta-');
    const small = await openUser({
      name: 'alice.id',
      drivers: [drv!],
      registry,
      metadataDir,
      policy: { maxReadBytes: 4096 },
    });
    const refused = await failure(small.putMutable('big', new Uint8Array(5000), { public: true }));
    expect(isStorageError(refused, ErrorCode.TooLarge)).toBe(true);
    expect(await drv!.getMutable('big')).toBeNull(); // nothing was written
    expect(
      isStorageError(await failure(small.putImmutable('big', new Uint8Array(5000))), ErrorCode.TooLarge),
    ).toBe(true);
    await small.close();

    // A client with a larger limit stores it; one with the small limit then cannot read it.
    const large = await openUser({ name: 'alice.id', drivers: [drv!], registry, metadataDir });
    await large.putMutable('big', new Uint8Array(5000), { public: true });
    await large.close();
    const again = await openUser({
      name: 'alice.id',
      drivers: [drv!],
      registry,
      metadataDir,
      policy: { maxReadBytes: 4096 },
    });
    expect(isStorageError(await failure(again.getMutable('big')), ErrorCode.TooLarge)).toBe(true);
    await again.close();
  });

  it('names an oversized immutable copy TooLarge, and an unreadable one unavailable, not missing', async () => {
    const [drv] = await tempDrivers([{ name: 'd', publicUrl: 'http://d.example' }]);
    const registry = await newLedger();
    const metadataDir = await tempDir('bss-meta-');
    const large = await openUser({ name: 'alice.id', drivers: [drv!], registry, metadataDir });
    await large.putImmutable('big', new Uint8Array(5000));
    await large.close();
    const small = await openUser({
      name: 'alice.id',
      drivers: [drv!],
      registry,
      metadataDir,
      policy: { maxReadBytes: 4096 },
    });
    expect(isStorageError(await failure(small.getImmutable('big')), ErrorCode.TooLarge)).toBe(true);
    await small.close();

    const failing = withChaos(drv!);
    const client = await openUser({ name: 'alice.id', drivers: [failing], registry, metadataDir });
    failing.chaos.failNext('getImmutable', new UnavailableError('down', { driver: 'd' }));
    expect(isStorageError(await failure(client.getImmutable('big')), ErrorCode.Unavailable)).toBe(true);
    await client.close();
  });
});
