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

/** The bytes one source holds for a key, with the source's version tag of them (for a conditional replace). */
export interface StoredCopy {
  bytes: Uint8Array;
  etag?: string;
}

/** One place a copy can be read from: a configured driver (`ReplicationCoordinator.sources`), or a URL. */
export interface CopySource {
  /** The driver's name, or the URL without its query string. */
  name: string;
  /** @returns the copy the source holds, or `null` when it holds none. */
  fetch(signal?: AbortSignal): Promise<StoredCopy | null>;
}
