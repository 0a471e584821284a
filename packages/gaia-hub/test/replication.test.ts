import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StorageDriver } from '@blockstack-storage/core';
import { createDiskDriver } from '@blockstack-storage/driver-disk';
import { AppConfig, UserSession } from '@stacks/auth';
import { connectToGaiaHub, type GaiaHubConfig, Storage, uploadToGaiaHub } from '@stacks/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningHub, startHub } from '../src/index.js';
import { makeAppKey } from './support/hub.js';
import { describeWithS3, s3OnTestServer, unreachableS3 } from './support/s3.js';

/** One attempt per call, so a driver that is down fails the request at once. */
const policy = { retries: 0, timeoutMs: 10_000 };

let root: string;
let disk: StorageDriver;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gaia-hub-replication-'));
  disk = createDiskDriver({ root });
  await disk.init?.();
});
afterAll(async () => {
  await disk.close?.();
  await rm(root, { recursive: true, force: true });
});

async function withHub<T>(
  drivers: StorageDriver[],
  requiredWrite: string[],
  use: (hub: RunningHub) => Promise<T>,
): Promise<T> {
  const hub = await startHub({ drivers, requiredWrite, policy });
  try {
    return await use(hub);
  } finally {
    await hub.close();
  }
}

async function status(path: string, config: GaiaHubConfig, init: RequestInit & { url?: string }) {
  const response = await fetch(init.url ?? `${config.server}/store/${config.address}/${path}`, {
    ...init,
    headers: { Authorization: `bearer ${config.token}`, ...init.headers },
  });
  await response.arrayBuffer();
  return response.status;
}

describe('the required-write rule with a driver that is down', () => {
  it('a store and a delete succeed when only an optional driver fails', async () => {
    await withHub([disk, unreachableS3()], ['disk'], async (hub) => {
      const config = await connectToGaiaHub(hub.url, makeAppKey().privateKey);
      const stored = await uploadToGaiaHub('kept.txt', 'kept', config, 'text/plain');
      expect(await (await fetch(stored.publicURL)).text()).toBe('kept');
      expect(
        await status('kept.txt', config, {
          method: 'DELETE',
          url: `${hub.url}/delete/${config.address}/kept.txt`,
        }),
      ).toBe(202);
    });
  });

  it('a store fails with 503 when a required driver fails, naming it', async () => {
    await withHub([disk, unreachableS3()], ['s3'], async (hub) => {
      const config = await connectToGaiaHub(hub.url, makeAppKey().privateKey);
      const response = await fetch(`${hub.url}/store/${config.address}/lost.txt`, {
        method: 'POST',
        headers: { Authorization: `bearer ${config.token}` },
        body: 'lost',
      });
      expect(response.status).toBe(503);
      const body = (await response.json()) as { message: string; error: string };
      expect(body.error).toBe('StorageUnavailableError');
      expect(body.message).toContain('s3 (required)');
    });
  });
});

describeWithS3('a hub over disk and S3 (radosgw)', () => {
  let s3: ReturnType<typeof s3OnTestServer>;
  beforeAll(async () => {
    s3 = s3OnTestServer();
    await s3.driver.init?.();
  });
  afterAll(async () => {
    await s3.removeBucket();
  });

  it('runs the Storage client round trip with both drivers required, and both hold every file', async () => {
    await withHub([disk, s3.driver], ['disk', 's3'], async (hub) => {
      const key = makeAppKey();
      const session = new UserSession({ appConfig: new AppConfig(['store_write'], 'http://localhost:3000') });
      const data = session.store.getSessionData();
      data.userData = { appPrivateKey: key.privateKey, hubUrl: hub.url } as never;
      session.store.setSessionData(data);
      const storage = new Storage({ userSession: session });

      await storage.putFile('both.json', '{"n":1}', { encrypt: true, sign: true });
      await storage.putFile('both.json', '{"n":2}', { encrypt: true, sign: true });
      expect(await storage.getFile('both.json', { decrypt: true, verify: true })).toBe('{"n":2}');
      expect(await disk.getMutable(`${key.address}/both.json`)).not.toBeNull();
      expect(await s3.driver.getMutable(`${key.address}/both.json`)).not.toBeNull();

      const names: string[] = [];
      await storage.listFiles((name) => names.push(name) > 0);
      expect(names).toEqual(['both.json']);
      await storage.deleteFile('both.json');
      expect(await disk.getMutable(`${key.address}/both.json`)).toBeNull();
      expect(await s3.driver.getMutable(`${key.address}/both.json`)).toBeNull();
    });
  });

  it('reads the newest copy when a replica is stale, whatever the read order', async () => {
    const key = makeAppKey();
    const path = 'stale.txt';
    // Version 1 on both drivers, then version 2 through a hub that writes to disk only: S3 is stale.
    await withHub([disk, s3.driver], ['disk', 's3'], async (hub) => {
      const config = await connectToGaiaHub(hub.url, key.privateKey);
      await uploadToGaiaHub(path, 'version 1', config, 'text/plain');
    });
    await withHub([disk], ['disk'], async (hub) => {
      const config = await connectToGaiaHub(hub.url, key.privateKey);
      await uploadToGaiaHub(path, 'version 2', config, 'text/plain', false, undefined, true);
    });
    await withHub([s3.driver, disk], ['s3', 'disk'], async (hub) => {
      expect(await (await fetch(`${hub.readUrl}${key.address}/${path}`)).text()).toBe('version 2');
      // The next store builds on the newest copy (version 3), so S3 catches up.
      const config = await connectToGaiaHub(hub.url, key.privateKey);
      await uploadToGaiaHub(path, 'version 3', config, 'text/plain', false, undefined, true);
    });
    await withHub([s3.driver], ['s3'], async (hub) => {
      expect(await (await fetch(`${hub.readUrl}${key.address}/${path}`)).text()).toBe('version 3');
    });
  });

  it('keeps racing new-file uploads to exactly one 202 over disk and S3', async () => {
    await withHub([disk, s3.driver], ['disk', 's3'], async (hub) => {
      const config = await connectToGaiaHub(hub.url, makeAppKey().privateKey);
      const bodies = Array.from({ length: 16 }, (_, i) => `racer ${i}`);
      const statuses = await Promise.all(
        bodies.map((body) =>
          status('race.txt', config, { method: 'POST', body, headers: { 'If-None-Match': '*' } }),
        ),
      );
      expect(statuses.filter((s) => s === 202)).toHaveLength(1);
      expect(statuses.filter((s) => s === 412)).toHaveLength(15);
    });
  });
});
