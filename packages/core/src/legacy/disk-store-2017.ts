import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_MAX_READ_BYTES } from '../body.js';
import {
  diskFileName2017,
  type Mutable2017Datum,
  type Tombstone2017,
  verifyMutable2017,
  verifyMutableEnvelope,
  verifyTombstone,
  verifyTombstone2017,
} from '../envelope/index.js';
import {
  asStorageError,
  IntegrityError,
  NotFoundError,
  type StorageError,
  TooLargeError,
  UnavailableError,
} from '../errors.js';
import { validateDataId } from '../keys.js';

/** One file of a 2017 disk store's `mutable/` directory, read and verified. */
export type StoreFile2017 =
  | { file: string; kind: 'datum'; datum: Mutable2017Datum }
  | { file: string; kind: 'tombstone'; tombstone: Tombstone2017 }
  /** Not a bsk2 datum nor a tombstone (a 2017 profile's token file, say): left alone. */
  | { file: string; kind: 'other'; reason: string }
  | { file: string; kind: 'invalid'; error: StorageError };

const DRIVER = 'disk-2017';

/**
 * The files of a 2017 disk store (`<dir>/mutable/<fq_data_id>`, as the 2017 disk driver wrote them),
 * in name order, each verified against `publicKey`: a datum or tombstone is valid only when its
 * signature verifies, it is exactly what the 2017 client wrote, it sits under the name its signed
 * `fq_data_id` gives, and its data id is valid here.
 * @throws NotFoundError when `<dir>/mutable` does not exist; UnavailableError when it cannot be read.
 */
export async function* readDiskStore2017(
  dir: string,
  publicKey: Uint8Array,
  maxBytes = DEFAULT_MAX_READ_BYTES,
): AsyncIterable<StoreFile2017> {
  const mutableDir = join(dir, 'mutable');
  let names: string[];
  try {
    const entries = await readdir(mutableDir, { withFileTypes: true });
    names = entries.filter((e) => e.isFile()).map((e) => e.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NotFoundError(`${dir} has no mutable/ directory: not a 2017 disk store`, {
        driver: DRIVER,
        hint: 'Give the 2017 disk driver’s root (by default ~/.blockstack/storage-disk), which holds mutable/.',
      });
    }
    throw new UnavailableError(`Cannot list ${mutableDir}`, { driver: DRIVER, cause: error });
  }
  for (const file of names.sort()) {
    try {
      yield classify(file, await readCapped(join(mutableDir, file), maxBytes, file), publicKey);
    } catch (error) {
      yield { file, kind: 'invalid', error: asStorageError(error, { driver: DRIVER, key: file }) };
    }
  }
}

function classify(file: string, bytes: Uint8Array, publicKey: Uint8Array): StoreFile2017 {
  const head = Buffer.from(bytes.subarray(0, 7)).toString('latin1');
  if (isCurrentFormat(bytes, publicKey)) {
    // The 2017 disk driver and this project's share the default root (~/.blockstack/storage-disk).
    return { file, kind: 'other', reason: 'already in this project’s format' };
  }
  if (head.startsWith('bsk2.')) {
    const datum = verifyMutable2017(bytes, publicKey);
    checkPlace(file, datum.fqDataId, datum.dataId);
    return { file, kind: 'datum', datum };
  }
  if (head === 'delete-') {
    const tombstone = verifyTombstone2017(bytes, publicKey);
    checkPlace(file, tombstone.fqDataId, tombstone.dataId);
    return { file, kind: 'tombstone', tombstone };
  }
  return { file, kind: 'other', reason: 'not a bsk2 datum or a tombstone (a 2017 profile or key file?)' };
}

function isCurrentFormat(bytes: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    const tombstone = verifyTombstone(bytes, publicKey);
    return tombstone.version !== undefined;
  } catch {
    try {
      verifyMutableEnvelope(bytes, publicKey);
      return true;
    } catch {
      return false;
    }
  }
}

/** The signed id decides where a datum belongs: one stored under another name was moved or replayed. */
function checkPlace(file: string, fqDataId: string, dataId: string): void {
  if (diskFileName2017(fqDataId) !== file) {
    throw new IntegrityError(
      `The file ${JSON.stringify(file)} holds the datum signed for ${JSON.stringify(fqDataId)} (moved or replayed?)`,
      { driver: DRIVER, key: file },
    );
  }
  validateDataId(dataId);
}

async function readCapped(path: string, maxBytes: number, file: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) {
      throw new TooLargeError(`${file} is ${size} bytes, over the ${maxBytes}-byte read limit`, {
        driver: DRIVER,
        key: file,
      });
    }
    return new Uint8Array(await handle.readFile());
  } finally {
    await handle.close();
  }
}
