/** What a NAME_REGISTRATION or NAME_UPDATE wrote to the ledger. */
export interface LedgerRecord {
  /** Position in the ledger, from 1. */
  seq: number;
  op: 'NAME_REGISTRATION' | 'NAME_UPDATE';
  /** Transaction id: SHA-256 (hex) of the record's content fields. */
  txid: string;
  name: string;
  /** hash160 (RIPEMD-160 of SHA-256, hex) of the zone file text, as Blockstack computed it. */
  zoneFileHash: string;
  /** The txid of this name's previous record; `null` for its registration. */
  prevTxid: string | null;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  /** The chain hash of the previous ledger record (64 zeros for the first). */
  prevHash: string;
  /** SHA-256 (hex) of `prevHash` and this record: a chain any edit or truncation breaks. */
  hash: string;
}

/** A name's current zone file. */
export interface CurrentZoneFile {
  text: string;
  /** The txid of the record that set it. */
  txid: string;
  zoneFileHash: string;
}

/** Options of `NameRegistry.nameUpdate`. */
export interface NameUpdateOptions {
  /**
   * Apply only if the name's current txid is this one (optimistic concurrency for read-modify-write
   * of a zone file); otherwise the update fails with ConflictError.
   */
  ifTxid?: string;
}

/**
 * The chain side of Blockstack: a name's current zone file, NAME_UPDATEs, and history. The embedded
 * default is `openLocalLedger`; a Stacks/BNS node can implement the same interface.
 */
export interface NameRegistry {
  /**
   * Registers `name` with its first zone file.
   * @throws ConflictError if the name is registered; InvalidKeyError for a bad name; TooLargeError
   *   for an oversized zone file.
   */
  register(name: string, zoneFileText: string): Promise<{ txid: string }>;
  /** The current zone file of `name`, or `null` if it is not registered. @throws IntegrityError. */
  getZoneFile(name: string): Promise<CurrentZoneFile | null>;
  /**
   * Replaces the zone file of `name` and returns the transaction id.
   * @throws NotFoundError if the name is not registered; ConflictError if `ifTxid` is stale.
   */
  nameUpdate(name: string, zoneFileText: string, options?: NameUpdateOptions): Promise<{ txid: string }>;
  /** Every record of `name`, oldest first (empty if never registered). */
  history(name: string): Promise<LedgerRecord[]>;
}
