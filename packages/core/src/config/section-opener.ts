import type { DriverFactoryContext, StorageDriver } from '../driver.js';
import { ConfigurationError } from '../errors.js';
import { CLIENT_SECTION, type ClientConfig, DRIVER_KEY } from './client-config.js';
import type { DriverLoader } from './driver-loader.js';

const SECTION_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Opens config sections as drivers, handing each factory an `openSection` for the sections it wraps. */
export interface SectionOpener {
  /**
   * Builds the driver of `section`. `chain` is the sections being built that led here (outermost first).
   * @throws ConfigurationError (see `sectionOpener`); what the driver's factory throws.
   */
  open(section: string, chain: readonly string[]): Promise<StorageDriver>;
}

/**
 * The opener of `config`'s sections. A section wrapped by a meta driver (`openSection`):
 * - must exist in the file and not be `[blockstack-client]`;
 * - need not be in `storage_drivers`, and must not be: a listed driver and a meta driver's inner driver
 *   over the same section would store their objects under the same keys in the same place;
 * - is opened once: two meta drivers (or one naming it twice) would share one store the same way;
 * - must not wrap, directly or not, the section wrapping it (a cycle).
 * Any of these is a ConfigurationError naming the file and the sections. When a factory throws, the
 * sections it opened are closed before the error goes on.
 */
export function sectionOpener(
  config: ClientConfig,
  loader: DriverLoader,
  context: Omit<DriverFactoryContext, 'instance' | 'openSection'>,
): SectionOpener {
  const file = config.path ?? '<config given in code>';
  const wrapped = new Map<string, string>(); // section → the section wrapping it
  const open = async (section: string, chain: readonly string[]): Promise<StorageDriver> => {
    const opened: StorageDriver[] = [];
    const openSection = async (inner: string): Promise<StorageDriver> => {
      checkWrappable(inner, [...chain, section]);
      wrapped.set(inner, section);
      const driver = await open(inner, [...chain, section]);
      opened.push(driver);
      return driver;
    };
    try {
      return await loader.create(
        config.instanceDrivers[section] ?? section,
        config.driverSections[section] ?? {},
        {
          ...context,
          instance: section,
          openSection,
        },
      );
    } catch (error) {
      await Promise.allSettled(opened.map((driver) => driver.close?.()));
      throw error;
    }
  };

  const checkWrappable = (section: string, chain: readonly string[]): void => {
    const by = chain[chain.length - 1]!;
    const fail = (problem: string, hint: string): never => {
      throw new ConfigurationError(`${file} [${by}]: ${problem}`, { driver: by, hint });
    };
    if (typeof section !== 'string' || !SECTION_NAME.test(section)) {
      fail(
        `names ${JSON.stringify(String(section).slice(0, 64))}, which is not a section name`,
        'Section names are lower-case letters, digits, "_" and "-", up to 64 characters.',
      );
    }
    if (chain.includes(section)) {
      fail(
        `wraps itself: ${[...chain, section].map((s) => `[${s}]`).join(' → ')}`,
        'A meta driver wraps other drivers; remove the loop.',
      );
    }
    if (section === CLIENT_SECTION || config.driverSections[section] === undefined) {
      fail(
        `names section [${section}], which is not in the file`,
        `Add a [${section}] section (with ${DRIVER_KEY} = <driver> unless the section is named after its driver), or fix the name.`,
      );
    }
    if (config.storageDrivers.includes(section)) {
      fail(
        `wraps [${section}], which is also in storage_drivers`,
        `A section is either a storage driver or wrapped by one meta driver: both would store objects under the same keys. Give the meta driver its own section (e.g. [${section}-shard] ${DRIVER_KEY} = ${config.instanceDrivers[section] ?? section}).`,
      );
    }
    const owner = wrapped.get(section);
    if (owner !== undefined) {
      fail(
        `wraps [${section}], which [${owner}] already wraps`,
        'Each wrapped section belongs to one meta driver, once: two users of one store would overwrite each other.',
      );
    }
    const driver = config.instanceDrivers[section] ?? section;
    if (!SECTION_NAME.test(driver)) {
      throw new ConfigurationError(
        `${file} [${section}]: ${DRIVER_KEY} = ${JSON.stringify(driver.slice(0, 64))} is not a driver name`,
        { driver: section, hint: `Name an installed driver, e.g. ${DRIVER_KEY} = disk.` },
      );
    }
  };

  return { open };
}
