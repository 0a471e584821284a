import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dropboxContentHash } from '../content-hash.js';
import { type CommitInfo, LocalDropboxApiError, LocalDropboxStore } from './local-dropbox-store.js';

/** Dropbox refuses a single upload request body above 150 MiB. */
export const MAX_UPLOAD_REQUEST_BYTES = 150 * 1024 * 1024;

export interface LocalDropboxServerOptions {
  /** Port to listen on (127.0.0.1). Default: any free port. */
  port?: number;
  /** Access tokens accepted from the start (a long-lived token). Default `['local-access-token']`. */
  accessTokens?: string[];
  /** The app's key and secret and a refresh token, for the OAuth2 refresh flow. */
  appKey?: string;
  appSecret?: string;
  refreshToken?: string;
  /** `expires_in` of tokens issued by the refresh flow. Default 14400 s, as Dropbox. */
  tokenLifetimeSeconds?: number;
  /** Largest page `files/list_folder` returns. Default 25, so paging is exercised. */
  listPageSize?: number;
}

export interface RateLimitOptions {
  /** How many requests to refuse. Default 1. */
  times?: number;
  /** Seconds sent in `Retry-After` and `error.retry_after`. Default 1. */
  retryAfterSeconds?: number;
  /** Dropbox's reason tag. Default `too_many_requests`. */
  reason?: 'too_many_requests' | 'too_many_write_operations';
  /** Only refuse calls to these API functions (e.g. `files/upload`). Default: every `/2/` call. */
  endpoints?: string[];
}

/** Counters a test can assert on. */
export interface LocalDropboxStats {
  /** Calls per API function (`files/upload`, `oauth2/token`, ...), including refused ones. */
  calls: Record<string, number>;
  /** Largest request body received on an upload endpoint. */
  maxUploadRequestBytes: number;
  /** Bytes received on upload endpoints so far (single uploads and session pieces). */
  uploadedBytes: number;
  /** Access tokens issued by the refresh flow. */
  tokensIssued: number;
}

/** A running local Dropbox. */
export interface LocalDropboxServer {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly store: LocalDropboxStore;
  readonly stats: LocalDropboxStats;
  /**
   * A `fetch` for the Dropbox SDK's `fetch` option: sends every `https://<dropbox host>/...` request
   * here instead (API, content, OAuth2 and shared-link hosts alike).
   */
  readonly fetch: typeof fetch;
  /** From now on every access token issued so far is answered with 401 `expired_access_token`. */
  expireAccessTokens(): void;
  /** Refuses the next requests with HTTP 429, `Retry-After` and Dropbox's rate-limit error body. */
  rateLimit(options?: RateLimitOptions): void;
  /** When true, `shared_link_already_exists` carries no metadata (older API behaviour), forcing clients to list. */
  omitExistingLinkMetadata: boolean;
  close(): Promise<void>;
}

const UPLOAD_ENDPOINTS = new Set([
  'files/upload',
  'files/upload_session/start',
  'files/upload_session/append_v2',
  'files/upload_session/finish',
]);
const DOWNLOAD_ENDPOINTS = new Set(['files/download']);

/**
 * Starts a small HTTP server that speaks the parts of the Dropbox API v2 the driver uses, with the
 * documented request and response shapes: arguments in the `Dropbox-API-Arg` header (upload and
 * download endpoints) or a JSON body (RPC endpoints), `Dropbox-API-Result` on downloads, endpoint errors
 * as HTTP 409 with `{ error_summary, error }`, 401 for bad or expired tokens, 429 with `Retry-After`,
 * and the OAuth2 token endpoint for the refresh flow. Paths are case-insensitive and NFC-normalised.
 * State lives in memory and is lost on `close`.
 */
export async function startLocalDropboxServer(
  options: LocalDropboxServerOptions = {},
): Promise<LocalDropboxServer> {
  const validTokens = new Set(options.accessTokens ?? ['local-access-token']);
  const expiredTokens = new Set<string>();
  const appKey = options.appKey ?? 'local-app-key';
  const appSecret = options.appSecret ?? 'local-app-secret';
  const refreshToken = options.refreshToken ?? 'local-refresh-token';
  const stats: LocalDropboxStats = { calls: {}, maxUploadRequestBytes: 0, uploadedBytes: 0, tokensIssued: 0 };
  let pendingRateLimit: Required<Omit<RateLimitOptions, 'endpoints'>> & { endpoints?: string[] } = {
    times: 0,
    retryAfterSeconds: 1,
    reason: 'too_many_requests',
  };
  let baseUrl = '';

  const controls = { omitExistingLinkMetadata: false };
  const store = new LocalDropboxStore({
    listPageSize: options.listPageSize ?? 25,
    omitExistingLinkMetadata: () => controls.omitExistingLinkMetadata,
  });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (req.method === 'GET' && url.pathname.startsWith('/scl/fi/')) return serveSharedLink(url, res);
    if (req.method !== 'POST') return sendText(res, 405, 'Method not allowed');

    if (url.pathname === '/oauth2/token') {
      count('oauth2/token');
      const body = await readRequest(req, 64 * 1024);
      if (!body) return;
      return tokenEndpoint(req, url, body, res);
    }
    if (!url.pathname.startsWith('/2/')) return sendText(res, 404, 'Not found');
    const fn = url.pathname.slice(3);
    count(fn);

    const isUpload = UPLOAD_ENDPOINTS.has(fn);
    const body = await readRequest(req, isUpload ? MAX_UPLOAD_REQUEST_BYTES : 1024 * 1024);
    if (!body) return; // the client went away mid-request: commit nothing

    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (expiredTokens.has(token)) return sendAuthError(res, 'expired_access_token');
    if (!validTokens.has(token)) return sendAuthError(res, 'invalid_access_token');

    if (
      pendingRateLimit.times > 0 &&
      (pendingRateLimit.endpoints === undefined || pendingRateLimit.endpoints.includes(fn))
    ) {
      pendingRateLimit.times--;
      const { reason, retryAfterSeconds } = pendingRateLimit;
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(retryAfterSeconds) });
      res.end(
        JSON.stringify({
          error_summary: `${reason}/..`,
          error: { reason: { '.tag': reason }, retry_after: retryAfterSeconds },
        }),
      );
      return;
    }

    let arg: Record<string, unknown>;
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    try {
      if (isUpload || DOWNLOAD_ENDPOINTS.has(fn)) {
        if (isUpload && contentType !== 'application/octet-stream') {
          return badRequest(res, fn, `Bad HTTP "Content-Type" header: "${contentType}".`);
        }
        arg = JSON.parse(String(req.headers['dropbox-api-arg'] ?? 'null')) ?? {};
      } else {
        if (body.byteLength > 0 && contentType !== 'application/json') {
          return badRequest(res, fn, `Bad HTTP "Content-Type" header: "${contentType}".`);
        }
        arg = body.byteLength === 0 ? {} : JSON.parse(body.toString('utf8'));
      }
    } catch {
      return badRequest(res, fn, 'could not decode input as JSON');
    }
    if (isUpload) {
      stats.uploadedBytes += body.byteLength;
      stats.maxUploadRequestBytes = Math.max(stats.maxUploadRequestBytes, body.byteLength);
      // Every upload endpoint takes an optional content_hash of this request's bytes.
      if (typeof arg.content_hash === 'string' && arg.content_hash !== dropboxContentHash(body)) {
        return sendEndpointError(res, new LocalDropboxApiError({ '.tag': 'content_hash_mismatch' }));
      }
    }

    try {
      switch (fn) {
        case 'files/upload':
          return sendJson(res, store.upload(body, arg as unknown as CommitInfo));
        case 'files/download': {
          const { metadata, data } = store.download(String(arg.path));
          res.writeHead(200, {
            'content-type': 'application/octet-stream',
            'content-length': String(data.byteLength),
            'dropbox-api-result': headerSafeJson(metadata),
          });
          res.end(data);
          return;
        }
        case 'files/delete_v2':
          return sendJson(res, store.delete(String(arg.path)));
        case 'files/upload_session/start':
          return sendJson(res, store.startSession(body, arg.close === true));
        case 'files/upload_session/append_v2':
          store.appendSession(arg.cursor as { session_id: string; offset: number }, body, arg.close === true);
          return sendJson(res, null);
        case 'files/upload_session/finish':
          return sendJson(
            res,
            store.finishSession(
              arg.cursor as { session_id: string; offset: number },
              arg.commit as CommitInfo,
              body,
            ),
          );
        case 'files/list_folder':
          return sendJson(
            res,
            store.listFolder(
              String(arg.path ?? ''),
              arg.recursive === true,
              typeof arg.limit === 'number' ? arg.limit : undefined,
            ),
          );
        case 'files/list_folder/continue':
          return sendJson(res, store.listFolderContinue(String(arg.cursor)));
        case 'sharing/create_shared_link_with_settings':
          return sendJson(res, store.createSharedLink(String(arg.path), 'https://www.dropbox.com'));
        case 'sharing/list_shared_links':
          return sendJson(res, store.listSharedLinks(typeof arg.path === 'string' ? arg.path : undefined));
        default:
          return badRequest(res, fn, 'Unknown API function');
      }
    } catch (error) {
      if (error instanceof LocalDropboxApiError) return sendEndpointError(res, error);
      throw error;
    }
  };

  function count(fn: string): void {
    stats.calls[fn] = (stats.calls[fn] ?? 0) + 1;
  }

  function tokenEndpoint(req: IncomingMessage, url: URL, body: Buffer, res: ServerResponse): void {
    // The SDK sends the grant in the query string; RFC 6749 clients send a form body. Accept both.
    const params = new URLSearchParams(url.search);
    if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.set(k, v);
    }
    const basic = req.headers.authorization?.startsWith('Basic ')
      ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString('utf8').split(':')
      : [];
    const clientId = params.get('client_id') ?? basic[0];
    const clientSecret = params.get('client_secret') ?? basic[1];
    if (params.get('grant_type') !== 'refresh_token') {
      sendOAuthError(res, 'unsupported_grant_type', 'only refresh_token is supported here');
      return;
    }
    if (clientId !== appKey || clientSecret !== appSecret) {
      sendOAuthError(res, 'invalid_client', 'Invalid client_id or client_secret');
      return;
    }
    if (params.get('refresh_token') !== refreshToken) {
      sendOAuthError(res, 'invalid_grant', 'refresh token is invalid or revoked');
      return;
    }
    const accessToken = `sl.local-${randomBytes(18).toString('base64url')}`;
    validTokens.add(accessToken);
    stats.tokensIssued++;
    sendJson(res, {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: options.tokenLifetimeSeconds ?? 14_400,
    });
  }

  function serveSharedLink(url: URL, res: ServerResponse): void {
    const [, , , linkId] = url.pathname.split('/');
    const file = linkId ? store.resolveSharedLink(linkId, url.searchParams.get('rlkey')) : undefined;
    if (!file) {
      sendText(res, 404, 'This link is no longer available');
      return;
    }
    if (url.searchParams.get('dl') !== '1' && url.searchParams.get('raw') !== '1') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><title>Dropbox - ${file.pathDisplay.split('/').pop()}</title><p>preview page</p>`,
      );
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/binary',
      'content-length': String(file.data.byteLength),
    });
    res.end(file.data);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendText(res, 500, `local dropbox: ${String(error)}`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;

  const localFetch = ((input: string | URL | Request, init?: RequestInit) => {
    const target = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    return fetch(target.replace(/^https:\/\/[^/]+/, baseUrl), init);
  }) as typeof fetch;

  return {
    url: baseUrl,
    store,
    stats,
    fetch: localFetch,
    expireAccessTokens() {
      for (const token of validTokens) expiredTokens.add(token);
      validTokens.clear();
    },
    rateLimit(limit: RateLimitOptions = {}) {
      pendingRateLimit = {
        times: limit.times ?? 1,
        retryAfterSeconds: limit.retryAfterSeconds ?? 1,
        reason: limit.reason ?? 'too_many_requests',
        ...(limit.endpoints ? { endpoints: limit.endpoints } : {}),
      };
    },
    get omitExistingLinkMetadata() {
      return controls.omitExistingLinkMetadata;
    },
    set omitExistingLinkMetadata(value: boolean) {
      controls.omitExistingLinkMetadata = value;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Reads a request body up to `limit` bytes. @returns `undefined` (and answers or drops) otherwise. */
async function readRequest(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (total > limit) {
        req.socket.destroy();
        return undefined;
      }
      chunks.push(chunk);
    }
  } catch {
    return undefined;
  }
  if (!req.complete) return undefined;
  return Buffer.concat(chunks, total);
}

/** Dropbox's HTTP-header-safe JSON: every non-ASCII character as a `\uXXXX` escape. */
function headerSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function sendJson(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

function sendEndpointError(res: ServerResponse, error: LocalDropboxApiError): void {
  res.writeHead(error.status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error_summary: error.summary, error: error.error }));
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

function badRequest(res: ServerResponse, fn: string, detail: string): void {
  sendText(res, 400, `Error in call to API function "${fn}": ${detail}`);
}

function sendAuthError(res: ServerResponse, tag: 'expired_access_token' | 'invalid_access_token'): void {
  res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
  res.end(JSON.stringify({ error_summary: `${tag}/..`, error: { '.tag': tag } }));
}

function sendOAuthError(res: ServerResponse, error: string, description: string): void {
  res.writeHead(400, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error, error_description: description }));
}
