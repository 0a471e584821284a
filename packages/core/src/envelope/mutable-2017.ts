import { IntegrityError } from '../errors.js';
import { verifyBsk2Signature } from './bsk2-signature.js';
import { FQ_DATA_ID_2017, parse2017FqDataId } from './fq-data-id-2017.js';
import { verifyTombstone } from './tombstone.js';

/**
 * A mutable datum as the 2017 Python client (blockstack_client v0.14–v0.17) signed it. Same bsk2
 * signature layer as the project's envelopes; the payload is Python's `json.dumps(sort_keys=True)`
 * (separators `", "` and `": "`, non-ASCII escaped) of `{blockchain_id?, data, fq_data_id, timestamp,
 * version}`, where `data` is the JSON value itself (usually text), not base64.
 */
export interface Mutable2017Datum {
  /** `fq_data_id` as signed (URL-quoted `<device_id>:<data_id>`). */
  fqDataId: string;
  /** The writing device (absent when the id has no `:`). */
  deviceId?: string;
  /** The application's data id (unquoted, `/` restored). */
  dataId: string;
  /** Text data as its UTF-8 bytes; any other JSON value as its JSON text exactly as signed. */
  data: Uint8Array;
  /** `text` when `data` was a JSON string, `json` for any other JSON value. */
  dataKind: 'text' | 'json';
  /** Integer from 1: the 2017 client's version of this datum. */
  version: number;
  /** Seconds since the Unix epoch when it was signed. */
  timestamp: number;
  /** The optional `blockchain_id` field: the owner's name. */
  blockchainId?: string;
}

const ALLOWED_FIELDS = new Set(['blockchain_id', 'data', 'fq_data_id', 'timestamp', 'version']);
const REQUIRED_FIELDS = ['data', 'fq_data_id', 'timestamp', 'version'];
// The 2017 schema's name pattern (OP_NAME_PATTERN: 3 to 37 base-40 characters).
const BLOCKCHAIN_ID_2017 = /^[a-z0-9\-_.+]{3,37}$/;

/**
 * Verifies a 2017 client's bsk2 blob, bytes as stored, against the data public key it was signed with.
 * @throws IntegrityError on a bad signature layer (as `verifyMutableEnvelope`), a payload that is not
 *   exactly what the 2017 client wrote (a current-format payload included), or values outside the 2017
 *   schema.
 */
export function verifyMutable2017(bytes: Uint8Array, publicKey: Uint8Array): Mutable2017Datum {
  const payload = verifyBsk2Signature(bytes, publicKey);
  const datum = parse2017Payload(payload);
  if (datum === undefined) {
    throw new IntegrityError(
      'The bsk2 payload is not a 2017 datum (json.dumps(sort_keys=True) of fq_data_id, data, version, timestamp and an optional blockchain_id)',
      {
        hint: 'A payload that starts with {"fq_data_id": is this project’s own format: read it with getMutable.',
      },
    );
  }
  return datum;
}

/**
 * Reads a signed payload as the 2017 client wrote it. Only a payload whose bytes are exactly Python's
 * serialisation of its own fields counts as 2017-shaped, so a current payload (compact, keys in the
 * order fq_data_id, data, version, timestamp) can never be taken for one, nor one for a current payload.
 * @returns `undefined` when the payload is not laid out as the 2017 client lays it out.
 * @throws IntegrityError when it is laid out so, but a value is outside the 2017 schema.
 */
export function parse2017Payload(payload: Uint8Array): Mutable2017Datum | undefined {
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  // json.dumps escapes everything outside ASCII, and its first key is one of these two.
  if (bytes.some((b) => b > 0x7e)) return undefined;
  const text = bytes.toString('latin1');
  if (!text.startsWith('{"data": ') && !text.startsWith('{"blockchain_id": ')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const fields = value as Record<string, unknown>;
  const keys = Object.keys(fields);
  if (!keys.every((k) => ALLOWED_FIELDS.has(k)) || !REQUIRED_FIELDS.every((k) => k in fields))
    return undefined;
  const { blockchain_id: blockchainId, data, fq_data_id: fqDataId, timestamp, version } = fields;
  if (typeof fqDataId !== 'string' || !Number.isSafeInteger(version) || !Number.isSafeInteger(timestamp)) {
    return undefined;
  }
  if (blockchainId !== undefined && typeof blockchainId !== 'string') return undefined;
  // The exact bytes json.dumps(sort_keys=True) writes around the data value.
  const head = `{${blockchainId === undefined ? '' : `"blockchain_id": ${pythonJsonString(blockchainId)}, `}"data": `;
  const tail = `, "fq_data_id": ${pythonJsonString(fqDataId)}, "timestamp": ${timestamp}, "version": ${version}}`;
  if (text.length < head.length + tail.length || !text.startsWith(head) || !text.endsWith(tail)) {
    return undefined;
  }
  const dataText = text.slice(head.length, text.length - tail.length);
  if (typeof data === 'string') {
    if (dataText !== pythonJsonString(data)) return undefined;
  } else if (!isOneJsonValue(dataText)) {
    return undefined;
  }
  return check2017Fields({
    fqDataId,
    data,
    dataText,
    version: version as number,
    timestamp: timestamp as number,
    blockchainId,
  });
}

function check2017Fields(fields: {
  fqDataId: string;
  data: unknown;
  dataText: string;
  version: number;
  timestamp: number;
  blockchainId: string | undefined;
}): Mutable2017Datum {
  const { fqDataId, data, dataText, version, timestamp, blockchainId } = fields;
  if (version < 1) throw new IntegrityError('The 2017 payload version must be an integer from 1');
  if (timestamp < 0) throw new IntegrityError('The 2017 payload timestamp must be a non-negative integer');
  if (blockchainId !== undefined && !BLOCKCHAIN_ID_2017.test(blockchainId)) {
    throw new IntegrityError(`The 2017 payload blockchain_id ${JSON.stringify(blockchainId)} is not a name`);
  }
  if (typeof data === 'string' && !data.isWellFormed()) {
    throw new IntegrityError(
      'The 2017 payload data is text with a lone surrogate: not representable as UTF-8',
    );
  }
  const { deviceId, dataId } = parse2017FqDataId(fqDataId);
  const datum: Mutable2017Datum = {
    fqDataId,
    dataId,
    data:
      typeof data === 'string'
        ? new Uint8Array(Buffer.from(data, 'utf8'))
        : new Uint8Array(Buffer.from(dataText, 'latin1')),
    dataKind: typeof data === 'string' ? 'text' : 'json',
    version,
    timestamp,
  };
  if (deviceId !== undefined) datum.deviceId = deviceId;
  if (blockchainId !== undefined) datum.blockchainId = blockchainId;
  return datum;
}

/** A verified 2017 deletion record. */
export interface Tombstone2017 {
  fqDataId: string;
  deviceId?: string;
  dataId: string;
  /** Milliseconds since the Unix epoch when the deletion was signed. */
  millis: number;
}

/**
 * Verifies a 2017 client's tombstone `delete-<millis>:<fq_data_id>:<base64 signature>` (signature over
 * the SHA-256 of the text before the last `:`; the same form as Blockstack's unversioned tombstone).
 * @throws IntegrityError when it is malformed, versioned (a current-format tombstone), names an id
 *   outside the 2017 schema, or its signature does not verify.
 */
export function verifyTombstone2017(tombstone: string | Uint8Array, publicKey: Uint8Array): Tombstone2017 {
  const verified = verifyTombstone(tombstone, publicKey);
  if (verified.version !== undefined) {
    throw new IntegrityError('A versioned tombstone is this project’s format, not a 2017 one');
  }
  if (!FQ_DATA_ID_2017.test(verified.fqDataId)) {
    throw new IntegrityError(
      `The tombstone names ${JSON.stringify(verified.fqDataId)}, which is not a 2017 fq_data_id`,
    );
  }
  return { ...parse2017FqDataId(verified.fqDataId), fqDataId: verified.fqDataId, millis: verified.millis };
}

/**
 * Python 2's `json.dumps` of a string with its defaults (`ensure_ascii`): `"` `\` and the control
 * characters escaped (short forms where JSON has one), every UTF-16 unit outside space..`~` as a
 * lowercase `\uXXXX`.
 */
export function pythonJsonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const short = SHORT_ESCAPES[unit];
    if (short !== undefined) out += short;
    else if (unit >= 0x20 && unit <= 0x7e) out += text[i];
    else out += `\\u${unit.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  34: '\\"',
  92: '\\\\',
  8: '\\b',
  12: '\\f',
  10: '\\n',
  13: '\\r',
  9: '\\t',
};

function isOneJsonValue(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
