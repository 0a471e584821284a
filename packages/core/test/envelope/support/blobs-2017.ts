import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '../../../src/crypto/hash.js';

// Blobs made by the 2017 blockstack_client rules (v0.14–v0.17), written for these tests from those
// rules and kept apart from the code under test: the quoting, json.dumps and signing here are their
// own. `python2017Blobs` makes the same blobs with Python's own json and urllib (when available), so
// the two generators check each other.

export interface Datum2017Spec {
  kind?: 'datum';
  deviceId: string;
  dataId: string;
  /** Any JSON value; usually text. */
  data: unknown;
  version: number;
  timestamp: number;
  blockchainId?: string;
  /** Overrides the fq_data_id built from deviceId and dataId. */
  fqDataId?: string;
}

export interface Tombstone2017Spec {
  kind: 'tombstone';
  deviceId: string;
  dataId: string;
  millis: number;
}

/** Python 2 `urllib.quote(s, safe='/')` of the UTF-8 bytes of `s`. */
function py2Quote(s: string): string {
  return [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9_.\-/]/.test(String.fromCharCode(b)) && b < 0x80
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

/** The 2017 client's make_fq_data_id. */
export function fqDataId2017(deviceId: string, dataId: string): string {
  return py2Quote(`${deviceId}:${dataId}`.split('/').join('\\x2f'));
}

/** Python's json.dumps(value, sort_keys=True) for strings, integers, booleans, null, lists and dicts. */
export function pyDumps(value: unknown): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error('floats are not needed by these fixtures');
    return value.toFixed(0);
  }
  if (typeof value === 'string') {
    const escaped = Array.from({ length: value.length }, (_, i) => {
      const c = value.charCodeAt(i);
      const named: Record<number, string> = {
        34: '\\"',
        92: '\\\\',
        8: '\\b',
        12: '\\f',
        10: '\\n',
        13: '\\r',
        9: '\\t',
      };
      if (named[c]) return named[c];
      return c < 0x20 || c > 0x7e ? `\\u${c.toString(16).padStart(4, '0')}` : value[i];
    });
    return `"${escaped.join('')}"`;
  }
  if (Array.isArray(value)) return `[${value.map(pyDumps).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return `{${entries.map(([k, v]) => `${pyDumps(k)}: ${pyDumps(v)}`).join(', ')}}`;
}

function signText(text: string, privateKey: Uint8Array): string {
  // virtualchain's sign_raw_data: ECDSA over SHA-256 of the text, low-S, base64 of r‖s.
  return Buffer.from(secp256k1.sign(sha256(text), privateKey, { prehash: false, lowS: true })).toString(
    'base64',
  );
}

/** The payload text the 2017 client signed for `spec`. */
export function payload2017(spec: Datum2017Spec): string {
  const fields: Record<string, unknown> = {
    fq_data_id: spec.fqDataId ?? fqDataId2017(spec.deviceId, spec.dataId),
    data: spec.data,
    version: spec.version,
    timestamp: spec.timestamp,
  };
  if (spec.blockchainId !== undefined) fields.blockchain_id = spec.blockchainId;
  return pyDumps(fields);
}

/** A bsk2 blob exactly as the 2017 client stored it, signed with `privateKey`. */
export function blob2017(spec: Datum2017Spec | Tombstone2017Spec, privateKey: Uint8Array): Uint8Array {
  if (spec.kind === 'tombstone') {
    const text = `delete-${spec.millis}:${fqDataId2017(spec.deviceId, spec.dataId)}`;
    return new Uint8Array(Buffer.from(`${text}:${signText(text, privateKey)}`, 'latin1'));
  }
  return signedPayload(payload2017(spec), privateKey);
}

/** A bsk2 blob around any payload text (for payloads the 2017 client would not have written). */
export function signedPayload(payload: string, privateKey: Uint8Array): Uint8Array {
  const netstring = `${Buffer.byteLength(payload, 'latin1')}:${payload},`;
  const pub = Buffer.from(secp256k1.getPublicKey(privateKey, true)).toString('hex');
  return new Uint8Array(Buffer.from(`bsk2.${pub}.${signText(netstring, privateKey)}.${netstring}`, 'latin1'));
}

const SCRIPT = fileURLToPath(new URL('./make_2017_blob.py', import.meta.url));

/** Whether python3 with the `cryptography` package is here (Debian has python3; CI may lack the rest). */
export function pythonAvailable(): boolean {
  const probe = spawnSync('python3', ['-c', 'import cryptography'], { stdio: 'ignore' });
  return probe.status === 0;
}

/** The same blobs, made by Python's own json.dumps, urllib.parse.quote and the cryptography package. */
export function python2017Blobs(
  specs: readonly (Datum2017Spec | Tombstone2017Spec)[],
  privateKey: Uint8Array,
): Uint8Array[] {
  const items = specs.map((s) =>
    s.kind === 'tombstone'
      ? { kind: 'tombstone', device_id: s.deviceId, data_id: s.dataId, millis: s.millis }
      : {
          kind: 'datum',
          device_id: s.deviceId,
          data_id: s.dataId,
          data: s.data,
          version: s.version,
          timestamp: s.timestamp,
          blockchain_id: s.blockchainId ?? null,
          fq_data_id: s.fqDataId ?? null,
        },
  );
  const run = spawnSync('python3', [SCRIPT], {
    input: JSON.stringify({ private_key: Buffer.from(privateKey).toString('hex'), items }),
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`make_2017_blob.py failed: ${run.stderr}`);
  return (JSON.parse(run.stdout) as string[]).map((b) => new Uint8Array(Buffer.from(b, 'base64')));
}
