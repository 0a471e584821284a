import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import {
  ConfigurationError,
  createKeyValueDriver,
  type DriverFactoryContext,
  type StorageDriver,
} from '@blockstack-storage/core/driver';
import { Storage } from '@google-cloud/storage';
import { GcsBackend } from './gcs-backend.js';
import { normalizePrefix } from './object-names.js';
import type { UploadKind } from './uploads.js';

export const GCS_DRIVER_NAME = 'gcs';
export const GOOGLE_STORAGE_PUBLIC_BASE = 'https://storage.googleapis.com';
/** Default size above which puts use a resumable session instead of one request. */
export const DEFAULT_RESUMABLE_THRESHOLD = 8 * 1024 * 1024;

export interface GcsDriverOptions {
  /** The bucket (must exist). */
  bucket: string;
  /** Google Cloud project id; only needed by some credential types. */
  projectId?: string;
  /** Object name prefix, so several users or apps can share a bucket. Default: none. */
  prefix?: string;
  /** Path of a service-account JSON key. When absent, Application Default Credentials are used. */
  keyFile?: string;
  /**
   * Endpoint of the JSON API, e.g. `http://127.0.0.1:9199` for the emulator or a private endpoint.
   * Requests to a loopback endpoint are sent without credentials (as emulators expect).
   */
  apiEndpoint?: string;
  /** Advertise public URLs (the bucket must grant allUsers `roles/storage.objectViewer`). Default false. */
  publicRead?: boolean;
  /** Store values zlib-compressed (`Content-Encoding: deflate`). Reads handle both forms. Default false. */
  compress?: boolean;
  /** Bodies larger than this go up through a resumable session. Default 8 MiB. */
  resumableThresholdBytes?: number;
  /**
   * @deprecated Ignored: every call is one attempt, and retries belong to core's policy layer
   * (`withDriverPolicy`, `storage_retries`). A value other than 0 emits a `DeprecationWarning`.
   */
  maxRetries?: number;
  /** @deprecated Ignored, like `maxRetries`. */
  retryBaseDelayMs?: number;
  /**
   * A ready `Storage` client to use instead of building one (tests, custom auth). Build it with
   * `retryOptions: { autoRetry: false }`: retries belong to core's policy layer, and the SDK's retried
   * downloads raise an unhandled rejection on Node 24 (googleapis/google-cloud-node#8670).
   */
  storage?: Storage;
  /** Called after each put with the kind of upload it used. */
  onUpload?: (kind: UploadKind, objectName: string) => void;
}

/**
 * A driver storing each value as one GCS object: `<prefix>mutable/<encoded id>` and
 * `<prefix>immutable/<sha256>`. Etags are object generations; conditional puts use
 * `ifGenerationMatch` (0 = only if absent). GCS is strongly consistent, which gives read-your-writes.
 */
export function createGcsDriver(options: GcsDriverOptions): StorageDriver {
  const name = GCS_DRIVER_NAME;
  if (!options.bucket) {
    throw new ConfigurationError('[gcs] bucket is required', { driver: name, hint: 'Set bucket = <name>.' });
  }
  const endpoint = options.apiEndpoint === undefined ? undefined : parseEndpoint(options.apiEndpoint);
  const threshold = options.resumableThresholdBytes ?? DEFAULT_RESUMABLE_THRESHOLD;
  if (!(Number.isSafeInteger(threshold) && threshold >= 0)) {
    throw new ConfigurationError('[gcs] resumable_threshold must be a whole number of bytes', {
      driver: name,
    });
  }
  const maxRetries = options.maxRetries ?? 0;
  if (!(Number.isSafeInteger(maxRetries) && maxRetries >= 0)) {
    throw new ConfigurationError('[gcs] max_retries must be a whole number', { driver: name });
  }
  if (maxRetries !== 0) warnMaxRetriesIgnored();
  if (options.keyFile !== undefined) checkKeyFile(options.keyFile);
  const storage =
    options.storage ??
    new Storage({
      ...(options.projectId ? { projectId: options.projectId } : {}),
      ...(options.keyFile ? { keyFilename: options.keyFile } : {}),
      ...(endpoint
        ? {
            apiEndpoint: endpoint.origin + endpoint.pathname.replace(/\/+$/, ''),
            useAuthWithCustomEndpoint: !isLoopback(endpoint),
          }
        : {}),
      // One attempt per call: retries belong to core's policy layer (withDriverPolicy), so SDK retries
      // under it would multiply the attempts; the SDK's retried downloads also crash Node 24.
      retryOptions: { autoRetry: false, maxRetries: 0 },
    });
  const publicBase = options.publicRead
    ? endpoint
      ? endpoint.origin + endpoint.pathname.replace(/\/+$/, '')
      : GOOGLE_STORAGE_PUBLIC_BASE
    : undefined;
  return createKeyValueDriver(
    new GcsBackend({
      name,
      storage,
      bucket: options.bucket,
      prefix: normalizePrefix(options.prefix, name),
      publicBase,
      compress: options.compress ?? false,
      resumableThreshold: threshold,
      ...(options.onUpload ? { onUpload: options.onUpload } : {}),
    }),
  );
}

/**
 * `DriverModule.create`: builds the driver from the `[gcs]` config section: `bucket`, `project_id`,
 * `prefix`, `key_file`, `api_endpoint`, `public_read`, `compress`, `resumable_threshold`, and the
 * deprecated, ignored `max_retries`.
 * `key_file` defaults to `GOOGLE_APPLICATION_CREDENTIALS` through Application Default Credentials.
 * @throws ConfigurationError naming the key and the config file.
 */
export function createGcsDriverFromConfig(
  config: Readonly<Record<string, string>>,
  context: DriverFactoryContext = {},
): StorageDriver {
  const where = context.configPath ? ` in ${context.configPath}` : '';
  const fail = (key: string, problem: string, hint?: string) =>
    new ConfigurationError(`[gcs] ${key}${where} ${problem}`, { driver: GCS_DRIVER_NAME, hint });
  if (!config.bucket) throw fail('bucket', 'is required', 'Set it to the name of an existing bucket.');
  const bool = (key: string): boolean | undefined => {
    const value = config[key]?.trim().toLowerCase();
    if (value === undefined || value === '') return undefined;
    if (['true', 'yes', '1', 'on'].includes(value)) return true;
    if (['false', 'no', '0', 'off'].includes(value)) return false;
    throw fail(key, `must be true or false, not ${JSON.stringify(config[key])}`);
  };
  const whole = (key: string): number | undefined => {
    const value = config[key]?.trim();
    if (value === undefined || value === '') return undefined;
    const n = Number(value);
    if (!(Number.isSafeInteger(n) && n >= 0))
      throw fail(key, `must be a whole number, not ${JSON.stringify(value)}`);
    return n;
  };
  const options: GcsDriverOptions = { bucket: config.bucket };
  if (config.project_id) options.projectId = config.project_id;
  if (config.prefix) options.prefix = config.prefix;
  if (config.key_file) options.keyFile = config.key_file;
  if (config.api_endpoint) options.apiEndpoint = config.api_endpoint;
  const publicRead = bool('public_read');
  if (publicRead !== undefined) options.publicRead = publicRead;
  const compress = bool('compress');
  if (compress !== undefined) options.compress = compress;
  const threshold = whole('resumable_threshold');
  if (threshold !== undefined) options.resumableThresholdBytes = threshold;
  const retries = whole('max_retries');
  if (retries !== undefined) options.maxRetries = retries;
  return createGcsDriver(options);
}

/** `max_retries` / `maxRetries` no longer does anything: say so, without any config value. */
function warnMaxRetriesIgnored(): void {
  process.emitWarning(
    "[gcs] max_retries is deprecated and ignored: each call makes one attempt and retries come from the core's " +
      'policy layer (storage_retries); remove max_retries from the config',
    { type: 'DeprecationWarning', code: 'BSS_GCS_MAX_RETRIES' },
  );
}

function parseEndpoint(value: string): URL {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ConfigurationError(`[gcs] api_endpoint ${JSON.stringify(value)} is not an http(s) URL`, {
      driver: GCS_DRIVER_NAME,
      hint: 'Include the scheme, e.g. http://127.0.0.1:9199 for the emulator.',
    });
  }
  return url;
}

function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

// Only the path is named: the file's contents are a secret.
function checkKeyFile(path: string): void {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) {
    throw new ConfigurationError(`[gcs] key_file ${JSON.stringify(path)} is not a readable file`, {
      driver: GCS_DRIVER_NAME,
      hint: 'Point key_file at a service-account JSON key, or remove it to use Application Default Credentials.',
    });
  }
}
