import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage } from '@blockstack-storage/core';
import { ErrorCode, isStorageError } from '@blockstack-storage/core/driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import gaiaDriverModule, { createGaiaDriverFromConfig, GAIA_CONFIG_KEYS } from '../src/index.js';
import { makePrivateKey, startTestHub, type TestHub } from './support/hub.js';

const text = (s: string) => new TextEncoder().encode(s);

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub?.stop());

const configError = (config: Record<string, string>, env: Record<string, string> = {}) => {
  try {
    createGaiaDriverFromConfig(config, { env, configPath: '/home/alice/client.ini' });
  } catch (error) {
    expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('the config was accepted');
};

describe('the [gaia] config section', () => {
  const env = { GAIA_APP_PRIVATE_KEY: makePrivateKey() };

  it('needs hub_url, as an http(s) URL', () => {
    expect(configError({}, env)).toMatch(/\[gaia\] hub_url is required in \/home\/alice\/client\.ini/);
    expect(configError({ hub_url: 'ftp://hub' }, env)).toContain('is not an http(s) URL');
  });

  it('reads the key from GAIA_APP_PRIVATE_KEY, or the variable key_env names, and says which is missing', () => {
    expect(configError({ hub_url: hub.url })).toContain('environment variable GAIA_APP_PRIVATE_KEY');
    expect(configError({ hub_url: hub.url, key_env: 'MY_APP_KEY' }, env)).toContain(
      'environment variable MY_APP_KEY, which is not set',
    );
    const driver = createGaiaDriverFromConfig(
      { hub_url: hub.url, key_env: 'MY_APP_KEY' },
      { env: { MY_APP_KEY: makePrivateKey() } },
    );
    expect(driver.name).toBe('gaia');
  });

  it('checks prefix, read_url and the numbers', () => {
    expect(configError({ hub_url: hub.url, prefix: 'a/../b' }, env)).toContain('is not a folder name');
    expect(configError({ hub_url: hub.url, read_url: 'not a url' }, env)).toContain('is not a URL');
    expect(configError({ hub_url: hub.url, masked_read_attempts: '0' }, env)).toContain(
      'positive whole number',
    );
    expect(configError({ hub_url: hub.url, max_object_bytes: '1.5' }, env)).toContain(
      'positive whole number',
    );
  });

  it('the module declares every key it reads', () => {
    expect(gaiaDriverModule.name).toBe('gaia');
    expect(gaiaDriverModule.configKeys).toEqual(GAIA_CONFIG_KEYS);
  });
});

describe('end to end: openStorage with storage_drivers = gaia', () => {
  let home = '';
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'driver-gaia-e2e-'));
  });
  afterAll(() => rm(home, { recursive: true, force: true }));

  it("stores a user's signed data in the hub's bucket and reads it back", async () => {
    const config = join(home, 'client.ini');
    await writeFile(
      config,
      `[blockstack-client]
storage_drivers = gaia
storage_drivers_required_write = gaia
metadata = ${join(home, 'metadata')}

[gaia]
hub_url = ${hub.url}
prefix = blockstack-storage
`,
    );
    const env = { GAIA_APP_PRIVATE_KEY: makePrivateKey() };
    const storage = await openStorage({ name: 'alice.id', config, env, drivers: [gaiaDriverModule] });
    try {
      await storage.putMutable('profile.json', text('{"name":"Alice"}'));
      const got = await storage.getMutable('profile.json');
      expect(new TextDecoder().decode(got!.data)).toBe('{"name":"Alice"}');
      expect(got?.source).toBe('gaia');
      const stores = hub.exchanges.filter((e) => e.path.startsWith('/store/') && e.status === 202);
      expect(stores.some((e) => /\/blockstack-storage\/mutable\/.*profile\.json/.test(e.path))).toBe(true);
    } finally {
      await storage.close();
    }
  });
});
