import {
  type Body,
  bodyChunks,
  bytesToStream,
  concatBytes,
  type DataKind,
  delay,
  type GetOptions,
  type ListOptions,
  type OperationOptions,
  PermissionError,
  type PutOptions,
  type PutResult,
  readBody,
  type StorageDriver,
  type StoredObject,
  TimeoutError,
  throwIfAborted,
  UnavailableError,
} from '@blockstack-storage/core/driver';
import {
  type ChaosOperation,
  type Fault,
  type FaultContext,
  type FaultEvent,
  type FaultRule,
  faultApplies,
} from './faults.js';
import { seededRandom } from './seeded-random.js';
import { ValueHistory } from './value-history.js';

export interface ChaosDriverOptions {
  /** Seed of every random decision: the same seed, rules and calls give the same faults. Default 1. */
  seed?: number | string;
  /** Fault rules, tried in order per call. Default none: the driver then behaves exactly as `inner`. */
  rules?: readonly FaultRule[];
  /** Name to report. Default `inner.name`, so the chaos driver can stand in for the real one. */
  name?: string;
  /** Past values kept per key for stale reads. Default 8. */
  historyDepth?: number;
  /** Values larger than this are not kept for stale reads, nor buffered to be torn or flipped. Default 4 MiB. */
  maxBufferBytes?: number;
  /** Called for every injected fault (events are also kept in `chaos.events`). */
  onFault?: (event: FaultEvent) => void;
}

/** Live controls of a chaos driver. */
export interface ChaosControls {
  /** Injected faults so far, oldest first (the last `maxEvents`, default 10 000). */
  readonly events: readonly FaultEvent[];
  /** Number of injected faults per kind since creation or `reset`. */
  counts(): Record<string, number>;
  /** Replaces the rules (call counters keep running, so a schedule counts from here on). */
  setRules(rules: readonly FaultRule[]): void;
  /** Turns every fault off (`true`) or back on. */
  pause(paused: boolean): void;
  /** Clears events, counts and call counters (the value history is kept). */
  reset(): void;
  /**
   * Calls `listener` with every fault injected from now on, beside the `onFault` option (e.g. a test
   * harness that was handed the driver after it was created). @returns a function that removes it.
   */
  addFaultListener(listener: (event: FaultEvent) => void): () => void;
}

/** A `StorageDriver` that injects faults into another; see `createChaosDriver`. */
export interface ChaosDriver extends StorageDriver {
  readonly chaos: ChaosControls;
  /** The wrapped driver. */
  readonly inner: StorageDriver;
}

const MAX_EVENTS = 10_000;

/**
 * Wraps `inner` in a driver that injects faults per operation, with a probability or on a schedule,
 * from a seed so every run replays. With no rules it forwards every call unchanged (and passes the
 * conformance suite whenever `inner` does). Capabilities are `inner`'s.
 *
 * @example
 * const flaky = createChaosDriver(createDiskDriver({ root }), {
 *   seed: 42,
 *   rules: [{ fault: { kind: 'staleRead' }, probability: 0.1 }, { fault: { kind: 'lostWrite' }, schedule: [3] }],
 * });
 */
export function createChaosDriver(inner: StorageDriver, options: ChaosDriverOptions = {}): ChaosDriver {
  const name = options.name ?? inner.name;
  const seed = options.seed ?? 1;
  const maxBufferBytes = options.maxBufferBytes ?? 4 * 1024 * 1024;
  const history = new ValueHistory(options.historyDepth ?? 8, maxBufferBytes);
  let rules: readonly FaultRule[] = options.rules ?? [];
  let paused = false;
  let calls = 0;
  let events: FaultEvent[] = [];
  let counts: Record<string, number> = {};
  let ruleCalls = new Map<number, number>();
  let keyCalls = new Map<string, number>();
  let lostWrites = 0;
  const listeners = new Set<(event: FaultEvent) => void>();

  interface Decision {
    fault: Fault;
    event: FaultEvent;
    random: () => number;
  }

  /** Picks the fault (if any) for one call. Deterministic in (seed, rule, operation, key, n). */
  const decide = (operation: ChaosOperation, key: string): Decision | undefined => {
    const call = calls++;
    const perKey = `${operation}\u0000${key}`;
    const nth = keyCalls.get(perKey) ?? 0;
    keyCalls.set(perKey, nth + 1);
    if (paused) return undefined;
    for (const [index, rule] of rules.entries()) {
      const targeted =
        (rule.operations ? rule.operations.includes(operation) : true) &&
        faultApplies(rule.fault, operation) &&
        (rule.keys ? rule.keys(key) : true);
      if (!targeted) continue;
      const ruleCall = ruleCalls.get(index) ?? 0;
      ruleCalls.set(index, ruleCall + 1);
      const random = seededRandom(seed, index, operation, key, nth);
      const scheduled = rule.schedule?.includes(ruleCall) ?? false;
      const drawn = rule.probability !== undefined && random() < rule.probability;
      if (!scheduled && !drawn) continue;
      const event: FaultEvent = { call, operation, key, kind: rule.fault.kind, rule: index };
      return { fault: rule.fault, event, random };
    }
    return undefined;
  };

  const report = (decision: Decision, detail?: string): void => {
    const event = detail === undefined ? decision.event : { ...decision.event, detail };
    events.push(event);
    if (events.length > MAX_EVENTS) events = events.slice(-MAX_EVENTS);
    counts[event.kind] = (counts[event.kind] ?? 0) + 1;
    options.onFault?.(event);
    for (const listener of listeners) listener(event);
  };

  const context = (operation: ChaosOperation, key: string): FaultContext => ({
    driver: name,
    operation,
    key,
  });

  /** Faults that happen before the operation (or instead of it). Returns normally to proceed. */
  const before = async (decision: Decision, operation: ChaosOperation, key: string, signal?: AbortSignal) => {
    const { fault } = decision;
    switch (fault.kind) {
      case 'error':
        if (fault.when === 'after') return;
        report(decision);
        throw makeError(fault, context(operation, key));
      case 'delay': {
        const ms =
          typeof fault.ms === 'number'
            ? fault.ms
            : fault.ms.min + Math.floor(decision.random() * (fault.ms.max - fault.ms.min + 1));
        report(decision, `${ms} ms`);
        await delay(ms, signal, { driver: name, key });
        return;
      }
      case 'hang':
        report(decision);
        await delay(Number.POSITIVE_INFINITY, signal, { driver: name, key });
        return;
      case 'timeout':
        report(decision);
        await delay(fault.afterMs ?? 0, signal, { driver: name, key });
        throw new TimeoutError('Injected timeout: the provider did not answer in time', {
          driver: name,
          key,
          hint: 'This fault was injected by driver-chaos.',
        });
      default:
        return;
    }
  };

  const afterError = (decision: Decision | undefined, operation: ChaosOperation, key: string): void => {
    if (decision?.fault.kind === 'error' && decision.fault.when === 'after') {
      report(decision, 'after the operation completed');
      throw makeError(decision.fault, context(operation, key));
    }
  };

  const put = async (
    kind: DataKind,
    operation: 'putMutable' | 'putImmutable',
    key: string,
    body: Body,
    opts: PutOptions = {},
  ): Promise<PutResult> => {
    const decision = decide(operation, key);
    if (decision) await before(decision, operation, key, opts.signal);
    // Keep a copy for stale reads; only whole bytes or streams whose announced size fits are copied.
    let bytes: Uint8Array | undefined;
    let toStore: Body = body;
    if (body instanceof Uint8Array) bytes = body.slice();
    else if (opts.size !== undefined && opts.size <= maxBufferBytes) {
      bytes = await collect(body);
      toStore = bytes;
    }
    if (decision?.fault.kind === 'lostWrite' && (await conditionHolds(kind, key, opts))) {
      report(decision, 'acknowledged, not stored');
      throwIfAborted(opts.signal, { driver: name, key });
      if (!(body instanceof Uint8Array) && bytes === undefined) for await (const _ of body) void _;
      const url = kind === 'mutable' ? inner.mutableUrl?.(key) : undefined;
      // A driver with conditional writes returns an etag from every put. This one matches no stored
      // value, so a conditional write based on the lost one fails with ConflictError, as it should.
      const etag = inner.capabilities.conditionalWrites ? `"chaos-lost-${++lostWrites}"` : undefined;
      return { ...(url === undefined ? {} : { url }), ...(etag === undefined ? {} : { etag }) };
    }
    if (decision?.fault.kind === 'flippedBytes') {
      bytes ??= await collect(body);
      const flipped = flipBits(bytes, decision.fault.count ?? 1, decision.random);
      report(decision, flipped.detail);
      toStore = flipped.bytes;
      bytes = flipped.bytes;
    }
    const result =
      kind === 'mutable'
        ? await inner.putMutable(key, toStore, opts)
        : await inner.putImmutable(key, toStore, opts);
    if (bytes !== undefined) history.record(kind, key, bytes, result.etag);
    afterError(decision, operation, key);
    return result;
  };

  /**
   * Whether a lost write may be injected into this put: always for a plain put; for a conditional put
   * only when its condition holds now (checked against the inner driver). A conditional put whose
   * condition fails goes to the inner driver, which refuses it: acknowledging it would tell the
   * caller it won a race it lost. (Between this check and the acknowledgement another writer may
   * write; the lost write then reads as one that landed first and was rolled back, which is what a
   * lost write is.) When the condition cannot be checked (no etag on the stored value), no fault.
   */
  const conditionHolds = async (kind: DataKind, key: string, opts: PutOptions): Promise<boolean> => {
    if (opts.ifMatch === undefined && opts.ifNoneMatch === undefined) return true;
    // The inner driver refuses conditional writes it does not support; let it say so.
    if (!inner.capabilities.conditionalWrites) return false;
    const current =
      kind === 'mutable'
        ? await inner.getMutable(key, { signal: opts.signal })
        : await inner.getImmutable(key, { signal: opts.signal });
    if (current !== null) await current.body[Symbol.asyncIterator]().return?.();
    if (opts.ifNoneMatch === '*' && current !== null) return false;
    return opts.ifMatch === undefined || current?.etag === opts.ifMatch;
  };

  const get = async (
    kind: DataKind,
    operation: 'getMutable' | 'getImmutable' | 'getUrl',
    key: string,
    opts: GetOptions = {},
    read: () => Promise<StoredObject | null>,
  ): Promise<StoredObject | null> => {
    const decision = decide(operation, key);
    if (decision) await before(decision, operation, key, opts.signal);
    if (decision?.fault.kind === 'staleRead') {
      const older = history.older(kind, key);
      if (older.length > 0) {
        const pick = Math.floor(decision.random() * older.length);
        report(decision, `returned stored value ${pick + 1} of ${older.length + 1}`);
        const { bytes: stored, etag } = older[pick]!;
        const bytes = stored.slice();
        // With the etag it was stored under, as a lagging replica answers: a conditional write based
        // on a stale read then fails, as it would against the real provider.
        const stale: StoredObject = { body: bytesToStream(bytes), size: bytes.byteLength };
        return etag === undefined ? stale : { ...stale, etag };
      }
    }
    const found = await read();
    afterError(decision, operation, key);
    if (found === null || decision === undefined) return found;
    const { fault } = decision;
    if (fault.kind !== 'tornResponse' && fault.kind !== 'flippedBytes') return found;
    if (found.size !== undefined && found.size > maxBufferBytes) return found;
    const bytes = await readBody(found.body, maxBufferBytes, { driver: name, key });
    if (fault.kind === 'tornResponse') {
      if (bytes.byteLength === 0) return { ...found, body: bytesToStream(bytes) };
      const keep = Math.floor(decision.random() * bytes.byteLength);
      report(decision, `truncated ${bytes.byteLength} -> ${keep} bytes`);
      return { ...found, body: bytesToStream(bytes.slice(0, keep)) };
    }
    const flipped = flipBits(bytes, fault.count ?? 1, decision.random);
    report(decision, flipped.detail);
    return { ...found, body: bytesToStream(flipped.bytes) };
  };

  const remove = async (
    kind: DataKind,
    operation: 'deleteMutable' | 'deleteImmutable',
    key: string,
    opts: OperationOptions = {},
  ): Promise<void> => {
    const decision = decide(operation, key);
    if (decision) await before(decision, operation, key, opts.signal);
    if (decision?.fault.kind === 'lostWrite') {
      report(decision, 'acknowledged, not deleted');
      return;
    }
    if (kind === 'mutable') await inner.deleteMutable(key, opts);
    else await inner.deleteImmutable(key, opts);
    history.record(kind, key, null);
    afterError(decision, operation, key);
  };

  async function* list(
    operation: 'listMutable' | 'listImmutable',
    opts: ListOptions | undefined,
    source: (opts?: ListOptions) => AsyncIterable<string>,
  ): AsyncIterable<string> {
    const decision = decide(operation, '');
    if (decision) await before(decision, operation, '', opts?.signal);
    yield* source(opts);
    afterError(decision, operation, '');
  }

  const driver: ChaosDriver = {
    name,
    capabilities: inner.capabilities,
    inner,
    chaos: {
      get events() {
        return events;
      },
      counts: () => ({ ...counts }),
      setRules(next) {
        rules = next;
        ruleCalls = new Map();
      },
      pause(value) {
        paused = value;
      },
      reset() {
        events = [];
        counts = {};
        calls = 0;
        ruleCalls = new Map();
        keyCalls = new Map();
      },
      addFaultListener(listener) {
        // A wrapper, so adding one function twice gives two registrations, each removed by its own call.
        const registered = (event: FaultEvent) => listener(event);
        listeners.add(registered);
        return () => void listeners.delete(registered);
      },
    },
    putMutable: (id, body, opts) => put('mutable', 'putMutable', id, body, opts),
    putImmutable: (hash, body, opts) => put('immutable', 'putImmutable', hash, body, opts),
    getMutable: (id, opts) => get('mutable', 'getMutable', id, opts, () => inner.getMutable(id, opts)),
    getImmutable: (hash, opts) =>
      get('immutable', 'getImmutable', hash, opts, () => inner.getImmutable(hash, opts)),
    deleteMutable: (id, opts) => remove('mutable', 'deleteMutable', id, opts),
    deleteImmutable: (hash, opts) => remove('immutable', 'deleteImmutable', hash, opts),
  };
  if (inner.init) driver.init = (opts) => inner.init!(opts);
  if (inner.close) driver.close = () => inner.close!();
  if (inner.mutableUrl) driver.mutableUrl = (id) => inner.mutableUrl!(id);
  if (inner.listMutable)
    driver.listMutable = (opts) => list('listMutable', opts, inner.listMutable!.bind(inner));
  if (inner.listImmutable) {
    driver.listImmutable = (opts) => list('listImmutable', opts, inner.listImmutable!.bind(inner));
  }
  if (inner.handlesUrl && inner.getUrl) {
    driver.handlesUrl = (url) => inner.handlesUrl!(url);
    driver.getUrl = (url, opts) => get('mutable', 'getUrl', url, opts, () => inner.getUrl!(url, opts));
  }
  return driver;
}

function makeError(fault: Extract<Fault, { kind: 'error' }>, context: FaultContext): Error {
  if (fault.error) return fault.error(context);
  const options = {
    driver: context.driver,
    key: context.key,
    hint: 'This fault was injected by driver-chaos.',
  };
  return fault.retryable === false
    ? new PermissionError(`Injected permanent failure of ${context.operation}`, options)
    : new UnavailableError(`Injected transient failure of ${context.operation}`, options);
}

async function collect(body: Body): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of bodyChunks(body)) chunks.push(chunk.slice());
  return concatBytes(chunks);
}

function flipBits(
  source: Uint8Array,
  count: number,
  random: () => number,
): { bytes: Uint8Array; detail: string } {
  const bytes = source.slice();
  if (bytes.byteLength === 0) return { bytes, detail: 'empty value, nothing to flip' };
  // Distinct bits, so two flips never cancel out and the value is always corrupted.
  const bits = new Set<number>();
  const total = bytes.byteLength * 8;
  while (bits.size < Math.min(Math.max(1, count), total)) bits.add(Math.floor(random() * total));
  const flipped: number[] = [];
  for (const bit of bits) {
    bytes[bit >> 3]! ^= 1 << (bit & 7);
    flipped.push(bit >> 3);
  }
  return { bytes, detail: `flipped bits at bytes ${flipped.join(', ')}` };
}
