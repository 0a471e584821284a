import { envPrefixOf, type StorageError } from '@blockstack-storage/core';
import { plainMessage } from './report-error.js';

/** How one failed probe step is reported. */
export interface ProbeFailure {
  code: string;
  message: string;
  /** What to do about it. */
  hint: string;
  /** The underlying error's message (printed with --verbose). */
  cause?: string;
}

/**
 * Explains a failed probe: the common provider failures (clock skew, missing bucket) are recognised
 * in the message or its cause, whatever error class the driver mapped them to; otherwise the driver's
 * own hint, else one per error class.
 */
export function explainProbeFailure(error: StorageError, driver: string): ProbeFailure {
  const message = plainMessage(error).replace(new RegExp(`^\\[${driver}\\]\\s*`), '');
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  const text = `${message} ${cause ?? ''} ${(error.cause as { code?: unknown } | undefined)?.code ?? ''}`;
  let hint: string;
  if (/RequestTimeTooSkewed|clock skew|time.?skew|too skewed/i.test(text)) {
    hint = "The machine's clock is off: sync it (timedatectl set-ntp true), then retry.";
  } else if (/NoSuchBucket|bucket.{0,40}(not found|does not exist|not exist)/i.test(text)) {
    hint = `The bucket does not exist: create it, or fix the bucket name in [${driver}].`;
  } else if (error.code === 'BSS_PERMISSION') {
    hint = `Credentials are missing or refused: set them in [${driver}] or in ${envPrefixOf(driver)}<KEY> variables.${error.hint ? ` ${error.hint}` : ''}`;
  } else {
    hint = error.hint ?? HINTS[error.code] ?? 'Run again with --verbose for the cause.';
  }
  return { code: error.code, message, hint, ...(cause !== undefined ? { cause } : {}) };
}

const HINTS: Readonly<Record<string, string>> = {
  BSS_CONFIGURATION: 'Fix the driver section of the config ("blockstack-storage drivers" shows it).',
  BSS_UNAVAILABLE: 'The provider cannot be reached: check the network, endpoint and that the service is up.',
  BSS_TIMEOUT: 'No answer in time: check the network, or raise storage_timeout_ms.',
  BSS_RATE_LIMITED: 'The provider is throttling: wait and retry.',
  BSS_INTEGRITY: 'The driver does not give back what it stored: it breaks read-your-writes.',
  BSS_TOO_LARGE: 'The driver refuses even a 1 KiB value: check max_object_bytes.',
};
