import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  type Body,
  type DataKind,
  ErrorCode,
  isStorageError,
  readBody,
  type StorageDriver,
  type StoredObject,
} from '@blockstack-storage/core';
import { ODD_DATA_IDS, SAMPLE_ZONE_FILE } from './fixtures.js';

/** The parts of a test runner the suite needs: vitest, jest and node:test (via a shim) all fit. */
export interface TestApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>, timeoutMs?: number): void;
  beforeAll(body: () => Promise<void> | void, timeoutMs?: number): void;
  afterAll(body: () => Promise<void> | void, timeoutMs?: number): void;
}

export interface ConformanceOptions {
  /** Makes the driver under test. Called once; `init` is called by the suite if present. */
  create: () => StorageDriver | Promise<StorageDriver>;
  /** Called after the suite, after the driver's `close`. */
  cleanup?: () => void | Promise<void>;
  /**
   * Size of the streamed large-value test. Default 64 MiB. Lower it only for providers where
   * that is impractical, and say why in the driver's test file.
   */
  largeValueBytes?: number;
  /** Per-test timeout. Default 60 s; the large-value test gets four times this. */
  timeoutMs?: number;
  /**
   * Cases not to run, as `"<group>: <name>"`, with the reason, for a test server that cannot stand in
   * for the real provider in that respect (say so in the driver's README too). They are not
   * registered, so they are never counted as passed; the reason is printed once.
   */
  exclude?: Readonly<Record<string, string>>;
}

/** One test of the suite. `run` throws (an assertion error) when the driver does not conform. */
export interface ConformanceCase {
  group: string;
  name: string;
  /** Why the case runs: the capability it checks, or `'always'`. */
  requires: string;
  large?: boolean;
  run(driver: StorageDriver): Promise<void>;
}

const MiB = 1024 * 1024;

/**
 * Registers the conformance suite with the runner: one call in a driver's test file.
 *
 * ```ts
 * import { describe, it, beforeAll, afterAll } from 'vitest';
 * runConformanceSuite({ describe, it, beforeAll, afterAll }, { create: () => createMyDriver(cfg) });
 * ```
 */
export function runConformanceSuite(api: TestApi, options: ConformanceOptions): void {
  let driver: StorageDriver | undefined;
  const timeout = options.timeoutMs ?? 60_000;
  api.describe('blockstack-storage driver conformance', () => {
    api.beforeAll(async () => {
      driver = await options.create();
      await driver.init?.();
    }, timeout);
    api.afterAll(async () => {
      await driver?.close?.();
      await options.cleanup?.();
    }, timeout);
    // Cases are chosen from the declared capabilities, which are only known once the driver exists,
    // so every case is registered and those that do not apply return early after checking that the
    // driver really lacks the capability (a wrong declaration still fails).
    for (const testCase of conformanceCases(options)) {
      const reason = options.exclude?.[`${testCase.group}: ${testCase.name}`];
      if (reason !== undefined) {
        console.warn(`conformance case not run: "${testCase.group}: ${testCase.name}": ${reason}`);
        continue;
      }
      api.it(
        `${testCase.group}: ${testCase.name}`,
        async () => {
          assert.ok(driver, 'driver was not created (see the beforeAll error)');
          await testCase.run(driver);
        },
        testCase.large ? timeout * 4 : timeout,
      );
    }
  });
}

/** The suite's cases, for runners that want to drive them by hand (and for testing the suite itself). */
export function conformanceCases(
  options: Pick<ConformanceOptions, 'largeValueBytes'> = {},
): ConformanceCase[] {
  const large = options.largeValueBytes ?? 64 * MiB;
  const cases: ConformanceCase[] = [];
  const add = (group: string, name: string, requires: string, run: ConformanceCase['run'], isLarge = false) =>
    cases.push({ group, name, requires, run, large: isLarge });

  add('contract', 'has a name and well-formed capabilities', 'always', async (d) => {
    assert.equal(typeof d.name, 'string');
    assert.ok(d.name.length > 0, 'driver name is empty');
    const c = d.capabilities;
    for (const flag of ['mutable', 'immutable', 'publicUrls', 'list', 'conditionalWrites'] as const) {
      assert.equal(typeof c[flag], 'boolean', `capabilities.${flag} must be a boolean`);
    }
    assert.ok(c.mutable || c.immutable, 'a driver must serve at least one I/O path');
    assert.ok(c.visibility === 'local' || c.visibility === 'public', 'visibility must be local or public');
    assert.ok(c.readYourWrites === 'provider' || c.readYourWrites === 'masked');
    if (c.maxObjectBytes !== undefined)
      assert.ok(Number.isSafeInteger(c.maxObjectBytes) && c.maxObjectBytes > 0);
    if (c.visibility === 'local')
      assert.equal(c.publicUrls, false, 'a local-only driver cannot give public URLs');
  });

  for (const kind of ['mutable', 'immutable'] as const) {
    const values: Array<[string, Uint8Array]> = [
      ['empty', new Uint8Array(0)],
      ['1 byte', Uint8Array.of(0x2a)],
      ['all 256 byte values', Uint8Array.from({ length: 256 }, (_, i) => i)],
      ['a zone file text', new TextEncoder().encode(SAMPLE_ZONE_FILE)],
      ['1 MiB', patternBytes(MiB, 7)],
    ];
    for (const [label, value] of values) {
      add(`${kind} round trip`, label, kind, async (d) => {
        if (!serves(d, kind)) return assertRefusesPath(d, kind);
        const id = idFor(kind, `round-trip-${label}`, value);
        await put(d, kind, id, value);
        assertBytesEqual(await getBytes(d, kind, id), value, `${kind} ${label}`);
      });
    }
    add(
      `${kind} semantics`,
      'an abort after get resolves stops the body with AbortedError',
      kind,
      async (d) => {
        if (!serves(d, kind)) return;
        const value = patternBytes(2 * MiB, 9);
        const id = kind === 'immutable' ? sha256Hex(value) : 'abort-while-reading';
        await put(d, kind, id, value);
        const controller = new AbortController();
        const object = await get(d, kind, id, controller.signal);
        assert.ok(object, 'value not found');
        controller.abort(new Error('test abort'));
        await assertRejectsWith(readBody(object.body), ErrorCode.Aborted, d.name);
        // The driver is still usable afterwards (no handle or connection left in a bad state).
        assertBytesEqual(await getBytes(d, kind, id), value, 'value read after an aborted read');
      },
    );
    add(
      `${kind} round trip`,
      `${large / MiB} MiB streamed in and out`,
      kind,
      async (d) => {
        if (!serves(d, kind)) return;
        if (d.capabilities.maxObjectBytes !== undefined && d.capabilities.maxObjectBytes < large) return;
        const expected = createHash('sha256');
        for await (const chunk of streamPattern(large, 11)) expected.update(chunk);
        const digest = expected.digest('hex');
        const id = kind === 'immutable' ? digest : 'large-streamed-value';
        await put(d, kind, id, streamPattern(large, 11), { size: large });
        const object = await get(d, kind, id);
        assert.ok(object, 'large value not found after put');
        const actual = createHash('sha256');
        let size = 0;
        for await (const chunk of object.body) {
          actual.update(chunk);
          size += chunk.byteLength;
        }
        assert.equal(size, large, 'large value came back with the wrong size');
        assert.equal(actual.digest('hex'), digest, 'large value came back with different bytes');
        await del(d, kind, id);
      },
      true,
    );

    add(`${kind} semantics`, 'get of a missing key resolves to null', kind, async (d) => {
      if (!serves(d, kind)) return;
      const id = kind === 'immutable' ? sha256Hex(randomTag()) : `missing-${randomTag()}`;
      assert.equal(await get(d, kind, id), null);
    });
    add(`${kind} semantics`, 'delete then get resolves to null', kind, async (d) => {
      if (!serves(d, kind)) return;
      const value = new TextEncoder().encode(`to delete ${randomTag()}`);
      const id = idFor(kind, 'delete-me', value);
      await put(d, kind, id, value);
      await del(d, kind, id);
      assert.equal(await get(d, kind, id), null, 'value still readable after delete');
    });
    add(`${kind} semantics`, 'delete of a missing key resolves', kind, async (d) => {
      if (!serves(d, kind)) return;
      const id = kind === 'immutable' ? sha256Hex(randomTag()) : `never-written-${randomTag()}`;
      await del(d, kind, id);
    });
    add(`${kind} semantics`, 'read-your-writes after every put', kind, async (d) => {
      if (!serves(d, kind)) return;
      // Immutable values never change under one hash, so read-your-writes there means "present at once".
      for (let i = 0; i < 20; i++) {
        const value = new TextEncoder().encode(`version ${i} ${randomTag()}`);
        const id = kind === 'immutable' ? sha256Hex(value) : 'read-your-writes';
        await put(d, kind, id, value);
        assertBytesEqual(await getBytes(d, kind, id), value, `read after put #${i}`);
      }
    });
    add(
      `${kind} semantics`,
      'invalid keys are refused with InvalidKeyError naming the driver',
      kind,
      async (d) => {
        if (!serves(d, kind)) return;
        const bad =
          kind === 'immutable'
            ? ['', 'ABC', 'a'.repeat(63), `${'0'.repeat(63)}G`, '../'.repeat(22)]
            : ['', 'nul\0byte', 'x'.repeat(5000), '\ud800'];
        for (const id of bad) {
          for (const op of [
            () => put(d, kind, id, Uint8Array.of(1)),
            () => get(d, kind, id),
            () => del(d, kind, id),
          ]) {
            await assertRejectsWith(op(), ErrorCode.InvalidKey, d.name);
          }
        }
      },
    );
    add(
      `${kind} semantics`,
      'an already-aborted signal is refused with AbortedError and writes nothing',
      kind,
      async (d) => {
        if (!serves(d, kind)) return;
        const before = new TextEncoder().encode(`before abort ${randomTag()}`);
        const after = new TextEncoder().encode('after abort');
        const id = kind === 'immutable' ? sha256Hex(after) : 'abort-before-start';
        if (kind === 'mutable') await put(d, kind, id, before);
        const controller = new AbortController();
        controller.abort();
        await assertRejectsWith(
          put(d, kind, id, after, { signal: controller.signal }),
          ErrorCode.Aborted,
          d.name,
        );
        await assertRejectsWith(get(d, kind, id, controller.signal), ErrorCode.Aborted, d.name);
        const now = await get(d, kind, id);
        if (kind === 'mutable')
          assertBytesEqual(now ? await readBody(now.body) : null, before, 'value after abort');
        else assert.equal(now, null, 'aborted immutable put left a value');
      },
    );
    add(
      `${kind} semantics`,
      'an abort in the middle of a streamed put keeps the old value whole',
      kind,
      async (d) => {
        if (!serves(d, kind)) return;
        const old = patternBytes(256 * 1024, 3);
        const id = kind === 'immutable' ? sha256Hex(patternBytes(4 * MiB, 5)) : 'abort-mid-stream';
        if (kind === 'mutable') await put(d, kind, id, old);
        const controller = new AbortController();
        async function* body(): AsyncIterable<Uint8Array> {
          yield patternBytes(MiB, 5);
          controller.abort(new Error('test abort'));
          await new Promise((resolve) => setTimeout(resolve, 10));
          for (let i = 1; i < 4; i++) yield patternBytes(MiB, 5);
        }
        await assertRejectsWith(
          put(d, kind, id, body(), { signal: controller.signal, size: 4 * MiB }),
          ErrorCode.Aborted,
          d.name,
        );
        const now = await get(d, kind, id);
        if (kind === 'mutable')
          assertBytesEqual(now ? await readBody(now.body) : null, old, 'value after aborted stream');
        else assert.equal(now, null, 'aborted immutable put left a (partial) value');
      },
    );
  }

  add('mutable semantics', 'overwrite replaces the value', 'mutable', async (d) => {
    if (!d.capabilities.mutable) return;
    await d.putMutable('overwrite', new TextEncoder().encode('first, and longer than the second'));
    await d.putMutable('overwrite', new TextEncoder().encode('second'));
    assertBytesEqual(
      await getBytes(d, 'mutable', 'overwrite'),
      new TextEncoder().encode('second'),
      'overwritten value',
    );
  });
  add('mutable semantics', 'odd ids round-trip, stay distinct and do not collide', 'mutable', async (d) => {
    if (!d.capabilities.mutable) return;
    const values = ODD_DATA_IDS.map((id, i) => new TextEncoder().encode(`value ${i} for ${id}`));
    for (const [i, id] of ODD_DATA_IDS.entries()) await d.putMutable(id, values[i]!);
    for (const [i, id] of ODD_DATA_IDS.entries()) {
      assertBytesEqual(
        await getBytes(d, 'mutable', id),
        values[i]!,
        `odd id ${JSON.stringify(id.slice(0, 40))}`,
      );
    }
    for (const id of ODD_DATA_IDS) await d.deleteMutable(id);
    for (const id of ODD_DATA_IDS)
      assert.equal(await d.getMutable(id), null, `odd id ${JSON.stringify(id.slice(0, 40))} survived delete`);
  });
  add(
    'mutable semantics',
    'concurrent puts to one key end with one whole value, never a mix',
    'mutable',
    async (d) => {
      if (!d.capabilities.mutable) return;
      const writers = Array.from({ length: 8 }, (_, i) => new Uint8Array(300 * 1024).fill(i + 1));
      await Promise.all(writers.map((value) => d.putMutable('concurrent', value.slice())));
      const final = await getBytes(d, 'mutable', 'concurrent');
      assert.ok(final, 'no value after concurrent puts');
      assert.ok(
        writers.some((w) => bytesEqual(w, final)),
        `value after concurrent puts is not one of the written values (length ${final.byteLength}, first byte ${final[0]})`,
      );
    },
  );
  add('namespaces', 'mutable and immutable data are kept apart', 'mutable+immutable', async (d) => {
    if (!d.capabilities.mutable || !d.capabilities.immutable) return;
    const immutableValue = new TextEncoder().encode(`immutable ${randomTag()}`);
    const hash = sha256Hex(immutableValue);
    await d.putImmutable(hash, immutableValue);
    assert.equal(
      await d.getMutable(hash),
      null,
      'an immutable put is visible on the mutable path under the same name',
    );
    const mutableValue = new TextEncoder().encode('mutable under a hash-shaped id');
    const otherHash = sha256Hex(`other ${randomTag()}`);
    await d.putMutable(otherHash, mutableValue);
    assert.equal(await d.getImmutable(otherHash), null, 'a mutable put is visible on the immutable path');
    await d.deleteMutable(hash);
    assertBytesEqual(
      await getBytes(d, 'immutable', hash),
      immutableValue,
      'mutable delete removed immutable data',
    );
  });

  add('capabilities', 'listing matches the declaration', 'list', async (d) => {
    if (!d.capabilities.list) {
      assert.equal(d.listMutable, undefined, 'listMutable is implemented but capabilities.list is false');
      assert.equal(d.listImmutable, undefined, 'listImmutable is implemented but capabilities.list is false');
      return;
    }
    assert.ok(d.listMutable && d.listImmutable, 'capabilities.list is true but list methods are missing');
    if (d.capabilities.mutable) {
      const tag = randomTag();
      const ids = [`list-${tag}/a`, `list-${tag}/B`, `list-${tag}/ünï`];
      for (const id of ids) await d.putMutable(id, Uint8Array.of(1));
      const seen: string[] = [];
      for await (const id of d.listMutable({ prefix: `list-${tag}/` })) seen.push(id);
      assert.deepEqual(seen.sort(), [...ids].sort(), 'listMutable with a prefix');
      for (const id of ids) await d.deleteMutable(id);
    }
    if (d.capabilities.immutable) {
      const value = new TextEncoder().encode(`listed ${randomTag()}`);
      const hash = sha256Hex(value);
      await d.putImmutable(hash, value);
      const seen: string[] = [];
      for await (const h of d.listImmutable()) seen.push(h);
      assert.ok(seen.includes(hash), 'listImmutable misses a stored hash');
      assert.ok(
        seen.every((h) => /^[0-9a-f]{64}$/.test(h)),
        'listImmutable yielded something that is not a hash',
      );
    }
  });
  add('capabilities', 'public URLs match the declaration', 'publicUrls', async (d) => {
    if (!d.capabilities.publicUrls || !d.capabilities.mutable) {
      const url = d.mutableUrl?.('public-url');
      assert.equal(url, undefined, 'mutableUrl returns a URL but capabilities.publicUrls is false');
      return;
    }
    assert.ok(d.mutableUrl, 'capabilities.publicUrls is true but mutableUrl is missing');
    const a = d.mutableUrl('public-url');
    const b = d.mutableUrl('Public-URL');
    assert.ok(a && URL.canParse(a), `mutableUrl gave ${a}, not a URL`);
    assert.notEqual(a, b, 'ids differing in case share a URL');
  });
  add('capabilities', 'conditional writes match the declaration', 'conditionalWrites', async (d) => {
    if (!d.capabilities.mutable) return;
    const id = `conditional-${randomTag()}`;
    if (!d.capabilities.conditionalWrites) {
      await assertRejectsWith(
        d.putMutable(id, Uint8Array.of(1), { ifNoneMatch: '*' }),
        ErrorCode.Unsupported,
        d.name,
      );
      return;
    }
    const first = await d.putMutable(id, Uint8Array.of(1), { ifNoneMatch: '*' });
    assert.ok(first.etag, 'a driver with conditional writes must return an etag from put');
    await assertRejectsWith(
      d.putMutable(id, Uint8Array.of(2), { ifNoneMatch: '*' }),
      ErrorCode.Conflict,
      d.name,
    );
    await assertRejectsWith(
      d.putMutable(id, Uint8Array.of(3), { ifMatch: '"not-the-etag"' }),
      ErrorCode.Conflict,
      d.name,
    );
    await d.putMutable(id, Uint8Array.of(4), { ifMatch: first.etag });
    assertBytesEqual(
      await getBytes(d, 'mutable', id),
      Uint8Array.of(4),
      'value after a matching conditional put',
    );
  });
  add('capabilities', 'get gives the etag a conditional put can replace', 'conditionalWrites', async (d) => {
    if (!d.capabilities.conditionalWrites || !d.capabilities.mutable) return;
    // The core reads a copy, judges it, then replaces exactly that copy (ifMatch its etag): the etag a
    // get reports must be one a conditional put accepts, and must change when the value does.
    const id = `etag-${randomTag()}`;
    await d.putMutable(id, Uint8Array.of(1));
    const read = await d.getMutable(id);
    assert.ok(read?.etag, 'a driver with conditional writes must report an etag from get');
    await readBody(read.body);
    const replaced = await d.putMutable(id, Uint8Array.of(2), { ifMatch: read.etag });
    const again = await d.getMutable(id);
    assert.ok(again?.etag, 'a driver with conditional writes must report an etag from get');
    await readBody(again.body);
    assert.notEqual(again.etag, read.etag, 'the etag did not change when the value did');
    if (replaced.etag !== undefined)
      assert.equal(again.etag, replaced.etag, 'put and get disagree on the etag');
    await assertRejectsWith(
      d.putMutable(id, Uint8Array.of(3), { ifMatch: read.etag }),
      ErrorCode.Conflict,
      d.name,
    );
  });
  add(
    'capabilities',
    'of writers racing to replace one etag, exactly one wins',
    'conditionalWrites',
    async (d) => {
      if (!d.capabilities.conditionalWrites || !d.capabilities.mutable) return;
      for (const start of ['absent', 'present'] as const) {
        const id = `race-${start}-${randomTag()}`;
        let condition: { ifMatch: string } | { ifNoneMatch: '*' } = { ifNoneMatch: '*' };
        if (start === 'present') {
          const first = await d.putMutable(id, Uint8Array.of(0));
          const read = await d.getMutable(id);
          await readBody(read!.body);
          condition = { ifMatch: (first.etag ?? read!.etag)! };
        }
        const writers = 8;
        const results = await Promise.allSettled(
          Array.from({ length: writers }, (_, i) => d.putMutable(id, patternBytes(4096, i + 1), condition)),
        );
        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        assert.equal(
          winners.length,
          1,
          `${winners.length} of ${writers} writers replacing one ${start} value won`,
        );
        for (const r of results) {
          if (r.status === 'rejected') {
            assert.ok(
              isStorageError(r.reason, ErrorCode.Conflict),
              `a losing writer got ${String(r.reason)}, not a ConflictError`,
            );
          }
        }
        assertBytesEqual(
          await getBytes(d, 'mutable', id),
          patternBytes(4096, winners[0]! + 1),
          'value after the race',
        );
      }
    },
  );
  add('capabilities', 'the size limit matches the declaration', 'maxObjectBytes', async (d) => {
    const limit = d.capabilities.maxObjectBytes;
    if (limit === undefined || limit > 16 * MiB || !d.capabilities.mutable) return;
    await d.putMutable('at-limit', new Uint8Array(limit));
    await assertRejectsWith(
      d.putMutable('over-limit', new Uint8Array(limit + 1)),
      ErrorCode.TooLarge,
      d.name,
    );
  });
  return cases;
}

function serves(d: StorageDriver, kind: DataKind): boolean {
  return kind === 'mutable' ? d.capabilities.mutable : d.capabilities.immutable;
}

async function assertRefusesPath(d: StorageDriver, kind: DataKind): Promise<void> {
  const id = idFor(kind, 'unserved', Uint8Array.of(1));
  await assertRejectsWith(put(d, kind, id, Uint8Array.of(1)), ErrorCode.Unsupported, d.name);
}

function put(
  d: StorageDriver,
  kind: DataKind,
  id: string,
  body: Body,
  options: { signal?: AbortSignal; size?: number } = {},
) {
  // A copy, so a driver that keeps or alters the caller's buffer cannot pass a check by aliasing.
  const value = body instanceof Uint8Array ? body.slice() : body;
  return kind === 'mutable' ? d.putMutable(id, value, options) : d.putImmutable(id, value, options);
}
function get(
  d: StorageDriver,
  kind: DataKind,
  id: string,
  signal?: AbortSignal,
): Promise<StoredObject | null> {
  const options = signal ? { signal } : {};
  return kind === 'mutable' ? d.getMutable(id, options) : d.getImmutable(id, options);
}
function del(d: StorageDriver, kind: DataKind, id: string): Promise<void> {
  return kind === 'mutable' ? d.deleteMutable(id) : d.deleteImmutable(id);
}
async function getBytes(d: StorageDriver, kind: DataKind, id: string): Promise<Uint8Array | null> {
  const object = await get(d, kind, id);
  return object ? readBody(object.body) : null;
}

function idFor(kind: DataKind, label: string, value: Uint8Array): string {
  return kind === 'immutable' ? sha256Hex(value) : label;
}

/** Asserts that `promise` rejects with a StorageError of `code` that names `driver`. */
export async function assertRejectsWith(
  promise: Promise<unknown>,
  code: string,
  driver?: string,
): Promise<void> {
  let settled: unknown;
  try {
    await promise;
  } catch (error) {
    settled = error;
  }
  if (settled === undefined) assert.fail(`expected a ${code} error, but the operation succeeded`);
  assert.ok(
    isStorageError(settled),
    `expected a typed StorageError (${code}), got ${describeError(settled)}`,
  );
  assert.equal(settled.code, code, `expected ${code}, got ${settled.code}: ${settled.message}`);
  if (driver !== undefined)
    assert.equal(settled.driver, driver, `error does not name the driver: ${settled.message}`);
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function assertBytesEqual(actual: Uint8Array | null, expected: Uint8Array, what: string): void {
  assert.ok(actual, `${what}: not found`);
  if (!bytesEqual(actual, expected)) {
    assert.fail(
      `${what}: got ${actual.byteLength} bytes that differ from the ${expected.byteLength} expected`,
    );
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

/** Deterministic, non-repeating-looking bytes (so a misplaced chunk changes the hash). */
export function patternBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Streams `total` bytes in 1 MiB chunks, generating each chunk on demand (never the whole value). */
export async function* streamPattern(total: number, seed: number): AsyncIterable<Uint8Array> {
  for (let offset = 0, n = 0; offset < total; offset += MiB, n++) {
    yield patternBytes(Math.min(MiB, total - offset), seed * 1000 + n);
  }
}

function sha256Hex(value: Uint8Array | string): string {
  return createHash('sha256').update(value).digest('hex');
}

function randomTag(): string {
  return Math.random().toString(36).slice(2, 10);
}
