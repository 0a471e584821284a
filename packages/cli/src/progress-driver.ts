import type { Body, DriverModule, PutOptions, StorageDriver, StoredObject } from '@blockstack-storage/core';
import type { DriverProgressBoard, DriverTransfer } from './driver-progress-board.js';

const CHUNK = 1024 * 1024;

/**
 * Wraps a driver module so that its drivers report transfers to `board`: a large put hands the
 * driver the same bytes as a stream of 1 MiB chunks and counts what the driver has consumed; a large
 * get counts what is read from the driver's stream. Small transfers, and every transfer when the board
 * is off, reach the driver untouched.
 */
export function withTransferProgress(module: DriverModule, board: DriverProgressBoard): DriverModule {
  if (!board.enabled) return module;
  return {
    ...module, // name and configKeys
    // Labelled by config section (`disk-b`), which the core names the driver after.
    create: async (section, context) =>
      observe(await module.create(section, context), board, context?.instance),
  };
}

function observe(driver: StorageDriver, board: DriverProgressBoard, instance = driver.name): StorageDriver {
  const put =
    (op: (key: string, body: Body, options?: PutOptions) => Promise<unknown>) =>
    async (key: string, body: Body, options?: PutOptions) => {
      const transfer = body instanceof Uint8Array ? board.track(instance, 'put', body.byteLength) : undefined;
      if (transfer === undefined) return op(key, body, options);
      try {
        // Drivers take streamed bodies (with `size`) in bounded memory; the count is what they consumed.
        const result = await op(key, chunked(body as Uint8Array, transfer), {
          ...options,
          size: (body as Uint8Array).byteLength,
        });
        transfer.done();
        return result;
      } catch (error) {
        transfer.done(true);
        throw error;
      }
    };
  const get =
    (op: (key: string, options?: object) => Promise<StoredObject | null>) =>
    async (key: string, options?: object) => {
      const found = await op(key, options);
      if (found === null) return null;
      const transfer = board.track(instance, 'get', found.size);
      return transfer === undefined ? found : { ...found, body: counted(found.body, transfer) };
    };
  const wrapped: Record<string, unknown> = {
    putMutable: put(driver.putMutable.bind(driver)),
    putImmutable: put(driver.putImmutable.bind(driver)),
    getMutable: get(driver.getMutable.bind(driver)),
    getImmutable: get(driver.getImmutable.bind(driver)),
  };
  // Everything else (name, capabilities, init, list, url...) reads through to the driver, methods
  // bound to it: this works for plain objects, frozen ones and classes with private fields alike.
  const view: Record<PropertyKey, unknown> = {};
  for (
    let layer: object | null = driver;
    layer !== null && layer !== Object.prototype;
    layer = Object.getPrototypeOf(layer)
  ) {
    for (const key of Reflect.ownKeys(layer)) {
      if (key === 'constructor' || Object.hasOwn(view, key)) continue;
      Object.defineProperty(view, key, {
        enumerable: true,
        get: () => {
          if (typeof key === 'string' && key in wrapped) return wrapped[key];
          const value = Reflect.get(driver, key);
          return typeof value === 'function' ? value.bind(driver) : value;
        },
      });
    }
  }
  return view as unknown as StorageDriver;
}

async function* chunked(bytes: Uint8Array, transfer: DriverTransfer): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += CHUNK) {
    const chunk = bytes.subarray(at, at + CHUNK);
    yield chunk;
    // Resumed only when the driver asks for more: the previous chunk has been taken.
    transfer.advance(chunk.byteLength);
  }
}

async function* counted(
  body: AsyncIterable<Uint8Array>,
  transfer: DriverTransfer,
): AsyncIterable<Uint8Array> {
  let failed = true;
  try {
    for await (const chunk of body) {
      transfer.advance(chunk.byteLength);
      yield chunk;
    }
    failed = false;
  } finally {
    transfer.done(failed);
  }
}
