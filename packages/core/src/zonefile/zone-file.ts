/** A URI record (RFC 7553): where a name's data can be fetched. */
export interface ZoneFileUri {
  /** Owner name, e.g. `_https._tcp` (Blockstack's profile URL) or `@`. */
  name: string;
  /** The URL. */
  target: string;
  /** Lower is tried first. Default 10. */
  priority?: number;
  /** Relative weight among equal priorities. Default 1. */
  weight?: number;
  ttl?: number;
}

/** A TXT record, its character strings joined. */
export interface ZoneFileTxt {
  name: string;
  text: string;
  ttl?: number;
}

/** Any other record (SOA, NS, A, ...), kept so a rewrite does not drop it. */
export interface ZoneFileRecord {
  name: string;
  ttl?: number;
  /** Upper-case record type, e.g. `A`. */
  type: string;
  /** The record data as written (tokens joined by one space). */
  data: string;
}

/** A Blockstack zone file: `$ORIGIN` (the name), the data public key, URI and TXT records. */
export interface ZoneFile {
  /** The name, e.g. `alice.id`. */
  origin: string;
  /** `$TTL` in seconds, if given. */
  ttl?: number;
  /** The key of the TXT record `pubkey` = `pubkey:data:<hex>`, as written (33 or 65 bytes). */
  dataPublicKey?: Uint8Array;
  uris: ZoneFileUri[];
  /** TXT records other than `pubkey`. */
  txt: ZoneFileTxt[];
  records: ZoneFileRecord[];
}

/** What `makeZoneFile` takes: a `ZoneFile` whose lists may be omitted. */
export interface ZoneFileInput {
  origin: string;
  ttl?: number;
  dataPublicKey?: Uint8Array;
  uris?: readonly ZoneFileUri[];
  txt?: readonly ZoneFileTxt[];
  records?: readonly ZoneFileRecord[];
}

/** Blockstack's default `$TTL`. */
export const DEFAULT_ZONE_FILE_TTL = 3600;
/** Owner name of the data-key TXT record, and the prefix of its text. */
export const DATA_KEY_TXT_NAME = 'pubkey';
export const DATA_KEY_TXT_PREFIX = 'pubkey:data:';
