import {
  AbortedError,
  ConfigurationError,
  ConflictError,
  IntegrityError,
  isAbortLike,
  isStorageError,
  PermissionError,
  parseRetryAfter,
  RateLimitedError,
  type StorageError,
  UnavailableError,
} from '@blockstack-storage/core/driver';

/** Where an SDK error happened, for the typed error's message. */
export interface GcsErrorContext {
  driver: string;
  bucket: string;
  /** The data id or hash (what the caller knows), not the encoded object name. */
  key?: string;
  /** What the driver was doing: `put`, `get`, `delete`, `list`, `init`. */
  operation: string;
}

const LEAST_ROLE_HINT =
  'Grant the service account roles/storage.objectUser on the bucket, and check key_file or the Application Default Credentials.';

/**
 * Maps an error from `@google-cloud/storage` (an ApiError, a gaxios error, a stream error or a socket
 * error) to the core's typed errors, following the status codes of the GCS JSON API:
 * 401/403 permission, 404 missing bucket, 412 precondition failed, 429 rate limited, 408/5xx and
 * network errors unavailable (retryable). The SDK error is never kept as the cause as is: gaxios errors
 * carry the request config, which holds the `Authorization` header.
 */
export function mapGcsError(error: unknown, context: GcsErrorContext): StorageError {
  if (isStorageError(error)) return error;
  const base = { driver: context.driver, key: context.key };
  if (isAbortLike(error)) return new AbortedError('Operation aborted', base);
  const status = statusOf(error);
  const detail = redact(messageOf(error));
  const cause = sanitizedCause(error, status, detail);
  const options = { ...base, cause };
  const where = `GCS ${context.operation} in bucket "${context.bucket}"`;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'CONTENT_DOWNLOAD_MISMATCH' || code === 'FILE_NO_UPLOAD') {
    // The SDK's CRC32C check failed: the bytes changed in transit (uploads are deleted by the SDK then).
    return new IntegrityError(`${where}: checksum mismatch (${detail})`, {
      ...options,
      hint: 'Retry the operation; if it persists, check proxies between this host and GCS.',
    });
  }
  switch (status) {
    case 401:
    case 403:
      return new PermissionError(`${where} was refused (HTTP ${status}: ${detail})`, {
        ...options,
        hint: LEAST_ROLE_HINT,
      });
    case 404:
      return new ConfigurationError(`${where} failed: the bucket does not exist (HTTP 404: ${detail})`, {
        ...options,
        hint: 'Create the bucket or fix [gcs] bucket.',
      });
    case 409:
    case 412:
      return new ConflictError(`${where}: the object changed (HTTP ${status}: ${detail})`, {
        ...options,
        hint: 'Read the current value and its etag (generation), then retry the conditional put.',
      });
    case 429:
      return new RateLimitedError(`${where} was rate limited (HTTP 429: ${detail})`, {
        ...options,
        retryAfterMs: retryAfterMs(error),
        hint: 'Retry after the delay GCS asked for, or with backoff (GCS allows about one write per second to one object).',
      });
    case 408:
    case 500:
    case 502:
    case 503:
    case 504:
      return new UnavailableError(`${where} failed transiently (HTTP ${status}: ${detail})`, {
        ...options,
        hint: 'Retry with backoff.',
      });
    default:
      if (status !== undefined) {
        return new UnavailableError(`${where} failed (HTTP ${status}: ${detail})`, {
          ...options,
          retryable: false,
        });
      }
      return new UnavailableError(`${where} failed: ${detail}`, {
        ...options,
        hint: 'Check that the endpoint is reachable (api_endpoint, network), then retry.',
      });
  }
}

/** The HTTP status of an SDK error, wherever this flavour keeps it. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as {
    code?: unknown;
    status?: unknown;
    response?: { status?: unknown; statusCode?: unknown };
  };
  for (const candidate of [e.code, e.status, e.response?.status, e.response?.statusCode]) {
    const n = typeof candidate === 'string' && /^\d{3}$/.test(candidate) ? Number(candidate) : candidate;
    if (typeof n === 'number' && n >= 100 && n < 600) return n;
  }
  return undefined;
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // Stream requests report the raw JSON error body as the message: keep only its `message`.
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as { error?: { message?: unknown } };
      if (typeof parsed.error?.message === 'string') return parsed.error.message;
    } catch {
      // not JSON after all
    }
  }
  return text.split('\n')[0] ?? text;
}

/** Strips bearer tokens, private keys and key-file fields, in case an SDK message quotes them. */
export function redact(text: string): string {
  return text
    .replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/gi, 'Bearer [redacted]')
    .replace(
      /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
      '[redacted key]',
    )
    .replace(
      /("?(?:private_key|private_key_id|client_secret|refresh_token|access_token)"?\s*[:=]\s*)"[^"]*"/gi,
      '$1"[redacted]"',
    );
}

function sanitizedCause(error: unknown, status: number | undefined, detail: string): Error {
  const cause = new Error(detail);
  cause.name = error instanceof Error ? error.name : 'Error';
  if (status !== undefined) Object.assign(cause, { status });
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' || typeof code === 'number') Object.assign(cause, { code });
  return cause;
}

function retryAfterMs(error: unknown): number | undefined {
  const headers = (error as { response?: { headers?: unknown } } | null)?.response?.headers;
  let value: unknown;
  if (headers && typeof (headers as { get?: unknown }).get === 'function') {
    value = (headers as { get(name: string): unknown }).get('retry-after');
  } else if (headers && typeof headers === 'object') {
    value = (headers as Record<string, unknown>)['retry-after'];
  }
  return typeof value === 'string' ? parseRetryAfter(value) : undefined;
}
