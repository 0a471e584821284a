import { ConfigurationError } from '@blockstack-storage/core/driver';

/** The folder the driver keeps its data in when `root` is not configured (the 2017 driver's choice). */
export const DEFAULT_DROPBOX_ROOT = '/blockstack';

/** Names Dropbox refuses to store (it skips them when syncing), compared case-insensitively. */
const DISALLOWED_NAMES = new Set(['desktop.ini', 'thumbs.db', '.ds_store', '.dropbox', '.dropbox.attr']);

/**
 * Checks and normalises the configured root: `''` (the app folder's or the Dropbox's top) or
 * `/a/b` without a trailing slash. @throws ConfigurationError.
 */
export function normalizeRoot(root: string | undefined, driver: string): string {
  const value = (root ?? DEFAULT_DROPBOX_ROOT).trim();
  if (value === '' || value === '/') return '';
  if (!value.startsWith('/') || value.includes('//') || /[\\:*?"<>|]/.test(value)) {
    throw new ConfigurationError(`[dropbox] root ${JSON.stringify(value)} is not a Dropbox folder path`, {
      driver,
      hint: 'Use an absolute path such as /blockstack.',
    });
  }
  return value.replace(/\/+$/, '');
}

/**
 * The Dropbox path of a storage key (`mutable/<encoded id>` or `immutable/<hash>`). The core's encoding
 * is lower-case ASCII, so Dropbox's case-insensitivity and Unicode normalisation cannot merge two
 * keys. The few names Dropbox refuses (`desktop.ini`, `thumbs.db`) get their first character escaped
 * as `~xx`: the core's encoding never escapes a letter, so no other id maps there (still injective);
 * `nameToKeySegment` undoes it when listing.
 */
export function keyToPath(root: string, key: string): string {
  const slash = key.indexOf('/');
  const folder = key.slice(0, slash);
  let name = key.slice(slash + 1);
  if (DISALLOWED_NAMES.has(name)) name = `~${name.charCodeAt(0).toString(16)}${name.slice(1)}`;
  return `${root}/${folder}/${name}`;
}

/** The Dropbox folder holding the keys that start with `prefix` (`mutable/` or `immutable/`). */
export function prefixToFolder(root: string, prefix: string): string {
  return `${root}/${prefix.replace(/\/+$/, '')}`;
}

/** The storage-key segment of a listed Dropbox file name: undoes `keyToPath`'s escape of refused names. */
export function nameToKeySegment(name: string): string {
  const match = /^~([0-9a-f]{2})(.*)$/.exec(name);
  if (!match) return name;
  const unescaped = String.fromCharCode(Number.parseInt(match[1]!, 16)) + match[2];
  return DISALLOWED_NAMES.has(unescaped) ? unescaped : name;
}
