import { checkConditions, type FileStore, type NewestCopy, type StoreConditions } from './file-store.js';
import { doesNotExistError, HubError, storageUnavailableError } from './hub-errors.js';
import type { StoredFileHeader } from './stored-file.js';

export const HISTORY_PREFIX = '.history.';
/** Tries of an archival write without client conditions whose kept version was replaced meanwhile. */
const ARCHIVAL_ATTEMPTS = 16;

/**
 * An archival token's store: the client's conditions are checked against the newest file first, so a
 * refused store (412) keeps nothing; then that file is kept as `.history.<ms>.<random>.<name>` beside it,
 * and the store is made conditional on its ETag, so the version kept is the one the store replaces.
 *
 * If another store replaces the file between the keeping and the store, the store is refused: with the
 * client's own If-Match / If-None-Match that is their 412; without, the newer file is kept too and the
 * store tried again. A history copy left by a refused try holds a version that did exist, so it is
 * harmless, and nothing the store replaced goes unkept.
 */
export async function storeKeepingHistory(
  store: FileStore,
  address: string,
  path: string,
  bytes: Uint8Array,
  contentType: string,
  conditions: StoreConditions,
): Promise<StoredFileHeader> {
  const key = `${address}/${path}`;
  const clientConditional = conditions.ifMatch !== undefined || conditions.ifNoneMatch !== undefined;
  for (let attempt = 1; ; attempt++) {
    const current = await store.newest(key);
    try {
      checkConditions(conditions, current?.header);
    } catch (error) {
      await current?.close();
      throw error;
    }
    const replacing: StoreConditions =
      current === undefined ? { ifNoneMatch: '*' } : { ifMatch: current.header.etag };
    if (current !== undefined) await keep(store, address, path, current);
    try {
      return await store.store(key, bytes, contentType, replacing);
    } catch (error) {
      if (clientConditional || !isStatus(error, 412)) throw error;
      if (attempt >= ARCHIVAL_ATTEMPTS) throw keptChanging(key, attempt);
    }
  }
}

/**
 * An archival token's delete: the newest file is kept as a history copy, then deleted only if it is
 * still the newest (a store racing in is kept in its turn, then deleted).
 * @throws HubError 404 when the file does not exist.
 */
export async function deleteKeepingHistory(store: FileStore, address: string, path: string): Promise<void> {
  const key = `${address}/${path}`;
  for (let attempt = 1; ; attempt++) {
    const current = await store.newest(key);
    if (current === undefined) {
      if (attempt === 1) throw doesNotExistError(`${key} does not exist.`);
      return; // deleted by a racing delete since it was kept
    }
    const { etag } = current.header;
    await keep(store, address, path, current);
    try {
      await store.delete(key, { ifMatch: etag });
      return;
    } catch (error) {
      if (isStatus(error, 404)) return; // deleted by a racing delete since it was kept
      if (!isStatus(error, 412)) throw error;
      if (attempt >= ARCHIVAL_ATTEMPTS) throw keptChanging(key, attempt);
    }
  }
}

export function isHistoryName(path: string): boolean {
  return (path.split('/').pop() ?? '').startsWith(HISTORY_PREFIX);
}

/** Stores `current` (read to its end here) as a new history file beside `path`. */
async function keep(store: FileStore, address: string, path: string, current: NewestCopy): Promise<void> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of current.body) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  const slash = path.lastIndexOf('/');
  const historyPath = `${path.slice(0, slash + 1)}${HISTORY_PREFIX}${Date.now()}.${Math.random().toString(36).slice(2, 10)}.${path.slice(slash + 1)}`;
  await store.store(`${address}/${historyPath}`, new Uint8Array(bytes), current.header.contentType, {
    ifNoneMatch: '*',
  });
}

function isStatus(error: unknown, status: number): boolean {
  return error instanceof HubError && error.status === status;
}

function keptChanging(key: string, attempts: number): HubError {
  return storageUnavailableError(`${key} kept changing under ${attempts} attempts to write it: retry later.`);
}
