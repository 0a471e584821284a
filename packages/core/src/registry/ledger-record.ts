import { sha256Hex } from '../crypto/hash.js';
import type { LedgerRecord } from './name-registry.js';

/** `prevHash` of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

type RecordContent = Pick<LedgerRecord, 'seq' | 'op' | 'name' | 'zoneFileHash' | 'prevTxid' | 'timestamp'>;

function contentJson(r: RecordContent): string {
  return (
    `{"seq":${r.seq},"op":${JSON.stringify(r.op)},"name":${JSON.stringify(r.name)},` +
    `"zoneFileHash":${JSON.stringify(r.zoneFileHash)},"prevTxid":${JSON.stringify(r.prevTxid)},` +
    `"timestamp":${r.timestamp}`
  );
}

/** Builds the full record (txid and chain hash) following the record whose hash is `prevHash`. */
export function makeLedgerRecord(content: RecordContent, prevHash: string): LedgerRecord {
  const txid = sha256Hex(`${contentJson(content)}}`);
  const hash = sha256Hex(`${prevHash}\n${contentJson(content)},"txid":"${txid}","prevHash":"${prevHash}"}`);
  return { ...content, txid, prevHash, hash };
}

/** The one canonical line (without newline) of a record: fixed field order, no spaces. */
export function ledgerRecordLine(r: LedgerRecord): string {
  return `${contentJson(r)},"txid":"${r.txid}","prevHash":"${r.prevHash}","hash":"${r.hash}"}`;
}

const HEX64 = /^[0-9a-f]{64}$/;
const HEX40 = /^[0-9a-f]{40}$/;
const FIELDS = ['seq', 'op', 'name', 'zoneFileHash', 'prevTxid', 'timestamp', 'txid', 'prevHash', 'hash'];

/**
 * Parses one ledger line and checks it is exactly the canonical line of a record whose txid and
 * hash are right and which follows `prevHash` at position `seq`.
 * @returns the record, or a sentence saying what is wrong.
 */
export function parseLedgerLine(line: string, seq: number, prevHash: string): LedgerRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not valid JSON (edited or truncated)';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const r = value as Record<string, unknown>;
  if (Object.keys(r).join() !== FIELDS.join()) return 'unexpected fields';
  if (r.op !== 'NAME_REGISTRATION' && r.op !== 'NAME_UPDATE') return 'unknown op';
  if (
    typeof r.name !== 'string' ||
    typeof r.zoneFileHash !== 'string' ||
    !HEX40.test(r.zoneFileHash) ||
    !(r.prevTxid === null || (typeof r.prevTxid === 'string' && HEX64.test(r.prevTxid))) ||
    !Number.isSafeInteger(r.timestamp) ||
    !Number.isSafeInteger(r.seq)
  ) {
    return 'a field has the wrong type';
  }
  if (r.seq !== seq)
    return `sequence number ${r.seq} where ${seq} was expected (a record is missing or repeated)`;
  if (r.prevHash !== prevHash)
    return 'prevHash does not match the previous record (records removed or reordered)';
  const expected = makeLedgerRecord(
    {
      seq,
      op: r.op,
      name: r.name,
      zoneFileHash: r.zoneFileHash,
      prevTxid: r.prevTxid as string | null,
      timestamp: r.timestamp as number,
    },
    prevHash,
  );
  if (r.txid !== expected.txid) return 'txid does not match the record content (edited)';
  if (r.hash !== expected.hash) return 'chain hash does not match (edited)';
  if (ledgerRecordLine(expected) !== line) return 'not in canonical form (edited)';
  return expected;
}
