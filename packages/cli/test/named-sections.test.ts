import { existsSync } from 'node:fs';
import { appendFile, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, makeHome, runCli } from './support/cli.js';

// `init`'s [disk] plus a second disk root as its own section, [disk-b] with `driver = disk`: two
// instances of the built-in driver, no third-party package needed.
let home = '';
let cleanup: () => Promise<void> = async () => {};
let configPath = '';
const diskFile = (id: string) => join(home, '.blockstack', 'storage-disk', 'mutable', id);
const diskBFile = (id: string) => join(home, 'disk-b', 'mutable', id);

interface Stat {
  version: number;
  source: string;
  copies: { source: string; status: string; version?: number }[];
}

beforeAll(async () => {
  ({ home, cleanup } = await makeHome());
  expect((await runCli(home, ['init', '--name', 'alice.id'])).code).toBe(0);
  configPath = join(home, '.blockstack', 'client.ini');
  const ini = (await readFile(configPath, 'utf8'))
    .replace(/^storage_drivers = disk$/m, 'storage_drivers = disk, disk-b')
    .replace(/^storage_drivers_local =$/m, 'storage_drivers_local = disk-b');
  await writeFile(configPath, ini);
  await appendFile(configPath, '\n[disk-b]\ndriver = disk\nroot = ~/disk-b\n');
  await mkdir(join(home, 'disk-b'));
});
afterAll(() => cleanup());

describe('two sections of the disk driver', () => {
  it('drivers lists each section with its driver', async () => {
    const result = await runCli(home, ['drivers', '--json']);
    const report = json<{
      rule: { holds: boolean };
      drivers: { name: string; driver: string; configured: boolean; local: boolean; required: boolean }[];
    }>(result);
    expect(result.code).toBe(0);
    expect(report.rule.holds).toBe(true);
    expect(
      report.drivers
        .filter((d) => d.configured)
        .map(({ name, driver, local, required }) => ({ name, driver, local, required })),
    ).toEqual([
      { name: 'disk', driver: 'disk', local: false, required: true },
      { name: 'disk-b', driver: 'disk', local: true, required: false },
    ]);
    // The disk driver is configured, so it is not listed again as "installed, not configured".
    expect(report.drivers.filter((d) => d.name === 'disk')).toHaveLength(1);
    const human = await runCli(home, ['drivers']);
    expect(human.text).toMatch(/^disk-b {2}\(driver disk; optional, local\)$/m);
  });

  it('put writes each root, stat and get name the sections', async () => {
    const put = json<{ drivers: { driver: string; status: string }[] }>(
      await runCli(home, ['put', 'notes', '-', '--json'], { input: 'v1' }),
    );
    expect(put.drivers.map((d) => [d.driver, d.status])).toEqual([
      ['disk', 'ok'],
      ['disk-b', 'ok'],
    ]);
    expect(existsSync(diskFile('notes'))).toBe(true);
    expect(existsSync(diskBFile('notes'))).toBe(true);

    // Roll disk-b back to version 1 after version 2: the two roots really are separate.
    await copyFile(diskBFile('notes'), join(home, 'notes.v1'));
    expect((await runCli(home, ['put', 'notes', '-'], { input: 'v2' })).code).toBe(0);
    await copyFile(join(home, 'notes.v1'), diskBFile('notes'));
    const stat = json<Stat>(await runCli(home, ['stat', 'notes', '--json']));
    expect(stat.version).toBe(2);
    expect(stat.copies).toEqual([
      { source: 'disk', status: 'valid', version: 2 },
      { source: 'disk-b', status: 'stale', version: 1 },
    ]);
    expect((await runCli(home, ['get', 'notes'])).text).toBe('v2');
  });

  it('a get works with the other root down, and a failure names the section', async () => {
    expect((await runCli(home, ['put', 'kept', '-'], { input: 'both' })).code).toBe(0);
    await rm(diskFile('kept'));
    await mkdir(diskFile('kept')); // reading a directory fails on the disk section only
    const got = await runCli(home, ['get', 'kept']);
    expect(got.code).toBe(0);
    expect(got.text).toBe('both');
    const stat = json<Stat & { copies: { source: string; status: string; error?: string }[] }>(
      await runCli(home, ['stat', 'kept', '--json']),
    );
    expect(stat.source).toBe('disk-b');
    expect(stat.copies.find((c) => c.source === 'disk')?.status).toBe('failed');
    await rm(diskFile('kept'), { recursive: true });
  });

  it('doctor probes each section on its own', async () => {
    const result = await runCli(home, ['doctor', '--json']);
    expect(result.code).toBe(12); // serve is not running: disk's public URL fails
    const report = json<{ drivers: { driver: string; ok: boolean }[] }>(result);
    expect(report.drivers.map((d) => [d.driver, d.ok])).toEqual([
      ['disk', false],
      ['disk-b', true],
    ]);
  });

  it('an unknown driver named by a section is reported with the section', async () => {
    const path = join(home, 'unknown-driver.ini');
    await writeFile(path, (await readFile(configPath, 'utf8')).replace('driver = disk', 'driver = nope'));
    const put = await runCli(home, ['--config', path, 'put', 'x', '-'], { input: 'x' });
    expect(put.code).toBe(3);
    expect(put.stderr).toContain(
      `Unknown storage driver "nope" named by "driver = nope" in [disk-b] of ${path}`,
    );
    expect(put.stderr).toContain('@blockstack-storage/driver-nope');
  });

  it('a misspelled key in a section is refused with a suggestion (exit 3)', async () => {
    const bad = join(home, 'misspelled.ini');
    await writeFile(
      bad,
      (await readFile(configPath, 'utf8')).replace(
        'root = ~/disk-b',
        'root = ~/disk-b\nmax_object_byts = 10',
      ),
    );
    const put = await runCli(home, ['--config', bad, 'put', 'x', '-'], { input: 'x' });
    expect(put.code).toBe(3);
    expect(put.stderr).toContain(
      `${bad} [disk-b]: unknown key "max_object_byts"; did you mean "max_object_bytes"?`,
    );
    const polcy = join(home, 'polcy.ini');
    await writeFile(
      polcy,
      (await readFile(configPath, 'utf8')).replace('metadata =', 'storage_read_polcy = first\nmetadata ='),
    );
    const get = await runCli(home, ['--config', polcy, 'get', 'notes']);
    expect(get.code).toBe(3);
    expect(get.stderr).toContain('unknown key "storage_read_polcy"; did you mean "storage_read_policy"?');
  });
});
