import {
  type Body,
  ConfigurationError,
  ConflictError,
  createKeyValueDriver,
  type DriverCapabilities,
  deflateChunks,
  type GetOptions,
  inflateIfZlib,
  type KeyValueBackend,
  type OperationOptions,
  type PutOptions,
  type PutResult,
  type StorageDriver,
  type StoredObject,
  TooLargeError,
} from '@blockstack-storage/core/driver';
import type { files } from 'dropbox';
import { DropboxClient, type DropboxCredentials } from './dropbox-client.js';
import { hasSummary, toStorageError } from './dropbox-errors.js';
import { keyToPath, nameToKeySegment, normalizeRoot, prefixToFolder } from './dropbox-paths.js';
import { isDropboxSharedLink, SharedLinks, toDirectDownloadUrl } from './shared-links.js';
import { MAX_UPLOAD_REQUEST_BYTES, uploadValue } from './upload.js';

export const DROPBOX_DRIVER_NAME = 'dropbox';

/** Default piece size: values above it go up through an upload session. Bounds a put's memory. */
export const DEFAULT_SESSION_THRESHOLD_BYTES = 8 * 1024 * 1024;

/** Dropbox's limit for one file uploaded through a session (350 GB). */
export const DROPBOX_MAX_FILE_BYTES = 350_000_000_000;

export interface DropboxDriverOptions extends DropboxCredentials {
  /** Folder holding `mutable/` and `immutable/`. Default `/blockstack`; inside the app folder for app-folder apps. */
  root?: string;
  /** zlib-compress values on put (reads both compressed and plain values). Default false. */
  compress?: boolean;
  /**
   * Create a public shared link for each value and return its direct-download URL from `putMutable`
   * and `putImmutable`. Default true. When false the driver's data is visible to this account only
   * (`visibility: 'local'`).
   */
  sharedLinks?: boolean;
  /**
   * Values up to this many bytes go up in one `files/upload`; larger ones through an upload session,
   * in pieces of this size (so a put holds at most two pieces in memory). Default 8 MiB, at most
   * 150 MiB (Dropbox's per-request limit).
   */
  sessionThresholdBytes?: number;
  /** The `fetch` the SDK uses. Tests point it at the local Dropbox server. Default: global fetch. */
  fetch?: typeof fetch;
}

/**
 * A driver storing each value as one Dropbox file, `<root>/mutable/<encoded id>` and
 * `<root>/immutable/<sha256>`, through the official SDK.
 *
 * - Writes are atomic per file (Dropbox commits a file whole) and strongly consistent per path, so
 *   read-your-writes comes from the provider.
 * - Conditional writes map to Dropbox write modes: `ifNoneMatch: '*'` is `add`, `ifMatch: rev` is
 *   `update` to that rev, both with `strict_conflict`; etags are Dropbox revs.
 * - Puts return a public direct-download URL (a shared link) unless `sharedLinks` is false.
 *   `mutableUrl` cannot give one without an API call, so the driver declares `publicUrls: false`.
 */
export function createDropboxDriver(options: DropboxDriverOptions): StorageDriver {
  return createKeyValueDriver(new DropboxBackend(options));
}

class DropboxBackend implements KeyValueBackend {
  readonly name = DROPBOX_DRIVER_NAME;
  readonly capabilities: DriverCapabilities;
  private readonly client: DropboxClient;
  private readonly root: string;
  private readonly compress: boolean;
  private readonly links: SharedLinks | undefined;
  private readonly sessionThresholdBytes: number;

  constructor(options: DropboxDriverOptions) {
    if (!options.accessToken && !(options.appKey && options.appSecret && options.refreshToken)) {
      throw new ConfigurationError('[dropbox] needs either token, or app_key + app_secret + refresh_token', {
        driver: DROPBOX_DRIVER_NAME,
        hint: 'See the driver README for how to create a Dropbox app and get a refresh token.',
      });
    }
    const threshold = options.sessionThresholdBytes ?? DEFAULT_SESSION_THRESHOLD_BYTES;
    if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > MAX_UPLOAD_REQUEST_BYTES) {
      throw new ConfigurationError(
        `[dropbox] upload_session_threshold must be a whole number of bytes from 1 to ${MAX_UPLOAD_REQUEST_BYTES}`,
        { driver: DROPBOX_DRIVER_NAME },
      );
    }
    this.sessionThresholdBytes = threshold;
    this.root = normalizeRoot(options.root, DROPBOX_DRIVER_NAME);
    this.compress = options.compress ?? false;
    this.client = new DropboxClient(options);
    const sharedLinks = options.sharedLinks ?? true;
    this.links = sharedLinks ? new SharedLinks(this.client) : undefined;
    this.capabilities = {
      mutable: true,
      immutable: true,
      visibility: sharedLinks ? 'public' : 'local',
      publicUrls: false,
      list: true,
      conditionalWrites: true,
      maxObjectBytes: DROPBOX_MAX_FILE_BYTES,
      readYourWrites: 'provider',
    };
  }

  /** Fetches an access token now when refresh credentials are configured, so bad ones fail early. */
  async init(_options?: OperationOptions): Promise<void> {
    try {
      await this.client.ensureFreshToken();
    } catch (error) {
      throw toStorageError(error, { driver: this.name, operation: 'token refresh' });
    }
  }

  async put(key: string, body: Body, options: PutOptions): Promise<PutResult> {
    const context = { driver: this.name, key };
    if (options.size !== undefined && options.size > DROPBOX_MAX_FILE_BYTES) {
      throw new TooLargeError(`Value is larger than Dropbox's ${DROPBOX_MAX_FILE_BYTES}-byte limit`, context);
    }
    const path = keyToPath(this.root, key);
    const mode = writeMode(options, context);
    let metadata: files.FileMetadata;
    try {
      metadata = await uploadValue(this.client, path, this.compress ? deflateChunks(body) : body, {
        mode,
        sessionThresholdBytes: this.sessionThresholdBytes,
        maxBytes: DROPBOX_MAX_FILE_BYTES,
        signal: options.signal,
        context,
      });
    } catch (error) {
      throw toStorageError(error, { ...context, operation: 'upload' });
    }
    const result: PutResult = { etag: metadata.rev };
    // Both kinds: the core records an immutable datum's URL in its zone-file data record, and a mutable
    // one's in a per-datum URI record, so other users can read either without a token. After the
    // upload, so an abort during link creation leaves the new value stored (the put still rejects).
    if (this.links) {
      try {
        result.url = await this.links.urlFor(path, options.signal);
      } catch (error) {
        throw toStorageError(error, { ...context, operation: 'shared link creation' });
      }
    }
    return result;
  }

  /** Claims Dropbox shared links, so a published `dl=0` (preview page) link still reads as the value. */
  handlesUrl(url: string): boolean {
    return isDropboxSharedLink(url);
  }

  /**
   * Reads a shared link as its direct-download form with a plain GET (no token: the link is public).
   * @returns `null` when the link is gone (404/410).
   */
  async getUrl(url: string, options: GetOptions = {}): Promise<StoredObject | null> {
    const context = { driver: this.name, key: redactLink(url) };
    try {
      const found = await this.client.fetchPublic(toDirectDownloadUrl(url), options.signal);
      if (found === null) return null;
      const stream = mapStreamErrors(found.body, context);
      if (this.compress) return { body: inflateIfZlib(stream, context) };
      return found.size === undefined ? { body: stream } : { body: stream, size: found.size };
    } catch (error) {
      throw toStorageError(error, { ...context, operation: 'shared link download' });
    }
  }

  async get(key: string, options: GetOptions): Promise<StoredObject | null> {
    const context = { driver: this.name, key };
    try {
      const { metadata, body } = await this.client.download(keyToPath(this.root, key), options.signal);
      const stream = mapStreamErrors(body, context);
      if (this.compress) return { body: inflateIfZlib(stream, context), etag: metadata.rev };
      return { body: stream, size: metadata.size, etag: metadata.rev };
    } catch (error) {
      if (hasSummary(error, 'path/not_found')) return null;
      throw toStorageError(error, { ...context, operation: 'download' });
    }
  }

  async delete(key: string, options: OperationOptions): Promise<void> {
    const path = keyToPath(this.root, key);
    try {
      await this.client.call((sdk) =>
        sdk.filesDeleteV2({ path }, options.signal ? { signal: options.signal } : {}),
      );
    } catch (error) {
      if (!hasSummary(error, 'path_lookup/not_found')) {
        throw toStorageError(error, { driver: this.name, key, operation: 'delete' });
      }
    } finally {
      this.links?.forget(path);
    }
  }

  async *list(prefix: string, options: OperationOptions): AsyncIterable<string> {
    const request = options.signal ? { signal: options.signal } : {};
    const folder = prefixToFolder(this.root, prefix);
    let page: files.ListFolderResult;
    try {
      page = (
        await this.client.call((sdk) =>
          sdk.filesListFolder({ path: folder, recursive: false, limit: 2000 }, request),
        )
      ).result;
    } catch (error) {
      if (hasSummary(error, 'path/not_found')) return;
      throw toStorageError(error, { driver: this.name, operation: 'list' });
    }
    for (;;) {
      for (const entry of page.entries) {
        if (entry['.tag'] === 'file') yield `${prefix}${nameToKeySegment(entry.name)}`;
      }
      if (!page.has_more) return;
      const cursor = page.cursor;
      try {
        page = (await this.client.call((sdk) => sdk.filesListFolderContinue({ cursor }, request))).result;
      } catch (error) {
        throw toStorageError(error, { driver: this.name, operation: 'list' });
      }
    }
  }
}

/** Dropbox revs are hex, at least 9 characters; anything else cannot be the etag of a stored value. */
const REV_PATTERN = /^[0-9a-f]{9,}$/;

function writeMode(options: PutOptions, context: { driver: string; key: string }): files.WriteMode {
  if (options.ifNoneMatch === '*') return { '.tag': 'add' };
  if (options.ifMatch !== undefined) {
    if (!REV_PATTERN.test(options.ifMatch)) {
      throw new ConflictError(`The value's etag is not ${JSON.stringify(options.ifMatch)}`, {
        ...context,
        hint: 'Use the etag a put or get of this driver returned (a Dropbox rev).',
      });
    }
    return { '.tag': 'update', update: options.ifMatch };
  }
  return { '.tag': 'overwrite' };
}

/** A link without its query (`rlkey` is the link's secret part) for error messages. */
function redactLink(url: string): string {
  return url.split('?')[0]!;
}

/** Errors raised while the caller reads a download stream become typed errors too. */
async function* mapStreamErrors(
  body: AsyncIterable<Uint8Array>,
  context: { driver: string; key: string },
): AsyncIterable<Uint8Array> {
  try {
    for await (const chunk of body) yield chunk;
  } catch (error) {
    throw toStorageError(error, { ...context, operation: 'download' });
  }
}
