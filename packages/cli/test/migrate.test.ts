import { appendFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, makeHome, runCli } from './support/cli.js';

// `migrate` (issue 15): from the disk `init` made to a second disk section, `[disk-b]` (driver = disk,
// its own root and public URL): the config file rewritten, the zone file's URLs, the retirement of the
// first disk (refused while it is the only required-write driver), and a dry run that changes nothing.
let home = '';
let cleanup: () => Promise<void> = async () => {};
const configPath = () => join(home, '.blockstack', 'client.ini');
const B_URL = 'http://127.0.0.1:6399/b';

interface ZoneJson {
  uris: { name: string; target: string }[];
  txt: { name: string; text: string }[];
}
interface MigrateJson {
  complete: boolean;
  copied: number;
  deleted: number;
  steps: { step: string; status: string }[];
}
const zone = async () => json<ZoneJson>(await runCli(home, ['zonefile', 'show', '--json']));
const clientLines = async () =>
  (await readFile(configPath(), 'utf8')).split('\n').filter((l) => /^storage_drivers/.test(l));

beforeAll(async () => {
  ({ home, cleanup } = await makeHome());
  expect((await runCli(home, ['init', '--name', 'alice.id'])).code).toBe(0);
  await appendFile(
    configPath(),
    `\n# the new provider, not listed yet\n[disk-b]\ndriver = disk\nroot = ~/disk-b\npublic_url = ${B_URL}\n`,
  );
  await mkdir(join(home, 'disk-b'));
  const note = join(home, 'note.txt');
  await writeFile(note, 'hello');
  for (const id of ['a', 'b']) expect((await runCli(home, ['put', id, note])).code).toBe(0);
  expect((await runCli(home, ['rm', 'b'])).code).toBe(0);
  expect((await runCli(home, ['put', '--immutable', 'pic', note])).code).toBe(0);
});
afterAll(() => cleanup());

describe('migrate', () => {
  it('--dry-run prints the plan and changes nothing', async () => {
    const config = await readFile(configPath(), 'utf8');
    const before = await zone();
    const result = await runCli(home, ['migrate', '--to', 'disk-b', '--dry-run']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.text).toMatch(/planned +copy +copy 3 of 3 data to disk-b/);
    expect(result.text).toMatch(/planned +add-to-config/);
    expect(result.text).toMatch(/planned +publish/);
    expect(await readFile(configPath(), 'utf8')).toBe(config);
    // The driver may create its directories when it opens; no datum lands in them.
    for (const kind of ['mutable', 'immutable']) {
      expect(await readdir(join(home, 'disk-b', kind)).catch(() => [])).toEqual([]);
    }
    expect(await zone()).toEqual(before);
  });

  it('copies to the new section, lists it in storage_drivers and publishes its URLs', async () => {
    const result = await runCli(home, ['migrate', '--to', 'disk-b', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = json<MigrateJson>(result);
    expect(report).toMatchObject({ complete: true, copied: 3 });
    expect(await clientLines()).toEqual([
      'storage_drivers = disk, disk-b',
      'storage_drivers_required_write = disk',
      'storage_drivers_local =',
    ]);
    // The rest of the file is kept, comments included.
    expect(await readFile(configPath(), 'utf8')).toContain('# the new provider, not listed yet\n[disk-b]\n');
    expect((await zone()).uris).toContainEqual(
      expect.objectContaining({ name: '_bss-mutable', target: `${B_URL}/mutable/` }),
    );
    const verify = await runCli(home, ['verify', '--json']);
    expect(verify.code, verify.text).toBe(0);
    // A second run finds nothing to do.
    const again = json<MigrateJson>(await runCli(home, ['migrate', '--to', 'disk-b', '--json']));
    expect(again).toMatchObject({ complete: true, copied: 0 });
    expect(again.steps.find((s) => s.step === 'publish')!.status).toBe('skipped');
  });

  it('refuses to retire the only required-write driver, changing nothing', async () => {
    const config = await readFile(configPath(), 'utf8');
    const result = await runCli(home, ['migrate', '--to', 'disk-b', '--retire', 'disk']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /Retiring disk would leave no non-local driver in storage_drivers_required_write/,
    );
    expect(result.stderr).toMatch(/add disk-b to storage_drivers_required_write/);
    expect(await readFile(configPath(), 'utf8')).toBe(config);
  });

  it('retires the old disk: unpublished, unlisted, its copies deleted; the data reads from the new one', async () => {
    const config = await readFile(configPath(), 'utf8');
    await writeFile(
      configPath(),
      config.replace(
        'storage_drivers_required_write = disk\n',
        'storage_drivers_required_write = disk, disk-b\n',
      ),
    );
    const diskUrl = (await zone()).uris.find(
      (u) => u.name === '_bss-mutable' && !u.target.startsWith(B_URL),
    )!;
    expect(diskUrl).toBeDefined();
    const result = await runCli(home, [
      'migrate',
      '--to',
      'disk-b',
      '--retire',
      'disk',
      '--delete-copies',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(json<MigrateJson>(result)).toMatchObject({ complete: true, deleted: 3 });
    expect(await clientLines()).toEqual([
      'storage_drivers = disk-b',
      'storage_drivers_required_write = disk-b',
      'storage_drivers_local =',
    ]);
    const after = await zone();
    expect(after.uris.map((u) => u.target)).not.toContain(diskUrl.target);
    // The immutable record's URL moved to the new disk.
    expect(after.txt.find((t) => t.text.includes('#'))!.text).toMatch(
      new RegExp(`^${B_URL}/immutable/[0-9a-f]{64}#`),
    );
    const diskRoot = join(home, '.blockstack', 'storage-disk');
    expect(await readdir(join(diskRoot, 'mutable'))).toEqual([]);
    expect(await readdir(join(diskRoot, 'immutable'))).toEqual([]);
    const got = await runCli(home, ['get', 'a']);
    expect(got.code, got.stderr).toBe(0);
    expect(got.text).toBe('hello');
    expect((await runCli(home, ['get', 'b'])).code).toBe(4); // still deleted: its tombstone moved too
    expect((await runCli(home, ['verify'])).code).toBe(0);
  });

  it('needs --to, and a section for it', async () => {
    expect((await runCli(home, ['migrate'])).code).toBe(2);
    const missing = await runCli(home, ['migrate', '--to', 'nowhere']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/has no \[nowhere\] section/);
  });
});
