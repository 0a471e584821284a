import { DEFAULT_MAX_READ_BYTES, readBody } from '../body.js';
import type { DataKind, PutResult, StorageDriver } from '../driver.js';
import { asStorageError, UnsupportedError } from '../errors.js';
import { readUrl, redactUrl } from '../http/index.js';
import { type DriverPolicy, runWithPolicy, withDriverPolicy } from './driver-policy.js';
import type { CopySource, DriverOutcome, ReplicationReport, StoredCopy } from './outcome.js';
import { ReplicationError } from './replication-error.js';
import type { TransferObserver } from './transfer-observer.js';

export interface ReplicationCoordinatorOptions {
  /** Drivers in configured (read) order. */
  drivers: readonly StorageDriver[];
  /** Names in `storage_drivers_required_write`. */
  requiredWrite: Iterable<string>;
  /** Timeout and retry policy applied to every driver. */
  policy?: DriverPolicy;
  /** Told of the bytes every put and get moves on each driver (e.g. to draw progress). */
  observer?: TransferObserver;
}

/**
 * Replicates values across the configured drivers (the seed's best-effort replication):
 * - puts and deletes go to every driver at once; the operation succeeds iff every required-write
 *   driver succeeded (with none configured: iff at least one driver succeeded); optional failures are
 *   reported, not fatal;
 * - reads go through `sources`: one per driver, in configured order; the caller decides whom to ask
 *   and when (all at once, or one by one), verifies each copy and skips bad ones.
 * Each driver is wrapped in `withDriverPolicy` (timeout, retries, the caller's signal, the observer).
 */
export class ReplicationCoordinator {
  readonly drivers: readonly StorageDriver[];
  private readonly required: ReadonlySet<string>;
  /** Largest value a read accepts (`policy.maxReadBytes`); puts above it could not be read back. */
  readonly maxReadBytes: number;
  private readonly policy: DriverPolicy;
  /** The drivers unwrapped, for URLs they claim: `urlSources` applies the policy once around them. */
  private readonly urlReaders: readonly StorageDriver[];

  constructor(options: ReplicationCoordinatorOptions) {
    this.policy = options.policy ?? {};
    this.urlReaders = options.drivers;
    this.drivers = options.drivers.map((d) => withDriverPolicy(d, this.policy, options.observer));
    this.required = new Set(options.requiredWrite);
    this.maxReadBytes = this.policy.maxReadBytes ?? DEFAULT_MAX_READ_BYTES;
  }

  /** Whether `name` is a required-write driver. */
  isRequired(name: string): boolean {
    return this.required.has(name);
  }

  /** Stores `bytes` under `key` on every driver. Never throws: see the report (or use `assertOk`). */
  put(kind: DataKind, key: string, bytes: Uint8Array, signal?: AbortSignal): Promise<ReplicationReport> {
    return this.writeEach(kind, key, (driver) => {
      const options = { signal, size: bytes.byteLength };
      return kind === 'mutable'
        ? driver.putMutable(key, bytes, options)
        : driver.putImmutable(key, bytes, options);
    });
  }

  /** Deletes `key` on every driver. Never throws: see the report. */
  delete(kind: DataKind, key: string, signal?: AbortSignal): Promise<ReplicationReport> {
    return this.writeEach(kind, key, async (driver) => {
      if (kind === 'mutable') await driver.deleteMutable(key, { signal });
      else await driver.deleteImmutable(key, { signal });
      return undefined;
    });
  }

  /**
   * Where `key` can be read: one source per driver that serves `kind`, in configured (read) order.
   * Nothing is read until a source's `fetch` is called.
   */
  sources(kind: DataKind, key: string): CopySource[] {
    return this.drivers.filter((d) => d.capabilities[kind]).map((d) => this.source(d, kind, key));
  }

  /** `driver`'s copy of `key` (one of `drivers`): read whole, up to `maxReadBytes`, with its etag. */
  source(driver: StorageDriver, kind: DataKind, key: string): CopySource {
    const { maxReadBytes } = this;
    return {
      name: driver.name,
      async fetch(signal?: AbortSignal): Promise<StoredCopy | null> {
        const found =
          kind === 'mutable'
            ? await driver.getMutable(key, { signal })
            : await driver.getImmutable(key, { signal });
        if (found === null) return null;
        const bytes = await readBody(found.body, maxReadBytes, {
          driver: driver.name,
          key,
          size: found.size,
        });
        return found.etag === undefined ? { bytes } : { bytes, etag: found.etag };
      },
    };
  }

  /**
   * Where another user's datum can be read: one source per URL published in their zone file, under the
   * same policy as the drivers (timeout, retries, read limit). A driver that claims a URL (`handlesUrl`)
   * reads it its own way; any other URL is fetched with plain HTTP GET.
   */
  urlSources(urls: readonly string[]): CopySource[] {
    const { policy, urlReaders, maxReadBytes } = this;
    return urls.map((url) => ({
      name: redactUrl(url),
      fetch: (signal?: AbortSignal) =>
        runWithPolicy({ driver: 'http', key: redactUrl(url) }, policy, signal, async (attemptSignal) => {
          const found = await readUrl(url, urlReaders, {
            signal: attemptSignal,
            timeoutMs: policy.timeoutMs,
            maxBytes: maxReadBytes,
          });
          return found === null ? null : { bytes: found.bytes };
        }),
    }));
  }

  /** Closes every driver, ignoring errors. */
  async close(): Promise<void> {
    await Promise.allSettled(this.drivers.map((d) => d.close?.()));
  }

  /**
   * Runs `op` (a write of `key`) on every driver that serves `kind`, at once, and judges the outcome by
   * the required-write rule. `op` returns what the driver's put returned (`undefined` for a delete);
   * the outcome's `url` is where the value is readable: the URL the put returned, else (mutable data)
   * the driver's `mutableUrl`. Never throws.
   */
  async writeEach(
    kind: DataKind,
    key: string,
    op: (driver: StorageDriver, index: number) => Promise<PutResult | undefined>,
  ): Promise<ReplicationReport> {
    const outcomes = await Promise.all(
      this.drivers.map(async (driver, index): Promise<DriverOutcome> => {
        const required = this.required.has(driver.name);
        const started = performance.now();
        if (!driver.capabilities[kind]) {
          if (!required) return { driver: driver.name, required, status: 'skipped', durationMs: 0 };
          const error = new UnsupportedError(`This required-write driver does not serve ${kind} data`, {
            driver: driver.name,
            key,
            hint: `Remove it from storage_drivers_required_write or use a driver that serves ${kind} data.`,
          });
          return { driver: driver.name, required, status: 'failed', error, durationMs: 0 };
        }
        try {
          const result = await op(driver, index);
          const url =
            result === undefined
              ? undefined
              : (result.url ?? (kind === 'mutable' ? driver.mutableUrl?.(key) : undefined));
          const outcome: DriverOutcome = {
            driver: driver.name,
            required,
            status: 'ok',
            durationMs: performance.now() - started,
          };
          if (url !== undefined) outcome.url = url;
          return outcome;
        } catch (error) {
          return {
            driver: driver.name,
            required,
            status: 'failed',
            error: asStorageError(error, { driver: driver.name, key }),
            durationMs: performance.now() - started,
          };
        }
      }),
    );
    const ok =
      this.required.size > 0
        ? outcomes.every((o) => !o.required || o.status === 'ok')
        : outcomes.some((o) => o.status === 'ok');
    return { ok, outcomes };
  }
}

/**
 * @throws ReplicationError naming each failed driver and its error code, when `report.ok` is false.
 */
export function assertReplicated(report: ReplicationReport, operation: string, key: string): void {
  if (report.ok) return;
  const failed = report.outcomes
    .filter((o) => o.status === 'failed')
    .map((o) => `${o.driver}${o.required ? ' (required)' : ''}: ${o.error?.code ?? 'failed'}`);
  throw new ReplicationError(`${operation} failed on ${failed.join(', ')}`, {
    key,
    outcomes: report.outcomes,
    cause: report.outcomes.find((o) => o.required && o.error)?.error,
    hint: 'Nothing was recorded as written; retry when the required-write drivers are reachable (see .outcomes).',
  });
}
