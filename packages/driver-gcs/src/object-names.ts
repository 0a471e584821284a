import { ConfigurationError } from '@blockstack-storage/core/driver';

/** GCS object names are at most 1024 bytes of UTF-8. */
export const MAX_OBJECT_NAME_BYTES = 1024;
/**
 * Longest key the core's `storageKey` produces: `mutable/` plus a segment of at most 200 characters
 * (`immutable/` plus 64 hex is shorter). The prefix gets the rest of the 1024 bytes.
 */
const MAX_KEY_BYTES = 'mutable/'.length + 200;
export const MAX_PREFIX_BYTES = MAX_OBJECT_NAME_BYTES - MAX_KEY_BYTES;

/**
 * Normalises the `prefix` config key into `''` or `something/`, refusing what GCS cannot name:
 * `\r`/`\n`, `.`/`..` segments (the JSON API rejects names that are or start with them), and
 * prefixes so long that an encoded key would push a name over 1024 bytes.
 * @throws ConfigurationError
 */
export function normalizePrefix(prefix: string | undefined, driver: string): string {
  if (prefix === undefined) return '';
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  const problem = prefixProblem(trimmed);
  if (problem) {
    throw new ConfigurationError(`[gcs] prefix ${JSON.stringify(prefix)} is not usable: ${problem}`, {
      driver,
      hint: 'Use a short prefix of ordinary path segments, e.g. "blockstack/".',
    });
  }
  return `${trimmed}/`;
}

function prefixProblem(trimmed: string): string | undefined {
  if (/[\r\n\0]/.test(trimmed)) return 'GCS object names cannot contain CR, LF or NUL';
  if (trimmed.split('/').some((segment) => segment === '.' || segment === '..' || segment === '')) {
    return 'it has an empty, "." or ".." segment';
  }
  if (trimmed.startsWith('.well-known/acme-challenge')) return 'GCS reserves .well-known/acme-challenge/';
  const bytes = Buffer.byteLength(trimmed, 'utf8') + 1;
  if (bytes > MAX_PREFIX_BYTES) {
    return `it is ${bytes} bytes; with the longest encoded key a name would pass GCS's ${MAX_OBJECT_NAME_BYTES}-byte limit (at most ${MAX_PREFIX_BYTES})`;
  }
  return undefined;
}

/**
 * The public URL of an object: `<base>/<bucket>/<object>`, each path segment percent-encoded. `base` is
 * `https://storage.googleapis.com` for Google, or the custom endpoint (the emulator serves the same form).
 */
export function publicObjectUrl(base: string, bucket: string, objectName: string): string {
  const path = objectName.split('/').map(encodeURIComponent).join('/');
  return `${base.replace(/\/+$/, '')}/${encodeURIComponent(bucket)}/${path}`;
}
