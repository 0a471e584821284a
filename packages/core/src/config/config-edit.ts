import { chmod, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { ConfigurationError } from '../errors.js';
import { CLIENT_SECTION, parseClientConfig } from './client-config.js';

/** A change of the driver lists of `[blockstack-client]`. */
export interface StorageDriversChange {
  /** Append this driver to `storage_drivers` (it needs a section of its own). */
  add?: string;
  /** Remove this driver from `storage_drivers`, `storage_drivers_required_write` and `storage_drivers_local`. */
  remove?: string;
}

const LISTS_OF_REMOVED = ['storage_drivers', 'storage_drivers_required_write', 'storage_drivers_local'];

/**
 * `text` (a client config) with the change applied to the list lines of `[blockstack-client]`; every
 * other line (comments, other keys, other sections, line endings) is kept as it is. Applying a change
 * twice changes nothing the second time.
 * @throws ConfigurationError when the text has no `[blockstack-client]` section or no `storage_drivers`.
 */
export function withStorageDrivers(text: string, change: StorageDriversChange, where = '<config>'): string {
  const lines = text.split(/(?<=\n)/); // each line keeps its own ending
  let inClient = false;
  let sawSection = false;
  let sawDrivers = false;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const body = line.replace(/\r?\n$/, '');
    const header = /^\s*\[([^\]]*)\]\s*$/.exec(body);
    if (header) {
      inClient = header[1]!.trim() === CLIENT_SECTION;
      sawSection ||= inClient;
      continue;
    }
    const entry = inClient ? /^(\s*([A-Za-z0-9_.-]+)\s*[=:]\s*)(.*?)\s*$/.exec(body) : null;
    if (!entry) continue;
    const key = entry[2]!.toLowerCase();
    if (!LISTS_OF_REMOVED.includes(key)) continue;
    let names = entry[3]!
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '');
    if (change.remove !== undefined) names = names.filter((n) => n !== change.remove);
    if (key === 'storage_drivers') {
      sawDrivers = true;
      if (change.add !== undefined && !names.includes(change.add)) names.push(change.add);
    }
    lines[index] = `${entry[1]}${names.join(', ')}${line.slice(body.length)}`;
  }
  if (!sawSection || !sawDrivers) {
    throw new ConfigurationError(`${where}: no storage_drivers in [${CLIENT_SECTION}] to change`, {
      hint: `Add [${CLIENT_SECTION}] with storage_drivers = <driver names>.`,
    });
  }
  return lines.join('');
}

/**
 * Applies the change to the config file at `path`, atomically: the new text is checked with the rules
 * of every load (`parseClientConfig`, so a removal that breaks the required-write rule is refused and
 * the file left as it was), written to a temporary file beside it with the same mode, and renamed over
 * it. A reader sees the old file or the new one, never a torn one.
 * @returns whether the file changed.
 * @throws ConfigurationError for a config the change would make invalid.
 */
export async function editStorageDrivers(
  path: string,
  change: StorageDriversChange,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<boolean> {
  const text = await readFile(path, 'utf8');
  const next = withStorageDrivers(text, change, path);
  if (next === text) return false;
  parseClientConfig(next, { path, env });
  const temp = `${path}.${process.pid}.migrate.tmp`;
  const { mode } = await stat(path);
  try {
    await writeFile(temp, next, { mode: mode & 0o777 });
    await chmod(temp, mode & 0o777); // writeFile's mode is masked by the umask
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return true;
}
