import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { AbortedError, TooLargeError, throwIfAborted } from '@blockstack-storage/core/driver';
import { raceAbort } from './abortable.js';
import { S3_DRIVER_NAME } from './config.js';

/** S3 allows at most 10,000 parts per upload. */
export const MAX_PARTS = 10_000;

export interface MultipartUploadRequest {
  client: S3Client;
  bucket: string;
  key: string;
  /** Parts in order, each `partSize` bytes but the last. Pulled one at a time: never read ahead. */
  parts: AsyncIterable<Uint8Array>;
  /** Parts in flight at once. Memory held: this many parts plus the one being filled. */
  concurrency: number;
  contentType: string;
  contentEncoding?: string;
  metadata?: Record<string, string>;
  ifMatch?: string;
  ifNoneMatch?: '*';
  signal?: AbortSignal;
  /** Runs after every part is stored, just before completing (the precondition check lives there). */
  beforeComplete?: () => Promise<void>;
  /** For the data id in errors. */
  dataKey?: string;
}

/**
 * Streams a value as one multipart upload with at most `concurrency` parts in flight. On any failure
 * or abort it waits for the parts in flight to settle and then calls AbortMultipartUpload, so the
 * server keeps no orphaned parts (which would be billed and would never expire on their own).
 *
 * @returns the ETag CompleteMultipartUpload gave, which may be empty (radosgw returns `""`): callers
 *   that need the ETag must fall back to HeadObject.
 */
export async function uploadMultipart(
  request: MultipartUploadRequest,
): Promise<{ etag: string | undefined }> {
  const { client, bucket, key, signal } = request;
  // One controller for every request of this upload: the caller's abort, or a failed part, stops them all.
  const inner = new AbortController();
  const onAbort = () => inner.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });

  const created = await client.send(
    new CreateMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      ContentType: request.contentType,
      ContentEncoding: request.contentEncoding,
      Metadata: request.metadata,
    }),
    { abortSignal: inner.signal },
  );
  const uploadId = created.UploadId!;
  const completed: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  const iterator = request.parts[Symbol.asyncIterator]();
  try {
    let partNumber = 0;
    for (;;) {
      const next = await raceAbort(iterator.next(), signal, request.dataKey);
      if (next.done) break;
      partNumber++;
      if (partNumber > MAX_PARTS) {
        throw new TooLargeError(`Value needs more than ${MAX_PARTS} parts; raise multipart_threshold`, {
          driver: S3_DRIVER_NAME,
          key: request.dataKey,
        });
      }
      const number = partNumber;
      const body = next.value;
      const upload = client
        .send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: number,
            Body: body,
            ContentLength: body.byteLength,
          }),
          { abortSignal: inner.signal },
        )
        .then((result) => {
          completed.push({ PartNumber: number, ETag: result.ETag });
        });
      // Marks the rejection handled here; it still surfaces through Promise.race / Promise.all below.
      upload.catch(() => {});
      inFlight.add(upload);
      void upload.finally(() => inFlight.delete(upload)).catch(() => {});
      if (inFlight.size >= request.concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    throwIfAborted(signal, { driver: S3_DRIVER_NAME, key: request.dataKey });
    await request.beforeComplete?.();
    completed.sort((a, b) => a.PartNumber! - b.PartNumber!);
    const result = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: completed },
        IfMatch: request.ifMatch,
        IfNoneMatch: request.ifNoneMatch,
      }),
      { abortSignal: inner.signal },
    );
    return { etag: result.ETag || undefined };
  } catch (error) {
    inner.abort(error);
    await Promise.allSettled(inFlight);
    // Not awaited: a stalled source would keep its `return` queued behind the pending `next`.
    iterator.return?.().catch(() => {});
    // Not under the caller's signal (it may be the reason we are here): cleanup must still run.
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }), {
        abortSignal: AbortSignal.timeout(30_000),
      })
      .catch(() => {
        // Best effort: a bucket lifecycle rule (AbortIncompleteMultipartUpload) is the backstop, see README.
      });
    if (signal?.aborted) {
      throw new AbortedError('Put aborted', {
        driver: S3_DRIVER_NAME,
        key: request.dataKey,
        cause: signal.reason,
      });
    }
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
