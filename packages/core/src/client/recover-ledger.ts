import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, IntegrityError, isStorageError } from '../errors.js';
import {
  type DataKeyPair,
  defaultDataKeyPath,
  loadDataKey,
  publicKeyFromPrivate,
} from '../identity/index.js';
import { type CurrentZoneFile, type LocalLedger, openLocalLedger } from '../registry/index.js';
import { makeZoneFile } from '../zonefile/index.js';

/** Options of `recoverLedger`. */
export interface RecoverLedgerOptions {
  /** The name to register again, e.g. `alice.id`. */
  name: string;
  /** The metadata directory whose `ledger/` is recovered. */
  metadataDir: string;
  /** The name's existing data key. Default: read from `dataKeyPath`. */
  dataKey?: Uint8Array | DataKeyPair;
  /** Where the existing data key file lives. Default `<metadataDir>/keys/<name>.key`. */
  dataKeyPath?: string;
  /** Receives what was done (a damaged ledger set aside, the name registered again). */
  onWarning?: (message: string) => void;
}

/** What `recoverLedger` did. */
export interface LedgerRecovery {
  /** The ledger file. */
  ledger: string;
  /** Where the damaged ledger directory was moved, when it could not be read. */
  setAside?: string;
  /** The txid of the new NAME_REGISTRATION, when the name was registered again. */
  registeredTxid?: string;
  /** The txid of the name's current record. */
  txid: string;
}

/**
 * Recovers the embedded ledger of `metadataDir` for `name` after it was lost or damaged, keeping the
 * name's existing data key: a ledger that cannot be read (edited, truncated, a zone file missing) is
 * moved aside to `ledger.broken-<time>` and a new one started, and a name the ledger does not hold is
 * registered with a zone file listing the existing key. Mutable data stays readable (it is verified
 * with that same key); the immutable records of the old zone file are lost, so their values must be put
 * again. Restoring the ledger directory from a backup loses nothing and is better when there is one.
 * A name the ledger holds intact is left as it is.
 * @throws ConfigurationError when there is no data key to register the name with.
 */
export async function recoverLedger(options: RecoverLedgerOptions): Promise<LedgerRecovery> {
  const { name, metadataDir } = options;
  const warn = options.onWarning ?? (() => {});
  const keyPair = await existingKey(options);
  let setAside: string | undefined;
  let opened = await openWithEntry(metadataDir, name).catch((error: unknown) => {
    if (!isStorageError(error, ErrorCode.Integrity)) throw error;
    return error;
  });
  if (opened instanceof Error) {
    const dir = join(metadataDir, 'ledger');
    setAside = join(metadataDir, `ledger.broken-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    await rename(dir, setAside);
    warn(
      `The ledger ${dir} could not be read (${opened.message}); it was moved to ${setAside} and a new ledger started. Other names it held must be recovered too.`,
    );
    opened = await openWithEntry(metadataDir, name);
  }
  const { ledger, entry } = opened;
  try {
    if (entry !== null) return { ledger: ledger.path, txid: entry.txid, ...(setAside ? { setAside } : {}) };
    const zoneFile = makeZoneFile({ origin: name, dataPublicKey: keyPair.publicKey });
    const { txid } = await ledger.register(name, zoneFile);
    warn(
      `${name} was registered again in ${ledger.path} (txid ${txid}) with its existing data key: its mutable data stays readable, but the immutable records of its old zone file are gone; put those values again.`,
    );
    return { ledger: ledger.path, txid, registeredTxid: txid, ...(setAside ? { setAside } : {}) };
  } finally {
    await ledger.close();
  }
}

/** The error for a name whose data key exists but whose registration the registry lost. */
export function lostRegistrationError(name: string, keyPath: string, where: string): IntegrityError {
  return new IntegrityError(
    `The data key of ${name} exists (${keyPath}), but ${where} has no registration of ${name}: the ledger was deleted, emptied or reset, and with it the zone file that lists ${name}'s immutable data`,
    {
      key: name,
      hint: `Restore the ledger directory from a backup (and check that "metadata" in the config names the directory that holds it). Or, losing the immutable records but keeping mutable data readable, register ${name} again with its existing key: openStorage({ recoverLedger: true }), or "blockstack-storage init --name ${name} --recover-ledger". (If the first run for ${name} was interrupted before it registered the name, recovering loses nothing.)`,
    },
  );
}

async function existingKey(options: RecoverLedgerOptions): Promise<DataKeyPair> {
  const { dataKey } = options;
  if (dataKey instanceof Uint8Array) return { privateKey: dataKey, publicKey: publicKeyFromPrivate(dataKey) };
  if (dataKey !== undefined) {
    return { privateKey: dataKey.privateKey, publicKey: publicKeyFromPrivate(dataKey.privateKey) };
  }
  return loadDataKey(options.dataKeyPath ?? defaultDataKeyPath(options.metadataDir, options.name));
}

async function openWithEntry(
  metadataDir: string,
  name: string,
): Promise<{ ledger: LocalLedger; entry: CurrentZoneFile | null }> {
  const ledger = await openLocalLedger(metadataDir);
  try {
    return { ledger, entry: await ledger.getZoneFile(name) };
  } catch (error) {
    await ledger.close();
    throw error;
  }
}
