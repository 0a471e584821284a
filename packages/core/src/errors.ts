/**
 * Typed errors shared by the core and every driver.
 *
 * Each error carries a stable `code` (so `isStorageError` works across duplicate installs of this
 * package, where `instanceof` would not), the driver and key it concerns, the underlying cause, and
 * whether retrying the same operation can help.
 */

/** Stable error codes. Never renumbered or renamed: callers switch on them. */
export const ErrorCode = {
  NotFound: 'BSS_NOT_FOUND',
  InvalidKey: 'BSS_INVALID_KEY',
  Conflict: 'BSS_CONFLICT',
  RateLimited: 'BSS_RATE_LIMITED',
  Permission: 'BSS_PERMISSION',
  Unavailable: 'BSS_UNAVAILABLE',
  Configuration: 'BSS_CONFIGURATION',
  Integrity: 'BSS_INTEGRITY',
  StaleData: 'BSS_STALE_DATA',
  Aborted: 'BSS_ABORTED',
  Timeout: 'BSS_TIMEOUT',
  TooLarge: 'BSS_TOO_LARGE',
  Unsupported: 'BSS_UNSUPPORTED',
  Replication: 'BSS_REPLICATION',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface StorageErrorOptions {
  /** Name of the driver the error happened on, if any. */
  driver?: string;
  /** The data id, hash or storage key concerned, if any. */
  key?: string;
  /** The underlying error. */
  cause?: unknown;
  /** Whether retrying the same operation may succeed. Defaults per class. */
  retryable?: boolean;
  /** What the caller can do about it; appended to the message. */
  hint?: string;
}

const BRAND = Symbol.for('@blockstack-storage/core/StorageError');

/** Base class of every error this project throws on purpose. */
export class StorageError extends Error {
  readonly code: ErrorCode;
  readonly driver: string | undefined;
  readonly key: string | undefined;
  readonly retryable: boolean;
  readonly hint: string | undefined;
  declare readonly [BRAND]: true;

  constructor(code: ErrorCode, message: string, options: StorageErrorOptions = {}) {
    super(
      formatMessage(message, options),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'StorageError';
    this.code = code;
    this.driver = options.driver;
    this.key = options.key;
    this.retryable = options.retryable ?? false;
    this.hint = options.hint;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

function formatMessage(message: string, options: StorageErrorOptions): string {
  const where = options.driver ? `[blockstack-storage] [${options.driver}] ` : '[blockstack-storage] ';
  const key = options.key === undefined ? '' : ` (key ${JSON.stringify(truncate(options.key, 120))})`;
  const hint = options.hint ? ` ${options.hint}` : '';
  return `${where}${message}${key}.${hint}`.replace(/\.\.(\s|$)/g, '.$1');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** The key or hash does not exist on the driver. Drivers' `get` returns `null` instead of throwing this. */
export class NotFoundError extends StorageError {
  constructor(message: string, options: StorageErrorOptions = {}) {
    super(ErrorCode.NotFound, message, options);
    this.name = 'NotFoundError';
  }
}

/** The data id or hash is not acceptable (see `validateDataId`). Never retryable. */
export class InvalidKeyError extends StorageError {
  constructor(message: string, options: StorageErrorOptions = {}) {
    super(ErrorCode.InvalidKey, message, { ...options, retryable: false });
    this.name = 'InvalidKeyError';
  }
}

/** A conditional write's precondition failed, or a concurrent writer won. */
export class ConflictError extends StorageError {
  /** When a versioned write lost to a newer copy: that copy's version. */
  readonly newerVersion: number | undefined;
  constructor(message: string, options: StorageErrorOptions & { newerVersion?: number } = {}) {
    const { newerVersion, ...rest } = options;
    super(ErrorCode.Conflict, message, rest);
    this.name = 'ConflictError';
    this.newerVersion = newerVersion;
  }
}

/** The provider asked us to slow down. `retryAfterMs` is the delay it asked for, if it said. */
export class RateLimitedError extends StorageError {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: StorageErrorOptions & { retryAfterMs?: number } = {}) {
    super(ErrorCode.RateLimited, message, { ...options, retryable: options.retryable ?? true });
    this.name = 'RateLimitedError';
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Credentials are missing, wrong, or lack a permission. Never includes the secret itself. */
export class PermissionError extends StorageError {
  constructor(message: string, options: StorageErrorOptions = {}) {
    super(ErrorCode.Permission, message, { ...options, retryable: false });
    this.name = 'PermissionError';
  }
}

/** The provider could not be reached or failed transiently. Retryable by default. */
export class UnavailableError extends StorageError {
  constructor(message: string, options: StorageErrorOptions = {}) {
    super(ErrorCode.Unavailable, message, { ...options, retryable: options.retryable ?? true });
    this.name = 'UnavailableError';
  }
}

/** The configuration is wrong: names the file, section and key when known. Never retryable. */
export class ConfigurationError extends StorageError {
  constructor(message: string, options: StorageErrorOptions = {}) {
    super(ErrorCode.Configuration, message, { ...options, retryable: false });
    this.name = 'ConfigurationError';
  }
}

/** Data failed a hash, signature or format check: it was refused, never returned. */
export class IntegrityError extends StorageError {
  constructor(message: string, options: StorageErrorOptions = {}) {
    super(ErrorCode.Integrity, message, { ...options, retryable: false });
    this.name = 'IntegrityError';
  }
}

/** Only copies older than a version this client already saw were found. */
export class StaleDataError extends StorageError {
  readonly knownVersion: number;
  readonly versionsSeen: readonly number[];
  constructor(
    message: string,
    options: StorageErrorOptions & { knownVersion: number; versionsSeen: readonly number[] },
  ) {
    super(ErrorCode.StaleData, message, { ...options, retryable: options.retryable ?? true });
    this.name = 'StaleDataError';
    this.knownVersion = options.knownVersion;
    this.versionsSeen = options.versionsSeen;
  }
}

/** The caller's `AbortSignal` fired. */
export class AbortedError extends StorageError {
  constructor(message = 'Operation aborted', options: StorageErrorOptions = {}) {
    super(ErrorCode.Aborted, message, { ...options, retryable: false });
    this.name = 'AbortedError';
  }
}

/** A per-operation time limit passed. Retryable. */
export class TimeoutError extends StorageError {
  constructor(message: string, options: StorageErrorOptions = {}) {
    super(ErrorCode.Timeout, message, { ...options, retryable: options.retryable ?? true });
    this.name = 'TimeoutError';
  }
}

/** The value exceeds the driver's declared `maxObjectBytes`. */
export class TooLargeError extends StorageError {
  constructor(message: string, options: StorageErrorOptions = {}) {
    super(ErrorCode.TooLarge, message, { ...options, retryable: false });
    this.name = 'TooLargeError';
  }
}

/** The driver does not offer the requested operation (see its `capabilities`). */
export class UnsupportedError extends StorageError {
  constructor(message: string, options: StorageErrorOptions = {}) {
    super(ErrorCode.Unsupported, message, { ...options, retryable: false });
    this.name = 'UnsupportedError';
  }
}

/**
 * True when `error` is a StorageError (from any copy of this package), optionally of one code.
 * Checks the `code` and a global symbol brand rather than `instanceof`.
 */
export function isStorageError(error: unknown, code?: ErrorCode): error is StorageError {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as { code?: unknown; [BRAND]?: unknown };
  if (candidate[BRAND] !== true || typeof candidate.code !== 'string') return false;
  return code === undefined || candidate.code === code;
}

/** Throws `AbortedError` if `signal` has fired. Call at the start of every async driver method. */
export function throwIfAborted(signal: AbortSignal | undefined, context: StorageErrorOptions = {}): void {
  if (signal?.aborted) throw new AbortedError('Operation aborted', { ...context, cause: signal.reason });
}

/** Wraps anything thrown by an SDK as the given fallback class unless it already is a StorageError. */
export function asStorageError(
  error: unknown,
  context: StorageErrorOptions,
  fallback: (message: string, options: StorageErrorOptions) => StorageError = (m, o) =>
    new UnavailableError(m, o),
): StorageError {
  if (isStorageError(error)) return error;
  if (isAbortLike(error)) return new AbortedError('Operation aborted', { ...context, cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return fallback(message, { ...context, cause: error });
}

/** True for DOM AbortError / node `ABORT_ERR` shapes. */
export function isAbortLike(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'AbortError' || code === 'ABORT_ERR';
}
