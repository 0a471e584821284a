import { IntegrityError } from '../errors.js';

// The 2017 Python client (blockstack_client v0.14–v0.17) named a mutable datum by its "fully
// qualified data id": Python 2's urllib.quote of `<device_id>:<data_id>`, with every `/` first
// written as the four characters `\x2f`. Its disk driver stored it at `mutable/<fq_data_id>`.

/** What the 2017 schema allowed in an `fq_data_id` (a URL-quoted string). */
export const FQ_DATA_ID_2017 = /^[A-Za-z0-9\-_.~%/]+$/;

const SLASH_ESCAPE = '\\x2f';
// Python 2's urllib.quote never quotes these (its default `safe` is '/'); '~' it does quote.
const UNQUOTED = /^[A-Za-z0-9_.\-/]$/;

/** The 2017 `fq_data_id` of `dataId` written from `deviceId` (how the 2017 client built it). */
export function quote2017FqDataId(deviceId: string, dataId: string): string {
  const raw = Buffer.from(`${deviceId}:${dataId}`.replaceAll('/', SLASH_ESCAPE), 'utf8');
  let out = '';
  for (const byte of raw) {
    const char = String.fromCharCode(byte);
    out += byte < 0x80 && UNQUOTED.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A 2017 `fq_data_id` taken apart. */
export interface Parsed2017FqDataId {
  /** The writing device; absent when the id has no `:` (e.g. a profile, named by the user's name). */
  deviceId?: string;
  /** The data id the application used (`/` restored). */
  dataId: string;
}

/**
 * Takes a 2017 `fq_data_id` apart as the 2017 client did: unquote (`%XX`), then `\x2f` back to `/`,
 * then split at the first `:`.
 * @throws IntegrityError when the id is outside the 2017 schema or unquotes to bytes that are not UTF-8.
 */
export function parse2017FqDataId(fqDataId: string): Parsed2017FqDataId {
  if (!FQ_DATA_ID_2017.test(fqDataId)) {
    throw new IntegrityError(
      `${JSON.stringify(fqDataId)} is not a 2017 fq_data_id (only URL-quoted characters are allowed)`,
    );
  }
  const bytes: number[] = [];
  for (let i = 0; i < fqDataId.length; i++) {
    const hex = fqDataId.slice(i + 1, i + 3);
    // Like Python 2's unquote: a '%' without two hex digits after it stays as it is.
    if (fqDataId[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(fqDataId.charCodeAt(i));
    }
  }
  let unquoted: string;
  try {
    unquoted = new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
  } catch (cause) {
    throw new IntegrityError(`The 2017 fq_data_id ${JSON.stringify(fqDataId)} does not unquote to UTF-8`, {
      cause,
    });
  }
  const id = unquoted.replaceAll(SLASH_ESCAPE, '/');
  const colon = id.indexOf(':');
  return colon < 0 ? { dataId: id } : { deviceId: id.slice(0, colon), dataId: id.slice(colon + 1) };
}

/** The file name the 2017 disk driver gave a datum under `mutable/` (`/` written as `\x2f`). */
export function diskFileName2017(fqDataId: string): string {
  return fqDataId.replaceAll('/', SLASH_ESCAPE);
}
