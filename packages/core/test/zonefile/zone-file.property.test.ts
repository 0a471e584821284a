import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseZoneFile as npmParse } from 'zone-file';
import { isStorageError } from '../../src/errors.js';
import { generateDataKeyPair } from '../../src/identity/data-key.js';
import { makeZoneFile } from '../../src/zonefile/make-zone-file.js';
import { parseZoneFile } from '../../src/zonefile/parse-zone-file.js';

const { publicKey } = generateDataKeyPair();
const name = fc.stringMatching(/^[a-z0-9_][a-z0-9_.~-]{0,20}$/).filter((n) => n !== 'pubkey');
// Printable ASCII without the characters makeZoneFile refuses.
const text = fc.stringMatching(/^[\x20-\x21\x23-\x27\x2a-\x3a\x3c-\x5b\x5d-\x7e]{0,600}$/);
const url = fc.webUrl().filter((u) => !/[";()\\\s]/.test(u));

describe('zone file properties', () => {
  it('any writable zone file parses back to itself, here and in the zone-file package', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ name, text }), { maxLength: 6 }),
        fc.array(fc.record({ name, target: url, priority: fc.nat(65535), weight: fc.nat(65535) }), {
          maxLength: 4,
        }),
        (txt, uris) => {
          const zone = makeZoneFile({ origin: 'alice.id', dataPublicKey: publicKey, txt, uris });
          const ours = parseZoneFile(zone);
          expect(ours.txt).toEqual(txt);
          expect(ours.uris).toEqual(uris);
          expect(ours.dataPublicKey).toEqual(publicKey);
          const theirs = npmParse(zone);
          expect(
            (theirs.txt ?? []).slice(1).map((r) => ({ name: r.name, text: [r.txt].flat().join('') })),
          ).toEqual(txt);
          expect(theirs.uri ?? []).toEqual(uris);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('arbitrary text never crashes the parser: it parses or throws IntegrityError', () => {
    const pieces = fc.constantFrom(
      '$ORIGIN a.id',
      '$TTL 5',
      'x',
      ' ',
      '\t',
      '\n',
      '"',
      '\\',
      ';',
      '(',
      ')',
      'TXT',
      'URI',
      'IN',
      '1',
      'pubkey',
      'pubkey:data:00',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(pieces, fc.string({ maxLength: 5 })), { maxLength: 40 }), (parts) => {
        try {
          parseZoneFile(parts.join(''));
        } catch (error) {
          expect(isStorageError(error, 'BSS_INTEGRITY'), String(error)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
