/** The name users put in `storage_drivers` to select this driver. */
export const GAIA_DRIVER_NAME = 'gaia';

/** Environment variable the app private key is read from when the config names none (`key_env`). */
export const DEFAULT_KEY_ENV = 'GAIA_APP_PRIVATE_KEY';

/** Gaia hubs' default upload limit (`max_file_upload_size_megabytes = 20`), assumed until `/hub_info` is read. */
export const DEFAULT_MAX_OBJECT_BYTES = 20 * 1024 * 1024;

/** Options of `createGaiaDriver`. The `[gaia]` config section maps onto these (see `createGaiaDriverFromConfig`). */
export interface GaiaDriverOptions {
  /** The hub apps connect to, e.g. `https://hub.blockstack.org`. Required. */
  hubUrl: string;
  /**
   * The app private key that owns the bucket: 64 hex digits (optionally followed by `01`). Read it from
   * the environment, never from a file you commit; the driver never logs it or puts it in an error.
   */
  privateKey: string;
  /** Where the key came from (e.g. `environment variable GAIA_APP_PRIVATE_KEY`), for error messages. */
  keySource?: string;
  /** Folder inside the bucket, e.g. `blockstack-storage/`; a trailing `/` is added. Default: the bucket root. */
  prefix?: string;
  /** Where files are read instead of the hub's `read_url_prefix` (e.g. a CDN in front of it). */
  readUrlPrefix?: string;
  /** Largest value to store, in bytes; lowered to the hub's limit once `/hub_info` is read. Default 20 MiB. */
  maxObjectBytes?: number;
  /**
   * Reads of a key this process wrote, before asking the hub which copy is current, when the read URL
   * serves another ETag than the one written (a stale cache). Default 4 (about 0.7 s).
   */
  maskedReadAttempts?: number;
  /** Lifetime of the tokens the driver makes (`exp`), in seconds; renewed a minute before. Default 3600. */
  tokenLifetimeSeconds?: number;
}
