import { bytesToHex } from '../crypto/hex.js';
import { InvalidKeyError } from '../errors.js';
import { compressPublicKey } from '../identity/data-key.js';
import {
  DATA_KEY_TXT_NAME,
  DATA_KEY_TXT_PREFIX,
  DEFAULT_ZONE_FILE_TTL,
  type ZoneFileInput,
  type ZoneFileRecord,
} from './zone-file.js';

/** DNS limits one TXT character-string to 255 bytes; longer texts are written as several. */
const MAX_CHARACTER_STRING = 255;
const NAME = /^[A-Za-z0-9_*@~+-][A-Za-z0-9_.*~+-]*$/;
const ORIGIN = /^[A-Za-z0-9_~+-][A-Za-z0-9_.~+-]*\.?$/;
// Printable ASCII without the characters the `zone-file` npm parser cannot take inside a quoted
// string (it strips comments and parentheses before it tokenises, and has no escapes).
const QUOTABLE = /^[\x20-\x7e]*$/;
const UNQUOTABLE = /["\\;()]/;

/**
 * Writes a zone file that both `parseZoneFile` and the `zone-file` npm package read back:
 * `$ORIGIN`, `$TTL`, the `pubkey` TXT record, other TXT records, URI records, then any other records.
 * The data public key is written compressed.
 * @throws InvalidKeyError naming the first value that cannot be written safely.
 */
export function makeZoneFile(input: ZoneFileInput): string {
  if (typeof input.origin !== 'string' || !ORIGIN.test(input.origin)) {
    throw new InvalidKeyError(`Zone file origin ${JSON.stringify(input.origin)} is not a valid name`);
  }
  const ttl = input.ttl ?? DEFAULT_ZONE_FILE_TTL;
  checkTtl(ttl, '$TTL');
  const lines = [`$ORIGIN ${input.origin}`, `$TTL ${ttl}`];
  if (input.dataPublicKey !== undefined) {
    const key = compressPublicKey(input.dataPublicKey);
    lines.push(`${DATA_KEY_TXT_NAME}\tIN\tTXT\t"${DATA_KEY_TXT_PREFIX}${bytesToHex(key)}"`);
  }
  for (const record of input.txt ?? []) {
    checkName(record.name, 'TXT record');
    if (record.name === DATA_KEY_TXT_NAME) {
      throw new InvalidKeyError('A TXT record named "pubkey" is the data key: pass dataPublicKey instead');
    }
    checkText(record.text, `TXT record ${record.name}`);
    lines.push(`${record.name}\t${ttlField(record.ttl)}IN\tTXT\t${quoteText(record.text)}`);
  }
  for (const uri of input.uris ?? []) {
    checkName(uri.name, 'URI record');
    checkText(uri.target, `URI record ${uri.name}`);
    if (uri.target.length === 0 || /\s/.test(uri.target)) {
      throw new InvalidKeyError(`URI record ${uri.name} target must be a non-empty URL without spaces`);
    }
    const priority = uri.priority ?? 10;
    const weight = uri.weight ?? 1;
    checkUint16(priority, `URI record ${uri.name} priority`);
    checkUint16(weight, `URI record ${uri.name} weight`);
    lines.push(`${uri.name}\t${ttlField(uri.ttl)}IN\tURI\t${priority}\t${weight}\t"${uri.target}"`);
  }
  for (const record of input.records ?? []) lines.push(otherRecordLine(record));
  return `${lines.join('\n')}\n`;
}

function otherRecordLine(record: ZoneFileRecord): string {
  checkName(record.name, `${record.type} record`);
  if (!/^[A-Z][A-Z0-9]*$/.test(record.type) || record.type === 'TXT' || record.type === 'URI') {
    throw new InvalidKeyError(`Record type ${JSON.stringify(record.type)} is not a valid other-record type`);
  }
  if (!QUOTABLE.test(record.data) || /[;()]/.test(record.data)) {
    throw new InvalidKeyError(
      `${record.type} record ${record.name} data must be one line of printable ASCII`,
    );
  }
  return `${record.name}\t${ttlField(record.ttl)}IN\t${record.type}\t${record.data}`;
}

function quoteText(text: string): string {
  const parts: string[] = [];
  for (let at = 0; at < text.length || parts.length === 0; at += MAX_CHARACTER_STRING) {
    parts.push(`"${text.slice(at, at + MAX_CHARACTER_STRING)}"`);
  }
  return parts.join(' ');
}

function ttlField(ttl: number | undefined): string {
  if (ttl === undefined) return '';
  checkTtl(ttl, 'record TTL');
  return `${ttl}\t`;
}

function checkName(name: string, what: string): void {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new InvalidKeyError(
      `${what} name ${JSON.stringify(name)} is not a valid owner name (letters, digits, _ - . ~ + * @)`,
    );
  }
}

function checkText(text: string, what: string): void {
  if (typeof text !== 'string' || !QUOTABLE.test(text) || UNQUOTABLE.test(text)) {
    throw new InvalidKeyError(
      `${what} must be printable ASCII without " \\ ; ( ) (percent-encode them in URLs)`,
    );
  }
}

function checkTtl(ttl: number, what: string): void {
  if (!Number.isSafeInteger(ttl) || ttl < 0 || ttl > 2 ** 31 - 1) {
    throw new InvalidKeyError(`${what} must be an integer of seconds in [0, 2^31-1], got ${ttl}`);
  }
}

function checkUint16(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new InvalidKeyError(`${what} must be an integer in [0, 65535], got ${value}`);
  }
}
