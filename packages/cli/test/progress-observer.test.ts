import { Writable } from 'node:stream';
import {
  type Body,
  bodyChunks,
  bytesToStream,
  concatBytes,
  type DriverCapabilities,
  readBody,
  type StorageDriver,
  withDriverPolicy,
} from '@blockstack-storage/core';
import { describe, expect, it } from 'vitest';
import { DriverProgressBoard } from '../src/driver-progress-board.js';

// A driver written as a class with private fields: the core reaches it as it is (nothing wraps it by reflection).
class MemoryDriver implements StorageDriver {
  readonly name = 'memory';
  readonly capabilities: DriverCapabilities = {
    mutable: true,
    immutable: true,
    visibility: 'local',
    publicUrls: false,
    list: true,
    conditionalWrites: false,
    readYourWrites: 'provider',
  };
  readonly #values = new Map<string, Uint8Array>();
  /** How each put arrived: whole bytes, or a stream of this many chunks. */
  readonly arrivals: (number | 'bytes')[] = [];
  async #put(key: string, body: Body) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of bodyChunks(body)) chunks.push(chunk);
    this.arrivals.push(body instanceof Uint8Array ? 'bytes' : chunks.length);
    this.#values.set(key, concatBytes(chunks));
    return {};
  }
  putMutable(id: string, body: Body) {
    return this.#put(`m/${id}`, body);
  }
  putImmutable(hash: string, body: Body) {
    return this.#put(`i/${hash}`, body);
  }
  async getMutable(id: string) {
    const value = this.#values.get(`m/${id}`);
    return value === undefined ? null : { body: bytesToStream(value), size: value.byteLength };
  }
  async getImmutable(hash: string) {
    const value = this.#values.get(`i/${hash}`);
    return value === undefined ? null : { body: bytesToStream(value), size: value.byteLength };
  }
  async deleteMutable(id: string) {
    this.#values.delete(`m/${id}`);
  }
  async deleteImmutable(hash: string) {
    this.#values.delete(`i/${hash}`);
  }
  async *listMutable() {
    for (const key of this.#values.keys()) if (key.startsWith('m/')) yield key.slice(2);
  }
}

function terminal(): Writable & { isTTY: boolean; columns: number; text: () => string } {
  let written = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      written += chunk.toString();
      done();
    },
  });
  return Object.assign(stream, { isTTY: true, columns: 200, text: () => written });
}

describe("the progress board as the core's transfer observer", () => {
  it('gets large puts in 1 MiB chunks and counts large gets; small ones pass untouched', async () => {
    const inner = new MemoryDriver();
    const screen = terminal();
    const board = new DriverProgressBoard(screen, true);
    const driver = withDriverPolicy(inner, {}, board);
    expect(driver.name).toBe('memory');
    expect(driver.capabilities.list).toBe(true);

    const big = new Uint8Array(5 * 1024 * 1024 + 3).map((_, i) => i % 256);
    await driver.putMutable('big', big);
    await driver.putMutable('small', new Uint8Array(10));
    expect(inner.arrivals).toEqual([6, 'bytes']);
    const back = await driver.getMutable('big');
    expect(Buffer.compare(await readBody(back!.body), big)).toBe(0);
    board.end();
    expect(screen.text()).toMatch(/memory put {2}5\.0 MiB \/ 5\.0 MiB {2}\[#{20}\] 100%/);
    expect(screen.text()).toMatch(/memory get {2}5\.0 MiB \/ 5\.0 MiB {2}\[#{20}\] 100%/);

    const ids: string[] = [];
    for await (const id of driver.listMutable!()) ids.push(id);
    expect(ids.sort()).toEqual(['big', 'small']);
  });

  it('watches nothing when the board is off: large puts reach the driver as whole bytes', async () => {
    const inner = new MemoryDriver();
    const screen = terminal();
    const off = new DriverProgressBoard(screen, false);
    await withDriverPolicy(inner, {}, off).putMutable('big', new Uint8Array(5 * 1024 * 1024));
    off.end();
    expect(inner.arrivals).toEqual(['bytes']);
    expect(screen.text()).toBe('');
  });
});
