import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeChunked, encodeChunked, parseManifest } from '../../src/chunked/index.js';
import { generateDataKeyPair } from '../../src/identity/data-key.js';

const MiB = 1024 * 1024;
const TOTAL = 256 * MiB;
// Generous: the codec holds about two 4 MiB chunks; buffering the value would grow RSS by >= 256 MiB.
const BOUND = 96 * MiB;

const writer = generateDataKeyPair();
const reader = generateDataKeyPair();
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** 256 MiB in fresh 1 MiB pieces, each distinct (its offset in its first bytes), like a file stream. */
async function* value(hash: ReturnType<typeof createHash>): AsyncIterable<Uint8Array> {
  const seed = randomBytes(MiB);
  for (let at = 0; at < TOTAL; at += MiB) {
    const piece = Buffer.from(seed);
    piece.writeUIntBE(at, 0, 6);
    hash.update(piece);
    yield piece;
  }
}

describe('memory', () => {
  it('a 256 MiB streamed value encodes and decodes (encrypted) with bounded RSS growth', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bsc1-memory-'));
    dirs.push(dir);
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage().rss);
    };
    const written = createHash('sha256');
    const encoding = encodeChunked(value(written), {
      fqDataId: 'writer.id/disk.img',
      version: 1,
      timestamp: 0,
      privateKey: writer.privateKey,
      encryptTo: reader.publicKey,
    });
    for await (const chunk of encoding) {
      await writeFile(join(dir, chunk.hash), chunk.bytes);
      sample();
    }
    const manifest = parseManifest((await encoding.manifest).bytes, writer.publicKey);
    const encodePeak = peak - baseline;

    const read = createHash('sha256');
    let size = 0;
    const fetch = async (_index: number, hash: string) => readFile(join(dir, hash));
    for await (const part of decodeChunked(manifest, fetch, { privateKey: reader.privateKey })) {
      read.update(part);
      size += part.byteLength;
      sample();
    }
    console.log(
      `256 MiB encrypted, ${manifest.chunkCount} chunks: RSS growth peak ${(encodePeak / MiB).toFixed(1)} MiB while encoding, ${((peak - baseline) / MiB).toFixed(1)} MiB over encode + decode (bound ${BOUND / MiB} MiB)`,
    );
    expect(size).toBe(TOTAL);
    const writtenSha256 = written.digest('hex');
    expect(read.digest('hex')).toBe(writtenSha256);
    expect(manifest.plaintextSha256).toBe(writtenSha256);
    expect(peak - baseline).toBeLessThan(BOUND);
  });
});
