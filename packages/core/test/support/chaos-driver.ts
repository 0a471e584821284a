import { AbortedError, type StorageDriver } from '../../src/index.js';

export type DriverOp =
  | 'putMutable'
  | 'getMutable'
  | 'deleteMutable'
  | 'putImmutable'
  | 'getImmutable'
  | 'deleteImmutable';

const OPS: DriverOp[] = [
  'putMutable',
  'getMutable',
  'deleteMutable',
  'putImmutable',
  'getImmutable',
  'deleteImmutable',
];

/** Controls of a chaos driver: queue failures or hangs per operation, and see the calls made. */
export interface ChaosControls {
  /** The next `times` calls of `op` throw `error`. */
  failNext(op: DriverOp, error: Error, times?: number): void;
  /** Every call of `op` throws `error` until `heal()`. */
  failAlways(op: DriverOp, error: Error): void;
  /** Calls of `op` never settle until their signal aborts. */
  hang(op: DriverOp): void;
  heal(): void;
  readonly calls: DriverOp[];
}

/**
 * A fault-injecting decorator over a real driver (the shape of flystorage's chaos adapter): the
 * operations that are not told to fail reach the real driver.
 */
export function withChaos<D extends StorageDriver>(inner: D): D & { chaos: ChaosControls } {
  const queued = new Map<DriverOp, Error[]>();
  const always = new Map<DriverOp, Error>();
  const hanging = new Set<DriverOp>();
  const calls: DriverOp[] = [];
  const chaos: ChaosControls = {
    failNext(op, error, times = 1) {
      const list = queued.get(op) ?? [];
      for (let i = 0; i < times; i++) list.push(error);
      queued.set(op, list);
    },
    failAlways: (op, error) => always.set(op, error),
    hang: (op) => hanging.add(op),
    heal() {
      queued.clear();
      always.clear();
      hanging.clear();
    },
    calls,
  };
  const driver: D & { chaos: ChaosControls } = Object.assign(Object.create(inner), {
    chaos,
    name: inner.name,
    capabilities: inner.capabilities,
  });
  for (const op of OPS) {
    const original = (inner[op] as (...args: unknown[]) => Promise<unknown>).bind(inner);
    (driver as unknown as Record<string, unknown>)[op] = async (...args: unknown[]) => {
      calls.push(op);
      const options = args[args.length - 1] as { signal?: AbortSignal } | undefined;
      if (hanging.has(op)) {
        await new Promise((_, reject) => {
          const signal = options?.signal;
          if (!signal) return;
          const onAbort = () => reject(new AbortedError('Operation aborted', { driver: inner.name }));
          if (signal.aborted) onAbort();
          else signal.addEventListener('abort', onAbort, { once: true });
        });
      }
      const next = queued.get(op)?.shift() ?? always.get(op);
      if (next) throw next;
      return original(...args);
    };
  }
  return driver;
}
