import { describe, expect, it } from 'vitest';
import { makeZoneFile as npmMake, parseZoneFile as npmParse } from 'zone-file';
import { bytesToHex } from '../../src/crypto/hex.js';
import { isStorageError } from '../../src/errors.js';
import { generateDataKeyPair } from '../../src/identity/data-key.js';
import {
  getImmutableDataRecord,
  listImmutableDataRecords,
  parseImmutableRecordText,
  removeImmutableDataRecord,
  removeUriRecords,
  setImmutableDataRecord,
  setUriRecords,
} from '../../src/zonefile/immutable-record.js';
import { makeZoneFile } from '../../src/zonefile/make-zone-file.js';
import { parseZoneFile } from '../../src/zonefile/parse-zone-file.js';

const { publicKey } = generateDataKeyPair();
const keyHex = bytesToHex(publicKey);
const HASH = 'ab'.repeat(32);
const LONG_URL = `https://example.com/${'x'.repeat(400)}`;

function integrityError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(isStorageError(error, 'BSS_INTEGRITY'), String(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected IntegrityError');
}

describe('zone files', () => {
  const input = {
    origin: 'alice.id',
    dataPublicKey: publicKey,
    uris: [
      { name: '_https._tcp', target: 'https://hub.example/alice/profile.json' },
      { name: '_data._tcp', target: 'http://127.0.0.1:8080/alice', priority: 5, weight: 3, ttl: 60 },
    ],
    txt: [
      { name: 'pgp-key', text: `https://hub.example/pgp#${HASH}` },
      { name: 'long', text: `${LONG_URL}#${HASH}` },
      { name: 'empty', text: '' },
    ],
  };

  it('writes what it parses back, TTL default 3600', () => {
    const text = makeZoneFile(input);
    expect(text.startsWith('$ORIGIN alice.id\n$TTL 3600\n')).toBe(true);
    expect(text).toContain(`pubkey\tIN\tTXT\t"pubkey:data:${keyHex}"`);
    const parsed = parseZoneFile(text);
    expect(parsed.origin).toBe('alice.id');
    expect(parsed.ttl).toBe(3600);
    expect(parsed.dataPublicKey).toEqual(publicKey);
    expect(parsed.uris).toEqual([
      { name: '_https._tcp', target: 'https://hub.example/alice/profile.json', priority: 10, weight: 1 },
      { name: '_data._tcp', target: 'http://127.0.0.1:8080/alice', priority: 5, weight: 3, ttl: 60 },
    ]);
    expect(parsed.txt).toEqual(input.txt);
    expect(parsed.records).toEqual([]);
    expect(makeZoneFile(parsed)).toBe(text);
  });

  it('the zone-file npm package reads what we write', () => {
    const theirs = npmParse(makeZoneFile(input));
    expect(theirs.$origin).toBe('alice.id');
    expect(theirs.$ttl).toBe(3600);
    const txt = theirs.txt!.map((r) => ({ name: r.name, text: [r.txt].flat().join('') }));
    expect(txt).toEqual([{ name: 'pubkey', text: `pubkey:data:${keyHex}` }, ...input.txt]);
    expect(theirs.uri).toEqual([
      { name: '_https._tcp', target: 'https://hub.example/alice/profile.json', priority: 10, weight: 1 },
      { name: '_data._tcp', target: 'http://127.0.0.1:8080/alice', priority: 5, weight: 3, ttl: 60 },
    ]);
  });

  it('we read what the zone-file npm package writes, including its SOA, A records and comments', () => {
    const text = npmMake({
      $origin: 'bob.id',
      $ttl: 3600,
      soa: {
        name: '@',
        minimum: 86400,
        expire: 604800,
        retry: 600,
        refresh: 3600,
        serial: 2017,
        rname: 'hostmaster.bob.id.',
        mname: 'ns.bob.id.',
      },
      a: [{ name: 'www', ip: '127.0.0.1', ttl: 300 }],
      txt: [
        { name: 'pubkey', txt: `pubkey:data:${keyHex}` },
        { name: 'split', txt: ['part one ', 'part two'] },
        { name: 'release', txt: `#${HASH}` },
      ],
      uri: [{ name: '_http._tcp', target: 'https://example.com/bob.json', priority: 10, weight: 1 }],
    });
    const ours = parseZoneFile(text);
    expect(ours.origin).toBe('bob.id');
    expect(ours.dataPublicKey).toEqual(publicKey);
    expect(ours.txt).toEqual([
      { name: 'split', text: 'part one part two' },
      { name: 'release', text: `#${HASH}` },
    ]);
    expect(ours.uris).toEqual([
      { name: '_http._tcp', target: 'https://example.com/bob.json', priority: 10, weight: 1 },
    ]);
    expect(ours.records.map((r) => r.type)).toEqual(['SOA', 'A']);
    expect(ours.records[1]).toEqual({ name: 'www', ttl: 300, type: 'A', data: '127.0.0.1' });
    expect(ours.records[0]!.data.split(' ')).toEqual([
      'ns.bob.id.',
      'hostmaster.bob.id.',
      '2017',
      '3600',
      '600',
      '604800',
      '86400',
    ]);
    // A rewrite keeps the other records, and the npm package still reads it.
    const rewritten = makeZoneFile(setImmutableDataRecord(ours, 'notes', HASH));
    const again = npmParse(rewritten);
    expect(again.a).toEqual([{ name: 'www', ip: '127.0.0.1', ttl: 300 }]);
    expect(parseZoneFile(rewritten).records).toEqual(ours.records);
  });

  it('reads the general zone file syntax: owner omitted, class before TTL, escapes, parentheses', () => {
    const text = [
      '; a comment',
      '$ORIGIN carol.id.',
      'pubkey IN 60 TXT ( "pubkey:data:' + keyHex + '" ) ; trailing comment',
      '  TXT "semi;colon \\"quoted\\" \\065"',
      '@ URI ( 1',
      '   2 "https://x.example/a" )',
    ].join('\r\n');
    const parsed = parseZoneFile(text);
    expect(parsed.origin).toBe('carol.id.');
    expect(parsed.dataPublicKey).toEqual(publicKey);
    expect(parsed.txt).toEqual([{ name: 'pubkey', text: 'semi;colon "quoted" A' }]);
    expect(parsed.uris).toEqual([{ name: '@', target: 'https://x.example/a', priority: 1, weight: 2 }]);
  });

  it('refuses malformed zone files with IntegrityError naming the line', () => {
    expect(integrityError(() => parseZoneFile('pubkey TXT "x"\n'))).toContain('$ORIGIN');
    expect(integrityError(() => parseZoneFile('$ORIGIN a.id\nx TXT "open\n'))).toContain('line 2');
    expect(integrityError(() => parseZoneFile('$ORIGIN a.id\nx URI ( 1 2 "u"\n'))).toContain('"("');
    expect(integrityError(() => parseZoneFile('$ORIGIN a.id\n\nx URI 1 "u"\n'))).toContain('line 3');
    expect(integrityError(() => parseZoneFile('$ORIGIN a.id\n$INCLUDE other\n'))).toContain('$INCLUDE');
    expect(
      integrityError(() => parseZoneFile(`$ORIGIN a.id\npubkey TXT "pubkey:data:${keyHex.slice(2)}"\n`)),
    ).toContain('valid secp256k1');
    const twoKeys = `$ORIGIN a.id\npubkey TXT "pubkey:data:${keyHex}"\npubkey TXT "pubkey:data:${keyHex}"\n`;
    expect(integrityError(() => parseZoneFile(twoKeys))).toContain('second data key');
    integrityError(() => parseZoneFile('$ORIGIN a.id\n  TXT "no owner"\n'));
  });

  it('refuses values the zone-file package could not read back, with InvalidKeyError', () => {
    const bad = [
      { ...input, origin: 'has space.id' },
      { ...input, txt: [{ name: 'x', text: 'a"b' }] },
      { ...input, txt: [{ name: 'x', text: 'a;b' }] },
      { ...input, txt: [{ name: 'x', text: 'a(b' }] },
      { ...input, txt: [{ name: 'x y', text: 'ab' }] },
      { ...input, txt: [{ name: 'pubkey', text: 'ab' }] },
      { ...input, uris: [{ name: '_x', target: 'a b' }] },
      { ...input, uris: [{ name: '_x', target: 'u', priority: 70000 }] },
      { ...input, ttl: -1 },
      { ...input, dataPublicKey: new Uint8Array(33) },
    ];
    for (const zone of bad) {
      expect(() => makeZoneFile(zone), JSON.stringify(zone.txt ?? zone.uris)).toThrow(
        expect.objectContaining({ code: 'BSS_INVALID_KEY' }),
      );
    }
  });
});

describe('immutable data and URI records', () => {
  it('sets, replaces, reads, lists and removes [url]#hash records', () => {
    let zone = parseZoneFile(makeZoneFile({ origin: 'alice.id', dataPublicKey: publicKey }));
    zone = setImmutableDataRecord(zone, 'pgp-key', HASH);
    zone = setImmutableDataRecord(zone, 'Release 1.0', 'cd'.repeat(32), 'https://h.example/r#frag');
    zone = setImmutableDataRecord(zone, 'pgp-key', 'ef'.repeat(32), 'https://h.example/k');
    const reparsed = parseZoneFile(makeZoneFile(zone));
    expect(getImmutableDataRecord(reparsed, 'pgp-key')).toEqual({
      dataId: 'pgp-key',
      hash: 'ef'.repeat(32),
      url: 'https://h.example/k',
    });
    expect(getImmutableDataRecord(reparsed, 'Release 1.0')).toEqual({
      dataId: 'Release 1.0',
      hash: 'cd'.repeat(32),
      url: 'https://h.example/r#frag',
    });
    expect(listImmutableDataRecords(reparsed).map((r) => r.dataId)).toEqual(['Release 1.0', 'pgp-key']);
    expect(npmParse(makeZoneFile(reparsed)).txt!.map((r) => r.name)).toEqual([
      'pubkey',
      '~52elease~201.0',
      'pgp-key',
    ]);
    const removed = removeImmutableDataRecord(reparsed, 'pgp-key');
    expect(getImmutableDataRecord(removed, 'pgp-key')).toBeUndefined();
    expect(getImmutableDataRecord(removed, 'Release 1.0')).toBeDefined();
    expect(() => setImmutableDataRecord(zone, 'pubkey', HASH)).toThrow(
      expect.objectContaining({ code: 'BSS_INVALID_KEY' }),
    );
    expect(() => setImmutableDataRecord(zone, 'x', 'AB'.repeat(32))).toThrow(
      expect.objectContaining({ code: 'BSS_INVALID_KEY' }),
    );
    expect(parseImmutableRecordText('no hash here')).toBeUndefined();
    expect(parseImmutableRecordText(`#${HASH}`)).toEqual({ hash: HASH });
  });

  it('a TXT record of the id that is not [url]#hash is an IntegrityError', () => {
    const zone = parseZoneFile(`$ORIGIN a.id\nnotes TXT "just text"\n`);
    expect(() => getImmutableDataRecord(zone, 'notes')).toThrow(
      expect.objectContaining({ code: 'BSS_INTEGRITY' }),
    );
  });

  it('sets and removes URI records by name', () => {
    let zone = parseZoneFile(makeZoneFile({ origin: 'alice.id', dataPublicKey: publicKey }));
    zone = setUriRecords(zone, '_https._tcp', [
      'https://a.example/p',
      { target: 'https://b.example/p', priority: 20 },
    ]);
    zone = setUriRecords(zone, '_data._tcp', ['https://c.example/']);
    zone = setUriRecords(zone, '_https._tcp', ['https://a.example/p2']);
    expect(parseZoneFile(makeZoneFile(zone)).uris.map((u) => u.target)).toEqual([
      'https://c.example/',
      'https://a.example/p2',
    ]);
    expect(removeUriRecords(zone, '_data._tcp').uris.map((u) => u.name)).toEqual(['_https._tcp']);
    expect(removeUriRecords(zone, '_https._tcp', 'https://other').uris).toHaveLength(2);
  });
});
