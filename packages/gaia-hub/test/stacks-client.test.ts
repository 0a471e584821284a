import { AppConfig, UserSession } from '@stacks/auth';
import { connectToGaiaHub, deleteFromGaiaHub, Storage, uploadToGaiaHub } from '@stacks/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubInfo, makeAppKey, startTestHub, type TestHub } from './support/hub.js';

let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(async () => {
  await hub.stop();
});

/** A signed-in session as an app in Node holds it: the app key and the hub URL, no browser storage. */
function sessionFor(appPrivateKey: string): UserSession {
  const session = new UserSession({ appConfig: new AppConfig(['store_write'], 'http://localhost:3000') });
  const data = session.store.getSessionData();
  data.userData = { appPrivateKey, hubUrl: hub.url } as never;
  session.store.setSessionData(data);
  return session;
}

describe('@stacks/storage hub functions against the hub', () => {
  it('hub_info announces v1 auth, the upload limit and the read URL', async () => {
    const info = await hubInfo(hub);
    expect(info.latest_auth_version).toBe('v1');
    expect(info.max_file_upload_size_megabytes).toBe(20);
    expect(info.read_url_prefix).toBe(hub.readUrl);
    expect(JSON.parse(info.challenge_text)[0]).toBe('gaiahub');
  });

  it('connects, uploads, reads back the exact bytes with the ETag, and deletes', async () => {
    const key = makeAppKey();
    const config = await connectToGaiaHub(hub.url, key.privateKey);
    expect(config.address).toBe(key.address);
    expect(config.url_prefix).toBe(hub.readUrl);

    const bytes = new Uint8Array([0, 1, 2, 255, 10, 13]);
    const stored = await uploadToGaiaHub('dir/raw.bin', bytes, config, 'application/x-test');
    expect(stored.publicURL).toBe(`${hub.readUrl}${key.address}/dir/raw.bin`);
    expect(stored.etag).toMatch(/^"[0-9a-f]{64}"$/);

    const read = await fetch(stored.publicURL);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe(stored.etag);
    expect(read.headers.get('content-type')).toBe('application/x-test');
    expect(new Uint8Array(await read.arrayBuffer())).toEqual(bytes);

    await deleteFromGaiaHub('dir/raw.bin', config);
    expect((await fetch(stored.publicURL)).status).toBe(404);
    await expect(deleteFromGaiaHub('dir/raw.bin', config)).rejects.toMatchObject({ name: 'DoesNotExist' });
  });

  it('refuses a second new-file upload with 412 and takes an overwrite with the returned ETag', async () => {
    const config = await connectToGaiaHub(hub.url, makeAppKey().privateKey);
    const first = await uploadToGaiaHub('note.txt', 'one', config, 'text/plain', true);
    await expect(uploadToGaiaHub('note.txt', 'two', config, 'text/plain', true)).rejects.toMatchObject({
      name: 'PreconditionFailedError',
      hubError: { statusCode: 412 },
    });
    const second = await uploadToGaiaHub('note.txt', 'two', config, 'text/plain', false, first.etag);
    expect(second.etag).not.toBe(first.etag);
    // The first ETag is stale now: an overwrite based on it loses.
    await expect(
      uploadToGaiaHub('note.txt', 'three', config, 'text/plain', false, first.etag),
    ).rejects.toMatchObject({ name: 'PreconditionFailedError' });
    expect(await (await fetch(second.publicURL)).text()).toBe('two');
  });
});

describe('the Storage class against the hub', () => {
  it('puts encrypted and signed, gets decrypted and verified, lists and deletes', async () => {
    const key = makeAppKey();
    const storage = new Storage({ userSession: sessionFor(key.privateKey) });

    const url = await storage.putFile('secret/notes.json', '{"hello":"gaia"}', { encrypt: true, sign: true });
    expect(url).toBe(`${hub.readUrl}${key.address}/secret/notes.json`);
    // What the hub stores is the app's ciphertext, not the text.
    const raw = await (await fetch(url)).text();
    expect(raw).not.toContain('hello');
    expect(JSON.parse(raw)).toHaveProperty('signature');

    expect(await storage.getFile('secret/notes.json', { decrypt: true, verify: true })).toBe(
      '{"hello":"gaia"}',
    );

    // The session now holds the file's ETag, so a second put is an If-Match overwrite.
    await storage.putFile('secret/notes.json', '{"hello":"again"}', { encrypt: true, sign: true });
    expect(await storage.getFile('secret/notes.json', { decrypt: true, verify: true })).toBe(
      '{"hello":"again"}',
    );

    await storage.putFile('plain.txt', 'visible', { encrypt: false });
    expect(await storage.getFile('plain.txt', { decrypt: false })).toBe('visible');

    const names: string[] = [];
    const count = await storage.listFiles((name) => {
      names.push(name);
      return true;
    });
    expect(count).toBe(2);
    expect(names.sort()).toEqual(['plain.txt', 'secret/notes.json']);

    await storage.deleteFile('secret/notes.json');
    await expect(storage.getFile('secret/notes.json')).rejects.toMatchObject({ name: 'DoesNotExist' });
    const after: string[] = [];
    await storage.listFiles((name) => {
      after.push(name);
      return true;
    });
    expect(after).toEqual(['plain.txt']);
  });

  it('lists a bucket over several pages', async () => {
    const paged = await startTestHub({ listPageSize: 3 });
    try {
      const key = makeAppKey();
      const session = new UserSession({ appConfig: new AppConfig(['store_write'], 'http://localhost:3000') });
      const data = session.store.getSessionData();
      data.userData = { appPrivateKey: key.privateKey, hubUrl: paged.url } as never;
      session.store.setSessionData(data);
      const storage = new Storage({ userSession: session });
      const expected = Array.from({ length: 8 }, (_, i) => `file-${i}.txt`);
      for (const name of expected) await storage.putFile(name, name, { encrypt: false });
      const names: string[] = [];
      expect(await storage.listFiles((name) => names.push(name) > 0)).toBe(8);
      expect(names).toEqual(expected);
    } finally {
      await paged.stop();
    }
  });
});
