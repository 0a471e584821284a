import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, makeHome, runCli } from './support/cli.js';

// Issue 16: an erasure section over six disk sections in client.ini, used from the command line. The
// erasure driver package is installed in the working directory (as a user would beside their config:
// the CLI finds drivers there); the six shard sections are not in storage_drivers: the erasure
// section wraps them, and the CLI's built-in disk driver serves them.
const ERASURE_PACKAGE = fileURLToPath(new URL('../../driver-erasure', import.meta.url));
let home = '';
let cleanup: () => Promise<void> = async () => {};
const SHARDS = 6;
const shardRoot = (i: number) => join(home, 'shards', String(i));
const shardFile = (i: number, id: string) => join(shardRoot(i), 'mutable', id);

beforeAll(async () => {
  ({ home, cleanup } = await makeHome());
  await mkdir(join(home, 'node_modules', '@blockstack-storage'), { recursive: true });
  await symlink(ERASURE_PACKAGE, join(home, 'node_modules', '@blockstack-storage', 'driver-erasure'), 'dir');
  expect((await runCli(home, ['init', '--name', 'alice.id'])).code).toBe(0);
  const config = join(home, '.blockstack', 'client.ini');
  const ini = (await readFile(config, 'utf8'))
    .replace(/^storage_drivers = disk$/m, 'storage_drivers = erasure')
    .replace(/^storage_drivers_required_write = disk$/m, 'storage_drivers_required_write = erasure');
  const sections = [
    '[erasure]',
    'k = 4',
    'm = 2',
    `shards = ${range()
      .map((i) => `shard-${i}`)
      .join(', ')}`,
  ];
  for (const i of range()) {
    await mkdir(shardRoot(i), { recursive: true });
    // public_url: each provider is published, so the erasure driver counts as public.
    sections.push(
      `[shard-${i}]`,
      'driver = disk',
      `root = ~/shards/${i}`,
      `public_url = http://127.0.0.1:${6300 + i}`,
    );
  }
  await writeFile(config, `${ini}\n${sections.join('\n')}\n`);
});
afterAll(() => cleanup());

interface VerifyReport {
  healthy: boolean;
  data: {
    id: string;
    healthy: boolean;
    copies: { driver: string; state: string; parts?: string[]; reason?: string }[];
  }[];
}

function range(): number[] {
  return Array.from({ length: SHARDS }, (_, i) => i);
}

describe('an erasure section in client.ini', () => {
  it('drivers and doctor build it with its shard sections', async () => {
    const drivers = await runCli(home, ['drivers', '--json']);
    expect(drivers.code, drivers.stderr).toBe(0);
    const listed = json<{
      drivers: { name: string; error?: unknown; capabilities?: { visibility: string } }[];
    }>(drivers).drivers.find((d) => d.name === 'erasure');
    expect(listed?.error).toBeUndefined();
    expect(listed?.capabilities?.visibility).toBe('public'); // every shard section has a public_url
    const doctor = await runCli(home, ['doctor', '--json']);
    expect(doctor.code, doctor.stderr).toBe(0);
    expect(json<{ ok: boolean; drivers: { driver: string }[] }>(doctor)).toMatchObject({
      ok: true,
      drivers: [{ driver: 'erasure' }],
    });
  });

  it('puts and gets through six disk sections, one shard on each', async () => {
    const note = join(home, 'note.txt');
    await writeFile(note, 'erasure-coded '.repeat(1000));
    for (const id of ['a', 'b']) expect((await runCli(home, ['put', id, note])).code).toBe(0);
    for (const i of range())
      expect((await readdir(join(shardRoot(i), 'mutable'))).sort()).toEqual(['a', 'b']);
    const got = await runCli(home, ['get', 'a']);
    expect(got.code).toBe(0);
    expect(got.text).toBe('erasure-coded '.repeat(1000));
  });

  it('a wiped shard directory still reads; verify reports the copies degraded (exit 13); sync rebuilds it byte for byte; verify is healthy', async () => {
    const before = await Promise.all(['a', 'b'].map((id) => readFile(shardFile(2, id))));
    await rm(join(shardRoot(2), 'mutable'), { recursive: true });
    await mkdir(join(shardRoot(2), 'mutable'));
    const got = await runCli(home, ['get', 'b']);
    expect(got.code).toBe(0);
    expect(got.text).toBe('erasure-coded '.repeat(1000));

    // The value still reads whole from k shards, yet verify sees the lost shard.
    const verified = await runCli(home, ['verify', '--json']);
    expect(verified.code, verified.stderr).toBe(13);
    const report = json<VerifyReport>(verified);
    expect(report.healthy).toBe(false);
    expect(
      report.data.map((d) => [d.id, d.healthy, d.copies.map((c) => [c.driver, c.state, c.parts])]),
    ).toEqual(['a', 'b'].map((id) => [id, false, [['erasure', 'degraded', ['shard-2[2]']]]]));
    expect(report.data[0]!.copies[0]!.reason).toContain('shard-2[2]');
    const table = await runCli(home, ['verify']);
    expect(table.code).toBe(13);
    expect(table.text).toMatch(/BAD +mutable +a v1 +erasure degraded \(shard-2\[2\]\)/);

    const dry = json<{ copied: number; rebuilt: number }>(
      await runCli(home, ['sync', '--dry-run', '--json']),
    );
    expect(dry).toMatchObject({ copied: 2, rebuilt: 2 });
    expect(await readdir(join(shardRoot(2), 'mutable'))).toEqual([]);
    const dryHuman = await runCli(home, ['sync', '--dry-run']);
    expect(dryHuman.text).toContain('would rebuild lost shards of erasure: shard-2[2]');
    expect(dryHuman.text).not.toContain('copy to erasure');

    const synced = await runCli(home, ['sync', '--json']);
    expect(synced.code).toBe(0);
    expect(json<{ copied: number; leftBehind: number }>(synced)).toMatchObject({ copied: 2, leftBehind: 0 });
    for (const [j, id] of ['a', 'b'].entries()) {
      expect(Buffer.compare(await readFile(shardFile(2, id)), before[j]!), id).toBe(0);
    }
    const after = await runCli(home, ['verify', '--json']);
    expect(after.code, after.text).toBe(0);
    expect(json<VerifyReport>(after).healthy).toBe(true);
    expect(json<{ copied: number }>(await runCli(home, ['sync', '--json'])).copied).toBe(0);
  });
});
