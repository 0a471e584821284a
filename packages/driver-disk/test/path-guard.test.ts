import { join } from 'node:path';
import { ErrorCode, isStorageError } from '@blockstack-storage/core/driver';
import { describe, expect, it } from 'vitest';
import { pathInRoot } from '../src/disk-driver.js';

// The core never hands the driver such a key; if a bug ever did, retrying could not help.
describe('disk driver path guard', () => {
  const root = join('/srv', 'bss-root');

  it('refuses a key that resolves outside the root with a non-retryable InvalidKeyError', () => {
    for (const key of ['../escape', 'mutable/../../escape', '..', 'mutable/a/../../../escape', '.tmp/x']) {
      let caught: unknown;
      try {
        pathInRoot(root, key);
      } catch (error) {
        caught = error;
      }
      expect(isStorageError(caught, ErrorCode.InvalidKey)).toBe(true);
      expect(caught).toMatchObject({ driver: 'disk', key, retryable: false });
      expect((caught as { hint?: string }).hint).toMatch(/bug/);
    }
  });

  it('maps an encoded key to its file under the root', () => {
    expect(pathInRoot(root, 'mutable/abc')).toBe(join(root, 'mutable', 'abc'));
  });
});
