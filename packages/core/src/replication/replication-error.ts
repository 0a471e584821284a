import { ErrorCode, StorageError, type StorageErrorOptions } from '../errors.js';
import type { DriverOutcome } from './outcome.js';

/**
 * A replicated put or delete failed on a required-write driver (or, with no required-write drivers
 * configured, on every driver). `outcomes` lists every driver with its status, error and duration.
 */
export class ReplicationError extends StorageError {
  readonly outcomes: readonly DriverOutcome[];
  constructor(message: string, options: StorageErrorOptions & { outcomes: readonly DriverOutcome[] }) {
    super(ErrorCode.Replication, message, {
      ...options,
      retryable: options.retryable ?? options.outcomes.some((o) => o.error?.retryable === true),
    });
    this.name = 'ReplicationError';
    this.outcomes = options.outcomes;
  }
}
