import { appendFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Installs a third-party driver package, `@blockstack-storage/driver-mirror`, into `<dir>/node_modules`
 * the way a user would next to their project: the real disk driver under another config name (so a
 * config can hold two independent disk roots). The CLI must find it from the working directory.
 */
export async function installMirrorDriver(dir: string): Promise<void> {
  const scope = join(dir, 'node_modules', '@blockstack-storage');
  const pkg = join(scope, 'driver-mirror');
  await mkdir(pkg, { recursive: true });
  const disk = dirname(
    createRequire(import.meta.url).resolve('@blockstack-storage/driver-disk/package.json'),
  );
  await symlink(disk, join(scope, 'driver-disk'), 'dir');
  await writeFile(
    join(pkg, 'package.json'),
    JSON.stringify({
      name: '@blockstack-storage/driver-mirror',
      version: '0.0.0',
      type: 'module',
      exports: './index.js',
    }),
  );
  await writeFile(
    join(pkg, 'index.js'),
    [
      "import disk from '@blockstack-storage/driver-disk';",
      'export default {',
      "  name: 'mirror',",
      '  async create(section, context) {',
      "    return { ...(await disk.create(section, context)), name: 'mirror' };",
      '  },',
      '};',
      '',
    ].join('\n'),
  );
}

/**
 * Turns the client config `init` wrote in `home` into two drivers: the
 * built-in disk (required, public) and the mirror (optional, local) with its own root `~/mirror`.
 */
export async function configureDiskAndMirror(home: string): Promise<void> {
  await installMirrorDriver(home);
  const config = join(home, '.blockstack', 'client.ini');
  const ini = (await readFile(config, 'utf8'))
    .replace(/^storage_drivers = disk$/m, 'storage_drivers = disk, mirror')
    .replace(/^storage_drivers_local =$/m, 'storage_drivers_local = mirror');
  await writeFile(config, ini);
  await appendFile(config, '\n[mirror]\nroot = ~/mirror\n');
  await mkdir(join(home, 'mirror')); // a disk root is created by init, or by hand
}
