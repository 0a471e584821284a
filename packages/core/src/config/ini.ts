import { ConfigurationError } from '../errors.js';

/** Parsed INI: section name → (lower-cased key → value). Objects have no prototype. */
export type IniSections = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** Limits that keep the parser bounded on hostile input (it is fuzzed). */
export interface IniLimits {
  /** Largest file accepted, in bytes. Default 256 KiB. */
  maxBytes?: number;
  /** Longest line accepted, in characters. Default 8192. */
  maxLineLength?: number;
  /** Most sections accepted. Default 256. */
  maxSections?: number;
  /** Most keys accepted in one section. Default 256. */
  maxKeysPerSection?: number;
}

export interface ParseIniOptions extends IniLimits {
  /** Where the text came from, for error messages. */
  path?: string;
}

const SECTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const KEY_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
// Control characters other than tab: never legitimate in a config value.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

/**
 * A strict, bounded INI parser for the client config (the subset Python's ConfigParser reads and
 * the 2017 client wrote): `[section]` headers, `key = value` or `key: value` lines, whole-line
 * comments starting with `#` or `;`, blank lines. Keys are case-insensitive (lower-cased, as
 * ConfigParser does); section names are case-sensitive.
 *
 * Refused with a `ConfigurationError` naming the file and line (never echoing the line, which may hold
 * a secret): invalid UTF-8, NUL or control characters, a key outside any section, duplicate sections or
 * keys, continuation lines, malformed headers or keys, and input over the limits.
 */
export function parseIni(input: string | Uint8Array, options: ParseIniOptions = {}): IniSections {
  const maxBytes = options.maxBytes ?? 256 * 1024;
  const maxLineLength = options.maxLineLength ?? 8192;
  const maxSections = options.maxSections ?? 256;
  const maxKeys = options.maxKeysPerSection ?? 256;
  const where = options.path ?? '<config>';
  const fail = (message: string, line?: number): never => {
    throw new ConfigurationError(`${where}${line === undefined ? '' : `:${line}`}: ${message}`, {
      hint: 'Fix the config file: see the core README for the format.',
    });
  };

  let text: string;
  if (typeof input === 'string') {
    if (Buffer.byteLength(input, 'utf8') > maxBytes) fail(`file is larger than ${maxBytes} bytes`);
    text = input;
  } else {
    if (input.byteLength > maxBytes) fail(`file is larger than ${maxBytes} bytes`);
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      return fail('file is not valid UTF-8');
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);

  const sections: Record<string, Record<string, string>> = Object.create(null);
  let sectionCount = 0;
  let current: Record<string, string> | undefined;
  let currentName = '';
  let currentKeys = 0;
  const lines = text.split(/\r\n|\n|\r/);
  for (let index = 0; index < lines.length; index++) {
    const lineNo = index + 1;
    const raw = lines[index]!;
    if (raw.length > maxLineLength) fail(`line is longer than ${maxLineLength} characters`, lineNo);
    if (CONTROL.test(raw)) fail('line contains a control character', lineNo);
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (/^\s/.test(raw)) {
      fail('indented line: continuation lines are not supported; put the whole value on one line', lineNo);
    }
    if (line.startsWith('[')) {
      if (!line.endsWith(']')) fail('section header must end with "]"', lineNo);
      const name = line.slice(1, -1).trim();
      if (!SECTION_NAME.test(name)) {
        fail('section name must be 1-64 characters of letters, digits, "_", "." or "-"', lineNo);
      }
      if (Object.hasOwn(sections, name)) fail(`section [${name}] appears twice`, lineNo);
      if (++sectionCount > maxSections) fail(`more than ${maxSections} sections`, lineNo);
      current = Object.create(null) as Record<string, string>;
      sections[name] = current;
      currentName = name;
      currentKeys = 0;
      continue;
    }
    const eq = line.indexOf('=');
    const colon = line.indexOf(':');
    const cut = eq === -1 ? colon : colon === -1 ? eq : Math.min(eq, colon);
    if (cut === -1) fail('expected "[section]" or "key = value"', lineNo);
    const key = line.slice(0, cut).trim().toLowerCase();
    if (!KEY_NAME.test(key)) {
      fail('key must be 1-128 characters of letters, digits, "_", "." or "-"', lineNo);
    }
    if (current === undefined) fail(`key "${key}" appears before any [section] header`, lineNo);
    if (Object.hasOwn(current!, key)) fail(`key "${key}" appears twice in [${currentName}]`, lineNo);
    if (++currentKeys > maxKeys) fail(`more than ${maxKeys} keys in [${currentName}]`, lineNo);
    current![key] = line.slice(cut + 1).trim();
  }
  return sections;
}
