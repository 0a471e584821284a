import {
  type Body,
  bytesToStream,
  type DriverCapabilities,
  delay,
  ErrorCode,
  type GetOptions,
  isStorageError,
  type KeyValueBackend,
  type OperationOptions,
  type PutOptions,
  type PutResult,
  type StoredObject,
  TooLargeError,
  UnavailableError,
} from '@blockstack-storage/core/driver';
import { HubClient, type HubInfo } from './hub-client.js';
import { discard, hubResponseError } from './hub-errors.js';
import { DEFAULT_MAX_OBJECT_BYTES, GAIA_DRIVER_NAME, type GaiaDriverOptions } from './options.js';
import { requestBodyStream } from './request-body.js';
import type { TokenSigner } from './token.js';
import { WriteLedger } from './write-ledger.js';

/** Query parameter that makes a read URL's cache key unique, so a CDN fetches from its origin. */
const FRESH_READ_PARAM = 'bss_fresh';

/**
 * Stores each key as a file of one Gaia bucket, `<prefix><key>`: `/store` (with If-Match /
 * If-None-Match for conditional writes), `/delete`, `/list-files`, and reads from the read URL.
 */
export class GaiaBackend implements KeyValueBackend {
  readonly name = GAIA_DRIVER_NAME;
  readonly capabilities: DriverCapabilities;
  private readonly hub: HubClient;
  private readonly ledger = new WriteLedger();
  private readonly prefix: string;
  private readonly configuredMaxBytes: number;
  private readonly maskedReadAttempts: number;
  private readonly readUrlOverride: string | undefined;
  private readUrlPrefix: string | undefined;

  constructor(
    options: GaiaDriverOptions,
    private readonly signer: TokenSigner,
  ) {
    this.hub = new HubClient(
      options.hubUrl.replace(/\/+$/, ''),
      signer,
      this.name,
      options.tokenLifetimeSeconds ?? 3600,
    );
    this.prefix = options.prefix ?? '';
    this.readUrlOverride = options.readUrlPrefix;
    this.readUrlPrefix = options.readUrlPrefix;
    this.configuredMaxBytes = options.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
    this.maskedReadAttempts = options.maskedReadAttempts ?? 4;
    this.capabilities = {
      mutable: true,
      immutable: true,
      visibility: 'public',
      publicUrls: true,
      list: true,
      conditionalWrites: true,
      maxObjectBytes: this.configuredMaxBytes,
      readYourWrites: 'masked',
    };
  }

  /** Reads `/hub_info`: the challenge tokens sign, the read URL, and the upload limit. */
  async init(options?: OperationOptions): Promise<void> {
    this.learn(await this.hub.connect(options?.signal));
  }

  async put(key: string, body: Body, options: PutOptions): Promise<PutResult> {
    const { signal } = options;
    this.learn(await this.hub.connect(signal));
    const headers = new Headers({ 'Content-Type': options.contentType ?? 'application/octet-stream' });
    if (options.ifMatch !== undefined) headers.set('If-Match', options.ifMatch);
    if (options.ifNoneMatch !== undefined) headers.set('If-None-Match', options.ifNoneMatch);
    const replayable = body instanceof Uint8Array;
    const init: RequestInit & { duplex?: 'half' } = replayable
      ? { method: 'POST', headers, body: body as unknown as BodyInit }
      : { method: 'POST', headers, body: requestBodyStream(body), duplex: 'half' };
    const request = { operation: 'store', key, signal };
    this.ledger.begin(key);
    try {
      const response = await this.hub.send(this.storePath('store', key), init, request, replayable);
      if (!response.ok) throw await this.storeError(response, key, signal, replayable);
      const answer = (await response.json().catch(() => ({}))) as { etag?: unknown };
      const etag = typeof answer.etag === 'string' ? answer.etag : undefined;
      // Without an ETag from the hub a later read cannot be checked against this write.
      if (etag === undefined) this.ledger.failed(key, true);
      else this.ledger.succeeded(key, etag);
      const url = this.url(key);
      return { ...(etag === undefined ? {} : { etag }), ...(url === undefined ? {} : { url }) };
    } catch (error) {
      this.ledger.failed(key, !refusedBeforeStoring(error));
      throw error;
    }
  }

  async get(key: string, options: GetOptions): Promise<StoredObject | null> {
    const { signal } = options;
    this.learn(await this.hub.connect(signal));
    const url = this.url(key)!;
    const attempts = this.ledger.expected(key) === undefined ? 1 : this.maskedReadAttempts;
    let served: string | null | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await delay(100 * 2 ** (attempt - 2), signal, { driver: this.name, key });
      const response = await this.read(url, attempt > 1, key, signal);
      served = etagOf(response);
      if (this.ledger.matches(key, served)) return stored(response);
      await discard(response);
    }
    // The read URL keeps serving another copy than this process wrote. Either a cache in front of it is
    // stale, or another writer replaced the file since: the hub's own listing says which.
    const current = await this.currentEtag(key, signal);
    if (current !== undefined && !this.ledger.matches(key, current)) {
      this.ledger.adopt(key, current);
      const response = await this.read(url, true, key, signal);
      served = etagOf(response);
      if (this.ledger.matches(key, served)) return stored(response);
      await discard(response);
    }
    throw new UnavailableError(
      `The hub's read URL still serves another copy (ETag ${served ?? 'none'}, ${served === null ? 'absent' : 'present'}) than the one this client wrote last, after ${attempts} reads`,
      {
        driver: this.name,
        key,
        hint: 'A cache (CDN) in front of the read URL is stale: retry later, or set read_url to one that is not cached.',
      },
    );
  }

  async delete(key: string, options: OperationOptions): Promise<void> {
    const request = { operation: 'delete', key, signal: options.signal };
    this.ledger.begin(key);
    try {
      const response = await this.hub.send(this.storePath('delete', key), { method: 'DELETE' }, request);
      // 404: nothing to delete, which is what was asked.
      if (!response.ok && response.status !== 404) throw await this.error(response, request);
      await discard(response);
      this.ledger.succeeded(key, null);
    } catch (error) {
      this.ledger.failed(key, !refusedBeforeStoring(error));
      throw error;
    }
  }

  async *list(prefix: string, options: OperationOptions): AsyncIterable<string> {
    for await (const entry of this.listFiles(false, options.signal)) {
      const name = typeof entry === 'string' ? entry : entry.name;
      if (!name.startsWith(this.prefix)) continue;
      const key = name.slice(this.prefix.length);
      if (key.startsWith(prefix)) yield key;
    }
  }

  /** Where other clients read `key`: `<read URL prefix><address>/<prefix><key>` (known after `init`). */
  url(key: string): string | undefined {
    if (this.readUrlPrefix === undefined) return undefined;
    return `${this.readUrlPrefix}${this.signer.address}/${this.prefix}${key}`;
  }

  private learn(info: HubInfo): void {
    this.readUrlPrefix = this.readUrlOverride ?? info.readUrlPrefix;
    this.capabilities.maxObjectBytes = Math.min(this.configuredMaxBytes, info.maxUploadBytes);
  }

  private storePath(route: 'store' | 'delete', key: string): string {
    return `${route}/${this.signer.address}/${this.prefix}${key}`;
  }

  /** GETs the read URL; `fresh` adds a unique query and no-cache headers to get past a cache. */
  private async read(url: string, fresh: boolean, key: string, signal?: AbortSignal): Promise<Response> {
    let target = url;
    if (fresh) {
      const unique = new URL(url);
      unique.searchParams.set(
        FRESH_READ_PARAM,
        `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`,
      );
      target = unique.href;
    }
    const headers: Record<string, string> = fresh ? { 'Cache-Control': 'no-cache', Pragma: 'no-cache' } : {};
    const request = { operation: 'read', key, signal };
    const response = await this.hub.fetch(target, { headers }, request);
    if (response.ok || isAbsent(response)) return response;
    throw await hubResponseError(response, { driver: this.name, key, operation: 'read', url });
  }

  /** The hub's ETag of `key` from `/list-files` with stat (`null`: no such file; `undefined`: the hub does not say). */
  private async currentEtag(key: string, signal?: AbortSignal): Promise<string | null | undefined> {
    const name = `${this.prefix}${key}`;
    for await (const entry of this.listFiles(true, signal)) {
      if (typeof entry === 'string') {
        if (entry === name) return undefined;
        continue;
      }
      if (entry.name === name) return entry.etag;
    }
    return null;
  }

  /** Every entry of the bucket, page by page. With `stat`, hubs that support it give objects. */
  private async *listFiles(stat: boolean, signal?: AbortSignal): AsyncIterable<string | ListedFile> {
    const request = { operation: 'list-files', signal };
    let page: string | null = null;
    do {
      const response = await this.hub.send(
        `list-files/${this.signer.address}`,
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(stat ? { page, stat: true } : { page }),
        },
        request,
      );
      if (!response.ok) throw await this.error(response, request);
      const answer = (await response.json()) as { entries?: unknown; page?: unknown };
      if (!Array.isArray(answer.entries)) {
        throw new UnavailableError('The hub answered list-files without an `entries` list', {
          driver: this.name,
        });
      }
      for (const entry of answer.entries as unknown[]) {
        if (typeof entry === 'string') yield entry;
        else if (
          typeof entry === 'object' &&
          entry !== null &&
          typeof (entry as ListedFile).name === 'string'
        ) {
          const { name, etag } = entry as { name: string; etag?: unknown };
          yield { name, etag: typeof etag === 'string' ? etag : undefined };
        }
      }
      page = typeof answer.page === 'string' && answer.page.length > 0 ? answer.page : null;
    } while (page !== null);
  }

  private async storeError(
    response: Response,
    key: string,
    signal: AbortSignal | undefined,
    replayable: boolean,
  ) {
    if (response.status === 413) {
      await discard(response);
      return this.tooLarge(key, signal);
    }
    if (response.status === 401 && !replayable) {
      // A streamed body cannot be sent twice: the token is renewed now for the caller's retry.
      await discard(response);
      await this.hub.refresh(signal).catch(() => undefined);
      return new UnavailableError('The hub refused the token (revoked or expired) during a streamed store', {
        driver: this.name,
        key,
        hint: 'A fresh token is ready: store the value again.',
      });
    }
    return this.error(response, { operation: 'store', key });
  }

  /** 413: the hub's limit, read again from `/hub_info` (it may have changed since `init`). */
  private async tooLarge(key: string, signal: AbortSignal | undefined): Promise<TooLargeError> {
    let limit: string;
    try {
      const info = await this.hub.refresh(signal);
      this.learn(info);
      limit = `${info.maxUploadMegabytes} megabytes (${info.maxUploadBytes} bytes, max_file_upload_size_megabytes in /hub_info)`;
    } catch {
      limit = 'less than this value (its /hub_info could not be read again)';
    }
    return new TooLargeError(`The hub at ${this.hub.hubUrl} accepts files of at most ${limit}`, {
      driver: this.name,
      key,
      hint: 'Store a smaller value, or use a hub with a larger max_file_upload_size_megabytes.',
    });
  }

  private error(response: Response, request: { operation: string; key?: string }) {
    return hubResponseError(response, { driver: this.name, url: this.hub.hubUrl, ...request });
  }
}

interface ListedFile {
  name: string;
  etag: string | undefined;
}

/** Errors after which the hub certainly did not change the file. */
function refusedBeforeStoring(error: unknown): boolean {
  return [ErrorCode.Conflict, ErrorCode.TooLarge, ErrorCode.Permission, ErrorCode.RateLimited].some((code) =>
    isStorageError(error, code),
  );
}

/** Read URLs answer 404 for a missing file (some storage services 410). */
function isAbsent(response: Response): boolean {
  return response.status === 404 || response.status === 410;
}

function etagOf(response: Response): string | null | undefined {
  if (isAbsent(response)) return null;
  return response.headers.get('etag') ?? undefined;
}

async function stored(response: Response): Promise<StoredObject | null> {
  if (isAbsent(response)) {
    await discard(response);
    return null;
  }
  const length = Number.parseInt(response.headers.get('content-length') ?? '', 10);
  const etag = response.headers.get('etag') ?? undefined;
  const body = response.body
    ? (response.body as unknown as AsyncIterable<Uint8Array>)
    : bytesToStream(new Uint8Array(0));
  return {
    body,
    ...(Number.isFinite(length) ? { size: length } : {}),
    ...(etag === undefined ? {} : { etag }),
  };
}
