import { randomBytes } from 'node:crypto';
import { constants, type ReadStream } from 'node:fs';
import { lstat, mkdir, open, opendir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  acquireFileLock,
  type Body,
  bodyChunks,
  bytesToStream,
  ConfigurationError,
  ConflictError,
  createKeyValueDriver,
  type DriverCapabilities,
  type DriverFactoryContext,
  InvalidKeyError,
  isStorageError,
  type KeyValueBackend,
  PermissionError,
  type PutOptions,
  type PutResult,
  type StorageDriver,
  type StoredObject,
  syncDirectory,
  UnavailableError,
} from '@blockstack-storage/core/driver';
import {
  DISK_DATA_DIRECTORIES,
  DISK_LOCK_DIRECTORY,
  DISK_TEMP_DIRECTORY,
  diskEtagOf,
  diskLocationOf,
} from './disk-layout.js';

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
  /**
   * Create `root` (and its parents) when it does not exist. Default false: a missing root is an
   * unavailable provider (a disk that is not mounted), never silently replaced by an empty one.
   * `blockstack-storage init` creates the root it configures.
   */
  createRoot?: boolean;
}

export const DISK_DRIVER_NAME = 'disk';
/** A lock is held only around compare-and-rename (microseconds), so a long wait means a stuck peer. */
const LOCK_TIMEOUT_MS = 10_000;
const SMALL_READ_BYTES = 4n * 1024n * 1024n;

/** The default root, `~/.blockstack/storage-disk`, as the 2017 disk driver used. */
export function defaultDiskRoot(): string {
  return join(homedir(), '.blockstack', 'storage-disk');
}

/**
 * A driver that stores every value as one file under `root`:
 * `root/mutable/<encoded id>` and `root/immutable/<sha256>` (see `diskLocationOf`).
 *
 * Writes are atomic and durable: the value streams to a temporary file in `root/.tmp`, which is
 * fsynced, renamed over the target, and the directory fsynced. A crash leaves the old value or the new
 * one, never a part; a reader never sees a partly written file. Read-your-writes comes from the file
 * system (rename is atomic and immediately visible).
 *
 * Conditional writes: the rename (and a delete) happens under a per-key lock file in `root/.locks`,
 * after comparing the current file's etag with `ifMatch` / `ifNoneMatch`, so of two processes
 * replacing the same etag only one wins. The lock is held only for the compare and the rename; a lock
 * left by a killed process is broken (see core's `acquireFileLock`). Locks are per host: two machines
 * sharing one root over a network file system are not serialised.
 *
 * A root that does not exist is an unavailable provider (`UnavailableError`), unless `createRoot`.
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
  private readonly createRoot: boolean;
  private initialized: Promise<void> | undefined;

  constructor(options: DiskDriverOptions) {
    this.root = resolve(options.root ?? defaultDiskRoot());
    this.publicUrl = options.publicUrl?.replace(/\/+$/, '');
    this.fsync = !options.unsafeNoFsync;
    this.createRoot = options.createRoot ?? false;
    this.capabilities = {
      mutable: true,
      immutable: true,
      visibility: this.publicUrl ? 'public' : 'local',
      publicUrls: this.publicUrl !== undefined,
      list: true,
      conditionalWrites: true,
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

  /** Every operation re-checks that the root is there: a disk unmounted after init is unavailable too. */
  private async ready(): Promise<void> {
    await this.init();
    await this.assertRootPresent();
  }

  private async prepare(): Promise<void> {
    if (this.createRoot) await mkdir(this.root, { recursive: true });
    await this.assertRootPresent();
    for (const dir of [...Object.values(DISK_DATA_DIRECTORIES), DISK_TEMP_DIRECTORY, DISK_LOCK_DIRECTORY])
      await mkdir(join(this.root, dir), { recursive: true });
    await this.removeOrphanTempFiles();
  }

  private async assertRootPresent(): Promise<void> {
    const info = await stat(this.root).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (info === undefined) {
      throw new UnavailableError(`The root ${this.root} does not exist`, {
        driver: this.name,
        retryable: false,
        hint: 'Mount the disk that holds it, or fix root in the config; a new root is created by `blockstack-storage init` (or mkdir -p).',
      });
    }
    if (!info.isDirectory()) {
      throw new ConfigurationError(`The root ${this.root} is not a directory`, { driver: this.name });
    }
  }

  /** Temp files of crashed writers (their pid is gone) would otherwise accumulate forever. */
  private async removeOrphanTempFiles(): Promise<void> {
    for (const name of await readdir(join(this.root, DISK_TEMP_DIRECTORY))) {
      const pid = Number(name.split('-')[0]);
      if (Number.isInteger(pid) && pid !== process.pid && !isProcessAlive(pid)) {
        await rm(join(this.root, DISK_TEMP_DIRECTORY, name), { force: true });
      }
    }
  }

  private pathOf(key: string): string {
    return pathInRoot(this.root, key);
  }

  async put(key: string, body: Body, options: PutOptions): Promise<PutResult> {
    await this.ready();
    const target = this.pathOf(key);
    const temp = join(this.root, DISK_TEMP_DIRECTORY, `${process.pid}-${randomBytes(8).toString('hex')}`);
    const handle = await open(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600).catch(
      (error) => {
        throw mapFsError(error, temp);
      },
    );
    let renamed = false;
    try {
      // createKeyValueDriver ends this stream on an abort or past maxObjectBytes, so the rename below
      // only happens for a whole value within the limit.
      for await (const chunk of bodyChunks(body)) await handle.write(chunk);
      if (this.fsync) await handle.sync();
      // The etag is read from the handle before the rename: once renamed, another writer may replace it.
      const etag = diskEtagOf(await handle.stat({ bigint: true }));
      await handle.close();
      await this.underLock(key, async () => {
        await this.checkCondition(key, target, options);
        await rename(temp, target);
        renamed = true;
      });
      if (this.fsync) await syncDirectory(join(target, '..'));
      return { etag, ...(this.publicUrl ? { url: this.url(key) } : {}) };
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
    await this.ready();
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
      const etag = diskEtagOf(info);
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
    await this.ready();
    const path = this.pathOf(key);
    // Under the key's lock, so a delete cannot slip between a conditional put's compare and rename.
    const removed = await this.underLock(key, async () => {
      try {
        await unlink(path);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw mapFsError(error, path);
      }
    });
    if (removed && this.fsync) await syncDirectory(join(path, '..'));
  }

  /** Runs `op` holding the per-key lock (keys are `[a-z0-9_.~/-]`, so `@` for `/` is injective). */
  private async underLock<T>(key: string, op: () => Promise<T>): Promise<T> {
    const lock = await acquireFileLock(
      join(this.root, DISK_LOCK_DIRECTORY, key.replaceAll('/', '@')),
      LOCK_TIMEOUT_MS,
      'Another process holds this key of the [disk] root; retry.',
    );
    try {
      return await op();
    } finally {
      await lock.release();
    }
  }

  /** @throws ConflictError when the current file does not satisfy `ifMatch` / `ifNoneMatch`. */
  private async checkCondition(key: string, target: string, options: PutOptions): Promise<void> {
    if (options.ifMatch === undefined && options.ifNoneMatch === undefined) return;
    const info = await lstat(target, { bigint: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    const current = info === undefined ? undefined : diskEtagOf(info);
    if (options.ifNoneMatch === '*' && current !== undefined) {
      throw new ConflictError('A value already exists (ifNoneMatch: *)', { driver: this.name, key });
    }
    if (options.ifMatch !== undefined && current !== options.ifMatch) {
      throw new ConflictError(
        current === undefined
          ? 'The value to replace (ifMatch) no longer exists'
          : 'The value changed since it was read (ifMatch)',
        { driver: this.name, key },
      );
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    await this.ready();
    const dir = join(this.root, prefix.replace(/\/$/, ''));
    for await (const entry of await opendir(dir)) {
      if (entry.isFile()) yield `${prefix}${entry.name}`;
    }
  }

  url(key: string): string | undefined {
    return this.publicUrl ? `${this.publicUrl}/${key}` : undefined;
  }
}

/**
 * The file of `key` under `root`. Keys come from core's encoder ([a-z0-9_.~-] segments), so this
 * check is defence in depth. Exported for its test only (the package index does not re-export it).
 * @throws InvalidKeyError (not retryable) when the key names no value file inside the root.
 */
export function pathInRoot(root: string, key: string): string {
  const location = diskLocationOf(root, key);
  if (location === undefined) {
    throw new InvalidKeyError(`The key names no value file inside the [disk] root ${root}`, {
      driver: DISK_DRIVER_NAME,
      key,
      hint: 'Keys reach drivers encoded by the core, so this is a bug: report it with the key.',
    });
  }
  return location.path;
}

async function* streamChunks(stream: ReadStream): AsyncIterable<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } finally {
    stream.destroy();
  }
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
