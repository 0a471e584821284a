import { createHash } from 'node:crypto';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ODD_DATA_IDS } from '@blockstack-storage/conformance';
import {
  ErrorCode,
  isStorageError,
  MAX_DATA_ID_BYTES,
  readBody,
  storageKey,
} from '@blockstack-storage/core/driver';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createS3Driver,
  MAX_PREFIX_BYTES,
  MAX_S3_KEY_BYTES,
  parseS3Config,
  S3Backend,
} from '../src/index.js';
import { describeWithS3, rawClient, removeBucket, testBucketName, testOptions } from './s3-server.js';

// The longest prefix allowed, in two-byte characters: the worst case for the 1024-byte limit.
const LONGEST_PREFIX = `${'é'.repeat(MAX_PREFIX_BYTES / 2 - 1)}x/`;
const HARD_IDS = [
  ...ODD_DATA_IDS,
  '../'.repeat(1300),
  '//'.repeat(2000),
  '..',
  '😀'.repeat(MAX_DATA_ID_BYTES / 4),
  `${'ü'.repeat(MAX_DATA_ID_BYTES / 2 - 1)}a`,
  `${'ü'.repeat(MAX_DATA_ID_BYTES / 2 - 1)}b`,
];

describe('key mapping', () => {
  const backend = new S3Backend({ bucket: 'bss-keys', prefix: LONGEST_PREFIX, region: 'us-east-1' });

  it('maps every id within S3 1024-byte key limit, even under the longest prefix', () => {
    expect(Buffer.byteLength(LONGEST_PREFIX)).toBe(MAX_PREFIX_BYTES);
    for (const id of HARD_IDS) {
      const key = backend.objectKey(storageKey('mutable', id));
      expect(Buffer.byteLength(key), id.slice(0, 20)).toBeLessThanOrEqual(MAX_S3_KEY_BYTES);
      expect(key.startsWith(`${LONGEST_PREFIX}mutable/`)).toBe(true);
      // No segment S3 tooling or a URL path would treat specially.
      const rest = key.slice(LONGEST_PREFIX.length);
      expect(rest.split('/')).toHaveLength(2);
      expect(rest).not.toMatch(/(^|\/)\.\.?(\/|$)/);
    }
    const hash = createHash('sha256').update('x').digest('hex');
    expect(backend.objectKey(storageKey('immutable', hash))).toBe(`${LONGEST_PREFIX}immutable/${hash}`);
  });

  it('is injective: distinct ids never share a key', () => {
    const keys = new Set(HARD_IDS.map((id) => backend.objectKey(storageKey('mutable', id))));
    expect(keys.size).toBe(new Set(HARD_IDS).size);
  });

  it('refuses a prefix that would not leave room for the longest key', () => {
    try {
      parseS3Config({ bucket: 'bss-keys', prefix: 'é'.repeat(MAX_PREFIX_BYTES / 2 + 1) });
      expect.unreachable('a too long prefix was accepted');
    } catch (error) {
      expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    }
    for (const prefix of ['/abs', 'a//b', 'a/../b', './x']) {
      expect(() => parseS3Config({ bucket: 'bss-keys', prefix }), prefix).toThrow(/prefix/);
    }
  });
});

describeWithS3('key mapping on radosgw', () => {
  const bucket = testBucketName('keys');
  const raw = rawClient();
  afterAll(() => removeBucket(raw, bucket));

  it('stores the hardest ids under the longest prefix, each readable and listed', async () => {
    const driver = createS3Driver(testOptions(bucket, { prefix: LONGEST_PREFIX }));
    const ids = HARD_IDS.slice(-6);
    for (const [i, id] of ids.entries()) await driver.putMutable(id, Uint8Array.of(i));
    for (const [i, id] of ids.entries()) {
      expect([...(await readBody((await driver.getMutable(id))!.body))]).toEqual([i]);
    }
    const listed = await raw.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!);
    expect(keys).toHaveLength(ids.length);
    for (const key of keys) {
      expect(key.startsWith(`${LONGEST_PREFIX}mutable/`)).toBe(true);
      expect(Buffer.byteLength(key)).toBeLessThanOrEqual(MAX_S3_KEY_BYTES);
    }
    // Listing yields the ids whose keys can be decoded (short ones); shortened ones are skipped.
    const seen: string[] = [];
    for await (const id of driver.listMutable!()) seen.push(id);
    expect(seen).toEqual(['..']);
  });
});
