import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChaosDriver } from '@blockstack-storage/driver-chaos';
import { createSkeletonDriver } from '@blockstack-storage/driver-skeleton';
import { afterEach, describe, expect, it } from 'vitest';
import {
  auditFinalState,
  blindWriter,
  checkHistory,
  formatViolation,
  type HistoryEntry,
  LogicalClock,
  openStorageCluster,
  runOperation,
  runWorkload,
  type StorageCluster,
  type WorkloadClient,
} from '../src/index.js';

// The lost-update and version-fork checks must not be tests that cannot fail: writers that pick
// versions from their own counters and write unconditionally (what the core did before issue 11)
// must be caught, in a scripted history and in a concurrent one. Readers are real core clients.
let work = '';
let cluster: StorageCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
  await rm(work, { recursive: true, force: true });
});

async function openBlindCluster(clients: number, blind: readonly string[]) {
  work = await mkdtemp(join(tmpdir(), 'bss-lost-update-'));
  const driver = createChaosDriver(createSkeletonDriver(), { seed: 'blind' });
  cluster = await openStorageCluster({
    drivers: [driver],
    requiredWrite: ['skeleton'],
    capabilityOverrides: { skeleton: { visibility: 'public' } },
    clients,
    workDir: work,
  });
  const { name, keyPair } = cluster;
  const all = cluster.clients.map((c) =>
    blind.includes(c.id) ? blindWriter(c, { drivers: [driver], name, keyPair }) : c,
  );
  return { driver, cluster, clients: all };
}

describe('the checker catches lost updates and version forks', () => {
  it('a writer with an empty cache writing v1 over v3, and two writers forking v1', async () => {
    const { cluster, clients } = await openBlindCluster(3, ['c1', 'c2']);
    const [a, b, reader] = clients as [WorkloadClient, WorkloadClient, WorkloadClient];
    const clock = new LogicalClock();
    const history: HistoryEntry[] = [];
    const step = async (client: WorkloadClient, type: 'put' | 'get', written?: string) =>
      history.push(await runOperation(client, { id: history.length + 1, key: 'k', type, written }, clock));
    await step(a, 'put', 'w:c1:1:k:');
    await step(a, 'put', 'w:c1:2:k:');
    await step(a, 'put', 'w:c1:3:k:');
    await step(b, 'put', 'w:c2:1:k:'); // v1 over v3
    await step(reader, 'get');
    expect(history.map((e) => e.result.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    const fresh = await cluster.openClient('audit', join(work, 'audit'));
    history.push(...(await auditFinalState(history, fresh, ['k'])));
    await fresh.close?.();

    const report = checkHistory(history, { requiredDrivers: ['skeleton'] });
    expect(report.kinds['version-fork']).toBe(1);
    expect(report.kinds['lost-update']).toBe(2); // the reader's get, and the audit's
    const lost = report.violations.find((v) => v.kind === 'lost-update')!;
    expect(formatViolation(lost)).toContain('c3 read version 1 after put #3 (v3)');
    const audit = report.violations.filter((v) => v.entry.client === 'audit');
    expect(audit).toHaveLength(1);
  });

  it('in a concurrent run of blind writers on two machines beside core readers', async () => {
    const { cluster, clients, driver } = await openBlindCluster(4, ['c1', 'c2']);
    const history = await runWorkload({
      clients,
      keys: ['k1', 'k2'],
      operations: 400,
      seed: 'blind',
      deleteShare: 0.02,
    });
    driver.chaos.pause(true);
    const fresh = await cluster.openClient('audit', join(work, 'audit'));
    history.push(...(await auditFinalState(history, fresh, ['k1', 'k2'])));
    await fresh.close?.();
    const report = checkHistory(history, { requiredDrivers: ['skeleton'] });
    expect(report.kinds['lost-update']).toBeGreaterThan(0);
    expect(report.kinds['version-fork']).toBeGreaterThan(0);
    const first = report.violations.find((v) => v.kind === 'lost-update')!;
    const shown = formatViolation(first);
    console.log(`blind writers: ${JSON.stringify(report.kinds)}; the first lost update:\n${shown}`);
    expect(shown).toContain('<-- here');
  }, 60_000);
});
