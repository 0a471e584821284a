import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ClientConfigInput,
  type DriverPolicy,
  type NameRegistry,
  type OpenStorageOptions,
  openLocalLedger,
  openStorage,
  type StorageClient,
  type StorageDriver,
} from '../../src/index.js';
import { createTempDirDriver } from './temp-dir-driver.js';

export const tempDir = (prefix = 'bss-client-') => mkdtemp(join(tmpdir(), prefix));
export const text = (value: string) => new TextEncoder().encode(value);
export const str = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Fast policy for tests: failures are final at once. */
export const NO_RETRY: DriverPolicy = { retries: 0, timeoutMs: 5_000 };

/** Temp-dir drivers `name` → root; those given a `publicUrl` are public. */
export async function tempDrivers(specs: { name: string; publicUrl?: string; root?: string }[]) {
  const out: ReturnType<typeof createTempDirDriver>[] = [];
  for (const spec of specs) {
    out.push(
      createTempDirDriver({
        name: spec.name,
        root: spec.root ?? (await tempDir('bss-drv-')),
        publicUrl: spec.publicUrl,
      }),
    );
  }
  return out;
}

/** Opens a client for `name` over the given drivers (all in storage_drivers, in that order). */
export async function openUser(input: {
  name: string;
  drivers: StorageDriver[];
  registry: NameRegistry;
  metadataDir?: string;
  config?: Partial<ClientConfigInput>;
  policy?: DriverPolicy;
  dataKey?: Uint8Array;
  readRepair?: boolean;
  onReadRepair?: OpenStorageOptions['onReadRepair'];
}): Promise<StorageClient> {
  const metadataDir = input.metadataDir ?? (await tempDir('bss-meta-'));
  return openStorage({
    name: input.name,
    config: {
      storageDrivers: input.drivers.map((d) => d.name),
      requiredWrite: input.drivers.filter((d) => d.capabilities.visibility === 'public').map((d) => d.name),
      metadataDir,
      ...input.config,
    },
    drivers: input.drivers,
    registry: input.registry,
    policy: input.policy ?? NO_RETRY,
    dataKey: input.dataKey,
    ...(input.readRepair === undefined ? {} : { readRepair: input.readRepair }),
    ...(input.onReadRepair === undefined ? {} : { onReadRepair: input.onReadRepair }),
    onWarning: () => {},
  });
}

/** A fresh embedded ledger (the default registry) in its own temp directory: the test's "chain". */
export async function newLedger() {
  return openLocalLedger(await tempDir('bss-chain-'));
}
