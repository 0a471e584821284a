import { randomBytes } from 'node:crypto';
import { decryptECIES as stacksDecrypt, encryptECIES as stacksEncrypt } from '@stacks/encryption';
import { describe, expect, it } from 'vitest';
import { secp256k1Backend } from '../../src/crypto/backend.js';
import {
  decryptECIES,
  decryptECIESFromBytes,
  type EciesEnvelope,
  encryptECIES,
  encryptECIESToBytes,
  parseEciesEnvelope,
  serializeEciesEnvelope,
} from '../../src/crypto/ecies.js';
import { bytesToHex } from '../../src/crypto/hex.js';
import { isStorageError } from '../../src/errors.js';
import { generateDataKeyPair } from '../../src/identity/data-key.js';

const alice = generateDataKeyPair();
const bob = generateDataKeyPair();

/** Byte equality without vitest's element-by-element diffing, which crawls on megabytes. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

function expectIntegrity(run: () => unknown): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(isStorageError(thrown, 'BSS_INTEGRITY'), String(thrown)).toBe(true);
  // Never a secret in an error message.
  expect(String((thrown as Error).message)).not.toContain(bytesToHex(alice.privateKey));
}

describe('ECIES', () => {
  it('round-trips empty, small, block-aligned and 1 MiB plaintexts in hex and base64', () => {
    for (const size of [0, 1, 16, 1000, 1 << 20]) {
      const plain = new Uint8Array(randomBytes(size));
      for (const cipherTextEncoding of ['hex', 'base64'] as const) {
        const envelope = encryptECIES(alice.publicKey, plain, { cipherTextEncoding });
        expect(envelope.cipherTextEncoding).toBe(cipherTextEncoding === 'base64' ? 'base64' : undefined);
        expect(sameBytes(decryptECIES(alice.privateKey, envelope), plain)).toBe(true);
        expect(
          sameBytes(decryptECIESFromBytes(alice.privateKey, serializeEciesEnvelope(envelope)), plain),
        ).toBe(true);
      }
    }
  });

  it('uses a fresh ephemeral key and iv every time', () => {
    const plain = new TextEncoder().encode('same');
    const a = encryptECIES(alice.publicKey, plain);
    const b = encryptECIES(alice.publicKey, plain);
    expect(a.ephemeralPK).not.toBe(b.ephemeralPK);
    expect(a.iv).not.toBe(b.iv);
  });

  it('what we encrypt, @stacks/encryption decrypts (hex, base64, wasString)', async () => {
    const plain = new Uint8Array(randomBytes(3000));
    for (const cipherTextEncoding of ['hex', 'base64'] as const) {
      const envelope = encryptECIES(bob.publicKey, plain, { cipherTextEncoding });
      const out = await stacksDecrypt(bytesToHex(bob.privateKey), envelope);
      expect(new Uint8Array(out as Uint8Array)).toEqual(plain);
    }
    const text = 'héllo wörld';
    const envelope = encryptECIES(bob.publicKey, new TextEncoder().encode(text), { wasString: true });
    expect(await stacksDecrypt(bytesToHex(bob.privateKey), envelope)).toBe(text);
    // And through our serialized bytes, parsed as a @stacks reader would.
    const bytes = encryptECIESToBytes(bob.publicKey, plain, { cipherTextEncoding: 'base64' });
    const parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
    expect(new Uint8Array((await stacksDecrypt(bytesToHex(bob.privateKey), parsed)) as Uint8Array)).toEqual(
      plain,
    );
  });

  it('what @stacks/encryption encrypts, we decrypt (hex, base64, uncompressed recipient key)', async () => {
    const plain = new Uint8Array(randomBytes(5000));
    for (const encoding of ['hex', 'base64'] as const) {
      const envelope = await stacksEncrypt(bytesToHex(alice.publicKey), plain, false, encoding);
      expect(decryptECIES(alice.privateKey, envelope)).toEqual(plain);
      expect(decryptECIESFromBytes(alice.privateKey, JSON.stringify(envelope))).toEqual(plain);
      // Our serializer writes the same JSON as JSON.stringify of their object.
      expect(Buffer.from(serializeEciesEnvelope(envelope)).toString()).toBe(JSON.stringify(envelope));
    }
    const uncompressed = secp256k1Backend().publicKeyConvert(alice.publicKey, false);
    const theirs = await stacksEncrypt(bytesToHex(uncompressed), plain, false, 'hex');
    expect(sameBytes(decryptECIES(alice.privateKey, theirs), plain)).toBe(true);
    const ours = encryptECIES(uncompressed, plain);
    expect(
      sameBytes(
        new Uint8Array((await stacksDecrypt(bytesToHex(alice.privateKey), ours)) as Uint8Array),
        plain,
      ),
    ).toBe(true);
  });

  it('refuses a wrong key and every tampered field with IntegrityError', () => {
    const plain = new Uint8Array(randomBytes(100));
    const envelope = encryptECIES(alice.publicKey, plain);
    expectIntegrity(() => decryptECIES(bob.privateKey, envelope));
    const flip = (hex: string, at: number): string =>
      hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1);
    for (const field of ['iv', 'ephemeralPK', 'cipherText', 'mac'] as const) {
      for (const at of [0, 5, envelope[field].length - 1]) {
        expectIntegrity(() =>
          decryptECIES(alice.privateKey, { ...envelope, [field]: flip(envelope[field], at) }),
        );
      }
    }
    // Truncated ciphertext (one block short) and a ciphertext with a stray character.
    expectIntegrity(() =>
      decryptECIES(alice.privateKey, { ...envelope, cipherText: envelope.cipherText.slice(32) }),
    );
    expectIntegrity(() =>
      decryptECIES(alice.privateKey, { ...envelope, cipherText: `${envelope.cipherText}0` }),
    );
    expectIntegrity(() =>
      decryptECIES(alice.privateKey, { ...envelope, cipherText: `${envelope.cipherText.slice(2)}zz` }),
    );
    // Declaring the wrong encoding.
    expectIntegrity(() => decryptECIES(alice.privateKey, { ...envelope, cipherTextEncoding: 'base64' }));
  });

  it('parseEciesEnvelope refuses malformed input with IntegrityError', () => {
    const good = encryptECIES(alice.publicKey, new Uint8Array([1, 2, 3]));
    const bad: unknown[] = [
      'not json',
      '[]',
      'null',
      JSON.stringify({ ...good, iv: 7 }),
      JSON.stringify({ ...good, mac: 'xyz' }),
      JSON.stringify({ ...good, wasString: 'no' }),
      JSON.stringify({ ...good, cipherTextEncoding: 'utf8' }),
      JSON.stringify({ iv: good.iv }),
    ];
    for (const text of bad) expectIntegrity(() => parseEciesEnvelope(text as string));
    const roundTrip: EciesEnvelope = parseEciesEnvelope(new TextEncoder().encode(JSON.stringify(good)));
    expect(roundTrip).toEqual(good);
    expectIntegrity(() => serializeEciesEnvelope({ ...good, cipherText: '"}' }));
  });

  it('rejects an invalid recipient public key with InvalidKeyError', () => {
    expect(() => encryptECIES(new Uint8Array(33), new Uint8Array(1))).toThrow(
      expect.objectContaining({ code: 'BSS_INVALID_KEY' }),
    );
  });
});
