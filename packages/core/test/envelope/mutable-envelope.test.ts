import { randomBytes } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/hash.js';
import { signMutableEnvelope, verifyMutableEnvelope } from '../../src/envelope/mutable-envelope.js';
import { isStorageError } from '../../src/errors.js';
import { generateDataKeyPair } from '../../src/identity/data-key.js';

const alice = generateDataKeyPair();
const mallory = generateDataKeyPair();
const datum = {
  fqDataId: 'alice.id/profile "é"',
  data: new Uint8Array(randomBytes(300)),
  version: 7,
  timestamp: 1_700_000_000,
};

function integrityError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(isStorageError(error, 'BSS_INTEGRITY'), String(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected IntegrityError');
}

/** Re-signs a hand-made bsk2 text with an arbitrary netstring body (for payload-level checks). */
function forge(payloadJson: string, privateKey = alice.privateKey): Uint8Array {
  return forgeBytes(Buffer.from(payloadJson, 'utf8'), privateKey);
}

function forgeBytes(payload: Buffer, privateKey = alice.privateKey): Uint8Array {
  const netstring = Buffer.concat([Buffer.from(`${payload.length}:`), payload, Buffer.from(',')]);
  const sig = Buffer.from(secp256k1.sign(sha256(netstring), privateKey, { prehash: false })).toString(
    'base64',
  );
  const pub = Buffer.from(secp256k1.getPublicKey(privateKey, true)).toString('hex');
  return new Uint8Array(Buffer.concat([Buffer.from(`bsk2.${pub}.${sig}.`), netstring]));
}

describe('bsk2 mutable envelope', () => {
  it('has the documented wire format and round-trips', () => {
    const bytes = signMutableEnvelope(datum, alice.privateKey);
    const text = Buffer.from(bytes).toString('utf8');
    const [prefix, pub, sig] = text.split('.', 3);
    expect(prefix).toBe('bsk2');
    expect(pub).toBe(Buffer.from(alice.publicKey).toString('hex'));
    expect(Buffer.from(sig!, 'base64')).toHaveLength(64);
    const netstring = text.slice(5 + 66 + 1 + 88 + 1);
    const colon = netstring.indexOf(':');
    const json = netstring.slice(colon + 1, -1);
    expect(Number(netstring.slice(0, colon))).toBe(Buffer.byteLength(json));
    expect(JSON.parse(json)).toEqual({
      fq_data_id: datum.fqDataId,
      data: Buffer.from(datum.data).toString('base64'),
      version: 7,
      timestamp: 1_700_000_000,
    });
    // An independent verifier (noble) accepts the signature over sha256(netstring).
    expect(
      secp256k1.verify(Buffer.from(sig!, 'base64'), sha256(netstring), alice.publicKey, { prehash: false }),
    ).toBe(true);
    expect(verifyMutableEnvelope(bytes, alice.publicKey, { fqDataId: datum.fqDataId })).toEqual(datum);
  });

  it('round-trips empty and 1 MiB data', () => {
    for (const size of [0, 1 << 20]) {
      const data = new Uint8Array(randomBytes(size));
      const out = verifyMutableEnvelope(
        signMutableEnvelope({ ...datum, data }, alice.privateKey),
        alice.publicKey,
      );
      expect(Buffer.from(out.data).equals(data)).toBe(true);
    }
  });

  it('refuses the wrong key, a replayed id, and one tampered byte anywhere', () => {
    const bytes = signMutableEnvelope(datum, alice.privateKey);
    expect(integrityError(() => verifyMutableEnvelope(bytes, mallory.publicKey))).toContain(
      'different public key',
    );
    integrityError(() =>
      verifyMutableEnvelope(signMutableEnvelope(datum, mallory.privateKey), alice.publicKey),
    );
    integrityError(() => verifyMutableEnvelope(bytes, alice.publicKey, { fqDataId: 'alice.id/other' }));
    for (let i = 0; i < bytes.byteLength; i++) {
      const copy = new Uint8Array(bytes);
      copy[i] = copy[i]! ^ 0x01;
      integrityError(() => verifyMutableEnvelope(copy, alice.publicKey));
    }
  });

  it('refuses every truncation and trailing bytes', () => {
    const bytes = signMutableEnvelope({ ...datum, data: new Uint8Array(20) }, alice.privateKey);
    for (let n = 0; n < bytes.byteLength; n++) {
      integrityError(() => verifyMutableEnvelope(bytes.subarray(0, n), alice.publicKey));
    }
    integrityError(() => verifyMutableEnvelope(new Uint8Array([...bytes, 0x2c]), alice.publicKey));
  });

  it('refuses the high-S twin of a valid signature', () => {
    const bytes = signMutableEnvelope(datum, alice.privateKey);
    const text = Buffer.from(bytes).toString('latin1');
    const sig = Buffer.from(text.slice(72, 160), 'base64');
    const n = secp256k1.Point.CURVE().n;
    const s = BigInt(`0x${sig.subarray(32).toString('hex')}`);
    Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex').copy(sig, 32);
    const twin = Buffer.from(text.slice(0, 72) + sig.toString('base64') + text.slice(160), 'latin1');
    // The twin is mathematically valid ECDSA: only the low-S rule refuses it.
    expect(
      secp256k1.verify(sig, sha256(twin.subarray(161)), alice.publicKey, { prehash: false, lowS: false }),
    ).toBe(true);
    integrityError(() => verifyMutableEnvelope(new Uint8Array(twin), alice.publicKey));
  });

  it('refuses correctly signed payloads that are not a valid datum', () => {
    const data = Buffer.from('hi').toString('base64');
    const bad = [
      'not json',
      '[1]',
      `{"fq_data_id":"a","data":"${data}","version":1}`,
      `{"fq_data_id":"a","data":"${data}","version":1,"timestamp":1,"extra":0}`,
      `{"fq_data_id":"","data":"${data}","version":1,"timestamp":1}`,
      `{"fq_data_id":"a","data":"${data}","version":0,"timestamp":1}`,
      `{"fq_data_id":"a","data":"${data}","version":1.5,"timestamp":1}`,
      `{"fq_data_id":"a","data":"${data}","version":"1","timestamp":1}`,
      `{"fq_data_id":"a","data":"${data}","version":1,"timestamp":-1}`,
      `{"fq_data_id":"a","data":"aGk","version":1,"timestamp":1}`,
      `{"fq_data_id":"a","data":7,"version":1,"timestamp":1}`,
    ];
    for (const json of bad) integrityError(() => verifyMutableEnvelope(forge(json), alice.publicKey));
    const good = forge(`{"fq_data_id":"a","data":"${data}","version":1,"timestamp":1}`);
    expect(verifyMutableEnvelope(good, alice.publicKey).version).toBe(1);
  });

  it('reads other JSON layouts of a valid datum the same as the canonical one', () => {
    const data = Buffer.from([0xfb, 0xff, 0x01]).toString('base64'); // '+/8B': has a '/'
    const expected = {
      fqDataId: 'a"\\é',
      data: new Uint8Array([0xfb, 0xff, 0x01]),
      version: 2,
      timestamp: 3,
    };
    const layouts = [
      `{"fq_data_id":"a\\"\\\\é","data":"${data}","version":2,"timestamp":3}`,
      `{"fq_data_id":"a\\"\\\\\\u00e9","data":"${data}","version":2,"timestamp":3}`,
      `{ "fq_data_id": "a\\"\\\\é", "data": "${data}", "version": 2, "timestamp": 3 }`,
      `{"version":2,"timestamp":3,"data":"${data}","fq_data_id":"a\\"\\\\é"}`,
      `{"fq_data_id":"a\\"\\\\é","data":"${data.replace('/', '\\/')}","version":2,"timestamp":3}`,
      `{"fq_data_id":"a\\"\\\\é","data":"${data}","version":2.0,"timestamp":3e0}`,
    ];
    for (const json of layouts)
      expect(verifyMutableEnvelope(forge(json), alice.publicKey), json).toEqual(expected);
    // Bytes outside the base64 alphabet (here Latin-1 0xC1, which ASCII decoding would turn into 'A').
    const junk = Buffer.concat([
      Buffer.from('{"fq_data_id":"a","data":"AAA'),
      Buffer.from([0xc1]),
      Buffer.from('","version":1,"timestamp":1}'),
    ]);
    integrityError(() => verifyMutableEnvelope(forgeBytes(junk), alice.publicKey));
  });

  it('a huge declared netstring length neither allocates nor hangs', () => {
    const bytes = Buffer.from(signMutableEnvelope(datum, alice.privateKey)).toString('latin1');
    const head = bytes.slice(0, 161);
    for (const length of ['9007199254740992', '999999999999999', '99999999999999999999999']) {
      integrityError(() =>
        verifyMutableEnvelope(new Uint8Array(Buffer.from(`${head}${length}:{},`)), alice.publicKey),
      );
    }
  });

  it('refuses bad input to sign with InvalidKeyError', () => {
    for (const bad of [{ version: 0 }, { version: 1.5 }, { timestamp: -1 }, { fqDataId: '' }]) {
      expect(() => signMutableEnvelope({ ...datum, ...bad }, alice.privateKey)).toThrow(
        expect.objectContaining({ code: 'BSS_INVALID_KEY' }),
      );
    }
    expect(() => signMutableEnvelope(datum, new Uint8Array(32))).toThrow(
      expect.objectContaining({ code: 'BSS_INVALID_KEY' }),
    );
  });
});
