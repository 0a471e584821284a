import type { StorageDriver } from '../driver.js';
import { encodeDataId } from '../keys.js';
import type { ReplicationReport } from '../replication/index.js';
import type { ZoneFile, ZoneFileUri } from '../zonefile/index.js';

/**
 * How a name's mutable data is found by others: URI records in its zone file.
 *
 * - `_bss-mutable` URI records hold one URL prefix per public driver; the datum `id` is at
 *   `<prefix><encodeDataId(id)>`. A driver gets one once, on its first put whose URL has that form, so
 *   mutable puts do not cost a NAME_UPDATE each (mutable data stays off the chain, as the seed says).
 * - `_bss-m.<encodeDataId(id)>` URI records hold a datum's URL on a driver whose URLs do not have that
 *   form (one NAME_UPDATE per such datum and driver, the first time only).
 * Priorities follow the configured driver order. Local drivers are never published.
 */
export const MUTABLE_PREFIX_RECORD = '_bss-mutable';
const DATUM_RECORD_PREFIX = '_bss-m.';

/** Owner name of a per-datum URI record. */
export function datumRecordName(dataId: string): string {
  return `${DATUM_RECORD_PREFIX}${encodeDataId(dataId)}`;
}

/** The URLs where `dataId` of the zone file's name can be read, best first. */
export function mutableUrlsFor(zoneFile: ZoneFile, dataId: string): string[] {
  const segment = encodeDataId(dataId);
  const own = datumRecordName(dataId);
  const found = zoneFile.uris
    .filter((u) => u.name === MUTABLE_PREFIX_RECORD || u.name === own)
    .sort((a, b) => (a.priority ?? 10) - (b.priority ?? 10))
    .map((u) => (u.name === own ? u.target : `${u.target}${segment}`));
  return [...new Set(found)];
}

/**
 * A driver's URL prefix, when its URLs are `<prefix><encodeDataId(id)>` for every id: checked on the
 * datum's URL and on a probe id, so a driver with another URL scheme falls back to per-datum records.
 */
export function urlPrefixOf(
  url: string,
  dataId: string,
  mutableUrl: ((dataId: string) => string | undefined) | undefined,
): string | undefined {
  const segment = encodeDataId(dataId);
  if (!url.endsWith(`/${segment}`)) return undefined;
  const prefix = url.slice(0, url.length - segment.length);
  const probe = 'bss-url-probe';
  return mutableUrl?.(probe) === `${prefix}${probe}` ? prefix : undefined;
}

/**
 * The zone file with records for the public URLs of one datum added; `undefined` when nothing changes.
 * @param urls the datum's URL on each public driver, the driver's URL prefix when it has one (see
 *   `urlPrefixOf`), and the driver's position in the config.
 */
export function withPublishedUrls(
  zoneFile: ZoneFile,
  dataId: string,
  urls: readonly { url: string; prefix?: string; order: number }[],
): ZoneFile | undefined {
  const added: ZoneFileUri[] = [];
  const known = new Set(zoneFile.uris.map((u) => `${u.name} ${u.target}`));
  for (const { url, prefix, order } of urls) {
    const priority = 10 * (order + 1);
    const record: ZoneFileUri =
      prefix !== undefined
        ? { name: MUTABLE_PREFIX_RECORD, target: prefix, priority }
        : { name: datumRecordName(dataId), target: url, priority };
    if (!known.has(`${record.name} ${record.target}`)) {
      known.add(`${record.name} ${record.target}`);
      added.push(record);
    }
  }
  return added.length === 0 ? undefined : { ...zoneFile, uris: [...zoneFile.uris, ...added] };
}

/**
 * The URLs a replicated write landed at that other clients can read, in configured driver order: from
 * drivers that succeeded and are not local (by the config's `storage_drivers_local` or by their own
 * declaration). The outcome's URL is the one the driver's put returned, else its `mutableUrl`
 * (`ReplicationCoordinator.writeEach`). Every public URL the core hands out or publishes comes from here.
 */
export function publicUrlsOf(
  report: ReplicationReport,
  drivers: readonly StorageDriver[],
  local: ReadonlySet<string>,
): { url: string; driver: StorageDriver; order: number }[] {
  const urls: { url: string; driver: StorageDriver; order: number }[] = [];
  drivers.forEach((driver, order) => {
    const outcome = report.outcomes[order];
    if (outcome?.status !== 'ok' || outcome.url === undefined) return;
    if (local.has(driver.name) || driver.capabilities.visibility === 'local') return;
    urls.push({ url: outcome.url, driver, order });
  });
  return urls;
}
