import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  ErrorCode,
  isStorageError,
  NotFoundError,
  RateLimitedError,
  StorageError,
} from '../src/errors.js';

describe('errors', () => {
  it('carry code, driver, key, cause and retryability, and say so in the message', () => {
    const cause = new Error('socket hang up');
    const error = new RateLimitedError('Provider asked to slow down', {
      driver: 's3',
      key: 'profile',
      cause,
      retryAfterMs: 2000,
    });
    expect(error.code).toBe(ErrorCode.RateLimited);
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(2000);
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('[blockstack-storage] [s3] Provider asked to slow down (key "profile").');
  });
  it('are recognised by code, not instanceof, so duplicate installs still match', () => {
    const foreign = Object.assign(new Error('x'), { code: ErrorCode.NotFound });
    expect(isStorageError(foreign)).toBe(false); // no brand: not ours
    const ours = new NotFoundError('gone');
    const copy = Object.create(
      Object.getPrototypeOf(Object.prototype),
      Object.getOwnPropertyDescriptors(ours),
    );
    expect(isStorageError(copy, ErrorCode.NotFound)).toBe(true);
    expect(isStorageError(ours, ErrorCode.Conflict)).toBe(false);
    expect(new ConfigurationError('bad').retryable).toBe(false);
    expect(ours).toBeInstanceOf(StorageError);
  });
});
