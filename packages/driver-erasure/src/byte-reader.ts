/** Thrown when a stream ends before the bytes asked for. */
export class TruncatedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TruncatedError';
  }
}

/**
 * Reads exact byte counts from a chunk stream, holding at most one chunk beyond what was asked.
 * Used to walk a shard object header, frame by frame, while it streams in.
 */
export class ByteReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private leftover: Uint8Array = new Uint8Array(0);
  private ended = false;
  private closed = false;

  constructor(stream: AsyncIterable<Uint8Array>) {
    this.iterator = stream[Symbol.asyncIterator]();
  }

  /** The next `count` bytes. @throws TruncatedError if the stream ends first; rethrows stream errors. */
  async readExact(count: number): Promise<Uint8Array> {
    if (this.leftover.byteLength >= count) {
      const out = this.leftover.subarray(0, count);
      this.leftover = this.leftover.subarray(count);
      return out;
    }
    const out = new Uint8Array(count);
    let filled = this.leftover.byteLength;
    out.set(this.leftover, 0);
    this.leftover = new Uint8Array(0);
    while (filled < count) {
      const chunk = await this.nextChunk();
      if (chunk === undefined) throw new TruncatedError(`stream ended ${count - filled} bytes early`);
      const take = Math.min(count - filled, chunk.byteLength);
      out.set(chunk.subarray(0, take), filled);
      filled += take;
      if (take < chunk.byteLength) this.leftover = chunk.subarray(take);
    }
    return out;
  }

  /** True when no bytes remain. */
  async atEnd(): Promise<boolean> {
    while (this.leftover.byteLength === 0) {
      const chunk = await this.nextChunk();
      if (chunk === undefined) return true;
      this.leftover = chunk;
    }
    return false;
  }

  /** Stops the underlying stream (releases its file handle or connection). Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.ended) return;
    this.ended = true;
    Promise.resolve(this.iterator.return?.()).catch(() => {});
  }

  private async nextChunk(): Promise<Uint8Array | undefined> {
    if (this.ended) return undefined;
    const { done, value } = await this.iterator.next();
    if (done) {
      this.ended = true;
      return undefined;
    }
    return value;
  }
}
