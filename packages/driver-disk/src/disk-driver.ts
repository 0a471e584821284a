import { randomBytes } from 'node:crypto';
import { constants, type ReadStream } from 'node:fs';
import { mkdir, open, opendir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import {
  AbortedError,
  type Body,
  bodyChunks,
  bytesToStream,
  ConfigurationError,
  createKeyValueDriver,
  type DriverCapabilities,
  type DriverFactoryContext,
  isStorageError,
  type KeyValueBackend,
  PermissionError,
  type PutOptions,
  type PutResult,
  type StorageDriver,
  type StoredObject,
  syncDirectory,
  TooLargeError,
  UnavailableError,
} from '@blockstack-storage/core';

export interface DiskDriverOptions {
  /** Directory that holds `mutable/` and `immutable/`. Default `~/.blockstack/storage-disk`. */
  root?: string;
  /**
   * Base URL at which this root is served read-only over HTTP (e.g. by `blockstack-storage serve`).
   * When set, the driver is visible to other clients and gives public URLs; otherwise it is local-only.
   */
  publicUrl?: string;
  /** Largest value accepted, in bytes. Default: no limit. */
  maxObjectBytes?: number;
  /** Skip fsync (tests and benchmarks only: a crash may then lose acknowledged writes). */
  unsafeNoFsync?: boolean;
}

export const DISK_DRIVER_NAME = 'disk';
const TEMP_DIR = '.tmp';
const SMALL_READ_BYTES = 4n * 1024n * 1024n;

/** The default root, `~/.blockstack/storage-disk`, as the 2017 disk driver used. */
export function defaultDiskRoot(): string {
  return join(homedir(), '.blockstack', 'storage-disk');
}

/**
 * A driver that stores every value as one file under `root`:
 * `root/mutable/<encoded id>` and `root/immutable/<sha256>`.
 *
 * Writes are atomic and durable: the value streams to a temporary file in `root/.tmp`, which is
 * fsynced, renamed over the target, and the directory fsynced. A crash leaves the old value or the new
 * one, never a part; a reader never sees a partly written file. Read-your-writes comes from the file
 * system (rename is atomic and immediately visible).
 */
export function createDiskDriver(options: DiskDriverOptions = {}): StorageDriver {
  return createKeyValueDriver(new DiskBackend(options));
}

/** `DriverModule.create`: builds the driver from the `[disk]` config section (`root`, `public_url`). */
export function createDiskDriverFromConfig(
  config: Readonly<Record<string, string>>,
  context: DriverFactoryContext = {},
): StorageDriver {
  const where = context.configPath ? ` in ${context.configPath}` : '';
  const maxObjectBytes = config.max_object_bytes === undefined ? undefined : Number(config.max_object_bytes);
  if (maxObjectBytes !== undefined && !(Number.isSafeInteger(maxObjectBytes) && maxObjectBytes > 0)) {
    throw new ConfigurationError(`[disk] max_object_bytes${where} must be a positive whole number of bytes`, {
      driver: DISK_DRIVER_NAME,
    });
  }
  if (config.public_url !== undefined && !URL.canParse(config.public_url)) {
    throw new ConfigurationError(`[disk] public_url${where} is not a URL`, {
      driver: DISK_DRIVER_NAME,
      hint: 'Use the address `blockstack-storage serve` listens on, e.g. http://127.0.0.1:6270.',
    });
  }
  return createDiskDriver({
    root: config.root ? expandHome(config.root) : undefined,
    publicUrl: config.public_url,
    maxObjectBytes,
  });
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

class DiskBackend implements KeyValueBackend {
  readonly name = DISK_DRIVER_NAME;
  readonly capabilities: DriverCapabilities;
  private readonly root: string;
  private readonly publicUrl: string | undefined;
  private readonly fsync: boolean;
  private initialized: Promise<void> | undefined;

  constructor(options: DiskDriverOptions) {
    this.root = resolve(options.root ?? defaultDiskRoot());
    this.publicUrl = options.publicUrl?.replace(/\/+$/, '');
    this.fsync = !options.unsafeNoFsync;
    this.capabilities = {
      mutable: true,
      immutable: true,
      visibility: this.publicUrl ? 'public' : 'local',
      publicUrls: this.publicUrl !== undefined,
      list: true,
      conditionalWrites: false,
      maxObjectBytes: options.maxObjectBytes,
      readYourWrites: 'provider',
    };
  }

  init(): Promise<void> {
    this.initialized ??= this.prepare().catch((error) => {
      this.initialized = undefined;
      throw mapFsError(error, this.root);
    });
    return this.initialized;
  }

  private async prepare(): Promise<void> {
    for (const dir of ['mutable', 'immutable', TEMP_DIR])
      await mkdir(join(this.root, dir), { recursive: true });
    await this.removeOrphanTempFiles();
  }

  /** Temp files of crashed writers (their pid is gone) would otherwise accumulate forever. */
  private async removeOrphanTempFiles(): Promise<void> {
    for (const name of await readdir(join(this.root, TEMP_DIR))) {
      const pid = Number(name.split('-')[0]);
      if (Number.isInteger(pid) && pid !== process.pid && !isProcessAlive(pid)) {
        await rm(join(this.root, TEMP_DIR, name), { force: true });
      }
    }
  }

  private pathOf(key: string): string {
    // Keys come from core's encoder ([a-z0-9_.~-] segments): this check is defence in depth.
    const path = resolve(this.root, ...key.split('/'));
    if (!path.startsWith(this.root + sep)) throw new Error(`key escapes the root: ${key}`);
    return path;
  }

  async put(key: string, body: Body, options: PutOptions): Promise<PutResult> {
    await this.init();
    const target = this.pathOf(key);
    const temp = join(this.root, TEMP_DIR, `${process.pid}-${randomBytes(8).toString('hex')}`);
    const limit = this.capabilities.maxObjectBytes ?? Number.POSITIVE_INFINITY;
    const handle = await open(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600).catch(
      (error) => {
        throw mapFsError(error, temp);
      },
    );
    let renamed = false;
    try {
      let written = 0;
      for await (const chunk of bodyChunks(body)) {
        if (options.signal?.aborted)
          throw new AbortedError('Put aborted', { driver: this.name, cause: options.signal.reason });
        written += chunk.byteLength;
        if (written > limit)
          throw new TooLargeError(`Value exceeds the ${limit}-byte limit`, { driver: this.name });
        await handle.write(chunk);
      }
      if (options.signal?.aborted)
        throw new AbortedError('Put aborted', { driver: this.name, cause: options.signal.reason });
      if (this.fsync) await handle.sync();
      await handle.close();
      await rename(temp, target);
      renamed = true;
      if (this.fsync) await syncDirectory(join(target, '..'));
      const info = await stat(target, { bigint: true });
      return { etag: etagOf(info), ...(this.publicUrl ? { url: this.url(key) } : {}) };
    } catch (error) {
      throw mapFsError(error, target);
    } finally {
      if (!renamed) {
        await handle.close().catch(() => {});
        await unlink(temp).catch(() => {});
      }
    }
  }

  async get(key: string): Promise<StoredObject | null> {
    await this.init();
    const path = this.pathOf(key);
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw mapFsError(error, path);
    }
    try {
      const info = await handle.stat({ bigint: true });
      const etag = etagOf(info);
      // The open handle pins the file: a concurrent rename over it cannot tear this read.
      if (info.size <= SMALL_READ_BYTES) {
        // One read call beats a stream's machinery for the small values most data is.
        const bytes = await handle.readFile();
        await handle.close();
        return { body: bytesToStream(bytes), size: bytes.byteLength, etag };
      }
      // The stream owns the handle from here: it closes it at the end, on an error, or when the reader
      // stops early (closing it a second time here could close an unrelated, reused descriptor).
      const stream = handle.createReadStream({ highWaterMark: 1024 * 1024, autoClose: true });
      return { body: streamChunks(stream), size: Number(info.size), etag };
    } catch (error) {
      await handle.close();
      throw mapFsError(error, path);
    }
  }

  async delete(key: string): Promise<void> {
    await this.init();
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw mapFsError(error, path);
    }
    if (this.fsync) await syncDirectory(join(path, '..'));
  }

  async *list(prefix: string): AsyncIterable<string> {
    await this.init();
    const dir = join(this.root, prefix.replace(/\/$/, ''));
    for await (const entry of await opendir(dir)) {
      if (entry.isFile()) yield `${prefix}${entry.name}`;
    }
  }

  url(key: string): string | undefined {
    return this.publicUrl ? `${this.publicUrl}/${key}` : undefined;
  }
}

async function* streamChunks(stream: ReadStream): AsyncIterable<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } finally {
    stream.destroy();
  }
}

function etagOf(info: { ino: bigint; size: bigint; mtimeNs: bigint }): string {
  // Every write renames a new file into place, so the inode changes with each version.
  return `"${info.ino.toString(16)}-${info.size.toString(16)}-${info.mtimeNs.toString(16)}"`;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function mapFsError(error: unknown, path: string): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const context = { driver: DISK_DRIVER_NAME, cause: error };
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new PermissionError(`Cannot write ${path} (${code})`, {
      ...context,
      hint: 'Check the owner and mode of the [disk] root directory.',
    });
  }
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new UnavailableError(`No space left for ${path} (${code})`, {
      ...context,
      retryable: false,
      hint: 'Free disk space.',
    });
  }
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    return new ConfigurationError(`The [disk] root layout is broken at ${path} (${code})`, {
      ...context,
      hint: 'The root must be a directory that only this driver writes to.',
    });
  }
  if (isStorageError(error)) return error;
  return error instanceof Error ? error : new UnavailableError(String(error), context);
}
