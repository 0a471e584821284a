import type { ReedSolomon } from './reed-solomon.js';
import { allocateFrame, FRAME_LENGTH_BYTES, pieceBytes, sealFrame } from './shard-format.js';

/**
 * Turns one stripe of the value into one sealed frame per shard: the stripe is cut into `k`
 * pieces (the last zero-padded), `m` parity pieces are computed, and each frame is checksummed.
 */
export class StripeEncoder {
  constructor(
    private readonly coder: ReedSolomon,
    private readonly putId: Uint8Array,
  ) {}

  /** @returns `k + m` frames, frame i for shard i. */
  encode(stripe: Uint8Array, stripeNumber: number): Uint8Array[] {
    const k = this.coder.dataShards;
    const n = k + this.coder.parityShards;
    const piece = pieceBytes(stripe.byteLength, k);
    const frames = Array.from({ length: n }, () => allocateFrame(stripe.byteLength, k));
    const pieces = frames.map((frame) => frame.subarray(FRAME_LENGTH_BYTES, FRAME_LENGTH_BYTES + piece));
    for (let i = 0; i < k; i++) {
      pieces[i]!.set(stripe.subarray(i * piece, Math.min((i + 1) * piece, stripe.byteLength)));
    }
    this.coder.encode(pieces.slice(0, k), pieces.slice(k));
    for (let i = 0; i < n; i++) sealFrame(frames[i]!, this.putId, i, stripeNumber);
    return frames;
  }
}
