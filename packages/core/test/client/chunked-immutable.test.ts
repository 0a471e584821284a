import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  getImmutableDataRecord,
  isStorageError,
  openStorage,
  parseManifest,
  parseZoneFile,
} from '../../src/index.js';
import { NO_RETRY, newLedger, tempDir, tempDrivers } from '../support/client-fixture.js';

const KiB = 1024;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function* streamOf(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += 10_000) yield bytes.subarray(at, at + 10_000);
}

async function user() {
  const [a, b] = await tempDrivers([
    { name: 'a', publicUrl: 'http://a.example' },
    { name: 'b', publicUrl: 'http://b.example' },
  ]);
  const registry = await newLedger();
  const client = await openStorage({
    name: 'alice.id',
    config: {
      storageDrivers: ['a', 'b'],
      requiredWrite: ['a', 'b'],
      metadataDir: await tempDir('bss-meta-'),
    },
    drivers: [a!, b!],
    registry,
    policy: NO_RETRY,
    chunkThresholdBytes: 64 * KiB,
    chunkBytes: 16 * KiB,
    onWarning: () => {},
  });
  return { a: a!, b: b!, client, registry };
}

describe('large immutable values (chunked, the zone file commits to the manifest)', () => {
  it('stores a streamed value in chunks; the record holds the manifest hash, the value hash stays visible', async () => {
    const { a, client, registry } = await user();
    const value = randomBytes(150 * KiB + 9);
    const put = await client.putImmutable('release.tar', streamOf(value));
    expect(put).toMatchObject({ chunked: true, sha256: sha256(value) });
    expect(put.hash).not.toBe(put.sha256);
    const zone = parseZoneFile((await registry.getZoneFile('alice.id'))!.text);
    expect(getImmutableDataRecord(zone, 'release.tar')!.hash).toBe(put.hash);
    // The record's hash is the manifest's, and the manifest states the value's size and SHA-256.
    const manifestBytes = await readFile(a.pathOf(`immutable/${put.hash}`));
    expect(sha256(manifestBytes)).toBe(put.hash);
    const manifest = parseManifest(manifestBytes, client.publicKey, { fqDataId: 'alice.id:release.tar' });
    expect(manifest).toMatchObject({ size: value.byteLength, plaintextSha256: sha256(value) });

    const got = await client.getImmutable('release.tar');
    expect(got).toMatchObject({ hash: put.hash, sha256: put.sha256, chunked: true });
    expect(Buffer.from(got!.data).equals(value)).toBe(true);
    const streamed = await client.getImmutableStream('release.tar');
    expect(streamed).toMatchObject({ size: value.byteLength, chunked: true });
    const parts: Uint8Array[] = [];
    for await (const part of streamed!.body) parts.push(part);
    expect(Buffer.concat(parts).equals(value)).toBe(true);
    expect(Buffer.from((await client.getImmutableByHash(put.hash))!.data).equals(value)).toBe(true);

    // A small value is stored whole under its own SHA-256, as before.
    const small = randomBytes(10 * KiB);
    expect(await client.putImmutable('note', small)).toMatchObject({ chunked: false, hash: sha256(small) });
    expect(Buffer.from((await client.getImmutable('note'))!.data).equals(small)).toBe(true);
    await client.close();
  });

  it('refuses a chunk changed on every driver (IntegrityError), and reads it from a good copy', async () => {
    const { a, b, client } = await user();
    const value = randomBytes(100 * KiB);
    const put = await client.putImmutable('data.bin', value);
    const manifest = parseManifest(await readFile(a.pathOf(`immutable/${put.hash}`)), client.publicKey);
    const path = (driver: typeof a) => driver.pathOf(`immutable/${manifest.chunkHashes[2]}`);
    const damaged = await readFile(path(a));
    damaged[7]! ^= 1;
    await writeFile(path(a), damaged);
    expect(Buffer.from((await client.getImmutable('data.bin'))!.data).equals(value)).toBe(true);
    await writeFile(path(b), damaged);
    const error = await client.getImmutable('data.bin').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isStorageError(error, ErrorCode.Integrity)).toBe(true);
    await client.close();
  });
});
