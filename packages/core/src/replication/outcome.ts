import type { StorageError } from '../errors.js';

/** What happened on one driver during a replicated operation. */
export interface DriverOutcome {
  driver: string;
  /** In `storage_drivers_required_write`. */
  required: boolean;
  /** `ok`; `failed` (see `error`); `skipped` when the driver does not serve this kind of data. */
  status: 'ok' | 'failed' | 'skipped';
  error?: StorageError;
  /** Wall time of the operation on this driver, retries included, in ms. */
  durationMs: number;
  /** Where a put landed, when the driver gave a URL. */
  url?: string;
}

/** The result of a replicated put or delete: `ok` iff every required-write driver succeeded. */
export interface ReplicationReport {
  ok: boolean;
  outcomes: DriverOutcome[];
}

/** What one driver gave for a read. */
export interface ReadOutcome {
  driver: string;
  /** `found` (see `bytes`), `missing` (the driver has no value), or `failed` (see `error`). */
  status: 'found' | 'missing' | 'failed' | 'skipped';
  bytes?: Uint8Array;
  error?: StorageError;
  durationMs: number;
}
