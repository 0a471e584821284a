import {
  ConflictError,
  PermissionError,
  parseRetryAfter,
  RateLimitedError,
  type StorageError,
  UnavailableError,
} from '@blockstack-storage/core/driver';

export interface HubErrorContext {
  driver: string;
  /** The storage key concerned, if any. */
  key?: string;
  /** What the driver asked the hub, e.g. `store`, for the message. */
  operation: string;
  /** The hub's URL (or the read URL), for the message. Never carries credentials. */
  url: string;
}

/**
 * The typed error for a hub's answer that is not a success (after the driver handled 401 by making a
 * fresh token and 413 by reading the hub's limit). The hub's JSON `{ message, error }` is quoted; it
 * never holds the token, which the driver sends only in the Authorization header.
 */
export async function hubResponseError(response: Response, context: HubErrorContext): Promise<StorageError> {
  const detail = await hubMessage(response);
  const where = `${context.operation} at ${context.url} answered ${response.status}${detail ? `: ${detail}` : ''}`;
  const options = { driver: context.driver, key: context.key };
  switch (response.status) {
    case 412:
      return new ConflictError(`The hub refused a conditional ${where}`, {
        ...options,
        hint: 'The file changed (or exists, or does not) since this client read it: read it again.',
      });
    case 401:
    case 403:
      return new PermissionError(`The hub refused the request (${where})`, {
        ...options,
        hint: 'A fresh token was refused too: check that the hub accepts this app key (whitelist, hubUrl, revocation).',
      });
    case 429:
      return new RateLimitedError(`The hub asked to slow down (${where})`, {
        ...options,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
      });
    default:
      return new UnavailableError(`The hub failed (${where})`, {
        ...options,
        // 5xx and 408 are worth another try; another 4xx would be refused again.
        retryable: response.status >= 500 || response.status === 408,
      });
  }
}

/** The hub's `message` (and `error` name) from its JSON error body, or a short text body. */
async function hubMessage(response: Response): Promise<string> {
  let text: string;
  try {
    text = await response.text();
  } catch {
    return '';
  }
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    const parts = [body.error, body.message].filter((part) => typeof part === 'string' && part.length > 0);
    if (parts.length > 0) return parts.join(': ').slice(0, 500);
  } catch {
    // not JSON: quoted below
  }
  return text.trim().slice(0, 200);
}

/** Reads and drops a body we do not need, so the connection can be reused. */
export async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // already closed
  }
}
