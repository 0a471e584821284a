import { randomBytes } from 'node:crypto';
import { readBody, type StorageDriver } from '@blockstack-storage/core/driver';
import { createConfidentialDriver } from '../src/index.js';
import { ObjectNames, splitRootKey } from '../src/keys.js';
import { type Features, features } from './adversary.js';
import { ProviderView } from './provider-view.js';
import { VirtualClock } from './virtual-clock.js';

/** Trial settings: 10 ms slots of virtual time, 1 KiB blocks (958 bytes of value each), 256 cells. */
export const SLOT_MS = 10;
export const BLOCK_BYTES = 1024;
export const CELLS = 256;
/** Slots the adversary watches per trial: longer than any workload below. */
export const WINDOW_SLOTS = 16;

/** Two workloads that differ in one secret bit; the adversary sees one and guesses which. */
export interface Game {
  title: string;
  /** The ids the two workloads differ in, as the adversary knows them. */
  candidates: readonly [string, string];
  /** What is stored before the window. */
  setup(store: StorageDriver): Promise<void>;
  /** What the user does in the window; `clock.sleep` places the operations in time. */
  workload(store: StorageDriver, secret: 0 | 1, clock: VirtualClock): Promise<void>;
}

const value = (bytes: number) => randomBytes(bytes);

async function read(store: StorageDriver, id: string): Promise<void> {
  const object = await store.getMutable(id);
  if (!object) throw new Error(`${id} missing`);
  await readBody(object.body);
}

export const whichIdWasRead: Game = {
  title: 'which of two ids was read',
  candidates: ['doc-a', 'doc-b'],
  async setup(store) {
    await store.putMutable('doc-a', value(500));
    await store.putMutable('doc-b', value(500));
  },
  async workload(store, secret, clock) {
    await clock.sleep(2.5 * SLOT_MS);
    await read(store, secret === 0 ? 'doc-a' : 'doc-b');
  },
};

export const activeOrIdle: Game = {
  title: 'active or idle',
  candidates: ['x1', 'x2'],
  async setup(store) {
    for (const id of ['x1', 'x2', 'x3']) await store.putMutable(id, value(500));
  },
  async workload(store, secret, clock) {
    if (secret === 0) return;
    await clock.sleep(1.5 * SLOT_MS);
    await read(store, 'x1');
    await clock.sleep(2 * SLOT_MS);
    await store.putMutable('x2', value(700));
    await clock.sleep(2 * SLOT_MS);
    await read(store, 'x3');
  },
};

export const whichSizeWasStored: Game = {
  title: 'which of two sizes was stored (100 B or 2,500 B, 3 blocks)',
  candidates: ['v', 'v'],
  async setup(store) {
    // Twice, so that both generations of its blocks exist: the window's put creates no object.
    await store.putMutable('v', value(2500));
    await store.putMutable('v', value(2500));
  },
  async workload(store, secret, clock) {
    await clock.sleep(1.5 * SLOT_MS);
    await store.putMutable('v', value(secret === 0 ? 100 : 2500));
  },
};

export interface TrialResult {
  /** What the adversary sees of the window alone. */
  window: Features;
  /** The same window, by an adversary that also watched setup. */
  history: Features;
}

/**
 * Puts every cover cell straight into the provider's store, as a store past its first cover cycle
 * holds them (the cycle itself would cost each trial 256 slots). One random block serves for all: the
 * adversary's view holds names, sizes and times, never contents (which, sealed, would look the same).
 */
function fillCells(view: ProviderView, rootKey: Uint8Array): void {
  const names = new ObjectNames(splitRootKey(rootKey).names);
  const block = randomBytes(BLOCK_BYTES);
  for (let i = 0; i < CELLS; i++) view.stored.set(names.cell(i), block);
}

/**
 * One trial: a fresh store (and, with the driver, a fresh key and its cells), setup, then the window
 * the adversary records.
 */
export async function runTrial(game: Game, secret: 0 | 1, withDriver: boolean): Promise<TrialResult> {
  const clock = new VirtualClock();
  const view = new ProviderView(clock);
  let store: StorageDriver = view;
  if (withDriver) {
    const key = randomBytes(32);
    fillCells(view, key);
    store = createConfidentialDriver({
      inner: view,
      key,
      blockBytes: BLOCK_BYTES,
      slotMs: SLOT_MS,
      cells: CELLS,
      clock,
    });
  }
  view.startRecording();
  await game.setup(store);
  const setupOrder = [...new Set(view.events.filter((e) => e.op === 'put').map((e) => e.name))].slice(0, 2);
  const stored = new Set(view.stored.keys());
  view.startRecording();
  const start = clock.now();
  await game.workload(store, secret, clock);
  await clock.sleep(start + WINDOW_SLOTS * SLOT_MS - clock.now());
  view.stopRecording();
  // Requests still in flight at the window's end are not in it: both workloads end the same way.
  const events = view.events.filter((e) => e.at < WINDOW_SLOTS * SLOT_MS);
  await store.close?.();
  return {
    window: features(events, { candidates: game.candidates, stored, setupOrder: [] }),
    history: features(events, { candidates: game.candidates, stored, setupOrder }),
  };
}

/** A write as the core makes it through openStorage: it reads the stored copy, then writes. */
export const coreWriteOrIdle: Game = {
  title: 'a write as the core makes it (get, then put) or idle',
  candidates: ['x1', 'x2'],
  async setup(store) {
    for (const id of ['x1', 'x2', 'x3']) await store.putMutable(id, value(500));
  },
  async workload(store, secret, clock) {
    if (secret === 0) return;
    await clock.sleep(1.5 * SLOT_MS);
    await read(store, 'x2');
    await store.putMutable('x2', value(700));
  },
};
