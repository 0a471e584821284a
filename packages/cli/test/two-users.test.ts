import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, makeHome, runCli, startServe } from './support/cli.js';
import { freePort } from './support/free-port.js';

// Alice publishes her disk root with `serve`; Bob, with his own config, key and disk root but the
// same name ledger (the embedded stand-in for the chain), reads her data by name.
let home = '';
let cleanup: () => Promise<void> = async () => {};
let stop: () => Promise<string> = async () => '';
const bob = () => join(home, 'bob', 'client.ini');

beforeAll(async () => {
  ({ home, cleanup } = await makeHome());
  const port = await freePort();
  expect((await runCli(home, ['init', '--name', 'alice.id', '--port', String(port)])).code).toBe(0);
  const bobInit = json<{ dataKey: string }>(
    await runCli(home, [
      '--config',
      bob(),
      'init',
      '--name',
      'bob.id',
      '--port',
      String(await freePort()),
      '--json',
    ]),
  );
  // Bob keeps his key but resolves names in the shared ledger.
  const ini = await readFile(bob(), 'utf8');
  await writeFile(
    bob(),
    ini.replace(
      /^metadata = .*$/m,
      `metadata = ${join(home, '.blockstack', 'metadata')}\ndata_key = ${bobInit.dataKey}`,
    ),
  );
  // A name with a key is never registered silently in a ledger that lacks it: register Bob there.
  expect((await runCli(home, ['--config', bob(), 'init', '--recover-ledger'])).code).toBe(0);
  ({ stop } = await startServe(home, ['--port', String(port)]));
});
afterAll(async () => {
  await stop();
  await cleanup();
});

describe('reading another user', () => {
  it("reads Alice's public value over her public URL, verified with her key", async () => {
    expect(
      (await runCli(home, ['put', 'profile.json', '-', '--public'], { input: '{"name":"Alice"}' })).code,
    ).toBe(0);
    const got = await runCli(home, ['--config', bob(), 'get', 'profile.json', '--owner', 'alice.id']);
    expect(got.stderr).toBe('');
    expect(got.code).toBe(0);
    expect(got.text).toBe('{"name":"Alice"}');
    const info = json<{ owner: string; source: string; version: number }>(
      await runCli(home, ['--config', bob(), 'stat', 'profile.json', '--owner', 'alice.id', '--json']),
    );
    expect(info).toMatchObject({ owner: 'alice.id', version: 1 });
    expect(info.source).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mutable\/profile\.json$/);
  });

  it("cannot decrypt Alice's encrypted value (exit 7)", async () => {
    expect((await runCli(home, ['put', 'diary', '-'], { input: 'dear diary' })).code).toBe(0);
    const got = await runCli(home, ['--config', bob(), 'get', 'diary', '--owner', 'alice.id']);
    expect(got.code).toBe(7);
    expect(got.stdout.byteLength).toBe(0);
    expect(got.stderr).toMatch(/^blockstack-storage: .*\nhint: /);
  });

  it('a name nobody registered is not found (exit 4)', async () => {
    const got = await runCli(home, ['--config', bob(), 'get', 'x', '--owner', 'carol.id']);
    expect(got.code).toBe(4);
    expect(got.stderr).toMatch(/carol\.id/);
  });
});
