import { readdir, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, makeHome, runCli } from './support/cli.js';

let home = '';
let cleanup: () => Promise<void> = async () => {};
let metadata = '';
let ledgerDir = '';
beforeAll(async () => {
  ({ home, cleanup } = await makeHome());
  metadata = join(home, '.blockstack', 'metadata');
  ledgerDir = join(metadata, 'ledger');
  expect((await runCli(home, ['init', '--name', 'alice.id'])).code).toBe(0);
  expect((await runCli(home, ['put', 'profile', '-'], { input: 'mutable value' })).code).toBe(0);
  expect((await runCli(home, ['put', 'notes', '-', '--immutable'], { input: 'immutable value' })).code).toBe(
    0,
  );
});
afterAll(() => cleanup());

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

describe('the ledger of a name with a data key is lost or damaged', () => {
  it('get and put fail with exit 5 and say how to recover; nothing is written', async () => {
    await rm(ledgerDir, { recursive: true });
    const get = await runCli(home, ['get', 'profile']);
    expect(get.code).toBe(5);
    expect(get.stderr).toMatch(
      /^blockstack-storage: The data key of alice\.id exists .* no registration of alice\.id/,
    );
    expect(get.stderr).toMatch(/hint: .*init --name alice\.id --recover-ledger/);
    const put = await runCli(home, ['put', 'profile', '-'], { input: 'a newer value' });
    expect(put.code).toBe(5);
    expect(await exists(ledgerDir)).toBe(false);
  });

  it('init --recover-ledger registers the name again with its key: mutable data back, immutable records gone', async () => {
    const recovered = await runCli(home, ['init', '--recover-ledger', '--json']);
    expect(recovered.code).toBe(0);
    const result = json<{ name: string; registeredTxid?: string; setAside?: string }>(recovered);
    expect(result.name).toBe('alice.id');
    expect(result.registeredTxid).toMatch(/^[0-9a-f]{64}$/);
    expect(result.setAside).toBeUndefined();
    expect(recovered.stderr).toMatch(/warning: alice\.id was registered again .*immutable records/);
    const get = await runCli(home, ['get', 'profile']);
    expect(get.code).toBe(0);
    expect(get.text).toBe('mutable value'); // the refused put above changed nothing
    expect((await runCli(home, ['get', 'notes', '--immutable'])).code).toBe(4);
    const again = json<{ registeredTxid?: string }>(
      await runCli(home, ['init', '--recover-ledger', '--json']),
    );
    expect(again.registeredTxid).toBeUndefined();
  });

  it('a truncated ledger: exit 5 with the recovery in the hint; init --recover-ledger sets it aside', async () => {
    const file = join(ledgerDir, 'ledger.jsonl');
    await truncate(file, (await stat(file)).size - 5);
    const get = await runCli(home, ['get', 'profile']);
    expect(get.code).toBe(5);
    expect(get.stderr).toContain(file);
    expect(get.stderr).toMatch(/hint: .*--recover-ledger/);
    const recovered = json<{ setAside?: string; registeredTxid?: string }>(
      await runCli(home, ['init', '--recover-ledger', '--json']),
    );
    expect(recovered.setAside).toMatch(/ledger\.broken-/);
    expect(recovered.registeredTxid).toBeDefined();
    expect((await readdir(metadata)).filter((entry) => entry.startsWith('ledger.broken-'))).toHaveLength(1);
    expect((await runCli(home, ['get', 'profile'])).text).toBe('mutable value');
  });

  it('--recover-ledger keeps the config: combined with --force it is a usage error', async () => {
    expect((await runCli(home, ['init', '--recover-ledger', '--force'])).code).toBe(2);
  });
});
