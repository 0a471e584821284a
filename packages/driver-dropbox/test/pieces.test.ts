import { describe, expect, it } from 'vitest';
import { pieces } from '../src/pieces.js';

async function collect(body: Uint8Array | AsyncIterable<Uint8Array>, size: number): Promise<number[][]> {
  const out: number[][] = [];
  for await (const piece of pieces(body, size)) out.push([...piece]);
  return out;
}

async function* chunks(...parts: number[][]): AsyncIterable<Uint8Array> {
  // One reused buffer, as some sources do: pieces must not keep views into it.
  const buffer = new Uint8Array(16);
  for (const part of parts) {
    buffer.set(part);
    yield buffer.subarray(0, part.length);
  }
}

describe('pieces', () => {
  it('cuts bytes in memory into views of the piece size', async () => {
    expect(await collect(Uint8Array.of(1, 2, 3, 4, 5), 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(await collect(new Uint8Array(0), 2)).toEqual([]);
  });

  it('regroups a stream across chunk boundaries, copying out of reused source buffers', async () => {
    expect(await collect(chunks([1], [2, 3, 4], [5, 6, 7, 8, 9], [10]), 3)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
      [10],
    ]);
    expect(await collect(chunks([1, 2], [3, 4]), 2)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(await collect(chunks([], [1]), 4)).toEqual([[1]]);
  });
});
