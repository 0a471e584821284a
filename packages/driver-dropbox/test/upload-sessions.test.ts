import { createHash } from 'node:crypto';
import { ErrorCode, isStorageError } from '@blockstack-storage/core/driver';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalDropboxServer } from '../src/testing/index.js';
import { localDriver, rejection } from './support/local-driver.js';

let server: LocalDropboxServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const KiB = 1024;
const MiB = 1024 * KiB;
const pattern = (length: number, seed: number) =>
  new Uint8Array(length).map((_, i) => (i * 31 + seed * 7 + (i >> 8)) & 0xff);

describe('uploads', () => {
  it('a value up to the threshold goes up in one files/upload; one byte more uses a session', async () => {
    const local = await localDriver({ sessionThresholdBytes: 64 * KiB });
    server = local.server;
    await local.driver.putMutable('exact', pattern(64 * KiB, 1));
    expect(server.stats.calls['files/upload']).toBe(1);
    expect(server.stats.calls['files/upload_session/start']).toBeUndefined();

    await local.driver.putMutable('over', pattern(64 * KiB + 1, 2));
    expect(server.stats.calls['files/upload']).toBe(1);
    expect(server.stats.calls['files/upload_session/start']).toBe(1);
    expect(server.stats.calls['files/upload_session/append_v2']).toBeUndefined();
    expect(server.stats.calls['files/upload_session/finish']).toBe(1);
    expect(Buffer.from(server.store.peek('/blockstack/mutable/over')!).equals(pattern(64 * KiB + 1, 2))).toBe(
      true,
    );
  });

  it('streams a large value through start/append/finish in threshold-sized requests, with bounded memory', async () => {
    const threshold = 256 * KiB;
    const local = await localDriver({ sessionThresholdBytes: threshold });
    server = local.server;
    const total = 5 * MiB + 123;
    const sourceChunk = 100 * KiB;
    const expected = createHash('sha256');
    let pulled = 0;
    let maxAhead = 0;
    const srv = server;
    async function* body(): AsyncIterable<Uint8Array> {
      for (let offset = 0, n = 0; offset < total; offset += sourceChunk, n++) {
        // How far the driver has read ahead of what Dropbox has received: its buffered bytes.
        maxAhead = Math.max(maxAhead, pulled - srv.stats.uploadedBytes);
        const chunk = pattern(Math.min(sourceChunk, total - offset), n);
        expected.update(chunk);
        pulled += chunk.byteLength;
        yield chunk;
      }
    }
    const result = await local.driver.putMutable('large', body());
    expect(result.etag).toMatch(/^[0-9a-f]{9,}$/);
    const pieces = Math.ceil(total / threshold);
    expect(server.stats.calls['files/upload_session/start']).toBe(1);
    expect(server.stats.calls['files/upload_session/append_v2']).toBe(pieces - 2);
    expect(server.stats.calls['files/upload_session/finish']).toBe(1);
    expect(server.stats.calls['files/upload']).toBeUndefined();
    expect(server.stats.maxUploadRequestBytes).toBe(threshold);
    // At most one piece waiting to be sent plus one being filled, whatever the value's size.
    expect(maxAhead).toBeLessThanOrEqual(2 * threshold);
    const stored = server.store.peek('/blockstack/mutable/large')!;
    expect(stored.byteLength).toBe(total);
    expect(createHash('sha256').update(stored).digest('hex')).toBe(expected.digest('hex'));
  });

  it('an abort in the middle of a session commits nothing and keeps the old value', async () => {
    const local = await localDriver({ sessionThresholdBytes: 64 * KiB });
    server = local.server;
    await local.driver.putMutable('kept', pattern(1000, 9));
    const controller = new AbortController();
    async function* body(): AsyncIterable<Uint8Array> {
      for (let i = 0; i < 10; i++) {
        if (i === 4) controller.abort();
        yield pattern(64 * KiB, i);
      }
    }
    const error = await rejection(local.driver.putMutable('kept', body(), { signal: controller.signal }));
    expect(isStorageError(error, ErrorCode.Aborted)).toBe(true);
    expect(server.stats.calls['files/upload_session/start']).toBe(1);
    expect(server.stats.calls['files/upload_session/finish']).toBeUndefined();
    expect(Buffer.from(server.store.peek('/blockstack/mutable/kept')!).equals(pattern(1000, 9))).toBe(true);
  });

  it('a body that fails part-way commits nothing', async () => {
    const local = await localDriver({ sessionThresholdBytes: 64 * KiB });
    server = local.server;
    async function* body(): AsyncIterable<Uint8Array> {
      yield pattern(200 * KiB, 1);
      throw new Error('source broke');
    }
    const error = await rejection(local.driver.putImmutable('b'.repeat(64), body()));
    expect(isStorageError(error)).toBe(true);
    expect(error.message).toMatch(/source broke/);
    expect(server.store.peek(`/blockstack/immutable/${'b'.repeat(64)}`)).toBeUndefined();
  });

  it('conditional writes work through sessions too', async () => {
    const local = await localDriver({ sessionThresholdBytes: 16 * KiB });
    server = local.server;
    const first = await local.driver.putMutable('cond', pattern(40 * KiB, 1), { ifNoneMatch: '*' });
    const again = await rejection(
      local.driver.putMutable('cond', pattern(40 * KiB, 2), { ifNoneMatch: '*' }),
    );
    expect(isStorageError(again, ErrorCode.Conflict)).toBe(true);
    const second = await local.driver.putMutable('cond', pattern(40 * KiB, 3), { ifMatch: first.etag! });
    const stale = await rejection(
      local.driver.putMutable('cond', pattern(40 * KiB, 4), { ifMatch: first.etag! }),
    );
    expect(isStorageError(stale, ErrorCode.Conflict)).toBe(true);
    const object = await local.driver.getMutable('cond');
    expect(object?.etag).toBe(second.etag);
    expect(server.stats.calls['files/upload_session/finish']).toBe(4);
  });

  it('refuses a declared size above Dropbox limit before sending anything', async () => {
    const local = await localDriver();
    server = local.server;
    const error = await rejection(local.driver.putMutable('huge', pattern(10, 1), { size: 400_000_000_000 }));
    expect(isStorageError(error, ErrorCode.TooLarge)).toBe(true);
    expect(Object.keys(server.stats.calls).filter((c) => c.startsWith('files/'))).toEqual([]);
  });
});
