/**
 * Data ids that have broken storage drivers before: path traversal, separators, quoting, Unicode
 * (composed and decomposed forms are different ids), very long ids, and ids differing only in case.
 */
export const ODD_DATA_IDS: readonly string[] = [
  '../../etc/passwd',
  '..',
  '.',
  '/leading',
  'trailing/',
  'a/b/c',
  'a//b',
  'with space',
  'user"_profile',
  "quote'single",
  'back\\slash',
  'ünïcödé',
  'u\u0308nicode-decomposed',
  '\u00fcnicode-composed',
  '名前.json',
  '🙂 emoji',
  'tab\tand\nnewline',
  'percent%2Fencoded',
  'tilde~7e',
  'question?hash#amp&',
  'CaseSensitive',
  'casesensitive',
  'CASESENSITIVE',
  'x'.repeat(1000),
  `${'x'.repeat(999)}y`,
  'ü'.repeat(1000),
  '.hidden',
  'con',
  'nul.txt',
];

/** A zone file in the shape Blockstack clients wrote (origin, TTL, URI profile record, TXT pubkey). */
export const SAMPLE_ZONE_FILE = `$ORIGIN alice.id
$TTL 3600
pubkey TXT "pubkey:data:0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
_file URI 10 1 "file:///home/alice/.blockstack/storage-disk/mutable/alice.id"
_https._tcp URI 10 1 "https://example.com/alice.id/profile.json"
`;
