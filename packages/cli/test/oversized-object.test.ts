import { truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, isStorageError, type StorageDriver, withDriverPolicy } from '@blockstack-storage/core';
import { createDiskDriver } from '@blockstack-storage/driver-disk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_READ_BYTES } from '../src/put-limits.js';
import { makeHome, runCli } from './support/cli.js';

const MIB = 1024 * 1024;
const TWO_GIB = 2 * 1024 * MIB;

let home = '';
let cleanup: () => Promise<void> = async () => {};
let root = '';
beforeAll(async () => {
  ({ home, cleanup } = await makeHome());
  root = join(home, '.blockstack', 'storage-disk');
  expect((await runCli(home, ['init', '--name', 'alice.id'])).code).toBe(0);
  expect((await runCli(home, ['put', 'big', '-'], { input: 'small value' })).code).toBe(0);
  // A 2 GiB sparse file in place of the stored object: no disk space, but 2 GiB to read.
  await truncate(join(root, 'mutable', 'big'), TWO_GIB);
});
afterAll(() => cleanup());

describe('a 2 GiB file in place of a stored object on the disk driver', () => {
  it('the get is refused before the object is read (bytes pulled counted through the body)', async () => {
    const disk = createDiskDriver({ root });
    let read = 0;
    const counting: StorageDriver = {
      ...disk,
      async getMutable(key, options) {
        const found = await disk.getMutable(key, options);
        if (found === null) return null;
        const body = found.body;
        return {
          ...found,
          body: (async function* () {
            for await (const chunk of body) {
              read += chunk.byteLength;
              yield chunk;
            }
          })(),
        };
      },
    };
    const error = await withDriverPolicy(counting, { maxReadBytes: MAX_READ_BYTES, retries: 0 })
      .getMutable('big')
      .catch((e: unknown) => e);
    expect(isStorageError(error, ErrorCode.TooLarge)).toBe(true);
    // At most the one chunk pulled to close the file (the disk driver streams 1 MiB chunks).
    expect(read).toBeLessThanOrEqual(MIB);
  });

  it('blockstack-storage get refuses it with exit 11, naming the size and the limit', async () => {
    const result = await runCli(home, ['get', 'big']);
    expect(result.code).toBe(11);
    expect(result.stderr).toContain(
      `Value is ${TWO_GIB} bytes, larger than the ${MAX_READ_BYTES}-byte limit`,
    );
    expect(result.stderr).not.toMatch(/garbage collection/);
  });
});
