import { ConfigurationError, type DriverFactoryContext } from '@blockstack-storage/core/driver';
import { MAX_PREFIX_BYTES, MIN_PART_BYTES, MiB, type S3DriverOptions } from './options.js';

export const S3_DRIVER_NAME = 's3';

/** Config keys of the `[s3]` section that this driver understands. */
export const S3_CONFIG_KEYS = [
  'bucket',
  'region',
  'endpoint',
  'force_path_style',
  'prefix',
  'api_key_id',
  'api_key_secret',
  'session_token',
  'compress',
  'create_bucket',
  'public',
  'public_url',
  'multipart_threshold',
  'upload_concurrency',
  'read_your_writes',
  'max_attempts',
] as const;

/**
 * Environment variables read when the section has no credentials. They are the names the core's config
 * loader maps onto `[s3]` keys (`BLOCKSTACK_S3_<KEY>`), so the secret can stay out of the file either way.
 */
export const S3_ENV = {
  apiKeyId: 'BLOCKSTACK_S3_API_KEY_ID',
  apiKeySecret: 'BLOCKSTACK_S3_API_KEY_SECRET',
  sessionToken: 'BLOCKSTACK_S3_SESSION_TOKEN',
} as const;

/**
 * Turns the `[s3]` section (string values) into driver options, validating every key.
 * @throws ConfigurationError naming the key (never its value when the key is a secret).
 */
export function parseS3Config(
  section: Readonly<Record<string, string>>,
  context: DriverFactoryContext = {},
): S3DriverOptions {
  const where = `[s3]${context.configPath ? ` in ${context.configPath}` : ''}`;
  const fail = (message: string, hint?: string): never => {
    throw new ConfigurationError(`${where} ${message}`, { driver: S3_DRIVER_NAME, hint });
  };
  const env = context.env ?? process.env;
  const text = (key: string): string | undefined => {
    const value = section[key]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };

  const bucket = text('bucket');
  if (!bucket) return fail('bucket is required', 'Add `bucket = <name>` to the [s3] section.');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')) {
    fail(
      `bucket "${bucket}" is not a valid S3 bucket name`,
      'Use 3-63 characters: lowercase letters, digits, dots and hyphens.',
    );
  }

  const endpoint = text('endpoint');
  if (endpoint !== undefined && !/^https?:\/\//.test(endpoint)) {
    fail('endpoint must be an http:// or https:// URL', 'e.g. endpoint = http://127.0.0.1:7480');
  }
  if (endpoint !== undefined && !URL.canParse(endpoint)) fail('endpoint is not a URL');
  const publicUrl = text('public_url');
  if (publicUrl !== undefined && !(/^https?:\/\//.test(publicUrl) && URL.canParse(publicUrl))) {
    fail('public_url must be an http:// or https:// URL');
  }

  const prefix = text('prefix');
  if (prefix !== undefined) checkPrefix(prefix, fail);

  const readYourWrites = text('read_your_writes') ?? 'provider';
  if (readYourWrites !== 'provider' && readYourWrites !== 'masked') {
    fail(
      'read_your_writes must be "provider" or "masked"',
      'Use "masked" only for S3-compatible servers that are not read-after-write consistent.',
    );
  }

  // Credentials: the section, then the environment, then (when both are absent) the AWS chain.
  const keyId = text('api_key_id') ?? env[S3_ENV.apiKeyId];
  const secret = text('api_key_secret') ?? env[S3_ENV.apiKeySecret];
  const sessionToken = text('session_token') ?? env[S3_ENV.sessionToken];
  if ((keyId === undefined) !== (secret === undefined)) {
    fail(
      keyId === undefined
        ? 'api_key_secret is set but api_key_id is not'
        : 'api_key_id is set but api_key_secret is not',
      `Set both (or ${S3_ENV.apiKeyId} and ${S3_ENV.apiKeySecret}), or neither to use the AWS credential chain.`,
    );
  }

  const options: S3DriverOptions = {
    bucket,
    region: text('region') ?? 'us-east-1',
    forcePathStyle: parseBoolean(text('force_path_style'), false, 'force_path_style', fail),
    compress: parseBoolean(text('compress'), false, 'compress', fail),
    createBucket: parseBoolean(text('create_bucket'), false, 'create_bucket', fail),
    public: parseBoolean(text('public'), true, 'public', fail),
    readYourWrites: readYourWrites as 'provider' | 'masked',
    multipartThreshold: parseBytes(text('multipart_threshold'), 8 * MiB, 'multipart_threshold', fail),
    uploadConcurrency: parseWhole(text('upload_concurrency'), 4, 1, 64, 'upload_concurrency', fail),
  };
  // Deprecated: still validated so an old config keeps loading, but ignored (see S3Backend).
  const maxAttempts = text('max_attempts');
  if (maxAttempts !== undefined) {
    options.maxAttempts = parseWhole(maxAttempts, 1, 1, 20, 'max_attempts', fail);
  }
  if (options.multipartThreshold! < MIN_PART_BYTES) {
    fail(`multipart_threshold must be at least ${MIN_PART_BYTES} bytes (5 MiB, S3's smallest part)`);
  }
  if (endpoint !== undefined) options.endpoint = endpoint;
  if (publicUrl !== undefined) options.publicUrl = publicUrl;
  if (prefix !== undefined) options.prefix = prefix;
  if (keyId !== undefined && secret !== undefined) {
    options.credentials = { accessKeyId: keyId, secretAccessKey: secret };
    if (sessionToken !== undefined) options.credentials.sessionToken = sessionToken;
  }
  return options;
}

/** A prefix must leave room for the longest encoded key inside S3's 1024-byte limit. */
export function checkPrefix(prefix: string, fail: (message: string, hint?: string) => never): void {
  const bytes = Buffer.byteLength(prefix, 'utf8');
  if (bytes > MAX_PREFIX_BYTES) {
    fail(
      `prefix is ${bytes} bytes; at most ${MAX_PREFIX_BYTES} fit beside the longest key in S3's 1024-byte limit`,
    );
  }
  if (
    prefix.startsWith('/') ||
    prefix.includes('//') ||
    prefix.split('/').some((s) => s === '.' || s === '..')
  ) {
    fail('prefix must not start with "/" nor contain "//", "." or ".." segments');
  }
  if (!prefix.isWellFormed() || /[\u0000-\u001f\u007f]/.test(prefix)) {
    fail('prefix must be well-formed text without control characters');
  }
}

function parseBoolean(
  value: string | undefined,
  fallback: boolean,
  key: string,
  fail: (message: string) => never,
): boolean {
  if (value === undefined) return fallback;
  const lower = value.toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(lower)) return true;
  if (['false', 'no', 'off', '0'].includes(lower)) return false;
  return fail(`${key} must be true or false`);
}

function parseWhole(
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
  key: string,
  fail: (message: string) => never,
): number {
  if (value === undefined) return fallback;
  const number = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= min && number <= max)) fail(`${key} must be a whole number from ${min} to ${max}`);
  return number;
}

/** Bytes as a whole number, optionally with a KiB/MiB/GiB suffix (`8MiB`, `16 MiB`). */
function parseBytes(
  value: string | undefined,
  fallback: number,
  key: string,
  fail: (message: string) => never,
): number {
  if (value === undefined) return fallback;
  const match = /^(\d{1,12})\s*(b|kib|mib|gib)?$/i.exec(value);
  const units: Record<string, number> = { b: 1, kib: 1024, mib: MiB, gib: 1024 * MiB };
  const number = match ? Number(match[1]) * units[(match[2] ?? 'b').toLowerCase()]! : Number.NaN;
  if (!Number.isSafeInteger(number) || number <= 0) fail(`${key} must be a size in bytes, e.g. 8MiB`);
  return number;
}
