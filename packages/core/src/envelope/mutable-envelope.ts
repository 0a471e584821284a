import { createHash } from 'node:crypto';
import { secp256k1Backend } from '../crypto/backend.js';
import { base64ToBytes, bytesToHex } from '../crypto/hex.js';
import { IntegrityError, InvalidKeyError } from '../errors.js';
import {
  BSK2_PREFIX,
  SIGNATURE_BASE64_LENGTH,
  SIGNATURE_START,
  verifyBsk2Signature,
} from './bsk2-signature.js';
import { parse2017Payload } from './mutable-2017.js';

/** A mutable datum as signed: the payload of a bsk2 envelope. */
export interface MutableEnvelope {
  /** Fully-qualified data id (e.g. `alice.id/profile`): binds the datum to one key of one user. */
  fqDataId: string;
  /** The bytes stored (ciphertext envelope when encrypted). */
  data: Uint8Array;
  /** Integer from 1, one more than the previous version of this id. */
  version: number;
  /** Seconds since the Unix epoch when it was signed. */
  timestamp: number;
}

/** Options of `verifyMutableEnvelope`. */
export interface VerifyMutableEnvelopeOptions {
  /** Refuse the envelope unless its `fq_data_id` is this one (stops a replay of another key's datum). */
  fqDataId?: string;
}

const PAYLOAD_FIELDS = ['fq_data_id', 'data', 'version', 'timestamp'];

/**
 * Serialises and signs a mutable datum in Blockstack's bsk2 format:
 * `bsk2.<compressed pubkey hex>.<base64 of 64-byte r‖s>.<netstring of the JSON payload>`, payload
 * `{"fq_data_id":…,"data":"<base64>","version":n,"timestamp":n}`, signature low-S ECDSA over the
 * SHA-256 of the whole netstring.
 * @throws InvalidKeyError for a bad private key, version, timestamp or fqDataId.
 */
export function signMutableEnvelope(envelope: MutableEnvelope, privateKey: Uint8Array): Uint8Array {
  checkPayload(envelope);
  const curve = secp256k1Backend();
  if (!curve.isValidPrivateKey(privateKey)) {
    throw new InvalidKeyError('Cannot sign: not a valid secp256k1 private key');
  }
  const publicKey = curve.publicKeyCreate(privateKey, true);
  // Built by hand so megabytes of base64 are not run through JSON.stringify; only the id needs escaping.
  const dataBuffer = Buffer.from(envelope.data.buffer, envelope.data.byteOffset, envelope.data.byteLength);
  const head = `{"fq_data_id":${JSON.stringify(envelope.fqDataId)},"data":"`;
  const tail = `","version":${envelope.version},"timestamp":${envelope.timestamp}}`;
  const headBytes = Buffer.from(head, 'utf8');
  const dataLength = base64Length(envelope.data.byteLength);
  const payloadLength = headBytes.byteLength + dataLength + tail.length;
  const lengthPrefix = `${payloadLength}:`;

  const preamble = `${BSK2_PREFIX}${bytesToHex(publicKey)}.${'='.repeat(SIGNATURE_BASE64_LENGTH)}.`;
  const out = Buffer.allocUnsafe(preamble.length + lengthPrefix.length + payloadLength + 1);
  let at = out.write(preamble, 0, 'latin1');
  const netstringStart = at;
  at += out.write(lengthPrefix, at, 'latin1');
  at += headBytes.copy(out, at);
  at += out.write(dataBuffer.toString('base64'), at, 'latin1');
  at += out.write(tail, at, 'latin1');
  out[at] = 0x2c; // ','

  const digest = createHash('sha256').update(out.subarray(netstringStart)).digest();
  const signature = Buffer.from(curve.sign(digest, privateKey)).toString('base64');
  out.write(signature, SIGNATURE_START, 'latin1');
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Verifies bsk2 bytes exactly as received (never re-serialised) against the expected data public key,
 * and returns the signed datum.
 * @throws IntegrityError on any malformed part, another signer's key, a bad or high-S signature, a
 *   payload that is not exactly `{fq_data_id, data, version, timestamp}` with valid values, or an
 *   `fq_data_id` other than `options.fqDataId`.
 */
export function verifyMutableEnvelope(
  bytes: Uint8Array,
  publicKey: Uint8Array,
  options: VerifyMutableEnvelopeOptions = {},
): MutableEnvelope {
  const payload = verifyBsk2Signature(bytes, publicKey);
  const envelope = parsePayload(payload);
  if (options.fqDataId !== undefined && envelope.fqDataId !== options.fqDataId) {
    throw new IntegrityError(
      `The envelope is for ${JSON.stringify(envelope.fqDataId)}, not ${JSON.stringify(options.fqDataId)} (a replayed datum?)`,
    );
  }
  return envelope;
}

function parsePayload(payload: Uint8Array): MutableEnvelope {
  const canonical = parseCanonicalPayload(payload);
  if (canonical !== undefined) return canonical;
  // Same key set, other meaning: a 2017 payload's `data` is text, not base64. Never read one as ours.
  if (parse2017Payload(payload) !== undefined) {
    throw new IntegrityError(
      'The bsk2 payload is a 2017 blockstack_client datum (text data, a device-scoped id), not this project’s format',
      { hint: 'Import 2017 data with `blockstack-storage import-2017 <dir>` (import2017 in the core API).' },
    );
  }
  return parseAnyPayload(payload);
}

const CANONICAL_HEAD = Buffer.from('{"fq_data_id":"', 'latin1');
const DATA_FIELD = Buffer.from(',"data":"', 'latin1');
const CANONICAL_TAIL = /^","version":(0|[1-9]\d{0,15}),"timestamp":(0|[1-9]\d{0,15})}$/;

/**
 * Fast path for the layout `signMutableEnvelope` writes: JSON.parse of a payload holding a megabyte
 * string costs ~5 ms per MiB; slicing the base64 out directly costs ~1. Any other layout (key order,
 * spaces, escapes in the data) returns `undefined` and goes through JSON.parse.
 */
function parseCanonicalPayload(payload: Uint8Array): MutableEnvelope | undefined {
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (!bytes.subarray(0, CANONICAL_HEAD.byteLength).equals(CANONICAL_HEAD)) return undefined;
  // The id is a JSON string: find its closing quote, skipping escaped characters.
  let i = CANONICAL_HEAD.byteLength;
  while (i < bytes.byteLength && bytes[i] !== 0x22) i += bytes[i] === 0x5c ? 2 : 1;
  if (i >= bytes.byteLength) return undefined;
  const idEnd = i + 1;
  if (!bytes.subarray(idEnd, idEnd + DATA_FIELD.byteLength).equals(DATA_FIELD)) return undefined;
  const dataStart = idEnd + DATA_FIELD.byteLength;
  const dataEnd = bytes.indexOf(0x22, dataStart);
  if (dataEnd < 0) return undefined;
  // An escape inside the data means JSON.parse must interpret it.
  const backslash = bytes.indexOf(0x5c, dataStart);
  if (backslash >= 0 && backslash < dataEnd) return undefined;
  const tail = CANONICAL_TAIL.exec(bytes.toString('latin1', dataEnd));
  if (!tail) return undefined;
  let fqDataId: unknown;
  try {
    fqDataId = JSON.parse(bytes.toString('utf8', CANONICAL_HEAD.byteLength - 1, idEnd));
  } catch {
    return undefined;
  }
  // latin1, not ascii: ascii decoding drops the high bit, which could turn junk into base64.
  return checkFields(
    fqDataId,
    bytes.toString('latin1', dataStart, dataEnd),
    Number(tail[1]),
    Number(tail[2]),
  );
}

function parseAnyPayload(payload: Uint8Array): MutableEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch (cause) {
    throw new IntegrityError('The bsk2 payload is not valid JSON', { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new IntegrityError('The bsk2 payload is not a JSON object');
  }
  const fields = value as Record<string, unknown>;
  const keys = Object.keys(fields);
  if (keys.length !== PAYLOAD_FIELDS.length || !PAYLOAD_FIELDS.every((k) => k in fields)) {
    throw new IntegrityError(`The bsk2 payload must have exactly the fields ${PAYLOAD_FIELDS.join(', ')}`);
  }
  return checkFields(fields.fq_data_id, fields.data, fields.version, fields.timestamp);
}

function checkFields(
  fqDataId: unknown,
  data: unknown,
  version: unknown,
  timestamp: unknown,
): MutableEnvelope {
  if (typeof fqDataId !== 'string' || fqDataId.length === 0) {
    throw new IntegrityError('The bsk2 payload fq_data_id must be a non-empty string');
  }
  if (typeof data !== 'string') throw new IntegrityError('The bsk2 payload data must be a base64 string');
  if (!Number.isSafeInteger(version) || (version as number) < 1) {
    throw new IntegrityError('The bsk2 payload version must be an integer from 1');
  }
  if (!Number.isSafeInteger(timestamp) || (timestamp as number) < 0) {
    throw new IntegrityError('The bsk2 payload timestamp must be a non-negative integer (seconds)');
  }
  return {
    fqDataId,
    data: base64ToBytes(data, 'bsk2 payload data'),
    version: version as number,
    timestamp: timestamp as number,
  };
}

function checkPayload(envelope: MutableEnvelope): void {
  if (
    typeof envelope.fqDataId !== 'string' ||
    envelope.fqDataId.length === 0 ||
    !envelope.fqDataId.isWellFormed()
  ) {
    throw new InvalidKeyError('fqDataId must be a non-empty well-formed string');
  }
  if (!(envelope.data instanceof Uint8Array)) throw new InvalidKeyError('data must be a Uint8Array');
  if (!Number.isSafeInteger(envelope.version) || envelope.version < 1) {
    throw new InvalidKeyError(`version must be an integer from 1, got ${envelope.version}`);
  }
  if (!Number.isSafeInteger(envelope.timestamp) || envelope.timestamp < 0) {
    throw new InvalidKeyError(
      `timestamp must be a non-negative integer of seconds, got ${envelope.timestamp}`,
    );
  }
}

function base64Length(byteLength: number): number {
  return Math.ceil(byteLength / 3) * 4;
}
