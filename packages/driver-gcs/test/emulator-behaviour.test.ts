import { createHash } from 'node:crypto';
import { patternBytes } from '@blockstack-storage/conformance';
import { readBody, type StorageDriver } from '@blockstack-storage/core/driver';
import { expect, it } from 'vitest';
import {
  createGcsDriver,
  createGcsDriverFromConfig,
  MAX_OBJECT_NAME_BYTES,
  MAX_PREFIX_BYTES,
  type UploadKind,
} from '../src/index.js';
import { describeOnEmulator, emulatorEndpoint, rawStorage, uniqueBucket } from './emulator.js';

const MiB = 1024 * 1024;
const compressible = new TextEncoder().encode('a signed profile envelope, '.repeat(4000));

function gcs(bucket: string, extra: Record<string, string> = {}): StorageDriver {
  return createGcsDriverFromConfig({ bucket, api_endpoint: emulatorEndpoint, ...extra });
}

describeOnEmulator('GCS driver on the emulator', () => {
  it('stores compressed values as deflate, smaller, and reads both forms whatever its setting', async () => {
    const bucket = uniqueBucket('compress');
    const plain = gcs(bucket);
    const zipped = gcs(bucket, { compress: 'true' });
    await zipped.putMutable('zipped', compressible);
    await plain.putMutable('plain', compressible);
    const [meta] = await rawStorage().bucket(bucket).file('mutable/zipped').getMetadata();
    expect(meta.contentEncoding).toBe('deflate');
    expect(meta.metadata).toMatchObject({ 'bss-compression': 'zlib' });
    expect(Number(meta.size)).toBeLessThan(compressible.byteLength / 10);
    const [plainMeta] = await rawStorage().bucket(bucket).file('mutable/plain').getMetadata();
    expect(plainMeta.contentEncoding ?? '').toBe('');
    for (const d of [plain, zipped]) {
      for (const id of ['zipped', 'plain']) {
        const object = await d.getMutable(id);
        expect(Buffer.from(await readBody(object!.body)).equals(Buffer.from(compressible))).toBe(true);
      }
    }
  });

  it('public URLs serve the value to plain HTTP, compressed or not', async () => {
    const bucket = uniqueBucket('public');
    for (const compress of ['false', 'true']) {
      const d = gcs(bucket, { public_read: 'true', compress, prefix: 'apps/x' });
      const id = `profile ${compress}/ü.json`;
      const put = await d.putMutable(id, compressible);
      const url = d.mutableUrl!(id)!;
      expect(put.url).toBe(url);
      expect(url.startsWith(`${emulatorEndpoint}/${bucket}/apps/x/mutable/`)).toBe(true);
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(compressible))).toBe(true);
    }
    expect(gcs(bucket).mutableUrl?.('x')).toBeUndefined();
    expect(createGcsDriver({ bucket: 'b', publicRead: true }).mutableUrl!('a b')).toBe(
      'https://storage.googleapis.com/b/mutable/a~20b',
    );
  });

  it('the etag is the object generation, from put and from get', async () => {
    const bucket = uniqueBucket('etag');
    const d = gcs(bucket);
    const put = await d.putMutable('e', Uint8Array.of(1, 2, 3));
    const [meta] = await rawStorage().bucket(bucket).file('mutable/e').getMetadata();
    expect(put.etag).toBe(String(meta.generation));
    const object = await d.getMutable('e');
    expect(object?.etag).toBe(put.etag);
    expect(object?.size).toBe(3);
    await readBody(object!.body);
  });

  it('puts objects under the prefix, immutable apart from mutable', async () => {
    const bucket = uniqueBucket('prefix');
    const d = gcs(bucket, { prefix: '/users/alice/' });
    const value = Uint8Array.of(7);
    const hash = createHash('sha256').update(value).digest('hex');
    await d.putImmutable(hash, value);
    await d.putMutable('Profile', value);
    const [files] = await rawStorage().bucket(bucket).getFiles();
    expect(files.map((f) => f.name).sort()).toEqual([
      `users/alice/immutable/${hash}`,
      'users/alice/mutable/~50rofile',
    ]);
  });

  it('keeps every object name within 1024 bytes, even with the longest prefix and id', async () => {
    const bucket = uniqueBucket('long');
    const prefix = 'p'.repeat(MAX_PREFIX_BYTES - 1);
    const d = gcs(bucket, { prefix });
    const ids = ['ü'.repeat(2000), '\u{1F642}'.repeat(1000), '~'.repeat(4000)];
    for (const [i, id] of ids.entries()) await d.putMutable(id, Uint8Array.of(i));
    for (const [i, id] of ids.entries())
      expect([...(await readBody((await d.getMutable(id))!.body))]).toEqual([i]);
    const [files] = await rawStorage().bucket(bucket).getFiles();
    expect(files).toHaveLength(3);
    for (const file of files) expect(Buffer.byteLength(file.name)).toBeLessThanOrEqual(MAX_OBJECT_NAME_BYTES);
  });

  it('an aborted resumable upload (uncompressed) leaves the old value', async () => {
    const bucket = uniqueBucket('abort');
    const kinds: UploadKind[] = [];
    const d = createGcsDriver({
      bucket,
      apiEndpoint: emulatorEndpoint,
      resumableThresholdBytes: 256 * 1024,
      onUpload: (kind) => kinds.push(kind),
    });
    const old = patternBytes(512 * 1024, 1);
    await d.putMutable('abort', old);
    expect(kinds).toEqual(['resumable']);
    const controller = new AbortController();
    async function* body(): AsyncIterable<Uint8Array> {
      for (let i = 0; i < 8; i++) {
        if (i === 3) controller.abort(new Error('test abort'));
        yield patternBytes(MiB, i);
      }
    }
    await expect(d.putMutable('abort', body(), { signal: controller.signal })).rejects.toMatchObject({
      code: 'BSS_ABORTED',
    });
    const object = await d.getMutable('abort');
    expect(Buffer.from(await readBody(object!.body)).equals(Buffer.from(old))).toBe(true);
  });

  it('an abort while reading a value ends the stream with AbortedError', async () => {
    const d = gcs(uniqueBucket('abort-get'));
    await d.putMutable('big', patternBytes(8 * MiB, 2));
    const controller = new AbortController();
    const object = await d.getMutable('big', { signal: controller.signal });
    const iterator = object!.body[Symbol.asyncIterator]();
    await iterator.next();
    controller.abort();
    await expect(
      (async () => {
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          // drain what was buffered before the abort
        }
      })(),
    ).rejects.toMatchObject({ code: 'BSS_ABORTED', driver: 'gcs' });
  });

  it('init succeeds on a reachable bucket', async () => {
    await gcs(uniqueBucket('init')).init!();
  });
});
