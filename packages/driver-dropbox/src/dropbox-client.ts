import { Dropbox, DropboxAuth, DropboxResponseError, type files } from 'dropbox';
import { isExpiredToken } from './dropbox-errors.js';

export interface DropboxCredentials {
  /** A long-lived (or current short-lived) access token. */
  accessToken?: string;
  /** The app key (client id), app secret and refresh token of the OAuth2 refresh flow. */
  appKey?: string;
  appSecret?: string;
  refreshToken?: string;
}

export interface DropboxClientOptions extends DropboxCredentials {
  /** The `fetch` the SDK and downloads use (tests point it at the local Dropbox). Default: global fetch. */
  fetch?: typeof fetch;
}

/**
 * Refresh a little before Dropbox's stated expiry so a request never leaves with a dying token; a
 * minute more than the SDK's own 5-minute margin, so the SDK never starts a second, unshared refresh.
 */
const EXPIRY_MARGIN_MS = 6 * 60 * 1000;

/**
 * The official SDK plus what the driver needs around it: one shared token refresh at a time, one
 * retry after `expired_access_token`, and streaming downloads (the SDK buffers a download whole,
 * so `download` calls the same endpoint through the same `fetch` and token, and streams the body).
 */
export class DropboxClient {
  readonly sdk: Dropbox;
  private readonly auth: DropboxAuth;
  private readonly fetchImpl: typeof fetch;
  private readonly canRefresh: boolean;
  private refreshing: Promise<void> | undefined;

  constructor(options: DropboxClientOptions) {
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.canRefresh = Boolean(options.appKey && options.appSecret && options.refreshToken);
    this.auth = new DropboxAuth({
      fetch: this.fetchImpl,
      ...(options.accessToken ? { accessToken: options.accessToken } : {}),
      ...(this.canRefresh
        ? { clientId: options.appKey, clientSecret: options.appSecret, refreshToken: options.refreshToken }
        : {}),
    });
    this.sdk = new Dropbox({ auth: this.auth, fetch: this.fetchImpl });
  }

  /**
   * Runs one API call. On 401 `expired_access_token` it refreshes the token (when refresh credentials
   * are configured) and runs the call once more; every other error is rethrown as the SDK gave it.
   * `call` must be replayable: request bodies are in-memory pieces, never a consumed stream.
   */
  async call<T>(call: (sdk: Dropbox) => Promise<T>): Promise<T> {
    await this.ensureFreshToken();
    const tokenUsed = this.auth.getAccessToken();
    try {
      return await call(this.sdk);
    } catch (error) {
      if (!this.canRefresh || !isExpiredToken(error)) throw error;
      await this.refresh(tokenUsed);
      return call(this.sdk);
    }
  }

  /** Refreshes now if the token is missing or about to expire (no-op for a plain long-lived token). */
  async ensureFreshToken(): Promise<void> {
    if (!this.canRefresh) return;
    const expiresAt = this.auth.getAccessTokenExpiresAt() as Date | undefined;
    const fresh =
      this.auth.getAccessToken() &&
      expiresAt !== undefined &&
      expiresAt.getTime() - EXPIRY_MARGIN_MS > Date.now();
    if (!fresh) await this.refresh(this.auth.getAccessToken());
  }

  /**
   * Refreshes the access token, once for all concurrent callers: a caller whose token was already
   * replaced by another caller's refresh just uses the new one.
   */
  private async refresh(staleToken: string | undefined): Promise<void> {
    if (this.refreshing) return this.refreshing;
    if (staleToken !== this.auth.getAccessToken()) return;
    this.refreshing = (async () => {
      try {
        await this.auth.refreshAccessToken();
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /**
   * A plain GET of a public URL (a shared link's direct-download form), following redirects, streamed.
   * @returns `null` for 404 or 410 (the link was removed). @throws an HTTP error (status, headers, text).
   */
  async fetchPublic(
    url: string,
    signal: AbortSignal | undefined,
  ): Promise<{ body: AsyncIterable<Uint8Array>; size: number | undefined } | null> {
    const response = await this.fetchImpl(url, { redirect: 'follow', ...(signal ? { signal } : {}) });
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) {
      throw new PublicLinkError(response.status, response.headers, (await response.text()).slice(0, 200));
    }
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    return {
      body: response.body ? readWebStream(response.body) : emptyStream(),
      size: Number.isSafeInteger(length) ? length : undefined,
    };
  }

  /**
   * `files/download`, streamed, with the same token handling as `call`.
   * @throws the SDK's `DropboxResponseError` for an HTTP error (409 `path/not_found` for a missing
   *   path), so callers map it like any SDK error.
   */
  async download(
    path: string,
    signal: AbortSignal | undefined,
  ): Promise<{ metadata: files.FileMetadata; body: AsyncIterable<Uint8Array> }> {
    return this.call(async () => {
      const response = await this.fetchImpl('https://content.dropboxapi.com/2/files/download', {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${this.auth.getAccessToken()}`,
          'Dropbox-API-Arg': headerSafeJson({ path }),
        },
        ...(signal ? { signal } : {}),
      });
      if (!response.ok) {
        const text = await response.text();
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // a text body (HTTP 400) stays text, as in the SDK
        }
        throw new DropboxResponseError(response.status, response.headers, parsed);
      }
      const result = response.headers.get('dropbox-api-result');
      const metadata = (result ? JSON.parse(result) : {}) as files.FileMetadata;
      return { metadata, body: response.body ? readWebStream(response.body) : emptyStream() };
    });
  }
}

/** The parts of an HTTP error the error mapping reads, for a plain GET (not an API call). */
class PublicLinkError extends Error {
  constructor(
    readonly status: number,
    readonly headers: Headers,
    readonly error: string,
  ) {
    super(`Shared link answered HTTP ${status}`);
    this.name = 'PublicLinkError';
  }
}

async function* emptyStream(): AsyncIterable<Uint8Array> {}

/**
 * Reads a fetch body. A reader (not `Readable.fromWeb`) so that a body the caller never reads cannot
 * raise an unhandled 'error' event when the connection closes; a caller that stops early cancels it.
 */
async function* readWebStream(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** JSON for an HTTP header: non-ASCII as `\uXXXX`, as Dropbox requires in `Dropbox-API-Arg`. */
export function headerSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
