import { ErrorCode, isStorageError, readBody, type StorageDriver } from '@blockstack-storage/core/driver';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGaiaDriver } from '../src/index.js';
import { makePrivateKey, startTestHub, type TestHub } from './support/hub.js';

const text = (s: string) => new TextEncoder().encode(s);
const read = async (d: StorageDriver, id: string) => {
  const found = await d.getMutable(id);
  return found ? new TextDecoder().decode(await readBody(found.body)) : null;
};
const MiB = 1024 * 1024;

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ listPageSize: 3 });
});
afterAll(() => hub?.stop());
afterEach(() => {
  hub.exchanges.length = 0;
});

async function openDriver(
  options: { prefix?: string; privateKey?: string; tokenLifetimeSeconds?: number } = {},
) {
  const driver = createGaiaDriver({
    hubUrl: hub.url,
    privateKey: options.privateKey ?? makePrivateKey(),
    ...options,
  });
  await driver.init?.();
  return driver;
}

/** Waits until the clock is in a later whole second than `seconds` (token times are whole seconds). */
async function nextSecondAfter(seconds: number): Promise<void> {
  while (Math.floor(Date.now() / 1000) <= seconds) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Revokes every token of the bucket issued before now, as a user's "sign out everywhere" does. */
async function revokeAll(privateKey: string): Promise<void> {
  const { createTokenSigner } = await import('../src/token.js');
  const signer = createTokenSigner(privateKey, 'test', 'gaia');
  const info = (await (await fetch(`${hub.url}/hub_info`)).json()) as { challenge_text: string };
  const now = Math.floor(Date.now() / 1000);
  const response = await fetch(`${hub.url}/revoke-all/${signer.address}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: signer.authorization({
        challengeText: info.challenge_text,
        hubUrl: hub.url,
        issuedAt: now,
        expiresAt: now + 60,
      }),
    },
    body: JSON.stringify({ oldestValidTimestamp: now }),
  });
  expect(response.status).toBe(202);
}

describe('the Gaia wire protocol', () => {
  it('init reads /hub_info: the read URL and the upload limit', async () => {
    const driver = await openDriver();
    expect(hub.exchanges.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual(['GET /hub_info 200']);
    expect(driver.capabilities.maxObjectBytes).toBe(20 * MiB);
    expect(driver.mutableUrl?.('profile')).toMatch(
      new RegExp(`^${hub.readUrl}1[1-9A-HJ-NP-Za-km-z]+/mutable/profile$`),
    );
  });

  it('a store the hub answers with 202 resolves with its ETag and the read URL, where the bytes are', async () => {
    const driver = await openDriver();
    const put = await driver.putMutable('profile', text('{"name":"alice"}'));
    const store = hub.exchanges.find((e) => e.path.startsWith('/store/'));
    expect(store?.status).toBe(202);
    expect(store?.authorization).toMatch(/^bearer v1:[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(put.url).toBe(driver.mutableUrl?.('profile'));
    const response = await fetch(put.url!);
    expect(await response.text()).toBe('{"name":"alice"}');
    expect(response.headers.get('etag')).toBe(put.etag);
  });

  it('sends If-None-Match / If-Match and turns the hub’s 412 into a ConflictError', async () => {
    const driver = await openDriver();
    const first = await driver.putMutable('doc', text('one'), { ifNoneMatch: '*' });
    const refused = await driver
      .putMutable('doc', text('two'), { ifNoneMatch: '*' })
      .catch((e: unknown) => e);
    expect(isStorageError(refused, ErrorCode.Conflict)).toBe(true);
    expect((refused as Error).message).toContain('412');
    expect(hub.exchanges.filter((e) => e.path.includes('/store/')).map((e) => e.status)).toEqual([202, 412]);
    await driver.putMutable('doc', text('three'), { ifMatch: first.etag! });
    expect(await read(driver, 'doc')).toBe('three');
  });

  it('deletes, and a delete of a file that is not there (the hub says 404) resolves', async () => {
    const driver = await openDriver();
    await driver.putMutable('gone', text('x'));
    await driver.deleteMutable('gone');
    await driver.deleteMutable('gone');
    expect(hub.exchanges.filter((e) => e.method === 'DELETE').map((e) => e.status)).toEqual([202, 404]);
    expect(await read(driver, 'gone')).toBeNull();
  });

  it('lists every page of /list-files, and only its own prefix of the bucket', async () => {
    const privateKey = makePrivateKey();
    const inFolder = await openDriver({ privateKey, prefix: 'apps/storage/' });
    const atRoot = await openDriver({ privateKey });
    const ids = Array.from({ length: 8 }, (_, i) => `item-${i}`);
    for (const id of ids) await inFolder.putMutable(id, text(id));
    await atRoot.putMutable('outside', text('not in the folder'));
    const listed: string[] = [];
    for await (const id of inFolder.listMutable!()) listed.push(id);
    expect(listed.sort()).toEqual(ids);
    // Pages of 3 names: the 9 files of the bucket took 3 pages.
    expect(hub.exchanges.filter((e) => e.path.startsWith('/list-files/')).length).toBeGreaterThanOrEqual(3);
    expect(await read(atRoot, 'item-0')).toBeNull();
    expect(inFolder.mutableUrl?.('item-0')).toContain('/apps/storage/mutable/item-0');
  });
});

describe('connecting', () => {
  it("one caller's abort while /hub_info is read does not fail the others waiting for it", async () => {
    const privateKey = makePrivateKey();
    await (await openDriver({ privateKey })).putMutable('shared-connect', text('value'));
    const driver = createGaiaDriver({ hubUrl: hub.url, privateKey });
    const release = hub.holdHubInfo();
    const controller = new AbortController();
    const aborted = driver
      .getMutable('shared-connect', { signal: controller.signal })
      .catch((e: unknown) => e);
    const patient = driver.getMutable('shared-connect');
    while (hub.held === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort(new Error('the first caller gave up'));
    expect(isStorageError(await aborted, ErrorCode.Aborted)).toBe(true);
    release();
    const found = await patient;
    expect(new TextDecoder().decode(await readBody(found!.body))).toBe('value');
  });
});

describe('tokens', () => {
  it('after a revoke-all, a 401 gets a fresh token once and the store goes through', async () => {
    const privateKey = makePrivateKey();
    const driver = await openDriver({ privateKey });
    await driver.putMutable('note', text('before'));
    const firstToken = hub.exchanges.find((e) => e.path.startsWith('/store/'))!.authorization;
    await nextSecondAfter(Math.floor(Date.now() / 1000));
    await revokeAll(privateKey);
    hub.exchanges.length = 0;

    await driver.putMutable('note', text('after'));
    const stores = hub.exchanges.filter((e) => e.path.startsWith('/store/'));
    expect(stores.map((e) => e.status)).toEqual([401, 202]);
    expect(stores[0]!.authorization).toBe(firstToken);
    expect(stores[1]!.authorization).not.toBe(firstToken);
    expect(hub.exchanges.some((e) => e.path === '/hub_info')).toBe(true);
    expect(await read(driver, 'note')).toBe('after');
  });

  it('a streamed store refused for a revoked token fails retryably, and the next one goes through', async () => {
    const privateKey = makePrivateKey();
    const driver = await openDriver({ privateKey });
    await driver.putMutable('stream', text('before'));
    await nextSecondAfter(Math.floor(Date.now() / 1000));
    await revokeAll(privateKey);
    async function* chunks() {
      yield text('streamed ');
      yield text('value');
    }
    const refused = await driver.putMutable('stream', chunks()).catch((e: unknown) => e);
    expect(isStorageError(refused, ErrorCode.Unavailable)).toBe(true);
    expect((refused as { retryable: boolean }).retryable).toBe(true);
    expect(await read(driver, 'stream')).toBe('before');
    await driver.putMutable('stream', chunks());
    expect(await read(driver, 'stream')).toBe('streamed value');
  });

  it('a token is renewed before it expires (no request is refused for an expired one)', async () => {
    const started = Math.floor(Date.now() / 1000);
    const driver = await openDriver({ tokenLifetimeSeconds: 2 });
    await driver.putMutable('a', text('1'));
    // The first token expired (exp ≤ started + 2): sent again, the hub would answer 401.
    await nextSecondAfter(started + 2);
    await driver.putMutable('a', text('2'));
    const stores = hub.exchanges.filter((e) => e.path.startsWith('/store/'));
    expect(stores.map((e) => e.status)).toEqual([202, 202]);
    expect(stores[1]!.authorization).not.toBe(stores[0]!.authorization);
  });

  it('a key the hub does not accept is a PermissionError after one fresh token', async () => {
    const strict = await startTestHub({ allowedAddresses: ['1BoatSLRHtKNngkdXEeobR76b53LETtpyT'] });
    try {
      const driver = createGaiaDriver({ hubUrl: strict.url, privateKey: makePrivateKey() });
      const refused = await driver.putMutable('x', text('x')).catch((e: unknown) => e);
      expect(isStorageError(refused, ErrorCode.Permission)).toBe(true);
      expect(strict.exchanges.filter((e) => e.path.startsWith('/store/')).map((e) => e.status)).toEqual([
        401, 401,
      ]);
    } finally {
      await strict.stop();
    }
  });
});

describe("the hub's upload limit", () => {
  it('a 413 is a TooLargeError naming the limit /hub_info gives now, which the driver then declares', async () => {
    const driver = await openDriver();
    expect(driver.capabilities.maxObjectBytes).toBe(20 * MiB);
    await driver.putMutable('big', text('small first'));
    // The operator lowers the limit while the driver runs.
    hub.reconfigure({ maxFileUploadSizeMegabytes: 1 });
    try {
      const refused = await driver.putMutable('big', new Uint8Array(2 * MiB)).catch((e: unknown) => e);
      expect(isStorageError(refused, ErrorCode.TooLarge)).toBe(true);
      expect((refused as Error).message).toContain('at most 1 megabytes (1048576 bytes');
      expect(hub.exchanges.some((e) => e.path.startsWith('/store/') && e.status === 413)).toBe(true);
      expect(driver.capabilities.maxObjectBytes).toBe(MiB);
      expect(await read(driver, 'big')).toBe('small first');
    } finally {
      hub.reconfigure({});
    }
  });

  it('a streamed store the hub cuts off with 413 is a TooLargeError too, and stores nothing', async () => {
    const driver = await openDriver();
    hub.reconfigure({ maxFileUploadSizeMegabytes: 1 });
    try {
      async function* quarterMegabytes() {
        for (let i = 0; i < 8; i++) yield new Uint8Array(256 * 1024).fill(i);
      }
      const refused = await driver.putMutable('streamed-big', quarterMegabytes()).catch((e: unknown) => e);
      expect(isStorageError(refused, ErrorCode.TooLarge)).toBe(true);
      expect((refused as Error).message).toContain('at most 1 megabytes');
      expect(await driver.getMutable('streamed-big')).toBeNull();
    } finally {
      hub.reconfigure({});
    }
  });
});
