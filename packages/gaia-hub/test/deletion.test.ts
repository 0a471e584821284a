import { readBody, type StorageDriver } from '@blockstack-storage/core';
import { AppConfig, UserSession } from '@stacks/auth';
import { connectToGaiaHub, type GaiaHubConfig, Storage } from '@stacks/storage';
import { afterEach, describe, expect, it } from 'vitest';
import { FileStore, type RunningHub, type StartHubOptions, startHub } from '../src/index.js';
import { makeAppKey } from './support/hub.js';
import { diskWithOutages, type OutageDriver } from './support/outage-driver.js';

/** One attempt per call, so a driver that is down fails the request at once. */
const policy = { retries: 0, timeoutMs: 10_000 };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A hub over two disk drivers, `a` (required, the arbiter) and `b` (optional), and a client of it. */
async function twoDriverHub(
  options: { aCanList?: boolean; hub?: Partial<StartHubOptions> } = {},
): Promise<{ hub: RunningHub; a: OutageDriver; b: OutageDriver; client: HubClient; appPrivateKey: string }> {
  const a = await diskWithOutages('a', { canList: options.aCanList ?? true });
  const b = await diskWithOutages('b');
  cleanups.push(
    () => a.remove(),
    () => b.remove(),
  );
  const hub = await startHub({ drivers: [a, b], requiredWrite: ['a'], policy, ...options.hub });
  cleanups.push(() => hub.close());
  const appPrivateKey = makeAppKey().privateKey;
  const config = await connectToGaiaHub(hub.url, appPrivateKey);
  return { hub, a, b, client: new HubClient(hub, config), appPrivateKey };
}

/** Raw hub requests answering with the status (and body), as `@stacks/storage` sends them. */
class HubClient {
  constructor(
    readonly hub: RunningHub,
    readonly config: GaiaHubConfig,
  ) {}

  async store(path: string, body: string, headers: Record<string, string> = {}) {
    const response = await fetch(`${this.hub.url}/store/${this.config.address}/${path}`, {
      method: 'POST',
      headers: { Authorization: `bearer ${this.config.token}`, 'Content-Type': 'text/plain', ...headers },
      body,
    });
    return { status: response.status, body: (await response.json()) as { etag?: string } };
  }

  async delete(path: string): Promise<number> {
    const response = await fetch(`${this.hub.url}/delete/${this.config.address}/${path}`, {
      method: 'DELETE',
      headers: { Authorization: `bearer ${this.config.token}` },
    });
    await response.arrayBuffer();
    return response.status;
  }

  async read(path: string, method = 'GET'): Promise<{ status: number; text: string }> {
    const response = await fetch(`${this.hub.readUrl}${this.config.address}/${path}`, { method });
    return { status: response.status, text: await response.text() };
  }

  /** Every page of list-files. */
  async list(stat = false): Promise<unknown[]> {
    const entries: unknown[] = [];
    let page: string | null = null;
    do {
      const response = await fetch(`${this.hub.url}/list-files/${this.config.address}`, {
        method: 'POST',
        headers: { Authorization: `bearer ${this.config.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ page, stat }),
      });
      expect(response.status).toBe(202);
      const body = (await response.json()) as { entries: unknown[]; page: string | null };
      entries.push(...body.entries);
      page = body.page;
    } while (page !== null);
    return entries;
  }

  key(path: string): string {
    return `${this.config.address}/${path}`;
  }
}

/** The header of what `driver` holds for `key` (`null` when it holds nothing), read around the hub. */
async function storedHeader(driver: StorageDriver, key: string): Promise<Record<string, unknown> | null> {
  const found = await driver.getMutable(key);
  if (found === null) return null;
  const text = new TextDecoder().decode(await readBody(found.body));
  return JSON.parse(text.split('\n')[1]!) as Record<string, unknown>;
}

describe('a delete that a driver missed', () => {
  it('stays deleted when the driver comes back: reads, HEAD, listings and deletes answer as if absent', async () => {
    const { a, b, client } = await twoDriverHub();
    const first = await client.store('gone.txt', 'one', { 'If-None-Match': '*' });
    expect((await client.store('gone.txt', 'two', { 'If-Match': first.body.etag! })).status).toBe(202);
    expect((await client.store('kept.txt', 'kept')).status).toBe(202);

    b.down = true;
    expect(await client.delete('gone.txt')).toBe(202);
    b.down = false;
    // b still holds version 2: the hub must not serve it.
    expect(await storedHeader(b, client.key('gone.txt'))).toMatchObject({ version: 2 });

    expect(await client.read('gone.txt')).toEqual({ status: 404, text: expect.any(String) });
    expect((await client.read('gone.txt', 'HEAD')).status).toBe(404);
    expect(await client.list()).toEqual(['kept.txt']);
    expect(((await client.list(true)) as { name: string }[]).map((entry) => entry.name)).toEqual([
      'kept.txt',
    ]);
    expect(await client.delete('gone.txt')).toBe(404);
    expect(await storedHeader(a, client.key('gone.txt'))).toMatchObject({ version: 3, deleted: true });
  });

  it('a store over it succeeds with If-None-Match: * and continues above the stale copy', async () => {
    const { a, b, client } = await twoDriverHub();
    const first = await client.store('again.txt', 'one', { 'If-None-Match': '*' });
    expect((await client.store('again.txt', 'two', { 'If-Match': first.body.etag! })).status).toBe(202);
    b.down = true;
    expect(await client.delete('again.txt')).toBe(202);
    b.down = false;

    expect((await client.store('again.txt', 'three', { 'If-Match': first.body.etag! })).status).toBe(412);
    expect((await client.store('again.txt', 'three', { 'If-None-Match': '*' })).status).toBe(202);
    expect(await client.read('again.txt')).toEqual({ status: 200, text: 'three' });
    // Version 1 and 2 stored, 3 the tombstone, 4 the new file: on both drivers, the stale one included.
    expect(await storedHeader(a, client.key('again.txt'))).toMatchObject({ version: 4 });
    expect(await storedHeader(b, client.key('again.txt'))).toMatchObject({ version: 4 });
    expect(await client.list()).toEqual(['again.txt']);
  });

  it('is not listed when the listing driver itself is the one that missed it', async () => {
    // `a` cannot list, so the hub lists `b`, which still holds the file.
    const { b, client } = await twoDriverHub({ aCanList: false });
    expect((await client.store('stale-list.txt', 'x')).status).toBe(202);
    expect((await client.store('other.txt', 'y')).status).toBe(202);
    b.down = true;
    expect(await client.delete('stale-list.txt')).toBe(202);
    b.down = false;
    expect(await storedHeader(b, client.key('stale-list.txt'))).not.toBeNull();
    expect(await client.list()).toEqual(['other.txt']);
    expect(((await client.list(true)) as { name: string }[]).map((entry) => entry.name)).toEqual([
      'other.txt',
    ]);
  });

  it('leaves full pages, so @stacks/storage lists every live file past pages of deleted ones', async () => {
    // The hub lists b, which missed the deletes: its listing starts with more than a page of them.
    const { hub, b, client, appPrivateKey } = await twoDriverHub({
      aCanList: false,
      hub: { listPageSize: 3 },
    });
    const names = Array.from({ length: 10 }, (_, i) => `file-${i}.txt`);
    for (const name of names) expect((await client.store(name, name)).status).toBe(202);
    b.down = true;
    for (const name of names.slice(0, 5)) expect(await client.delete(name)).toBe(202);
    b.down = false;

    const session = new UserSession({ appConfig: new AppConfig(['store_write'], 'http://localhost:3000') });
    const data = session.store.getSessionData();
    data.userData = { appPrivateKey, hubUrl: hub.url } as never;
    session.store.setSessionData(data);
    const listed: string[] = [];
    const count = await new Storage({ userSession: session }).listFiles((name) => listed.push(name) > 0);
    expect(listed).toEqual(names.slice(5));
    expect(count).toBe(5);
  });
});

describe('a delete every driver took', () => {
  it('removes the objects, so nothing is left behind on any driver', async () => {
    const { a, b, client } = await twoDriverHub();
    expect((await client.store('clean.txt', 'x')).status).toBe(202);
    expect(await client.delete('clean.txt')).toBe(202);
    expect(await a.getMutable(client.key('clean.txt'))).toBeNull();
    expect(await b.getMutable(client.key('clean.txt'))).toBeNull();
    expect(await client.delete('clean.txt')).toBe(404);
    expect((await client.store('clean.txt', 'y', { 'If-None-Match': '*' })).status).toBe(202);
    expect(await client.read('clean.txt')).toEqual({ status: 200, text: 'y' });
  });
});

describe('a delete with removeTombstones: false', () => {
  it('leaves the tombstones on every driver, and the file absent', async () => {
    const { a, b, client } = await twoDriverHub({ hub: { removeTombstones: false } });
    expect((await client.store('kept-tombstone.txt', 'x')).status).toBe(202);
    expect(await client.delete('kept-tombstone.txt')).toBe(202);
    for (const driver of [a, b]) {
      expect(await storedHeader(driver, client.key('kept-tombstone.txt'))).toMatchObject({
        version: 2,
        deleted: true,
      });
    }
    expect((await client.read('kept-tombstone.txt')).status).toBe(404);
    expect(await client.list()).toEqual([]);
    expect(await client.delete('kept-tombstone.txt')).toBe(404);
  });
});

describe('a delete racing a store', () => {
  it('never leaves bytes a delete removed readable, over many rounds, with a driver down in half of them', async () => {
    const { b, client } = await twoDriverHub();
    const rounds = 24;
    for (let round = 0; round < rounds; round++) {
      const path = `race/${round}.txt`;
      // Version 2, so a stale copy left on b outranks a file written afresh after a bare delete.
      expect((await client.store(path, 'base 1', { 'If-None-Match': '*' })).status).toBe(202);
      expect((await client.store(path, 'base')).status).toBe(202);
      b.down = round % 2 === 1;
      const [stored, deleted] = await Promise.all([client.store(path, `new ${round}`), client.delete(path)]);
      b.down = false;
      expect(stored.status).toBe(202);
      expect(deleted).toBe(202);
      // Whichever of the two the arbiter ordered last decides; the base file both replaced never returns.
      const read = await client.read(path);
      if (read.status === 200) {
        expect(read.text).toBe(`new ${round}`);
        expect(await client.delete(path)).toBe(202);
      } else {
        expect(read.status).toBe(404);
      }
      expect((await client.read(path)).status).toBe(404);
    }
    // With every driver back, every file stays deleted.
    expect(await client.list()).toEqual([]);
    for (let round = 0; round < rounds; round++) {
      expect((await client.read(`race/${round}.txt`)).status).toBe(404);
    }
  }, 60_000);
});

describe("removing a delete's tombstones", () => {
  it('keeps out the stores of this process while it runs, so it never deletes what one wrote', async () => {
    const a = await diskWithOutages('a');
    const b = await diskWithOutages('b');
    cleanups.push(
      () => a.remove(),
      () => b.remove(),
    );
    const store = new FileStore({ drivers: [a, b], requiredWrite: ['a'], policy });
    const key = 'someone/racy.txt';
    const text = (value: string) => new TextEncoder().encode(value);
    await store.store(key, text('first'), 'text/plain', {});

    let racing: Promise<unknown> | undefined;
    let readsDuringRemoval = -1;
    a.beforeCall = async (operation) => {
      if (operation !== 'deleteMutable') return;
      // The removal's first delete: a store starting now must wait until the removal is done.
      a.beforeCall = undefined;
      let reads = 0;
      b.beforeCall = (op) => {
        if (op === 'getMutable') reads++;
      };
      racing = store.store(key, text('second'), 'text/plain', {});
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
      readsDuringRemoval = reads;
    };
    await store.delete(key);
    await racing;
    expect(readsDuringRemoval).toBe(0);
    const found = await store.newest(key);
    expect(new TextDecoder().decode(await readBody(found!.body))).toBe('second');
    expect(found!.header.version).toBe(1);
  });
});
