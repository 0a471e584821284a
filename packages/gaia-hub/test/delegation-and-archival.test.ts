import { TokenSigner } from 'jsontokens';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppKey, bearer, hubInfo, makeAppKey, startTestHub, type TestHub } from './support/hub.js';

let hub: TestHub;
let challenge: string;
const identity = makeAppKey();

beforeAll(async () => {
  // Only apps delegated by this identity key may write.
  hub = await startTestHub({ allowedAddresses: [identity.address] });
  challenge = (await hubInfo(hub)).challenge_text;
});
afterAll(async () => {
  await hub.stop();
});

function associationToken(issuer: AppKey, child: AppKey, exp = Date.now() / 1000 + 3600): string {
  return new TokenSigner('ES256K', issuer.privateKey).sign({
    childToAssociate: child.publicKey,
    iss: issuer.publicKey,
    exp,
    iat: Math.floor(Date.now() / 1000),
    salt: '00',
  });
}

async function store(
  key: AppKey,
  path: string,
  auth: string,
  body = 'data',
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${hub.url}/store/${key.address}/${path}`, {
    method: 'POST',
    headers: { Authorization: auth, ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('association tokens', () => {
  it('let an app key delegated by an allowed identity write, and refuse bad delegations with 401', async () => {
    const app = makeAppKey();
    expect((await store(app, 'a.txt', bearer(app, challenge))).status).toBe(401);
    const delegated = bearer(app, challenge, { associationToken: associationToken(identity, app) });
    expect((await store(app, 'a.txt', delegated)).status).toBe(202);

    const expired = bearer(app, challenge, {
      associationToken: associationToken(identity, app, Date.now() / 1000 - 1),
    });
    expect((await store(app, 'b.txt', expired)).status).toBe(401);
    const stranger = makeAppKey();
    const byStranger = bearer(app, challenge, { associationToken: associationToken(stranger, app) });
    expect((await store(app, 'b.txt', byStranger)).status).toBe(401);
    const otherChild = bearer(app, challenge, { associationToken: associationToken(identity, makeAppKey()) });
    expect((await store(app, 'b.txt', otherChild)).status).toBe(401);
  });
});

describe('archival scopes', () => {
  it('keep what a store replaces as a .history. file beside it, hidden from their listing', async () => {
    const app = makeAppKey();
    const auth = bearer(app, challenge, {
      associationToken: associationToken(identity, app),
      scopes: [{ scope: 'putFileArchivalPrefix', domain: 'log/' }],
    });
    const first = await store(app, 'log/today.txt', auth, 'first');
    expect(first.status).toBe(202);
    expect(
      (await store(app, 'log/today.txt', auth, 'second', { 'If-Match': String(first.body.etag) })).status,
    ).toBe(202);
    expect((await store(app, 'elsewhere.txt', auth, 'x')).status).toBe(401);

    const names: string[] = [];
    for await (const id of hub.disk.listMutable!({ prefix: `${app.address}/` })) names.push(id);
    const history = names.filter((name) => name.includes('/log/.history.'));
    expect(history).toHaveLength(1);
    expect(history[0]).toMatch(/\/log\/\.history\.\d+\.[a-z0-9]+\.today\.txt$/);
    expect(await (await fetch(`${hub.readUrl}${history[0]}`)).text()).toBe('first');

    const listed = await fetch(`${hub.url}/list-files/${app.address}`, {
      method: 'POST',
      headers: { Authorization: auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ page: null }),
    });
    expect(((await listed.json()) as { entries: string[] }).entries).toEqual(['log/today.txt']);
  });
});

describe('archival scopes and refused stores', () => {
  it('keep nothing when the store is refused (412), and keep the version a store replaced', async () => {
    const app = makeAppKey();
    const auth = bearer(app, challenge, {
      associationToken: associationToken(identity, app),
      scopes: [{ scope: 'putFileArchival', domain: 'diary.txt' }],
    });
    const first = await store(app, 'diary.txt', auth, 'first', { 'If-None-Match': '*' });
    expect(first.status).toBe(202);
    const historyNames = async () => {
      const names: string[] = [];
      for await (const id of hub.disk.listMutable!({ prefix: `${app.address}/` })) names.push(id);
      return names.filter((name) => name.includes('.history.'));
    };

    expect((await store(app, 'diary.txt', auth, 'lost', { 'If-Match': '"not-its-etag"' })).status).toBe(412);
    expect((await store(app, 'diary.txt', auth, 'lost', { 'If-None-Match': '*' })).status).toBe(412);
    expect(await historyNames()).toEqual([]);

    expect(
      (await store(app, 'diary.txt', auth, 'second', { 'If-Match': String(first.body.etag) })).status,
    ).toBe(202);
    const kept = await historyNames();
    expect(kept).toHaveLength(1);
    expect(await (await fetch(`${hub.readUrl}${kept[0]}`)).text()).toBe('first');
    expect(await (await fetch(`${hub.readUrl}${app.address}/diary.txt`)).text()).toBe('second');
  });
});
