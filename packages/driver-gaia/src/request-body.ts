/**
 * A web stream of `chunks` for a streamed `fetch` body, pulled one chunk at a time (bounded memory).
 * When `chunks` throws (the caller's abort, the size limit) the stream errors and `fetch` cuts the
 * request short, so the hub never receives a complete body.
 */
export function requestBodyStream(chunks: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}
