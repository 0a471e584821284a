import { IntegrityError } from '../errors.js';

/**
 * Length digits accepted in a netstring. 15 digits keep every length below 2^53 (exact in a JS
 * number), and any length beyond the bytes actually present is refused before anything is allocated.
 */
const MAX_LENGTH_DIGITS = 15;
const COLON = 0x3a;
const COMMA = 0x2c;

/** The netstring `<decimal length>:<bytes>,` of `payload` (D. J. Bernstein's format). */
export function encodeNetstring(payload: Uint8Array): Uint8Array {
  const prefix = Buffer.from(`${payload.byteLength}:`, 'latin1');
  const out = Buffer.allocUnsafe(prefix.byteLength + payload.byteLength + 1);
  prefix.copy(out, 0);
  out.set(payload, prefix.byteLength);
  out[out.byteLength - 1] = COMMA;
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** A decoded netstring: its payload (a view, not a copy) and the offset just past its comma. */
export interface DecodedNetstring {
  payload: Uint8Array;
  end: number;
}

/**
 * Decodes the netstring starting at `start` of `bytes`. Strict: decimal digits with no leading zero
 * (except `0` itself), at most 15 of them, then `:`, exactly that many bytes, then `,`. The payload is a
 * view into `bytes`; nothing is allocated from the declared length.
 * @throws IntegrityError describing the first violation.
 */
export function decodeNetstring(bytes: Uint8Array, start = 0): DecodedNetstring {
  let length = 0;
  let i = start;
  while (i < bytes.byteLength && bytes[i] !== COLON) {
    const byte = bytes[i]!;
    if (byte < 0x30 || byte > 0x39) throw new IntegrityError('Netstring length has a non-digit character');
    if (i - start >= MAX_LENGTH_DIGITS) {
      throw new IntegrityError(`Netstring length has more than ${MAX_LENGTH_DIGITS} digits`);
    }
    if (i > start && bytes[start] === 0x30) throw new IntegrityError('Netstring length has a leading zero');
    length = length * 10 + (byte - 0x30);
    i++;
  }
  if (i === start) throw new IntegrityError('Netstring has no length digits');
  if (i >= bytes.byteLength) throw new IntegrityError('Netstring is truncated before its ":"');
  const payloadStart = i + 1;
  const available = bytes.byteLength - payloadStart;
  if (length >= available) {
    throw new IntegrityError(
      `Netstring declares ${length} bytes but only ${Math.max(0, available - 1)} follow (truncated?)`,
    );
  }
  const end = payloadStart + length;
  if (bytes[end] !== COMMA) throw new IntegrityError('Netstring does not end with ","');
  return { payload: bytes.subarray(payloadStart, end), end: end + 1 };
}
