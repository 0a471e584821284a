import { ConfigurationError, IntegrityError, ReplicationError, TimeoutError } from '@blockstack-storage/core';
import { describe, expect, it } from 'vitest';
import { ExitCode, exitCodeOf } from '../src/exit-codes.js';
import { Redactor } from '../src/redactor.js';
import { parseByteRange } from '../src/serve/byte-range.js';
import { UsageError } from '../src/usage-error.js';

describe('parseByteRange', () => {
  it.each([
    ['bytes=0-9', 100, { start: 0, end: 9 }],
    ['bytes=90-', 100, { start: 90, end: 99 }],
    ['bytes=90-500', 100, { start: 90, end: 99 }],
    ['bytes=-10', 100, { start: 90, end: 99 }],
    ['bytes=-500', 100, { start: 0, end: 99 }],
    ['bytes=100-', 100, 'unsatisfiable'],
    ['bytes=-0', 100, 'unsatisfiable'],
    ['bytes=0-0', 0, 'unsatisfiable'],
    ['bytes=5-1', 100, undefined],
    ['bytes=0-1,5-6', 100, undefined],
    ['items=0-1', 100, undefined],
    ['bytes=-', 100, undefined],
    [undefined, 100, undefined],
  ] as const)('%s of %i bytes', (header, size, expected) => {
    expect(parseByteRange(header, size)).toEqual(expected);
  });
});

describe('Redactor', () => {
  it('removes known secrets and credential shapes', () => {
    const redactor = new Redactor();
    redactor.addSections({
      s3: { bucket: 'photos', secret_access_key: 'AbCdEf123456', region: 'us-east-1' },
    });
    redactor.add('abc'); // too short to redact safely
    const text = redactor.redact(
      'key AbCdEf123456 in bucket photos; https://x/y?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA/1 Authorization: Bearer tok.en-123456789 abc',
    );
    expect(text).toBe(
      'key *** in bucket photos; https://x/y?X-Amz-Signature=***&X-Amz-Credential=*** Authorization: Bearer *** abc',
    );
  });
});

describe('exitCodeOf', () => {
  it('maps each failure class to its documented code', () => {
    expect(exitCodeOf(new UsageError('x'))).toBe(ExitCode.Usage);
    expect(exitCodeOf(new ConfigurationError('x'))).toBe(3);
    expect(exitCodeOf(new IntegrityError('x'))).toBe(5);
    expect(exitCodeOf(new TimeoutError('x'))).toBe(8);
    expect(exitCodeOf(new ReplicationError('x', { outcomes: [] }))).toBe(9);
    expect(exitCodeOf(new Error('bug'))).toBe(ExitCode.Internal);
  });
});
