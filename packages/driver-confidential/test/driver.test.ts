import { randomBytes } from 'node:crypto';
import { ErrorCode, isStorageError, readBody, type StorageDriver } from '@blockstack-storage/core/driver';
import { createSkeletonDriver } from '@blockstack-storage/driver-skeleton';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ConfidentialDriverOptions,
  createConfidentialDriver,
  createConfidentialDriverFromConfig,
  KEY_PURPOSE,
  payloadBytes,
} from '../src/index.js';
import { ObjectNames, splitRootKey } from '../src/keys.js';
import { ProviderView } from './provider-view.js';
import { VirtualClock } from './virtual-clock.js';

const BLOCK = 1024;
const opened: StorageDriver[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((d) => d.close?.()));
});

function confidential(options: Partial<ConfidentialDriverOptions> & { inner: StorageDriver }) {
  const driver = createConfidentialDriver({
    key: randomBytes(32),
    blockBytes: BLOCK,
    slotMs: 1,
    cells: 16,
    ...options,
  });
  opened.push(driver);
  return driver;
}

async function text(driver: StorageDriver, id: string): Promise<string | null> {
  const object = await driver.getMutable(id);
  return object ? new TextDecoder().decode(await readBody(object.body)) : null;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('what the provider holds and sees', () => {
  it('only keyed 64-hex names and blocks of one size, with neither ids nor values in them', async () => {
    const clock = new VirtualClock();
    const view = new ProviderView(clock);
    view.startRecording();
    const driver = confidential({ inner: view, clock, slotMs: 10 });
    const secret = 'the secret value of alice.id/diary';
    await driver.putMutable('alice.id/diary', new TextEncoder().encode(secret));
    await driver.putMutable('big', randomBytes(3 * payloadBytes(BLOCK) + 5));
    expect(await text(driver, 'alice.id/diary')).toBe(secret);
    await clock.sleep(100);
    const names = [...view.stored.keys()];
    expect(names.every((n) => /^[0-9a-f]{64}$/.test(n))).toBe(true);
    expect([...view.stored.values()].every((b) => b.byteLength === BLOCK)).toBe(true);
    const everything = Buffer.concat([...view.stored.values()]).toString('latin1');
    expect(everything).not.toContain('secret');
    expect(everything).not.toContain('alice');
    // One put and one get per slot, each at a multiple of the 10 ms period, whatever was asked.
    const slots = new Map<number, string[]>();
    for (const e of view.events) slots.set(e.at, [...(slots.get(e.at) ?? []), e.op]);
    for (const [at, ops] of slots) {
      expect(at % 10).toBe(0);
      expect(ops.sort()).toEqual(['get', 'put']);
    }
    expect(view.events.filter((e) => e.op === 'put').every((e) => e.bytes === BLOCK)).toBe(true);
  });

  it('every put writes the name the slot before got, and a read then a write of one id is one such pair', async () => {
    const clock = new VirtualClock();
    const view = new ProviderView(clock);
    const key = randomBytes(32);
    const names = new ObjectNames(splitRootKey(key).names);
    const cover = randomBytes(BLOCK);
    for (let i = 0; i < 16; i++) view.stored.set(names.cell(i), cover); // a store past its first cycle
    const driver = confidential({ inner: view, clock, slotMs: 10, key });
    await driver.putMutable('a', randomBytes(700));
    await driver.putMutable('v', randomBytes(2500)); // three blocks
    await driver.putMutable('b', randomBytes(300));
    view.startRecording();
    await clock.sleep(25);
    const bytesOf = async (id: string) => (await readBody((await driver.getMutable(id))!.body)).byteLength;
    expect(await bytesOf('v')).toBe(2500);
    // As the core writes through openStorage: read the datum, then write it.
    await text(driver, 'b');
    await driver.putMutable('b', new TextEncoder().encode('new b'));
    await driver.putMutable('v', randomBytes(2000));
    expect(await bytesOf('a')).toBe(700);
    expect(await text(driver, 'b')).toBe('new b');
    await clock.sleep(30);
    view.stopRecording();
    const slots = [...new Set(view.events.map((e) => e.at))].sort((x, y) => x - y);
    const nameOf = (op: 'get' | 'put', at: number) =>
      view.events.find((e) => e.op === op && e.at === at)!.name;
    for (let i = 1; i < slots.length; i++)
      expect(nameOf('put', slots[i]!)).toBe(nameOf('get', slots[i - 1]!));
    // The read and the write of b: one get of its head and one put of it, the next slot.
    const bHead = names.head('mutable', 'b');
    const bEvents = view.events.filter((e) => e.name === bHead);
    expect(bEvents.map((e) => e.op)).toEqual(['get', 'put', 'get', 'put']); // the write, then the last read
    expect(bEvents[1]!.at - bEvents[0]!.at).toBe(10);
  });

  it('keeps sending while the user is idle, and stops at close', async () => {
    const clock = new VirtualClock();
    const view = new ProviderView(clock);
    const driver = confidential({ inner: view, clock, slotMs: 10 });
    await driver.putMutable('one', Uint8Array.of(1));
    view.startRecording();
    await clock.sleep(95); // idle: the slots at 10, 20, ... 90 ms
    expect(view.events.filter((e) => e.op === 'put').map((e) => e.at)).toEqual([
      10, 20, 30, 40, 50, 60, 70, 80, 90,
    ]);
    expect(view.events.filter((e) => e.op === 'get').map((e) => e.at)).toEqual([
      10, 20, 30, 40, 50, 60, 70, 80, 90,
    ]);
    expect(view.events.filter((e) => e.op === 'put').every((e) => e.bytes === BLOCK)).toBe(true);
    await driver.close?.();
    const sent = view.events.length;
    await clock.sleep(100);
    expect(view.events.length).toBe(sent);
  });

  it('refuses a tampered block, and a block moved to another name, with IntegrityError', async () => {
    const clock = new VirtualClock();
    const view = new ProviderView(clock);
    view.startRecording();
    const driver = confidential({ inner: view, clock, slotMs: 10 });
    // Each value is one block, its head: the put that acknowledged the write is the last one sent.
    const lastPut = () => view.events.filter((e) => e.op === 'put').at(-1)!.name;
    await driver.putMutable('a', new TextEncoder().encode('value of a'));
    const aHead = lastPut();
    await driver.putMutable('b', new TextEncoder().encode('value of b'));
    const bHead = lastPut();
    const aBlock = view.stored.get(aHead!)!;
    const bBlock = view.stored.get(bHead!)!;
    const expectRefused = async (id: string) => {
      const error = await rejection(text(driver, id));
      expect(isStorageError(error, ErrorCode.Integrity)).toBe(true);
      expect((error as Error).message).toContain('[confidential]');
    };
    const flipped = aBlock.slice();
    flipped[100]! ^= 1;
    view.stored.set(aHead!, flipped);
    await expectRefused('a');
    view.stored.set(aHead!, aBlock);
    view.stored.set(bHead!, aBlock); // a's genuine block under b's name
    await expectRefused('b');
    view.stored.set(bHead!, bBlock);
    expect(await text(driver, 'a')).toBe('value of a');
    expect(await text(driver, 'b')).toBe('value of b');
  });
});

describe('keys', () => {
  it('derives its key at the first operation, not in create or init, with one purpose', async () => {
    const purposes: string[] = [];
    const root = randomBytes(32);
    const deriveKey = async (purpose: string) => {
      purposes.push(purpose);
      return root;
    };
    const store = createSkeletonDriver();
    const first = confidential({ inner: store, key: undefined, deriveKey });
    await first.init?.();
    expect(purposes).toEqual([]);
    await first.putMutable('shared', new TextEncoder().encode('from device one'));
    expect(purposes).toEqual([KEY_PURPOSE]);
    // Another device of the same user (same data key, same provider) reads it; another key does not.
    const second = confidential({ inner: store, key: undefined, deriveKey });
    expect(await text(second, 'shared')).toBe('from device one');
    const stranger = confidential({ inner: store, key: randomBytes(32) });
    expect(await text(stranger, 'shared')).toBeNull();
  });

  it('fails operations with ConfigurationError when the key cannot be derived, and tries again later', async () => {
    let fail = true;
    const deriveKey = async () => {
      if (fail) throw new Error('no data key yet');
      return randomBytes(32);
    };
    const driver = confidential({ inner: createSkeletonDriver(), key: undefined, deriveKey });
    const error = await rejection(driver.putMutable('x', Uint8Array.of(1)));
    expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    fail = false;
    await driver.putMutable('x', Uint8Array.of(1));
  });
});

describe('the queue', () => {
  it('an aborted operation waiting for its slot leaves with AbortedError; close fails the rest', async () => {
    const driver = confidential({ inner: createSkeletonDriver(), slotMs: 60_000 });
    // Its get goes in the first slot, at once; its put waits for the next slot, a minute away.
    const first = rejection(driver.putMutable('first', Uint8Array.of(1)));
    const controller = new AbortController();
    const waiting = rejection(driver.getMutable('first', { signal: controller.signal }));
    const queued = rejection(driver.putMutable('second', Uint8Array.of(2)));
    controller.abort();
    const aborted = await waiting;
    expect(isStorageError(aborted, ErrorCode.Aborted)).toBe(true);
    expect((aborted as Error).message).toContain('[confidential]');
    await driver.close?.();
    expect(isStorageError(await first, ErrorCode.Unavailable)).toBe(true);
    expect(isStorageError(await queued, ErrorCode.Unavailable)).toBe(true);
    expect(isStorageError(await rejection(driver.getMutable('first')), ErrorCode.Unavailable)).toBe(true);
  });

  it('a failing provider fails the real operation with its typed error, not the cover traffic', async () => {
    const inner = createSkeletonDriver();
    const driver = confidential({ inner, slotMs: 1 });
    await driver.putMutable('v', Uint8Array.of(1));
    const broken = Object.create(inner) as StorageDriver;
    broken.getMutable = async () => {
      throw new Error('provider down');
    };
    const through = confidential({ inner: broken, slotMs: 1 });
    const error = await rejection(through.getMutable('v'));
    expect(isStorageError(error, ErrorCode.Unavailable)).toBe(true);
    expect((error as Error).message).toContain('provider down');
  });
});

describe('settings', () => {
  it('refuses settings out of range, and a bandwidth budget sets the slot period', () => {
    const inner = createSkeletonDriver();
    const bad: Array<Partial<ConfidentialDriverOptions>> = [
      { blockBytes: 100 },
      { slotMs: 0 },
      { slotMs: 10, bytesPerSecond: 1000 },
      { cells: 0 },
      { key: randomBytes(16) },
    ];
    for (const options of bad)
      expect(() => createConfidentialDriver({ inner, key: randomBytes(32), ...options })).toThrow(
        /BSS|confidential/,
      );
    expect(() => createConfidentialDriver({ inner })).toThrow(/Needs a key/);
    const budget = createConfidentialDriver({
      inner,
      key: randomBytes(32),
      blockBytes: 16384,
      bytesPerSecond: 32768,
    });
    expect(budget.slotMs).toBe(1000);
  });

  it('from a config section: inner opened with openSection, clear errors otherwise', async () => {
    const inner = createSkeletonDriver();
    const context = {
      instance: 'hidden',
      configPath: '/etc/bs/client.ini',
      openSection: async (section: string) => {
        expect(section).toBe('hidden-store');
        return inner;
      },
      deriveKey: async () => randomBytes(32),
    };
    const driver = await createConfidentialDriverFromConfig(
      { inner: 'hidden-store', slot_ms: '1', block_bytes: '2048', cells: '8' },
      context,
    );
    opened.push(driver);
    expect(driver.blockBytes).toBe(2048);
    await driver.putMutable('x', Uint8Array.of(7));
    expect(await text(driver, 'x')).toBe('\u0007');
    const message = (config: Record<string, string>, ctx: object) =>
      createConfidentialDriverFromConfig(config, ctx).then(
        () => 'opened',
        (e: Error) => e.message,
      );
    expect(await message({}, context)).toContain('/etc/bs/client.ini [hidden]: has no inner');
    expect(await message({ inner: 'x' }, { ...context, openSection: undefined })).toContain(
      'does not give drivers openSection',
    );
    expect(await message({ inner: 'x' }, { ...context, deriveKey: undefined })).toContain(
      'needs the user’s data key',
    );
    expect(await message({ inner: 'x', slot_ms: 'fast' }, context)).toContain(
      'slot_ms = "fast" is not a whole number',
    );
  });
});
