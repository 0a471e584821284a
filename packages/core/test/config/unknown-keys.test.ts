import { describe, expect, it } from 'vitest';
import {
  closestKey,
  DriverLoader,
  type DriverModule,
  ErrorCode,
  isStorageError,
  openConfiguredDrivers,
  parseClientConfig,
} from '../../src/index.js';
import { createMemoryDriver } from '../support/memory-driver.js';

function configError(run: () => unknown): Error & { hint?: string } {
  try {
    run();
  } catch (error) {
    expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    return error as Error;
  }
  throw new Error('expected a ConfigurationError');
}

/** The rejection of `promise`; fails the test when it resolves. */
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as Error & { driver?: string; hint?: string },
  );

const HEAD = '[blockstack-client]\nstorage_drivers = mem\nstorage_drivers_required_write = mem\n';

/** A module that records the section it was given and declares `root` and `max_object_bytes`. */
function recordingModule(configKeys?: readonly string[]) {
  const seen: Record<string, string>[] = [];
  const module: DriverModule = {
    name: 'mem',
    ...(configKeys ? { configKeys } : {}),
    create: (section) => {
      seen.push({ ...section });
      return createMemoryDriver({ name: 'mem', visibility: 'public' });
    },
  };
  return { module, seen };
}

describe('[blockstack-client] keys', () => {
  it('refuses a misspelled key, naming file, section and key, suggesting the right one', () => {
    const error = configError(() =>
      parseClientConfig(`${HEAD}storage_read_polcy = first\n`, { path: '/etc/bs/client.ini', env: {} }),
    );
    expect(error.message).toContain(
      '/etc/bs/client.ini [blockstack-client]: unknown key "storage_read_polcy"; did you mean "storage_read_policy"?',
    );
    expect(error.hint).toContain('Rename it to storage_read_policy');
    const retries = configError(() => parseClientConfig(`${HEAD}driver_retries = 0\n`, { env: {} }));
    expect(retries.message).toContain('unknown key "driver_retries"');
    expect(retries.hint).toContain('storage_retries');
  });

  it('accepts every documented key, including name and data_key that the CLI reads', () => {
    const config = parseClientConfig(
      `${HEAD}storage_drivers_local =\nmetadata = /m\nstorage_read_policy = first\nstorage_timeout_ms = 5\nstorage_retries = 1\nname = alice.id\ndata_key = /k\n`,
      { env: {} },
    );
    expect(config.readOrder).toBe('first');
  });

  it('suggests nothing when no key is close', () => {
    const error = configError(() => parseClientConfig(`${HEAD}colour = blue\n`, { env: {} }));
    expect(error.message).toMatch(/unknown key "colour"$|unknown key "colour"\./);
    expect(error.message).not.toContain('did you mean');
  });

  it('closestKey finds misspellings and swaps but not unrelated words', () => {
    expect(closestKey('max_object_byts', ['root', 'max_object_bytes'])).toBe('max_object_bytes');
    expect(closestKey('pubilc_url', ['root', 'public_url'])).toBe('public_url');
    expect(closestKey('rot', ['root', 'public_url'])).toBe('root');
    expect(closestKey('bucket', ['root', 'public_url'])).toBeUndefined();
  });
});

describe('driver sections', () => {
  it('refuses a listed driver without a section beside an unlisted section of a near name', () => {
    const error = configError(() =>
      parseClientConfig(`${HEAD}[mme]\nroot = /r\n`, { path: '/etc/bs/client.ini', env: {} }),
    );
    expect(error.message).toContain(
      '/etc/bs/client.ini: storage_drivers lists "mem", which has no [mem] section, and [mme] is not listed; did you mean [mem]?',
    );
    // A section kept aside for a driver not in use, or with another name, is fine.
    expect(parseClientConfig(`${HEAD}[s3]\nbucket = b\n`, { env: {} }).storageDrivers).toEqual(['mem']);
    expect(parseClientConfig(`${HEAD}[mem]\n[mme]\n`, { env: {} }).storageDrivers).toEqual(['mem']);
    expect(parseClientConfig(`${HEAD}[mem-b]\n`, { env: {} }).storageDrivers).toEqual(['mem']);
  });
});

describe('driver section keys', () => {
  it('refuses a key the driver module does not declare, before the module sees it', async () => {
    const { module, seen } = recordingModule(['root', 'max_object_bytes']);
    const config = parseClientConfig(`${HEAD}[mem]\nroot = /r\nmax_object_byts = 10\n`, {
      path: '/etc/bs/client.ini',
      env: {},
    });
    const error = await failure(openConfiguredDrivers(config, new DriverLoader().register(module)));
    expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    expect(error.message).toContain(
      '/etc/bs/client.ini [mem]: unknown key "max_object_byts"; did you mean "max_object_bytes"?',
    );
    expect(error.driver).toBe('mem');
    expect(error.hint).toContain('Known keys of the mem driver: max_object_bytes, root.');
    expect(seen).toEqual([]);
  });

  it('names the environment variable a key may come from, never its value', async () => {
    const { module } = recordingModule(['root']);
    const config = parseClientConfig(`${HEAD}[mem]\nroot = /r\n`, {
      env: { BLOCKSTACK_MEM_API_TOKEN: 'hunter2-secret' },
    });
    const error = await failure(openConfiguredDrivers(config, new DriverLoader().register(module)));
    expect(error.message).toContain('unknown key "api_token"');
    expect(error.hint).toContain('unset BLOCKSTACK_MEM_API_TOKEN');
    expect(`${error.message} ${error.hint}`).not.toContain('hunter2');
  });

  it('checks the section of a named instance against its driver, without the driver key', async () => {
    const { module, seen } = recordingModule(['root']);
    const text = `[blockstack-client]\nstorage_drivers = mem-a\nstorage_drivers_required_write = mem-a\n[mem-a]\ndriver = mem\nroot = /r\n`;
    const opened = await openConfiguredDrivers(
      parseClientConfig(text, { env: {} }),
      new DriverLoader().register(module),
    );
    expect(opened.drivers.map((d) => d.name)).toEqual(['mem-a']);
    expect(seen).toEqual([{ root: '/r' }]);
    const error = await failure(
      openConfiguredDrivers(
        parseClientConfig(`${text}rot = /x\n`, { path: '/c.ini', env: {} }),
        new DriverLoader().register(module),
      ),
    );
    expect(error.message).toContain('/c.ini [mem-a]: unknown key "rot"; did you mean "root"?');
  });

  it('does not check modules that declare no keys (third-party modules written before configKeys)', async () => {
    const { module, seen } = recordingModule();
    const config = parseClientConfig(`${HEAD}[mem]\nanything = goes\n`, { env: {} });
    await openConfiguredDrivers(config, new DriverLoader().register(module));
    expect(seen).toEqual([{ anything: 'goes' }]);
  });
});
