import { DEFAULT_MAX_READ_BYTES, readBody } from '../body.js';
import type { DataKind, StorageDriver } from '../driver.js';
import { asStorageError, UnsupportedError } from '../errors.js';
import { type DriverPolicy, withDriverPolicy } from './driver-policy.js';
import type { DriverOutcome, ReadOutcome, ReplicationReport } from './outcome.js';
import { ReplicationError } from './replication-error.js';

export interface ReplicationCoordinatorOptions {
  /** Drivers in configured (read) order. */
  drivers: readonly StorageDriver[];
  /** Names in `storage_drivers_required_write`. */
  requiredWrite: Iterable<string>;
  /** Timeout and retry policy applied to every driver. */
  policy?: DriverPolicy;
}

/**
 * Replicates values across the configured drivers (the seed's best-effort replication):
 * - puts and deletes go to every driver at once; the operation succeeds iff every required-write
 *   driver succeeded (with none configured: iff at least one driver succeeded); optional failures are
 *   reported, not fatal;
 * - reads follow the configured order (`readEach`) or ask everyone at once (`readAll`); the caller
 *   validates copies and skips bad ones.
 * Each driver is wrapped in `withDriverPolicy` (timeout, retries, the caller's signal).
 */
export class ReplicationCoordinator {
  readonly drivers: readonly StorageDriver[];
  private readonly required: ReadonlySet<string>;
  /** Largest value a read accepts (`policy.maxReadBytes`); puts above it could not be read back. */
  readonly maxReadBytes: number;

  constructor(options: ReplicationCoordinatorOptions) {
    this.drivers = options.drivers.map((d) => withDriverPolicy(d, options.policy));
    this.required = new Set(options.requiredWrite);
    this.maxReadBytes = options.policy?.maxReadBytes ?? DEFAULT_MAX_READ_BYTES;
  }

  /** Whether `name` is a required-write driver. */
  isRequired(name: string): boolean {
    return this.required.has(name);
  }

  /** Stores `bytes` under `key` on every driver. Never throws: see the report (or use `assertOk`). */
  put(kind: DataKind, key: string, bytes: Uint8Array, signal?: AbortSignal): Promise<ReplicationReport> {
    return this.writeEach(kind, key, async (driver) => {
      const options = { signal, size: bytes.byteLength };
      const result =
        kind === 'mutable'
          ? await driver.putMutable(key, bytes, options)
          : await driver.putImmutable(key, bytes, options);
      return result.url ?? (kind === 'mutable' ? driver.mutableUrl?.(key) : undefined);
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

  /** Reads `key` from the drivers one by one, in configured order; stop iterating to stop reading. */
  async *readEach(kind: DataKind, key: string, signal?: AbortSignal): AsyncIterable<ReadOutcome> {
    for (const driver of this.drivers) yield await this.readOne(driver, kind, key, signal);
  }

  /** Reads `key` from every driver at once; outcomes in configured order. */
  readAll(kind: DataKind, key: string, signal?: AbortSignal): Promise<ReadOutcome[]> {
    return Promise.all(this.drivers.map((driver) => this.readOne(driver, kind, key, signal)));
  }

  /** Closes every driver, ignoring errors. */
  async close(): Promise<void> {
    await Promise.allSettled(this.drivers.map((d) => d.close?.()));
  }

  private async readOne(
    driver: StorageDriver,
    kind: DataKind,
    key: string,
    signal: AbortSignal | undefined,
  ): Promise<ReadOutcome> {
    const started = performance.now();
    if (!driver.capabilities[kind]) return { driver: driver.name, status: 'skipped', durationMs: 0 };
    try {
      const found =
        kind === 'mutable'
          ? await driver.getMutable(key, { signal })
          : await driver.getImmutable(key, { signal });
      const durationMs = performance.now() - started;
      if (found === null) return { driver: driver.name, status: 'missing', durationMs };
      const bytes = await readBody(found.body, this.maxReadBytes, { driver: driver.name, key });
      return { driver: driver.name, status: 'found', bytes, durationMs };
    } catch (error) {
      return {
        driver: driver.name,
        status: 'failed',
        error: asStorageError(error, { driver: driver.name, key }),
        durationMs: performance.now() - started,
      };
    }
  }

  /**
   * Runs `op` (a write of `key`) on every driver that serves `kind`, at once, and judges the outcome by
   * the required-write rule. `op` returns the URL the value is readable at, if any. Never throws.
   */
  async writeEach(
    kind: DataKind,
    key: string,
    op: (driver: StorageDriver, index: number) => Promise<string | undefined>,
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
          const url = await op(driver, index);
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
