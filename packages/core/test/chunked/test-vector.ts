import { type ChunkedManifest, decodeChunked, parseManifest } from '../../src/chunked/index.js';
import { chunkNonce, derivePayloadKey, identityDigest } from '../../src/chunked/payload-crypto.js';
import { publicKeyFromPrivate } from '../../src/identity/data-key.js';
import { store } from './chunk-store.js';

// The worked example of docs/chunked-format.md. `printTestVector` prints the block the doc holds;
// test-vector.test.ts checks the doc against this code.

export const VECTOR_INPUTS = {
  writerPrivateKey: Buffer.alloc(32, 0x11),
  readerPrivateKey: Buffer.alloc(32, 0x22),
  fileKey: Buffer.alloc(32, 0x33),
  salt: Buffer.alloc(32, 0x44),
  fqDataId: 'alice.id/hello.txt',
  version: 1,
  timestamp: 1_700_000_000,
  chunkBytes: 16,
  plaintext: Buffer.from('Hello, chunked world! 0123456789\n', 'utf8'),
};

/** Every field of the example, as lowercase hex (or decimal), in the doc's order. */
export async function buildTestVector(): Promise<Map<string, string>> {
  const v = VECTOR_INPUTS;
  const fields = new Map<string, string>();
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  fields.set('writer private key', hex(v.writerPrivateKey));
  fields.set('writer public key', hex(publicKeyFromPrivate(v.writerPrivateKey)));
  fields.set('reader private key', hex(v.readerPrivateKey));
  fields.set('reader public key', hex(publicKeyFromPrivate(v.readerPrivateKey)));
  fields.set('fq_data_id', v.fqDataId);
  fields.set('version', String(v.version));
  fields.set('timestamp', String(v.timestamp));
  fields.set('chunk size', String(v.chunkBytes));
  fields.set('plaintext', hex(v.plaintext));
  const base = {
    fqDataId: v.fqDataId,
    version: v.version,
    timestamp: v.timestamp,
    privateKey: v.writerPrivateKey,
    chunkBytes: v.chunkBytes,
  };
  const pub = await store(v.plaintext, base);
  fields.set('plaintext sha256', pub.manifest.plaintextSha256);
  pub.chunks.forEach((c, i) => {
    fields.set(`public chunk ${i}`, hex(c));
    fields.set(`public chunk ${i} sha256`, pub.manifest.chunkHashes[i]!);
  });
  fields.set('public manifest', hex(pub.manifest.bytes));

  const randoms = [v.fileKey, v.salt];
  const enc = await store(
    v.plaintext,
    { ...base, encryptTo: publicKeyFromPrivate(v.readerPrivateKey) },
    () => new Uint8Array(randoms.shift()!),
  );
  fields.set('file key', hex(v.fileKey));
  fields.set('salt', hex(v.salt));
  fields.set('identity digest', hex(identityDigest(v.fqDataId, v.version)));
  fields.set('payload key', hex(derivePayloadKey(v.fileKey, v.salt, v.fqDataId, v.version)));
  enc.chunks.forEach((c, i) => {
    fields.set(`encrypted chunk ${i} nonce`, hex(chunkNonce(i, i === enc.chunks.length - 1)));
    fields.set(`encrypted chunk ${i}`, hex(c));
    fields.set(`encrypted chunk ${i} sha256`, enc.manifest.chunkHashes[i]!);
  });
  // Not reproducible: the ECIES wrapping draws a fresh ephemeral key and iv.
  fields.set('encrypted manifest', hex(enc.manifest.bytes));
  return fields;
}

/** Fields whose value the code cannot reproduce (checked by decoding instead). */
export const UNREPRODUCIBLE_FIELDS = new Set(['encrypted manifest']);

/** The doc's text block: `name: value`, long hex wrapped at 64 characters on indented lines. */
export function formatTestVector(fields: Map<string, string>): string {
  const lines: string[] = [];
  for (const [name, value] of fields) {
    if (value.length <= 80) lines.push(`${name}: ${value}`);
    else {
      lines.push(`${name}:`);
      for (let at = 0; at < value.length; at += 64) lines.push(`    ${value.slice(at, at + 64)}`);
    }
  }
  return lines.join('\n');
}

/** Inverse of `formatTestVector`. */
export function parseTestVector(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let current: string | undefined;
  for (const line of text.split('\n')) {
    const continued = /^ {4}([0-9a-f]+)$/.exec(line);
    if (continued && current !== undefined) {
      fields.set(current, fields.get(current)! + continued[1]);
      continue;
    }
    const field = /^([^:]+):(?: (.*))?$/.exec(line);
    if (!field) throw new Error(`Unreadable test-vector line: ${JSON.stringify(line)}`);
    current = field[1]!;
    fields.set(current, field[2] ?? '');
  }
  return fields;
}

/** The plaintext of a manifest and its chunks given as hex (what a reader written from the doc does). */
export async function readVector(
  manifestHex: string,
  chunksHex: string[],
  writerPublicKey: Uint8Array,
  readerPrivateKey?: Uint8Array,
): Promise<{ manifest: ChunkedManifest; plaintext: Buffer }> {
  const manifest = parseManifest(Buffer.from(manifestHex, 'hex'), writerPublicKey, {
    fqDataId: VECTOR_INPUTS.fqDataId,
  });
  const parts: Uint8Array[] = [];
  const fetch = async (index: number) => Buffer.from(chunksHex[index]!, 'hex');
  for await (const part of decodeChunked(manifest, fetch, { privateKey: readerPrivateKey })) parts.push(part);
  return { manifest, plaintext: Buffer.concat(parts) };
}

if (process.env.BSC1_PRINT_TEST_VECTOR) console.log(formatTestVector(await buildTestVector()));
