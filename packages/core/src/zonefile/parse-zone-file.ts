import { secp256k1Backend } from '../crypto/backend.js';
import { hexToBytes } from '../crypto/hex.js';
import { IntegrityError, isStorageError } from '../errors.js';
import {
  DATA_KEY_TXT_NAME,
  DATA_KEY_TXT_PREFIX,
  type ZoneFile,
  type ZoneFileRecord,
  type ZoneFileTxt,
  type ZoneFileUri,
} from './zone-file.js';

/** Zone files larger than this are refused before parsing (BNS allowed 40 KiB; this leaves room). */
export const MAX_ZONE_FILE_PARSE_BYTES = 1024 * 1024;

interface Token {
  text: string;
  quoted: boolean;
}

interface LogicalLine {
  /** 1-based line where the record starts, for error messages. */
  line: number;
  /** True when the line starts with blank space: the owner is the previous record's. */
  continuesOwner: boolean;
  tokens: Token[];
}

const CLASSES = new Set(['IN', 'CH', 'HS', 'CS']);

/**
 * Parses a DNS zone file as Blockstack writes them (and as the `zone-file` npm package writes them):
 * comments, parentheses spanning lines, quoted strings with escapes, an omitted owner, TTL and class in
 * either order. TXT `pubkey` = `pubkey:data:<hex>` becomes `dataPublicKey`.
 * @throws IntegrityError naming the line of the first problem (no `$ORIGIN`, an unclosed quote or
 *   parenthesis, a malformed URI record, two data keys or an invalid one, `$INCLUDE`).
 */
export function parseZoneFile(text: string): ZoneFile {
  if (typeof text !== 'string') throw new IntegrityError('A zone file must be text');
  if (text.length > MAX_ZONE_FILE_PARSE_BYTES) {
    throw new IntegrityError(`The zone file is larger than ${MAX_ZONE_FILE_PARSE_BYTES} characters`);
  }
  const result: ZoneFile = { origin: '', uris: [], txt: [], records: [] };
  let owner: string | undefined;
  let dataKeyLine = 0;
  for (const { line, continuesOwner, tokens } of logicalLines(text)) {
    const fail = (message: string): never => {
      throw new IntegrityError(`Zone file line ${line}: ${message}`);
    };
    const first = tokens[0]!;
    if (!continuesOwner && !first.quoted && first.text.startsWith('$')) {
      const directive = first.text.toUpperCase();
      if (directive === '$ORIGIN') {
        if (tokens.length !== 2) fail('$ORIGIN takes one name');
        result.origin = tokens[1]!.text;
      } else if (directive === '$TTL') {
        if (tokens.length !== 2 || !/^\d{1,10}$/.test(tokens[1]!.text))
          fail('$TTL takes a number of seconds');
        result.ttl = Number(tokens[1]!.text);
      } else {
        fail(`unsupported directive ${first.text}`);
      }
      continue;
    }
    let at = 0;
    if (!continuesOwner) {
      owner = first.text;
      at = 1;
    }
    if (owner === undefined) fail('a record with no owner name');
    let ttl: number | undefined;
    // TTL and class may come in either order before the type.
    for (let i = 0; i < 2 && at < tokens.length; i++) {
      const token = tokens[at]!.text;
      if (ttl === undefined && /^\d{1,10}$/.test(token)) {
        ttl = Number(token);
        at++;
      } else if (CLASSES.has(token.toUpperCase())) {
        at++;
      }
    }
    if (at >= tokens.length) fail('a record with no type');
    const type = tokens[at]!.text.toUpperCase();
    const rdata = tokens.slice(at + 1);
    const name = owner!;
    if (type === 'TXT') {
      if (rdata.length === 0) fail('a TXT record with no text');
      const record: ZoneFileTxt = { name, text: rdata.map((t) => t.text).join('') };
      if (ttl !== undefined) record.ttl = ttl;
      if (name === DATA_KEY_TXT_NAME && record.text.startsWith(DATA_KEY_TXT_PREFIX)) {
        if (dataKeyLine !== 0) fail(`a second data key (the first is on line ${dataKeyLine})`);
        dataKeyLine = line;
        result.dataPublicKey = parseDataKey(record.text.slice(DATA_KEY_TXT_PREFIX.length), fail);
      } else {
        result.txt.push(record);
      }
    } else if (type === 'URI') {
      if (rdata.length !== 3 || !isUint16(rdata[0]!.text) || !isUint16(rdata[1]!.text)) {
        fail('a URI record must be: priority weight "target"');
      }
      const uri: ZoneFileUri = {
        name,
        target: rdata[2]!.text,
        priority: Number(rdata[0]!.text),
        weight: Number(rdata[1]!.text),
      };
      if (ttl !== undefined) uri.ttl = ttl;
      result.uris.push(uri);
    } else {
      const record: ZoneFileRecord = {
        name,
        type,
        data: rdata.map((t) => (t.quoted ? JSON.stringify(t.text) : t.text)).join(' '),
      };
      if (ttl !== undefined) record.ttl = ttl;
      result.records.push(record);
    }
  }
  if (result.origin === '') throw new IntegrityError('The zone file has no $ORIGIN line');
  return result;
}

function parseDataKey(hex: string, fail: (message: string) => never): Uint8Array {
  let key: Uint8Array | undefined;
  try {
    key = hexToBytes(hex, 'data public key');
  } catch (error) {
    if (!isStorageError(error)) throw error;
  }
  if (key === undefined || !secp256k1Backend().isValidPublicKey(key)) {
    fail('the pubkey TXT record does not hold a valid secp256k1 public key');
  }
  return key!;
}

function isUint16(text: string): boolean {
  return /^\d{1,5}$/.test(text) && Number(text) <= 65535;
}

/** Splits the text into records: strips comments, joins parenthesised continuations, unquotes strings. */
function* logicalLines(text: string): Generator<LogicalLine> {
  let line = 1;
  let start = 1;
  let depth = 0;
  let tokens: Token[] = [];
  let continuesOwner = false;
  let freshLine = true;
  let lineStartsBlank = false;
  let i = 0;
  const fail = (message: string): never => {
    throw new IntegrityError(`Zone file line ${line}: ${message}`);
  };
  const push = (token: Token, at: number): void => {
    if (tokens.length === 0) {
      start = at;
      continuesOwner = lineStartsBlank;
    }
    tokens.push(token);
  };
  while (i < text.length) {
    const char = text[i]!;
    if (freshLine) {
      lineStartsBlank = char === ' ' || char === '\t';
      freshLine = false;
    }
    if (char === '\n') {
      line++;
      i++;
      if (depth === 0) {
        if (tokens.length > 0) yield { line: start, continuesOwner, tokens };
        tokens = [];
        freshLine = true;
      }
      continue;
    }
    if (char === ' ' || char === '\t' || char === '\r') {
      i++;
      continue;
    }
    if (char === ';') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (char === '(' || char === ')') {
      depth += char === '(' ? 1 : -1;
      if (depth < 0) fail('an unmatched ")"');
      i++;
      continue;
    }
    const tokenLine = line;
    if (char === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length)
          throw new IntegrityError(`Zone file line ${tokenLine}: an unclosed quoted string`);
        const c = text[i]!;
        if (c === '"') break;
        if (c === '\n') line++;
        if (c === '\\') {
          // RFC 1035 escapes: \DDD (decimal byte) or \X (X literally).
          const digits = /^\d{3}/.exec(text.slice(i + 1, i + 4));
          if (digits) {
            value += String.fromCharCode(Number(digits[0]));
            i += 4;
            continue;
          }
          if (i + 1 >= text.length) fail('an unclosed quoted string');
          value += text[i + 1];
          i += 2;
          continue;
        }
        value += c;
        i++;
      }
      i++;
      push({ text: value, quoted: true }, tokenLine);
      continue;
    }
    let end = i;
    while (end < text.length && !WORD_END.has(text[end]!)) end++;
    push({ text: text.slice(i, end), quoted: false }, tokenLine);
    i = end;
  }
  if (depth !== 0) fail('an unclosed "("');
  if (tokens.length > 0) yield { line: start, continuesOwner, tokens };
}

const WORD_END = new Set([' ', '\t', '\r', '\n', ';', '(', ')', '"']);
