import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  isStorageError,
  loadClientConfig,
  parseClientConfig,
  resolveClientConfig,
  resolveConfigPath,
} from '../../src/index.js';

const GOOD = `[blockstack-client]
storage_drivers = disk, s3
storage_drivers_required_write = s3
storage_drivers_local = disk
metadata = ~/meta
storage_read_policy = first

[disk]
root = /data

[s3]
bucket = my-bucket
secret_access_key = from-file
`;

function configError(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    return error as Error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('client config', () => {
  it('parses the lists, metadata, policy and driver sections', () => {
    const config = parseClientConfig(GOOD, { path: '/etc/bs/client.ini', home: '/home/u', env: {} });
    expect(config.storageDrivers).toEqual(['disk', 's3']);
    expect(config.requiredWrite).toEqual(['s3']);
    expect(config.local).toEqual(['disk']);
    expect(config.metadataDir).toBe('/home/u/meta');
    expect(config.readOrder).toBe('first');
    expect(config.driverSections.disk).toEqual({ root: '/data' });
    expect(config.driverTimeoutMs).toBe(30_000);
    expect(config.driverRetries).toBe(2);
  });

  it('defaults metadata to ~/.blockstack/metadata and the policy to newest', () => {
    const config = parseClientConfig(
      '[blockstack-client]\nstorage_drivers = s3\nstorage_drivers_required_write = s3\n',
      { home: '/home/u', env: {} },
    );
    expect(config.metadataDir).toBe('/home/u/.blockstack/metadata');
    expect(config.readOrder).toBe('newest');
  });

  it('loads name and data_key of [blockstack-client] once, for the command line', () => {
    const head = '[blockstack-client]\nstorage_drivers = s3\nstorage_drivers_required_write = s3\n';
    const options = { path: '/etc/bs/client.ini', home: '/home/u', env: {} };
    const config = parseClientConfig(`${head}name = alice.id\ndata_key = ~/keys/alice.key\n`, options);
    expect(config.name).toBe('alice.id');
    expect(config.dataKeyPath).toBe('/home/u/keys/alice.key');
    // Kept when the loaded config is handed on (openStorage re-validates the object it is given).
    expect(resolveClientConfig(config)).toMatchObject({
      name: 'alice.id',
      dataKeyPath: '/home/u/keys/alice.key',
    });
    const unset = parseClientConfig(`${head}name =\n`, options);
    expect(unset.name).toBeUndefined();
    expect(unset.dataKeyPath).toBeUndefined();
  });

  it('lets BLOCKSTACK_<SECTION>_<KEY> override or add driver keys, longest driver name winning', () => {
    const text = `[blockstack-client]\nstorage_drivers = s3, s3-eu\nstorage_drivers_required_write = s3\n[s3]\nsecret_access_key = from-file\n`;
    const config = parseClientConfig(text, {
      env: {
        BLOCKSTACK_S3_SECRET_ACCESS_KEY: 'from-env',
        BLOCKSTACK_S3_REGION: 'us-east-1',
        BLOCKSTACK_S3_EU_BUCKET: 'eu-bucket',
      },
    });
    expect(config.driverSections.s3).toEqual({ secret_access_key: 'from-env', region: 'us-east-1' });
    expect(config.driverSections['s3-eu']).toEqual({ bucket: 'eu-bucket' });
  });

  it('enforces at load that some required-write driver is not local, naming file, section and keys', () => {
    const error = configError(() =>
      parseClientConfig(
        '[blockstack-client]\nstorage_drivers = disk\nstorage_drivers_required_write = disk\nstorage_drivers_local = disk\n',
        { path: '/etc/bs/client.ini', env: {} },
      ),
    );
    expect(error.message).toContain('/etc/bs/client.ini [blockstack-client]');
    expect(error.message).toContain('storage_drivers_required_write');
    expect(error.message).toContain('storage_drivers_local');
    expect(error.message).toContain('public_url');
    // No required-write driver at all breaks the rule too.
    configError(() => resolveClientConfig({ storageDrivers: ['s3'] }));
  });

  it('re-validates a loaded config object, keeping its file name in messages', () => {
    const loaded = parseClientConfig(GOOD, { path: '/etc/bs/client.ini', env: {} });
    expect(resolveClientConfig(loaded)).toEqual(loaded);
    const error = configError(() => resolveClientConfig({ ...loaded, requiredWrite: ['disk'] }));
    expect(error.message).toContain('/etc/bs/client.ini [blockstack-client]');
  });

  it('requires every required or local driver to be in storage_drivers', () => {
    const error = configError(() =>
      resolveClientConfig({ storageDrivers: ['s3'], requiredWrite: ['s3'], local: ['disk'] }),
    );
    expect(error.message).toContain('storage_drivers_local lists "disk", which is not in storage_drivers');
    configError(() => resolveClientConfig({ storageDrivers: ['s3'], requiredWrite: ['gcs', 's3'] }));
  });

  it('refuses duplicates, bad names, bad numbers and a missing section', () => {
    configError(() => resolveClientConfig({ storageDrivers: ['s3', 's3'], requiredWrite: ['s3'] }));
    configError(() => resolveClientConfig({ storageDrivers: ['S3!'], requiredWrite: ['S3!'] }));
    configError(() => parseClientConfig('[other]\nk = v\n', { env: {} }));
    configError(() =>
      parseClientConfig(
        '[blockstack-client]\nstorage_drivers = s3\nstorage_drivers_required_write = s3\nstorage_timeout_ms = soon\n',
        { env: {} },
      ),
    );
    configError(() =>
      parseClientConfig(
        '[blockstack-client]\nstorage_drivers = s3\nstorage_drivers_required_write = s3\nstorage_read_policy = random\n',
        { env: {} },
      ),
    );
  });

  it('never puts secret values in errors', () => {
    const error = configError(() =>
      parseClientConfig(
        '[blockstack-client]\nstorage_drivers = s3\nstorage_drivers_local = s3\nstorage_drivers_required_write = s3\n[s3]\nsecret_access_key = hunter2\n',
        { env: { BLOCKSTACK_S3_TOKEN: 'tok-SECRET' } },
      ),
    );
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain('tok-SECRET');
  });

  it('finds the file by argument, then BLOCKSTACK_CLIENT_CONFIG, then ~/.blockstack/client.ini', async () => {
    expect(resolveConfigPath({ home: '/h', env: {} })).toBe('/h/.blockstack/client.ini');
    expect(resolveConfigPath({ home: '/h', env: { BLOCKSTACK_CLIENT_CONFIG: '~/x.ini' } })).toBe('/h/x.ini');
    expect(resolveConfigPath({ path: '/p.ini', env: { BLOCKSTACK_CLIENT_CONFIG: '/x.ini' } })).toBe('/p.ini');

    const dir = await mkdtemp(join(tmpdir(), 'bss-config-'));
    const path = join(dir, 'client.ini');
    await writeFile(path, GOOD.replace('~/meta', 'meta'));
    const config = await loadClientConfig({ env: { BLOCKSTACK_CLIENT_CONFIG: path } });
    expect(config.path).toBe(path);
    expect(config.metadataDir).toBe(join(dir, 'meta'));
    await expect(loadClientConfig({ path: join(dir, 'missing.ini') })).rejects.toThrow(/No client config at/);
  });

  it('reads read_repair (off unless "true"), and refuses other values naming the key', () => {
    const on = parseClientConfig(
      '[blockstack-client]\nstorage_drivers = s3\nstorage_drivers_required_write = s3\nread_repair = true\n',
      {
        path: '/c.ini',
      },
    );
    expect(on.readRepair).toBe(true);
    expect(
      parseClientConfig('[blockstack-client]\nstorage_drivers = s3\nstorage_drivers_required_write = s3\n', {
        path: '/c.ini',
      }).readRepair,
    ).toBe(false);
    expect(() =>
      parseClientConfig(
        '[blockstack-client]\nstorage_drivers = s3\nstorage_drivers_required_write = s3\nread_repair = yes\n',
        {
          path: '/c.ini',
        },
      ),
    ).toThrow(/read_repair must be "true" or "false"/);
  });
});
