import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  AbortedError,
  type Body,
  bodyChunks,
  ConflictError,
  concatBytes,
  type DeleteOptions,
  type DriverCapabilities,
  deflateChunks,
  fixedSizeChunks,
  type GetOptions,
  inflateChunks,
  type KeyValueBackend,
  type OperationOptions,
  type PutOptions,
  type PutResult,
  type StoredObject,
  throwIfAborted,
} from '@blockstack-storage/core/driver';
import { raceAbort } from './abortable.js';
import {
  COMPRESSED_CONTENT_ENCODING,
  COMPRESSION_METADATA_KEY,
  COMPRESSION_METADATA_VALUE,
  isCompressed,
} from './compression.js';
import { S3_DRIVER_NAME } from './config.js';
import { uploadMultipart } from './multipart-upload.js';
import { MiB, type S3DriverOptions } from './options.js';
import { objectUrl, publicBaseUrl } from './public-url.js';
import { isNoSuchKey, mapS3Error, noSuchBucket } from './s3-errors.js';
import { normalizeEtag, WriteLedger } from './write-ledger.js';

/** `max_attempts` / `maxAttempts` no longer does anything: say so, without its value or any secret. */
function warnMaxAttemptsIgnored(): void {
  process.emitWarning(
    '[s3] max_attempts is deprecated and ignored: each call makes one attempt and retries come from the ' +
      "core's policy layer (storage_retries); remove max_attempts from the config",
    { type: 'DeprecationWarning', code: 'BSS_S3_MAX_ATTEMPTS' },
  );
}

/**
 * The S3 key-value backend: `createKeyValueDriver` turns it into the full driver. Keys it receives are
 * already validated and encoded by the core (`mutable/<segment>`, `immutable/<sha256>`); it prepends
 * the configured prefix.
 */
export class S3Backend implements KeyValueBackend {
  readonly name = S3_DRIVER_NAME;
  readonly capabilities: DriverCapabilities;
  /** The SDK client in use (the injected one, or the one built from the options). */
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  private readonly region: string;
  private readonly ownsClient: boolean;
  private readonly endpoint: string | undefined;
  private readonly compress: boolean;
  private readonly createBucket: boolean;
  private readonly threshold: number;
  private readonly concurrency: number;
  private readonly masked: boolean;
  private readonly maskedReadAttempts: number;
  private readonly ledger = new WriteLedger();
  private readonly publicBase: string | undefined;
  /**
   * radosgw 16 compares a PutObject `If-Match` with the stored ETag without its quotes, so a correct,
   * quoted ETag fails there. Learned on the first such 412 (see `putObjectConditional`).
   */
  private quoteIfMatch = true;
  private ready: Promise<void> | undefined;

  constructor(options: S3DriverOptions) {
    this.bucket = options.bucket;
    this.prefix = normalizePrefix(options.prefix);
    this.endpoint = options.endpoint;
    this.compress = options.compress ?? false;
    this.createBucket = options.createBucket ?? false;
    this.threshold = options.multipartThreshold ?? 8 * MiB;
    this.concurrency = options.uploadConcurrency ?? 4;
    this.masked = options.readYourWrites === 'masked';
    this.maskedReadAttempts = options.maskedReadAttempts ?? 6;
    const region = options.region ?? 'us-east-1';
    this.region = region;
    const isPublic = options.public ?? true;
    this.publicBase = isPublic
      ? publicBaseUrl({
          bucket: this.bucket,
          region,
          endpoint: options.endpoint,
          forcePathStyle: options.forcePathStyle ?? false,
          publicUrl: options.publicUrl,
        })
      : undefined;
    this.capabilities = {
      mutable: true,
      immutable: true,
      visibility: isPublic ? 'public' : 'local',
      publicUrls: isPublic,
      list: true,
      conditionalWrites: true,
      readYourWrites: this.masked ? 'masked' : 'provider',
    };
    this.ownsClient = options.client === undefined;
    if (options.maxAttempts !== undefined && options.maxAttempts !== 1) warnMaxAttemptsIgnored();
    this.client =
      options.client ??
      new S3Client({
        region,
        endpoint: options.endpoint,
        forcePathStyle: options.forcePathStyle ?? false,
        credentials: options.credentials,
        // One attempt per call: retries belong to core's policy layer (withDriverPolicy), so SDK
        // retries under it would multiply the attempts one call makes against a failing server.
        maxAttempts: 1,
        // S3-compatible servers often lack the newer flexible checksums; AWS itself gets the SDK default.
        ...(options.endpoint
          ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
          : {}),
      });
  }

  /** Checks the bucket once (creating it when `create_bucket` is set). */
  init(options: OperationOptions = {}): Promise<void> {
    this.ready ??= this.checkBucket(options.signal).catch((error) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private async checkBucket(signal: AbortSignal | undefined): Promise<void> {
    const context = { bucket: this.bucket, operation: 'HeadBucket', endpoint: this.endpoint };
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: signal });
      return;
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const missing = status === 404 || (error as { name?: string }).name === 'NoSuchBucket';
      if (!missing) throw mapS3Error(error, context);
      if (!this.createBucket) throw noSuchBucket(context, error);
    }
    try {
      // Outside us-east-1, S3 (and servers checking it, like MinIO and radosgw zonegroups) wants the region.
      const configuration =
        this.region === 'us-east-1'
          ? undefined
          : { LocationConstraint: this.region as BucketLocationConstraint };
      await this.client.send(
        new CreateBucketCommand({ Bucket: this.bucket, CreateBucketConfiguration: configuration }),
        { abortSignal: signal },
      );
    } catch (error) {
      const name = (error as { name?: string }).name;
      // Another process may have created it first: that is the state we want.
      if (name !== 'BucketAlreadyOwnedByYou') {
        throw mapS3Error(error, { ...context, operation: 'CreateBucket' });
      }
    }
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  /** The full object key of a core key. */
  objectKey(key: string): string {
    return this.prefix + key;
  }

  async put(key: string, body: Body, options: PutOptions): Promise<PutResult> {
    await this.init(options);
    const objectKey = this.objectKey(key);
    const context = { bucket: this.bucket, key, operation: 'PutObject', endpoint: this.endpoint };
    try {
      let etag: string | undefined;
      if (body instanceof Uint8Array && !this.compress && body.byteLength > this.threshold) {
        // Already whole in memory: parts are views of it, no copies.
        etag = await this.putMultipart(objectKey, key, slices(body, this.threshold), options);
      } else {
        const source = this.compress ? deflateChunks(body) : body;
        const head = await this.readHead(source, options.signal, key);
        etag =
          head.rest === undefined
            ? await this.putSingle(objectKey, key, head.bytes, options)
            : await this.putMultipart(
                objectKey,
                key,
                fixedSizeChunks(prepend(head.chunks, head.rest), this.threshold),
                options,
              );
      }
      if (this.masked) this.ledger.record(objectKey, etag ?? null);
      return { etag, ...(this.publicBase ? { url: objectUrl(this.publicBase, objectKey) } : {}) };
    } catch (error) {
      if (this.masked) this.ledger.forget(objectKey);
      throw mapS3Error(error, context);
    }
  }

  /**
   * Reads the body until it ends or passes the multipart threshold, without copying whole values.
   * @returns the whole value (`rest` undefined) or what was read so far plus the rest of the stream.
   */
  private async readHead(
    source: Body,
    signal: AbortSignal | undefined,
    key: string,
  ): Promise<{ bytes: Uint8Array; chunks: Uint8Array[]; rest?: AsyncIterator<Uint8Array> }> {
    if (source instanceof Uint8Array && source.byteLength <= this.threshold) {
      return { bytes: source, chunks: [source] };
    }
    const iterator = bodyChunks(source)[Symbol.asyncIterator]();
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      for (;;) {
        const next = await raceAbort(iterator.next(), signal, key);
        if (next.done) return { bytes: concatBytes(chunks, total), chunks };
        chunks.push(next.value);
        total += next.value.byteLength;
        if (total > this.threshold) return { bytes: new Uint8Array(0), chunks, rest: iterator };
      }
    } catch (error) {
      // Not awaited: a stalled source would keep its `return` queued behind the pending `next`.
      iterator.return?.().catch(() => {});
      throw error;
    }
  }

  private headers() {
    return this.compress
      ? {
          ContentEncoding: COMPRESSED_CONTENT_ENCODING,
          Metadata: { [COMPRESSION_METADATA_KEY]: COMPRESSION_METADATA_VALUE },
        }
      : {};
  }

  private async putSingle(
    objectKey: string,
    key: string,
    bytes: Uint8Array,
    options: PutOptions,
  ): Promise<string | undefined> {
    try {
      return await this.putSingleOnce(objectKey, bytes, options);
    } catch (error) {
      const conditional = options.ifMatch !== undefined || options.ifNoneMatch !== undefined;
      if (!conditional || !isInternalError(error)) throw error;
      return this.settleConditionalFailure(objectKey, key, bytes, options, error);
    }
  }

  /**
   * radosgw answers the losers of racing conditional puts with HTTP 500 (its write lock was taken)
   * instead of 412, and their bytes are not stored. One HEAD tells the cases apart, where the SDK used
   * to hide the 500 by retrying into the 412: our bytes are there (the put landed), the condition no
   * longer holds (a ConflictError, as a 412 would be), or it still holds (the 500 stands, retryable).
   */
  private async settleConditionalFailure(
    objectKey: string,
    key: string,
    bytes: Uint8Array,
    options: PutOptions,
    error: unknown,
  ): Promise<string | undefined> {
    const current = await this.headEtag(objectKey, options.signal);
    if (current !== undefined && normalizeEtag(current) === createHash('md5').update(bytes).digest('hex')) {
      return current;
    }
    const holds =
      options.ifNoneMatch === '*'
        ? current === undefined
        : current !== undefined && normalizeEtag(current) === normalizeEtag(options.ifMatch ?? '');
    if (holds) throw error;
    throw new ConflictError('Another writer changed the value while this conditional put was refused', {
      driver: S3_DRIVER_NAME,
      key,
      hint: 'Another writer changed the value: read it again, then retry with its etag.',
    });
  }

  private async putSingleOnce(
    objectKey: string,
    bytes: Uint8Array,
    options: PutOptions,
  ): Promise<string | undefined> {
    const send = (ifMatch: string | undefined) =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: objectKey,
          Body: bytes,
          ContentLength: bytes.byteLength,
          ContentType: options.contentType ?? 'application/octet-stream',
          IfMatch: ifMatch,
          IfNoneMatch: options.ifNoneMatch,
          ...this.headers(),
        }),
        { abortSignal: options.signal },
      );
    if (options.ifMatch === undefined) return (await send(undefined)).ETag;
    try {
      return (await send(this.ifMatchValue(options.ifMatch))).ETag;
    } catch (error) {
      if (!this.quoteIfMatch || !isPreconditionFailed(error)) throw error;
      // Was the precondition really false, or does the server want the ETag unquoted?
      const current = await this.headEtag(objectKey, options.signal);
      if (current === undefined || normalizeEtag(current) !== normalizeEtag(options.ifMatch)) throw error;
      this.quoteIfMatch = false;
      return (await send(this.ifMatchValue(options.ifMatch))).ETag;
    }
  }

  private ifMatchValue(etag: string): string {
    const bare = normalizeEtag(etag);
    return this.quoteIfMatch ? `"${bare}"` : bare;
  }

  private async putMultipart(
    objectKey: string,
    key: string,
    parts: AsyncIterable<Uint8Array>,
    options: PutOptions,
  ): Promise<string | undefined> {
    const conditional = options.ifMatch !== undefined || options.ifNoneMatch !== undefined;
    const { etag } = await uploadMultipart({
      client: this.client,
      bucket: this.bucket,
      key: objectKey,
      parts,
      concurrency: this.concurrency,
      contentType: options.contentType ?? 'application/octet-stream',
      contentEncoding: this.headers().ContentEncoding,
      metadata: this.headers().Metadata,
      // AWS enforces these on CompleteMultipartUpload; radosgw 16 ignores them, hence the check below.
      ifMatch: options.ifMatch === undefined ? undefined : `"${normalizeEtag(options.ifMatch)}"`,
      ifNoneMatch: options.ifNoneMatch,
      signal: options.signal,
      dataKey: key,
      beforeComplete: conditional ? () => this.checkPrecondition(objectKey, options) : undefined,
    });
    // radosgw answers CompleteMultipartUpload with an empty ETag: ask for the stored one.
    return etag ?? (await this.headEtag(objectKey, options.signal));
  }

  /**
   * The precondition of a conditional multipart put, checked just before completing it. It narrows,
   * but cannot close, the race on servers that ignore conditions on CompleteMultipartUpload.
   */
  private async checkPrecondition(objectKey: string, options: PutOptions): Promise<void> {
    const current = await this.headEtag(objectKey, options.signal);
    const fail = (message: string) =>
      new ConflictError(message, {
        driver: S3_DRIVER_NAME,
        key: objectKey,
        hint: 'Another writer changed the value: read it again, then retry with its etag.',
      });
    if (options.ifNoneMatch === '*' && current !== undefined)
      throw fail('A value already exists (If-None-Match: *)');
    if (
      options.ifMatch !== undefined &&
      (current === undefined || normalizeEtag(current) !== normalizeEtag(options.ifMatch))
    ) {
      throw fail('The stored value does not have the expected etag (If-Match)');
    }
  }

  private async headEtag(objectKey: string, signal: AbortSignal | undefined): Promise<string | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }), {
        abortSignal: signal,
      });
      return head.ETag;
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      throw error;
    }
  }

  async get(key: string, options: GetOptions): Promise<StoredObject | null> {
    await this.init(options);
    const objectKey = this.objectKey(key);
    const context = { bucket: this.bucket, key, operation: 'GetObject', endpoint: this.endpoint };
    const expected = this.masked ? this.ledger.expected(objectKey) : undefined;
    const attempts = expected === undefined ? 1 : this.maskedReadAttempts;
    try {
      for (let attempt = 1; ; attempt++) {
        const response = await this.fetch(objectKey, options.signal);
        const etag = response ? (response.ETag ?? null) : null;
        // After the last attempt the server's answer is trusted: another client may have written since.
        if (attempt >= attempts || this.ledger.matches(objectKey, etag)) {
          return response ? this.stored(response, context, options.signal) : null;
        }
        await discard(response);
        await sleep(50 * 2 ** (attempt - 1), undefined, { signal: options.signal });
      }
    } catch (error) {
      throw mapS3Error(error, context);
    }
  }

  private async fetch(
    objectKey: string,
    signal: AbortSignal | undefined,
  ): Promise<GetObjectCommandOutput | null> {
    try {
      return await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }), {
        abortSignal: signal,
      });
    } catch (error) {
      if (isNoSuchKey(error)) return null;
      throw error;
    }
  }

  private stored(
    response: GetObjectCommandOutput,
    context: Parameters<typeof mapS3Error>[1],
    signal: AbortSignal | undefined,
  ): StoredObject {
    const raw = response.Body as unknown as AsyncIterable<Uint8Array> & { destroy?: () => void };
    const compressed = isCompressed(response.Metadata, response.ContentEncoding);
    const body = guard(compressed ? inflateChunks(raw) : raw, raw, context, signal);
    const object: StoredObject = { body };
    if (!compressed && response.ContentLength !== undefined) object.size = response.ContentLength;
    if (response.ETag) object.etag = response.ETag;
    return object;
  }

  async delete(key: string, options: DeleteOptions): Promise<void> {
    await this.init(options);
    const objectKey = this.objectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey }), {
        abortSignal: options.signal,
      });
      if (this.masked) this.ledger.record(objectKey, null);
    } catch (error) {
      if (this.masked) this.ledger.forget(objectKey);
      throw mapS3Error(error, {
        bucket: this.bucket,
        key,
        operation: 'DeleteObject',
        endpoint: this.endpoint,
      });
    }
  }

  async *list(prefix: string, options: OperationOptions): AsyncIterable<string> {
    await this.init(options);
    let token: string | undefined;
    do {
      throwIfAborted(options.signal, { driver: S3_DRIVER_NAME });
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix,
            ContinuationToken: token,
          }),
          { abortSignal: options.signal },
        );
      } catch (error) {
        throw mapS3Error(error, { bucket: this.bucket, operation: 'ListObjectsV2', endpoint: this.endpoint });
      }
      for (const item of page.Contents ?? []) {
        if (item.Key?.startsWith(this.prefix)) yield item.Key.slice(this.prefix.length);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  url(key: string): string | undefined {
    return this.publicBase ? objectUrl(this.publicBase, this.objectKey(key)) : undefined;
  }
}

/** The chunks already read, then the rest of the stream (closing it if the consumer stops early). */
async function* prepend(head: Uint8Array[], rest: AsyncIterator<Uint8Array>): AsyncIterable<Uint8Array> {
  try {
    yield* head;
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  } finally {
    await rest.return?.();
  }
}

/** Views of `bytes`, `size` bytes each (the last may be shorter). */
async function* slices(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += size) yield bytes.subarray(offset, offset + size);
}

function normalizePrefix(prefix: string | undefined): string {
  if (!prefix) return '';
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/** HTTP 500 (not a 503 throttle): the server failed this request; its outcome is unknown. */
function isInternalError(error: unknown): boolean {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 500;
}

function isPreconditionFailed(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'PreconditionFailed' || e?.$metadata?.httpStatusCode === 412;
}

/**
 * The body as the caller reads it: honours the get's abort signal while reading (the SDK only aborts
 * the request, not a response body already handed over), maps errors (a dropped connection), and
 * releases the connection when the caller stops early.
 */
async function* guard(
  body: AsyncIterable<Uint8Array>,
  response: { destroy?: (error?: Error) => void } | undefined,
  context: Parameters<typeof mapS3Error>[1],
  signal: AbortSignal | undefined,
): AsyncIterable<Uint8Array> {
  const aborted = () =>
    new AbortedError('Read aborted', { driver: S3_DRIVER_NAME, key: context.key, cause: signal?.reason });
  const onAbort = () => response?.destroy?.(aborted());
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of body) {
      if (signal?.aborted) throw aborted();
      yield chunk;
    }
  } catch (error) {
    if (signal?.aborted) throw aborted();
    throw mapS3Error(error, { ...context, operation: 'GetObject (reading the body)' });
  } finally {
    signal?.removeEventListener('abort', onAbort);
    response?.destroy?.();
  }
}

/** Releases a response we do not return, so its socket goes back to the pool. */
async function discard(response: GetObjectCommandOutput | null): Promise<void> {
  const body = response?.Body as { destroy?: () => void } | undefined;
  body?.destroy?.();
}
