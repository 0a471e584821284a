import { describe, expect, it } from 'vitest';
import { KeyGate } from '../src/key-gate.js';

/** A promise and the function that settles it, to hold a section open until the test says. */
function latch(): { promise: Promise<void>; open(): void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const turns = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyGate', () => {
  it('runs shared sections of a key together, and an exclusive one only once they are done', async () => {
    const gate = new KeyGate();
    const log: string[] = [];
    const first = latch();
    const second = latch();
    const sharedA = gate.shared('k', async () => {
      log.push('a in');
      await first.promise;
      log.push('a out');
    });
    const sharedB = gate.shared('k', async () => {
      log.push('b in');
      await second.promise;
      log.push('b out');
    });
    const exclusive = gate.exclusive('k', async () => {
      log.push('x');
    });
    // A shared section asked for after the exclusive one waits for it.
    const sharedC = gate.shared('k', async () => {
      log.push('c');
    });
    const otherKey = gate.exclusive('other', async () => {
      log.push('other');
    });
    await turns();
    expect(log).toEqual(['a in', 'b in', 'other']);
    first.open();
    await turns();
    expect(log).toEqual(['a in', 'b in', 'other', 'a out']);
    second.open();
    await Promise.all([sharedA, sharedB, exclusive, sharedC, otherKey]);
    expect(log).toEqual(['a in', 'b in', 'other', 'a out', 'b out', 'x', 'c']);
  });

  it('runs exclusive sections of a key one at a time, and goes on after one fails', async () => {
    const gate = new KeyGate();
    const log: string[] = [];
    const held = latch();
    const one = gate.exclusive('k', async () => {
      log.push('one in');
      await held.promise;
      log.push('one out');
      throw new Error('one failed');
    });
    const two = gate.exclusive('k', async () => {
      log.push('two');
    });
    await turns();
    expect(log).toEqual(['one in']);
    held.open();
    await expect(one).rejects.toThrow('one failed');
    await two;
    expect(log).toEqual(['one in', 'one out', 'two']);
    expect(await gate.shared('k', async () => 'after')).toBe('after');
  });
});
