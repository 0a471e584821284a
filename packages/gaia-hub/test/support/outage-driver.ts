import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StorageDriver, UnavailableError } from '@blockstack-storage/core';
import { createDiskDriver } from '@blockstack-storage/driver-disk';

/** A driver under another name that, while `down` is set, fails every call as a provider outage would. */
export interface OutageDriver extends StorageDriver {
  down: boolean;
  /** Awaited before each call reaches the disk (after the outage check), e.g. to act in the middle of one. */
  beforeCall?: (operation: string, key: string) => Promise<void> | void;
  /** Removes the driver's files. */
  remove(): Promise<void>;
}

/**
 * A disk driver in a fresh temporary directory, named `name` (so two of them can be told apart in
 * `requiredWrite`), that can be taken down and brought back. A call started before `down` is set
 * completes; only calls started while it is set fail. `canList: false` hides its listing (so the hub
 * lists another driver).
 */
export async function diskWithOutages(
  name: string,
  options: { canList?: boolean } = {},
): Promise<OutageDriver> {
  const root = await mkdtemp(join(tmpdir(), `gaia-hub-${name}-`));
  const disk = createDiskDriver({ root });
  await disk.init?.();
  const driver: OutageDriver = {
    name,
    capabilities: { ...disk.capabilities, list: options.canList ?? true },
    down: false,
    putImmutable: (hash, body, options) =>
      up('putImmutable', hash).then(() => disk.putImmutable(hash, body, options)),
    getImmutable: (hash, options) => up('getImmutable', hash).then(() => disk.getImmutable(hash, options)),
    deleteImmutable: (hash, options) =>
      up('deleteImmutable', hash).then(() => disk.deleteImmutable(hash, options)),
    putMutable: (id, body, options) => up('putMutable', id).then(() => disk.putMutable(id, body, options)),
    getMutable: (id, options) => up('getMutable', id).then(() => disk.getMutable(id, options)),
    deleteMutable: (id, options) => up('deleteMutable', id).then(() => disk.deleteMutable(id, options)),
    async *listMutable(options) {
      await up('listMutable', options?.prefix ?? '');
      yield* disk.listMutable!(options);
    },
    close: () => disk.close?.() ?? Promise.resolve(),
    async remove() {
      await disk.close?.();
      await rm(root, { recursive: true, force: true });
    },
  };
  async function up(operation: string, key: string): Promise<void> {
    if (driver.down) throw new UnavailableError('The test took this driver down.', { driver: name, key });
    await driver.beforeCall?.(operation, key);
  }
  return driver;
}
