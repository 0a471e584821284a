import { join } from 'node:path';
import {
  type DataKeyPair,
  type DatumRepair,
  type DriverCapabilities,
  type DriverPolicy,
  generateDataKeyPair,
  openLocalLedger,
  openStorage,
  type StorageClient,
  type StorageDriver,
} from '@blockstack-storage/core';
import type { ChaosControls, ChaosDriver } from '@blockstack-storage/driver-chaos';
import { faultRecorder, type StrayFault } from './fault-recorder.js';
import type { WorkloadClient } from './history.js';
import { workloadClientOf } from './storage-client-adapter.js';

export interface StorageClusterOptions {
  /**
   * The drivers every client shares (wrap them in chaos drivers first), in read order. The faults of
   * each chaos driver given here are recorded on the operations they hit (`faultRecorder`), so do not
   * pass `onFault: faultRecorder(...)` for them too; a chaos driver inside another driver is not seen.
   */
  drivers: readonly StorageDriver[];
  /** `storage_drivers_required_write`. */
  requiredWrite: readonly string[];
  /** `storage_drivers_local`. */
  local?: readonly string[];
  /**
   * Capabilities to override per driver name, as this harness sees them (e.g. a disk root all clients
   * share is visible to all of them: `{ disk: { visibility: 'public' } }`).
   */
  capabilityOverrides?: Readonly<Record<string, Partial<DriverCapabilities>>>;
  /** Number of clients. */
  clients: number;
  /**
   * Number of machines the clients run on, round robin (client i on machine ((i - 1) mod machines) + 1).
   * Clients on one machine share its metadata directory, so its version cache, as several processes
   * of one machine do; clients on different machines share only the drivers and the ledger.
   * Default: one machine per client.
   */
  machines?: number;
  /** Where each machine's metadata directory (its version cache) and the shared ledger go. */
  workDir: string;
  /** The user all clients act for. Default `alice.id`. */
  name?: string;
  /** Timeout and retry policy of every client. */
  policy?: DriverPolicy;
  /** Read-repair in every client (`openStorage({ readRepair })`). Default false. */
  readRepair?: boolean;
  /** Told of every read-repair any client made. */
  onReadRepair?: (repair: DatumRepair) => void;
  /** Builds the workload client from a storage client (to test a deliberately broken one). */
  adapt?: (id: string, open: () => Promise<WorkloadClient>) => Promise<WorkloadClient>;
}

export interface StorageCluster {
  clients: WorkloadClient[];
  /** The machine (`m1`, `m2`, ...) of each client id. */
  machineOf: Readonly<Record<string, string>>;
  /** The user all clients act for. */
  name: string;
  keyPair: DataKeyPair;
  /** Warnings the clients reported (e.g. drivers without public URLs). */
  warnings: string[];
  /**
   * Faults the chaos drivers injected while no recorded operation waited for its answer (sync, a
   * background read-repair): they excuse no read. In a run without either this stays empty.
   */
  strayFaults: StrayFault[];
  /** Opens one more client with a fresh metadata directory (a machine with an empty version cache). */
  openClient(id: string, metadataDir: string): Promise<WorkloadClient>;
  /** Opens one more storage client itself (e.g. to run `sync` beside the workload); close it yourself. */
  openStorageClient(metadataDir: string): Promise<StorageClient>;
  close(): Promise<void>;
}

/**
 * Opens several storage clients of one user, as processes on one or more machines would be: each
 * machine with its own metadata directory and so its own version cache (shared by that machine's
 * clients), all sharing the same drivers and the same name registry (one ledger). Clients never close
 * the shared drivers; `close` does, once.
 */
export async function openStorageCluster(options: StorageClusterOptions): Promise<StorageCluster> {
  const name = options.name ?? 'alice.id';
  const keyPair = generateDataKeyPair();
  const registry = await openLocalLedger(join(options.workDir, 'registry'));
  const warnings: string[] = [];
  const strayFaults: StrayFault[] = [];
  // Every injected fault is attributed to the operation it hit: a wiring left out by hand would make
  // the checker judge reads the chaos driver falsified (stale reads counted as lost updates).
  const stopRecording = options.drivers.flatMap((driver) => {
    const chaos = chaosControlsOf(driver);
    return chaos ? [chaos.addFaultListener(faultRecorder(driver.name, (f) => strayFaults.push(f)))] : [];
  });
  // Each client gets views of the shared drivers without `close`, so closing a client leaves them open.
  const views = options.drivers.map((driver) =>
    sharedView(driver, options.capabilityOverrides?.[driver.name]),
  );
  const openStorageClient = (metadataDir: string): Promise<StorageClient> =>
    openStorage({
      name,
      config: {
        storageDrivers: options.drivers.map((d) => d.name),
        requiredWrite: options.requiredWrite,
        local: options.local ?? [],
        metadataDir,
      },
      dataKey: keyPair,
      registry,
      drivers: views,
      policy: options.policy,
      readRepair: options.readRepair ?? false,
      ...(options.onReadRepair === undefined ? {} : { onReadRepair: options.onReadRepair }),
      onWarning: (message) => warnings.push(message),
    });
  const openClient = async (id: string, metadataDir: string): Promise<WorkloadClient> =>
    workloadClientOf(id, await openStorageClient(metadataDir));
  const clients: WorkloadClient[] = [];
  const machineOf: Record<string, string> = {};
  const machines = options.machines ?? options.clients;
  // One at a time: the first registers the name, the others find it registered with the same key.
  for (let i = 1; i <= options.clients; i++) {
    const id = `c${i}`;
    const machine = `m${((i - 1) % machines) + 1}`;
    machineOf[id] = machine;
    const open = () => openClient(id, join(options.workDir, `machine-${machine}`));
    clients.push(options.adapt ? await options.adapt(id, open) : await open());
  }
  return {
    clients,
    machineOf,
    name,
    keyPair,
    warnings,
    strayFaults,
    openClient,
    openStorageClient,
    async close() {
      await Promise.allSettled(clients.map((c) => c.close?.()));
      await registry.close();
      for (const stop of stopRecording) stop();
      await Promise.allSettled(options.drivers.map((d) => d.close?.()));
    },
  };
}

function chaosControlsOf(driver: StorageDriver): ChaosControls | undefined {
  const { chaos } = driver as Partial<ChaosDriver>;
  return typeof chaos?.addFaultListener === 'function' ? chaos : undefined;
}

function sharedView(
  driver: StorageDriver,
  overrides: Partial<DriverCapabilities> | undefined,
): StorageDriver {
  const view: StorageDriver = Object.create(driver);
  Object.defineProperty(view, 'close', { value: undefined });
  Object.defineProperty(view, 'capabilities', { value: { ...driver.capabilities, ...overrides } });
  return view;
}
