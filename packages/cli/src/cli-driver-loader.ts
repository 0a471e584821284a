import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DriverLoader, installedDriverNames, withWorkingDirectoryFallback } from '@blockstack-storage/core';
import diskDriverModule from '@blockstack-storage/driver-disk';

/**
 * The driver loader of the command line, the one way every command gets drivers: the disk driver is
 * built in; any other `@blockstack-storage/driver-<name>` is loaded from beside the CLI (e.g. installed
 * globally next to it) or from the working directory's node_modules.
 */
export function createCliDriverLoader(): DriverLoader {
  return new DriverLoader({ importer: importBesideCliOrCwd }).register(diskDriverModule);
}

// The dynamic import() must be written here so it resolves from the CLI's own package.
const importBesideCliOrCwd = withWorkingDirectoryFallback((specifier) => import(specifier));

/** Driver names installed beside the CLI, core or in the working directory, plus the built-in disk. */
export function installedDrivers(): string[] {
  const names = new Set<string>(['disk', ...installedDriverNames()]);
  for (const dir of createRequire(import.meta.url).resolve.paths('@blockstack-storage/core') ?? []) {
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
