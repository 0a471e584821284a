import {
  ConfigurationError,
  type DriverFactoryContext,
  type StorageDriver,
} from '@blockstack-storage/core/driver';
import {
  CONFIDENTIAL_DRIVER_NAME,
  type ConfidentialDriver,
  createConfidentialDriver,
} from './confidential-driver.js';

/** Every key of a `[confidential]` section. */
export const CONFIG_KEYS = ['inner', 'block_bytes', 'slot_ms', 'bytes_per_second', 'cells'] as const;

/**
 * `DriverModule.create`: builds the driver from its section, e.g.
 *
 * ```ini
 * [confidential]
 * inner = s3-hidden        ; the section of the driver that stores the blocks (not in storage_drivers)
 * block_bytes = 16384
 * slot_ms = 1000           ; or bytes_per_second = 32768
 * ```
 * @throws ConfigurationError for a missing `inner`, a bad number, or a core too old to open sections.
 */
export async function createConfidentialDriverFromConfig(
  config: Readonly<Record<string, string>>,
  context: DriverFactoryContext = {},
): Promise<ConfidentialDriver> {
  const section = context.instance ?? CONFIDENTIAL_DRIVER_NAME;
  const where = `${context.configPath ?? 'config'} [${section}]`;
  const fail = (message: string, hint: string): never => {
    throw new ConfigurationError(`${where}: ${message}`, { driver: section, hint });
  };
  const innerSection = config.inner?.trim();
  if (!innerSection)
    fail('has no inner', 'Name the section of the driver that stores the blocks, e.g. inner = s3-hidden.');
  if (!context.openSection)
    fail(
      'cannot open its inner section: this version of @blockstack-storage/core does not give drivers openSection',
      'Upgrade @blockstack-storage/core, or build the driver in code with createConfidentialDriver({ inner }).',
    );
  if (!context.deriveKey)
    fail(
      'needs the user’s data key to derive its keys, and none is available here',
      'Open it through openStorage with an identity; a Gaia hub cannot use this driver.',
    );
  const number = (name: (typeof CONFIG_KEYS)[number]): number | undefined => {
    const text = config[name];
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text.trim()))
      fail(`${name} = ${JSON.stringify(text)} is not a whole number`, `Give ${name} in digits.`);
    return Number(text);
  };
  const blockBytes = number('block_bytes');
  const slotMs = number('slot_ms');
  const bytesPerSecond = number('bytes_per_second');
  const cells = number('cells');
  const inner: StorageDriver = await context.openSection!(innerSection!);
  try {
    return createConfidentialDriver({
      inner,
      deriveKey: context.deriveKey,
      blockBytes,
      slotMs,
      bytesPerSecond,
      cells,
    });
  } catch (error) {
    await inner.close?.().catch(() => {});
    throw error;
  }
}
