/**
 * The gaia driver: stores through any existing Gaia hub, with one app key's bucket.
 *
 * It mirrors the skeleton driver announced with Blockstack's storage drivers; the 2017 handlers map as
 * `storage_init` → `init()` (reads `/hub_info`), `put_*_handler` → `POST /store`, `get_*_handler` → GET
 * of the hub's read URL, `delete_*_handler` → `DELETE /delete`, and `make_mutable_url` → the read URL.
 *
 * What it owes, and how:
 * - Per-key read-your-writes over a read URL a CDN may cache (`readYourWrites: 'masked'`): see
 *   `GaiaBackend.get` and `WriteLedger`.
 * - Durability before returning: `put` resolves when the hub answered the store (202, or any 2xx).
 * - No partial values: the hub stores a file whole or not at all; a streamed body cut short by an abort
 *   never reaches its end at the hub.
 * - Conditional writes: `ifMatch` / `ifNoneMatch` become If-Match / If-None-Match; 412 is a ConflictError.
 */
import type { StorageDriver } from '@blockstack-storage/core/driver';
import { createKeyValueDriver } from '@blockstack-storage/core/driver';
import { GaiaBackend } from './gaia-backend.js';
import type { GaiaDriverOptions } from './options.js';
import { createTokenSigner } from './token.js';

/** Builds the driver. @throws ConfigurationError for a key that is not a secp256k1 private key. */
export function createGaiaDriver(options: GaiaDriverOptions): StorageDriver {
  const signer = createTokenSigner(options.privateKey, options.keySource ?? 'the privateKey option', 'gaia');
  return createKeyValueDriver(new GaiaBackend(options, signer));
}
