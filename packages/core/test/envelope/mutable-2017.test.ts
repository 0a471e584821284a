import { describe, expect, it } from 'vitest';
import { verifyMutable2017, verifyTombstone2017 } from '../../src/envelope/mutable-2017.js';
import { signMutableEnvelope, verifyMutableEnvelope } from '../../src/envelope/mutable-envelope.js';
import { signTombstone } from '../../src/envelope/tombstone.js';
import { isStorageError } from '../../src/errors.js';
import { generateDataKeyPair } from '../../src/identity/data-key.js';
import {
  blob2017,
  type Datum2017Spec,
  payload2017,
  python2017Blobs,
  pythonAvailable,
  signedPayload,
  type Tombstone2017Spec,
} from './support/blobs-2017.js';

const alice = generateDataKeyPair();
const mallory = generateDataKeyPair();
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

function integrityError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(isStorageError(error, 'BSS_INTEGRITY'), String(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected IntegrityError');
}

// 'aGVsbG8=' is valid base64 (of "hello"): a 2017 text that must stay text.
const specs: Datum2017Spec[] = [
  { deviceId: 'laptop', dataId: 'greeting', data: 'aGVsbG8=', version: 3, timestamp: 1_500_000_000 },
  {
    deviceId: 'phone-2',
    dataId: 'notes/2017/dé jà~vu: "quoted" \\ tab\t',
    data: 'line one\nline two é ☃ 😀 \u007f \u0001',
    version: 12,
    timestamp: 1_510_000_000,
    blockchainId: 'alice.id',
  },
  {
    deviceId: 'laptop',
    dataId: 'settings',
    data: { theme: 'dark', size: 3, on: true, tags: ['a', null] },
    version: 1,
    timestamp: 0,
  },
];
const tombstoneSpec: Tombstone2017Spec = {
  kind: 'tombstone',
  deviceId: 'laptop',
  dataId: 'old/thing',
  millis: 1_505_000_000_123,
};

describe('2017 blockstack_client blobs', () => {
  it('reads a 2017 datum: text data as its UTF-8 (never base64-decoded), ids unquoted, versions kept', () => {
    const [first, second, third] = specs.map((s) =>
      verifyMutable2017(blob2017(s, alice.privateKey), alice.publicKey),
    );
    expect(first).toEqual({
      fqDataId: 'laptop%3Agreeting',
      deviceId: 'laptop',
      dataId: 'greeting',
      data: new Uint8Array(Buffer.from('aGVsbG8=')),
      dataKind: 'text',
      version: 3,
      timestamp: 1_500_000_000,
    });
    expect(second!.fqDataId).toContain('%5Cx2f'); // '/' went through as \x2f, then quoted
    expect(second!.fqDataId).toContain('%7E'); // Python 2 quoted '~'
    expect(second).toMatchObject({
      deviceId: 'phone-2',
      dataId: specs[1]!.dataId,
      blockchainId: 'alice.id',
      version: 12,
    });
    expect(text(second!.data)).toBe(specs[1]!.data);
    // Any other JSON value: its JSON text exactly as the 2017 client signed it.
    expect(third!.dataKind).toBe('json');
    expect(text(third!.data)).toBe('{"on": true, "size": 3, "tags": ["a", null], "theme": "dark"}');
  });

  it.runIf(pythonAvailable())('reads blobs made by Python’s own json.dumps, quote and ECDSA the same', () => {
    const made = python2017Blobs([...specs, tombstoneSpec], alice.privateKey);
    for (const [i, spec] of specs.entries()) {
      const netstring = text(made[i]!).slice(5 + 66 + 1 + 88 + 1);
      expect(netstring.slice(netstring.indexOf(':') + 1, -1)).toBe(payload2017(spec));
      expect(verifyMutable2017(made[i]!, alice.publicKey)).toEqual(
        verifyMutable2017(blob2017(spec, alice.privateKey), alice.publicKey),
      );
    }
    expect(verifyTombstone2017(made[3]!, alice.publicKey)).toEqual(
      verifyTombstone2017(blob2017(tombstoneSpec, alice.privateKey), alice.publicKey),
    );
  });

  it('never takes one shape for the other', () => {
    // The 2017 blob whose text is valid base64: the current reader refuses it, naming it.
    const old = blob2017(specs[0]!, alice.privateKey);
    expect(integrityError(() => verifyMutableEnvelope(old, alice.publicKey))).toMatch(/2017/);
    const withName = blob2017(specs[1]!, alice.privateKey);
    expect(integrityError(() => verifyMutableEnvelope(withName, alice.publicKey))).toMatch(/2017/);
    // A current blob still reads, and the 2017 reader refuses it.
    const current = signMutableEnvelope(
      { fqDataId: 'alice.id:greeting', data: new Uint8Array(Buffer.from('hello')), version: 3, timestamp: 1 },
      alice.privateKey,
    );
    expect(text(verifyMutableEnvelope(current, alice.publicKey).data)).toBe('hello');
    integrityError(() => verifyMutable2017(current, alice.publicKey));
  });

  it('verifies a 2017 tombstone, and refuses a current one or a tampered one', () => {
    const tombstone = blob2017(tombstoneSpec, alice.privateKey);
    expect(verifyTombstone2017(tombstone, alice.publicKey)).toEqual({
      fqDataId: 'laptop%3Aold%5Cx2fthing',
      deviceId: 'laptop',
      dataId: 'old/thing',
      millis: 1_505_000_000_123,
    });
    integrityError(() =>
      verifyTombstone2017(signTombstone('alice.id:x', alice.privateKey, 5, 2), alice.publicKey),
    );
    integrityError(() =>
      verifyTombstone2017(signTombstone('alice.id:x', alice.privateKey, 5), alice.publicKey),
    );
    integrityError(() => verifyTombstone2017(tombstone, mallory.publicKey));
    const tampered = Buffer.from(tombstone);
    tampered[10] = tampered[10] === 0x31 ? 0x32 : 0x31;
    integrityError(() => verifyTombstone2017(tampered, alice.publicKey));
  });

  it('refuses tampered, foreign, truncated and malformed 2017 blobs with IntegrityError', () => {
    const good = Buffer.from(blob2017(specs[1]!, alice.privateKey));
    const flipped = Buffer.from(good);
    flipped[good.length - 20]! ^= 0x01;
    integrityError(() => verifyMutable2017(flipped, alice.publicKey));
    integrityError(() => verifyMutable2017(good, mallory.publicKey));
    integrityError(() => verifyMutable2017(good.subarray(0, good.length - 1), alice.publicKey));
    integrityError(() => verifyMutable2017(blob2017(specs[1]!, mallory.privateKey), alice.publicKey));

    // Correctly signed, but not what the 2017 client wrote or outside its schema.
    const base = specs[0]!;
    const resign = (payload: string) => signedPayload(payload, alice.privateKey);
    const payload = payload2017(base);
    const bad = [
      payload.replaceAll(', ', ',').replaceAll(': ', ':'), // compact separators
      '{"fq_data_id": "laptop%3Agreeting", "data": "aGVsbG8=", "timestamp": 1500000000, "version": 3}', // unsorted
      payload.replace('"version": 3', '"version": 0'),
      payload.replace('"version": 3', '"version": 3.0'),
      payload.replace('laptop%3Agreeting', 'laptop:greeting'), // an unquoted id
      payload.replace('}', ', "extra": 1}'),
      payload2017({ ...base, blockchainId: 'Not A Name' }),
      payload2017({ ...base, data: 'lone \ud800 surrogate' }),
      payload.replace('"aGVsbG8="', '"caf\\u00E9"'), // uppercase hex: not Python's escape
    ];
    for (const json of bad) integrityError(() => verifyMutable2017(resign(json), alice.publicKey));
    expect(verifyMutable2017(resign(payload), alice.publicKey).version).toBe(3);
  });
});
