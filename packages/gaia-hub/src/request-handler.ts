import type { IncomingMessage, ServerResponse } from 'node:http';
import { type DriverPolicy, type StorageDriver, validateDataId } from '@blockstack-storage/core';
import { deleteKeepingHistory, isHistoryName, storeKeepingHistory } from './archival.js';
import {
  challengeTextOf,
  checkDeleteScope,
  checkWriteScope,
  isArchival,
  LATEST_AUTH_VERSION,
  type VerifiedToken,
  verifyAuthorization,
} from './authentication.js';
import { FileStore, type StoreConditions } from './file-store.js';
import {
  badPathError,
  HubError,
  invalidInputError,
  payloadTooLargeError,
  validationError,
} from './hub-errors.js';
import type { StoredFileHeader } from './stored-file.js';

export interface GaiaHubOptions {
  /** The drivers files are stored on, opened and initialised, in read order. The caller closes them. */
  drivers: readonly StorageDriver[];
  /** Names of the drivers every store and delete must reach (`storage_drivers_required_write`). */
  requiredWrite?: Iterable<string>;
  /** Timeout and retry policy of every driver call (the core's defaults when omitted). */
  policy?: DriverPolicy;
  /** Put in the challenge text tokens must sign. Default `"blockstack-storage"`. */
  serverName?: string;
  /**
   * Where files are read (`read_url_prefix`, ending in "/"): `<prefix><address>/<path>`. Default: this
   * server's `/read/`, from the request's Host header. Set it when a CDN or proxy serves the reads.
   */
  readUrlPrefix?: string;
  /** Largest file accepted, in megabytes of 2^20 bytes (`max_file_upload_size_megabytes`). Default 20. */
  maxFileUploadSizeMegabytes?: number;
  /** Entries per list-files page. Default 100. */
  listPageSize?: number;
  /** When set, tokens must name one of these in `hubUrl` (the URLs clients connect to). */
  validHubUrls?: readonly string[];
  /** When set, only these addresses (a bucket's, or its association token's issuer) may write. */
  allowedAddresses?: readonly string[];
  /**
   * Remove a delete's objects once every driver took its tombstone. Default `true`; set `false` when
   * several hub processes share the drivers (see the README's Deletes).
   */
  removeTombstones?: boolean;
}

/** A request handler for `http.createServer`, and the store behind it. */
export interface GaiaHubHandler {
  (request: IncomingMessage, response: ServerResponse): void;
  readonly store: FileStore;
}

const READ_PATH = '/read/';
const MAX_JSON_REQUEST_BYTES = 4096;
const ADDRESS = '([a-zA-Z0-9]+)';
const STORE_ROUTE = new RegExp(`^/store/${ADDRESS}/(.+)$`);
const DELETE_ROUTE = new RegExp(`^/delete/${ADDRESS}/(.+)$`);
const LIST_ROUTE = new RegExp(`^/list-files/${ADDRESS}/?$`);
const REVOKE_ROUTE = new RegExp(`^/revoke-all/${ADDRESS}/?$`);
const READ_ROUTE = new RegExp(`^${READ_PATH}${ADDRESS}/(.+)$`);

/**
 * The Gaia hub's HTTP API over the given drivers: `GET /hub_info`, `POST /store/<address>/<path>`,
 * `DELETE /delete/<address>/<path>`, `POST /list-files/<address>`, `POST /revoke-all/<address>`, and
 * reads (GET, HEAD) at `/read/<address>/<path>`. Answers as the Gaia hub does (statuses, JSON bodies
 * `{ message, error }` on errors, CORS), so `@stacks/storage` works against it unchanged.
 */
export function createGaiaHubHandler(options: GaiaHubOptions): GaiaHubHandler {
  const store = new FileStore(options);
  const megabytes = options.maxFileUploadSizeMegabytes ?? 20;
  const maxUploadBytes = Math.floor(megabytes * 1024 * 1024);
  if (!(maxUploadBytes > 0)) throw new RangeError('maxFileUploadSizeMegabytes must be a positive number.');
  if (maxUploadBytes > store.maxReadBytes) {
    throw new RangeError(
      `maxFileUploadSizeMegabytes (${megabytes}) is larger than the drivers' read limit (${store.maxReadBytes} bytes, policy.maxReadBytes): files that large could not be read back.`,
    );
  }
  const challengeText = challengeTextOf(options.serverName ?? 'blockstack-storage');
  const pageSize = options.listPageSize ?? 100;

  const readUrlPrefixFor = (request: IncomingMessage) =>
    options.readUrlPrefix ?? `http://${request.headers.host ?? '127.0.0.1'}${READ_PATH}`;

  async function authorize(request: IncomingMessage, address: string, checkRevocation = true) {
    const oldestValidTimestamp = checkRevocation ? await store.oldestValidTimestamp(address) : 0;
    const token = verifyAuthorization(request.headers.authorization, {
      address,
      challengeText,
      oldestValidTimestamp,
      validHubUrls: options.validHubUrls,
    });
    const allowed = options.allowedAddresses;
    if (allowed && !allowed.includes(token.signerAddress) && !allowed.includes(token.bucketAddress)) {
      throw validationError(`Address ${token.signerAddress} may not write to this hub.`);
    }
    return token;
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const rawPath = (request.url ?? '/').split('?')[0]!;

    if (method === 'OPTIONS') {
      response.writeHead(204, { 'Content-Length': '0' }).end();
      return;
    }
    if (method === 'GET' && (rawPath === '/hub_info' || rawPath === '/hub_info/')) {
      sendJson(response, 200, {
        challenge_text: challengeText,
        latest_auth_version: LATEST_AUTH_VERSION,
        max_file_upload_size_megabytes: megabytes,
        read_url_prefix: readUrlPrefixFor(request),
      });
      return;
    }

    let match = STORE_ROUTE.exec(rawPath);
    if (match && method === 'POST') {
      const address = match[1]!;
      const path = filePathOf(match[2]!);
      const token = await authorize(request, address);
      checkWriteScope(token.scopes, address, path);
      const bytes = await readUpload(request, maxUploadBytes, megabytes);
      const contentType = request.headers['content-type'] ?? 'application/octet-stream';
      const conditions: StoreConditions = {
        ifMatch: request.headers['if-match'],
        ifNoneMatch: request.headers['if-none-match'],
      };
      const header = isArchival(token.scopes)
        ? await storeKeepingHistory(store, address, path, bytes, contentType, conditions)
        : await store.store(`${address}/${path}`, bytes, contentType, conditions);
      sendJson(response, 202, {
        publicURL: readUrlPrefixFor(request) + urlPathOf(address, path),
        etag: header.etag,
      });
      return;
    }

    match = DELETE_ROUTE.exec(rawPath);
    if (match && method === 'DELETE') {
      const address = match[1]!;
      const path = filePathOf(match[2]!);
      const token = await authorize(request, address);
      checkDeleteScope(token.scopes, address, path);
      if (isArchival(token.scopes)) await deleteKeepingHistory(store, address, path);
      else await store.delete(`${address}/${path}`);
      response.writeHead(202, { 'Content-Length': '0' }).end();
      return;
    }

    match = LIST_ROUTE.exec(rawPath);
    if (match && method === 'POST') {
      const address = match[1]!;
      const body = await readJson(request);
      const token = await authorize(request, address);
      const page = typeof body.page === 'string' && body.page.length > 0 ? body.page : null;
      sendJson(response, 202, await listPage(store, address, page, body.stat === true, pageSize, token));
      return;
    }

    match = REVOKE_ROUTE.exec(rawPath);
    if (match && method === 'POST') {
      const address = match[1]!;
      const body = await readJson(request);
      const timestamp = Number.parseInt(String(body.oldestValidTimestamp), 10);
      if (!Number.isFinite(timestamp) || timestamp < 0) {
        throw invalidInputError('Send {"oldestValidTimestamp": <seconds since the epoch>}.');
      }
      await authorize(request, address, false);
      await store.revokeBefore(address, timestamp);
      sendJson(response, 202, { status: 'success' });
      return;
    }

    match = READ_ROUTE.exec(rawPath);
    if (match && (method === 'GET' || method === 'HEAD')) {
      await serveRead(store, request, response, match[1]!, filePathOf(match[2]!));
      return;
    }

    throw new HubError(
      404,
      'NotFound',
      `No route for ${method} ${rawPath}: see /hub_info and the Gaia hub API.`,
    );
  }

  const handler = ((request: IncomingMessage, response: ServerResponse) => {
    setCorsHeaders(response);
    route(request, response).catch((error: unknown) => sendError(request, response, error));
  }) as GaiaHubHandler;
  Object.defineProperty(handler, 'store', { value: store });
  return handler;
}

/** CORS as the Gaia hub sends it: any origin, the headers `@stacks/storage` sends, the ETag readable. */
function setCorsHeaders(response: ServerResponse): void {
  response.setHeader('Access-Control-Allow-Origin', '*');
  response.setHeader('Access-Control-Allow-Methods', 'GET,HEAD,POST,DELETE,OPTIONS');
  response.setHeader('Access-Control-Allow-Headers', 'Authorization,Content-Type,If-Match,If-None-Match');
  response.setHeader('Access-Control-Expose-Headers', 'ETag');
  response.setHeader('Access-Control-Max-Age', '86400');
}

/**
 * The file path of a request, percent-decoded, without a trailing "/" (as the Gaia hub strips it).
 * @throws HubError 403 for "." or ".." segments (before or after decoding) and for names the core refuses.
 */
function filePathOf(encoded: string): string {
  let path: string;
  try {
    path = decodeURIComponent(encoded);
  } catch {
    throw badPathError('The file path is not valid percent-encoded UTF-8.');
  }
  if (path.endsWith('/')) path = path.slice(0, -1);
  if (path.length === 0) throw badPathError('The file path is empty.');
  if (path.split(/[/\\]/).some((segment) => segment === '.' || segment === '..')) {
    throw badPathError(
      `The path ${JSON.stringify(path)} has a "." or ".." segment: files stay inside their bucket.`,
    );
  }
  try {
    validateDataId(`x/${path}`);
  } catch (error) {
    throw badPathError(`The path is not a valid file name: ${(error as Error).message}`);
  }
  return path;
}

function urlPathOf(address: string, path: string): string {
  return `${address}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * Reads a store's body into memory (every driver gets the same bytes at once).
 * @throws HubError 413 as soon as Content-Length or the bytes received pass the limit.
 */
async function readUpload(
  request: IncomingMessage,
  maxBytes: number,
  megabytes: number,
): Promise<Uint8Array> {
  const tooLarge = (size: string) =>
    payloadTooLargeError(
      `Max file upload size is ${megabytes} megabytes; this upload is ${size}. Store a smaller file.`,
    );
  const declared = Number.parseInt(request.headers['content-length'] ?? '', 10);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(`${declared} bytes (Content-Length)`);
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    received += chunk.byteLength;
    if (received > maxBytes) throw tooLarge(`more than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  const joined = Buffer.concat(chunks, received);
  return new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength);
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const bytes = await readUpload(request, MAX_JSON_REQUEST_BYTES, MAX_JSON_REQUEST_BYTES / 1024 / 1024).catch(
    () => {
      throw invalidInputError(`The JSON body is longer than ${MAX_JSON_REQUEST_BYTES} bytes.`);
    },
  );
  if (bytes.byteLength === 0) return {};
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw invalidInputError('The request body must be a JSON object.');
}

async function listPage(
  store: FileStore,
  address: string,
  page: string | null,
  stat: boolean,
  pageSize: number,
  token: VerifiedToken,
) {
  const prefix = `${address}/`;
  const hideHistory = isArchival(token.scopes);
  const all = (await store.listNames(prefix))
    .map((id) => id.slice(prefix.length))
    .filter((name) => !(hideHistory && isHistoryName(name)));
  // The listed driver may hold names whose newest copy (on any driver) is a tombstone, or a stale file
  // where another driver holds one: each name is checked against every driver, and the page is filled
  // past the deleted ones (an empty page with a next page would end @stacks/storage's listing).
  const headers = new Map<string, StoredFileHeader>();
  let next = page === null ? 0 : all.findIndex((name) => name > page);
  if (next < 0) next = all.length;
  while (headers.size < pageSize && next < all.length) {
    const batch = all.slice(next, next + pageSize - headers.size);
    next += batch.length;
    for (const [key, header] of await store.stats(batch.map((name) => prefix + name))) {
      headers.set(key.slice(prefix.length), header);
    }
  }
  const names = [...headers.keys()].sort();
  const nextPage = next < all.length ? all[next - 1]! : null;
  if (!stat) return { entries: names, page: nextPage };
  const entries = names.map((name) => {
    const header = headers.get(name)!;
    return {
      name,
      exists: true,
      lastModifiedDate: header.modified,
      etag: header.etag,
      contentLength: header.size,
      contentType: header.contentType,
    };
  });
  return { entries, page: nextPage };
}

async function serveRead(
  store: FileStore,
  request: IncomingMessage,
  response: ServerResponse,
  address: string,
  path: string,
): Promise<void> {
  const found = await store.newest(`${address}/${path}`);
  if (found === undefined) throw new HubError(404, 'DoesNotExist', `${address}/${path} does not exist.`);
  const { header } = found;
  const headers = {
    'Content-Type': header.contentType,
    ETag: header.etag,
    'Last-Modified': new Date(header.modified).toUTCString(),
    'Cache-Control': 'no-cache',
  };
  const ifNoneMatch = request.headers['if-none-match'];
  if (request.method === 'HEAD' || ifNoneMatch === header.etag) {
    await found.close();
    response.writeHead(request.method === 'HEAD' ? 200 : 304, {
      ...headers,
      ...(request.method === 'HEAD' ? { 'Content-Length': String(header.size) } : {}),
    });
    response.end();
    return;
  }
  response.writeHead(200, { ...headers, 'Content-Length': String(header.size) });
  try {
    for await (const chunk of found.body) {
      if (!response.write(chunk)) await new Promise((resolve) => response.once('drain', resolve));
    }
    response.end();
  } catch {
    // The status is sent: all that is left is to cut the response short so the client sees it failed.
    response.destroy();
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

function sendError(request: IncomingMessage, response: ServerResponse, error: unknown): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const hubError = error instanceof HubError ? error : undefined;
  const status = hubError?.status ?? 500;
  const body = hubError
    ? { message: hubError.message, error: hubError.name }
    : { message: 'Server Error: the hub failed unexpectedly; see its log.', error: 'ServerError' };
  if (!hubError) console.error('[gaia-hub]', error);
  // A request whose body was not read (refused early) ends the connection, so the next request on it
  // does not start inside the unread body.
  if (!request.readableEnded) response.setHeader('Connection', 'close');
  sendJson(response, status, body);
  if (!request.readableEnded) request.resume();
}
