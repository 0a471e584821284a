import { describe, expect, it } from 'vitest';
import {
  assertReplicated,
  ErrorCode,
  isStorageError,
  PermissionError,
  ReplicationCoordinator,
  type ReplicationError,
  type StorageDriver,
  UnavailableError,
} from '../../src/index.js';
import { withChaos } from '../support/chaos-driver.js';
import { createMemoryDriver } from '../support/memory-driver.js';

const bytes = new TextEncoder().encode('hello');
const denied = (driver: string) => new PermissionError('denied', { driver });

function three() {
  const a = withChaos(createMemoryDriver({ name: 'a' }));
  const b = withChaos(createMemoryDriver({ name: 'b', publicUrl: 'http://b.example/' }));
  const c = withChaos(createMemoryDriver({ name: 'c' }));
  return { a, b, c };
}

describe('ReplicationCoordinator', () => {
  it('puts to every driver and reports each with status, duration and URL', async () => {
    const { a, b, c } = three();
    const coordinator = new ReplicationCoordinator({ drivers: [a, b, c], requiredWrite: ['b'] });
    const report = await coordinator.put('mutable', 'k', bytes);
    expect(report.ok).toBe(true);
    expect(report.outcomes.map((o) => [o.driver, o.status, o.required])).toEqual([
      ['a', 'ok', false],
      ['b', 'ok', true],
      ['c', 'ok', false],
    ]);
    expect(report.outcomes[1]!.url).toBe('http://b.example/mutable/k');
    for (const o of report.outcomes) expect(o.durationMs).toBeGreaterThanOrEqual(0);
    expect(a.store.get('mutable/k')).toEqual(bytes);
  });

  it('fails the put when a required driver fails, but not when an optional one does', async () => {
    const { a, b, c } = three();
    const coordinator = new ReplicationCoordinator({ drivers: [a, b, c], requiredWrite: ['a', 'b'] });
    c.chaos.failNext('putMutable', denied('c'));
    const optionalFailed = await coordinator.put('mutable', 'k', bytes);
    expect(optionalFailed.ok).toBe(true);
    expect(optionalFailed.outcomes[2]).toMatchObject({ driver: 'c', status: 'failed', required: false });
    expect(isStorageError(optionalFailed.outcomes[2]!.error, ErrorCode.Permission)).toBe(true);
    assertReplicated(optionalFailed, 'put', 'k');

    b.chaos.failNext('putMutable', denied('b'));
    const requiredFailed = await coordinator.put('mutable', 'k', bytes);
    expect(requiredFailed.ok).toBe(false);
    let thrown: ReplicationError | undefined;
    try {
      assertReplicated(requiredFailed, 'put', 'k');
    } catch (error) {
      thrown = error as ReplicationError;
    }
    expect(isStorageError(thrown, ErrorCode.Replication)).toBe(true);
    expect(thrown!.message).toContain('b (required): BSS_PERMISSION');
    expect(thrown!.outcomes).toHaveLength(3);
  });

  it('with no required-write drivers, succeeds iff some driver succeeded', async () => {
    const { a, b } = three();
    const coordinator = new ReplicationCoordinator({ drivers: [a, b], requiredWrite: [] });
    a.chaos.failNext('deleteImmutable', denied('a'));
    expect((await coordinator.delete('immutable', 'f'.repeat(64))).ok).toBe(true);
    a.chaos.failNext('deleteImmutable', denied('a'));
    b.chaos.failNext('deleteImmutable', denied('b'));
    expect((await coordinator.delete('immutable', 'f'.repeat(64))).ok).toBe(false);
  });

  it('writes to all drivers concurrently', async () => {
    // `a` finishes only once `b` has started: a coordinator that wrote one driver after another would
    // wait for `a` forever and time out.
    let bStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      bStarted = resolve;
    });
    const a = createMemoryDriver({ name: 'a' });
    const b = createMemoryDriver({ name: 'b' });
    const putA = a.putMutable.bind(a);
    const putB = b.putMutable.bind(b);
    a.putMutable = async (...args) => {
      await started;
      return putA(...args);
    };
    b.putMutable = async (...args) => {
      bStarted();
      return putB(...args);
    };
    const coordinator = new ReplicationCoordinator({
      drivers: [a, b],
      requiredWrite: ['a', 'b'],
      policy: { timeoutMs: 2_000, retries: 0 },
    });
    expect((await coordinator.put('mutable', 'k', bytes)).ok).toBe(true);
  });

  it('skips drivers that do not serve a kind of data, and fails if such a driver is required', async () => {
    const mutableOnly: StorageDriver = createMemoryDriver({ name: 'm' });
    Object.assign(mutableOnly, { capabilities: { ...mutableOnly.capabilities, immutable: false } });
    const other = createMemoryDriver({ name: 'o' });
    const optional = new ReplicationCoordinator({ drivers: [mutableOnly, other], requiredWrite: ['o'] });
    const report = await optional.put('immutable', 'a'.repeat(64), bytes);
    expect(report.ok).toBe(true);
    expect(report.outcomes[0]!.status).toBe('skipped');
    const required = new ReplicationCoordinator({ drivers: [mutableOnly, other], requiredWrite: ['m'] });
    const failed = await required.put('immutable', 'a'.repeat(64), bytes);
    expect(failed.ok).toBe(false);
    expect(isStorageError(failed.outcomes[0]!.error, ErrorCode.Unsupported)).toBe(true);
  });

  it('gives one read source per driver serving the kind, in configured order', async () => {
    const { a, b, c } = three();
    await c.putMutable('k', bytes);
    b.chaos.failAlways('getMutable', denied('b'));
    const coordinator = new ReplicationCoordinator({ drivers: [a, b, c], requiredWrite: ['b'] });
    const sources = coordinator.sources('mutable', 'k');
    expect(sources.map((s) => s.name)).toEqual(['a', 'b', 'c']);
    expect(await sources[0]!.fetch()).toBeNull();
    const failure = await sources[1]!.fetch().catch((e: unknown) => e);
    expect(isStorageError(failure, ErrorCode.Permission)).toBe(true);
    expect((await sources[2]!.fetch())?.bytes).toEqual(bytes);
  });

  it('leaves drivers that do not serve a kind out of its read sources', async () => {
    const mutableOnly: StorageDriver = createMemoryDriver({ name: 'm' });
    Object.assign(mutableOnly, { capabilities: { ...mutableOnly.capabilities, immutable: false } });
    const other = createMemoryDriver({ name: 'o' });
    const coordinator = new ReplicationCoordinator({ drivers: [mutableOnly, other], requiredWrite: [] });
    expect(coordinator.sources('immutable', 'a'.repeat(64)).map((s) => s.name)).toEqual(['o']);
    expect(coordinator.sources('mutable', 'k').map((s) => s.name)).toEqual(['m', 'o']);
  });

  it('refuses a copy over the read limit by its declared size, naming the driver', async () => {
    const { a } = three();
    await a.putMutable('k', new Uint8Array(2048));
    const coordinator = new ReplicationCoordinator({
      drivers: [a],
      requiredWrite: [],
      policy: { maxReadBytes: 1024 },
    });
    const failure = await coordinator
      .sources('mutable', 'k')[0]!
      .fetch()
      .catch((e: unknown) => e);
    expect(isStorageError(failure, ErrorCode.TooLarge)).toBe(true);
    expect((failure as { driver?: string }).driver).toBe('a');
  });

  it('reads a URL a driver claims with the policy applied once: retries + 1 attempts, not squared', async () => {
    const claimer: StorageDriver = createMemoryDriver({ name: 'claimer' });
    let calls = 0;
    Object.assign(claimer, {
      handlesUrl: (url: string) => url.startsWith('claim://'),
      getUrl: async () => {
        calls++;
        throw new UnavailableError('provider down', { driver: 'claimer' });
      },
    });
    const coordinator = new ReplicationCoordinator({
      drivers: [claimer],
      requiredWrite: [],
      policy: { retries: 2, baseDelayMs: 1, maxDelayMs: 2 },
    });
    const [source] = coordinator.urlSources(['claim://alice/k']);
    const failure = await source!.fetch().catch((e: unknown) => e);
    expect(isStorageError(failure, ErrorCode.Unavailable)).toBe(true);
    expect(calls).toBe(3);
  });
});
