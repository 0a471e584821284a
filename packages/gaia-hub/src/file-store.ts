import {
  type DriverPolicy,
  ErrorCode,
  isStorageError,
  type PutOptions,
  ReplicationCoordinator,
  type ReplicationReport,
  type StorageDriver,
  type StorageError,
  sha256Hex,
} from '@blockstack-storage/core';
import { doesNotExistError, preconditionFailedError, storageUnavailableError } from './hub-errors.js';
import { KeyGate } from './key-gate.js';
import { encodeStoredFile, openStoredFile, type StoredFileHeader, tombstoneHeader } from './stored-file.js';

/** One driver's copy of a file (or of its tombstone), opened as far as its header. */
type Copy =
  | { state: 'absent' }
  | {
      state: 'present';
      header: StoredFileHeader;
      driverEtag?: string;
      rest: AsyncIterable<Uint8Array>;
      close(): Promise<void>;
    }
  /** Something that is not a hub file is stored under the key: never served, but replaced by a store. */
  | { state: 'foreign'; driverEtag?: string }
  | { state: 'failed'; error: unknown };

/** The newest copy of a file, with its bytes still to be read. */
export interface NewestCopy {
  header: StoredFileHeader;
  /** Stream it once, or `close` it unread. */
  body: AsyncIterable<Uint8Array>;
  close(): Promise<void>;
}

export interface StoreConditions {
  /** Store only if the newest copy's ETag is this (`*`: only if the file exists). */
  ifMatch?: string;
  /** `*`: store only if the file does not exist. */
  ifNoneMatch?: string;
}

export interface DeleteConditions {
  /** Delete only if the newest copy's ETag is this (the archival delete: only the version it kept). */
  ifMatch?: string;
}

export interface FileStoreOptions {
  drivers: readonly StorageDriver[];
  requiredWrite?: Iterable<string>;
  policy?: DriverPolicy;
  /**
   * Remove a delete's objects once every driver took its tombstone. Default `true`. Set `false` when
   * several hub processes share the drivers: the removal is safe only against stores of this process.
   */
  removeTombstones?: boolean;
}

/**
 * A store without preconditions that loses a race on a conditional driver is retried: every round of a
 * race has a winner, so n racing stores need at most n rounds; this bounds a pathological stream of them.
 */
const UNCONDITIONAL_STORE_ATTEMPTS = 64;
/** Stat reads in flight at once while listing with `stat: true`. */
const STAT_CONCURRENCY = 8;
const REVOCATION_PREFIX = '.gaia-hub/oldest-valid-token/';

/**
 * The hub's files on the configured drivers, through the core's replication coordinator: every store and
 * delete goes to all drivers at once and succeeds iff every required-write driver took it; reads open
 * every driver's copy and serve the newest (highest per-file version, ties to the first configured).
 *
 * A store reads the copies first and writes version + 1. On drivers with `conditionalWrites` the write is
 * conditional on the driver etag of the copy it read (`ifNoneMatch: '*'` when there was none), so of two
 * racing stores of one file exactly one lands on each such driver, and a client's If-Match / If-None-Match
 * holds atomically there. Drivers without conditional writes are written unconditionally.
 *
 * A delete is written the same way: a tombstone (a header marked `deleted`, no bytes) at version + 1, so
 * a delete and a store racing each other are ordered by the arbiter like two stores, and a driver that
 * missed the delete keeps an older version that the tombstone outranks. Whenever the newest copy is a
 * tombstone the file is absent: reads, stats and listings leave it out, a delete answers 404, and a store
 * (If-None-Match: * holds) writes the tombstone's version + 1. Once every driver took the tombstone the
 * objects are removed (a best-effort second step, skipped when any copy is no longer a tombstone), so
 * tombstones stay only where some driver missed the delete, until a store or delete reaches it.
 */
export class FileStore {
  readonly coordinator: ReplicationCoordinator;
  private readonly removeTombstones: boolean;
  /**
   * Stores and tombstone writes of a key share it; removing a tombstone takes it alone, so a store of
   * this process cannot land between the removal's check and its deletes (drivers cannot delete
   * conditionally). Another process's store can: hence `removeTombstones: false` for several hubs.
   */
  private readonly gate = new KeyGate();

  constructor(options: FileStoreOptions) {
    this.coordinator = new ReplicationCoordinator({
      drivers: options.drivers,
      requiredWrite: options.requiredWrite ?? [],
      policy: options.policy,
    });
    this.removeTombstones = options.removeTombstones ?? true;
  }

  /** Largest file the drivers can hand back whole (the coordinator's read limit), in bytes. */
  get maxReadBytes(): number {
    return this.coordinator.maxReadBytes;
  }

  /**
   * @returns the newest copy of `key` (`address/path`), or `undefined` when no driver holds one or the
   *   newest is a tombstone.
   * @throws HubError 503 when no copy was found and every driver failed to be read.
   */
  async newest(key: string, signal?: AbortSignal): Promise<NewestCopy | undefined> {
    const copies = await this.openCopies(key, signal);
    const index = newestIndex(copies);
    const copy = index === undefined ? undefined : (copies[index] as PresentCopy);
    const served = copy?.header.deleted === true ? undefined : copy;
    await Promise.all(copies.map((c) => (c === served ? undefined : discard(c))));
    if (copy === undefined) throwIfAllUnreadable(copies, key);
    return served && { header: served.header, body: served.rest, close: served.close };
  }

  /**
   * Stores `bytes` as the newest version of `key`.
   * @returns the header stored (its `etag` is the file's new ETag).
   * @throws HubError 412 when a condition does not hold (or a racing store won on a required driver);
   *   503 when the required-write drivers did not all take it.
   */
  async store(
    key: string,
    bytes: Uint8Array,
    contentType: string,
    conditions: StoreConditions,
    signal?: AbortSignal,
  ): Promise<StoredFileHeader> {
    return this.gate.shared(key, () => this.storeNow(key, bytes, contentType, conditions, signal));
  }

  /**
   * Deletes `key`: writes its tombstone over every copy (conditionally, as a store), then removes the
   * objects when every driver took it. A delete that loses a race to a store deletes what that store
   * wrote (unless `conditions` say otherwise); one that loses to another delete is done.
   * @throws HubError 404 when no driver holds it or its newest copy is a tombstone; 412 when
   *   `conditions.ifMatch` does not hold; 503 when the required-write drivers did not all take it.
   */
  async delete(key: string, conditions: DeleteConditions = {}, signal?: AbortSignal): Promise<void> {
    const tombstone = await this.gate.shared(key, () => this.writeTombstone(key, conditions, signal));
    if (tombstone.onEveryDriver && this.removeTombstones) await this.removeTombstone(key, signal);
  }

  private async storeNow(
    key: string,
    bytes: Uint8Array,
    contentType: string,
    conditions: StoreConditions,
    signal?: AbortSignal,
  ): Promise<StoredFileHeader> {
    const conditional = conditions.ifMatch !== undefined || conditions.ifNoneMatch !== undefined;
    const etag = `"${sha256Hex(bytes)}"`;
    for (let attempt = 1; ; attempt++) {
      const copies = await this.readHeaders(key, signal);
      const current = newestOf(copies);
      if (current === undefined) throwIfAllUnreadable(copies, key);
      checkConditions(conditions, liveHeader(current));

      // Over a tombstone too: its version is the delete's, and a stale copy elsewhere is below it.
      const header: StoredFileHeader = {
        version: (current?.header.version ?? 0) + 1,
        etag,
        contentType,
        size: bytes.byteLength,
        modified: Date.now(),
      };
      const report = await this.writeOver(key, copies, encodeStoredFile(header, bytes), signal);
      if (report.ok) return header;
      if (!lostRace(report)) throw failedWrite('store', key, report);
      if (conditional) {
        throw preconditionFailedError(
          `${key} was changed by another store while this one was written: read it again and retry.`,
        );
      }
      if (attempt >= UNCONDITIONAL_STORE_ATTEMPTS) {
        throw storageUnavailableError(
          `${key} kept changing under ${attempt} attempts to store it: retry later.`,
        );
      }
    }
  }

  /** @returns whether every driver that keeps mutable data took the tombstone. */
  private async writeTombstone(
    key: string,
    conditions: DeleteConditions,
    signal?: AbortSignal,
  ): Promise<{ onEveryDriver: boolean }> {
    for (let attempt = 1; ; attempt++) {
      const copies = await this.readHeaders(key, signal);
      const current = newestOf(copies);
      const live = liveHeader(current);
      if (current === undefined || live === undefined) {
        if (current === undefined) throwIfAllUnreadable(copies, key);
        if (attempt === 1) throw doesNotExistError(`${key} does not exist.`);
        // A racing delete won: what this one was asked to delete is gone.
        return { onEveryDriver: false };
      }
      if (conditions.ifMatch !== undefined && !sameEtag(conditions.ifMatch, live.etag)) {
        throw preconditionFailedError(`The file's ETag is ${live.etag}, not ${conditions.ifMatch}.`);
      }
      const tombstone = encodeStoredFile(tombstoneHeader(current.header.version + 1), new Uint8Array(0));
      const report = await this.writeOver(key, copies, tombstone, signal);
      if (report.ok) return { onEveryDriver: report.outcomes.every((o) => o.status !== 'failed') };
      if (!lostRace(report)) throw failedWrite('delete', key, report);
      if (conditions.ifMatch !== undefined) {
        throw preconditionFailedError(`${key} was changed by a store while it was being deleted.`);
      }
      if (attempt >= UNCONDITIONAL_STORE_ATTEMPTS) {
        throw storageUnavailableError(
          `${key} kept changing under ${attempt} attempts to delete it: retry later.`,
        );
      }
    }
  }

  /**
   * Removes `key`'s objects if every copy is (still) a tombstone or gone, alone among this process's
   * writes of the key. Best effort: a driver that fails keeps its tombstone, which reads as absent.
   */
  private async removeTombstone(key: string, signal?: AbortSignal): Promise<void> {
    await this.gate.exclusive(key, async () => {
      const copies = await this.readHeaders(key, signal);
      const onlyTombstones = copies.every(
        (copy) => copy.state === 'absent' || (copy.state === 'present' && copy.header.deleted === true),
      );
      if (onlyTombstones) await this.coordinator.delete('mutable', key, signal);
    });
  }

  /**
   * Writes `object` over `copies` (what each driver held when read), conditional on them where the
   * driver can: the arbiter first, the others only if it took the write.
   */
  private async writeOver(
    key: string,
    copies: readonly Copy[],
    object: Uint8Array,
    signal?: AbortSignal,
  ): Promise<ReplicationReport> {
    const put = async (driver: StorageDriver, i: number) => {
      const options: PutOptions = { signal, size: object.byteLength };
      if (driver.capabilities.conditionalWrites) {
        const copy = copies[i];
        // Without knowing what the driver holds, a conditional write cannot be based on it.
        if (copy?.state === 'failed') throw copy.error;
        if (copy === undefined || copy.state === 'absent') options.ifNoneMatch = '*';
        else if (copy.driverEtag !== undefined) options.ifMatch = copy.driverEtag;
      }
      return driver.putMutable(key, object, options);
    };
    // The arbiter is written first and the others only if it took the write: racing stores are ordered
    // by one driver, so two of them cannot each win on a different required driver (and both fail).
    const arbiter = this.arbiterIndex();
    let settleArbiter: (written: Promise<unknown>) => void = () => {};
    const arbiterWrite = new Promise<unknown>((resolve) => {
      settleArbiter = resolve;
    });
    // Its failure is the arbiter's own outcome; the others only wait on it.
    arbiterWrite.catch(() => {});
    return this.coordinator.writeEach('mutable', key, async (driver, i) => {
      if (arbiter === undefined) return put(driver, i);
      if (i === arbiter) {
        const written = put(driver, i);
        settleArbiter(written);
        return written;
      }
      await arbiterWrite;
      return put(driver, i);
    });
  }

  /**
   * The names under `prefix` on the first driver that can list (a required-write one if any can), sorted.
   * @throws HubError 503 when no configured driver can list.
   */
  async listNames(prefix: string, signal?: AbortSignal): Promise<string[]> {
    const listers = this.coordinator.drivers.filter((d) => d.capabilities.list && d.listMutable);
    const lister = listers.find((d) => this.coordinator.isRequired(d.name)) ?? listers[0];
    if (lister?.listMutable === undefined) {
      throw storageUnavailableError(
        "None of the hub's drivers can list files: add one that can (e.g. disk or s3).",
      );
    }
    const names: string[] = [];
    try {
      for await (const id of lister.listMutable({ prefix, signal })) names.push(id);
    } catch (error) {
      throw storageUnavailableError(`Listing on driver "${lister.name}" failed: ${describe(error)}`);
    }
    return names.sort();
  }

  /**
   * The newest header of each key that exists, a few reads at a time: keys no driver holds and keys
   * whose newest copy is a tombstone are left out.
   */
  async stats(keys: readonly string[], signal?: AbortSignal): Promise<Map<string, StoredFileHeader>> {
    const found = new Map<string, StoredFileHeader>();
    let next = 0;
    const worker = async () => {
      while (next < keys.length) {
        const key = keys[next++]!;
        const copy = await this.newest(key, signal);
        if (copy === undefined) continue;
        await copy.close();
        found.set(key, copy.header);
      }
    };
    await Promise.all(Array.from({ length: Math.min(STAT_CONCURRENCY, keys.length) }, worker));
    return found;
  }

  /** The bucket's revoke-all timestamp (seconds; 0 when never set): the largest any driver holds. */
  async oldestValidTimestamp(address: string, signal?: AbortSignal): Promise<number> {
    const sources = this.coordinator.sources('mutable', REVOCATION_PREFIX + address);
    const read = await Promise.allSettled(sources.map((source) => source.fetch(signal)));
    let oldest = 0;
    let unreadable = 0;
    for (const result of read) {
      if (result.status === 'rejected') {
        unreadable++;
        continue;
      }
      if (result.value === null) continue;
      const value = Number(new TextDecoder().decode(result.value.bytes));
      if (Number.isFinite(value) && value > oldest) oldest = value;
    }
    // Accepting a token because the record could not be read would undo a revocation.
    if (unreadable > 0 && unreadable === read.length) {
      throw storageUnavailableError(`No driver could be read for ${address}'s revocations: retry later.`);
    }
    return oldest;
  }

  /**
   * Revokes every token of `address` issued before `timestamp` (seconds). A lower timestamp than the
   * current one changes nothing: a revocation is never undone.
   */
  async revokeBefore(address: string, timestamp: number, signal?: AbortSignal): Promise<void> {
    const key = REVOCATION_PREFIX + address;
    const oldest = Math.max(timestamp, await this.oldestValidTimestamp(address, signal));
    const report = await this.coordinator.put(
      'mutable',
      key,
      new TextEncoder().encode(String(oldest)),
      signal,
    );
    if (!report.ok) throw failedWrite('revoke-all', address, report);
  }

  /** The first required (or, with none, any) driver with conditional writes; `undefined` when none has them. */
  private arbiterIndex(): number | undefined {
    const drivers = this.coordinator.drivers;
    const candidates = drivers
      .map((driver, index) => ({ driver, index }))
      .filter(({ driver }) => driver.capabilities.mutable && driver.capabilities.conditionalWrites);
    const required = candidates.filter(({ driver }) => this.coordinator.isRequired(driver.name));
    const anyRequired = drivers.some((driver) => this.coordinator.isRequired(driver.name));
    return (anyRequired ? required[0] : candidates[0])?.index;
  }

  private openCopies(key: string, signal?: AbortSignal): Promise<Copy[]> {
    return Promise.all(this.coordinator.drivers.map((driver) => openCopy(driver, key, signal)));
  }

  /** Every driver's copy of `key` as far as its header, the bytes left unread. */
  private async readHeaders(key: string, signal?: AbortSignal): Promise<Copy[]> {
    const copies = await this.openCopies(key, signal);
    await Promise.all(copies.map(discard));
    return copies;
  }
}

type PresentCopy = Extract<Copy, { state: 'present' }>;

function newestOf(copies: readonly Copy[]): PresentCopy | undefined {
  const index = newestIndex(copies);
  return index === undefined ? undefined : (copies[index] as PresentCopy);
}

/** The header of the file `copy` holds; `undefined` when there is none or it is a tombstone. */
function liveHeader(copy: PresentCopy | undefined): StoredFileHeader | undefined {
  return copy?.header.deleted === true ? undefined : copy?.header;
}

async function openCopy(driver: StorageDriver, key: string, signal?: AbortSignal): Promise<Copy> {
  if (!driver.capabilities.mutable) return { state: 'absent' };
  try {
    const found = await driver.getMutable(key, { signal });
    if (found === null) return { state: 'absent' };
    const iterator = found.body[Symbol.asyncIterator]();
    const opened = await openStoredFile(iterator);
    if (opened === undefined) {
      await iterator.return?.();
      return found.etag === undefined ? { state: 'foreign' } : { state: 'foreign', driverEtag: found.etag };
    }
    const copy: Copy = { state: 'present', header: opened.header, rest: opened.rest, close: opened.close };
    if (found.etag !== undefined) copy.driverEtag = found.etag;
    return copy;
  } catch (error) {
    return { state: 'failed', error };
  }
}

/** Highest version wins; on a tie the first configured driver's copy. */
function newestIndex(copies: readonly Copy[]): number | undefined {
  let best: number | undefined;
  copies.forEach((copy, i) => {
    if (copy.state !== 'present') return;
    const bestCopy = best === undefined ? undefined : copies[best];
    if (bestCopy?.state !== 'present' || copy.header.version > bestCopy.header.version) best = i;
  });
  return best;
}

function throwIfAllUnreadable(copies: readonly Copy[], key: string): void {
  const failed = copies.filter((c) => c.state === 'failed');
  if (failed.length > 0 && failed.length === copies.length) {
    throw storageUnavailableError(`No driver could be read for ${key}: ${describe(failed[0]!.error)}`);
  }
}

/** Gaia compares ETags as given; here quotes and a weak prefix are ignored, so `abc` matches `"abc"`. */
function sameEtag(a: string, b: string): boolean {
  const bare = (tag: string) =>
    tag
      .trim()
      .replace(/^W\//, '')
      .replace(/^"(.*)"$/, '$1');
  return bare(a) === bare(b);
}

/**
 * @param current the newest live file's header (`undefined` when absent or deleted).
 * @throws HubError 412 when the store's conditions do not hold for it.
 */
export function checkConditions(conditions: StoreConditions, current: StoredFileHeader | undefined): void {
  const { ifMatch, ifNoneMatch } = conditions;
  if (ifMatch !== undefined && ifNoneMatch !== undefined) {
    throw preconditionFailedError('Send If-Match or If-None-Match, not both.');
  }
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*') {
      throw preconditionFailedError(
        'If-None-Match on a store must be "*" (store only if the file does not exist).',
      );
    }
    if (current !== undefined) {
      throw preconditionFailedError(
        `The file already exists (ETag ${current.etag}): send If-Match with its ETag to replace it.`,
      );
    }
  }
  if (ifMatch !== undefined) {
    if (current === undefined) {
      throw preconditionFailedError(
        'The file does not exist, so If-Match cannot hold: send If-None-Match: * to create it.',
      );
    }
    if (ifMatch.trim() !== '*' && !sameEtag(ifMatch, current.etag)) {
      throw preconditionFailedError(
        `The file's ETag is ${current.etag}, not ${ifMatch}: it changed since you read it; read it again.`,
      );
    }
  }
}

/** A required-write driver (or, with none, every driver) refused a conditional write: another store won. */
function lostRace(report: ReplicationReport): boolean {
  const counted = report.outcomes.filter(
    (o) => o.status === 'failed' && (o.required || !report.outcomes.some((x) => x.required)),
  );
  return counted.some((o) => isStorageError(o.error, ErrorCode.Conflict));
}

function failedWrite(operation: string, key: string, report: ReplicationReport) {
  const failed = report.outcomes
    .filter((o) => o.status === 'failed')
    .map((o) => `${o.driver}${o.required ? ' (required)' : ''}: ${o.error?.code ?? 'failed'}`);
  return storageUnavailableError(
    `The ${operation} of ${key} did not reach the required drivers (${failed.join(', ')}): retry when they are reachable.`,
  );
}

function describe(error: unknown): string {
  return isStorageError(error)
    ? `${(error as StorageError).code} ${(error as StorageError).message}`
    : String(error);
}

async function discard(copy: Copy): Promise<void> {
  if (copy.state === 'present') await copy.close();
}
