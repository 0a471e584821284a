import { AsyncLocalStorage } from 'node:async_hooks';
import type { FaultEvent } from '@blockstack-storage/driver-chaos';
import type { HistoryEntry } from './history.js';

// The operation whose driver calls are running: set by the workload around each operation, and
// carried by Node through every await and Promise.all below it, so concurrent clients do not mix.
const current = new AsyncLocalStorage<HistoryEntry>();

/** Runs `operation` as the recorded `entry`: faults reported by a `faultRecorder` go to its `faults`. */
export function recordingFaultsOf<T>(entry: HistoryEntry, operation: () => Promise<T>): Promise<T> {
  entry.faults ??= [];
  return current.run(entry, operation);
}

/**
 * An `onFault` for a chaos driver (`createChaosDriver(inner, { onFault: faultRecorder('disk') })`):
 * records each injected fault on the history entry of the operation that made the driver call, so
 * the checker can tell a read that a required driver answered faithfully from one it did not.
 */
export function faultRecorder(driver: string): (event: FaultEvent) => void {
  return (event) => {
    current.getStore()?.faults?.push({ driver, kind: event.kind });
  };
}
