import {
  AbortedError,
  ConflictError,
  InvalidKeyError,
  isAbortLike,
  isStorageError,
  PermissionError,
  parseRetryAfter,
  RateLimitedError,
  type StorageError,
  UnavailableError,
} from '@blockstack-storage/core/driver';

/** The shape of the SDK's `DropboxResponseError` (checked structurally: it may come from another copy). */
export interface DropboxHttpError {
  status: number;
  headers?: { get?(name: string): string | null } | Record<string, string>;
  error: unknown;
}

export function isDropboxHttpError(error: unknown): error is DropboxHttpError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { status?: unknown }).status === 'number' &&
    'error' in error
  );
}

/** `error_summary` of a Dropbox error body (`path/not_found/..`), or a short form of a text body. */
export function errorSummary(error: DropboxHttpError): string {
  const body = error.error;
  if (typeof body === 'object' && body !== null) {
    const summary = (body as { error_summary?: unknown }).error_summary;
    if (typeof summary === 'string') return summary;
    const oauth = (body as { error?: unknown }).error;
    if (typeof oauth === 'string') return oauth; // the OAuth2 endpoint's `{ error, error_description }`
  }
  return typeof body === 'string' ? body.slice(0, 200) : '';
}

/** True when Dropbox answered with an endpoint error whose summary starts with `prefix` (e.g. `path/not_found`). */
export function hasSummary(error: unknown, prefix: string): boolean {
  return isDropboxHttpError(error) && error.status === 409 && errorSummary(error).startsWith(prefix);
}

/** True for 401 `expired_access_token`: the one case the driver refreshes and retries. */
export function isExpiredToken(error: unknown): boolean {
  return (
    isDropboxHttpError(error) &&
    error.status === 401 &&
    errorSummary(error).startsWith('expired_access_token')
  );
}

function header(error: DropboxHttpError, name: string): string | undefined {
  const headers = error.headers;
  if (!headers) return undefined;
  if (typeof headers.get === 'function') return headers.get(name) ?? undefined;
  const value = (headers as Record<string, string>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** Milliseconds Dropbox asked us to wait: the `Retry-After` header, else `error.retry_after` (seconds). */
export function retryAfterMs(error: DropboxHttpError): number | undefined {
  const fromHeader = parseRetryAfter(header(error, 'retry-after') ?? null);
  if (fromHeader !== undefined) return fromHeader;
  const body = error.error as { error?: { retry_after?: unknown } } | undefined;
  const fromBody = body?.error?.retry_after;
  return typeof fromBody === 'number' ? fromBody * 1000 : undefined;
}

export interface ErrorContext {
  driver: string;
  key?: string;
  /** What the driver was doing, e.g. `upload`, for the message. */
  operation: string;
}

const SCOPES = 'files.content.read, files.content.write, files.metadata.read, sharing.read and sharing.write';

/**
 * Turns whatever the SDK or fetch threw into a typed StorageError naming the driver, key and what to
 * do next. Never includes tokens or secrets: Dropbox's error bodies and summaries do not carry them.
 */
export function toStorageError(error: unknown, context: ErrorContext): StorageError {
  if (isStorageError(error)) return error;
  const base = { driver: context.driver, key: context.key, cause: error };
  if (isAbortLike(error)) return new AbortedError('Operation aborted', base);
  if (!isDropboxHttpError(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return new UnavailableError(`Could not reach Dropbox during ${context.operation}: ${message}`, {
      ...base,
      hint: 'Check the network; the operation can be retried.',
    });
  }
  const summary = errorSummary(error);
  const what = `Dropbox ${context.operation} failed with HTTP ${error.status} ${summary}`.trim();
  if (error.status === 429 || summary.includes('too_many_write_operations')) {
    return new RateLimitedError(what, {
      ...base,
      retryAfterMs: retryAfterMs(error),
      hint: 'Dropbox asked to slow down; retry after the given delay.',
    });
  }
  if (error.status === 401) {
    const hint = summary.startsWith('expired_access_token')
      ? 'The access token expired. Configure app_key, app_secret and refresh_token so the driver can refresh it (see the README); if they are set, a fresh token was refused too: check that the app is still enabled.'
      : summary.startsWith('missing_scope')
        ? `The app lacks a permission: enable ${SCOPES} in the App Console, then authorize again for a new refresh token.`
        : 'The token is wrong or was revoked: create a new one (see the README).';
    return new PermissionError(what, { ...base, hint });
  }
  if (error.status === 400 && summary.startsWith('invalid_grant')) {
    return new PermissionError(`Dropbox refused the refresh token (${summary})`, {
      ...base,
      hint: 'The refresh token was revoked or belongs to another app: authorize again (see the README).',
    });
  }
  if (error.status === 400 && summary.startsWith('invalid_client')) {
    return new PermissionError(`Dropbox refused the app credentials (${summary})`, {
      ...base,
      hint: 'Check app_key and app_secret against the App Console.',
    });
  }
  if (error.status === 403) {
    return new PermissionError(what, {
      ...base,
      hint: 'The account or app may not use this path or feature.',
    });
  }
  if (error.status === 409) {
    if (summary.includes('/conflict') || summary.startsWith('conflict')) {
      return new ConflictError(what, {
        ...base,
        hint: 'Another value is there (or the etag is stale): read it again before writing.',
      });
    }
    if (summary.startsWith('content_hash_mismatch')) {
      // Damage in transit is transient, so retryable (an IntegrityError never is).
      return new UnavailableError(what, { ...base, hint: 'The bytes were damaged in transit; retry.' });
    }
    if (summary.includes('disallowed_name') || summary.includes('malformed_path')) {
      return new InvalidKeyError(what, { ...base, hint: 'Dropbox refused the path this key maps to.' });
    }
    if (summary.includes('insufficient_space')) {
      return new UnavailableError(what, {
        ...base,
        retryable: false,
        hint: 'The Dropbox account is full: free space or upgrade it.',
      });
    }
    if (summary.includes('no_write_permission')) {
      return new PermissionError(what, { ...base, hint: 'The app may not write under the configured root.' });
    }
    if (summary.includes('incorrect_offset') || summary.includes('lookup_failed/not_found')) {
      return new UnavailableError(what, { ...base, hint: 'The upload session was lost; retry the put.' });
    }
    const hint =
      context.operation === 'shared link creation'
        ? 'Dropbox would not make a public link (unverified e-mail, or a team policy?); set shared_links = false to store without links.'
        : undefined;
    return new UnavailableError(what, { ...base, retryable: false, hint });
  }
  if (error.status >= 500) {
    return new UnavailableError(what, { ...base, hint: 'Dropbox had a transient failure; retry.' });
  }
  return new UnavailableError(what, {
    ...base,
    retryable: false,
    hint: 'Dropbox refused the request; this is a driver bug, please report it.',
  });
}
