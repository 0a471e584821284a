import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, makeHome, runCli } from './support/cli.js';
import { configureDiskAndMirror } from './support/mirror-driver.js';

// verify and sync (issue 15) on two drivers: the built-in disk (required) and a third-party "mirror"
// (optional, local), each with its own root. The mirror misses writes by hand; sync heals it.
let home = '';
let cleanup: () => Promise<void> = async () => {};
const diskFile = (id: string) => join(home, '.blockstack', 'storage-disk', 'mutable', id);
const mirrorFile = (id: string) => join(home, 'mirror', 'mutable', id);

interface Report {
  healthy: boolean;
  data: {
    id: string;
    kind: string;
    healthy: boolean;
    copies: { driver: string; state: string; version?: number }[];
  }[];
}
const statesOf = (report: Report, id: string) =>
  Object.fromEntries(report.data.find((d) => d.id === id)!.copies.map((c) => [c.driver, c.state]));

beforeAll(async () => {
  ({ home, cleanup } = await makeHome());
  expect((await runCli(home, ['init', '--name', 'alice.id'])).code).toBe(0);
  await configureDiskAndMirror(home);
});
afterAll(() => cleanup());

describe('verify and sync', () => {
  it('verify reports every copy current after puts (exit 0)', async () => {
    const note = join(home, 'note.txt');
    await writeFile(note, 'first');
    for (const id of ['a', 'b', 'c']) expect((await runCli(home, ['put', id, note])).code).toBe(0);
    const result = await runCli(home, ['verify', '--json']);
    expect(result.code).toBe(0);
    const report = json<Report>(result);
    expect(report.healthy).toBe(true);
    expect(report.data.map((d) => d.id).sort()).toEqual(['a', 'b', 'c']);
  });

  it('verify names what is behind (exit 13); sync --dry-run writes nothing; sync heals; verify is clean', async () => {
    const note = join(home, 'note.txt');
    await copyFile(mirrorFile('b'), join(home, 'b-v1'));
    await writeFile(note, 'second');
    expect((await runCli(home, ['put', 'b', note])).code).toBe(0);
    await copyFile(join(home, 'b-v1'), mirrorFile('b')); // the mirror missed version 2
    await rm(mirrorFile('a')); // and lost a
    await writeFile(mirrorFile('c'), 'garbage'); // and has garbage for c

    const before = await runCli(home, ['verify', '--json']);
    expect(before.code).toBe(13);
    const report = json<Report>(before);
    expect(statesOf(report, 'a')).toEqual({ disk: 'current', mirror: 'missing' });
    expect(statesOf(report, 'b')).toEqual({ disk: 'current', mirror: 'stale' });
    expect(statesOf(report, 'c')).toEqual({ disk: 'current', mirror: 'invalid' });
    const human = await runCli(home, ['verify']);
    expect(human.text).toMatch(/BAD +mutable +b v2 +disk current · mirror stale v1/);

    const dry = json<{ copied: number }>(await runCli(home, ['sync', '--dry-run', '--json']));
    expect(dry.copied).toBe(3);
    expect((await runCli(home, ['verify'])).code).toBe(13);

    const synced = await runCli(home, ['sync', '--json']);
    expect(synced.code).toBe(0);
    expect(json<{ copied: number; leftBehind: number }>(synced)).toMatchObject({ copied: 3, leftBehind: 0 });
    for (const id of ['a', 'b', 'c']) {
      expect(Buffer.compare(await readFile(mirrorFile(id)), await readFile(diskFile(id)))).toBe(0);
    }
    expect((await runCli(home, ['verify'])).code).toBe(0);
    expect(json<{ copied: number }>(await runCli(home, ['sync', '--json'])).copied).toBe(0);
  });
});
