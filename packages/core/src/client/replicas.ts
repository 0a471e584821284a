import { bytesEqual } from '../body.js';
import { sha256Hex } from '../crypto/hash.js';
import type { DataKind, DriverRepairReport, StorageDriver } from '../driver.js';
import { asStorageError, type StorageError } from '../errors.js';
import type { ReplicationCoordinator } from '../replication/index.js';
import type { VersionCache } from '../version-cache/index.js';
import type { ImmutableDataRecord } from '../zonefile/index.js';
import { hashMismatch } from './immutable-read.js';
import { chunksLackingOn, copyChunksTo } from './manifest-chunks.js';
import { versionOf } from './mutable-read.js';
import {
  type CopyVerdict,
  type HeldCopy,
  putVerdict,
  readHeldCopy,
  type WriteTarget,
  writeCopy,
} from './mutable-write.js';

/**
 * The state of one driver's copy of a datum, judged against the newest verified copy on any driver:
 * `current` (verifies, holds the newest version), `degraded` (reads back whole and current, but its
 * driver, one with redundancy of its own such as the erasure driver, reports parts of it missing or
 * damaged, or could not check them: see `StorageDriver.repair`), `stale` (verifies, older), `missing`,
 * `invalid` (does not verify: tampered, another key, another id, wrong hash), `unreachable` (the read
 * failed), `skipped` (the driver does not serve this kind of data).
 */
export type CopyState = 'current' | 'degraded' | 'stale' | 'missing' | 'invalid' | 'unreachable' | 'skipped';

export interface CopyHealth {
  driver: string;
  state: CopyState;
  /** The version the copy holds (mutable data; a versioned deletion counts as its version). */
  version?: number;
  /** Why it is invalid or unreachable; for a degraded copy, why a part of it could not be checked or rebuilt. */
  error?: StorageError;
  /** Degraded: the parts its driver rebuilds from the others (or would), e.g. `disk-a[0]` for a shard. */
  parts?: string[];
  /** Degraded: why, in words, from the driver's repair report. */
  reason?: string;
}

/** How one datum stands across the drivers. */
export interface DatumHealth {
  kind: 'mutable' | 'immutable';
  /** The data id (for immutable data: the zone file record's id). */
  dataId: string;
  /** Immutable data: the SHA-256 the zone file records. */
  hash?: string;
  /** Mutable data: the newest verified version on any driver (a deletion counts as a version). */
  newestVersion?: number;
  /** Mutable data: the newest verified copy is a deletion (a tombstone). */
  deleted?: boolean;
  /** Every copy is current (or its driver does not serve this kind of data). */
  healthy: boolean;
  copies: CopyHealth[];
}

/** How `inspectMutable` and `inspectImmutable` run. */
export interface InspectOptions {
  /**
   * Also ask each driver with redundancy of its own (`StorageDriver.repair`, dry run) whether a copy
   * judged current lost parts, and report such a copy `degraded`. Default true.
   */
  checkParts?: boolean;
  signal?: AbortSignal;
}

/** How `repairMutable` and `repairImmutable` run. */
export interface RepairOptions {
  /** Report what would be written; write nothing. */
  dryRun?: boolean;
  /** Write only to these drivers (by name); the others are still read to find the newest copy. */
  only?: ReadonlySet<string>;
}

/** What `sync` did for one datum (its copies as found, before the repair). */
export interface DatumRepair extends DatumHealth {
  /**
   * Drivers the newest copy was written to, or whose driver rebuilt the lost parts of its copy (a
   * `degraded` copy), or would be, on a dry run.
   */
  repaired: string[];
  /** Drivers that could not be repaired, with why (a newer copy appeared, the write failed, ...). */
  failed: { driver: string; error: StorageError }[];
}

interface ReadCopy {
  driver: StorageDriver;
  held?: HeldCopy;
  error?: StorageError;
}

/**
 * Reads every driver's copy of a mutable datum and judges each against the newest verified one.
 * Copies are read as a write reads them (`readHeldCopy`: with etags, an invalid copy re-read until two
 * reads agree), so a repair can replace them conditionally. A current copy on a driver with redundancy
 * of its own is checked part by part (see `checkWithinDrivers`) unless `checkParts` is false.
 */
export async function inspectMutable(
  coordinator: ReplicationCoordinator,
  target: WriteTarget,
  options: InspectOptions = {},
): Promise<{ health: DatumHealth; reads: ReadCopy[]; newest?: HeldCopy }> {
  const reads: ReadCopy[] = await Promise.all(
    coordinator.drivers.map(async (driver): Promise<ReadCopy> => {
      if (!driver.capabilities.mutable) return { driver };
      try {
        return {
          driver,
          held: await readHeldCopy(coordinator.source(driver, 'mutable', target.dataId), target),
        };
      } catch (error) {
        return { driver, error: asStorageError(error, { driver: driver.name, key: target.dataId }) };
      }
    }),
  );
  const required = (copy: HeldCopy) => coordinator.isRequired(copy.verified.report.source);
  let newest: HeldCopy | undefined;
  for (const { held } of reads) {
    if (
      held !== undefined &&
      versionOf(held.verified) !== undefined &&
      (newest === undefined || newer(held, newest, required))
    )
      newest = held;
  }
  const newestVersion = newest === undefined ? undefined : versionOf(newest.verified);
  const copies = reads.map(({ driver, held, error }): CopyHealth => {
    if (!driver.capabilities.mutable) return { driver: driver.name, state: 'skipped' };
    if (held === undefined) return { driver: driver.name, state: 'unreachable', error: error! };
    const status = held.verified.report.status;
    if (status === 'missing') return { driver: driver.name, state: 'missing' };
    if (status === 'invalid')
      return { driver: driver.name, state: 'invalid', error: held.verified.report.error! };
    const version = versionOf(held.verified);
    // Blockstack's unversioned tombstone has no version to compare: current only if nothing is newer.
    // Of a fork (two writers without conditional writes stored one version twice), one copy is current.
    const state =
      (version === newestVersion && sameBytes(held, newest!)) ||
      (version === undefined && newest === undefined)
        ? 'current'
        : 'stale';
    return version === undefined ? { driver: driver.name, state } : { driver: driver.name, state, version };
  });
  const health: DatumHealth = {
    kind: 'mutable',
    dataId: target.dataId,
    healthy: allHealthy(copies),
    copies,
  };
  if (newestVersion !== undefined) {
    health.newestVersion = newestVersion;
    health.deleted = newest!.verified.tombstoneVersion !== undefined;
  }
  const manifest = newest?.verified.manifest;
  if (options.checkParts !== false && manifest !== undefined) {
    const signal = options.signal ?? target.signal;
    await Promise.all(
      reads.map(async ({ driver }, index) => {
        const copy = health.copies[index]!;
        if (copy.state !== 'current') return;
        try {
          const lacking = await chunksLackingOn(coordinator, driver, manifest, signal);
          if (lacking.length > 0) health.copies[index] = lackingChunks(copy, lacking, manifest.chunkHashes);
        } catch (error) {
          if (signal?.aborted) throw asStorageError(error, { driver: driver.name, key: target.dataId });
          health.copies[index] = uncheckable(copy, error, target.dataId);
        }
      }),
    );
    health.healthy = allHealthy(health.copies);
  }
  if (options.checkParts !== false) {
    await checkWithinDrivers(
      coordinator.drivers,
      'mutable',
      target.dataId,
      health,
      options.signal ?? target.signal,
    );
  }
  return newest === undefined ? { health, reads } : { health, reads, newest };
}

/**
 * Copies the newest verified copy of a mutable datum, bytes as stored (self-verifying: nothing is
 * re-signed), to every driver whose copy is stale, missing or invalid. Each write is conditional on
 * the copy it judged (`writeCopy`), so it never replaces a copy that became newer meanwhile; a
 * deletion propagates as its tombstone. Unreachable drivers are left for the next run.
 */
export async function repairMutable(
  coordinator: ReplicationCoordinator,
  target: WriteTarget,
  options: RepairOptions = {},
): Promise<DatumRepair> {
  const { health, reads, newest } = await inspectMutable(coordinator, target, { checkParts: false });
  const repair: DatumRepair = { ...health, repaired: [], failed: [] };
  if (newest === undefined || newest.bytes === null) return repair;
  const bytes = newest.bytes;
  const version = versionOf(newest.verified)!;
  const putOver = putVerdict(version, bytes);
  // As a put of that version, except that the other copy of a fork (same version, other bytes) is
  // replaced. The newest prefers a required-write driver's copy (see `newer`), so an acknowledged
  // value is never replaced by a losing writer's copy of the same version.
  const verdictOf = (copy: HeldCopy): CopyVerdict => {
    const verdict = putOver(copy);
    return typeof verdict === 'object' && verdict.newer === version ? 'replace' : verdict;
  };
  const manifest = newest.verified.manifest;
  await Promise.all(
    reads.map(async ({ driver, held }, index) => {
      const copy = health.copies[index]!;
      const state = copy.state;
      const writing = held !== undefined && (state === 'stale' || state === 'missing' || state === 'invalid');
      if (options.only !== undefined && !options.only.has(driver.name)) return;
      // A chunked value's copy is whole only with its chunks, which live beside it on the immutable path:
      // they go first (a manifest is never written to a driver that lacks them), and a current manifest
      // whose chunks were lost gets them back.
      if (manifest !== undefined && (writing || state === 'current')) {
        try {
          const lacking = await chunksLackingOn(coordinator, driver, manifest, target.signal);
          if (lacking.length > 0 && state === 'current') {
            repair.copies[index] = lackingChunks(copy, lacking, manifest.chunkHashes);
            repair.repaired.push(driver.name);
          }
          if (lacking.length > 0 && !options.dryRun) {
            await copyChunksTo(coordinator, driver, lacking, target.dataId, target.signal);
          }
        } catch (error) {
          repair.failed.push({
            driver: driver.name,
            error: asStorageError(error, { driver: driver.name, key: target.dataId }),
          });
          return;
        }
      }
      if (!writing) return;
      if (options.dryRun) {
        repair.repaired.push(driver.name);
        return;
      }
      try {
        const source = coordinator.source(driver, 'mutable', target.dataId);
        // Only the copy judged above may be replaced as the other side of a fork. A copy found after a
        // conditional write lost arrived meanwhile: it may be the acknowledged value of this version (a
        // winner's put landing between our read and our write), so it is judged as a put would judge it.
        await writeCopy(
          driver,
          source,
          target,
          bytes,
          (copy) => (copy === held ? verdictOf(copy) : putOver(copy)),
          held,
        );
        repair.repaired.push(driver.name);
      } catch (error) {
        repair.failed.push({
          driver: driver.name,
          error: asStorageError(error, { driver: driver.name, key: target.dataId }),
        });
      }
    }),
  );
  await repairWithinDrivers(coordinator.drivers, 'mutable', target.dataId, repair, {
    ...options,
    signal: target.signal,
  });
  return repair;
}

/**
 * Reads every driver's copy of immutable data and judges each by the SHA-256 the record holds. A
 * current copy on a driver with redundancy of its own is checked part by part unless `checkParts` is false.
 */
export async function inspectImmutable(
  coordinator: ReplicationCoordinator,
  record: ImmutableDataRecord,
  options: InspectOptions = {},
): Promise<{ health: DatumHealth; good?: Uint8Array }> {
  let good: Uint8Array | undefined;
  const copies = await Promise.all(
    coordinator.drivers.map(async (driver): Promise<CopyHealth> => {
      if (!driver.capabilities.immutable) return { driver: driver.name, state: 'skipped' };
      try {
        const found = await coordinator.source(driver, 'immutable', record.hash).fetch();
        if (found === null) return { driver: driver.name, state: 'missing' };
        if (sha256Hex(found.bytes) !== record.hash) {
          return { driver: driver.name, state: 'invalid', error: hashMismatch(driver.name, record.dataId) };
        }
        good ??= found.bytes;
        return { driver: driver.name, state: 'current' };
      } catch (error) {
        return {
          driver: driver.name,
          state: 'unreachable',
          error: asStorageError(error, { driver: driver.name, key: record.dataId }),
        };
      }
    }),
  );
  const health: DatumHealth = {
    kind: 'immutable',
    dataId: record.dataId,
    hash: record.hash,
    healthy: allHealthy(copies),
    copies,
  };
  if (options.checkParts !== false) {
    await checkWithinDrivers(coordinator.drivers, 'immutable', record.hash, health, options.signal);
  }
  return good === undefined ? { health } : { health, good };
}

/** Writes the verified bytes of immutable data to every driver whose copy is missing or invalid. */
export async function repairImmutable(
  coordinator: ReplicationCoordinator,
  record: ImmutableDataRecord,
  options: RepairOptions = {},
): Promise<DatumRepair> {
  const { health, good } = await inspectImmutable(coordinator, record, { checkParts: false });
  const repair: DatumRepair = { ...health, repaired: [], failed: [] };
  if (good === undefined) return repair;
  await Promise.all(
    coordinator.drivers.map(async (driver, index) => {
      const state = health.copies[index]!.state;
      if (state !== 'missing' && state !== 'invalid') return;
      if (options.only !== undefined && !options.only.has(driver.name)) return;
      if (options.dryRun) {
        repair.repaired.push(driver.name);
        return;
      }
      try {
        await driver.putImmutable(record.hash, good, { size: good.byteLength });
        repair.repaired.push(driver.name);
      } catch (error) {
        repair.failed.push({
          driver: driver.name,
          error: asStorageError(error, { driver: driver.name, key: record.dataId }),
        });
      }
    }),
  );
  await repairWithinDrivers(coordinator.drivers, 'immutable', record.hash, repair, options);
  return repair;
}

/**
 * Asks every driver that keeps redundancy of its own (`StorageDriver.repair`, e.g. erasure shards), in
 * a dry run, whether its copy judged current lost parts: such a copy reads back whole (k of n shards
 * suffice), yet a provider behind it may have lost its part. A copy with parts to rebuild, or parts its
 * driver could not check, is marked `degraded`; `healthy` is judged again.
 */
async function checkWithinDrivers(
  drivers: readonly StorageDriver[],
  kind: DataKind,
  key: string,
  health: DatumHealth,
  signal: AbortSignal | undefined,
): Promise<void> {
  await Promise.all(
    drivers.map(async (driver, index) => {
      const copy = health.copies[index]!;
      if (!driver.repair || copy.state !== 'current') return;
      try {
        const report = await driver.repair(kind, key, { dryRun: true, signal });
        health.copies[index] = degradedBy(copy, report, health.dataId);
      } catch (error) {
        if (signal?.aborted) throw asStorageError(error, { driver: driver.name, key: health.dataId });
        health.copies[index] = uncheckable(copy, error, health.dataId);
      }
    }),
  );
  health.healthy = allHealthy(health.copies);
}

/**
 * Lets every driver that keeps redundancy of its own (`StorageDriver.repair`) rebuild the parts it
 * lost, for each copy judged current (see `checkWithinDrivers`), except drivers `only` leaves out. A
 * driver that rebuilt something (or would, on a dry run) is counted in `repaired`; one that could not,
 * in `failed`; either way its copy is reported `degraded`, as found.
 */
async function repairWithinDrivers(
  drivers: readonly StorageDriver[],
  kind: DataKind,
  key: string,
  repair: DatumRepair,
  options: RepairOptions & { signal?: AbortSignal },
): Promise<void> {
  await Promise.all(
    drivers.map(async (driver, index) => {
      const copy = repair.copies[index]!;
      if (!driver.repair || copy.state !== 'current') return;
      if (options.only !== undefined && !options.only.has(driver.name)) return;
      let found: CopyHealth;
      try {
        const report = await driver.repair(kind, key, { dryRun: options.dryRun, signal: options.signal });
        found = degradedBy(copy, report, repair.dataId);
        if (report.rebuilt.length > 0) repair.repaired.push(driver.name);
      } catch (error) {
        found = uncheckable(copy, error, repair.dataId);
      }
      repair.copies[index] = found;
      if (found.error !== undefined) repair.failed.push({ driver: driver.name, error: found.error });
    }),
  );
  repair.healthy = allHealthy(repair.copies);
}

/**
 * The copy as its driver's repair report finds it: unchanged when every part is whole, else
 * `degraded`, with the parts to rebuild, the first part that could not be checked or rebuilt as
 * `error`, and a reason in words.
 */
function degradedBy(copy: CopyHealth, report: DriverRepairReport, dataId: string): CopyHealth {
  if (report.rebuilt.length === 0 && report.failed.length === 0) return copy;
  const reasons: string[] = [];
  const degraded: CopyHealth = { ...copy, state: 'degraded' };
  if (report.rebuilt.length > 0) {
    degraded.parts = [...report.rebuilt];
    reasons.push(`parts lost or damaged, rebuildable from the others: ${report.rebuilt.join(', ')}`);
  }
  const failed = report.failed[0];
  if (failed !== undefined) {
    degraded.error = asStorageError(failed.error, { driver: copy.driver, key: dataId });
    reasons.push(...report.failed.map((f) => `${f.driver} could not be checked: ${f.error.message}`));
  }
  degraded.reason = reasons.join('; ');
  return degraded;
}

/** A current manifest whose driver lacks some of its chunks: `degraded`, the chunks as its parts. */
function lackingChunks(copy: CopyHealth, lacking: readonly string[], all: readonly string[]): CopyHealth {
  return {
    ...copy,
    state: 'degraded',
    parts: lacking.map((hash) => `chunk ${hash.slice(0, 16)}`),
    reason: `${lacking.length} of the value's ${new Set(all).size} chunks are missing or damaged on this driver: sync copies them from the others`,
  };
}

/** The copy when its driver's repair threw: `degraded`, as its parts could not be checked. */
function uncheckable(copy: CopyHealth, thrown: unknown, dataId: string): CopyHealth {
  const error = asStorageError(thrown, { driver: copy.driver, key: dataId });
  return { ...copy, state: 'degraded', error, reason: `its parts could not be checked: ${error.message}` };
}

/** Every copy is current, or its driver does not serve this kind of data. */
function allHealthy(copies: readonly CopyHealth[]): boolean {
  return copies.every((c) => c.state === 'current' || c.state === 'skipped');
}

function sameBytes(a: HeldCopy, b: HeldCopy): boolean {
  return a.bytes !== null && b.bytes !== null && bytesEqual(a.bytes, b.bytes);
}

/**
 * Whether `a` is newer than `b`: a higher version. Of one version stored twice with other bytes (a
 * fork), the copy on a required-write driver: only the writer whose conditional write won there was
 * acknowledged, and a losing writer's bytes may sit on optional drivers it reached first. Between
 * copies equally placed, the later signing time, then the greater bytes, so every run on every machine
 * picks the same copy.
 */
function newer(a: HeldCopy, b: HeldCopy, required: (copy: HeldCopy) => boolean): boolean {
  const [va, vb] = [versionOf(a.verified)!, versionOf(b.verified)!];
  if (va !== vb) return va > vb;
  const [ra, rb] = [required(a), required(b)];
  if (ra !== rb) return ra;
  const [ta, tb] = [signedAtMs(a), signedAtMs(b)];
  if (ta !== tb) return ta > tb;
  return Buffer.compare(a.bytes!, b.bytes!) > 0;
}

function signedAtMs(copy: HeldCopy): number {
  return copy.verified.tombstoneMillis ?? (copy.verified.envelope?.timestamp ?? 0) * 1000;
}

/**
 * Every mutable id of `name` that a driver lists or this machine's version cache knows, sorted. A
 * driver that cannot list now is reported to `onWarning`; its copies are still judged for the ids the
 * others know.
 */
export async function knownMutableIds(
  coordinator: ReplicationCoordinator,
  versions: VersionCache,
  name: string,
  signal: AbortSignal | undefined,
  onWarning: (message: string) => void,
): Promise<string[]> {
  const ids = new Set(await versions.knownIds(name));
  for (const driver of coordinator.drivers) {
    if (!driver.capabilities.mutable || !driver.listMutable) continue;
    try {
      for await (const id of driver.listMutable({ signal })) ids.add(id);
    } catch (error) {
      onWarning(
        `Could not list the ids on ${driver.name}: ${asStorageError(error, { driver: driver.name }).message}`,
      );
    }
  }
  return [...ids].sort();
}
