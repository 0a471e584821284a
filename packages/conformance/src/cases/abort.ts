import assert from 'node:assert/strict';
import { type DataKind, ErrorCode, readBody } from '@blockstack-storage/core/driver';
import { assertBytesEqual, assertRejectsWith } from '../assertions.js';
import { MiB, patternBytes, randomTag, sha256Hex } from '../bytes.js';
import type { AddCase } from '../case.js';
import { get, getBytes, put, serves, skipUnserved } from '../driver-ops.js';

/** The caller's signal: before a call, in the middle of a streamed put, and after a get resolved. */
export function addAbortCases(add: AddCase, kind: DataKind): void {
  add(
    `${kind} semantics`,
    'an abort after get resolves stops the body with AbortedError',
    kind,
    async (d) => {
      if (!serves(d, kind)) return skipUnserved(d, kind);
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
    `${kind} semantics`,
    'an already-aborted signal is refused with AbortedError and writes nothing',
    kind,
    async (d) => {
      if (!serves(d, kind)) return skipUnserved(d, kind);
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
      if (!serves(d, kind)) return skipUnserved(d, kind);
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
