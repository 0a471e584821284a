import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChaosDriver, createChaosDriver } from '@blockstack-storage/driver-chaos';
import { createDiskDriver } from '@blockstack-storage/driver-disk';
import { createSkeletonDriver } from '@blockstack-storage/driver-skeleton';
import { afterEach, describe, expect, it } from 'vitest';
import {
  auditFinalState,
  checkHistory,
  formatViolation,
  type HistoryEntry,
  OPTIONAL_DRIVER_FAULTS,
  openStorageCluster,
  phantomWriter,
  REQUIRED_DRIVER_FAULTS,
  runWorkload,
  type StorageCluster,
  type WorkloadClient,
} from '../src/index.js';

// Issue 15's open finding: writers on two machines (4 clients, 2 version caches), a required disk
// driver serving stale, torn and corrupt copies, two optional mirrors that also lose writes, no
// healing. The checker reported 2-6 lost updates per 2,000 operations; each was a get during which
// the disk had an injected fault (mostly a stale read) that was never recorded, because that chaos
// driver had no `faultRecorder`: a client that never saw v178 rightly took the disk's stale v177.
// The cluster now records every chaos driver it is given (fault-attribution.test.ts); this run keeps
// the configuration checked, and the second test shows that a real lost acknowledgement in the same
// configuration is still reported.
const OPERATIONS = Number(process.env.BSS_TWO_MACHINES_OPS ?? 2_000);
const SEED = 'issue-15';
const KEYS = ['profile', 'a/b', 'settings.json', 'x'];
const REQUIRED = ['disk'];

let work = '';
let cluster: StorageCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
  await rm(work, { recursive: true, force: true });
});

/** The finding's configuration; `adapt` may break a client. */
async function runTwoMachines(
  operations: number,
  adapt?: (id: string, open: () => Promise<WorkloadClient>) => Promise<WorkloadClient>,
): Promise<{ history: HistoryEntry[]; audit: HistoryEntry[]; drivers: ChaosDriver[] }> {
  work = await mkdtemp(join(tmpdir(), 'bss-two-machines-'));
  await mkdir(join(work, 'disk'));
  const drivers = [
    createChaosDriver(createDiskDriver({ root: join(work, 'disk'), unsafeNoFsync: true, createRoot: true }), {
      seed: `${SEED}/disk`,
      rules: REQUIRED_DRIVER_FAULTS,
    }),
    createChaosDriver(
      { ...createSkeletonDriver(), name: 'mirror-a' },
      { seed: `${SEED}/a`, rules: OPTIONAL_DRIVER_FAULTS },
    ),
    createChaosDriver(
      { ...createSkeletonDriver(), name: 'mirror-b' },
      { seed: `${SEED}/b`, rules: OPTIONAL_DRIVER_FAULTS },
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
    ...(adapt ? { adapt } : {}),
  });
  const history = await runWorkload({ clients: cluster.clients, keys: KEYS, operations, seed: SEED });
  for (const driver of drivers) driver.chaos.pause(true);
  const fresh = await cluster.openClient('audit', join(work, 'audit'));
  const audit = await auditFinalState(history, fresh, KEYS);
  await fresh.close?.();
  return { history, audit, drivers };
}

describe(`writers on two machines, no healing (${OPERATIONS} operations)`, () => {
  it('finds no violation, lost update or fork, every injected fault attributed', async () => {
    const { history, audit, drivers } = await runTwoMachines(OPERATIONS);
    const report = checkHistory([...history, ...audit], { requiredDrivers: REQUIRED });
    // What the checker would say if it judged every read, injected faults or not (the finding).
    const unexcused = checkHistory([...history, ...audit], { requiredDrivers: [] });
    const excused = history.filter(
      (e) =>
        e.type === 'get' && e.result.status === 'ok' && (e.faults ?? []).some((f) => f.driver === 'disk'),
    );
    console.log(
      `two machines: ${history.length} operations, violations by kind ${JSON.stringify(report.kinds)}; ` +
        `judging also the ${excused.length} reads the disk answered with a fault: ` +
        `${unexcused.kinds['lost-update']} lost updates`,
    );
    expect(report.violations.slice(0, 5).map(formatViolation).join('\n\n')).toBe('');
    expect(cluster!.strayFaults).toEqual([]);
    // A real test: the disk's stale reads reached operations, and were recorded on them.
    expect(drivers[0]!.chaos.counts().staleRead ?? 0).toBeGreaterThan(0);
    expect(
      history.some((e) => (e.faults ?? []).some((f) => f.driver === 'disk' && f.kind === 'staleRead')),
    ).toBe(true);
    expect(audit.map((e) => e.result.status)).toEqual(KEYS.map(() => 'ok'));
    const ok = (report.counts['get:ok'] ?? 0) + (report.counts['put:ok'] ?? 0);
    expect(ok).toBeGreaterThan(OPERATIONS * 0.6);
  }, 120_000);

  it('still reports a lost update when a client acknowledges puts it never wrote', async () => {
    // c1 (machine m1) acknowledges every 4th put without writing it; the others are real clients.
    const { history, audit } = await runTwoMachines(600, async (id, open) =>
      id === 'c1' ? phantomWriter(await open(), 4) : open(),
    );
    const report = checkHistory([...history, ...audit], { requiredDrivers: REQUIRED });
    const lost = report.violations.filter((v) => v.kind === 'lost-update');
    // Reads during the run (not only the faultless audit) catch it, with faults being recorded.
    const duringRun = lost.filter((v) => v.entry.client !== 'audit');
    expect(duringRun.length, JSON.stringify(report.kinds)).toBeGreaterThan(0);
    expect(history.some((e) => (e.faults ?? []).some((f) => f.driver === 'disk'))).toBe(true);
    console.log(
      `phantom writer: ${JSON.stringify(report.kinds)}; the first:\n${formatViolation(duringRun[0]!)}`,
    );
  }, 120_000);
});
