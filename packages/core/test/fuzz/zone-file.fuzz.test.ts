import fc from 'fast-check';
import { describe, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { generateDataKeyPair } from '../../src/identity/data-key.js';
import { parseImmutableRecordText } from '../../src/zonefile/immutable-record.js';
import { makeZoneFile } from '../../src/zonefile/make-zone-file.js';
import { parseZoneFile } from '../../src/zonefile/parse-zone-file.js';
import { hostileBytes, parsesOrRefuses, utf8 } from './hostile-bytes.js';

const key = generateDataKeyPair();
const made = makeZoneFile({
  origin: 'alice.id',
  dataPublicKey: key.publicKey,
  uris: [{ name: '_https._tcp', target: 'https://example.com/alice.id/profile.json' }],
  txt: [{ name: 'note', text: 'a'.repeat(300) }],
});
const handWritten = [
  '$ORIGIN bob.id\n$TTL 3600\n@ IN SOA ns1 admin ( 1 2 3 4 5 ) ; comment\n',
  '$ORIGIN c.id\npubkey TXT "pubkey:data:' + '02'.padEnd(66, 'a') + '"\n_http._tcp IN URI 10 1 "http://x"\n',
  '$ORIGIN d.id\n\tIN 300 A 1.2.3.4\n"quoted\\"name" TXT "x" "y"\n',
];
const samples = [made, ...handWritten].map(utf8);

describe('zone file parser under hostile input', () => {
  it('throws only IntegrityError on mutated and random text', () => {
    fc.assert(
      fc.property(hostileBytes(samples), (bytes) => {
        parsesOrRefuses(() => parseZoneFile(Buffer.from(bytes).toString('utf8')), [ErrorCode.Integrity]);
      }),
      { numRuns: 3000 },
    );
  });

  it('throws only IntegrityError on arbitrary strings, lone surrogates and huge inputs', () => {
    const texts = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ unit: fc.nat(0xffff).map((c) => String.fromCharCode(c)), maxLength: 100 }),
    );
    fc.assert(
      fc.property(texts, (text) => {
        parsesOrRefuses(() => parseZoneFile(text), [ErrorCode.Integrity]);
      }),
      { numRuns: 1000 },
    );
    const huge = ['('.repeat(100_000), '"'.repeat(50_001), `$ORIGIN a\n${'x TXT "y"\n'.repeat(50_000)}`];
    for (const text of [...huge, ';'.repeat(2_000_000)]) {
      parsesOrRefuses(() => parseZoneFile(text), [ErrorCode.Integrity]);
    }
  });

  it('parseImmutableRecordText never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        parseImmutableRecordText(text);
      }),
      { numRuns: 1000 },
    );
  });
});
