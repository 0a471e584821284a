import { bytesEqual } from '../body.js';
import type { StorageClient } from '../client/storage-client.js';
import type { Mutable2017Datum } from '../envelope/index.js';
import { asStorageError, type StorageError, throwIfAborted, UnavailableError } from '../errors.js';
import { readDiskStore2017, type StoreFile2017 } from './disk-store-2017.js';

/** Options of `import2017`. */
export interface Import2017Options {
  /** Verify the 2017 data with this public key instead of the client's data key (a 2017 key of its own). */
  publicKey?: Uint8Array;
  /**
   * Encrypt the imported values to the client's own key. Default false: they are stored signed but not
   * encrypted, as the 2017 client stored them (an application that wanted them private had encrypted
   * them before they were put).
   */
  encrypt?: boolean;
  /** Verify and report what would be imported; write nothing. */
  dryRun?: boolean;
  signal?: AbortSignal;
}

/**
 * What became of one file of the 2017 store:
 * - `imported`: stored as `version` (at least the 2017 version), or would be on a dry run;
 * - `already`: the store holds these very data at `version` ≥ the 2017 version (an earlier run);
 * - `kept`: the store holds another value or a deletion of this id: left as it is;
 * - `superseded`: another device's blob of the same data id is newer (that one is imported), or a
 *   later 2017 tombstone deleted it;
 * - `deleted`: a verified 2017 tombstone (a deletion: nothing to store);
 * - `skipped`: not a 2017 mutable datum (a profile's token file, say): left alone;
 * - `invalid`: refused (`error`: bad signature, not what the 2017 client wrote, moved, bad id);
 * - `failed`: could not be stored, or the store could not be read (`error`).
 */
export type Import2017Status =
  | 'imported'
  | 'already'
  | 'kept'
  | 'superseded'
  | 'deleted'
  | 'skipped'
  | 'invalid'
  | 'failed';

export interface Import2017Outcome {
  /** The file's name under `mutable/` (the 2017 `fq_data_id`). */
  file: string;
  status: Import2017Status;
  /** The data id it is (or would be) stored under. */
  dataId?: string;
  /** The 2017 device that wrote it. */
  deviceId?: string;
  /** The version the 2017 client gave it. */
  version2017?: number;
  /** The version this store holds of the data id after the import. */
  version?: number;
  /** Why it was kept, skipped or superseded. */
  reason?: string;
  /** Why it is invalid or failed. */
  error?: StorageError;
}

/**
 * Re-stores the mutable data of a 2017 client's disk store (`<dir>/mutable/<fq_data_id>`) under this
 * project's format, through `client` (every configured driver, as a put does), one outcome per file.
 *
 * Each blob is verified first (signature against the data key or `options.publicKey`, exact 2017
 * payload, stored under its own signed name); of several devices' blobs of one data id the highest
 * 2017 version is imported. A datum is stored as a new version numbered at least its 2017 version, so a
 * reader that saw version n never goes back, and only where the store holds nothing of that id yet:
 * anything there (a value, a deletion) is kept. Idempotent and resumable: a datum an earlier run
 * stored is found at its version and reported `already`. Text is stored as its UTF-8 bytes, any other
 * JSON value as its JSON text, never base64-decoded.
 * @throws NotFoundError when `<dir>/mutable` does not exist; AbortedError when aborted. Anything that
 *   goes wrong with one file is that file's outcome.
 */
export async function* import2017(
  client: StorageClient,
  dir: string,
  options: Import2017Options = {},
): AsyncIterable<Import2017Outcome> {
  const files: StoreFile2017[] = [];
  for await (const file of readDiskStore2017(dir, options.publicKey ?? client.publicKey)) files.push(file);
  const byDataId = new Map<string, StoreFile2017[]>();
  for (const file of files) {
    if (file.kind === 'other') yield { file: file.file, status: 'skipped', reason: file.reason };
    else if (file.kind === 'invalid') yield { file: file.file, status: 'invalid', error: file.error };
    else {
      const dataId = file.kind === 'datum' ? file.datum.dataId : file.tombstone.dataId;
      byDataId.set(dataId, [...(byDataId.get(dataId) ?? []), file]);
    }
  }
  for (const [dataId, group] of byDataId) {
    throwIfAborted(options.signal, { key: dataId });
    yield* importGroup(client, dataId, group, options);
  }
}

/** The blobs of one data id from every device: the newest value is imported, unless deleted later. */
async function* importGroup(
  client: StorageClient,
  dataId: string,
  group: readonly StoreFile2017[],
  options: Import2017Options,
): AsyncIterable<Import2017Outcome> {
  const data = group.flatMap((f) => (f.kind === 'datum' ? [{ file: f.file, datum: f.datum }] : []));
  const tombstones = group.flatMap((f) =>
    f.kind === 'tombstone' ? [{ file: f.file, tombstone: f.tombstone }] : [],
  );
  const newest = data.reduce<(typeof data)[number] | undefined>(
    (best, d) =>
      best === undefined ||
      d.datum.version > best.datum.version ||
      (d.datum.version === best.datum.version && d.datum.timestamp > best.datum.timestamp)
        ? d
        : best,
    undefined,
  );
  const lastDeletion = Math.max(-1, ...tombstones.map((t) => t.tombstone.millis));
  // Value timestamps are whole seconds: a deletion counts as later only after that whole second.
  const deletedLater = newest !== undefined && lastDeletion > newest.datum.timestamp * 1000 + 999;
  for (const { file, tombstone } of tombstones) {
    yield withDevice({ file, status: 'deleted', dataId }, tombstone.deviceId);
  }
  for (const { file, datum } of data) {
    if (datum === newest?.datum && !deletedLater) continue;
    const reason = deletedLater
      ? 'a later 2017 tombstone deleted it'
      : `${newest!.file} is newer (version ${newest!.datum.version})`;
    yield withDevice(
      { file, status: 'superseded', dataId, version2017: datum.version, reason },
      datum.deviceId,
    );
  }
  if (newest !== undefined && !deletedLater) {
    yield withDevice(await importDatum(client, newest.file, newest.datum, options), newest.datum.deviceId);
  }
}

async function importDatum(
  client: StorageClient,
  file: string,
  datum: Mutable2017Datum,
  options: Import2017Options,
): Promise<Import2017Outcome> {
  const { dataId, version: version2017 } = datum;
  const outcome = { file, dataId, version2017 };
  try {
    const health = await client.inspectDatum(dataId, { signal: options.signal });
    const unreachable = health.copies.find((c) => c.state === 'unreachable');
    if (unreachable !== undefined) {
      throw new UnavailableError(`Cannot tell whether ${JSON.stringify(dataId)} is already stored`, {
        driver: unreachable.driver,
        key: dataId,
        cause: unreachable.error,
        hint: 'Run the import again when the driver is back.',
      });
    }
    if (health.newestVersion !== undefined) {
      const held = { ...outcome, version: health.newestVersion };
      if (health.deleted)
        return { ...held, status: 'kept', reason: `deleted in this store (version ${health.newestVersion})` };
      const current = await client.getMutable(dataId, {
        decrypt: options.encrypt === true,
        signal: options.signal,
      });
      if (current !== null && current.version >= version2017 && bytesEqual(current.data, datum.data)) {
        return { ...outcome, status: 'already', version: current.version };
      }
      return {
        ...held,
        status: 'kept',
        reason: `this store holds another value (version ${health.newestVersion})`,
      };
    }
    if (options.dryRun) return { ...outcome, status: 'imported', reason: 'dry run: nothing written' };
    await client.claimVersionFloor(dataId, version2017);
    const put = await client.putMutable(dataId, datum.data, {
      public: options.encrypt !== true,
      signal: options.signal,
    });
    return { ...outcome, status: 'imported', version: put.version };
  } catch (error) {
    throwIfAborted(options.signal, { key: dataId });
    return { ...outcome, status: 'failed', error: asStorageError(error, { key: dataId }) };
  }
}

function withDevice(outcome: Import2017Outcome, deviceId: string | undefined): Import2017Outcome {
  return deviceId === undefined ? outcome : { ...outcome, deviceId };
}
