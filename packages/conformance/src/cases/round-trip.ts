import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { DataKind } from '@blockstack-storage/core/driver';
import { assertBytesEqual } from '../assertions.js';
import { MiB, patternBytes, streamPattern } from '../bytes.js';
import { type AddCase, skip } from '../case.js';
import { del, get, getBytes, idFor, put, serves, skipUnserved } from '../driver-ops.js';
import { SAMPLE_ZONE_FILE } from '../fixtures.js';

/** Values of every awkward size come back byte for byte, up to a large one streamed both ways. */
export function addRoundTripCases(add: AddCase, kind: DataKind, large: number): void {
  const values: Array<[string, Uint8Array]> = [
    ['empty', new Uint8Array(0)],
    ['1 byte', Uint8Array.of(0x2a)],
    ['all 256 byte values', Uint8Array.from({ length: 256 }, (_, i) => i)],
    ['a zone file text', new TextEncoder().encode(SAMPLE_ZONE_FILE)],
    ['1 MiB', patternBytes(MiB, 7)],
  ];
  for (const [label, value] of values) {
    add(`${kind} round trip`, label, kind, async (d) => {
      if (!serves(d, kind)) return skipUnserved(d, kind);
      const id = idFor(kind, `round-trip-${label}`, value);
      await put(d, kind, id, value);
      assertBytesEqual(await getBytes(d, kind, id), value, `${kind} ${label}`);
    });
  }
  add(
    `${kind} round trip`,
    `${large / MiB} MiB streamed in and out`,
    kind,
    async (d) => {
      if (!serves(d, kind)) return skipUnserved(d, kind);
      const limit = d.capabilities.maxObjectBytes;
      if (limit !== undefined && limit < large)
        return skip(`the value is larger than capabilities.maxObjectBytes (${limit} bytes)`);
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
}
