import { deflateSync, inflateSync } from 'node:zlib';
import { ErrorCode, isStorageError, looksLikeZlib, readBody } from '@blockstack-storage/core/driver';
import { afterEach, describe, expect, it } from 'vitest';
import { createDropboxDriver } from '../src/index.js';
import type { LocalDropboxServer } from '../src/testing/index.js';
import { LOCAL_APP, localDriver, readText, rejection, text } from './support/local-driver.js';

let server: LocalDropboxServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('compress = true', () => {
  it('stores zlib bytes and reads them back', async () => {
    const local = await localDriver({ compress: true });
    server = local.server;
    const value = text('{"profile":"alice"} '.repeat(500));
    await local.driver.putMutable('profile', value);
    const stored = server.store.peek('/blockstack/mutable/profile')!;
    expect(stored.byteLength).toBeLessThan(value.byteLength / 10);
    expect(Buffer.from(inflateSync(stored)).equals(Buffer.from(value))).toBe(true);
    expect(
      Buffer.from(await readBody((await local.driver.getMutable('profile'))!.body)).equals(
        Buffer.from(value),
      ),
    ).toBe(true);
  });

  it('reads values stored uncompressed (written before compress was turned on)', async () => {
    const local = await localDriver({ compress: false });
    server = local.server;
    await local.driver.putMutable('old', text('{"written":"plain"}'));
    await local.driver.putMutable('empty', new Uint8Array(0));
    const compressing = createDropboxDriver({ ...LOCAL_APP, compress: true, fetch: server.fetch });
    expect(await readText(await compressing.getMutable('old'))).toBe('{"written":"plain"}');
    expect(await readText(await compressing.getMutable('empty'))).toBe('');
  });

  it('reads zlib values a 2017-style writer stored, and reports a corrupt one as IntegrityError', async () => {
    const local = await localDriver({ compress: false });
    server = local.server;
    await local.driver.putMutable('legacy', deflateSync(Buffer.from('legacy zone file')));
    const broken = deflateSync(Buffer.from('x'.repeat(1000)));
    broken[broken.byteLength - 3]! ^= 0xff;
    await local.driver.putMutable('broken', broken);
    const compressing = createDropboxDriver({ ...LOCAL_APP, compress: true, fetch: server.fetch });
    expect(await readText(await compressing.getMutable('legacy'))).toBe('legacy zone file');
    const error = await rejection(readText(await compressing.getMutable('broken')));
    expect(isStorageError(error, ErrorCode.Integrity)).toBe(true);
    expect(error.driver).toBe('dropbox');
  });

  it('recognises zlib headers and not typical plain values', () => {
    expect(looksLikeZlib(deflateSync(Buffer.from('a')))).toBe(true);
    expect(looksLikeZlib(deflateSync(Buffer.from('a'), { level: 1 }))).toBe(true);
    for (const plain of ['{"a":1}', '$ORIGIN alice.id', '[1]', 'eyJhbGciOi']) {
      expect(looksLikeZlib(text(plain))).toBe(false);
    }
  });
});
