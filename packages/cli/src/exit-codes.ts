import { isStorageError } from '@blockstack-storage/core';
import { UsageError } from './usage-error.js';

/**
 * Exit codes, one per failure class. Stable: scripts switch on them. Documented in the README.
 * 1 is reserved for bugs (an error this program did not expect), so a script can tell "the data is
 * bad" from "the tool broke".
 */
export const ExitCode = {
  Ok: 0,
  /** An unexpected error: a bug. Run again with --verbose and report it. */
  Internal: 1,
  /** Bad command line: unknown command or option, missing argument. */
  Usage: 2,
  /** The config is missing or wrong: no config file, unknown driver, the required/local rule broken. */
  Configuration: 3,
  /** The id, hash or name does not exist (or every driver lacks it). */
  NotFound: 4,
  /** Data failed its hash or signature check (tampered or written with another key): refused. */
  Integrity: 5,
  /** Only copies older than a version this client already saw were found. */
  StaleData: 6,
  /** Credentials missing or refused, or a file's permissions are unsafe. */
  Permission: 7,
  /** A provider could not be reached, timed out or rate-limited us: retry later. */
  Unavailable: 8,
  /** A required-write driver failed, so the put or delete did not happen everywhere it must. */
  Replication: 9,
  /** Something already exists (init without --force) or a concurrent writer won. */
  Conflict: 10,
  /** The request was refused as given: invalid id, value too large, operation not supported. */
  Refused: 11,
  /** `doctor` found at least one failing driver. */
  DoctorFailed: 12,
  /** `verify` found a copy that is not current, `sync` could not heal every copy, or `migrate` is not complete. */
  Unhealthy: 13,
  /** Interrupted (Ctrl-C) or aborted. */
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const BY_ERROR_CODE: Readonly<Record<string, ExitCode>> = {
  BSS_CONFIGURATION: ExitCode.Configuration,
  BSS_NOT_FOUND: ExitCode.NotFound,
  BSS_INTEGRITY: ExitCode.Integrity,
  BSS_STALE_DATA: ExitCode.StaleData,
  BSS_PERMISSION: ExitCode.Permission,
  BSS_UNAVAILABLE: ExitCode.Unavailable,
  BSS_TIMEOUT: ExitCode.Unavailable,
  BSS_RATE_LIMITED: ExitCode.Unavailable,
  BSS_REPLICATION: ExitCode.Replication,
  BSS_CONFLICT: ExitCode.Conflict,
  BSS_INVALID_KEY: ExitCode.Refused,
  BSS_TOO_LARGE: ExitCode.Refused,
  BSS_UNSUPPORTED: ExitCode.Refused,
  BSS_ABORTED: ExitCode.Interrupted,
};

/** The exit code for an error: by its core error code, else by its kind, else Internal. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof UsageError) return ExitCode.Usage;
  if (isStorageError(error)) return BY_ERROR_CODE[error.code] ?? ExitCode.Internal;
  return ExitCode.Internal;
}
