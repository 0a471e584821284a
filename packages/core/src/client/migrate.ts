import { checkMutableWriteRule, type StorageDriversChange } from '../config/index.js';
import type { StorageDriver } from '../driver.js';
import { asStorageError, ConfigurationError, type StorageError, throwIfAborted } from '../errors.js';
import type { KeyedQueue } from '../keyed-queue.js';
import type { ReplicationCoordinator } from '../replication/index.js';
import type { VersionCache } from '../version-cache/index.js';
import {
  type ImmutableDataRecord,
  listImmutableDataRecords,
  makeZoneFile,
  removeUriRecords,
  setImmutableDataRecord,
  type ZoneFile,
} from '../zonefile/index.js';
import type { WriteTarget } from './mutable-write.js';
import { datumRecordName, MUTABLE_PREFIX_RECORD, urlPrefixOf, withPublishedUrls } from './published-urls.js';
import {
  type DatumHealth,
  type DatumRepair,
  inspectImmutable,
  inspectMutable,
  knownMutableIds,
  repairImmutable,
  repairMutable,
} from './replicas.js';
import type { ZoneFiles } from './zone-files.js';

/** Options of `StorageClient.migrate`. */
export interface MigrateOptions {
  /**
   * The driver brought in: one of the client's drivers (open the client with it in `storage_drivers`
   * and not in `storage_drivers_required_write`).
   */
  to: string;
  /** A driver taken out: its URLs leave the zone file, then it leaves the config. */
  retire?: string;
  /** With `retire`: delete the retired driver's copies once nothing lists it. Default false. */
  deleteCopies?: boolean;
  /** Report the plan and what would be copied; change nothing. */
  dryRun?: boolean;
  /**
   * Applies a change of the config's driver lists (e.g. `editStorageDrivers(path, change)`); must do
   * nothing when the change is already made, as a resumed migration asks again. Omitted: the config
   * is not changed (a config given in code).
   */
  updateConfig?: (change: StorageDriversChange) => Promise<unknown>;
  /** Told of each datum as it was copied (or would be, on a dry run). */
  onDatum?: (repair: DatumRepair) => void;
  signal?: AbortSignal;
}

/** One step of a migration, in the order they run. */
export interface MigrationStep {
  step:
    | 'copy'
    | 'verify'
    | 'add-to-config'
    | 'publish'
    | 'unpublish'
    | 'remove-from-config'
    | 'delete-copies';
  /** What it does, for people. */
  detail: string;
  /** `done`, `skipped` (nothing to do), `planned` (dry run), `failed` (the migration stopped here). */
  status: 'done' | 'skipped' | 'planned' | 'failed';
  /** The NAME_UPDATE's txid, for publish and unpublish steps that sent one. */
  txid?: string;
}

/** What `migrate` did. */
export interface MigrationReport {
  to: string;
  retire?: string;
  dryRun: boolean;
  /** Every datum, as the copy step found it and what it wrote to `to`. */
  data: DatumRepair[];
  /** Data whose copy on `to` (or, when retiring, on any driver kept) is not current after copying. */
  notCurrent: DatumHealth[];
  /** Copies of the retired driver deleted, and those that could not be. */
  deleted: number;
  deleteFailures: { key: string; error: StorageError }[];
  steps: MigrationStep[];
  /** Every step ran (on a dry run: the copy and verify steps found nothing in the way). */
  complete: boolean;
}

/** What `migrateReplicas` works with: the client's parts. */
export interface MigrationParts {
  name: string;
  coordinator: ReplicationCoordinator;
  versions: VersionCache;
  zoneFiles: ZoneFiles;
  writes: KeyedQueue;
  requiredWrite: readonly string[];
  local: ReadonlySet<string>;
  configWhere: string;
  writeTarget: (dataId: string) => WriteTarget;
  onWarning: (message: string) => void;
}

/**
 * Brings a driver in and optionally takes one out, in an order that keeps every datum readable at
 * every moment and can be stopped (kill -9) and run again at any point:
 * 1. copy: the newest verified copy of every datum (as `sync` finds them) is written to `to` only,
 *    bytes as stored, conditionally (never over a newer copy);
 * 2. verify: every datum is read again on every driver; `to` must hold the newest copy (and, when
 *    retiring, a driver that stays must). If not, the migration stops here and changes nothing else;
 * 3. `to` is added to `storage_drivers` (`updateConfig`);
 * 4. a NAME_UPDATE publishes `to`'s URLs: its mutable URL prefix (or per-datum URLs), and its URL in
 *    immutable records that have none (or name the retired driver);
 * 5. when retiring: a second NAME_UPDATE removes the retired driver's URLs (after readers could see
 *    `to`'s), then it leaves the config's lists, then, only with `deleteCopies`, its copies are deleted.
 * Each step is idempotent; a run repeats the copy and verify steps, so deletion follows a
 * verification in the same run.
 * @throws ConfigurationError when `to` or `retire` is not one of the client's drivers, when they are
 *   the same, or when retiring would break the required-write rule; the registry's error when a
 *   NAME_UPDATE fails; what `updateConfig` throws.
 */
export async function migrateReplicas(
  parts: MigrationParts,
  options: MigrateOptions,
): Promise<MigrationReport> {
  const { coordinator, zoneFiles, name } = parts;
  const to = driverNamed(coordinator, options.to, parts.configWhere);
  const retire =
    options.retire === undefined ? undefined : driverNamed(coordinator, options.retire, parts.configWhere);
  checkRetirement(parts, to, retire);
  const dryRun = options.dryRun ?? false;
  const report: MigrationReport = {
    to: to.name,
    dryRun,
    data: [],
    notCurrent: [],
    deleted: 0,
    deleteFailures: [],
    steps: [],
    complete: false,
  };
  if (retire !== undefined) report.retire = retire.name;
  const step = (entry: MigrationStep) => report.steps.push(entry);

  // 1. Copy, to `to` only: a sync would also write to the retired driver.
  const only = new Set([to.name]);
  const ids = await knownMutableIds(coordinator, parts.versions, name, options.signal, parts.onWarning);
  for (const dataId of ids) {
    const repair = await parts.writes.run(dataId, () =>
      repairMutable(coordinator, parts.writeTarget(dataId), { dryRun, only }),
    );
    report.data.push(repair);
    options.onDatum?.(repair);
  }
  const records = listImmutableDataRecords(await zoneFiles.of(name));
  for (const record of records) {
    throwIfAborted(options.signal, { key: record.dataId });
    const repair = await repairImmutable(coordinator, record, { dryRun, only });
    report.data.push(repair);
    options.onDatum?.(repair);
  }
  const copied = report.data.filter((d) => d.repaired.length > 0).length;
  step({
    step: 'copy',
    detail: `copy ${copied} of ${report.data.length} data to ${to.name}`,
    status: dryRun ? 'planned' : copied > 0 ? 'done' : 'skipped',
  });

  // 2. Verify, by reading every copy again (a dry run judges the copies as found).
  if (dryRun) {
    report.notCurrent = report.data.filter(
      (d) => !d.repaired.includes(to.name) && !holdsNewest(d, to.name, retire?.name),
    );
  } else {
    for (const dataId of ids) {
      throwIfAborted(options.signal, { key: dataId });
      const { health } = await inspectMutable(coordinator, parts.writeTarget(dataId));
      if (!holdsNewest(health, to.name, retire?.name)) report.notCurrent.push(health);
    }
    for (const record of records) {
      const { health } = await inspectImmutable(coordinator, record);
      if (!holdsNewest(health, to.name, retire?.name)) report.notCurrent.push(health);
    }
  }
  const verified = report.notCurrent.length === 0;
  step({
    step: 'verify',
    detail: verified
      ? `${to.name} holds the newest copy of all ${report.data.length} data`
      : `${report.notCurrent.length} data not current on ${to.name}${retire ? ' or on a driver kept' : ''}: run again`,
    status: !verified ? 'failed' : dryRun ? 'planned' : 'done',
  });
  if (!verified) return report;

  // 3-7. The config and the zone file.
  const publish = (zone: ZoneFile) => withDriverUrls(zone, to, ids, records, coordinator, parts.local);
  const unpublish = (zone: ZoneFile) =>
    retire === undefined ? undefined : withoutDriverUrls(zone, retire, ids, to, parts.local);
  if (dryRun) {
    const zone = await zoneFiles.of(name);
    const published = publish(zone);
    step({ step: 'add-to-config', detail: `add ${to.name} to storage_drivers`, status: 'planned' });
    step({
      step: 'publish',
      detail: published ? `NAME_UPDATE publishing ${to.name}'s URLs` : `no URLs of ${to.name} to publish`,
      status: published ? 'planned' : 'skipped',
    });
    if (retire !== undefined) {
      const removed = unpublish(published ?? zone);
      step({
        step: 'unpublish',
        detail: removed
          ? `NAME_UPDATE removing ${retire.name}'s URLs`
          : `no URLs of ${retire.name} published`,
        status: removed ? 'planned' : 'skipped',
      });
      step({
        step: 'remove-from-config',
        detail: `remove ${retire.name} from the config`,
        status: 'planned',
      });
      step({
        step: 'delete-copies',
        detail: options.deleteCopies
          ? `delete ${retire.name}'s copies of ${report.data.length} data`
          : `keep ${retire.name}'s copies (--delete-copies deletes them)`,
        status: options.deleteCopies ? 'planned' : 'skipped',
      });
    }
    report.complete = true;
    return report;
  }

  await options.updateConfig?.({ add: to.name });
  step({
    step: 'add-to-config',
    detail: `${to.name} in storage_drivers`,
    status: options.updateConfig ? 'done' : 'skipped',
  });
  const publishTxid = await zoneFiles.updateOwn(publish);
  step({
    step: 'publish',
    detail: publishTxid ? `published ${to.name}'s URLs` : `${to.name}'s URLs were published already`,
    status: publishTxid ? 'done' : 'skipped',
    ...(publishTxid ? { txid: publishTxid } : {}),
  });
  if (retire !== undefined) {
    const unpublishTxid = await zoneFiles.updateOwn(unpublish);
    step({
      step: 'unpublish',
      detail: unpublishTxid ? `removed ${retire.name}'s URLs` : `no URLs of ${retire.name} published`,
      status: unpublishTxid ? 'done' : 'skipped',
      ...(unpublishTxid ? { txid: unpublishTxid } : {}),
    });
    await options.updateConfig?.({ remove: retire.name });
    step({
      step: 'remove-from-config',
      detail: `${retire.name} out of the config's lists`,
      status: options.updateConfig ? 'done' : 'skipped',
    });
    if (options.deleteCopies) {
      await deleteCopies(retire, ids, records, report, options.signal);
      step({
        step: 'delete-copies',
        detail: `deleted ${report.deleted} copies on ${retire.name}${report.deleteFailures.length ? `, ${report.deleteFailures.length} failed: run again` : ''}`,
        status: report.deleteFailures.length > 0 ? 'failed' : 'done',
      });
    } else {
      step({ step: 'delete-copies', detail: `kept ${retire.name}'s copies`, status: 'skipped' });
    }
  }
  report.complete = report.deleteFailures.length === 0;
  return report;
}

function driverNamed(coordinator: ReplicationCoordinator, name: string, where: string): StorageDriver {
  const driver = coordinator.drivers.find((d) => d.name === name);
  if (driver === undefined) {
    throw new ConfigurationError(
      `${where}: no driver "${name}" among ${coordinator.drivers.map((d) => d.name).join(', ')}`,
      {
        driver: name,
        hint: `Add a [${name}] section to the config, and open the client with it.`,
      },
    );
  }
  return driver;
}

/** Refuses a retirement that would leave mutable puts with no non-local required-write driver. */
function checkRetirement(parts: MigrationParts, to: StorageDriver, retire: StorageDriver | undefined): void {
  if (retire === undefined) return;
  if (retire.name === to.name) {
    throw new ConfigurationError(`Cannot migrate ${to.name} to itself`, {
      driver: to.name,
      hint: 'Name another driver with --retire, or leave it out.',
    });
  }
  try {
    checkMutableWriteRule({
      requiredWrite: parts.requiredWrite.filter((n) => n !== retire.name),
      local: [...parts.local],
      where: parts.configWhere,
    });
  } catch (error) {
    throw new ConfigurationError(
      `Retiring ${retire.name} would leave no non-local driver in storage_drivers_required_write`,
      {
        driver: retire.name,
        cause: error,
        hint: `Migrate to ${to.name} first, add ${to.name} to storage_drivers_required_write, then retire ${retire.name}.`,
      },
    );
  }
}

/**
 * Whether `to` holds the newest copy (or does not serve this kind of data), and, when retiring, a
 * driver other than the retired one does: a datum only the retired driver holds would be lost.
 */
function holdsNewest(datum: DatumHealth, to: string, retire: string | undefined): boolean {
  const stateOn = (name: string) => datum.copies.find((c) => c.driver === name)?.state;
  const ok = (state: string | undefined) => state === 'current' || state === 'skipped';
  // Nothing verified anywhere (every copy missing): nothing to migrate.
  const nothing = datum.copies.every((c) => c.state === 'missing' || c.state === 'skipped');
  if (nothing) return true;
  if (!ok(stateOn(to))) return false;
  if (retire === undefined) return true;
  return datum.copies.some((c) => c.driver !== retire && c.state === 'current');
}

function isPublic(driver: StorageDriver, local: ReadonlySet<string>): boolean {
  return !local.has(driver.name) && driver.capabilities.visibility !== 'local';
}

/**
 * A driver's URL of immutable data, by the key layout every key-value driver shares
 * (`.../mutable/<id>` beside `.../immutable/<hash>`); `undefined` when its URLs have another form.
 */
function immutableUrlOf(driver: StorageDriver, hash: string): string | undefined {
  const probe = 'bss-url-probe';
  const url = driver.mutableUrl?.(probe);
  const tail = `mutable/${probe}`;
  if (url === undefined || !url.endsWith(tail)) return undefined;
  return `${url.slice(0, -tail.length)}immutable/${hash}`;
}

/** The zone file with `to`'s URLs added; `undefined` when it has them all already. */
function withDriverUrls(
  zone: ZoneFile,
  to: StorageDriver,
  ids: readonly string[],
  records: readonly ImmutableDataRecord[],
  coordinator: ReplicationCoordinator,
  local: ReadonlySet<string>,
): ZoneFile | undefined {
  if (!isPublic(to, local)) return undefined;
  const order = coordinator.drivers.indexOf(to);
  let next = zone;
  let changed = false;
  for (const dataId of ids) {
    const url = to.mutableUrl?.(dataId);
    if (url === undefined) continue;
    const prefix = urlPrefixOf(url, dataId, to.mutableUrl);
    const added = withPublishedUrls(next, dataId, [
      prefix === undefined ? { url, order } : { url, prefix, order },
    ]);
    if (added !== undefined) [next, changed] = [added, true];
  }
  for (const record of listImmutableDataRecords(next)) {
    if (!records.some((r) => r.dataId === record.dataId)) continue; // added since the copy: not copied
    // A record holds one URL: one already there stays (the retired driver's is replaced on unpublish).
    const url = immutableUrlOf(to, record.hash);
    if (url === undefined || record.url !== undefined) continue;
    next = setImmutableDataRecord(next, record.dataId, record.hash, url);
    changed = true;
  }
  return changed ? next : undefined;
}

/** The zone file without the retired driver's URLs; `undefined` when it lists none. */
function withoutDriverUrls(
  zone: ZoneFile,
  retire: StorageDriver,
  ids: readonly string[],
  to: StorageDriver,
  local: ReadonlySet<string>,
): ZoneFile | undefined {
  let next = zone;
  const prefix = urlPrefixOf(retire.mutableUrl?.('bss-url-probe') ?? '', 'bss-url-probe', retire.mutableUrl);
  if (prefix !== undefined) next = removeUriRecords(next, MUTABLE_PREFIX_RECORD, prefix);
  for (const dataId of ids) {
    const url = retire.mutableUrl?.(dataId);
    if (url !== undefined) next = removeUriRecords(next, datumRecordName(dataId), url);
  }
  for (const record of listImmutableDataRecords(next)) {
    if (record.url === undefined || record.url !== immutableUrlOf(retire, record.hash)) continue;
    // The record's only URL: `to`'s when it has one, else none (owners read from their drivers).
    const replacement = isPublic(to, local) ? immutableUrlOf(to, record.hash) : undefined;
    next = setImmutableDataRecord(next, record.dataId, record.hash, replacement);
  }
  return makeZoneFile(next) === makeZoneFile(zone) ? undefined : next;
}

/** Deletes the retired driver's copies of every datum (missing ones count as deleted). */
async function deleteCopies(
  retire: StorageDriver,
  ids: readonly string[],
  records: readonly ImmutableDataRecord[],
  report: MigrationReport,
  signal: AbortSignal | undefined,
): Promise<void> {
  const keys = [
    ...(retire.capabilities.mutable ? ids.map((id) => ({ kind: 'mutable' as const, key: id })) : []),
    ...(retire.capabilities.immutable
      ? [...new Set(records.map((r) => r.hash))].map((hash) => ({ kind: 'immutable' as const, key: hash }))
      : []),
  ];
  for (const { kind, key } of keys) {
    throwIfAborted(signal, { key });
    try {
      if (kind === 'mutable') await retire.deleteMutable(key, { signal });
      else await retire.deleteImmutable(key, { signal });
      report.deleted++;
    } catch (error) {
      report.deleteFailures.push({ key, error: asStorageError(error, { driver: retire.name, key }) });
    }
  }
}
