import { IntegrityError, InvalidKeyError } from '../errors.js';
import { decodeDataId, encodeDataId, validateDataId, validateHash } from '../keys.js';
import { DATA_KEY_TXT_NAME, type ZoneFile, type ZoneFileUri } from './zone-file.js';

/** An immutable datum's entry in the zone file: its SHA-256 and, optionally, where to fetch it. */
export interface ImmutableDataRecord {
  dataId: string;
  /** SHA-256 of the data, 64 lowercase hex characters. */
  hash: string;
  /** A URL the data can be fetched from, when one was published. */
  url?: string;
}

/**
 * The TXT owner name of a data id: `encodeDataId(dataId)`, which leaves the lowercase ids Blockstack
 * used (`pgp-key`, `release.tar`) unchanged and escapes anything a zone file cannot carry. `pubkey` is
 * reserved for the data key.
 * @throws InvalidKeyError for an invalid id or `pubkey`.
 */
export function immutableRecordName(dataId: string): string {
  validateDataId(dataId);
  const name = encodeDataId(dataId);
  if (name === DATA_KEY_TXT_NAME) {
    throw new InvalidKeyError('The data id "pubkey" is reserved for the zone file data key', { key: dataId });
  }
  return name;
}

/** The TXT text of an immutable record: `[url]#<sha256 hex>`. */
export function formatImmutableRecordText(hash: string, url?: string): string {
  validateHash(hash);
  return `${url ?? ''}#${hash}`;
}

/**
 * Parses `[url]#<sha256 hex>` (the hash follows the last `#`, so a URL may have a fragment).
 * @returns `undefined` when the text is not of that form (another kind of TXT record).
 */
export function parseImmutableRecordText(text: string): { hash: string; url?: string } | undefined {
  const at = text.lastIndexOf('#');
  if (at < 0) return undefined;
  const hash = text.slice(at + 1);
  if (!/^[0-9a-f]{64}$/.test(hash)) return undefined;
  return at === 0 ? { hash } : { hash, url: text.slice(0, at) };
}

/**
 * A copy of `zoneFile` whose TXT record for `dataId` is `[url]#hash`, replacing any older one.
 * @throws InvalidKeyError for an invalid id, hash or URL (see `makeZoneFile`'s rules).
 */
export function setImmutableDataRecord(
  zoneFile: ZoneFile,
  dataId: string,
  hash: string,
  url?: string,
): ZoneFile {
  const name = immutableRecordName(dataId);
  const text = formatImmutableRecordText(hash, url);
  return { ...zoneFile, txt: [...zoneFile.txt.filter((r) => r.name !== name), { name, text }] };
}

/** A copy of `zoneFile` without the TXT record of `dataId` (unchanged when there is none). */
export function removeImmutableDataRecord(zoneFile: ZoneFile, dataId: string): ZoneFile {
  const name = immutableRecordName(dataId);
  return { ...zoneFile, txt: zoneFile.txt.filter((r) => r.name !== name) };
}

/**
 * The immutable record of `dataId`, or `undefined` when the zone file has none.
 * @throws IntegrityError when the id's TXT record exists but is not `[url]#hash`, or exists twice.
 */
export function getImmutableDataRecord(zoneFile: ZoneFile, dataId: string): ImmutableDataRecord | undefined {
  const name = immutableRecordName(dataId);
  const records = zoneFile.txt.filter((r) => r.name === name);
  if (records.length === 0) return undefined;
  if (records.length > 1) {
    throw new IntegrityError(`The zone file has ${records.length} TXT records for one data id`, {
      key: dataId,
    });
  }
  const parsed = parseImmutableRecordText(records[0]!.text);
  if (!parsed) {
    throw new IntegrityError('The zone file TXT record of this data id is not "[url]#<sha256>"', {
      key: dataId,
    });
  }
  return { dataId, ...parsed };
}

/** Every TXT record of the form `[url]#<sha256>` whose name decodes to a data id. */
export function listImmutableDataRecords(zoneFile: ZoneFile): ImmutableDataRecord[] {
  const out: ImmutableDataRecord[] = [];
  for (const record of zoneFile.txt) {
    const parsed = parseImmutableRecordText(record.text);
    const dataId = decodeDataId(record.name);
    if (parsed && dataId !== undefined) out.push({ dataId, ...parsed });
  }
  return out;
}

/** A copy of `zoneFile` whose URI records named `name` are exactly `targets` (in that order). */
export function setUriRecords(
  zoneFile: ZoneFile,
  name: string,
  targets: readonly (string | Omit<ZoneFileUri, 'name'>)[],
): ZoneFile {
  const fresh = targets.map(
    (t): ZoneFileUri => (typeof t === 'string' ? { name, target: t } : { ...t, name }),
  );
  return { ...zoneFile, uris: [...zoneFile.uris.filter((u) => u.name !== name), ...fresh] };
}

/** A copy of `zoneFile` without URI records named `name` (or only those with `target`, if given). */
export function removeUriRecords(zoneFile: ZoneFile, name: string, target?: string): ZoneFile {
  return {
    ...zoneFile,
    uris: zoneFile.uris.filter((u) => u.name !== name || (target !== undefined && u.target !== target)),
  };
}

/** A copy of `zoneFile` with TXT record `name` set to `text` (replacing records of that name). */
export function setTxtRecord(zoneFile: ZoneFile, name: string, text: string): ZoneFile {
  if (name === DATA_KEY_TXT_NAME) throw new InvalidKeyError('Set the data key through dataPublicKey');
  return { ...zoneFile, txt: [...zoneFile.txt.filter((r) => r.name !== name), { name, text }] };
}

/** A copy of `zoneFile` without TXT records named `name`. */
export function removeTxtRecord(zoneFile: ZoneFile, name: string): ZoneFile {
  return { ...zoneFile, txt: zoneFile.txt.filter((r) => r.name !== name) };
}
