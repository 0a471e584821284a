import { describe, expect, it } from 'vitest';

// Imported by package name, as a driver package does: this resolves through package.json `exports`
// to the built dist, so a missing or misnamed entry fails here.
describe('the @blockstack-storage/core/driver entry', () => {
  it('resolves and exports what a driver author needs', async () => {
    const kit = await import('@blockstack-storage/core/driver');
    for (const name of [
      'createKeyValueDriver',
      'guardedBody',
      'storageKey',
      'encodeDataId',
      'decodeDataId',
      'validateHash',
      'bodyChunks',
      'readBody',
      'fixedSizeChunks',
      'deflateChunks',
      'inflateIfZlib',
      'syncDirectory',
      'acquireFileLock',
      'delay',
      'parseRetryAfter',
      'throwIfAborted',
      'asStorageError',
      'isStorageError',
      'isAbortLike',
    ] as const) {
      expect(typeof kit[name], name).toBe('function');
    }
    expect(kit.ErrorCode.TooLarge).toBe('BSS_TOO_LARGE');
    expect(new kit.TooLargeError('x', { driver: 'd' }).code).toBe(kit.ErrorCode.TooLarge);
  });

  it('builds a working driver from a key-value backend, with the contract types', async () => {
    const { bytesToStream, createKeyValueDriver, readBody } = await import('@blockstack-storage/core/driver');
    type Backend = import('@blockstack-storage/core/driver').KeyValueBackend;
    const values = new Map<string, Uint8Array>();
    const backend: Backend = {
      name: 'entry-test',
      capabilities: {
        mutable: true,
        immutable: true,
        visibility: 'local',
        publicUrls: false,
        list: false,
        conditionalWrites: false,
        readYourWrites: 'provider',
      },
      put: async (key, body) => {
        values.set(key, await readBody(body));
        return { etag: '"1"' };
      },
      get: async (key) => {
        const bytes = values.get(key);
        return bytes ? { body: bytesToStream(bytes), size: bytes.byteLength, etag: '"1"' } : null;
      },
      delete: async (key) => {
        values.delete(key);
      },
    };
    const driver = createKeyValueDriver(backend);
    await driver.putMutable('a/b', new TextEncoder().encode('hi'));
    expect([...values.keys()]).toEqual(['mutable/a~2fb']);
    const found = await driver.getMutable('a/b');
    expect(new TextDecoder().decode(await readBody(found!.body))).toBe('hi');
  });

  it('leaves driver-only helpers out of the main entry', async () => {
    const main: Record<string, unknown> = await import('@blockstack-storage/core');
    expect(typeof main.openStorage).toBe('function');
    for (const name of ['createKeyValueDriver', 'storageKey', 'syncDirectory', 'acquireFileLock', 'delay']) {
      expect(main[name], name).toBeUndefined();
    }
  });
});
