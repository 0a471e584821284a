import { describe, expect, it } from 'vitest';
import { bytesToStream, readBody } from '../src/body.js';
import type { Body } from '../src/driver.js';
import { ErrorCode, isStorageError } from '../src/errors.js';
import { createKeyValueDriver, type KeyValueBackend } from '../src/key-value-driver.js';

/** A backend that commits a put only when its body stream ends, as a rename or an upload does. */
function memoryBackend(maxObjectBytes?: number) {
  const values = new Map<string, Uint8Array>();
  const backend: KeyValueBackend = {
    name: 'kv-test',
    capabilities: {
      mutable: true,
      immutable: true,
      visibility: 'local',
      publicUrls: false,
      list: false,
      conditionalWrites: false,
      readYourWrites: 'provider',
      maxObjectBytes,
    },
    async put(key, body) {
      const bytes = await readBody(body);
      values.set(key, bytes);
      return { etag: `"${values.size}"` };
    },
    async get(key) {
      const bytes = values.get(key);
      return bytes ? { body: bytesToStream(bytes), size: bytes.byteLength, etag: '"1"' } : null;
    },
    async delete(key) {
      values.delete(key);
    },
  };
  return { backend, values };
}

async function* chunksOf(...sizes: number[]): AsyncIterable<Uint8Array> {
  for (const size of sizes) yield new Uint8Array(size).fill(7);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('createKeyValueDriver put checks', () => {
  it('refuses a streamed value over maxObjectBytes with TooLargeError naming the driver and key', async () => {
    const { backend, values } = memoryBackend(10);
    const driver = createKeyValueDriver(backend);
    const error = await rejection(driver.putMutable('big', chunksOf(6, 6)));
    expect(isStorageError(error, ErrorCode.TooLarge)).toBe(true);
    expect(error).toMatchObject({ driver: 'kv-test', key: 'big' });
    expect(values.size).toBe(0);
    // Exactly the limit is accepted.
    await driver.putMutable('fits', chunksOf(6, 4));
    expect(values.get('mutable/fits')?.byteLength).toBe(10);
  });

  it('refuses whole bytes over maxObjectBytes before the backend sees them', async () => {
    const { backend, values } = memoryBackend(3);
    let calls = 0;
    const put = backend.put.bind(backend);
    backend.put = (key: string, body: Body, options) => {
      calls++;
      return put(key, body, options);
    };
    const error = await rejection(createKeyValueDriver(backend).putMutable('big', new Uint8Array(4)));
    expect(isStorageError(error, ErrorCode.TooLarge)).toBe(true);
    expect(calls).toBe(0);
    expect(values.size).toBe(0);
  });

  it('stops a streamed put with AbortedError when the signal fires mid-stream', async () => {
    const { backend, values } = memoryBackend();
    const controller = new AbortController();
    async function* body() {
      yield new Uint8Array(1);
      controller.abort();
      yield new Uint8Array(1);
    }
    const error = await rejection(
      createKeyValueDriver(backend).putMutable('k', body(), { signal: controller.signal }),
    );
    expect(isStorageError(error, ErrorCode.Aborted)).toBe(true);
    expect(error).toMatchObject({ driver: 'kv-test', key: 'k' });
    expect(values.size).toBe(0);
  });

  it('does not commit a put whose signal fires after the last chunk', async () => {
    const { backend, values } = memoryBackend();
    const controller = new AbortController();
    async function* body() {
      yield new Uint8Array(1);
      controller.abort();
    }
    const error = await rejection(
      createKeyValueDriver(backend).putImmutable('a'.repeat(64), body(), { signal: controller.signal }),
    );
    expect(isStorageError(error, ErrorCode.Aborted)).toBe(true);
    expect(values.size).toBe(0);
  });

  it("reports the check's error even when the backend's SDK wraps what the stream threw", async () => {
    const { backend } = memoryBackend(2);
    backend.put = async (_key, body) => {
      try {
        await readBody(body);
      } catch (cause) {
        throw new Error('upload stream failed', { cause });
      }
      return { etag: '"1"' };
    };
    const error = await rejection(createKeyValueDriver(backend).putMutable('k', chunksOf(3)));
    expect(isStorageError(error, ErrorCode.TooLarge)).toBe(true);
  });
});
