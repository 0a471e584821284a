import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type ConflictError,
  type DriverPolicy,
  ErrorCode,
  encodeDataId,
  isStorageError,
  type NameRegistry,
  openStorage,
  parseManifest,
  type StorageClient,
  type StorageDriver,
} from '../../src/index.js';
import { NO_RETRY, newLedger, tempDir, tempDrivers } from '../support/client-fixture.js';
import { createMemoryDriver } from '../support/memory-driver.js';
import { createConditionalMemoryDriver } from './conditional-memory-driver.js';

const KiB = 1024;
const MiB = 1024 * KiB;
// Small chunks and threshold so a few hundred KiB make a many-chunk value.
const CHUNKING = { chunkThresholdBytes: 64 * KiB, chunkBytes: 16 * KiB };
const manifestKey = (dataId: string) => `mutable/${encodeDataId(dataId)}`;
const chunkKey = (hash: string) => `immutable/${hash}`;

async function open(input: {
  drivers: StorageDriver[];
  registry: NameRegistry;
  dataKey?: Uint8Array;
  metadataDir?: string;
  readOrder?: 'first' | 'newest';
  policy?: DriverPolicy;
  warnings?: string[];
}): Promise<StorageClient> {
  return openStorage({
    name: 'alice.id',
    config: {
      storageDrivers: input.drivers.map((d) => d.name),
      requiredWrite: input.drivers.filter((d) => d.capabilities.visibility === 'public').map((d) => d.name),
      metadataDir: input.metadataDir ?? (await tempDir('bss-meta-')),
      ...(input.readOrder ? { readOrder: input.readOrder } : {}),
    },
    drivers: input.drivers,
    registry: input.registry,
    policy: input.policy ?? NO_RETRY,
    ...(input.dataKey ? { dataKey: input.dataKey } : {}),
    ...CHUNKING,
    onWarning: (message) => input.warnings?.push(message),
  });
}

/** `size` random bytes, streamed in pieces of `piece` bytes (the source reuses nothing). */
async function* streamOf(bytes: Uint8Array, piece = 10_000): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += piece) yield bytes.subarray(at, at + piece);
}

async function collect(body: AsyncIterable<Uint8Array>): Promise<{ bytes: Uint8Array; error?: Error }> {
  const parts: Uint8Array[] = [];
  try {
    for await (const part of body) parts.push(part.slice());
    return { bytes: Buffer.concat(parts) };
  } catch (error) {
    return { bytes: Buffer.concat(parts), error: error as Error };
  }
}

async function failure(promise: Promise<unknown>): Promise<Error | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

/** The chunk hashes the manifest on `driver` lists, in order. */
async function chunkHashesOn(driver: { pathOf(key: string): string }, dataId: string, publicKey: Uint8Array) {
  return parseManifest(await readFile(driver.pathOf(manifestKey(dataId))), publicKey).chunkHashes;
}

async function oneDriverUser() {
  const [a] = await tempDrivers([{ name: 'a', publicUrl: 'http://a.example' }]);
  const client = await open({ drivers: [a!], registry: await newLedger() });
  return { a: a!, client };
}

describe('chunked values through the client (bsc1)', () => {
  it('round-trips a streamed value over three drivers; small values stay bsk2; another machine reads it', async () => {
    const [a, b] = await tempDrivers([
      { name: 'a', publicUrl: 'http://a.example' },
      { name: 'b', publicUrl: 'http://b.example' },
    ]);
    const c = createMemoryDriver({ name: 'c' });
    const registry = await newLedger();
    const dataKey = randomBytes(32);
    const client = await open({ drivers: [a!, b!, c], registry, dataKey });
    const value = randomBytes(300 * KiB + 123);

    const put = await client.putMutable('backup.tar', streamOf(value));
    expect(put).toMatchObject({ version: 1, format: 'bsc1' });
    expect(put.outcomes.map((o) => o.status)).toEqual(['ok', 'ok', 'ok']);
    const stored = await readFile(a!.pathOf(manifestKey('backup.tar')));
    expect(stored.subarray(0, 4).toString()).toBe('bsc1');
    const hashes = await chunkHashesOn(a!, 'backup.tar', client.publicKey);
    expect(hashes).toHaveLength(Math.ceil(value.byteLength / CHUNKING.chunkBytes));
    for (const hash of hashes) {
      for (const driver of [a!, b!]) await readFile(driver.pathOf(chunkKey(hash))); // every chunk on every driver
      expect(c.store.has(chunkKey(hash))).toBe(true);
      expect(Buffer.from(await readFile(a!.pathOf(chunkKey(hash)))).includes(value.subarray(0, 64))).toBe(
        false,
      );
    }

    // Metadata before the body; the body is the value.
    const streamed = await client.getMutableStream('backup.tar');
    expect(streamed).toMatchObject({ version: 1, size: value.byteLength, encrypted: true, format: 'bsc1' });
    expect(Buffer.from(streamed!.signerPublicKey).equals(Buffer.from(client.publicKey))).toBe(true);
    const read = await collect(streamed!.body);
    expect(read.error).toBeUndefined();
    expect(Buffer.from(read.bytes).equals(value)).toBe(true);
    const whole = await client.getMutable('backup.tar');
    expect(whole).toMatchObject({ version: 1, encrypted: true, format: 'bsc1' });
    expect(Buffer.from(whole!.data).equals(value)).toBe(true);

    // A value at the threshold is one bsk2 envelope, as before; a public large value is chunked too.
    const small = await client.putMutable('note', streamOf(randomBytes(CHUNKING.chunkThresholdBytes)));
    expect(small.format).toBe('bsk2');
    expect((await readFile(b!.pathOf(manifestKey('note')))).subarray(0, 5).toString()).toBe('bsk2.');
    const publicValue = randomBytes(100 * KiB);
    expect((await client.putMutable('open', publicValue, { public: true })).format).toBe('bsc1');
    await client.close();

    // Another machine: same key, same drivers, an empty version cache.
    const other = await open({ drivers: [a!, b!, c], registry, dataKey });
    const there = await other.getMutable('backup.tar');
    expect(Buffer.from(there!.data).equals(value)).toBe(true);
    const openThere = await other.getMutableStream('open');
    expect(openThere).toMatchObject({ encrypted: false, size: publicValue.byteLength });
    expect(Buffer.from((await collect(openThere!.body)).bytes).equals(publicValue)).toBe(true);
    // It writes the next version above what it found.
    expect((await other.putMutable('backup.tar', randomBytes(100 * KiB))).version).toBe(2);
    await other.close();
  });

  it('reads a chunk from another driver when the manifest driver lacks it or holds a wrong one', async () => {
    const [a, b] = await tempDrivers([
      { name: 'a', publicUrl: 'http://a.example' },
      { name: 'b', publicUrl: 'http://b.example' },
    ]);
    const client = await open({ drivers: [a!, b!], registry: await newLedger(), readOrder: 'first' });
    const value = randomBytes(100 * KiB);
    await client.putMutable('v', value);
    const hashes = await chunkHashesOn(a!, 'v', client.publicKey);
    await rm(a!.pathOf(chunkKey(hashes[1]!)));
    const damaged = await readFile(a!.pathOf(chunkKey(hashes[2]!)));
    damaged[5]! ^= 1;
    await writeFile(a!.pathOf(chunkKey(hashes[2]!)), damaged);
    const got = await client.getMutableStream('v');
    expect(got!.source).toBe('a');
    expect(Buffer.from((await collect(got!.body)).bytes).equals(value)).toBe(true);
    await client.close();
  });

  describe('a driver that serves a tampered value is refused: the body ends with IntegrityError', () => {
    async function attacked(
      attack: (a: { pathOf(key: string): string }, hashes: readonly string[]) => Promise<void>,
    ) {
      const { a, client } = await oneDriverUser();
      const value = randomBytes(100 * KiB);
      await client.putMutable('v', value);
      await attack(a, await chunkHashesOn(a, 'v', client.publicKey));
      const got = await client.getMutableStream('v');
      expect(got).toMatchObject({ version: 1, size: value.byteLength });
      const read = await collect(got!.body);
      await client.close();
      // What was released before the error is a prefix of the value, never a foreign byte.
      expect(Buffer.from(value.subarray(0, read.bytes.byteLength)).equals(read.bytes)).toBe(true);
      expect(read.bytes.byteLength).toBeLessThan(value.byteLength);
      expect(isStorageError(read.error, ErrorCode.Integrity)).toBe(true);
      return read;
    }

    it('a changed byte in a chunk', async () => {
      const read = await attacked(async (a, hashes) => {
        const path = a.pathOf(chunkKey(hashes[3]!));
        const bytes = await readFile(path);
        bytes[100]! ^= 0x40;
        await writeFile(path, bytes);
      });
      expect(read.bytes.byteLength).toBe(3 * CHUNKING.chunkBytes);
      expect(read.error!.message).toContain('does not match its hash');
    });

    it('a dropped chunk', async () => {
      const read = await attacked((a, hashes) => rm(a.pathOf(chunkKey(hashes[2]!))));
      expect(read.bytes.byteLength).toBe(2 * CHUNKING.chunkBytes);
      expect(read.error!.message).toContain('missing');
    });

    it('two chunks swapped (reordered)', async () => {
      const read = await attacked(async (a, hashes) => {
        const first = await readFile(a.pathOf(chunkKey(hashes[1]!)));
        const second = await readFile(a.pathOf(chunkKey(hashes[2]!)));
        await writeFile(a.pathOf(chunkKey(hashes[1]!)), second);
        await writeFile(a.pathOf(chunkKey(hashes[2]!)), first);
      });
      expect(read.bytes.byteLength).toBe(CHUNKING.chunkBytes);
    });

    it('a chunk repeated in place of the next', async () => {
      const read = await attacked(async (a, hashes) => {
        await writeFile(a.pathOf(chunkKey(hashes[4]!)), await readFile(a.pathOf(chunkKey(hashes[3]!))));
      });
      expect(read.bytes.byteLength).toBe(4 * CHUNKING.chunkBytes);
    });

    it('the last chunk dropped (truncation)', async () => {
      const read = await attacked((a, hashes) => rm(a.pathOf(chunkKey(hashes.at(-1)!))));
      expect(read.error!.message).toContain('missing');
    });
  });

  it('refuses a chunk spliced in from an older version of the value', async () => {
    const { a, client } = await oneDriverUser();
    const v1 = randomBytes(100 * KiB);
    await client.putMutable('v', v1);
    const oldHashes = await chunkHashesOn(a, 'v', client.publicKey);
    const oldChunk = await readFile(a.pathOf(chunkKey(oldHashes[0]!)));
    const v2 = Buffer.from(v1);
    v2[v2.length - 1]! ^= 1; // the same value but its last byte: same size, every chunk re-sealed
    await client.putMutable('v', v2);
    const newHashes = await chunkHashesOn(a, 'v', client.publicKey);
    expect(newHashes[0]).not.toBe(oldHashes[0]);
    await writeFile(a.pathOf(chunkKey(newHashes[0]!)), oldChunk); // v1's chunk 0 where v2's belongs
    const got = await client.getMutableStream('v');
    expect(got!.version).toBe(2);
    const read = await collect(got!.body);
    expect(read.bytes.byteLength).toBe(0);
    expect(isStorageError(read.error, ErrorCode.Integrity)).toBe(true);
    // The whole-value form refuses it the same way.
    expect(isStorageError(await failure(client.getMutable('v')), ErrorCode.Integrity)).toBe(true);
    await client.close();
  });

  it.each(['newest', 'first'] as const)(
    'a driver holding an older manifest is passed over for the newest copy (%s)',
    async (readOrder) => {
      const [a, b] = await tempDrivers([
        { name: 'a', publicUrl: 'http://a.example' },
        { name: 'b', publicUrl: 'http://b.example' },
      ]);
      const registry = await newLedger();
      const dataKey = randomBytes(32);
      const metadataDir = await tempDir('bss-meta-');
      const client = await open({ drivers: [a!, b!], registry, dataKey, metadataDir, readOrder });
      await client.putMutable('v', randomBytes(100 * KiB), { public: true });
      const oldManifest = await readFile(a!.pathOf(manifestKey('v')));
      const v2 = randomBytes(90 * KiB);
      await client.putMutable('v', v2, { public: true });
      await writeFile(a!.pathOf(manifestKey('v')), oldManifest); // `a` rolled back to version 1
      const got = await client.getMutableStream('v');
      expect(got).toMatchObject({ version: 2, source: 'b' });
      expect(got!.copies[0]).toMatchObject({ source: 'a', status: 'stale', version: 1 });
      expect(Buffer.from((await collect(got!.body)).bytes).equals(v2)).toBe(true);
      await client.close();
      if (readOrder === 'first') return;
      // A machine with an empty version cache still takes the newest copy.
      const other = await open({ drivers: [a!, b!], registry, dataKey, readOrder });
      const there = await other.getMutable('v');
      expect(there).toMatchObject({ version: 2, source: 'b' });
      expect(Buffer.from(there!.data).equals(v2)).toBe(true);
      await other.close();
    },
  );

  it('the loser of the conditional write of the manifest gets ConflictError', async () => {
    const shared = createConditionalMemoryDriver('shared');
    const registry = await newLedger();
    const dataKey = randomBytes(32);
    const first = await open({ drivers: [shared], registry, dataKey });
    const second = await open({ drivers: [shared], registry, dataKey });
    const value = randomBytes(200 * KiB);
    let raced: Promise<unknown> | undefined;
    async function* racing(): AsyncIterable<Uint8Array> {
      yield value.subarray(0, 100 * KiB);
      // Halfway through `first`'s chunks (its version is claimed), the other machine writes.
      raced = second.putMutable('v', Buffer.from('the other machine'));
      await raced;
      yield value.subarray(100 * KiB);
    }
    const error = (await failure(first.putMutable('v', racing()))) as ConflictError;
    expect(isStorageError(error, ErrorCode.Conflict)).toBe(true);
    expect(error.newerVersion).toBe(1);
    const got = await second.getMutable('v');
    expect(Buffer.from(got!.data).toString()).toBe('the other machine');
    // The loser's version was not recorded: its next put goes above the winner's.
    expect((await first.putMutable('v', value)).version).toBe(2);
    expect(Buffer.from((await second.getMutable('v'))!.data).equals(value)).toBe(true);
    await first.close();
    await second.close();
  });

  it("deletes an encrypted value's replaced chunks, never the chunks the new version lists", async () => {
    const { a, client } = await oneDriverUser();
    const v1 = randomBytes(100 * KiB);
    await client.putMutable('v', v1);
    const oldHashes = await chunkHashesOn(a, 'v', client.publicKey);
    await client.putMutable('v', randomBytes(70 * KiB));
    const newHashes = await chunkHashesOn(a, 'v', client.publicKey);
    const present = new Set(await readdir(join(a.pathOf('immutable'))));
    for (const hash of oldHashes) expect(present.has(hash)).toBe(false);
    for (const hash of newHashes) expect(present.has(hash)).toBe(true);
    // A public value's chunks may be shared with an equal value: they stay (orphans).
    const shared = randomBytes(80 * KiB);
    await client.putMutable('p', shared, { public: true });
    await client.putMutable('q', shared, { public: true });
    const sharedHashes = await chunkHashesOn(a, 'p', client.publicKey);
    await client.putMutable('p', randomBytes(70 * KiB), { public: true });
    const after = new Set(await readdir(join(a.pathOf('immutable'))));
    for (const hash of sharedHashes) expect(after.has(hash)).toBe(true);
    expect(Buffer.from((await client.getMutable('q'))!.data).equals(shared)).toBe(true);
    // A deletion removes the encrypted value's chunks too.
    await client.deleteMutable('v');
    const last = new Set(await readdir(join(a.pathOf('immutable'))));
    for (const hash of newHashes) expect(last.has(hash)).toBe(false);
    expect(await client.getMutable('v')).toBeNull();
    await client.close();
  });

  it('refuses a whole-value read above the read limit (the stream form reads it)', async () => {
    const [a] = await tempDrivers([{ name: 'a', publicUrl: 'http://a.example' }]);
    const client = await open({
      drivers: [a!],
      registry: await newLedger(),
      policy: { ...NO_RETRY, maxReadBytes: 64 * KiB },
    });
    const value = randomBytes(200 * KiB);
    await client.putMutable('big', value);
    expect(isStorageError(await failure(client.getMutable('big')), ErrorCode.TooLarge)).toBe(true);
    const streamed = await client.getMutableStream('big');
    expect(Buffer.from((await collect(streamed!.body)).bytes).equals(value)).toBe(true);
    await client.close();
  });

  it('a 256 MiB streamed put and get keep memory bounded (RSS printed)', async () => {
    const [a, b] = await tempDrivers([
      { name: 'a', publicUrl: 'http://a.example' },
      { name: 'b', publicUrl: 'http://b.example' },
    ]);
    const client = await openStorage({
      name: 'alice.id',
      config: {
        storageDrivers: ['a', 'b'],
        requiredWrite: ['a', 'b'],
        metadataDir: await tempDir('bss-meta-'),
      },
      drivers: [a!, b!],
      registry: await newLedger(),
      policy: NO_RETRY,
      onWarning: () => {},
    });
    const total = 256 * MiB;
    const seed = randomBytes(MiB);
    const written = createHash('sha256');
    async function* value(): AsyncIterable<Uint8Array> {
      for (let at = 0; at < total; at += MiB) {
        const piece = Buffer.from(seed);
        piece.writeUIntBE(at, 0, 6);
        written.update(piece);
        yield piece;
      }
    }
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    try {
      expect((await client.putMutable('disk.img', value())).format).toBe('bsc1');
      const putPeak = peak - baseline;
      const got = await client.getMutableStream('disk.img');
      expect(got!.size).toBe(total);
      const read = createHash('sha256');
      for await (const part of got!.body) read.update(part);
      expect(read.digest('hex')).toBe(written.digest('hex'));
      const growth = peak - baseline;
      console.log(
        `256 MiB through openStorage (2 temp-dir drivers, 4 MiB chunks): RSS growth ${(putPeak / MiB).toFixed(1)} MiB during the put, ${(growth / MiB).toFixed(1)} MiB over put + get`,
      );
      // Holding the value would grow RSS by 256 MiB or more; the client holds a few chunks.
      expect(growth).toBeLessThan(128 * MiB);
    } finally {
      clearInterval(timer);
      await client.close();
      await rm(a!.pathOf(''), { recursive: true, force: true });
      await rm(b!.pathOf(''), { recursive: true, force: true });
    }
  }, 120_000);
});
