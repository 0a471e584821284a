import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  bodyChunks,
  createKeyValueDriver,
  type DriverCapabilities,
  type StorageDriver,
} from '../../src/driver-kit.js';

export interface TempDirDriverOptions {
  name?: string;
  root: string;
  /** URL at which `root` is served over HTTP; makes the driver public. */
  publicUrl?: string;
}

/**
 * A tiny file driver for core's tests (core may not depend on driver-disk): `root/<key>`, written via a
 * temp file and rename so readers never see a partial value. No fsync: test data only.
 */
export function createTempDirDriver(
  options: TempDirDriverOptions,
): StorageDriver & { pathOf(key: string): string } {
  const publicUrl = options.publicUrl?.replace(/\/+$/, '');
  const capabilities: DriverCapabilities = {
    mutable: true,
    immutable: true,
    visibility: publicUrl ? 'public' : 'local',
    publicUrls: publicUrl !== undefined,
    list: false,
    conditionalWrites: false,
    readYourWrites: 'provider',
  };
  const pathOf = (key: string) => join(options.root, ...key.split('/'));
  const driver = createKeyValueDriver({
    name: options.name ?? 'tempdir',
    capabilities,
    async put(key, body) {
      const target = pathOf(key);
      await mkdir(dirname(target), { recursive: true });
      const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
      const handle = await open(temp, 'w');
      try {
        for await (const chunk of bodyChunks(body)) await handle.write(chunk);
      } finally {
        await handle.close();
      }
      await rename(temp, target);
      return publicUrl ? { url: `${publicUrl}/${key}` } : {};
    },
    async get(key) {
      const path = pathOf(key);
      try {
        const info = await stat(path);
        return { body: createReadStream(path), size: info.size };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    ...(publicUrl ? { url: (key: string) => `${publicUrl}/${key}` } : {}),
  });
  return Object.assign(driver, { pathOf });
}
