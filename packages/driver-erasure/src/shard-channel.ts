/**
 * A bounded one-producer, one-consumer queue of chunks that is itself the `Body` handed to one
 * inner driver's put. The producer waits while `capacity` chunks are queued, so a slow provider
 * slows the encoder instead of making it buffer the value.
 */
export class ShardChannel implements AsyncIterable<Uint8Array> {
  private queue: Uint8Array[] = [];
  private closed = false;
  private failure: { error: unknown } | undefined;
  /** The consumer stopped (its put settled or it broke off): pushes are dropped from now on. */
  private detached = false;
  private wakeConsumer: (() => void) | undefined;
  private wakeProducer: (() => void) | undefined;

  constructor(private readonly capacity: number) {}

  /** Queues a chunk; resolves once there is room (or at once if the consumer is gone). */
  async push(chunk: Uint8Array): Promise<void> {
    if (this.detached || this.closed || this.failure) return;
    this.queue.push(chunk);
    this.wake('consumer');
    while (this.queue.length >= this.capacity && !this.detached && !this.failure) {
      await new Promise<void>((resolve) => {
        this.wakeProducer = resolve;
      });
    }
  }

  /** Ends the stream after the queued chunks. */
  close(): void {
    this.closed = true;
    this.wake('consumer');
  }

  /** Makes the consumer's next read throw `error` (queued chunks are dropped). */
  fail(error: unknown): void {
    if (this.failure) return;
    this.failure = { error };
    this.queue = [];
    this.wake('consumer');
    this.wake('producer');
  }

  /** Marks the consumer gone: queued chunks are dropped and the producer never waits on it again. */
  detach(): void {
    this.detached = true;
    this.queue = [];
    this.wake('producer');
  }

  get isDetached(): boolean {
    return this.detached;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    // One-shot like any streamed body: a second reader would otherwise wait forever.
    if (this.detached) throw new Error('This shard stream was already read; streamed bodies are one-shot');
    try {
      while (true) {
        if (this.failure) throw this.failure.error;
        const chunk = this.queue.shift();
        if (chunk) {
          this.wake('producer');
          yield chunk;
          continue;
        }
        if (this.closed) return;
        await new Promise<void>((resolve) => {
          this.wakeConsumer = resolve;
        });
      }
    } finally {
      this.detach();
    }
  }

  private wake(who: 'consumer' | 'producer'): void {
    const wake = who === 'consumer' ? this.wakeConsumer : this.wakeProducer;
    if (who === 'consumer') this.wakeConsumer = undefined;
    else this.wakeProducer = undefined;
    wake?.();
  }
}
