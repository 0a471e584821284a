import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriverLoader, openConfiguredDrivers, parseClientConfig, readBody } from '@blockstack-storage/core';
import diskDriverModule from '@blockstack-storage/driver-disk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import confidentialDriverModule from '../src/index.js';

let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'bss-confidential-module-'));
  for (const dir of ['public', 'hidden']) await mkdir(join(root, dir));
});
afterAll(() => rm(root, { recursive: true, force: true }));

// A public disk driver beside it: the confidential driver is local (no one else can read it), and a
// config needs a required-write driver others can read.
const ini = (section: string) =>
  `[blockstack-client]\nstorage_drivers = public, hidden\nstorage_drivers_required_write = public, hidden\n` +
  `[public]\ndriver = disk\nroot = ${join(root, 'public')}\npublic_url = http://127.0.0.1:7000\n` +
  `[hidden]\ndriver = confidential\n${section}\n` +
  `[hidden-disk]\ndriver = disk\nroot = ${join(root, 'hidden')}\n`;

const open = (text: string) =>
  openConfiguredDrivers(
    parseClientConfig(text, { path: '/etc/bs/client.ini', env: {} }),
    new DriverLoader().register(confidentialDriverModule).register(diskDriverModule),
    undefined,
    { deriveKey: async () => rootKey },
  );
const rootKey = randomBytes(32);

describe('the confidential driver module', () => {
  it('builds from a section naming its inner section; the disk holds only keyed names', async () => {
    const opened = await open(ini('inner = hidden-disk\nslot_ms = 1\nblock_bytes = 2048\ncells = 4'));
    const hidden = opened.drivers.find((d) => d.name === 'hidden')!;
    const value = new TextEncoder().encode('alice.id/diary: the secret entry');
    await hidden.putMutable('alice.id/diary', value);
    const back = await hidden.getMutable('alice.id/diary');
    expect(Buffer.compare(await readBody(back!.body), value)).toBe(0);
    const files = await readdir(join(root, 'hidden', 'mutable'));
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((f) => /^[0-9a-f]{64}$/.test(f))).toBe(true);
    for (const driver of opened.drivers) await driver.close?.();
  });

  it('refuses an unknown key and a missing inner section, naming the file and section', async () => {
    const message = (text: string) =>
      open(text).then(
        () => 'opened',
        (e: Error) => e.message,
      );
    expect(await message(ini('inner = hidden-disk\nslots_ms = 1'))).toContain('slots_ms');
    expect(await message(ini('inner = nowhere'))).toContain('[nowhere]');
  });
});
