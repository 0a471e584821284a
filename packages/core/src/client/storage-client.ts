import { readBody } from '../body.js';
import type { ReadPolicy } from '../config/index.js';
import { checkMutableWriteRule } from '../config/index.js';
import { sha256Hex } from '../crypto/hash.js';
import { decryptECIES, encryptECIESToBytes, parseEciesEnvelope } from '../crypto/index.js';
import { signMutableEnvelope, signTombstone } from '../envelope/index.js';
import {
  AbortedError,
  ConfigurationError,
  ConflictError,
  ErrorCode,
  IntegrityError,
  isStorageError,
  NotFoundError,
  PermissionError,
  type StorageError,
  TooLargeError,
  throwIfAborted,
  UnavailableError,
} from '../errors.js';
import { redactUrl } from '../http/http-get.js';
import { readUrl } from '../http/index.js';
import type { DataKeyPair } from '../identity/index.js';
import { validateDataId, validateHash } from '../keys.js';
import type { NameRegistry } from '../registry/index.js';
import {
  assertReplicated,
  type DriverPolicy,
  type ReplicationCoordinator,
  type ReplicationReport,
  runWithPolicy,
} from '../replication/index.js';
import type { VersionCache } from '../version-cache/index.js';
import {
  getImmutableDataRecord,
  type ImmutableDataRecord,
  listImmutableDataRecords,
  makeZoneFile,
  parseZoneFile,
  removeImmutableDataRecord,
  setImmutableDataRecord,
  type ZoneFile,
} from '../zonefile/index.js';
import { KeyedQueue } from './keyed-queue.js';
import { type CopySource, noValidCopy, readFirst, readNewest, reportsOf } from './mutable-read.js';
import {
  type CopyVerdict,
  deleteVerdict,
  type HeldCopy,
  highestVersion,
  putVerdict,
  readHeldCopy,
  type WriteTarget,
  writeCopy,
} from './mutable-write.js';
import { mutableUrlsFor, urlPrefixOf, withPublishedUrls } from './published-urls.js';
import type {
  CopyReport,
  DeleteResult,
  GetImmutableResult,
  GetMutableResult,
  PutImmutableResult,
  PutMutableResult,
} from './results.js';

/** Options of `putMutable`. */
export interface PutMutableOptions {
  /** Store the bytes unencrypted (signed only), readable by anyone. Default false. */
  public?: boolean;
  /** Encrypt to this public key (33 or 65 bytes) instead of the writer's own data key. */
  recipientPublicKey?: Uint8Array;
  signal?: AbortSignal;
}

/** Options of `getMutable` and `getImmutable`. */
export interface ReadOptions {
  /** Whose datum: another user's name. Default: this client's name. */
  owner?: string;
  signal?: AbortSignal;
}

export interface GetMutableOptions extends ReadOptions {
  /** Default: the config's `storage_read_policy` (`newest` unless set). */
  policy?: ReadPolicy;
  /**
   * Decrypt a value that is an ECIES envelope (default true). With `false` the stored data is returned
   * as is: use it for public values that happen to be ECIES-envelope JSON themselves.
   */
  decrypt?: boolean;
}

/** Everything a `StorageClient` is built from (see `openStorage`). */
export interface StorageClientParts {
  name: string;
  keyPair: DataKeyPair;
  coordinator: ReplicationCoordinator;
  registry: NameRegistry;
  versions: VersionCache;
  local: ReadonlySet<string>;
  requiredWrite: readonly string[];
  readPolicy: ReadPolicy;
  policy: DriverPolicy;
  configWhere: string;
  onWarning: (message: string) => void;
  onClose: () => Promise<void>;
}

/**
 * A user's storage: signed, versioned mutable data and zone-file-anchored immutable data, replicated
 * over the configured drivers. Made by `openStorage`.
 */
export class StorageClient {
  /** This client's name (e.g. `alice.id`). */
  readonly name: string;
  /** The data public key (33 bytes, compressed) listed in the name's zone file. */
  readonly publicKey: Uint8Array;
  private readonly parts: StorageClientParts;
  private closed = false;
  /** This name's zone file as last read from the registry (only to skip needless re-reads). */
  private lastOwnZone: ZoneFile | undefined;
  private readonly writes = new KeyedQueue();

  constructor(parts: StorageClientParts) {
    this.parts = parts;
    this.name = parts.name;
    this.publicKey = parts.keyPair.publicKey;
  }

  /** The configured drivers (wrapped with the timeout/retry policy), in read order. */
  get drivers() {
    return this.parts.coordinator.drivers;
  }

  /**
   * Writes a new version of a mutable datum: version = highest this client has seen + 1; the bytes
   * are encrypted to the writer's own key (or `recipientPublicKey`) unless `public`; signed as a bsk2
   * envelope; written to every driver at once. The version is recorded only once every required-write
   * driver succeeded. Public URLs of non-local drivers are then published in the zone file.
   * @throws ConfigurationError when no required-write driver is non-local (the seed's rule);
   *   InvalidKeyError for a bad id; ReplicationError (with per-driver outcomes) when a required-write
   *   driver failed; AbortedError.
   */
  async putMutable(
    dataId: string,
    data: Uint8Array,
    options: PutMutableOptions = {},
  ): Promise<PutMutableResult> {
    this.assertOpen();
    validateDataId(dataId);
    return this.writes.run(dataId, () => this.putMutableNow(dataId, data, options));
  }

  private async putMutableNow(
    dataId: string,
    data: Uint8Array,
    options: PutMutableOptions,
  ): Promise<PutMutableResult> {
    const { parts } = this;
    checkMutableWriteRule({
      requiredWrite: parts.requiredWrite,
      local: [...parts.local],
      where: parts.configWhere,
    });
    const target = this.writeTarget(dataId, options.signal);
    // The next version is above what this machine knows and what any driver holds now, so a machine
    // with an empty cache writes over version 3 with version 4, never with version 1.
    const held = await this.readHeldCopies(target);
    throwIfAborted(options.signal, { key: dataId });
    const known = await parts.versions.get(this.name, dataId);
    const version = await parts.versions.claim(this.name, dataId, Math.max(known, highestVersion(held)) + 1);
    const writtenAtMs = Date.now();
    const payload = options.public
      ? data
      : encryptECIESToBytes(options.recipientPublicKey ?? this.publicKey, data, {
          cipherTextEncoding: 'base64',
        });
    const envelope = signMutableEnvelope(
      { fqDataId: this.fqDataId(dataId), data: payload, version, timestamp: Math.floor(writtenAtMs / 1000) },
      parts.keyPair.privateKey,
    );
    this.assertReadable(envelope.byteLength, dataId);
    const report = await this.writeCopies(target, envelope, putVerdict(version, envelope), held);
    assertWritten(report, 'putMutable', dataId, options.signal);
    await parts.versions.record(this.name, dataId, version, writtenAtMs);

    const result: PutMutableResult = { dataId, version, outcomes: report.outcomes, urls: [] };
    const published: { url: string; prefix?: string; order: number }[] = [];
    parts.coordinator.drivers.forEach((driver, order) => {
      const outcome = report.outcomes[order]!;
      if (
        outcome.status !== 'ok' ||
        parts.local.has(driver.name) ||
        driver.capabilities.visibility === 'local'
      ) {
        return;
      }
      // A URL the put returned (e.g. a Dropbox shared link) is public even when mutableUrl cannot make one.
      const url = outcome.url ?? (driver.capabilities.publicUrls ? driver.mutableUrl?.(dataId) : undefined);
      if (url === undefined) return;
      const prefix = urlPrefixOf(url, dataId, driver.mutableUrl);
      published.push(prefix === undefined ? { url, order } : { url, prefix, order });
    });
    result.urls = published.map((p) => p.url);
    // Records are only ever added: when the zone file last seen has them all, skip the registry read.
    const lastSeen = this.lastOwnZone;
    if (published.length > 0 && (lastSeen === undefined || withPublishedUrls(lastSeen, dataId, published))) {
      try {
        const txid = await this.updateOwnZoneFile((zone) => withPublishedUrls(zone, dataId, published));
        if (txid !== undefined) result.publishTxid = txid;
      } catch (error) {
        result.publishError = asError(error);
        parts.onWarning(
          `putMutable stored ${JSON.stringify(dataId)} but could not publish its URLs: ${result.publishError.message}`,
        );
      }
    }
    return result;
  }

  /**
   * Reads a mutable datum (this user's, or `owner`'s), verified against the data key in the owner's
   * zone file (for this user's own data, the key `openStorage` checked against the zone file):
   * tampered copies, copies signed by another key and copies of another data id are refused and the
   * next copy tried. Reads are monotonic per key: never a version lower than this client has
   * already returned or written (the version cache persists in the metadata directory).
   * Own data is read from the configured drivers; another user's from the URLs in their zone file.
   * @returns the datum, or `null` when it does not exist or was deleted.
   * @throws StaleDataError when only older copies exist; IntegrityError when no copy verifies;
   *   UnavailableError when no source could be read; NotFoundError when `owner` is not registered;
   *   PermissionError when the value cannot be decrypted with this client's key (encrypted to another
   *   key, or damaged before it was signed: a MAC mismatch cannot tell which).
   */
  async getMutable(dataId: string, options: GetMutableOptions = {}): Promise<GetMutableResult | null> {
    this.assertOpen();
    validateDataId(dataId);
    const owner = options.owner ?? this.name;
    const { parts } = this;
    const fqDataId = `${owner}:${dataId}`;
    const known = await parts.versions.getEntry(owner, dataId);
    let publicKey: Uint8Array;
    let sources: CopySource[];
    if (owner === this.name) {
      // openStorage checked that our key is the one our zone file lists; no registry read per get.
      publicKey = this.publicKey;
      sources = this.driverSources(dataId);
    } else {
      const zone = await this.zoneFileOf(owner);
      publicKey = this.dataKeyOf(zone, owner);
      sources = this.urlSources(mutableUrlsFor(zone, dataId));
    }
    const policy = options.policy ?? parts.readPolicy;
    const read = policy === 'first' ? readFirst : readNewest;
    const { chosen, copies } = await read(sources, publicKey, fqDataId, known.version, options.signal);
    if (chosen === undefined) {
      const { deletedAtMs, deletedVersion } = noValidCopy(copies, known, { key: dataId, owner });
      // A tombstone seen: like deleteMutable, count the deletion as a version, so a stale copy of the
      // deleted value cannot come back to this client. Finding nothing proves nothing (an empty or
      // unmounted provider looks the same), so it is not recorded: the value reads again when it is back.
      if (deletedAtMs !== undefined && (deletedVersion ?? 0) > known.version) {
        await parts.versions.record(owner, dataId, deletedVersion!, deletedAtMs, true);
      } else if (deletedAtMs !== undefined && known.version > 0 && !known.deleted) {
        await parts.versions.record(owner, dataId, known.version + 1, deletedAtMs, true);
      }
      return null;
    }

    const envelope = chosen.envelope!;
    // Envelope times are whole seconds: take the end of that second, so a tombstone signed in the same
    // second counts as older (refused as stale) rather than hiding this value.
    const writtenAtMs = envelope.timestamp * 1000 + 999;
    // Re-reading what the cache already holds needs no write (the common case: a get after own put).
    const news =
      envelope.version > known.version ||
      (envelope.version === known.version &&
        known.writtenAtMs !== undefined &&
        writtenAtMs > known.writtenAtMs);
    if (news) await parts.versions.record(owner, dataId, envelope.version, writtenAtMs);
    const { data, encrypted } = this.open(envelope.data, options.decrypt ?? true, { owner, dataId });
    return {
      dataId,
      owner,
      data,
      version: envelope.version,
      timestamp: envelope.timestamp,
      encrypted,
      source: chosen.report.source,
      copies: reportsOf(copies),
    };
  }

  /**
   * Deletes a mutable datum: a signed tombstone `delete-<millis>:<name>:<id>:<sig>` is written to every
   * driver, then the value is deleted on every driver. The version cache moves one past the last
   * version, so a driver that missed the delete cannot bring the old value back (reads then fail with
   * StaleDataError instead).
   * @throws ReplicationError when a required-write driver failed to delete.
   */
  async deleteMutable(dataId: string, options: { signal?: AbortSignal } = {}): Promise<DeleteResult> {
    this.assertOpen();
    validateDataId(dataId);
    return this.writes.run(dataId, () => this.deleteMutableNow(dataId, options.signal));
  }

  private async deleteMutableNow(dataId: string, signal: AbortSignal | undefined): Promise<DeleteResult> {
    const { parts } = this;
    const target = this.writeTarget(dataId, signal);
    const held = await this.readHeldCopies(target);
    throwIfAborted(signal, { key: dataId });
    const known = await parts.versions.get(this.name, dataId);
    // A deletion is versioned like a put, so a later put (from any machine) is versioned above it.
    const version = await parts.versions.claim(this.name, dataId, Math.max(known, highestVersion(held)) + 1);
    const deletedAtMs = Date.now();
    const tombstone = new TextEncoder().encode(
      signTombstone(this.fqDataId(dataId), parts.keyPair.privateKey, deletedAtMs, version),
    );
    // The tombstone replaces the value and stays: a reader that finds it knows the datum was deleted,
    // while a reader that finds nothing (a provider that is empty or not mounted) knows nothing.
    const report = await this.writeCopies(target, tombstone, deleteVerdict(version - 1, tombstone), held);
    assertWritten(report, 'deleteMutable', dataId, signal);
    await parts.versions.record(this.name, dataId, version, deletedAtMs, true);
    return { dataId, outcomes: report.outcomes, tombstoneOutcomes: report.outcomes };
  }

  private writeTarget(dataId: string, signal: AbortSignal | undefined): WriteTarget {
    const target: WriteTarget = { dataId, fqDataId: this.fqDataId(dataId), publicKey: this.publicKey };
    if (signal !== undefined) target.signal = signal;
    return target;
  }

  /** What every driver holds for the datum now (an error where it could not be read), in driver order. */
  private readHeldCopies(target: WriteTarget): Promise<(HeldCopy | Error)[]> {
    return Promise.all(
      this.parts.coordinator.drivers.map((driver) =>
        driver.capabilities.mutable
          ? readHeldCopy(driver, target).catch((error: unknown) => asError(error))
          : new Error('does not serve mutable data'),
      ),
    );
  }

  /**
   * Writes `bytes` to every driver, never over a copy `verdictOf` protects. When a required-write
   * driver held a newer version, throws ConflictError naming it (nothing was acknowledged).
   */
  private async writeCopies(
    target: WriteTarget,
    bytes: Uint8Array,
    verdictOf: (copy: HeldCopy) => CopyVerdict,
    held: readonly (HeldCopy | Error)[],
  ): Promise<ReplicationReport> {
    const report = await this.parts.coordinator.writeEach('mutable', target.dataId, async (driver, index) => {
      const result = await writeCopy(driver, target, bytes, verdictOf, held[index]!);
      return result.url ?? driver.mutableUrl?.(target.dataId);
    });
    const lost = report.outcomes.find((o) => o.required && isStorageError(o.error, ErrorCode.Conflict));
    if (!report.ok && lost !== undefined && !target.signal?.aborted) {
      const newer = lost.error as ConflictError;
      throw new ConflictError(
        `Another writer stored version ${newer.newerVersion} of this datum on ${lost.driver} while this write was in progress; this write was not acknowledged`,
        {
          key: target.dataId,
          driver: lost.driver,
          cause: newer,
          newerVersion: newer.newerVersion,
          hint: 'Read it again (get) and write again on top of the newer version.',
        },
      );
    }
    return report;
  }

  /**
   * Stores immutable data: its SHA-256 is computed, the bytes written to every driver, then a NAME_UPDATE
   * records TXT `dataId` = `[url]#<sha256>` in the zone file (replacing an older record of that id).
   * @throws ReplicationError when a required-write driver failed (no NAME_UPDATE is sent then);
   *   the registry's error when the NAME_UPDATE fails.
   */
  async putImmutable(
    dataId: string,
    data: Uint8Array,
    options: { signal?: AbortSignal } = {},
  ): Promise<PutImmutableResult> {
    this.assertOpen();
    validateDataId(dataId);
    const { parts } = this;
    this.assertReadable(data.byteLength, dataId);
    const hash = sha256Hex(data);
    const report = await parts.coordinator.put('immutable', hash, data, options.signal);
    assertWritten(report, 'putImmutable', dataId, options.signal);
    const url = report.outcomes.find((o) => o.status === 'ok' && o.url && !parts.local.has(o.driver))?.url;
    const txid = await this.updateOwnZoneFile(
      (zone) => setImmutableDataRecord(zone, dataId, hash, url),
      true,
    );
    const result: PutImmutableResult = { dataId, hash, txid: txid!, outcomes: report.outcomes };
    if (url !== undefined) result.url = url;
    return result;
  }

  /**
   * Reads immutable data by the hash the owner's current zone file records for `dataId`. Own data comes
   * from the drivers in configured order, another user's from the record's URL; only bytes whose
   * SHA-256 matches are returned, and drivers returning other bytes are skipped and reported.
   * @returns `null` when the zone file has no record for `dataId`.
   * @throws NotFoundError when the record exists but no source has the data; IntegrityError when only
   *   wrong bytes were found; TooLargeError when a copy is over the read limit; UnavailableError when a
   *   source could not be read and none had the data.
   */
  async getImmutable(dataId: string, options: ReadOptions = {}): Promise<GetImmutableResult | null> {
    this.assertOpen();
    validateDataId(dataId);
    const owner = options.owner ?? this.name;
    const zone = await this.zoneFileOf(owner);
    const record = getImmutableDataRecord(zone, dataId);
    if (record === undefined) return null;
    return this.fetchImmutable(record, owner, options.signal);
  }

  /**
   * Like `getImmutable`, by hash: the hash must be recorded in the owner's current zone file (under any
   * data id; `dataId` in the result is the first such id).
   * @returns `null` when no record of the owner's zone file has this hash.
   * @throws InvalidKeyError for a malformed hash; otherwise as `getImmutable`.
   */
  async getImmutableByHash(hash: string, options: ReadOptions = {}): Promise<GetImmutableResult | null> {
    this.assertOpen();
    validateHash(hash);
    const owner = options.owner ?? this.name;
    const records = listImmutableDataRecords(await this.zoneFileOf(owner)).filter((r) => r.hash === hash);
    const record = records.find((r) => r.url !== undefined) ?? records[0];
    if (record === undefined) return null;
    return this.fetchImmutable(record, owner, options.signal);
  }

  private async fetchImmutable(
    record: ImmutableDataRecord,
    owner: string,
    signal: AbortSignal | undefined,
  ): Promise<GetImmutableResult> {
    const { dataId } = record;
    const options = { signal };
    const copies: CopyReport[] = [];
    const sources: CopySource[] = [];
    if (owner === this.name) {
      for (const driver of this.parts.coordinator.drivers) {
        if (!driver.capabilities.immutable) continue;
        sources.push({
          name: driver.name,
          fetch: async (signal) => {
            const found = await driver.getImmutable(record.hash, { signal });
            return found === null ? null : readBody(found.body);
          },
        });
      }
    }
    if (record.url !== undefined) sources.push(...this.urlSources([record.url]));
    for (const source of sources) {
      let bytes: Uint8Array | null;
      try {
        bytes = await source.fetch(options.signal);
      } catch (error) {
        copies.push({ source: source.name, status: 'failed', error: asError(error) });
        continue;
      }
      if (bytes === null) {
        copies.push({ source: source.name, status: 'missing' });
      } else if (sha256Hex(bytes) !== record.hash) {
        copies.push({
          source: source.name,
          status: 'invalid',
          error: new IntegrityError('The bytes do not match the SHA-256 in the zone file', {
            driver: source.name,
            key: dataId,
          }),
        });
      } else {
        copies.push({ source: source.name, status: 'valid' });
        return { dataId, owner, data: bytes, hash: record.hash, source: source.name, copies };
      }
    }
    const summary = copies.map((c) => `${c.source}: ${c.status}`).join(', ');
    if (copies.some((c) => c.status === 'invalid')) {
      throw new IntegrityError(`No source holds the bytes whose SHA-256 the zone file records [${summary}]`, {
        key: dataId,
      });
    }
    // A copy over the read limit, or a source that could not be read, is not "no source has it".
    const tooLarge = copies.find((c) => c.error?.code === ErrorCode.TooLarge);
    if (tooLarge) throw tooLarge.error!;
    const failed = copies.find((c) => c.status === 'failed');
    if (failed) {
      throw new UnavailableError(`No source of ${owner}'s datum could be read [${summary}]`, {
        key: dataId,
        cause: failed.error,
        hint: 'Retry when the failing drivers are back.',
      });
    }
    throw new NotFoundError(`${owner}'s zone file records this datum, but no source has it [${summary}]`, {
      key: dataId,
      hint: 'The drivers holding it may be offline; retry later.',
    });
  }

  /**
   * Deletes immutable data: a NAME_UPDATE removes the zone file record, then a signed tombstone is written
   * over the value on every driver and the value deleted. Bytes that another data id's record still
   * references (same content) are left on the drivers.
   * @returns `null` when the zone file has no record for `dataId`.
   * @throws ReplicationError when a required-write driver failed to delete (the record is gone already).
   */
  async deleteImmutable(
    dataId: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<DeleteResult | null> {
    this.assertOpen();
    validateDataId(dataId);
    const { parts } = this;
    const zone = await this.zoneFileOf(this.name);
    const record = getImmutableDataRecord(zone, dataId);
    if (record === undefined) return null;
    const txid = await this.updateOwnZoneFile((current) => removeImmutableDataRecord(current, dataId), true);
    const result: DeleteResult = { dataId, outcomes: [], tombstoneOutcomes: [] };
    if (txid !== undefined) result.txid = txid;
    const after = await this.zoneFileOf(this.name);
    if (listImmutableDataRecords(after).some((r) => r.hash === record.hash)) return result;
    const tombstone = new TextEncoder().encode(
      signTombstone(this.fqDataId(dataId), parts.keyPair.privateKey),
    );
    result.tombstoneOutcomes = (
      await parts.coordinator.put('immutable', record.hash, tombstone, options.signal)
    ).outcomes;
    const deleted = await parts.coordinator.delete('immutable', record.hash, options.signal);
    result.outcomes = deleted.outcomes;
    assertWritten(deleted, 'deleteImmutable', dataId, options.signal);
    return result;
  }

  /** Closes the drivers (and the registry when `openStorage` opened it). The client is unusable after. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.parts.coordinator.close();
    await this.parts.onClose();
  }

  private fqDataId(dataId: string): string {
    return `${this.name}:${dataId}`;
  }

  /** Refuses to store what no read could take back (the stored form exceeds `policy.maxReadBytes`). */
  private assertReadable(storedBytes: number, dataId: string): void {
    const limit = this.parts.coordinator.maxReadBytes;
    if (storedBytes > limit) {
      throw new TooLargeError(
        `The stored form of this value is ${storedBytes} bytes, over the ${limit}-byte read limit`,
        { key: dataId, hint: 'Store less, or raise policy.maxReadBytes for every client that reads it.' },
      );
    }
  }

  private assertOpen(): void {
    if (this.closed)
      throw new ConfigurationError('This storage client is closed', { hint: 'Call openStorage again.' });
  }

  private driverSources(dataId: string): CopySource[] {
    return this.parts.coordinator.drivers
      .filter((driver) => driver.capabilities.mutable)
      .map((driver) => ({
        name: driver.name,
        fetch: async (signal?: AbortSignal) => {
          const found = await driver.getMutable(dataId, { signal });
          return found === null ? null : readBody(found.body);
        },
      }));
  }

  private urlSources(urls: readonly string[]): CopySource[] {
    const { policy, coordinator } = this.parts;
    return urls.map((url) => ({
      name: redactUrl(url),
      fetch: (signal?: AbortSignal) =>
        runWithPolicy({ driver: 'http', key: redactUrl(url) }, policy, signal, async (attemptSignal) => {
          const found = await readUrl(url, coordinator.drivers, {
            signal: attemptSignal,
            timeoutMs: policy.timeoutMs,
            maxBytes: policy.maxReadBytes,
          });
          return found === null ? null : found.bytes;
        }),
    }));
  }

  private async zoneFileOf(owner: string): Promise<ZoneFile> {
    return (await this.zoneFileEntryOf(owner)).zone;
  }

  private async zoneFileEntryOf(owner: string): Promise<{ zone: ZoneFile; txid: string }> {
    const entry = await this.parts.registry.getZoneFile(owner);
    if (entry === null) {
      throw new NotFoundError(`The name ${owner} is not registered`, {
        key: owner,
        hint: 'Check the spelling of the name, or the registry this client uses.',
      });
    }
    const zone = parseZoneFile(entry.text);
    if (zone.origin.replace(/\.$/, '') !== owner) {
      throw new IntegrityError(`The registry returned a zone file for ${zone.origin}, not ${owner}`, {
        key: owner,
      });
    }
    if (owner === this.name) this.lastOwnZone = zone;
    return { zone, txid: entry.txid };
  }

  private dataKeyOf(zone: ZoneFile, owner: string): Uint8Array {
    if (zone.dataPublicKey === undefined) {
      throw new IntegrityError(`${owner}'s zone file lists no data public key (TXT pubkey)`, {
        key: owner,
        hint: 'Its data cannot be verified; the owner must publish a data key.',
      });
    }
    return zone.dataPublicKey;
  }

  /**
   * Applies `change` to the current zone file and sends a NAME_UPDATE if anything changed. The update is
   * conditional on the txid it read (another process may update the same name): on a conflict it
   * re-reads and re-applies, a few times.
   */
  private async updateOwnZoneFile(
    change: (zone: ZoneFile) => ZoneFile | undefined,
    always = false,
  ): Promise<string | undefined> {
    for (let attempt = 1; ; attempt++) {
      const { zone, txid: current } = await this.zoneFileEntryOf(this.name);
      const next = change(zone);
      if (next === undefined && !always) return undefined;
      try {
        const text = makeZoneFile(next ?? zone);
        const { txid } = await this.parts.registry.nameUpdate(this.name, text, { ifTxid: current });
        this.lastOwnZone = next ?? zone;
        return txid;
      } catch (error) {
        if (!isStorageError(error, ErrorCode.Conflict) || attempt >= 5) throw error;
      }
    }
  }

  private open(
    stored: Uint8Array,
    decrypt: boolean,
    context: { owner: string; dataId: string },
  ): { data: Uint8Array; encrypted: boolean } {
    if (!decrypt || stored[0] !== 0x7b /* { */) return { data: stored, encrypted: false };
    let envelope: ReturnType<typeof parseEciesEnvelope>;
    try {
      envelope = parseEciesEnvelope(stored);
    } catch {
      return { data: stored, encrypted: false };
    }
    try {
      return { data: decryptECIES(this.parts.keyPair.privateKey, envelope), encrypted: true };
    } catch (error) {
      // The signature verified, so these are the bytes the signer stored; the envelope does not name
      // its recipient, so a MAC mismatch cannot tell "another key" from "damaged before signing".
      const why = error instanceof Error ? error.message : String(error);
      throw new PermissionError(
        `${context.owner}'s datum cannot be decrypted with this client's data key (${why}): it was encrypted to another key, or damaged before it was signed`,
        {
          key: context.dataId,
          cause: error,
          hint: 'If it was encrypted to another key, only that key can read it (ask the owner to encrypt it to your data key); otherwise the writer must store it again.',
        },
      );
    }
  }
}

/** Like `assertReplicated`, but a write stopped by the caller's signal throws AbortedError. */
function assertWritten(
  report: ReplicationReport,
  operation: string,
  key: string,
  signal: AbortSignal | undefined,
): void {
  try {
    assertReplicated(report, operation, key);
  } catch (error) {
    if (signal?.aborted) throw new AbortedError(`${operation} aborted`, { key, cause: error });
    throw error;
  }
}

function asError(error: unknown): StorageError {
  return isStorageError(error)
    ? error
    : new UnavailableError(error instanceof Error ? error.message : String(error), { cause: error });
}
