import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { hash160 } from '../crypto/hash.js';
import { bytesToHex } from '../crypto/hex.js';
import {
  ConflictError,
  IntegrityError,
  InvalidKeyError,
  NotFoundError,
  TooLargeError,
  UnavailableError,
} from '../errors.js';
import { fileKind, readRegularFile } from '../regular-file.js';
import { syncDirectory } from '../sync-directory.js';
import { acquireFileLock } from './file-lock.js';
import { GENESIS_HASH, ledgerRecordLine, makeLedgerRecord, parseLedgerLine } from './ledger-record.js';
import type { CurrentZoneFile, LedgerRecord, NameRegistry, NameUpdateOptions } from './name-registry.js';

/** Options of `openLocalLedger`. */
export interface LocalLedgerOptions {
  /** Largest zone file accepted, in bytes of UTF-8. Default 40960 (what Stacks BNS accepts). */
  maxZoneFileBytes?: number;
  /** How long to wait for another process's lock before failing. Default 10 000 ms. */
  lockTimeoutMs?: number;
}

/** The embedded registry, plus `close`. */
export interface LocalLedger extends NameRegistry {
  /** The ledger file, for messages and tools. */
  readonly path: string;
  /** The zone file text with this hash160 (hex), verified, or `null` if the ledger does not hold it. */
  zoneFileByHash(zoneFileHash: string): Promise<string | null>;
  /** Stops using the ledger; later calls fail. Nothing is left open between calls. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_ZONE_FILE_BYTES = 40960;
const RECOVERY_HINT =
  'The ledger was edited or truncated: restore the ledger directory from a backup. Without one, recoverLedger (openStorage({ recoverLedger: true }), or "blockstack-storage init --recover-ledger") sets it aside and registers the name again with its data key: mutable data stays readable, immutable records are lost.';
/** `head.json` is one short JSON line; anything much bigger is not one. */
const MAX_HEAD_BYTES = 4096;
const NAME = /^[a-z0-9_+-]+(\.[a-z0-9_+-]+){1,2}$/;

/**
 * Opens (creating if needed) the append-only, hash-chained ledger in `<metadataDir>/ledger/`:
 * `ledger.jsonl` (one canonical JSON record a line), `head.json` (the last record's seq and hash,
 * which catches whole lines cut off the end), `zonefiles/<hash160>.txt`, and `ledger.lock`.
 *
 * Every append happens under the lock file, re-reads and re-verifies whatever other processes
 * appended since, then writes the zone file, appends one line with O_APPEND and fsync, and updates
 * the head. Reads pick up other processes' appends the same way.
 * @throws IntegrityError naming the file and line when the ledger was edited or truncated.
 */
export async function openLocalLedger(
  metadataDir: string,
  options: LocalLedgerOptions = {},
): Promise<LocalLedger> {
  const ledger = new Ledger(join(metadataDir, 'ledger'), options);
  await ledger.open();
  return ledger;
}

class Ledger implements LocalLedger {
  readonly path: string;
  readonly #zoneDir: string;
  readonly #headPath: string;
  readonly #lockPath: string;
  readonly #maxZoneFileBytes: number;
  readonly #lockTimeoutMs: number;
  #records: LedgerRecord[] = [];
  #byName = new Map<string, LedgerRecord[]>();
  /** Bytes of the ledger file verified so far. */
  #verifiedBytes = 0;
  #closed = false;
  /** Serialises this instance's own operations (the lock file serialises processes). */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(dir: string, options: LocalLedgerOptions) {
    this.path = join(dir, 'ledger.jsonl');
    this.#zoneDir = join(dir, 'zonefiles');
    this.#headPath = join(dir, 'head.json');
    this.#lockPath = join(dir, 'ledger.lock');
    this.#maxZoneFileBytes = options.maxZoneFileBytes ?? DEFAULT_MAX_ZONE_FILE_BYTES;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
  }

  async open(): Promise<void> {
    await mkdir(this.#zoneDir, { recursive: true, mode: 0o700 });
    await this.#locked(async () => {
      await this.#catchUp(true);
      await this.#checkHead();
    });
  }

  register(name: string, zoneFileText: string): Promise<{ txid: string }> {
    return this.#append('NAME_REGISTRATION', name, zoneFileText);
  }

  nameUpdate(name: string, zoneFileText: string, options: NameUpdateOptions = {}): Promise<{ txid: string }> {
    return this.#append('NAME_UPDATE', name, zoneFileText, options.ifTxid);
  }

  getZoneFile(name: string): Promise<CurrentZoneFile | null> {
    return this.#serial(async () => {
      await this.#catchUp(false);
      const current = this.#byName.get(name)?.at(-1);
      if (!current) return null;
      const text = await this.#readZoneFile(current.zoneFileHash);
      if (text === null) {
        throw new IntegrityError(
          `The zone file ${this.#zonePath(current.zoneFileHash)} of txid ${current.txid} is missing`,
          { key: name, hint: RECOVERY_HINT },
        );
      }
      return { text, txid: current.txid, zoneFileHash: current.zoneFileHash };
    });
  }

  history(name: string): Promise<LedgerRecord[]> {
    return this.#serial(async () => {
      await this.#catchUp(false);
      return (this.#byName.get(name) ?? []).map((r) => ({ ...r }));
    });
  }

  zoneFileByHash(zoneFileHash: string): Promise<string | null> {
    return this.#serial(async () => {
      if (!/^[0-9a-f]{40}$/.test(zoneFileHash)) {
        throw new InvalidKeyError('A zone file hash is 40 lowercase hex characters', { key: zoneFileHash });
      }
      return this.#readZoneFile(zoneFileHash);
    });
  }

  async close(): Promise<void> {
    await this.#serial(async () => {
      this.#closed = true;
    });
  }

  #append(
    op: LedgerRecord['op'],
    name: string,
    zoneFileText: string,
    ifTxid?: string,
  ): Promise<{ txid: string }> {
    if (typeof name !== 'string' || name.length > 255 || !NAME.test(name)) {
      return Promise.reject(
        new InvalidKeyError(`${JSON.stringify(name)} is not a valid name`, {
          hint: 'Names are lowercase name.namespace (or sub.name.namespace) of [a-z0-9_+-], e.g. alice.id.',
        }),
      );
    }
    if (typeof zoneFileText !== 'string')
      return Promise.reject(new InvalidKeyError('The zone file must be text'));
    const bytes = Buffer.from(zoneFileText, 'utf8');
    if (bytes.byteLength > this.#maxZoneFileBytes) {
      return Promise.reject(
        new TooLargeError(
          `The zone file is ${bytes.byteLength} bytes; the ledger accepts at most ${this.#maxZoneFileBytes}`,
          { key: name, hint: 'Move records out of the zone file (e.g. into a signed index it points to).' },
        ),
      );
    }
    return this.#locked(async () => {
      await this.#catchUp(true);
      const history = this.#byName.get(name);
      const current = history?.at(-1);
      if (op === 'NAME_REGISTRATION' && current) {
        throw new ConflictError(`The name ${name} is already registered (txid ${current.txid})`, {
          hint: 'Use nameUpdate to change its zone file.',
        });
      }
      if (op === 'NAME_UPDATE' && !current) {
        throw new NotFoundError(`The name ${name} is not registered`, { hint: 'Register it first.' });
      }
      if (ifTxid !== undefined && current?.txid !== ifTxid) {
        throw new ConflictError(
          `The zone file of ${name} changed: its current txid is ${current?.txid}, not ${ifTxid}`,
          { hint: 'Re-read the zone file, re-apply the change and retry.' },
        );
      }
      const zoneFileHash = bytesToHex(hash160(bytes));
      await this.#writeZoneFile(zoneFileHash, bytes);
      const last = this.#records.at(-1);
      const record = makeLedgerRecord(
        {
          seq: this.#records.length + 1,
          op,
          name,
          zoneFileHash,
          prevTxid: current?.txid ?? null,
          // Never before the previous record, even if the clock stepped back.
          timestamp: Math.max(Date.now(), last?.timestamp ?? 0),
        },
        last?.hash ?? GENESIS_HASH,
      );
      const line = Buffer.from(`${ledgerRecordLine(record)}\n`, 'utf8');
      const handle = await open(
        this.path,
        constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT,
        0o600,
      );
      try {
        await writeAll(handle, line);
        await handle.sync();
      } finally {
        await handle.close();
      }
      this.#verifiedBytes += line.byteLength;
      this.#add(record);
      await this.#writeHead(record);
      return { txid: record.txid };
    });
  }

  /** Reads and verifies whatever was appended since the last look. */
  async #catchUp(holdingLock: boolean): Promise<void> {
    let size: number;
    try {
      const info = await stat(this.path);
      // A FIFO here would block the append's open() (and its size says nothing about its records).
      if (!info.isFile())
        throw this.#corrupt(this.#records.length, `it is ${fileKind(info)}, not a regular file`);
      size = info.size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      size = 0;
    }
    if (size < this.#verifiedBytes) {
      throw this.#corrupt(
        this.#records.length,
        'the file is shorter than what was already verified (truncated)',
      );
    }
    if (size === this.#verifiedBytes) return;
    const handle = await open(this.path, constants.O_RDONLY);
    let chunk: Buffer;
    try {
      chunk = Buffer.alloc(size - this.#verifiedBytes);
      const { bytesRead } = await handle.read(chunk, 0, chunk.byteLength, this.#verifiedBytes);
      chunk = chunk.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(0x0a, start);
      if (end < 0) break;
      const seq = this.#records.length + 1;
      const parsed = parseLedgerLine(
        chunk.toString('utf8', start, end),
        seq,
        this.#records.at(-1)?.hash ?? GENESIS_HASH,
      );
      if (typeof parsed === 'string') throw this.#corrupt(seq, parsed);
      const problem = this.#checkTransition(parsed);
      if (problem) throw this.#corrupt(seq, problem);
      this.#add(parsed);
      this.#verifiedBytes += end + 1 - start;
      start = end + 1;
    }
    // Without the lock, a line without its newline may be another process's write in progress; under
    // the lock nobody is writing, so it is damage.
    if (start < chunk.byteLength && holdingLock) {
      throw this.#corrupt(this.#records.length + 1, 'the last line is incomplete (truncated)');
    }
  }

  #checkTransition(record: LedgerRecord): string | undefined {
    const current = this.#byName.get(record.name)?.at(-1);
    if (record.op === 'NAME_REGISTRATION' && current) return `${record.name} registered twice`;
    if (record.op === 'NAME_UPDATE' && !current) return `an update of the unregistered name ${record.name}`;
    if ((current?.txid ?? null) !== record.prevTxid)
      return `prevTxid is not the previous txid of ${record.name}`;
    return undefined;
  }

  async #checkHead(): Promise<void> {
    const read = await readRegularFile(this.#headPath, MAX_HEAD_BYTES);
    if (read.kind === 'missing') {
      if (this.#records.length === 0) return;
      throw this.#corrupt(this.#records.length, `${this.#headPath} is missing`);
    }
    if (read.kind === 'not-regular') {
      throw this.#corrupt(this.#records.length, `${this.#headPath} is ${read.what}, not a regular file`);
    }
    if (read.kind === 'too-large') {
      throw this.#corrupt(
        this.#records.length,
        `${this.#headPath} is ${read.size} bytes (not a head record)`,
      );
    }
    const text = read.bytes.toString('utf8');
    let head: { seq?: unknown; hash?: unknown };
    try {
      head = JSON.parse(text);
    } catch {
      throw this.#corrupt(this.#records.length, `${this.#headPath} is not valid JSON`);
    }
    const seq = head.seq;
    // The head may lag the file by the records whose head write a crash cut short; never lead it.
    if (typeof seq !== 'number' || seq > this.#records.length) {
      throw this.#corrupt(
        this.#records.length,
        `${this.#headPath} records ${String(seq)} records but the ledger has ${this.#records.length} (records were cut off the end)`,
      );
    }
    if (seq > 0 && this.#records[seq - 1]!.hash !== head.hash) {
      throw this.#corrupt(seq, `the chain hash differs from ${this.#headPath} (rewritten history)`);
    }
  }

  async #writeHead(record: LedgerRecord): Promise<void> {
    const temp = `${this.#headPath}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await writeAll(handle, Buffer.from(`${JSON.stringify({ seq: record.seq, hash: record.hash })}\n`));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this.#headPath);
  }

  async #writeZoneFile(zoneFileHash: string, bytes: Buffer): Promise<void> {
    const path = this.#zonePath(zoneFileHash);
    if ((await this.#readZoneFile(zoneFileHash).catch(() => null)) !== null) return;
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await writeAll(handle, bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw error;
    }
    // The record that names this file is fsynced next; make the file's directory entry durable first.
    await syncDirectory(this.#zoneDir);
  }

  async #readZoneFile(zoneFileHash: string): Promise<string | null> {
    const read = await readRegularFile(this.#zonePath(zoneFileHash), this.#maxZoneFileBytes);
    if (read.kind === 'missing') return null;
    // A FIFO, a directory or an oversized file cannot be the zone file the ledger recorded.
    if (read.kind !== 'file' || bytesToHex(hash160(read.bytes)) !== zoneFileHash) {
      throw new IntegrityError(
        `The zone file ${this.#zonePath(zoneFileHash)} does not match its hash (edited)`,
        {
          hint: 'Restore it from a backup or from a replica of the ledger.',
        },
      );
    }
    return read.bytes.toString('utf8');
  }

  #zonePath(zoneFileHash: string): string {
    return join(this.#zoneDir, `${zoneFileHash}.txt`);
  }

  #add(record: LedgerRecord): void {
    this.#records.push(record);
    const list = this.#byName.get(record.name);
    if (list) list.push(record);
    else this.#byName.set(record.name, [record]);
  }

  #corrupt(line: number, reason: string): IntegrityError {
    return new IntegrityError(`Ledger ${this.path} line ${line}: ${reason}`, {
      hint: RECOVERY_HINT,
    });
  }

  /** Runs `task` after this instance's earlier operations. */
  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => {
      if (this.#closed) throw new UnavailableError('The ledger is closed', { retryable: false });
      return task();
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Runs `task` in turn and holding the lock file. */
  #locked<T>(task: () => Promise<T>): Promise<T> {
    return this.#serial(async () => {
      const lock = await acquireFileLock(this.#lockPath, this.#lockTimeoutMs);
      try {
        return await task();
      } finally {
        await lock.release();
      }
    });
  }
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset);
    offset += bytesWritten;
  }
}
