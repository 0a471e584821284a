import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, truncate } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataKeyPair } from '../../src/identity/data-key.js';
import { loadDataKey, saveDataKey } from '../../src/identity/key-file.js';
import { ErrorCode, isStorageError, openLocalLedger } from '../../src/index.js';

// FIFOs and Unix sockets are POSIX; Windows has neither in the file system.
const posix = process.platform !== 'win32';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bss-nonregular-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as Error,
  );

describe.runIf(posix)('a key or ledger file that is not a regular file is refused at once', () => {
  it('a FIFO as the data key file (no writer: reading it would block forever)', async () => {
    const path = join(dir, 'fifo.key');
    execFileSync('mkfifo', ['-m', '600', path]);
    const error = await failure(loadDataKey(path));
    expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    expect(error.message).toContain('is a FIFO (named pipe), not a regular file');
  });

  it('a directory, a socket and a device as the data key file', async () => {
    const directory = join(dir, 'dir.key');
    await mkdir(directory, { mode: 0o700 });
    expect((await failure(loadDataKey(directory))).message).toContain('is a directory');
    const socket = join(dir, 'sock.key');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      const error = await failure(loadDataKey(socket));
      expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
      expect(error.message).toContain('is a socket');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect((await failure(loadDataKey('/dev/zero'))).message).toContain('is a device');
  });

  it('a huge key file is not read', async () => {
    const path = join(dir, 'huge.key');
    await saveDataKey(path, generateDataKeyPair());
    await truncate(path, 2 ** 31);
    const error = await failure(loadDataKey(path));
    expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    expect(error.message).toContain(`${2 ** 31} bytes`);
  });

  it("a FIFO as the ledger's head or ledger file is reported as damage, not waited on", async () => {
    const metadata = join(dir, 'meta-head');
    const ledger = await openLocalLedger(metadata);
    await ledger.register('alice.id', '$ORIGIN alice.id\n');
    await ledger.close();
    await rm(join(metadata, 'ledger', 'head.json'));
    execFileSync('mkfifo', [join(metadata, 'ledger', 'head.json')]);
    const error = await failure(openLocalLedger(metadata));
    expect(isStorageError(error, ErrorCode.Integrity)).toBe(true);
    expect(error.message).toContain('head.json is a FIFO');

    const other = join(dir, 'meta-file');
    await mkdir(join(other, 'ledger'), { recursive: true });
    execFileSync('mkfifo', [join(other, 'ledger', 'ledger.jsonl')]);
    const second = await failure(openLocalLedger(other));
    expect(isStorageError(second, ErrorCode.Integrity)).toBe(true);
    expect(second.message).toContain('is a FIFO');
  });

  it('a regular key file still loads', async () => {
    const path = join(dir, 'good.key');
    const pair = generateDataKeyPair();
    await saveDataKey(path, pair);
    expect(await loadDataKey(path)).toEqual(pair);
  });
});
