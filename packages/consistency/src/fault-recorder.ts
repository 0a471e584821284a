import { AsyncLocalStorage } from 'node:async_hooks';
import type { FaultEvent } from '@blockstack-storage/driver-chaos';
import type { HistoryEntry, InjectedFault } from './history.js';

/** The operation whose driver calls are running, and whether it has still to answer. */
interface Recording {
  entry: HistoryEntry;
  open: boolean;
}

// Set by the workload around each operation, and carried by Node through every await and Promise.all
// below it, so concurrent clients do not mix. Work an operation starts in the background (a
// read-repair after a get) carries it too, hence `open`: what happens after the answer is not its fault.
const current = new AsyncLocalStorage<Recording>();

/** A fault injected while no recorded operation was waiting for its answer. */
export interface StrayFault extends InjectedFault {
  event: FaultEvent;
}

/** Runs `operation` as the recorded `entry`: faults reported by a `faultRecorder` go to its `faults`. */
export async function recordingFaultsOf<T>(entry: HistoryEntry, operation: () => Promise<T>): Promise<T> {
  entry.faults ??= [];
  const recording: Recording = { entry, open: true };
  try {
    return await current.run(recording, operation);
  } finally {
    recording.open = false;
  }
}

/**
 * An `onFault` for a chaos driver (`createChaosDriver(inner, { onFault: faultRecorder('disk') })`;
 * `openStorageCluster` attaches one to each chaos driver it is given): records each injected fault on
 * the history entry of the operation that made the driver call, so the checker can tell a read that a
 * required driver answered faithfully from one it did not. A fault injected outside every recorded
 * operation, or after its operation answered (sync, a background read-repair, a driver call the
 * operation did not wait for), could not have changed an answer: it goes to `onStray`.
 */
export function faultRecorder(
  driver: string,
  onStray?: (fault: StrayFault) => void,
): (event: FaultEvent) => void {
  return (event) => {
    const recording = current.getStore();
    if (!recording?.open) return onStray?.({ driver, kind: event.kind, event });
    recording.entry.faults ??= [];
    recording.entry.faults.push({ driver, kind: event.kind });
  };
}
