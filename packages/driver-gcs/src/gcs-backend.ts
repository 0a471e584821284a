import {
  AbortedError,
  type Body,
  ConflictError,
  type DeleteOptions,
  type DriverCapabilities,
  decodeDataId,
  deflateChunks,
  type GetOptions,
  inflateChunks,
  type KeyValueBackend,
  type OperationOptions,
  type PutOptions,
  type PutResult,
  type StoredObject,
  throwIfAborted,
} from '@blockstack-storage/core/driver';
import type { Bucket, Storage } from '@google-cloud/storage';
import { COMPRESSED_ENCODING, isCompressedResponse } from './compression.js';
import { mapGcsError, statusOf } from './gcs-errors.js';
import { publicObjectUrl } from './object-names.js';
import { type UploadKind, uploadObject } from './uploads.js';

/** GCS's largest object: 5 TiB. */
export const GCS_MAX_OBJECT_BYTES = 5 * 1024 ** 4;

export interface GcsBackendOptions {
  name: string;
  storage: Storage;
  bucket: string;
  /** `''` or a normalised `segment/.../` (see `normalizePrefix`). */
  prefix: string;
  /** Base of public URLs (`https://storage.googleapis.com` or the endpoint); none when not public. */
  publicBase: string | undefined;
  compress: boolean;
  resumableThreshold: number;
  /** Observes which kind of upload each put used (for tests and diagnostics). */
  onUpload?: (kind: UploadKind, objectName: string) => void;
}

/** The key-value backend behind the GCS driver: one object per key, under `prefix`. */
export class GcsBackend implements KeyValueBackend {
  readonly name: string;
  readonly capabilities: DriverCapabilities;
  private readonly bucket: Bucket;

  constructor(private readonly options: GcsBackendOptions) {
    this.name = options.name;
    this.bucket = options.storage.bucket(options.bucket);
    const isPublic = options.publicBase !== undefined;
    this.capabilities = {
      mutable: true,
      immutable: true,
      visibility: isPublic ? 'public' : 'local',
      publicUrls: isPublic,
      list: true,
      conditionalWrites: true,
      maxObjectBytes: GCS_MAX_OBJECT_BYTES,
      // GCS is strongly consistent for object reads after writes, overwrites and deletes.
      readYourWrites: 'provider',
    };
  }

  /** Checks that the bucket exists and that we may list it (one cheap request). */
  async init(options: OperationOptions = {}): Promise<void> {
    try {
      await this.bucket.getFiles({ prefix: this.options.prefix, maxResults: 1, autoPaginate: false });
    } catch (error) {
      throw this.fail(error, 'init');
    }
    throwIfAborted(options.signal, { driver: this.name });
  }

  async put(key: string, body: Body, options: PutOptions): Promise<PutResult> {
    const objectName = this.objectName(key);
    const ifGenerationMatch = this.precondition(key, options);
    const compress = this.options.compress;
    try {
      const result = await uploadObject(
        {
          file: this.bucket.file(objectName),
          contentType: options.contentType ?? 'application/octet-stream',
          contentEncoding: compress ? COMPRESSED_ENCODING : undefined,
          ifGenerationMatch,
          signal: options.signal,
          size: compress ? undefined : options.size,
          resumableThreshold: this.options.resumableThreshold,
          cancelSession: cancelResumableSession,
          driver: this.name,
          key: callerKey(key),
        },
        compress ? deflateChunks(body) : body,
      );
      this.options.onUpload?.(result.kind, objectName);
      const url = this.url(key);
      return { etag: result.generation, ...(url === undefined ? {} : { url }) };
    } catch (error) {
      throw this.fail(error, 'put', key);
    }
  }

  async get(key: string, options: GetOptions): Promise<StoredObject | null> {
    return this.open(key, options.signal);
  }

  /** One download attempt: resolves once the first bytes (or the end) arrived. */
  private async open(key: string, signal: AbortSignal | undefined): Promise<StoredObject | null> {
    const stream = this.bucket.file(this.objectName(key)).createReadStream({ validation: 'crc32c' });
    let headers: Record<string, unknown> = {};
    stream.on('response', (response: { headers?: Record<string, unknown> }) => {
      headers = response.headers ?? {};
    });
    const onAbort = () =>
      stream.destroy(
        new AbortedError('Download aborted', {
          driver: this.name,
          key: callerKey(key),
          cause: signal?.reason,
        }),
      );
    signal?.addEventListener('abort', onAbort, { once: true });
    const release = () => signal?.removeEventListener('abort', onAbort);
    // The SDK starts the request on the first read: read one chunk to learn whether the object exists.
    const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
    let first: IteratorResult<Uint8Array>;
    try {
      first = await iterator.next();
    } catch (error) {
      release();
      stream.destroy();
      if (statusOf(error) === 404) return null;
      throw this.fail(error, 'get', key);
    }
    const compressed = isCompressedResponse(headers);
    const stored = this.streamRest(first, iterator, key, release);
    const generation = headers['x-goog-generation'];
    const length = Number(headers['content-length']);
    const object: StoredObject = {
      body: compressed ? inflateChunks(stored, { driver: this.name, key }) : stored,
    };
    if (!compressed && Number.isSafeInteger(length)) object.size = length;
    if (typeof generation === 'string' && generation !== '') object.etag = generation;
    return object;
  }

  async delete(key: string, options: DeleteOptions): Promise<void> {
    throwIfAborted(options.signal, { driver: this.name, key: callerKey(key) });
    try {
      await this.bucket.file(this.objectName(key)).delete({ ignoreNotFound: true });
    } catch (error) {
      if (statusOf(error) === 404) return;
      throw this.fail(error, 'delete', key);
    }
  }

  async *list(prefix: string, options: OperationOptions): AsyncIterable<string> {
    const base = this.options.prefix;
    let pageToken: string | undefined;
    do {
      throwIfAborted(options.signal, { driver: this.name });
      const query = { prefix: base + prefix, autoPaginate: false, maxResults: 1000, pageToken };
      let files: Array<{ name: string }>;
      let next: unknown;
      try {
        [files, next] = await this.bucket.getFiles(query);
      } catch (error) {
        throw this.fail(error, 'list');
      }
      pageToken = (next as { pageToken?: string } | null | undefined)?.pageToken;
      for (const file of files) {
        if (file.name.startsWith(base)) yield file.name.slice(base.length);
      }
    } while (pageToken);
  }

  url(key: string): string | undefined {
    const base = this.options.publicBase;
    return base === undefined ? undefined : publicObjectUrl(base, this.options.bucket, this.objectName(key));
  }

  private objectName(key: string): string {
    return this.options.prefix + key;
  }

  /** `ifNoneMatch: '*'` is generation 0 ("only if absent"); `ifMatch` is the generation we returned as etag. */
  private precondition(key: string, options: PutOptions): number | undefined {
    if (options.ifNoneMatch === '*' && options.ifMatch !== undefined) {
      throw new ConflictError('ifMatch and ifNoneMatch together can never both hold', {
        driver: this.name,
        key: callerKey(key),
      });
    }
    if (options.ifNoneMatch === '*') return 0;
    if (options.ifMatch === undefined) return undefined;
    const etag = options.ifMatch.replace(/^(W\/)?"(.*)"$/, '$2');
    // GCS etags from this driver are generations (positive integers); anything else matches no object.
    if (!/^[1-9]\d{0,18}$/.test(etag)) {
      throw new ConflictError(`ifMatch ${JSON.stringify(options.ifMatch)} is not the current generation`, {
        driver: this.name,
        key: callerKey(key),
        hint: 'Use the etag (generation) returned by put or get.',
      });
    }
    return Number(etag);
  }

  private async *streamRest(
    first: IteratorResult<Uint8Array>,
    iterator: AsyncIterator<Uint8Array>,
    key: string,
    release: () => void,
  ): AsyncIterable<Uint8Array> {
    try {
      if (first.done) return;
      yield first.value;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } catch (error) {
      throw this.fail(error, 'get', key);
    } finally {
      release();
      await iterator.return?.();
    }
  }

  private fail(error: unknown, operation: string, key?: string) {
    const named = key === undefined ? undefined : callerKey(key);
    return mapGcsError(error, { driver: this.name, bucket: this.options.bucket, key: named, operation });
  }
}

/** The data id or hash a storage key came from, as the caller named it (errors name that). */
function callerKey(key: string): string {
  if (key.startsWith('immutable/')) return key.slice('immutable/'.length);
  if (key.startsWith('mutable/')) return decodeDataId(key.slice('mutable/'.length)) ?? key;
  return key;
}

/**
 * Cancels an unfinished resumable upload session: a DELETE on the session URI, which GCS answers with
 * 499. The session URI is itself the credential, so no Authorization header is sent. Best effort.
 */
export async function cancelResumableSession(uri: string): Promise<void> {
  const response = await fetch(uri, { method: 'DELETE', signal: AbortSignal.timeout(10_000) });
  await response.body?.cancel();
}
