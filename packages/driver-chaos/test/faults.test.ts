import {
  ErrorCode,
  isStorageError,
  readBody,
  type StorageDriver,
  type StoredObject,
} from '@blockstack-storage/core/driver';
import { createSkeletonDriver } from '@blockstack-storage/driver-skeleton';
import { describe, expect, it } from 'vitest';
import { type ChaosDriver, createChaosDriver, type FaultRule } from '../src/index.js';

const enc = (text: string) => new TextEncoder().encode(text);
const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

async function text(found: StoredObject | null): Promise<string | null> {
  return found === null ? null : dec(await readBody(found.body));
}

function chaos(rules: FaultRule[], seed: number | string = 1): ChaosDriver {
  return createChaosDriver(createSkeletonDriver(), { seed, rules });
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** Resolves after the event loop has had a few turns: enough for an in-memory op to settle. */
async function ticks(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('error faults', () => {
  it('throws a retryable UnavailableError by default, naming driver and key, and does not store', async () => {
    const driver = chaos([{ fault: { kind: 'error' }, operations: ['putMutable'], schedule: [0] }]);
    const error = await caught(driver.putMutable('a', enc('v1')));
    expect(isStorageError(error, ErrorCode.Unavailable)).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(true);
    expect((error as Error).message).toContain('[skeleton]');
    expect((error as { key: string }).key).toBe('a');
    expect(await driver.getMutable('a')).toBeNull();
  });

  it('throws a non-retryable PermissionError when retryable is false', async () => {
    const driver = chaos([{ fault: { kind: 'error', retryable: false }, schedule: [0] }]);
    const error = await caught(driver.getMutable('a'));
    expect(isStorageError(error, ErrorCode.Permission)).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(false);
  });

  it("when: 'after' stores the value and still reports failure", async () => {
    const driver = chaos([
      { fault: { kind: 'error', when: 'after' }, operations: ['putMutable'], schedule: [0] },
    ]);
    await expect(driver.putMutable('a', enc('landed'))).rejects.toMatchObject({
      code: ErrorCode.Unavailable,
    });
    expect(await text(await driver.getMutable('a'))).toBe('landed');
    expect(driver.chaos.events[0]?.detail).toBe('after the operation completed');
  });

  it('uses a custom error factory', async () => {
    const driver = chaos([
      { fault: { kind: 'error', error: (c) => new RangeError(c.operation) }, schedule: [0] },
    ]);
    await expect(driver.deleteMutable('x')).rejects.toThrow(RangeError);
  });

  it('applies to lists too', async () => {
    const driver = chaos([{ fault: { kind: 'error' }, operations: ['listMutable'], schedule: [0] }]);
    const consume = async () => {
      for await (const _ of driver.listMutable!()) void _;
    };
    await expect(consume()).rejects.toMatchObject({ code: ErrorCode.Unavailable });
    await expect(consume()).resolves.toBeUndefined();
  });
});

describe('delays, hangs and timeouts', () => {
  it('delays an operation that then completes normally', async () => {
    const driver = chaos([{ fault: { kind: 'delay', ms: { min: 1, max: 3 } }, probability: 1 }]);
    await driver.putMutable('a', enc('v1'));
    expect(await text(await driver.getMutable('a'))).toBe('v1');
    const delays = driver.chaos.events.map((e) => Number.parseInt(e.detail ?? '', 10));
    expect(delays).toHaveLength(2);
    for (const ms of delays) expect(ms === 1 || ms === 2 || ms === 3).toBe(true);
  });

  it('a delay is cut short by the abort signal', async () => {
    const driver = chaos([{ fault: { kind: 'delay', ms: 60_000 }, probability: 1 }]);
    const controller = new AbortController();
    const pending = driver.putMutable('a', enc('v1'), { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.Aborted });
    driver.chaos.pause(true);
    expect(await driver.getMutable('a')).toBeNull();
  });

  it('a hang never settles until the signal aborts, then throws AbortedError and stores nothing', async () => {
    const driver = chaos([{ fault: { kind: 'hang' }, operations: ['putMutable'], schedule: [0] }]);
    const controller = new AbortController();
    let settled = false;
    const pending = driver.putMutable('a', enc('v1'), { signal: controller.signal }).finally(() => {
      settled = true;
    });
    await ticks();
    expect(settled).toBe(false);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.Aborted });
    expect(await driver.getMutable('a')).toBeNull();
  });

  it('a timeout throws a retryable TimeoutError', async () => {
    const driver = chaos([{ fault: { kind: 'timeout' }, operations: ['getMutable'], schedule: [0] }]);
    const error = await caught(driver.getMutable('a'));
    expect(isStorageError(error, ErrorCode.Timeout)).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(true);
  });
});

describe('stale reads', () => {
  it('return a value once stored under the key, never the current one or invented bytes', async () => {
    const driver = chaos([{ fault: { kind: 'staleRead' }, operations: ['getMutable'], probability: 1 }]);
    for (const v of ['v1', 'v2', 'v3']) await driver.putMutable('k', enc(v));
    const seen = new Set<string | null>();
    for (let i = 0; i < 30; i++) seen.add(await text(await driver.getMutable('k')));
    expect([...seen].every((v) => v === 'v1' || v === 'v2')).toBe(true);
    expect(seen.size).toBe(2);
    expect(driver.chaos.counts().staleRead).toBe(30);
  });

  it('pass through when there is no older value', async () => {
    const driver = chaos([{ fault: { kind: 'staleRead' }, probability: 1 }]);
    await driver.putMutable('k', enc('only'));
    expect(await text(await driver.getMutable('k'))).toBe('only');
    expect(driver.chaos.events).toHaveLength(0);
  });

  it('can resurrect a deleted value, as a lagging replica would', async () => {
    const driver = chaos([{ fault: { kind: 'staleRead' }, operations: ['getMutable'], schedule: [0] }]);
    await driver.putMutable('k', enc('gone'));
    await driver.deleteMutable('k');
    expect(await text(await driver.getMutable('k'))).toBe('gone');
    expect(await driver.getMutable('k')).toBeNull();
  });

  it('keep the two namespaces apart', async () => {
    const hash = 'a'.repeat(64);
    const driver = chaos([{ fault: { kind: 'staleRead' }, probability: 1 }]);
    await driver.putImmutable(hash, enc('i1'));
    await driver.putMutable(hash, enc('m1'));
    await driver.putMutable(hash, enc('m2'));
    expect(await text(await driver.getImmutable(hash))).toBe('i1');
    expect(await text(await driver.getMutable(hash))).toBe('m1');
  });
});

describe('lost writes', () => {
  it('acknowledge a put that never lands', async () => {
    const driver = chaos([{ fault: { kind: 'lostWrite' }, operations: ['putMutable'], schedule: [1] }]);
    await driver.putMutable('k', enc('v1'));
    await expect(driver.putMutable('k', enc('v2'))).resolves.toBeDefined();
    expect(await text(await driver.getMutable('k'))).toBe('v1');
    expect(driver.chaos.events.map((e) => e.kind)).toEqual(['lostWrite']);
  });

  it('acknowledge a delete that never lands', async () => {
    const driver = chaos([{ fault: { kind: 'lostWrite' }, operations: ['deleteMutable'], probability: 1 }]);
    await driver.putMutable('k', enc('v1'));
    await driver.deleteMutable('k');
    expect(await text(await driver.getMutable('k'))).toBe('v1');
  });

  it('a lost value is never served by a later stale read', async () => {
    const driver = chaos([
      { fault: { kind: 'lostWrite' }, operations: ['putMutable'], schedule: [1] },
      { fault: { kind: 'staleRead' }, probability: 1 },
    ]);
    await driver.putMutable('k', enc('v1'));
    await driver.putMutable('k', enc('lost'));
    await driver.putMutable('k', enc('v3'));
    for (let i = 0; i < 10; i++) expect(await text(await driver.getMutable('k'))).toBe('v1');
  });
});

describe('conditional writes through the chaos driver', () => {
  it('pass the options through: a failed condition is refused with ConflictError', async () => {
    const driver = chaos([]);
    expect(driver.capabilities.conditionalWrites).toBe(true);
    const first = await driver.putMutable('k', enc('v1'), { ifNoneMatch: '*' });
    expect(first.etag).toBeDefined();
    await expect(driver.putMutable('k', enc('v2'), { ifNoneMatch: '*' })).rejects.toMatchObject({
      code: ErrorCode.Conflict,
    });
    await expect(driver.putMutable('k', enc('v2'), { ifMatch: '"other"' })).rejects.toMatchObject({
      code: ErrorCode.Conflict,
    });
    await driver.putMutable('k', enc('v2'), { ifMatch: first.etag });
    expect(await text(await driver.getMutable('k'))).toBe('v2');
  });

  it('a lost write never acknowledges a conditional put whose condition fails', async () => {
    const driver = chaos([{ fault: { kind: 'lostWrite' }, operations: ['putMutable'], probability: 1 }]);
    await driver.inner.putMutable('k', enc('v1'));
    await expect(driver.putMutable('k', enc('v2'), { ifNoneMatch: '*' })).rejects.toMatchObject({
      code: ErrorCode.Conflict,
    });
    await expect(driver.putMutable('k', enc('v2'), { ifMatch: '"stale"' })).rejects.toMatchObject({
      code: ErrorCode.Conflict,
    });
    expect(driver.chaos.counts().lostWrite).toBeUndefined();
    expect(await text(await driver.getMutable('k'))).toBe('v1');
  });

  it('a lost conditional put whose condition holds is acknowledged with an etag that matches nothing', async () => {
    const driver = chaos([{ fault: { kind: 'lostWrite' }, operations: ['putMutable'], schedule: [0] }]);
    const stored = await driver.inner.putMutable('k', enc('v1'));
    const lost = await driver.putMutable('k', enc('v2'), { ifMatch: stored.etag });
    expect(driver.chaos.counts().lostWrite).toBe(1);
    expect(lost.etag).toBeDefined();
    expect(lost.etag).not.toBe(stored.etag);
    expect(await text(await driver.getMutable('k'))).toBe('v1');
    // A write based on the lost one finds the provider's real state: refused.
    await expect(driver.putMutable('k', enc('v3'), { ifMatch: lost.etag })).rejects.toMatchObject({
      code: ErrorCode.Conflict,
    });
    await driver.putMutable('k', enc('v3'), { ifMatch: stored.etag });
    expect(await text(await driver.getMutable('k'))).toBe('v3');
  });

  it('a stale read carries the etag its value was stored under, so a write based on it is refused', async () => {
    const driver = chaos([{ fault: { kind: 'staleRead' }, operations: ['getMutable'], schedule: [0] }]);
    const first = await driver.putMutable('k', enc('v1'));
    await driver.putMutable('k', enc('v2'));
    const stale = (await driver.getMutable('k'))!;
    expect(dec(await readBody(stale.body))).toBe('v1');
    expect(stale.etag).toBe(first.etag);
    await expect(driver.putMutable('k', enc('v3'), { ifMatch: stale.etag })).rejects.toMatchObject({
      code: ErrorCode.Conflict,
    });
  });

  it('a lost put on a driver with conditional writes still returns an etag', async () => {
    const driver = chaos([{ fault: { kind: 'lostWrite' }, operations: ['putMutable'], schedule: [0] }]);
    expect((await driver.putMutable('k', enc('v1'))).etag).toMatch(/^"chaos-lost-/);
  });
});

describe('torn and flipped bytes', () => {
  const value = enc('0123456789abcdefghijklmnopqrstuvwxyz');

  it('a torn response is a strict prefix, with the size the provider reported', async () => {
    const driver = chaos([{ fault: { kind: 'tornResponse' }, probability: 1 }]);
    await driver.putMutable('k', value);
    for (let i = 0; i < 10; i++) {
      const found = (await driver.getMutable('k'))!;
      const bytes = await readBody(found.body);
      expect(bytes.byteLength).toBeLessThan(value.byteLength);
      expect(Buffer.from(bytes).equals(Buffer.from(value.subarray(0, bytes.byteLength)))).toBe(true);
      expect(found.size).toBe(value.byteLength);
    }
  });

  it('flipped bytes on read differ in exactly `count` bits and leave the stored value intact', async () => {
    const driver = chaos([
      { fault: { kind: 'flippedBytes', count: 3 }, operations: ['getMutable'], schedule: [0] },
    ]);
    await driver.putMutable('k', value);
    const bytes = await readBody((await driver.getMutable('k'))!.body);
    expect(bytes.byteLength).toBe(value.byteLength);
    expect(bitDistance(bytes, value)).toBe(3);
    expect(Buffer.from(await readBody((await driver.getMutable('k'))!.body)).equals(Buffer.from(value))).toBe(
      true,
    );
  });

  it('flipped bytes on put store a corrupted value', async () => {
    const driver = chaos([{ fault: { kind: 'flippedBytes' }, operations: ['putImmutable'], schedule: [0] }]);
    const hash = 'b'.repeat(64);
    await driver.putImmutable(hash, value);
    const stored = await readBody((await driver.inner.getImmutable(hash))!.body);
    expect(bitDistance(stored, value)).toBe(1);
  });

  it('does not touch the caller’s buffer', async () => {
    const driver = chaos([{ fault: { kind: 'flippedBytes' }, probability: 1 }]);
    const mine = value.slice();
    await driver.putMutable('k', mine);
    expect(Buffer.from(mine).equals(Buffer.from(value))).toBe(true);
  });

  it('streamed puts with a known size are buffered, flipped and stored', async () => {
    const driver = chaos([{ fault: { kind: 'flippedBytes' }, operations: ['putMutable'], probability: 1 }]);
    async function* stream() {
      yield value.subarray(0, 10);
      yield value.subarray(10);
    }
    await driver.putMutable('k', stream(), { size: value.byteLength });
    const stored = await readBody((await driver.inner.getMutable('k'))!.body);
    expect(bitDistance(stored, value)).toBe(1);
  });
});

describe('targeting, schedules and replay', () => {
  it('a schedule counts only the calls the rule targets', async () => {
    const driver = chaos([{ fault: { kind: 'error' }, operations: ['getMutable'], schedule: [1, 3] }]);
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      await driver.putMutable('k', enc(`v${i}`));
      outcomes.push(
        await driver.getMutable('k').then(
          () => 'ok',
          () => 'fail',
        ),
      );
    }
    expect(outcomes).toEqual(['ok', 'fail', 'ok', 'fail', 'ok']);
  });

  it('a key filter limits the rule', async () => {
    const driver = chaos([{ fault: { kind: 'error' }, keys: (k) => k.startsWith('bad'), probability: 1 }]);
    await driver.putMutable('good', enc('x'));
    await expect(driver.putMutable('bad-1', enc('x'))).rejects.toMatchObject({ code: ErrorCode.Unavailable });
  });

  it('the same seed replays the same faults, whatever the interleaving across keys', async () => {
    const rules: FaultRule[] = [
      { fault: { kind: 'error' }, probability: 0.3 },
      { fault: { kind: 'tornResponse' }, probability: 0.3 },
    ];
    const run = async (driver: StorageDriver & { chaos: ChaosDriver['chaos'] }, order: string[]) => {
      const log: string[] = [];
      for (const key of order) {
        const r = await driver.putMutable(key, enc(`value of ${key}`)).then(
          () => 'ok',
          () => 'err',
        );
        log.push(`${key}:${r}`);
      }
      return log.sort();
    };
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i % 10}`);
    const a = await run(chaos(rules, 99), keys);
    const b = await run(chaos(rules, 99), [...keys].reverse());
    const c = await run(chaos(rules, 100), keys);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(a.some((l) => l.endsWith(':err'))).toBe(true);
    expect(a.some((l) => l.endsWith(':ok'))).toBe(true);
  });

  it('pause turns faults off; reset clears the log and counters', async () => {
    const driver = chaos([{ fault: { kind: 'error' }, schedule: [0] }]);
    driver.chaos.pause(true);
    await driver.putMutable('k', enc('x'));
    driver.chaos.pause(false);
    // The paused call did not count toward the schedule.
    await expect(driver.putMutable('k', enc('x'))).rejects.toBeDefined();
    expect(driver.chaos.counts()).toEqual({ error: 1 });
    driver.chaos.reset();
    expect(driver.chaos.events).toHaveLength(0);
    await expect(driver.putMutable('k', enc('x'))).rejects.toBeDefined();
  });

  it('tells added fault listeners of every fault, beside onFault, until removed', async () => {
    const fromOption: string[] = [];
    const driver = createChaosDriver(createSkeletonDriver(), {
      rules: [{ fault: { kind: 'error' }, operations: ['putMutable'], schedule: [0, 1, 2] }],
      onFault: (event) => fromOption.push(event.kind),
    });
    const first: string[] = [];
    const second: string[] = [];
    const removeFirst = driver.chaos.addFaultListener((event) =>
      first.push(`${event.operation}:${event.key}`),
    );
    driver.chaos.addFaultListener((event) => second.push(event.kind));
    await expect(driver.putMutable('a', enc('x'))).rejects.toBeDefined();
    removeFirst();
    await expect(driver.putMutable('b', enc('x'))).rejects.toBeDefined();
    expect(first).toEqual(['putMutable:a']);
    expect(second).toEqual(['error', 'error']);
    expect(fromOption).toEqual(['error', 'error']);
  });

  it('keeps the inner driver’s name and capabilities, or takes a new name', async () => {
    const inner = createSkeletonDriver();
    expect(createChaosDriver(inner).capabilities).toBe(inner.capabilities);
    expect(createChaosDriver(inner).name).toBe('skeleton');
    expect(createChaosDriver(inner, { name: 'flaky' }).name).toBe('flaky');
  });
});

function bitDistance(a: Uint8Array, b: Uint8Array): number {
  let bits = 0;
  for (let i = 0; i < a.byteLength; i++) {
    let x = a[i]! ^ b[i]!;
    while (x) {
      bits += x & 1;
      x >>= 1;
    }
  }
  return bits;
}
