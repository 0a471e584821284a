import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatumRepair } from '@blockstack-storage/core';
import { type ChaosDriver, createChaosDriver } from '@blockstack-storage/driver-chaos';
import { createDiskDriver } from '@blockstack-storage/driver-disk';
import { createSkeletonDriver } from '@blockstack-storage/driver-skeleton';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditFinalState,
  type CheckReport,
  checkHistory,
  formatViolation,
  type HistoryEntry,
  OPTIONAL_DRIVER_FAULTS,
  openStorageCluster,
  REQUIRED_DRIVER_FAULTS,
  runWorkload,
  type StorageCluster,
} from '../src/index.js';

// Issue 15: replicas heal while writers write. Four clients on two machines run the workload with
// read-repair on, and a third machine runs `sync` in a loop beside them, over a required disk driver
// (stale reads, corrupt bytes, errors) and two optional drivers that also lose writes. Healing copies
// stored bytes only, conditionally: the checker must find no violation, no lost update and no fork.
// With writers on two machines this found that sync could write a losing writer's copy of a version
// over the acknowledged one on the required driver (now fixed; replayed in core-heal-bugs.test.ts).
// (The lost updates once reported with healing off were unrecorded stale reads of the disk: see
// writers-on-two-machines.test.ts.)
const OPERATIONS = Number(process.env.BSS_HEALING_OPS ?? 2_000);
const SEED = 'issue-15';
const KEYS = ['profile', 'a/b', 'settings.json', 'x'];
const REQUIRED = ['disk'];

describe(`healing under concurrent writers (${OPERATIONS} operations)`, () => {
  let work = '';
  let cluster: StorageCluster | undefined;
  let drivers: ChaosDriver[] = [];
  let history: HistoryEntry[] = [];
  let report: CheckReport;
  const readRepairs: DatumRepair[] = [];
  let syncRuns = 0;
  let syncRepairs = 0;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bss-healing-'));
    await mkdir(join(work, 'disk'));
    drivers = [
      createChaosDriver(
        createDiskDriver({ root: join(work, 'disk'), unsafeNoFsync: true, createRoot: true }),
        {
          seed: `${SEED}/disk`,
          rules: REQUIRED_DRIVER_FAULTS,
        },
      ),
      createChaosDriver(
        { ...createSkeletonDriver(), name: 'mirror-a' },
        {
          seed: `${SEED}/a`,
          rules: OPTIONAL_DRIVER_FAULTS,
        },
      ),
      createChaosDriver(
        { ...createSkeletonDriver(), name: 'mirror-b' },
        {
          seed: `${SEED}/b`,
          rules: OPTIONAL_DRIVER_FAULTS,
        },
      ),
    ];
    cluster = await openStorageCluster({
      drivers,
      requiredWrite: REQUIRED,
      local: ['mirror-a', 'mirror-b'],
      capabilityOverrides: { disk: { visibility: 'public' } },
      clients: 4,
      machines: 2,
      workDir: join(work, 'clients'),
      policy: { retries: 2, baseDelayMs: 1, maxDelayMs: 4, timeoutMs: 10_000 },
      readRepair: true,
      onReadRepair: (repair) => readRepairs.push(repair),
    });
    const syncer = await cluster.openStorageClient(join(work, 'syncer'));
    let writing = true;
    const syncing = (async () => {
      while (writing) {
        for await (const repair of syncer.sync()) syncRepairs += repair.repaired.length;
        syncRuns++;
      }
    })();
    try {
      history = await runWorkload({
        clients: cluster.clients,
        keys: KEYS,
        operations: OPERATIONS,
        seed: SEED,
      });
    } finally {
      writing = false;
      await syncing;
      await syncer.close();
    }
    for (const driver of drivers) driver.chaos.pause(true);
    const fresh = await cluster.openClient('audit', join(work, 'audit'));
    const audit = await auditFinalState(history, fresh, KEYS);
    await fresh.close?.();
    report = checkHistory([...history, ...audit], { requiredDrivers: REQUIRED });
    console.log(
      `healing: ${history.length} operations, ${syncRuns} sync runs repairing ${syncRepairs} copies, ` +
        `${readRepairs.length} read-repairs; violations by kind ${JSON.stringify(report.kinds)}`,
    );
  }, 600_000);

  afterAll(async () => {
    await cluster?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('finds no violation, lost update or fork while sync and read-repair heal beside the writers', () => {
    expect(report.violations.slice(0, 5).map(formatViolation).join('\n\n')).toBe('');
    expect(report.kinds['lost-update'] ?? 0).toBe(0);
    expect(report.kinds['version-fork'] ?? 0).toBe(0);
    // A real test: healing happened during the run, by both paths.
    expect(syncRuns).toBeGreaterThan(1);
    expect(syncRepairs).toBeGreaterThan(0);
    expect(readRepairs.filter((r) => r.repaired.length > 0).length).toBeGreaterThan(0);
    const ok = (report.counts['get:ok'] ?? 0) + (report.counts['put:ok'] ?? 0);
    expect(ok).toBeGreaterThan(OPERATIONS * 0.5);
  });
});
