import { describe, expect, it } from 'vitest';
import {
  type Body,
  bodyChunks,
  concatBytes,
  ErrorCode,
  isStorageError,
  ReplicationCoordinator,
  readBody,
  type StorageDriver,
  type Transfer,
  type TransferObserver,
  UnavailableError,
  WATCHED_PUT_CHUNK_BYTES,
  withDriverPolicy,
} from '../../src/index.js';
import { withChaos } from '../support/chaos-driver.js';
import { createMemoryDriver } from '../support/memory-driver.js';

const fast = { baseDelayMs: 1, maxDelayMs: 2 };

/** Records every transfer, what was counted on it and how it ended. */
function recorder(watchAbove = 0) {
  const seen: { transfer: Transfer; counted: number; ends: boolean[] }[] = [];
  const observer: TransferObserver = {
    transferStarted(transfer) {
      if ((transfer.size ?? Number.POSITIVE_INFINITY) <= watchAbove) return undefined;
      const entry = { transfer, counted: 0, ends: [] as boolean[] };
      seen.push(entry);
      return {
        advance: (bytes) => {
          entry.counted += bytes;
        },
        done: (failed) => entry.ends.push(failed),
      };
    },
  };
  return { observer, seen };
}

/** A memory driver that records how each put's body arrived: whole bytes, or this many chunks. */
function arrivalsOf(driver: StorageDriver) {
  const arrivals: (number | 'bytes')[] = [];
  const put = driver.putMutable.bind(driver);
  driver.putMutable = async (id: string, body: Body, options) => {
    if (body instanceof Uint8Array) {
      arrivals.push('bytes');
      return put(id, body, options);
    }
    const chunks: Uint8Array[] = [];
    for await (const chunk of bodyChunks(body)) chunks.push(chunk);
    arrivals.push(chunks.length);
    return put(id, concatBytes(chunks), options);
  };
  return arrivals;
}

describe('the transfer observer of the policy layer', () => {
  it('sees a watched put consumed chunk by chunk, and a get read, each ended once', async () => {
    const inner = createMemoryDriver({ name: 'm' });
    const arrivals = arrivalsOf(inner);
    const { observer, seen } = recorder();
    const driver = withDriverPolicy(inner, {}, observer);
    const value = new Uint8Array(2 * WATCHED_PUT_CHUNK_BYTES + 5).fill(7);
    await driver.putMutable('k', value);
    expect(arrivals).toEqual([3]);
    const found = await driver.getMutable('k');
    expect(await readBody(found!.body)).toEqual(value);
    expect(
      seen.map((s) => [s.transfer.driver, s.transfer.operation, s.transfer.size, s.counted, s.ends]),
    ).toEqual([
      ['m', 'put', value.byteLength, value.byteLength, [false]],
      ['m', 'get', value.byteLength, value.byteLength, [false]],
    ]);
  });

  it('counts a streamed put as the driver takes it, and ends it once the put settled', async () => {
    const { observer, seen } = recorder();
    const driver = withDriverPolicy(createMemoryDriver({ name: 'm' }), {}, observer);
    async function* stream() {
      for (let i = 0; i < 4; i++) yield new Uint8Array(1000);
    }
    await driver.putMutable('k', stream(), { size: 4000 });
    expect(seen.map((s) => [s.transfer.size, s.counted, s.ends])).toEqual([[4000, 4000, [false]]]);
  });

  it('leaves a transfer the observer declines exactly as without one', async () => {
    const inner = createMemoryDriver({ name: 'm' });
    const arrivals = arrivalsOf(inner);
    const { observer, seen } = recorder(1024);
    const driver = withDriverPolicy(inner, {}, observer);
    await driver.putMutable('small', new Uint8Array(10));
    expect(arrivals).toEqual(['bytes']);
    expect(seen).toEqual([]);
  });

  it('watches every attempt of a retried put: the failed one ends failed, the last one ends well', async () => {
    const chaotic = withChaos(createMemoryDriver({ name: 'm' }));
    chaotic.chaos.failNext('putMutable', new UnavailableError('down', { driver: 'm' }));
    const { observer, seen } = recorder();
    const driver = withDriverPolicy(chaotic, { retries: 2, ...fast }, observer);
    await driver.putMutable('k', new Uint8Array(100));
    expect(seen.map((s) => s.ends)).toEqual([[true], [false]]);
  });

  it('ends a get refused by its declared size as failed, though no byte was read', async () => {
    const inner = createMemoryDriver({ name: 'm' });
    await inner.putMutable('k', new Uint8Array(4096));
    const { observer, seen } = recorder();
    const driver = withDriverPolicy(inner, { maxReadBytes: 1024, retries: 0 }, observer);
    const error = await driver.getMutable('k').catch((e: unknown) => e);
    expect(isStorageError(error, ErrorCode.TooLarge)).toBe(true);
    // (The refusal lets one chunk be pulled in the background so the stream can close: not counted here.)
    expect(seen.map((s) => [s.transfer.operation, s.ends])).toEqual([['get', [true]]]);
  });

  it('is given by the coordinator to every driver it wraps', async () => {
    const { observer, seen } = recorder();
    const coordinator = new ReplicationCoordinator({
      drivers: [createMemoryDriver({ name: 'a' }), createMemoryDriver({ name: 'b' })],
      requiredWrite: [],
      observer,
    });
    await coordinator.put('mutable', 'k', new Uint8Array(10));
    expect(seen.map((s) => `${s.transfer.driver} ${s.transfer.operation}`).sort()).toEqual([
      'a put',
      'b put',
    ]);
  });
});
