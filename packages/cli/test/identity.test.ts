import { defaultDataKeyPath, parseClientConfig } from '@blockstack-storage/core';
import { describe, expect, it } from 'vitest';
import { resolveIdentity } from '../src/identity.js';

const HEAD =
  '[blockstack-client]\nstorage_drivers = disk\nstorage_drivers_required_write = disk\nmetadata = /m\n';
// A path where no file exists: the identity must come from the config as loaded, not from a second read.
const PATH = '/nonexistent/bss-cli-identity/client.ini';

describe('resolveIdentity', () => {
  it('takes name and data_key from the loaded config without reading the file again', async () => {
    const config = parseClientConfig(`${HEAD}name = alice.id\ndata_key = /keys/alice.key\n`, {
      path: PATH,
      env: {},
    });
    expect(await resolveIdentity(config)).toEqual({ name: 'alice.id', dataKeyPath: '/keys/alice.key' });
  });

  it("puts the key where the core's openStorage looks when data_key is not set, and --name wins", async () => {
    const config = parseClientConfig(`${HEAD}name = alice.id\n`, { path: PATH, env: {} });
    expect(await resolveIdentity(config)).toEqual({
      name: 'alice.id',
      dataKeyPath: defaultDataKeyPath('/m', 'alice.id'),
    });
    expect((await resolveIdentity(config, 'bob.id')).name).toBe('bob.id');
  });

  it('says how to set a name when there is none', async () => {
    const config = parseClientConfig(HEAD, { path: PATH, env: {} });
    const error = (await resolveIdentity(config).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error & { hint?: string };
    expect(error.message).toContain(`${PATH} [blockstack-client]: no name is set`);
    expect(error.hint).toContain('--name');
  });
});
