import type { Writable } from 'node:stream';
import {
  AbortedError,
  type Body,
  bodyChunks,
  concatBytes,
  throwIfAborted,
} from '@blockstack-storage/core/driver';
import type { CreateWriteStreamOptions, File } from '@google-cloud/storage';
import { COMPRESSION_METADATA_KEY, COMPRESSION_METADATA_VALUE } from './compression.js';

/** What one upload needs besides the bytes. */
export interface UploadRequest {
  file: File;
  contentType: string;
  /** `deflate` when the bytes are compressed. */
  contentEncoding?: string;
  /** GCS precondition: `0` = only if absent, otherwise the generation the object must have. */
  ifGenerationMatch?: number;
  signal?: AbortSignal;
  /** Exact number of bytes that will be uploaded, when known. */
  size?: number;
  /** Bodies up to this many bytes go up in one request; larger ones in a resumable session. */
  resumableThreshold: number;
  /** Cancels an unfinished resumable session (best effort), so GCS drops the bytes it holds. */
  cancelSession(uri: string): Promise<void>;
  /** For error messages. */
  driver: string;
  key: string;
}

/** How the upload went up: kept so tests can check the threshold. */
export type UploadKind = 'simple' | 'resumable';

export interface UploadResult {
  generation: string | undefined;
  kind: UploadKind;
}

/**
 * Uploads `body` to `request.file`. Bodies up to the threshold are collected (at most threshold plus one
 * chunk in memory) and sent as one multipart request; larger ones stream through a resumable session in
 * a single request, which GCS recommends over many chunks and which keeps only the chunk in flight in
 * memory. An object only appears when its upload completes, so an abort or failure leaves the old value;
 * the session is then cancelled so its bytes do not linger.
 */
export async function uploadObject(request: UploadRequest, body: Body): Promise<UploadResult> {
  const threshold = request.resumableThreshold;
  if (body instanceof Uint8Array) {
    return body.byteLength <= threshold
      ? simpleUpload(request, body)
      : resumableUpload(request, bodyChunks(body), body.byteLength);
  }
  if (request.size !== undefined && request.size > threshold) {
    return resumableUpload(request, bodyChunks(body), request.size);
  }
  // Unknown or small size: read up to the threshold to find out which kind of upload fits.
  const iterator = bodyChunks(body)[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  try {
    while (headBytes <= threshold) {
      const next = await iterator.next();
      throwIfAborted(request.signal, abortContext(request));
      if (next.done) return simpleUpload(request, concatBytes(head, headBytes));
      head.push(next.value);
      headBytes += next.value.byteLength;
    }
  } catch (error) {
    await iterator.return?.();
    throw error;
  }
  // Here the body already outgrew any declared size up to the threshold: send it without a length.
  return resumableUpload(request, prepend(head, iterator), undefined);
}

async function* prepend(
  head: readonly Uint8Array[],
  rest: AsyncIterator<Uint8Array>,
): AsyncIterable<Uint8Array> {
  yield* head;
  try {
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  } finally {
    await rest.return?.();
  }
}

async function simpleUpload(request: UploadRequest, bytes: Uint8Array): Promise<UploadResult> {
  const stream = request.file.createWriteStream({
    ...writeOptions(request, undefined),
    resumable: false,
  });
  await pump(stream, [bytes], request);
  return { generation: generationOf(request.file), kind: 'simple' };
}

async function resumableUpload(
  request: UploadRequest,
  chunks: AsyncIterable<Uint8Array>,
  size: number | undefined,
): Promise<UploadResult> {
  const stream = request.file.createWriteStream({ ...writeOptions(request, size), resumable: true });
  let sessionUri: string | undefined;
  let failed = false;
  const cancel = (uri: string) => {
    request.cancelSession(uri).catch(() => {});
  };
  // The session may be created after we gave up (the SDK opens it on the first write): cancel it then too.
  stream.on('uri', (uri: string) => {
    sessionUri = uri;
    if (failed) cancel(uri);
  });
  try {
    await pump(stream, chunks, request);
  } catch (error) {
    failed = true;
    if (sessionUri) cancel(sessionUri);
    throw error;
  }
  return { generation: generationOf(request.file), kind: 'resumable' };
}

function writeOptions(request: UploadRequest, size: number | undefined): CreateWriteStreamOptions {
  const metadata: Record<string, unknown> = { contentType: request.contentType };
  if (request.contentEncoding) {
    metadata.contentEncoding = request.contentEncoding;
    metadata.metadata = { [COMPRESSION_METADATA_KEY]: COMPRESSION_METADATA_VALUE };
  }
  // A known length lets GCS refuse to finalize a resumable upload that stopped short. (Simple uploads
  // pass none: the SDK would send it inside the object's JSON metadata.)
  if (size !== undefined && request.contentEncoding === undefined) metadata.contentLength = size;
  const options: CreateWriteStreamOptions = { metadata, validation: 'crc32c' };
  if (request.ifGenerationMatch !== undefined) {
    options.preconditionOpts = { ifGenerationMatch: request.ifGenerationMatch };
  }
  return options;
}

/**
 * Writes `chunks` into an SDK write stream with backpressure and waits until GCS confirmed the object.
 * On abort or any failure the stream is destroyed with the error, which aborts the HTTP request, so the
 * server never sees a completed upload.
 */
async function pump(
  stream: Writable,
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  request: UploadRequest,
): Promise<void> {
  const done = new Promise<void>((resolve, reject) => {
    stream.once('finish', resolve);
    stream.once('error', reject);
    stream.once('close', () => reject(new Error('the upload stream closed before GCS confirmed the object')));
  });
  done.catch(() => {}); // awaited below; this only keeps an early rejection from being "unhandled"
  stream.on('error', () => {}); // later errors (after the first, which `done` reports) must not crash
  const onAbort = () => stream.destroy(abortedError(request));
  request.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    throwIfAborted(request.signal, abortContext(request));
    for await (const chunk of chunks) {
      throwIfAborted(request.signal, abortContext(request));
      if (chunk.byteLength === 0) continue;
      if (stream.destroyed) await done; // the upload already failed: report why
      if (!stream.write(chunk)) await Promise.race([waitForDrain(stream), done]);
    }
    throwIfAborted(request.signal, abortContext(request));
    stream.end();
    await done;
  } catch (error) {
    if (!stream.destroyed) stream.destroy(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    request.signal?.removeEventListener('abort', onAbort);
  }
}

function waitForDrain(stream: Writable): Promise<void> {
  return new Promise((resolve) => stream.once('drain', resolve));
}

function abortContext(request: UploadRequest) {
  return { driver: request.driver, key: request.key, hint: 'The previous value (if any) is unchanged.' };
}

function abortedError(request: UploadRequest): AbortedError {
  return new AbortedError('Upload aborted', { ...abortContext(request), cause: request.signal?.reason });
}

function generationOf(file: File): string | undefined {
  const generation = file.metadata?.generation;
  return generation === undefined || generation === null ? undefined : String(generation);
}
