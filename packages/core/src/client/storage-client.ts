import { bytesToStream, readBody, splitBodyAt } from '../body.js';
import {
  CHUNK_TAG_BYTES,
  type ChunkedManifest,
  DEFAULT_CHUNK_BYTES,
  decodeChunked,
  encodeChunked,
} from '../chunked/index.js';
import type { ReadOrder } from '../config/index.js';
import { checkMutableWriteRule } from '../config/index.js';
import { sha256Hex } from '../crypto/hash.js';
import { encryptECIESToBytes } from '../crypto/index.js';
import type { Body } from '../driver.js';
import { type MutableEnvelope, signMutableEnvelope, signTombstone } from '../envelope/index.js';
import {
  AbortedError,
  asStorageError,
  ConfigurationError,
  TooLargeError,
  throwIfAborted,
} from '../errors.js';
import { redactUrl } from '../http/index.js';
import { compressPublicKey, type DataKeyPair } from '../identity/index.js';
import { KeyedQueue } from '../keyed-queue.js';
import { validateDataId, validateHash } from '../keys.js';
import type { NameRegistry } from '../registry/index.js';
import {
  assertReplicated,
  type CopySource,
  type ReplicationCoordinator,
  type ReplicationReport,
} from '../replication/index.js';
import type { PendingVersion, VersionCache } from '../version-cache/index.js';
import {
  getImmutableDataRecord,
  type ImmutableDataRecord,
  listImmutableDataRecords,
  removeImmutableDataRecord,
  setImmutableDataRecord,
} from '../zonefile/index.js';
import {
  chunkDrivers,
  chunkFetcher,
  chunkUrlOf,
  DEFAULT_CHUNK_THRESHOLD_BYTES,
  deleteReplacedChunks,
  type StoredChunks,
  storeChunks,
} from './chunked-values.js';
import { readImmutable } from './immutable-read.js';
import {
  chunkedImmutableManifest,
  immutableBody,
  immutableChunkSources,
  storeChunkedImmutable,
} from './large-immutable.js';
import { type MigrateOptions, type MigrationReport, migrateReplicas } from './migrate.js';
import { readMutable } from './mutable-read.js';
import {
  deleteVerdict,
  type HeldCopy,
  putVerdict,
  type WriteTarget,
  writeNextVersion,
} from './mutable-write.js';
import { openValue } from './open-value.js';
import { mutableUrlsFor, publicUrlsOf, urlPrefixOf, withPublishedUrls } from './published-urls.js';
import { ReadRepairer } from './read-repair.js';
import {
  type DatumHealth,
  type DatumRepair,
  inspectImmutable,
  inspectMutable,
  knownMutableIds,
  repairImmutable,
  repairMutable,
} from './replicas.js';
import type {
  DeleteResult,
  GetImmutableResult,
  GetMutableResult,
  ImmutableValueStream,
  MutableValueStream,
  PutImmutableResult,
  PutMutableResult,
} from './results.js';
import { ZoneFiles } from './zone-files.js';

export { DEFAULT_CHUNK_THRESHOLD_BYTES } from './chunked-values.js';

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
  /** How copies are chosen. Default: the config's `storage_read_policy` (`newest` unless set). */
  order?: ReadOrder;
  /** @deprecated The old name of `order`. */
  policy?: ReadOrder;
  /**
   * Decrypt a value that is an ECIES envelope (default true). With `false` the stored data is returned
   * as is: use it for public values that happen to be ECIES-envelope JSON themselves. Applies to values
   * stored as one bsk2 envelope only: a chunked value's manifest says whether it is encrypted, so there
   * is nothing to mistake, and it is always returned as the value that was put.
   */
  decrypt?: boolean;
}

/** Everything a `StorageClient` is built from (see `openStorage`). */
export interface StorageClientParts {
  name: string;
  keyPair: DataKeyPair;
  /** Every read and write of a driver or a published URL goes through it. */
  coordinator: ReplicationCoordinator;
  registry: NameRegistry;
  versions: VersionCache;
  local: ReadonlySet<string>;
  requiredWrite: readonly string[];
  /** How `getMutable` chooses among copies unless told otherwise (`storage_read_policy`). */
  readOrder: ReadOrder;
  configWhere: string;
  /**
   * After a get of own mutable data that saw a stale, missing or invalid copy, copy the newest verified
   * copy back to those drivers in the background (`read_repair`). Default false.
   */
  readRepair?: boolean;
  /** Told the outcome of every background read-repair. */
  onReadRepair?: (repair: DatumRepair) => void;
  /** Values above this many bytes are stored chunked (bsc1). Default `DEFAULT_CHUNK_THRESHOLD_BYTES`. */
  chunkThresholdBytes?: number;
  /** Plaintext bytes per chunk of a chunked value. Default `DEFAULT_CHUNK_BYTES` (4 MiB). */
  chunkBytes?: number;
  onWarning: (message: string) => void;
  onClose: () => Promise<void>;
}

/**
 * A user's storage: signed, versioned mutable data and zone-file-anchored immutable data, replicated
 * over the configured drivers. Made by `openStorage`.
 *
 * Every operation goes one way: this class checks the arguments, builds or verifies the bytes, and
 * hands them to the replication coordinator, which reaches each driver through the policy layer
 * (timeout, retries, the transfer observer). Mutable writes go through `writeNextVersion`
 * (mutable-write.ts), mutable reads through `readMutable` (mutable-read.ts), immutable reads through
 * `readImmutable` (immutable-read.ts); zone files through `ZoneFiles`.
 */
export class StorageClient {
  /** This client's name (e.g. `alice.id`). */
  readonly name: string;
  /** The data public key (33 bytes, compressed) listed in the name's zone file. */
  readonly publicKey: Uint8Array;
  private readonly parts: StorageClientParts;
  private readonly zoneFiles: ZoneFiles;
  private closed = false;
  private readonly writes = new KeyedQueue();
  private readonly readRepairer: ReadRepairer | undefined;

  constructor(parts: StorageClientParts) {
    this.parts = parts;
    this.name = parts.name;
    this.publicKey = parts.keyPair.publicKey;
    this.zoneFiles = new ZoneFiles(parts.registry, parts.name);
    this.readRepairer = parts.readRepair
      ? new ReadRepairer(
          this.writes,
          (dataId) => repairMutable(parts.coordinator, this.writeTarget(dataId, undefined)),
          parts.onReadRepair,
          parts.onWarning,
        )
      : undefined;
  }

  /** The configured drivers (wrapped with the timeout/retry policy), in read order. */
  get drivers() {
    return this.parts.coordinator.drivers;
  }

  /**
   * Writes a new version of a mutable datum: version = above the highest this machine has seen and the
   * highest any driver holds; the bytes are encrypted to the writer's own key (or `recipientPublicKey`)
   * unless `public`; written to every driver at once, never over a newer copy. A value of at most the
   * chunk threshold (`openStorage({ chunkThresholdBytes })`) is one signed bsk2 envelope, as in 2017; a
   * larger one is streamed in the chunked format (docs/chunked-format.md): its chunks go to every
   * driver first (immutable path, named by their hash), then its signed manifest takes the datum's key
   * with the same version and conditional-write rules. `data` may be a stream of any size: memory
   * stays at a few chunks. The version is recorded only once every required-write driver succeeded.
   * Public URLs of non-local drivers are then published in the zone file.
   * @throws ConfigurationError when no required-write driver is non-local (the seed's rule);
   *   InvalidKeyError for a bad id; ConflictError when another writer stored a newer version meanwhile
   *   (a streamed value cannot be re-read: write it again); ReplicationError (with per-driver
   *   outcomes) when a required-write driver failed; AbortedError; what a streamed body throws.
   */
  async putMutable(dataId: string, data: Body, options: PutMutableOptions = {}): Promise<PutMutableResult> {
    this.assertOpen();
    validateDataId(dataId);
    return this.writes.run(dataId, () => this.putMutableNow(dataId, data, options));
  }

  private async putMutableNow(
    dataId: string,
    data: Body,
    options: PutMutableOptions,
  ): Promise<PutMutableResult> {
    const { parts } = this;
    checkMutableWriteRule({
      requiredWrite: parts.requiredWrite,
      local: [...parts.local],
      where: parts.configWhere,
    });
    const split = await splitBodyAt(data, this.chunkThresholdBytes);
    const recipient = options.public ? undefined : (options.recipientPublicKey ?? this.publicKey);
    const target = this.writeTarget(dataId, options.signal);
    let manifest: ChunkedManifest | undefined;
    const { report, version, held, pending } = await writeNextVersion(
      parts.coordinator,
      parts.versions,
      target,
      async (version, writtenAtMs) => {
        const timestamp = Math.floor(writtenAtMs / 1000);
        if ('stream' in split) {
          const stored = await this.storeChunked(target, split.stream, recipient, version, timestamp);
          manifest = stored.manifest;
          return {
            bytes: manifest.bytes,
            verdictOf: putVerdict(version, manifest.bytes),
            unwritable: stored.unwritable,
          };
        }
        const payload =
          recipient === undefined
            ? split.bytes
            : encryptECIESToBytes(recipient, split.bytes, { cipherTextEncoding: 'base64' });
        const envelope = signMutableEnvelope(
          { fqDataId: target.fqDataId, data: payload, version, timestamp },
          parts.keyPair.privateKey,
        );
        this.assertReadable(envelope.byteLength, dataId);
        return { bytes: envelope, verdictOf: putVerdict(version, envelope) };
      },
    );
    await this.settle(pending, report, 'putMutable', dataId, options.signal);
    await this.deleteReplaced(held, report, version, manifest, dataId, options.signal);

    const published = publicUrlsOf(report, parts.coordinator.drivers, parts.local).map(
      ({ url, driver, order }) => {
        const prefix = urlPrefixOf(url, dataId, driver.mutableUrl);
        return prefix === undefined ? { url, order } : { url, prefix, order };
      },
    );
    const result: PutMutableResult = {
      dataId,
      version,
      outcomes: report.outcomes,
      urls: published.map((p) => p.url),
      format: manifest === undefined ? 'bsk2' : 'bsc1',
    };
    // Records are only ever added: when the zone file last seen has them all, skip the registry read.
    const lastSeen = this.zoneFiles.lastSeenOwn;
    if (published.length > 0 && (lastSeen === undefined || withPublishedUrls(lastSeen, dataId, published))) {
      try {
        const txid = await this.zoneFiles.updateOwn((zone) => withPublishedUrls(zone, dataId, published));
        if (txid !== undefined) result.publishTxid = txid;
      } catch (error) {
        result.publishError = asStorageError(error, { key: dataId });
        parts.onWarning(
          `putMutable stored ${JSON.stringify(dataId)} but could not publish its URLs: ${result.publishError.message}`,
        );
      }
    }
    return result;
  }

  /**
   * Streams `stream` as a chunked value of `version`: every chunk to every driver, then the signed
   * manifest (returned, not stored yet: `writeNextVersion` stores it like a bsk2 envelope).
   */
  private async storeChunked(
    target: WriteTarget,
    stream: Body,
    recipient: Uint8Array | undefined,
    version: number,
    timestamp: number,
  ): Promise<StoredChunks> {
    const { coordinator, keyPair } = this.parts;
    const chunkBytes = this.parts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.assertReadable(chunkBytes + CHUNK_TAG_BYTES, target.dataId);
    const encoding = encodeChunked(stream, {
      fqDataId: target.fqDataId,
      version,
      timestamp,
      privateKey: keyPair.privateKey,
      chunkBytes,
      ...(recipient === undefined ? {} : { encryptTo: recipient }),
      ...(target.signal === undefined ? {} : { signal: target.signal }),
    });
    const stored = await storeChunks(coordinator, encoding, target.signal, (report) =>
      assertWritten(report, 'putMutable', target.dataId, target.signal),
    );
    this.assertReadable(stored.manifest.bytes.byteLength, target.dataId);
    return stored;
  }

  /** Best effort: deletes the chunks of the encrypted chunked values this write replaced. */
  private async deleteReplaced(
    held: readonly (HeldCopy | Error)[],
    report: ReplicationReport,
    version: number,
    manifest: ChunkedManifest | undefined,
    dataId: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const keep = new Set(manifest?.chunkHashes ?? []);
    const failures = await deleteReplacedChunks(
      this.parts.coordinator.drivers,
      held,
      report,
      version,
      keep,
      signal,
    );
    if (failures.length > 0) {
      this.parts.onWarning(
        `Could not delete the chunks of ${JSON.stringify(dataId)}'s replaced version (they stay as orphans): ${failures.join('; ')}`,
      );
    }
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
    const found = await this.getMutableStream(dataId, options);
    if (found === null) return null;
    const { body, size: _size, signerPublicKey: _signer, ...rest } = found;
    const limit = this.parts.coordinator.maxReadBytes;
    if (found.size > limit) {
      void body[Symbol.asyncIterator]().return?.(); // nothing was fetched yet; release the iterator
      throw new TooLargeError(
        `${found.owner}'s datum is ${found.size} bytes, over the ${limit}-byte limit of a whole-value read`,
        {
          key: dataId,
          hint: 'Read it with getMutableStream (or raise policy.maxReadBytes).',
        },
      );
    }
    return { ...rest, data: await readBody(body) };
  }

  /**
   * Like `getMutable`, with the body streamed: the copy is chosen and its signature (envelope or
   * manifest) verified first, so version, size, signer and whether it is encrypted are known before a
   * byte of the body is read. A chunked value's chunks are fetched one ahead of the consumer (about two
   * chunks in memory), each verified before any of its bytes is yielded, from the manifest's driver
   * first and the other drivers when it lacks a chunk or holds a wrong one (another user's: from beside
   * the manifest's URL). The body ends with a typed error (IntegrityError for a missing, changed,
   * moved, repeated or foreign chunk) rather than normally if the value cannot be read whole.
   * @returns `null` when the datum does not exist or was deleted.
   * @throws as `getMutable` (before the body); the body throws as `MutableValueStream.body` says.
   */
  async getMutableStream(
    dataId: string,
    options: GetMutableOptions = {},
  ): Promise<MutableValueStream | null> {
    this.assertOpen();
    validateDataId(dataId);
    const owner = options.owner ?? this.name;
    const { coordinator, versions } = this.parts;
    let publicKey: Uint8Array;
    let sources: CopySource[];
    let urls: string[] = [];
    if (owner === this.name) {
      // openStorage checked that our key is the one our zone file lists; no registry read per get.
      publicKey = this.publicKey;
      sources = coordinator.sources('mutable', dataId);
    } else {
      const zone = await this.zoneFiles.of(owner);
      publicKey = this.zoneFiles.dataKeyOf(zone, owner);
      urls = mutableUrlsFor(zone, dataId);
      sources = coordinator.urlSources(urls);
    }
    const order = options.order ?? options.policy ?? this.parts.readOrder;
    const read = await readMutable(versions, owner, dataId, sources, publicKey, order, options.signal);
    if (owner === this.name) this.readRepairer?.afterRead(dataId, read.copies);
    if (read.envelope === undefined) return null;
    const source = read.source!;
    const header = {
      dataId,
      owner,
      version: read.envelope.version,
      timestamp: read.envelope.timestamp,
      source,
      copies: read.copies,
      signerPublicKey: compressPublicKey(publicKey),
    };
    if (read.manifest !== undefined) {
      return {
        ...header,
        encrypted: read.manifest.encryption !== undefined,
        format: 'bsc1',
        size: read.manifest.size,
        body: this.chunkedBody(read.manifest, owner, dataId, source, urls, options.signal),
      };
    }
    const { data, encrypted } = this.openEnvelope(read.envelope, owner, dataId, options.decrypt);
    return { ...header, encrypted, format: 'bsk2', size: data.byteLength, body: bytesToStream(data) };
  }

  private openEnvelope(
    envelope: MutableEnvelope,
    owner: string,
    dataId: string,
    decrypt: boolean | undefined,
  ): { data: Uint8Array; encrypted: boolean } {
    return openValue(envelope.data, this.parts.keyPair.privateKey, {
      decrypt: decrypt ?? true,
      owner,
      dataId,
    });
  }

  /** The verified plaintext of a chunked value, read from own drivers or beside the owner's URLs. */
  private chunkedBody(
    manifest: ChunkedManifest,
    owner: string,
    dataId: string,
    manifestSource: string,
    urls: readonly string[],
    signal: AbortSignal | undefined,
  ): AsyncIterable<Uint8Array> {
    const { coordinator, keyPair } = this.parts;
    let sourcesOf: (hash: string) => CopySource[];
    if (owner === this.name) {
      const drivers = chunkDrivers(coordinator.drivers, manifestSource);
      sourcesOf = (hash) => drivers.map((driver) => coordinator.source(driver, 'immutable', hash));
    } else {
      const ordered = [
        ...urls.filter((u) => redactUrl(u) === manifestSource),
        ...urls.filter((u) => redactUrl(u) !== manifestSource),
      ];
      sourcesOf = (hash) =>
        coordinator.urlSources(
          ordered.map((u) => chunkUrlOf(u, dataId, hash)).filter((u): u is string => u !== undefined),
        );
    }
    return decodeChunked(manifest, chunkFetcher(sourcesOf), {
      privateKey: keyPair.privateKey,
      ...(signal === undefined ? {} : { signal }),
    });
  }

  /**
   * Deletes a mutable datum: a signed tombstone `delete-<millis>+<version>:<name>:<id>:<sig>` takes the
   * next version and replaces the value on every driver (never a newer copy), and stays there: a reader
   * that finds it knows the datum was deleted, while a reader that finds nothing (a provider that is
   * empty or not mounted) knows nothing. A later put, from any machine, is versioned above it.
   * @throws ConflictError when another writer stored a newer version meanwhile; ReplicationError when a
   *   required-write driver failed.
   */
  async deleteMutable(dataId: string, options: { signal?: AbortSignal } = {}): Promise<DeleteResult> {
    this.assertOpen();
    validateDataId(dataId);
    return this.writes.run(dataId, () => this.deleteMutableNow(dataId, options.signal));
  }

  private async deleteMutableNow(dataId: string, signal: AbortSignal | undefined): Promise<DeleteResult> {
    const { parts } = this;
    const target = this.writeTarget(dataId, signal);
    const { report, version, held, pending } = await writeNextVersion(
      parts.coordinator,
      parts.versions,
      target,
      (version, deletedAtMs) => {
        const tombstone = new TextEncoder().encode(
          signTombstone(target.fqDataId, parts.keyPair.privateKey, deletedAtMs, version),
        );
        return { bytes: tombstone, verdictOf: deleteVerdict(version - 1, tombstone), deletion: true };
      },
    );
    await this.settle(pending, report, 'deleteMutable', dataId, signal);
    await this.deleteReplaced(held, report, version, undefined, dataId, signal);
    return { dataId, outcomes: report.outcomes, tombstoneOutcomes: report.outcomes };
  }

  /**
   * Judges a write by the required-write rule and records its version in the version cache (the
   * pending record `writeNextVersion` made durable during the write), or drops that record.
   */
  private async settle(
    pending: PendingVersion,
    report: ReplicationReport,
    operation: string,
    dataId: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    try {
      assertWritten(report, operation, dataId, signal);
    } catch (error) {
      await this.parts.versions.abandon(pending);
      throw error;
    }
    await this.parts.versions.commit(pending);
  }

  /** Values above this many bytes are stored chunked. */
  private get chunkThresholdBytes(): number {
    return this.parts.chunkThresholdBytes ?? DEFAULT_CHUNK_THRESHOLD_BYTES;
  }

  private writeTarget(dataId: string, signal: AbortSignal | undefined): WriteTarget {
    const target: WriteTarget = {
      owner: this.name,
      dataId,
      fqDataId: this.fqDataId(dataId),
      publicKey: this.publicKey,
    };
    if (signal !== undefined) target.signal = signal;
    return target;
  }

  /**
   * Stores immutable data: the bytes go to every driver, then a NAME_UPDATE records TXT `dataId` =
   * `[url]#<hash>` in the zone file (replacing an older record of that id). A value of at most the chunk
   * threshold is stored whole under its SHA-256 (`hash` = `sha256`), as before. A larger one (`data`
   * may be a stream of any size) is stored chunked: its public chunks, then its signed manifest under the
   * manifest's SHA-256, which the record holds; the record so commits to every chunk, and the whole
   * value's SHA-256 is in the manifest (`sha256`).
   * @throws ReplicationError when a required-write driver failed (no NAME_UPDATE is sent then);
   *   the registry's error when the NAME_UPDATE fails; what a streamed body throws.
   */
  async putImmutable(
    dataId: string,
    data: Body,
    options: { signal?: AbortSignal } = {},
  ): Promise<PutImmutableResult> {
    this.assertOpen();
    validateDataId(dataId);
    const { parts } = this;
    const { signal } = options;
    const split = await splitBodyAt(data, this.chunkThresholdBytes);
    let hash: string;
    let sha256: string;
    let report: ReplicationReport;
    if ('bytes' in split) {
      this.assertReadable(split.bytes.byteLength, dataId);
      hash = sha256 = sha256Hex(split.bytes);
      report = await parts.coordinator.put('immutable', hash, split.bytes, signal);
    } else {
      const chunkBytes = parts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
      this.assertReadable(chunkBytes, dataId);
      const stored = await storeChunkedImmutable(parts.coordinator, split.stream, {
        fqDataId: this.fqDataId(dataId),
        privateKey: parts.keyPair.privateKey,
        chunkBytes,
        signal,
        judge: (chunkReport) => assertWritten(chunkReport, 'putImmutable', dataId, signal),
      });
      ({ hash, report } = stored);
      sha256 = stored.manifest.plaintextSha256;
    }
    assertWritten(report, 'putImmutable', dataId, signal);
    const url = publicUrlsOf(report, parts.coordinator.drivers, parts.local)[0]?.url;
    const txid = await this.zoneFiles.updateOwn(
      (zone) => setImmutableDataRecord(zone, dataId, hash, url),
      true,
    );
    const result: PutImmutableResult = {
      dataId,
      hash,
      sha256,
      chunked: hash !== sha256,
      txid: txid!,
      outcomes: report.outcomes,
    };
    if (url !== undefined) result.url = url;
    return result;
  }

  /**
   * Reads immutable data by the hash the owner's current zone file records for `dataId`. Own data comes
   * from the drivers in configured order, then from the record's URL; another user's from the record's
   * URL; only bytes whose SHA-256 matches are returned, and sources returning other bytes are skipped
   * and reported. A chunked value is read whole, up to `policy.maxReadBytes` (else `TooLargeError`: use
   * `getImmutableStream`).
   * @returns `null` when the zone file has no record for `dataId`.
   * @throws NotFoundError when the record exists but no source has the data; IntegrityError when only
   *   wrong bytes were found (or a chunk is wrong everywhere); TooLargeError when a copy is over the read
   *   limit; UnavailableError when a source could not be read and none had the data.
   */
  async getImmutable(dataId: string, options: ReadOptions = {}): Promise<GetImmutableResult | null> {
    return this.wholeImmutable(await this.getImmutableStream(dataId, options));
  }

  /**
   * Like `getImmutable`, with the body streamed: the record's hash is checked first (of a chunked value:
   * its manifest's), then each chunk against the manifest before any of its bytes is yielded; the body
   * ends with a typed error rather than normally if the value cannot be read whole.
   */
  async getImmutableStream(dataId: string, options: ReadOptions = {}): Promise<ImmutableValueStream | null> {
    this.assertOpen();
    validateDataId(dataId);
    const owner = options.owner ?? this.name;
    const record = getImmutableDataRecord(await this.zoneFiles.of(owner), dataId);
    return record === undefined ? null : this.readImmutable(record, owner, options.signal);
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
    const records = listImmutableDataRecords(await this.zoneFiles.of(owner)).filter((r) => r.hash === hash);
    const record = records.find((r) => r.url !== undefined) ?? records[0];
    if (record === undefined) return null;
    return this.wholeImmutable(await this.readImmutable(record, owner, options.signal));
  }

  private async readImmutable(
    record: ImmutableDataRecord,
    owner: string,
    signal: AbortSignal | undefined,
  ): Promise<ImmutableValueStream> {
    const { coordinator } = this.parts;
    const own = owner === this.name;
    const sources = [
      ...(own ? coordinator.sources('immutable', record.hash) : []),
      ...coordinator.urlSources(record.url === undefined ? [] : [record.url]),
    ];
    const found = {
      ...(await readImmutable(sources, record, owner, signal)),
      sha256: record.hash,
      chunked: false,
    };
    const manifest = chunkedImmutableManifest(found.data, `${owner}:${record.dataId}`);
    const sourcesOf = immutableChunkSources(
      coordinator,
      own ? coordinator.drivers : undefined,
      record,
      found.source,
    );
    const { data, ...rest } = found;
    const body = immutableBody(found, manifest, sourcesOf, signal);
    if (manifest === undefined) return { ...rest, size: data.byteLength, body };
    return { ...rest, sha256: manifest.plaintextSha256, chunked: true, size: manifest.size, body };
  }

  private async wholeImmutable(found: ImmutableValueStream | null): Promise<GetImmutableResult | null> {
    if (found === null) return null;
    const { body, size, ...rest } = found;
    const limit = this.parts.coordinator.maxReadBytes;
    if (size > limit) {
      throw new TooLargeError(
        `This value is ${size} bytes, over the ${limit}-byte limit of a whole-value read`,
        {
          key: found.dataId,
          hint: 'Read it with getImmutableStream (or raise policy.maxReadBytes).',
        },
      );
    }
    return { ...rest, data: await readBody(body) };
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
    const record = getImmutableDataRecord(await this.zoneFiles.of(this.name), dataId);
    if (record === undefined) return null;
    const txid = await this.zoneFiles.updateOwn(
      (current) => removeImmutableDataRecord(current, dataId),
      true,
    );
    const result: DeleteResult = { dataId, outcomes: [], tombstoneOutcomes: [] };
    if (txid !== undefined) result.txid = txid;
    const after = await this.zoneFiles.of(this.name);
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

  /**
   * How every datum of this name stands across the drivers, one datum at a time: each copy current,
   * stale (with its version), missing, invalid (with why) or unreachable, judged against the newest
   * verified copy on any driver. Mutable ids come from the drivers that can list and from this
   * machine's version cache; immutable data from the zone file's records. Reads only.
   */
  async *verify(options: { signal?: AbortSignal } = {}): AsyncIterable<DatumHealth> {
    this.assertOpen();
    for (const dataId of await this.mutableIds(options.signal)) {
      yield (await inspectMutable(this.parts.coordinator, this.writeTarget(dataId, options.signal))).health;
    }
    for (const record of listImmutableDataRecords(await this.zoneFiles.of(this.name))) {
      yield (await inspectImmutable(this.parts.coordinator, record)).health;
    }
  }

  /**
   * Heals the replicas: for every datum (as `verify` finds them), copies the newest verified copy, bytes
   * as stored, to every driver whose copy is stale, missing or invalid. Never writes over a newer copy
   * (writes are conditional on the copy judged, where the driver has conditional writes); deletions
   * propagate as their tombstones; unreachable drivers are left for the next run. Idempotent: a second
   * run finds nothing to do. `dryRun` reports what would be written and writes nothing.
   */
  async *sync(options: { dryRun?: boolean; signal?: AbortSignal } = {}): AsyncIterable<DatumRepair> {
    this.assertOpen();
    const { coordinator } = this.parts;
    for (const dataId of await this.mutableIds(options.signal)) {
      yield await this.writes.run(dataId, () =>
        repairMutable(coordinator, this.writeTarget(dataId, options.signal), options),
      );
    }
    for (const record of listImmutableDataRecords(await this.zoneFiles.of(this.name))) {
      throwIfAborted(options.signal, { key: record.dataId });
      yield await repairImmutable(coordinator, record, options);
    }
  }

  /** Resolves when the background read-repairs started so far have ended (see `readRepair`). */
  async settled(): Promise<void> {
    await this.readRepairer?.settled();
  }

  private mutableIds(signal: AbortSignal | undefined): Promise<string[]> {
    const { coordinator, versions, onWarning } = this.parts;
    return knownMutableIds(coordinator, versions, this.name, signal, onWarning);
  }

  /** Closes the drivers (and the registry when `openStorage` opened it). The client is unusable after. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.readRepairer?.stop(); // a read-repair in flight finishes its conditional writes first
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

  /**
   * Brings the driver `options.to` in (every datum copied to it and verified there, then added to the
   * config and its URLs published), and optionally retires one: see `migrateReplicas` (migrate.ts).
   * Open the client with `to` among its drivers, not required-write.
   */
  async migrate(options: MigrateOptions): Promise<MigrationReport> {
    this.assertOpen();
    const { parts } = this;
    const writeTarget = (dataId: string) => this.writeTarget(dataId, options.signal);
    return migrateReplicas(
      { ...parts, zoneFiles: this.zoneFiles, writes: this.writes, writeTarget },
      options,
    );
  }

  /** How one mutable datum of this name stands across the drivers, as `verify` reports it. Reads only. */
  async inspectDatum(dataId: string, options: { signal?: AbortSignal } = {}): Promise<DatumHealth> {
    this.assertOpen();
    validateDataId(dataId);
    return (await inspectMutable(this.parts.coordinator, this.writeTarget(dataId, options.signal))).health;
  }

  /**
   * Makes this machine's next write of `dataId` take version `version` or above (import2017 keeps the
   * versions it imports). A claim in the version cache: nothing is recorded as seen or written.
   */
  async claimVersionFloor(dataId: string, version: number): Promise<void> {
    this.assertOpen();
    validateDataId(dataId);
    if (version > 1) await this.parts.versions.claim(this.name, dataId, version - 1);
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
