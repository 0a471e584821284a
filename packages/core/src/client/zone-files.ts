import { ErrorCode, IntegrityError, isStorageError, NotFoundError } from '../errors.js';
import type { NameRegistry } from '../registry/index.js';
import { makeZoneFile, parseZoneFile, type ZoneFile } from '../zonefile/index.js';

const MAX_UPDATE_ATTEMPTS = 5;

/**
 * Zone files as a client reads them from the name registry, and the NAME_UPDATEs of its own name.
 * Remembers its own zone file as last read, so a put can skip a registry read when nothing would change.
 */
export class ZoneFiles {
  /** This name's zone file as last read from the registry. */
  private lastOwn: ZoneFile | undefined;

  constructor(
    private readonly registry: NameRegistry,
    private readonly ownName: string,
  ) {}

  /** This name's zone file as last read or written by this client, if any (may be out of date). */
  get lastSeenOwn(): ZoneFile | undefined {
    return this.lastOwn;
  }

  /**
   * `owner`'s current zone file.
   * @throws NotFoundError when the name is not registered; IntegrityError when the registry answers
   *   with another name's zone file.
   */
  async of(owner: string): Promise<ZoneFile> {
    return (await this.entryOf(owner)).zone;
  }

  /**
   * The data public key `zone` lists.
   * @throws IntegrityError when it lists none (the owner's data cannot be verified).
   */
  dataKeyOf(zone: ZoneFile, owner: string): Uint8Array {
    if (zone.dataPublicKey === undefined) {
      throw new IntegrityError(`${owner}'s zone file lists no data public key (TXT pubkey)`, {
        key: owner,
        hint: 'Its data cannot be verified; the owner must publish a data key.',
      });
    }
    return zone.dataPublicKey;
  }

  /**
   * Applies `change` to this name's current zone file and sends a NAME_UPDATE if anything changed (or
   * `always`). The update is conditional on the txid it read (another process may update the same
   * name): on a conflict it re-reads and re-applies, a few times.
   * @returns the NAME_UPDATE's txid, or `undefined` when nothing was sent.
   */
  async updateOwn(
    change: (zone: ZoneFile) => ZoneFile | undefined,
    always = false,
  ): Promise<string | undefined> {
    for (let attempt = 1; ; attempt++) {
      const { zone, txid: current } = await this.entryOf(this.ownName);
      const next = change(zone);
      if (next === undefined && !always) return undefined;
      try {
        const text = makeZoneFile(next ?? zone);
        const { txid } = await this.registry.nameUpdate(this.ownName, text, { ifTxid: current });
        this.lastOwn = next ?? zone;
        return txid;
      } catch (error) {
        if (!isStorageError(error, ErrorCode.Conflict) || attempt >= MAX_UPDATE_ATTEMPTS) throw error;
      }
    }
  }

  private async entryOf(owner: string): Promise<{ zone: ZoneFile; txid: string }> {
    const entry = await this.registry.getZoneFile(owner);
    if (entry === null) {
      throw new NotFoundError(`The name ${owner} is not registered`, {
        key: owner,
        hint: 'Check the spelling of the name, or the registry this client uses.',
      });
    }
    const zone = parseZoneFile(entry.text);
    if (zone.origin.replace(/\.$/, '') !== owner) {
      throw new IntegrityError(`The registry returned a zone file for ${zone.origin}, not ${owner}`, {
        key: owner,
      });
    }
    if (owner === this.ownName) this.lastOwn = zone;
    return { zone, txid: entry.txid };
  }
}
