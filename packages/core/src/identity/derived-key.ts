import { hkdfSync } from 'node:crypto';
import { ConfigurationError } from '../errors.js';

/** HKDF salt of every key derived for a driver: separates these keys from any other use of the data key. */
const DRIVER_KEY_SALT = new TextEncoder().encode('blockstack-storage driver key v1');

/**
 * A 32-byte key for one purpose of a driver (e.g. `"confidential/names"`), HKDF-SHA256 of the user's
 * data key with the purpose as info. One-way: a driver holding it learns nothing of the data key, and
 * keys for different purposes are independent.
 */
export function deriveDriverKey(dataPrivateKey: Uint8Array, purpose: string): Uint8Array {
  if (purpose === '') throw new ConfigurationError('A derived driver key needs a non-empty purpose');
  return new Uint8Array(hkdfSync('sha256', dataPrivateKey, DRIVER_KEY_SALT, purpose, 32));
}
