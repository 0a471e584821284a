import assert from 'node:assert/strict';
import { type DataKind, ErrorCode } from '@blockstack-storage/core/driver';
import { assertBytesEqual, assertRejectsWith, bytesEqual } from '../assertions.js';
import { randomTag, sha256Hex } from '../bytes.js';
import type { AddCase } from '../case.js';
import { del, get, getBytes, idFor, put, serves, skipUnserved } from '../driver-ops.js';
import { ODD_DATA_IDS } from '../fixtures.js';

/** Missing keys, deletes, read-your-writes and key validation on one I/O path. */
export function addPathSemanticsCases(add: AddCase, kind: DataKind): void {
  add(`${kind} semantics`, 'get of a missing key resolves to null', kind, async (d) => {
    if (!serves(d, kind)) return skipUnserved(d, kind);
    const id = kind === 'immutable' ? sha256Hex(randomTag()) : `missing-${randomTag()}`;
    assert.equal(await get(d, kind, id), null);
  });
  add(`${kind} semantics`, 'delete then get resolves to null', kind, async (d) => {
    if (!serves(d, kind)) return skipUnserved(d, kind);
    const value = new TextEncoder().encode(`to delete ${randomTag()}`);
    const id = idFor(kind, 'delete-me', value);
    await put(d, kind, id, value);
    await del(d, kind, id);
    assert.equal(await get(d, kind, id), null, 'value still readable after delete');
  });
  add(`${kind} semantics`, 'delete of a missing key resolves', kind, async (d) => {
    if (!serves(d, kind)) return skipUnserved(d, kind);
    const id = kind === 'immutable' ? sha256Hex(randomTag()) : `never-written-${randomTag()}`;
    await del(d, kind, id);
  });
  add(`${kind} semantics`, 'read-your-writes after every put', kind, async (d) => {
    if (!serves(d, kind)) return skipUnserved(d, kind);
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
      if (!serves(d, kind)) return skipUnserved(d, kind);
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
}

/** What only the mutable path has: overwrites, odd ids, concurrent writers; and the two paths kept apart. */
export function addMutableSemanticsCases(add: AddCase): void {
  add('mutable semantics', 'overwrite replaces the value', 'mutable', async (d) => {
    if (!d.capabilities.mutable) return skipUnserved(d, 'mutable');
    await d.putMutable('overwrite', new TextEncoder().encode('first, and longer than the second'));
    await d.putMutable('overwrite', new TextEncoder().encode('second'));
    assertBytesEqual(
      await getBytes(d, 'mutable', 'overwrite'),
      new TextEncoder().encode('second'),
      'overwritten value',
    );
  });
  add('mutable semantics', 'odd ids round-trip, stay distinct and do not collide', 'mutable', async (d) => {
    if (!d.capabilities.mutable) return skipUnserved(d, 'mutable');
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
      if (!d.capabilities.mutable) return skipUnserved(d, 'mutable');
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
    if (!d.capabilities.mutable) return skipUnserved(d, 'mutable');
    if (!d.capabilities.immutable) return skipUnserved(d, 'immutable');
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
}
