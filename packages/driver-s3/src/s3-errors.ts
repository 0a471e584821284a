import {
  AbortedError,
  ConfigurationError,
  ConflictError,
  isAbortLike,
  isStorageError,
  PermissionError,
  parseRetryAfter,
  RateLimitedError,
  type StorageError,
  TooLargeError,
  UnavailableError,
} from '@blockstack-storage/core/driver';
import { S3_DRIVER_NAME } from './config.js';

/** Where an S3 error happened, for the typed error's message. */
export interface S3ErrorContext {
  bucket: string;
  /** The data id or hash (what the caller knows), when the operation concerns one. */
  key?: string;
  /** The S3 operation, e.g. `PutObject`. */
  operation: string;
  /** The endpoint, for "cannot reach" messages (never contains credentials). */
  endpoint?: string;
}

const PERMISSION_CODES = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AllAccessDisabled',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'AccountProblem',
]);
const RATE_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequests',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'ServiceUnavailable',
]);
const CONFLICT_CODES = new Set(['PreconditionFailed', 'ConditionalRequestConflict', 'OperationAborted']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/**
 * Maps anything the AWS SDK throws to the core's typed errors. Messages are built from the error's code,
 * HTTP status, bucket and operation only: never from request data, so a secret cannot leak into them.
 */
export function mapS3Error(error: unknown, context: S3ErrorContext): StorageError {
  if (isStorageError(error)) return error;
  const base = { driver: S3_DRIVER_NAME, key: context.key, cause: error };
  if (isAbortLike(error)) return new AbortedError(`${context.operation} aborted`, base);

  const { code, status } = describe(error);
  const what = `${context.operation} on bucket "${context.bucket}" failed: ${code}${status ? ` (HTTP ${status})` : ''}`;

  if (code === 'NoSuchBucket') return noSuchBucket(context, error);
  if (PERMISSION_CODES.has(code) || status === 403 || code === 'CredentialsProviderError') {
    return new PermissionError(
      code === 'CredentialsProviderError'
        ? `No S3 credentials found for bucket "${context.bucket}"`
        : `${context.operation} on bucket "${context.bucket}" was refused: ${code}${status ? ` (HTTP ${status})` : ''}`,
      { ...base, hint: permissionHint(code) },
    );
  }
  if (RATE_CODES.has(code) || status === 429 || status === 503) {
    return new RateLimitedError(`${what}: the server asked to slow down`, {
      ...base,
      retryAfterMs: retryAfterMs(error),
      hint: 'Retry later with backoff.',
    });
  }
  if (CONFLICT_CODES.has(code) || status === 412) {
    return new ConflictError(`${context.operation} precondition failed on bucket "${context.bucket}"`, {
      ...base,
      hint: 'Another writer changed the value: read it again, then retry with its etag.',
    });
  }
  if (code === 'EntityTooLarge' || code === 'MaxMessageLengthExceeded') {
    return new TooLargeError(`${what}: the value is too large for this server`, base);
  }
  if (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed' || status === 301) {
    return new ConfigurationError(`${what}: the bucket is in another region or needs another endpoint`, {
      ...base,
      hint: 'Set `region` (and `endpoint` for S3-compatible services) in [s3] to where the bucket lives.',
    });
  }
  if (code === 'InvalidLocationConstraint' || code === 'IllegalLocationConstraintException') {
    return new ConfigurationError(`${what}: the server does not accept this region for new buckets`, {
      ...base,
      hint: "Set `region` in [s3] to the service's region (for radosgw, its zonegroup, e.g. `default`), or create the bucket yourself.",
    });
  }
  if (code === 'InvalidBucketName') {
    return new ConfigurationError(`${what}: the bucket name is invalid`, base);
  }
  if (NETWORK_CODES.has(code)) {
    return new UnavailableError(
      `Cannot reach the S3 service${context.endpoint ? ` at ${context.endpoint}` : ''} for ${context.operation} on bucket "${context.bucket}": ${code}`,
      { ...base, hint: 'Check that the endpoint is up and reachable; the operation can be retried.' },
    );
  }
  if (status !== undefined && status >= 500) {
    return new UnavailableError(`${what}: server error`, { ...base, hint: 'Retry later.' });
  }
  return new UnavailableError(what, { ...base, retryable: status === undefined });
}

/** The configuration error for a bucket that does not exist, saying how to create it. */
export function noSuchBucket(context: S3ErrorContext, cause?: unknown): ConfigurationError {
  const endpoint = context.endpoint ? ` --endpoint-url ${context.endpoint}` : '';
  return new ConfigurationError(`Bucket "${context.bucket}" does not exist (${context.operation})`, {
    driver: S3_DRIVER_NAME,
    key: context.key,
    cause,
    hint: `Create it (e.g. \`aws s3api create-bucket --bucket ${context.bucket}${endpoint}\`), or set \`create_bucket = true\` in [s3] to let the driver create it.`,
  });
}

function permissionHint(code: string): string {
  switch (code) {
    case 'InvalidAccessKeyId':
      return 'The access key id is unknown to this service: check api_key_id (or the AWS credentials in use).';
    case 'SignatureDoesNotMatch':
      return 'The secret does not match the access key id: check api_key_secret (or the AWS credentials in use).';
    case 'ExpiredToken':
    case 'InvalidToken':
      return 'The session token expired or is invalid: refresh the credentials.';
    case 'CredentialsProviderError':
      return 'Set api_key_id and api_key_secret in [s3] (or BLOCKSTACK_S3_API_KEY_ID / BLOCKSTACK_S3_API_KEY_SECRET), or configure the AWS credential chain (AWS_ACCESS_KEY_ID, a profile, an instance role).';
    default:
      return 'Check api_key_id / api_key_secret (or the AWS credentials in use), and that they have the permissions in the driver README (s3:GetObject, s3:PutObject, s3:DeleteObject, s3:ListBucket, s3:AbortMultipartUpload on this bucket).';
  }
}

/** The SDK's error code (`name`/`Code`) or Node's network code, and the HTTP status if any. */
function describe(error: unknown): { code: string; status: number | undefined } {
  if (typeof error !== 'object' || error === null) return { code: String(error), status: undefined };
  const e = error as {
    name?: unknown;
    Code?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: number };
    cause?: unknown;
  };
  const status = e.$metadata?.httpStatusCode;
  // Not from the SDK (no $metadata): e.g. the caller's body stream failed. Its message is the caller's own.
  if (
    e.$metadata === undefined &&
    error instanceof Error &&
    !(typeof e.code === 'string' && NETWORK_CODES.has(e.code))
  ) {
    if (e.name === 'CredentialsProviderError') return { code: 'CredentialsProviderError', status };
    return { code: `${error.name}: ${error.message}`, status };
  }
  const nodeCode = typeof e.code === 'string' ? e.code : undefined;
  if (nodeCode && NETWORK_CODES.has(nodeCode)) return { code: nodeCode, status };
  const code =
    (typeof e.Code === 'string' && e.Code) ||
    (typeof e.name === 'string' && e.name !== 'Error' && e.name) ||
    nodeCode ||
    'UnknownError';
  // A HEAD has no body, so the SDK only knows the status: give the usual codes their names.
  if ((code === 'NotFound' || code === 'UnknownError' || code === 'Unknown') && status === 403) {
    return { code: 'AccessDenied', status };
  }
  return { code, status };
}

function retryAfterMs(error: unknown): number | undefined {
  const headers = (error as { $response?: { headers?: Record<string, string> } }).$response?.headers;
  return parseRetryAfter(headers?.['retry-after'] ?? null);
}

/** True when the SDK error says the object (not the bucket) is absent. */
export function isNoSuchKey(error: unknown): boolean {
  const e = error as { name?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  if (typeof e !== 'object' || e === null) return false;
  const code = e.Code ?? e.name;
  if (code === 'NoSuchBucket') return false;
  return code === 'NoSuchKey' || code === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}
