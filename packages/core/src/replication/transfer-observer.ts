/**
 * Watches the bytes moving between the core and each driver, e.g. to draw per-driver progress. Given
 * to `openStorage` (`observer`), it is called by the policy layer at every attempt of a put or a get,
 * so what it sees is what each driver really sent or consumed, retries included.
 */
export interface TransferObserver {
  /**
   * One attempt of a put or get on `driver` starts moving `size` bytes (`undefined`: the provider did
   * not say how large the value is).
   * @returns the watch to tell as the bytes move, or `undefined` to leave this transfer alone (it then
   *   reaches the driver exactly as without an observer).
   */
  transferStarted(transfer: Transfer): TransferWatch | undefined;
}

/** A transfer that is about to start. */
export interface Transfer {
  /** The driver's name (its config section). */
  driver: string;
  operation: 'put' | 'get';
  /** The key the driver stores it under (a data id, or a hash for immutable data). */
  key: string;
  size: number | undefined;
}

/** What an observer is told about one transfer it chose to watch. */
export interface TransferWatch {
  /** `bytes` more were consumed by the driver (put) or read from it (get). */
  advance(bytes: number): void;
  /** The transfer ended: called exactly once, with `failed` when the attempt did not succeed. */
  done(failed: boolean): void;
}

/** Puts watched by an observer reach the driver as a stream of chunks this large, so progress moves. */
export const WATCHED_PUT_CHUNK_BYTES = 1024 * 1024;

/** `watch` with `done` guarded to run once. */
export function onceDone(watch: TransferWatch): TransferWatch {
  let ended = false;
  return {
    advance: (bytes) => watch.advance(bytes),
    done: (failed) => {
      if (ended) return;
      ended = true;
      watch.done(failed);
    },
  };
}

/**
 * The bytes of a watched put as a stream of chunks; a chunk counts once the driver asks for the
 * next one (or ends), i.e. once it has taken it.
 */
export async function* watchedChunks(bytes: Uint8Array, watch: TransferWatch): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += WATCHED_PUT_CHUNK_BYTES) {
    const chunk = bytes.subarray(at, at + WATCHED_PUT_CHUNK_BYTES);
    yield chunk;
    watch.advance(chunk.byteLength);
  }
}

/** A streamed put's body that tells `watch` of every chunk the driver takes (the caller ends the watch). */
export async function* countedBody(
  body: AsyncIterable<Uint8Array>,
  watch: TransferWatch,
): AsyncIterable<Uint8Array> {
  for await (const chunk of body) {
    yield chunk;
    watch.advance(chunk.byteLength);
  }
}

/** A get's body that tells `watch` of every chunk read, and ends the watch when the read stops. */
export async function* watchedBody(
  body: AsyncIterable<Uint8Array>,
  watch: TransferWatch,
): AsyncIterable<Uint8Array> {
  let failed = true;
  try {
    for await (const chunk of body) {
      watch.advance(chunk.byteLength);
      yield chunk;
    }
    failed = false;
  } finally {
    watch.done(failed);
  }
}
