import fc from 'fast-check';
import { type ErrorCode, isStorageError } from '../../src/errors.js';

/** Length fields a hostile provider would send: past 2^53, huge, negative, float, hex, padded. */
export const HOSTILE_LENGTHS = [
  '9007199254740992', // 2^53
  '9007199254740993',
  '99999999999999999999999',
  '999999999999999',
  '4294967296',
  '2147483648',
  '1e308',
  '-1',
  '0x10',
  '00012',
  ' 12',
  'NaN',
  'Infinity',
];

type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'delete'; at: number; length: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'duplicate'; at: number; length: number }
  | { op: 'truncate'; at: number }
  | { op: 'number'; at: number; text: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 32 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('number' as const), at: fc.nat(), text: fc.constantFrom(...HOSTILE_LENGTHS) }),
);

/** Applies mutations in order; positions wrap around the current length. */
export function mutate(source: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let bytes = Buffer.from(source);
  for (const m of mutations) {
    const at = bytes.length === 0 ? 0 : m.at % bytes.length;
    switch (m.op) {
      case 'flip':
        if (bytes.length > 0) {
          bytes = Buffer.from(bytes);
          bytes[at]! ^= 1 << m.bit;
        }
        break;
      case 'delete':
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
        break;
      case 'insert':
        bytes = Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
        break;
      case 'duplicate':
        bytes = Buffer.concat([bytes.subarray(0, at + m.length), bytes.subarray(at)]);
        break;
      case 'truncate':
        bytes = bytes.subarray(0, at);
        break;
      case 'number': {
        // Replace the run of digits at or after `at` (a length, version or time field) with a hostile one.
        let start = at;
        while (start < bytes.length && !(bytes[start]! >= 0x30 && bytes[start]! <= 0x39)) start++;
        let end = start;
        while (end < bytes.length && bytes[end]! >= 0x30 && bytes[end]! <= 0x39) end++;
        bytes = Buffer.concat([bytes.subarray(0, start), Buffer.from(m.text, 'latin1'), bytes.subarray(end)]);
        break;
      }
    }
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Hostile inputs derived from valid samples: random bytes, and samples with 1-4 mutations. */
export function hostileBytes(samples: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.constantFrom(...samples), fc.array(mutation, { minLength: 1, maxLength: 4 }))
        .map(([sample, ms]) => mutate(sample, ms)),
    },
  );
}

/**
 * Runs `parse` and checks it either returns or throws a StorageError with one of `codes`: no
 * TypeError, RangeError (which a huge allocation would throw), SyntaxError or other crash.
 * @returns the parsed value, or `undefined` when it was refused.
 */
export function parsesOrRefuses<T>(parse: () => T, codes: readonly ErrorCode[]): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (isStorageError(error) && codes.includes(error.code)) return undefined;
    throw new Error(`Parser threw an untyped or unexpected error: ${String(error)}`, { cause: error });
  }
}

/** Bytes of memory in use (heap and buffers), to check a hostile batch allocated nothing big. */
export function memoryInUse(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

export const latin1 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));
export const utf8 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));
