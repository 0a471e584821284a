import { truncate } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  isStorageError,
  readBody,
  type StorageDriver,
  sha256Hex,
  withDriverPolicy,
} from '../../src/index.js';
import { newLedger, openUser, tempDrivers, text } from '../support/client-fixture.js';

const MIB = 1024 * 1024;
const TWO_GIB = 2 * 1024 * MIB;

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

/** Counts the bytes the layers above actually pull out of each get's body. */
function countingReads(driver: StorageDriver): StorageDriver & { bytesRead(): number } {
  let read = 0;
  const counted = (body: AsyncIterable<Uint8Array>) =>
    (async function* () {
      for await (const chunk of body) {
        read += chunk.byteLength;
        yield chunk;
      }
    })();
  const wrap =
    (get: StorageDriver['getMutable']): StorageDriver['getMutable'] =>
    async (key, options) => {
      const found = await get(key, options);
      return found === null ? null : { ...found, body: counted(found.body) };
    };
  return Object.assign(Object.create(driver) as StorageDriver, {
    getMutable: wrap(driver.getMutable.bind(driver)),
    getImmutable: wrap(driver.getImmutable.bind(driver)),
    bytesRead: () => read,
  });
}

describe('a stored object whose declared size exceeds the read limit', () => {
  it('readBody refuses it without reading it: one chunk at most, pulled to let the stream close', async () => {
    let pulled = 0;
    let closed = false;
    // An endless body whose cleanup (closing its file or connection) runs only once it has started.
    const body = (async function* () {
      try {
        for (;;) {
          pulled++;
          yield new Uint8Array(10);
        }
      } finally {
        closed = true;
      }
    })();
    const error = await failure(readBody(body, 5, { driver: 'd', key: 'k', size: TWO_GIB }));
    expect(isStorageError(error, ErrorCode.TooLarge)).toBe(true);
    expect((error as Error).message).toContain(`${TWO_GIB} bytes`);
    // The body is let go in the background: no I/O is involved, so one turn of the event loop suffices.
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(true);
    expect(pulled).toBe(1);
  });

  it('the policy layer refuses a 2 GiB sparse file in place of a stored object without reading it', async () => {
    const [raw] = await tempDrivers([{ name: 'disk' }]);
    await raw!.putMutable('big', text('small value'));
    const file = raw!.pathOf('mutable/big');
    const counting = countingReads(raw!);
    const driver = withDriverPolicy(counting, { maxReadBytes: 512 * MIB, retries: 0 });
    // A value within the limit reads whole. (First: the refused read below lets its file go by pulling
    // one chunk in the background, which would land in this count if it came after.)
    await truncate(file, 3 * MIB);
    const found = await driver.getMutable('big');
    expect((await readBody(found!.body)).byteLength).toBe(3 * MIB);
    expect(counting.bytesRead()).toBe(3 * MIB);
    const before = counting.bytesRead();
    await truncate(file, TWO_GIB); // sparse: takes no disk space
    const error = await failure(driver.getMutable('big'));
    expect(isStorageError(error, ErrorCode.TooLarge)).toBe(true);
    expect((error as Error).message).toContain('[disk]');
    // At most the one chunk pulled so that the file stream closes (64 KiB here), never the 512 MiB.
    expect(counting.bytesRead() - before).toBeLessThanOrEqual(MIB);
  });

  it('openStorage: a get over three replicas of 2 GiB reads none of them whole', async () => {
    const drivers = await tempDrivers([
      { name: 'a', publicUrl: 'http://a.example' },
      { name: 'b', publicUrl: 'http://b.example' },
      { name: 'c', publicUrl: 'http://c.example' },
    ]);
    const counting = drivers.map((d) => countingReads(d));
    const client = await openUser({
      name: 'alice.id',
      drivers: counting,
      registry: await newLedger(),
      policy: { retries: 0, timeoutMs: 5_000, maxReadBytes: 512 * MIB },
    });
    const data = text('release notes');
    await client.putImmutable('notes', data);
    for (const d of drivers) await truncate(d.pathOf(`immutable/${sha256Hex(data)}`), TWO_GIB);
    const error = await failure(client.getImmutable('notes'));
    expect(isStorageError(error)).toBe(true);
    for (const d of counting) expect(d.bytesRead()).toBeLessThanOrEqual(MIB);
    await client.close();
  });
});
