import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  DriverLoader,
  type DriverModule,
  openConfiguredDrivers,
  parseClientConfig,
  readBody,
  resolveClientConfig,
  type StorageDriver,
} from '../../src/index.js';
import { createMemoryDriver } from '../support/memory-driver.js';

// Meta drivers (issue 16): a section may name other sections (`inner = a, b`) whose drivers it wraps,
// through `DriverFactoryContext.openSection`; those sections need not be in storage_drivers.

interface Log {
  created: string[];
  closed: string[];
  /** The inner drivers each meta driver got, by its section. */
  inner: Map<string, StorageDriver[]>;
}

/** A memory driver module whose instances record their creation, `tag` key and close. */
function memoryModule(log: Log): DriverModule {
  return {
    name: 'memory',
    configKeys: ['tag', 'fail'],
    create: (section, context = {}) => {
      if (section.fail === 'true') throw new ConfigurationError(`[memory] fails on purpose`);
      log.created.push(`${context.instance}:${section.tag ?? ''}`);
      const driver = createMemoryDriver({
        name: 'memory',
        publicUrl: `https://example.test/${context.instance}`,
      });
      return { ...driver, close: async () => void log.closed.push(context.instance ?? '?') };
    },
  };
}

/** A meta driver writing to every section its `inner` key names (a plain mirror), reading the first. */
function pairModule(log: Log): DriverModule {
  return {
    name: 'pair',
    configKeys: ['inner'],
    create: async (section, context = {}) => {
      const inner: StorageDriver[] = [];
      for (const name of (section.inner ?? '').split(',').map((s) => s.trim())) {
        inner.push(await context.openSection!(name));
      }
      log.inner.set(context.instance ?? '?', inner);
      const first = inner[0]!;
      return {
        ...first,
        name: 'pair',
        putMutable: async (id: string, body: Uint8Array) => {
          for (const driver of inner) await driver.putMutable(id, body);
          return {};
        },
        close: async () => {
          log.closed.push(context.instance ?? '?');
          await Promise.all(inner.map((d) => d.close?.()));
        },
      } as StorageDriver;
    },
  };
}

function setup(ini: string, env: Record<string, string> = {}) {
  const log: Log = { created: [], closed: [], inner: new Map() };
  const loader = new DriverLoader().register(memoryModule(log)).register(pairModule(log));
  const config = parseClientConfig(ini, { path: '/etc/bs/client.ini', env });
  return { log, open: () => openConfiguredDrivers(config, loader, env), config };
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as ConfigurationError,
  );

describe('openSection', () => {
  it('opens sections a meta driver names, unlisted, by their section name, with env overrides', async () => {
    const { log, open, config } = setup(
      `[blockstack-client]
storage_drivers = both
storage_drivers_required_write = both
[both]
driver = pair
inner = left, right
[left]
driver = memory
tag = l
[right]
driver = memory
`,
      { BLOCKSTACK_RIGHT_TAG: 'from-env' },
    );
    expect(config.driverSections.right).toEqual({ tag: 'from-env' });
    const opened = await open();
    expect(opened.drivers.map((d) => d.name)).toEqual(['both']);
    const inner = log.inner.get('both')!;
    expect(inner.map((d) => d.name)).toEqual(['left', 'right']);
    expect(log.created).toEqual(['left:l', 'right:from-env']);
    await opened.drivers[0]!.putMutable('x', new TextEncoder().encode('hi'));
    const back = await inner[1]!.getMutable('x');
    expect(new TextDecoder().decode(await readBody(back!.body))).toBe('hi');
    await opened.drivers[0]!.close?.();
    expect(log.closed.sort()).toEqual(['both', 'left', 'right']);
  });

  it('refuses a section that is not in the file, naming the file and both sections', async () => {
    const { open } = setup(`[blockstack-client]
storage_drivers = both
storage_drivers_required_write = both
[both]
driver = pair
inner = left, nowhere
[left]
driver = memory
`);
    const error = await failure(open());
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(
      '/etc/bs/client.ini [both]: names section [nowhere], which is not in the file',
    );
  });

  it('refuses [blockstack-client] as a wrapped section', async () => {
    const { open } = setup(`[blockstack-client]
storage_drivers = both
storage_drivers_required_write = both
[both]
driver = pair
inner = blockstack-client
`);
    expect((await failure(open())).message).toContain(
      'names section [blockstack-client], which is not in the file',
    );
  });

  it('refuses a cycle, showing it', async () => {
    const { open } = setup(`[blockstack-client]
storage_drivers = x
storage_drivers_required_write = x
[x]
driver = pair
inner = y
[y]
driver = pair
inner = x
`);
    expect((await failure(open())).message).toContain('[y]: wraps itself: [x] → [y] → [x]');
  });

  it('refuses a section both in storage_drivers and wrapped, and one wrapped twice', async () => {
    const listed = setup(`[blockstack-client]
storage_drivers = both, left
storage_drivers_required_write = both
[both]
driver = pair
inner = left
[left]
driver = memory
`);
    expect((await failure(listed.open())).message).toContain(
      'wraps [left], which is also in storage_drivers',
    );
    const twice = setup(`[blockstack-client]
storage_drivers = one, two
storage_drivers_required_write = one
[one]
driver = pair
inner = shared
[two]
driver = pair
inner = shared
[shared]
driver = memory
`);
    const error = await failure(twice.open());
    expect(error.message).toContain('[two]: wraps [shared], which [one] already wraps');
    // The driver opened before the failure was closed, with the section it wrapped.
    expect(twice.log.closed.sort()).toEqual(['one', 'shared']);
  });

  it('closes the sections a factory opened when the factory then fails', async () => {
    const { log, open } = setup(`[blockstack-client]
storage_drivers = both
storage_drivers_required_write = both
[both]
driver = pair
inner = left, broken
[left]
driver = memory
[broken]
driver = memory
fail = true
`);
    expect((await failure(open())).message).toContain('fails on purpose');
    expect(log.created).toEqual(['left:']);
    expect(log.closed).toEqual(['left']);
  });

  it('keeps today’s behaviour for a section neither listed nor wrapped (an unknown driver is not loaded)', async () => {
    const { open } = setup(`[blockstack-client]
storage_drivers = plain
storage_drivers_required_write = plain
[plain]
driver = memory
[aside]
driver = not-installed
[odd.name]
driver = Not A Name
`);
    const opened = await open();
    expect(opened.drivers.map((d) => d.name)).toEqual(['plain']);
  });

  it('opens unlisted sections of a config built in code too', async () => {
    const log: Log = { created: [], closed: [], inner: new Map() };
    const loader = new DriverLoader().register(memoryModule(log)).register(pairModule(log));
    const config = resolveClientConfig({
      storageDrivers: ['both'],
      requiredWrite: ['both'],
      driverSections: { both: { driver: 'pair', inner: 'left' }, left: { driver: 'memory', tag: 'code' } },
    });
    const opened = await openConfiguredDrivers(config, loader, {});
    expect(log.created).toEqual(['left:code']);
    await opened.drivers[0]!.close?.();
  });
});
