import assert from 'node:assert/strict';
import { ErrorCode, isStorageError, readBody, type StorageDriver } from '@blockstack-storage/core/driver';
import { assertBytesEqual, assertRejectsWith } from '../assertions.js';
import { MiB, patternBytes, randomTag, sha256Hex } from '../bytes.js';
import { type AddCase, type ConformanceSkip, skip } from '../case.js';
import { getBytes, skipUnserved } from '../driver-ops.js';

/** Each declared capability behaves as declared, and each one declared absent really is. */
export function addCapabilityCases(add: AddCase): void {
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
    if (!d.capabilities.mutable) return skipUnserved(d, 'mutable');
    const id = `conditional-${randomTag()}`;
    if (!d.capabilities.conditionalWrites) {
      await assertRefusesConditionalWrites(d, id);
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
    const lacking = await skipWithoutConditionalWrites(d);
    if (lacking) return lacking;
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
      const lacking = await skipWithoutConditionalWrites(d);
      if (lacking) return lacking;
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
    if (limit === undefined) return skip('the driver declares no capabilities.maxObjectBytes');
    if (limit > 16 * MiB)
      return skip(`capabilities.maxObjectBytes (${limit} bytes) is over the 16 MiB this case writes`);
    if (!d.capabilities.mutable) return skipUnserved(d, 'mutable');
    await d.putMutable('at-limit', new Uint8Array(limit));
    await assertRejectsWith(
      d.putMutable('over-limit', new Uint8Array(limit + 1)),
      ErrorCode.TooLarge,
      d.name,
    );
  });
}

async function assertRefusesConditionalWrites(d: StorageDriver, id: string): Promise<void> {
  await assertRejectsWith(
    d.putMutable(id, Uint8Array.of(1), { ifNoneMatch: '*' }),
    ErrorCode.Unsupported,
    d.name,
  );
}

/** A skip when the driver lacks conditional writes, after checking that it really refuses them. */
async function skipWithoutConditionalWrites(d: StorageDriver): Promise<ConformanceSkip | undefined> {
  if (!d.capabilities.mutable) return skipUnserved(d, 'mutable');
  if (d.capabilities.conditionalWrites) return undefined;
  await assertRefusesConditionalWrites(d, `conditional-${randomTag()}`);
  return skip('the driver does not declare capabilities.conditionalWrites');
}
