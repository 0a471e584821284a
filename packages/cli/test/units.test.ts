import {
  ConfigurationError,
  IntegrityError,
  PermissionError,
  ReplicationError,
  TimeoutError,
  UnavailableError,
} from '@blockstack-storage/core';
import { describe, expect, it } from 'vitest';
import { explainProbeFailure } from '../src/doctor-hints.js';
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

describe('explainProbeFailure', () => {
  it('recognises clock skew and missing buckets whatever class the driver chose', () => {
    const skew = new PermissionError('Request refused', {
      driver: 's3',
      cause: Object.assign(
        new Error('The difference between the request time and the current time is too large.'),
        {
          code: 'RequestTimeTooSkewed',
        },
      ),
    });
    expect(explainProbeFailure(skew, 's3').hint).toMatch(/clock is off/);
    const bucket = new ConfigurationError('Bucket "photos" does not exist', { driver: 's3' });
    expect(explainProbeFailure(bucket, 's3').hint).toMatch(/bucket does not exist.*\[s3\]/);
  });

  it('points missing credentials at the section and the environment prefix', () => {
    const denied = new PermissionError('Access denied', { driver: 'driver-x' });
    const failure = explainProbeFailure(denied, 'driver-x');
    expect(failure).toMatchObject({ code: 'BSS_PERMISSION', message: 'Access denied' });
    expect(failure.hint).toMatch(/\[driver-x\] or in BLOCKSTACK_DRIVER_X_<KEY>/);
  });

  it("keeps the driver's own hint, else one per class", () => {
    expect(explainProbeFailure(new UnavailableError('down', { hint: 'Start the server.' }), 'd').hint).toBe(
      'Start the server.',
    );
    expect(explainProbeFailure(new TimeoutError('slow'), 'd').hint).toMatch(/storage_timeout_ms/);
  });
});
