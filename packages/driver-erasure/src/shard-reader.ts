import { type ByteReader, TruncatedError } from './byte-reader.js';
import {
  CorruptShardError,
  decodeTrailer,
  FRAME_LENGTH_BYTES,
  frameRestBytes,
  openFrame,
  type ShardHeader,
  type ShardTrailer,
  TRAILER_BODY_BYTES,
  TRAILER_MARK,
} from './shard-format.js';

/** What reading the next frame of one shard gave. */
export type FrameResult =
  | { kind: 'piece'; stripeValueBytes: number; piece: Uint8Array }
  | { kind: 'trailer'; trailer: ShardTrailer }
  | { kind: 'bad'; reason: string; transport: boolean };

/** Walks one shard object, frame by frame, after its header was read and accepted. */
export class ShardReader {
  private stripe = 0;

  constructor(
    readonly driverIndex: number,
    readonly header: ShardHeader,
    private readonly bytes: ByteReader,
  ) {}

  /** The next frame, checked. Never throws: a bad frame comes back as `{ kind: 'bad' }`. */
  async next(): Promise<FrameResult> {
    try {
      const lengthField = await this.bytes.readExact(FRAME_LENGTH_BYTES);
      const length = new DataView(lengthField.buffer, lengthField.byteOffset, 4).getUint32(0, true);
      if (length === TRAILER_MARK) {
        const trailer = decodeTrailer(
          await this.bytes.readExact(TRAILER_BODY_BYTES),
          this.header.putId,
          this.header.shardIndex,
        );
        if (!(await this.bytes.atEnd())) throw new CorruptShardError('bytes after the trailer');
        return { kind: 'trailer', trailer };
      }
      // A damaged length field must not make us allocate or wait for a huge read.
      if (length === 0 || length > this.header.stripeBytes)
        throw new CorruptShardError(`impossible stripe length in stripe ${this.stripe}`);
      const rest = await this.bytes.readExact(frameRestBytes(length, this.header.dataShards));
      const piece = openFrame(lengthField, rest, this.header.putId, this.header.shardIndex, this.stripe);
      this.stripe++;
      return { kind: 'piece', stripeValueBytes: length, piece: aligned(piece) };
    } catch (error) {
      this.close();
      if (error instanceof CorruptShardError) return { kind: 'bad', reason: error.message, transport: false };
      if (error instanceof TruncatedError)
        return { kind: 'bad', reason: `truncated (${error.message})`, transport: false };
      const message = error instanceof Error ? error.message : String(error);
      return { kind: 'bad', reason: `read failed: ${message}`, transport: true };
    }
  }

  close(): void {
    this.bytes.close();
  }
}

/** A copy at offset 0 when the piece is not 4-byte aligned, so the decoder can use its word loop. */
function aligned(piece: Uint8Array): Uint8Array {
  return piece.byteOffset % 4 === 0 ? piece : piece.slice();
}
