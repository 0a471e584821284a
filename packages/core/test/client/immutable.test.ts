import { readFile, stat, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  getImmutableDataRecord,
  isStorageError,
  PermissionError,
  parseZoneFile,
  sha256Hex,
} from '../../src/index.js';
import { withChaos } from '../support/chaos-driver.js';
import { newLedger, openUser, str, tempDrivers, text } from '../support/client-fixture.js';

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

async function setup() {
  const [a, b] = await tempDrivers([
    { name: 'a', publicUrl: 'http://a.example' },
    { name: 'b', publicUrl: 'http://b.example' },
  ]);
  const ledger = await newLedger();
  const client = await openUser({ name: 'alice.id', drivers: [a!, b!], registry: ledger });
  return { a: a!, b: b!, ledger, client };
}

describe('putImmutable / getImmutable / deleteImmutable', () => {
  it('stores by SHA-256 and records [url]#hash in the zone file with a NAME_UPDATE', async () => {
    const { a, ledger, client } = await setup();
    const data = text('-----BEGIN PGP PUBLIC KEY BLOCK-----');
    const put = await client.putImmutable('pgp-key', data);
    expect(put.hash).toBe(sha256Hex(data));
    expect(put.url).toBe(`http://a.example/immutable/${put.hash}`);
    expect(put.outcomes.map((o) => o.status)).toEqual(['ok', 'ok']);
    const current = await ledger.getZoneFile('alice.id');
    expect(current!.txid).toBe(put.txid);
    expect(getImmutableDataRecord(parseZoneFile(current!.text), 'pgp-key')).toEqual({
      dataId: 'pgp-key',
      hash: put.hash,
      url: put.url,
    });
    expect(await readFile(a.pathOf(`immutable/${put.hash}`))).toEqual(Buffer.from(data));
    const got = await client.getImmutable('pgp-key');
    expect(str(got!.data)).toBe(str(data));
    expect(got).toMatchObject({ hash: put.hash, source: 'a' });
    expect(await client.getImmutable('no-such-id')).toBeNull();
    const byHash = await client.getImmutableByHash(put.hash);
    expect(byHash).toMatchObject({ dataId: 'pgp-key', hash: put.hash });
    expect(str(byHash!.data)).toBe(str(data));
    expect(await client.getImmutableByHash(sha256Hex(text('never stored')))).toBeNull();
    await client.close();
  });

  it('replaces an older record of the same id', async () => {
    const { ledger, client } = await setup();
    await client.putImmutable('release', text('v1.0'));
    const second = await client.putImmutable('release', text('v1.1'));
    const zone = parseZoneFile((await ledger.getZoneFile('alice.id'))!.text);
    expect(zone.txt.filter((r) => r.name === 'release')).toHaveLength(1);
    expect(getImmutableDataRecord(zone, 'release')!.hash).toBe(second.hash);
    expect(str((await client.getImmutable('release'))!.data)).toBe('v1.1');
    expect((await ledger.history('alice.id')).length).toBe(3); // registration + 2 updates
    await client.close();
  });

  it('skips and reports a driver returning wrong bytes', async () => {
    const { a, b, client } = await setup();
    const put = await client.putImmutable('cert', text('certificate'));
    await writeFile(a.pathOf(`immutable/${put.hash}`), 'forged certificate');
    const got = await client.getImmutable('cert');
    expect(str(got!.data)).toBe('certificate');
    expect(got!.source).toBe('b');
    expect(got!.copies[0]).toMatchObject({ source: 'a', status: 'invalid' });
    await writeFile(b.pathOf(`immutable/${put.hash}`), 'also forged');
    const error = await failure(client.getImmutable('cert'));
    expect(isStorageError(error, ErrorCode.Integrity)).toBe(true);
    await client.close();
  });

  it('sends no NAME_UPDATE when a required driver fails', async () => {
    const [a] = await tempDrivers([{ name: 'a', publicUrl: 'http://a.example' }]);
    const chaotic = withChaos(a!);
    const ledger = await newLedger();
    const client = await openUser({ name: 'alice.id', drivers: [chaotic], registry: ledger });
    chaotic.chaos.failNext('putImmutable', new PermissionError('denied', { driver: 'a' }));
    expect(isStorageError(await failure(client.putImmutable('x', text('x'))), ErrorCode.Replication)).toBe(
      true,
    );
    expect((await ledger.history('alice.id')).length).toBe(1);
    await client.close();
  });

  it('deletes: NAME_UPDATE removing the record, then tombstone and delete on the drivers', async () => {
    const { a, b, ledger, client } = await setup();
    const put = await client.putImmutable('old-key', text('retired'));
    const shared = await client.putImmutable('same-bytes', text('shared'));
    await client.putImmutable('same-bytes-too', text('shared'));
    const deleted = await client.deleteImmutable('old-key');
    expect(deleted!.txid).toBe((await ledger.getZoneFile('alice.id'))!.txid);
    expect(deleted!.tombstoneOutcomes.map((o) => o.status)).toEqual(['ok', 'ok']);
    expect(deleted!.outcomes.map((o) => o.status)).toEqual(['ok', 'ok']);
    expect(await client.getImmutable('old-key')).toBeNull();
    expect(await exists(a.pathOf(`immutable/${put.hash}`))).toBe(false);
    expect(await exists(b.pathOf(`immutable/${put.hash}`))).toBe(false);
    expect(await client.deleteImmutable('old-key')).toBeNull();

    // Bytes another record still points at stay on the drivers.
    await client.deleteImmutable('same-bytes');
    expect(await exists(a.pathOf(`immutable/${shared.hash}`))).toBe(true);
    expect(str((await client.getImmutable('same-bytes-too'))!.data)).toBe('shared');
    await client.close();
  });
});
