import { DEFAULT_MAX_READ_BYTES, readBody } from '../body.js';
import {
  AbortedError,
  ErrorCode,
  InvalidKeyError,
  isStorageError,
  PermissionError,
  RateLimitedError,
  TimeoutError,
  TooLargeError,
  UnavailableError,
} from '../errors.js';

/** Options of `httpGet`. */
export interface HttpGetOptions {
  signal?: AbortSignal;
  /** Time limit for the whole request, body included, in ms. Default 30 000. */
  timeoutMs?: number;
  /** Largest body accepted, in bytes. Default 64 MiB. */
  maxBytes?: number;
}

/** The name errors from plain HTTP reads carry in place of a driver name. */
export const HTTP_READER_NAME = 'http';

/**
 * Fetches a public URL with a plain HTTP(S) GET: how a reader gets another user's data.
 * @returns the body, or `null` on 404 / 410.
 * @throws InvalidKeyError for a URL that is not http(s); TooLargeError over `maxBytes` (checked against
 *   Content-Length first, then while streaming, so nothing unbounded is buffered); TimeoutError;
 *   AbortedError; RateLimitedError on 429 (with `retryAfterMs` from Retry-After); PermissionError on
 *   401 / 403; UnavailableError otherwise (retryable for 408 and 5xx and network failures).
 *   Errors name the URL without its query string or fragment, which may carry credentials.
 */
export async function httpGet(url: string, options: HttpGetOptions = {}): Promise<Uint8Array | null> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_READ_BYTES;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidKeyError('Not a URL', { driver: HTTP_READER_NAME });
  }
  const context = { driver: HTTP_READER_NAME, key: redactUrl(parsed) };
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidKeyError(`Only http and https URLs can be read, not ${parsed.protocol}`, context);
  }
  if (options.signal?.aborted) throw new AbortedError('Operation aborted', context);
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const failure = (error: unknown) => {
    if (timeout.aborted) {
      return new TimeoutError(`No complete answer within ${timeoutMs} ms`, { ...context, cause: error });
    }
    if (options.signal?.aborted) return new AbortedError('Operation aborted', { ...context, cause: error });
    return new UnavailableError('The request failed', { ...context, cause: error });
  };
  let response: Response;
  try {
    response = await fetch(parsed, { signal, redirect: 'follow', headers: { accept: '*/*' } });
  } catch (error) {
    throw failure(error);
  }
  try {
    if (response.status === 404 || response.status === 410) return null;
    if (!response.ok) throw statusError(response, context);
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > maxBytes) {
      throw new TooLargeError(`The server announces ${declared} bytes; the limit is ${maxBytes}`, context);
    }
    if (response.body === null) return new Uint8Array(0);
    try {
      // Node's web streams are async-iterable; the DOM typings do not say so.
      return await readBody(response.body as unknown as AsyncIterable<Uint8Array>, maxBytes, context);
    } catch (error) {
      if (isStorageError(error, ErrorCode.TooLarge)) throw error;
      throw failure(error);
    }
  } finally {
    // Frees the connection when we stop early (error, limit).
    await response.body?.cancel().catch(() => {});
  }
}

function statusError(response: Response, context: { driver: string; key: string }) {
  const status = `HTTP ${response.status}`;
  if (response.status === 429) {
    return new RateLimitedError(`${status}: the server asks us to slow down`, {
      ...context,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
    });
  }
  if (response.status === 401 || response.status === 403) {
    return new PermissionError(`${status}: the server refuses to serve this URL`, context);
  }
  const retryable = response.status === 408 || response.status >= 500;
  return new UnavailableError(status, { ...context, retryable });
}

/** Retry-After as seconds or an HTTP date, in ms; `undefined` when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  if (/^\d{1,9}$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** A URL for messages: origin and path only (query strings and fragments may carry credentials). */
export function redactUrl(url: URL | string): string {
  try {
    const parsed = typeof url === 'string' ? new URL(url) : url;
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '<invalid URL>';
  }
}
