import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, makeHome, runCli } from './support/cli.js';
import { configureDiskAndMirror } from './support/mirror-driver.js';

// Two drivers: the built-in disk (required, public) and a third-party "mirror" package installed in
// the working directory (optional, local), each with its own root.
let home = '';
let cleanup: () => Promise<void> = async () => {};
const diskFile = (id: string) => join(home, '.blockstack', 'storage-disk', 'mutable', id);
const mirrorFile = (id: string) => join(home, 'mirror', 'mutable', id);

interface Stat {
  version: number;
  source: string;
  copies: { source: string; status: string; version?: number }[];
}

beforeAll(async () => {
  ({ home, cleanup } = await makeHome());
  expect((await runCli(home, ['init', '--name', 'alice.id'])).code).toBe(0);
  await configureDiskAndMirror(home);
});
afterAll(() => cleanup());

describe('two drivers', () => {
  it('drivers finds the third-party driver in the working directory', async () => {
    const report = json<{
      rule: { holds: boolean };
      drivers: { name: string; configured: boolean; installed: boolean; local: boolean; required: boolean }[];
    }>(await runCli(home, ['drivers', '--json']));
    expect(report.rule.holds).toBe(true);
    // Driver packages installed beside the CLI (its dev dependencies, here) are listed too, unconfigured.
    expect(
      report.drivers
        .filter((row) => row.configured)
        .map(({ name, installed, local, required }) => ({ name, installed, local, required })),
    ).toEqual([
      { name: 'disk', installed: true, local: false, required: true },
      { name: 'mirror', installed: true, local: true, required: false },
    ]);
  });

  it('a put lands on both; stat shows which driver holds which version', async () => {
    const put = json<{ drivers: { driver: string; status: string }[] }>(
      await runCli(home, ['put', 'notes', '-', '--json'], { input: 'v1' }),
    );
    expect(put.drivers.map((d) => [d.driver, d.status])).toEqual([
      ['disk', 'ok'],
      ['mirror', 'ok'],
    ]);
    const listed = json<{ mutable: { id: string; drivers: string[] }[] }>(
      await runCli(home, ['ls', '--json', '--mutable']),
    );
    expect(listed.mutable).toEqual([{ id: 'notes', drivers: ['disk', 'mirror'] }]);

    // Roll the mirror back to version 1 after version 2 is written.
    await copyFile(mirrorFile('notes'), join(home, 'notes.v1'));
    expect((await runCli(home, ['put', 'notes', '-'], { input: 'v2' })).code).toBe(0);
    await copyFile(join(home, 'notes.v1'), mirrorFile('notes'));
    const stat = json<Stat>(await runCli(home, ['stat', 'notes', '--json']));
    expect(stat.version).toBe(2);
    expect(stat.copies).toEqual([
      { source: 'disk', status: 'valid', version: 2 },
      { source: 'mirror', status: 'stale', version: 1 },
    ]);
    const human = await runCli(home, ['stat', 'notes']);
    expect(human.text).toMatch(/^ {2}disk {2}valid v2$/m);
    expect(human.text).toMatch(/^ {2}mirror {2}stale v1/m);
    expect((await runCli(home, ['get', 'notes'])).text).toBe('v2');
  });

  it('a tampered copy is skipped and the good copy from the other driver returned', async () => {
    expect((await runCli(home, ['put', 'notes', '-', '--public'], { input: 'v3' })).code).toBe(0);
    const stored = await readFile(diskFile('notes'), 'utf8');
    await writeFile(
      diskFile('notes'),
      stored.replace(/"data":"(.)/, (_m, c: string) => `"data":"${c === 'A' ? 'B' : 'A'}`),
    );
    const got = await runCli(home, ['get', 'notes', '--verbose']);
    expect(got.code).toBe(0);
    expect(got.text).toBe('v3');
    expect(got.stderr).toMatch(/notes version 3 \(2 bytes from mirror\)/);
    const stat = json<Stat>(await runCli(home, ['stat', 'notes', '--json']));
    expect(stat.source).toBe('mirror');
    expect(stat.copies.find((c) => c.source === 'disk')?.status).toBe('invalid');
  });

  it('a failing optional driver does not fail the put; it is reported', async () => {
    await mkdir(mirrorFile('blocked-on-mirror'));
    const put = await runCli(home, ['put', 'blocked-on-mirror', '-'], { input: 'x' });
    expect(put.code).toBe(0);
    expect(put.text).toMatch(/^ {2}disk \(required\) {2}ok/m);
    expect(put.text).toMatch(/^ {2}mirror {2}FAILED: .*EISDIR/m);
    expect((await runCli(home, ['get', 'blocked-on-mirror'])).text).toBe('x');
  });

  it('doctor checks each driver on its own', async () => {
    const result = await runCli(home, ['doctor', '--json']);
    expect(result.code).toBe(12); // serve is not running: disk's public URL fails
    const report = json<{
      drivers: { driver: string; ok: boolean; steps: { step: string; ok: boolean }[] }[];
    }>(result);
    expect(report.drivers.map((d) => [d.driver, d.ok])).toEqual([
      ['disk', false],
      ['mirror', true],
    ]);
    expect(report.drivers[0]!.steps.filter((s) => !s.ok).map((s) => s.step)).toEqual(['public url']);
    expect(report.drivers[1]!.steps.map((s) => s.step)).not.toContain('public url');
  });
});
