import { ConfigurationError, type DriverModule, type StorageDriver } from '@blockstack-storage/core/driver';
import { createErasureDriver, ERASURE_DRIVER_NAME } from './erasure-driver.js';

/** Keys of an erasure section in client.ini. */
export const ERASURE_CONFIG_KEYS = ['k', 'm', 'shards', 'stripe_bytes', 'write_quorum'] as const;

/**
 * Builds the erasure driver from its config section: `k` data shards, `m` parity shards, and `shards`,
 * the k + m sections (in a fixed order: shard i always lives on the i-th) whose drivers hold them:
 *
 * ```ini
 * [erasure]
 * k = 4
 * m = 2
 * shards = disk-a, disk-b, s3-eu, s3-us, gcs, dropbox
 * ```
 *
 * The shard sections are opened through the core (`openSection`), need not be in `storage_drivers`
 * and must not be: they belong to this driver, which inits and closes them.
 */
export const erasureDriverModule: DriverModule = {
  name: ERASURE_DRIVER_NAME,
  configKeys: ERASURE_CONFIG_KEYS,
  async create(section, context = {}) {
    const where = `${context.configPath ?? '<config>'} [${context.instance ?? ERASURE_DRIVER_NAME}]`;
    const fail = (message: string, hint: string): never => {
      throw new ConfigurationError(`${where}: ${message}`, { driver: ERASURE_DRIVER_NAME, hint });
    };
    const whole = (key: string, min: number, fallback?: number): number => {
      const text = section[key];
      if (text === undefined || text === '') {
        if (fallback !== undefined) return fallback;
        return fail(`${key} is required`, `Set ${key} = <whole number ≥ ${min}>.`);
      }
      const value = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
      return value >= min
        ? value
        : fail(`${key} must be a whole number ≥ ${min}`, `E.g. ${key} = ${min + 1}.`);
    };
    const k = whole('k', 1);
    const m = whole('m', 0);
    const shards = (section.shards ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
    if (shards.length !== k + m) {
      fail(
        `shards names ${shards.length} sections; k + m = ${k + m} are needed`,
        'List one driver section per shard, e.g. shards = disk-a, disk-b, s3-eu (k + m of them).',
      );
    }
    const twice = shards.find((name, i) => shards.indexOf(name) !== i);
    if (twice !== undefined) {
      fail(
        `shards names [${twice}] twice`,
        'Each shard needs its own provider: losing one must cost one shard.',
      );
    }
    if (!context.openSection) {
      fail(
        'the shard sections cannot be opened here',
        'Open the config with openStorage or the command line, or build the driver in code with createErasureDriver.',
      );
    }
    const drivers: StorageDriver[] = [];
    for (const name of shards) drivers.push(await context.openSection!(name));
    const stripeBytes = whole('stripe_bytes', 1, 0);
    const writeQuorum = whole('write_quorum', 1, 0);
    return createErasureDriver({
      drivers,
      dataShards: k,
      parityShards: m,
      ...(stripeBytes > 0 ? { stripeBytes } : {}),
      ...(writeQuorum > 0 ? { writeQuorum } : {}),
    });
  },
};
