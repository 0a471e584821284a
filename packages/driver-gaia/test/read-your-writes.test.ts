import { ErrorCode, isStorageError, readBody, type StorageDriver } from '@blockstack-storage/core/driver';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGaiaDriver } from '../src/index.js';
import { makePrivateKey, startTestHub, type TestHub } from './support/hub.js';
import { type StaleCdn, startStaleCdn } from './support/stale-cdn.js';

const text = (s: string) => new TextEncoder().encode(s);
const read = async (d: StorageDriver, id: string) => {
  const found = await d.getMutable(id);
  return found ? new TextDecoder().decode(await readBody(found.body)) : null;
};

let hub: TestHub;
let cdn: StaleCdn;
let driver: StorageDriver;
let privateKey: string;
beforeAll(async () => {
  hub = await startTestHub();
  privateKey = makePrivateKey();
});
afterAll(async () => {
  await hub?.stop();
});
beforeEach(async () => {
  // A fresh CDN (empty cache) and a fresh driver (empty ledger) per test.
  await cdn?.stop();
  cdn = await startStaleCdn(hub.readUrl);
  driver = createGaiaDriver({ hubUrl: hub.url, privateKey, readUrlPrefix: cdn.readUrl });
  await driver.init?.();
});

/** What a plain GET of the public URL (through the CDN) returns: what other readers see. */
async function viaCdn(id: string): Promise<{ status: number; text: string }> {
  const response = await fetch(driver.mutableUrl!(id)!);
  return { status: response.status, text: await response.text() };
}

describe('read-your-writes through a read URL a CDN serves stale', () => {
  it('the CDN really is stale: a plain read of the URL after an overwrite returns the old bytes', async () => {
    await driver.putMutable('profile', text('version 1'));
    expect((await viaCdn('profile')).text).toBe('version 1');
    await driver.putMutable('profile', text('version 2'));
    expect((await viaCdn('profile')).text).toBe('version 1');
  });

  it('the driver returns what it wrote last, reading past the cache', async () => {
    await driver.putMutable('profile', text('version 1'));
    expect(await read(driver, 'profile')).toBe('version 1');
    await driver.putMutable('profile', text('version 2'));
    const before = cdn.originRequests.length;
    expect(await read(driver, 'profile')).toBe('version 2');
    // The plain URL was answered from the cache; a read with a fresh query string reached the hub.
    expect(cdn.originRequests.slice(before)).toEqual([expect.stringMatching(/\/profile\?bss_fresh=\w+$/)]);
  });

  it('a delete is masked too: the cached copy is not resurrected', async () => {
    await driver.putMutable('draft', text('to be deleted'));
    expect(await read(driver, 'draft')).toBe('to be deleted');
    await driver.deleteMutable('draft');
    expect((await viaCdn('draft')).text).toBe('to be deleted');
    expect(await driver.getMutable('draft')).toBeNull();
  });

  it('a put after a cached 404 reads back', async () => {
    expect(await driver.getMutable('late')).toBeNull();
    expect((await viaCdn('late')).status).toBe(404);
    await driver.putMutable('late', text('here now'));
    expect(await read(driver, 'late')).toBe('here now');
  });

  it('a CDN nothing gets past is refused as stale (UnavailableError), never answered with the old bytes', async () => {
    cdn.ignoreQuery = true;
    await driver.putMutable('stuck', text('old'));
    expect(await read(driver, 'stuck')).toBe('old');
    await driver.putMutable('stuck', text('new'));
    const refused = await driver.getMutable('stuck').catch((e: unknown) => e);
    expect(isStorageError(refused, ErrorCode.Unavailable)).toBe(true);
    expect((refused as Error).message).toContain('still serves another copy');
    expect((refused as { retryable: boolean }).retryable).toBe(true);
  });

  it("another writer's newer copy is returned (the hub's listing says it is current), not refused", async () => {
    await driver.putMutable('shared', text('mine'));
    // Another device of the same user (same key, its own process) replaces the file.
    const other = createGaiaDriver({ hubUrl: hub.url, privateKey });
    await other.putMutable('shared', text('theirs'));
    expect(await read(driver, 'shared')).toBe('theirs');
    // The driver now expects that copy: a later read does not ask the hub again.
    const lists = () => hub.exchanges.filter((e) => e.path.startsWith('/list-files/')).length;
    const listed = lists();
    expect(await read(driver, 'shared')).toBe('theirs');
    expect(lists()).toBe(listed);
  });
});
