import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DriverFactoryContext, DriverModule, StorageDriver } from '../driver.js';
import { ConfigurationError, isStorageError } from '../errors.js';
import { envPrefixOf } from './client-config.js';
import { relabelError as withInstanceLabel, withInstanceName } from './instance-driver.js';
import { checkKnownKeys } from './known-keys.js';

/** npm scope and prefix of driver packages: `disk` → `@blockstack-storage/driver-disk`. */
export const DRIVER_PACKAGE_PREFIX = '@blockstack-storage/driver-';

/** Something a program registers: a driver module (built from its config section) or a ready driver. */
export type DriverRegistration = DriverModule | StorageDriver;

export interface DriverLoaderOptions {
  /** Loads a package by specifier. Default: dynamic `import()`, then resolution from the working directory. */
  importer?: (specifier: string) => Promise<unknown>;
}

/**
 * Loads drivers by their config name and builds them from their sections. A registered driver wins;
 * otherwise `name` loads the package `@blockstack-storage/driver-<name>`, whose default export is a
 * `DriverModule`. (Not the name registry: that is `NameRegistry`.)
 */
export class DriverLoader {
  private readonly registered = new Map<string, DriverRegistration>();
  private readonly importer: (specifier: string) => Promise<unknown>;

  constructor(options: DriverLoaderOptions = {}) {
    this.importer = options.importer ?? importFromHereOrCwd;
  }

  /** Registers a driver module or a ready driver under its `name`, replacing any earlier one. */
  register(entry: DriverRegistration): this {
    if (typeof entry?.name !== 'string' || entry.name === '') {
      throw new ConfigurationError('A registered driver needs a non-empty name');
    }
    this.registered.set(entry.name, entry);
    return this;
  }

  /** Names registered in code. */
  registeredNames(): string[] {
    return [...this.registered.keys()].sort();
  }

  /**
   * The driver module (or ready driver) called `name`: the registered one, else the installed
   * package's default export. `instance` (a config section naming this driver) only words the error.
   * @throws ConfigurationError when no such driver is registered or installed (listing those that
   *   are), or when the package is not a driver module of that name.
   */
  async load(name: string, instance = name): Promise<DriverRegistration> {
    return this.registered.get(name) ?? (await this.importModule(name, instance));
  }

  /**
   * Builds the driver called `name` from its config section. With `context.instance` (the section's
   * name, e.g. `s3-eu` for `[s3-eu] driver = s3`) the driver goes by that name: its `name` and the
   * errors it throws say `s3-eu` (see `withInstanceName`). When the module declares `configKeys`, a
   * section key outside them is refused before the module sees the section.
   * @throws ConfigurationError when no such driver is registered or installed (listing those that are),
   *   when the package is not a driver module, for an unknown key, or when a ready driver (not a
   *   module) would be used under another name (one object cannot be two instances).
   */
  async create(
    name: string,
    section: Readonly<Record<string, string>>,
    context: DriverFactoryContext = {},
  ): Promise<StorageDriver> {
    const instance = context.instance ?? name;
    const entry = await this.load(name, instance);
    if (!isDriverModule(entry)) {
      if (instance !== name) {
        throw new ConfigurationError(
          `[${instance}] names driver "${name}", which is registered as a ready driver, not a driver module`,
          {
            driver: instance,
            hint: `Register a driver module ({ name, create }) so each section gets its own driver, or name the section [${name}].`,
          },
        );
      }
      return entry;
    }
    if (entry.configKeys !== undefined) {
      const file = context.configPath ?? '<config>';
      checkKnownKeys(section, entry.configKeys, `${file} [${instance}]`, {
        driver: instance,
        envPrefix: envPrefixOf(instance),
        what: `the ${name} driver`,
      });
    }
    let driver: StorageDriver;
    try {
      driver = await entry.create(section, { ...context, instance });
    } catch (error) {
      // Factories name their section after the driver ("[s3] bucket is required"): say which one.
      throw instance !== name && isStorageError(error) ? withInstanceLabel(error, name, instance) : error;
    }
    if (driver.name !== name) {
      await driver.close?.().catch(() => {});
      throw new ConfigurationError(`Driver module "${name}" built a driver named "${driver.name}"`, {
        driver: instance,
      });
    }
    return withInstanceName(driver, instance);
  }

  private async importModule(name: string, instance: string): Promise<DriverModule> {
    const specifier = `${DRIVER_PACKAGE_PREFIX}${name}`;
    let loaded: unknown;
    try {
      loaded = await this.importer(specifier);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
        const registered = this.registeredNames();
        const installed = installedDriverNames();
        const from = instance === name ? '' : ` (named by "driver = ${name}" in [${instance}])`;
        throw new ConfigurationError(`Unknown storage driver "${name}"${from}`, {
          driver: name,
          cause: error,
          hint: `Registered: [${registered.join(', ')}]; installed: [${installed.join(', ')}]. Install ${specifier} or register the driver with openStorage({ drivers }).`,
        });
      }
      throw new ConfigurationError(`Driver package ${specifier} failed to load`, {
        driver: name,
        cause: error,
      });
    }
    const module = (loaded as { default?: unknown }).default;
    if (!isDriverModule(module) || module.name !== name) {
      throw new ConfigurationError(
        `${specifier} does not export a driver module named "${name}" as its default export`,
        { driver: name, hint: 'Its default export must be { name, create(section, context) }.' },
      );
    }
    return module;
  }
}

function isDriverModule(value: unknown): value is DriverModule {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as DriverModule).create === 'function' &&
    typeof (value as DriverModule).name === 'string'
  );
}

/**
 * @deprecated Renamed `DriverLoader` ("registry" is the name registry, `NameRegistry`). This alias
 * goes in the next minor release.
 */
export const DriverRegistry = DriverLoader;
/** @deprecated Renamed `DriverLoader`; see the value of the same name. */
export type DriverRegistry = DriverLoader;
/** @deprecated Renamed `DriverLoaderOptions`. */
export type DriverRegistryOptions = DriverLoaderOptions;

/**
 * An importer for `DriverLoader` that tries `importHere` first (a dynamic `import()` written in the
 * caller's module, so it resolves from the caller's package) and then the working directory: an
 * application usually installs drivers beside core, and under pnpm's strict layout they are visible
 * from the application's directory rather than from core's (or a CLI's).
 */
export function withWorkingDirectoryFallback(
  importHere: (specifier: string) => Promise<unknown>,
): (specifier: string) => Promise<unknown> {
  return async (specifier) => {
    try {
      return await importHere(specifier);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
      let resolved: string;
      try {
        resolved = createRequire(join(process.cwd(), 'package.json')).resolve(specifier);
      } catch {
        throw error;
      }
      return import(pathToFileURL(resolved).href);
    }
  };
}

const importFromHereOrCwd = withWorkingDirectoryFallback((specifier) => import(specifier));

/** Driver packages visible from core or the working directory (names without the prefix). */
export function installedDriverNames(): string[] {
  const dirs = new Set<string>([
    ...(createRequire(import.meta.url).resolve.paths('@blockstack-storage/core') ?? []),
    ...(createRequire(join(process.cwd(), 'package.json')).resolve.paths('@blockstack-storage/core') ?? []),
  ]);
  const names = new Set<string>();
  for (const dir of dirs) {
    try {
      for (const entry of readdirSync(join(dir, '@blockstack-storage'))) {
        if (entry.startsWith('driver-')) names.add(entry.slice('driver-'.length));
      }
    } catch {
      // Most candidate directories do not exist.
    }
  }
  return [...names].sort();
}
