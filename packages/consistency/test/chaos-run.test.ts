import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChaosDriver, createChaosDriver } from '@blockstack-storage/driver-chaos';
import { createDiskDriver } from '@blockstack-storage/driver-disk';
import { createDropboxDriver } from '@blockstack-storage/driver-dropbox';
import { type LocalDropboxServer, startLocalDropboxServer } from '@blockstack-storage/driver-dropbox/testing';
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
  type ViolationKind,
} from '../src/index.js';

// The CI run of issues 8 and 11: >= 10,000 operations from 6 clients on 4 machines (c1 and c5 share
// one version cache, c2 and c6 another, c3 and c4 have one each) on 6 keys, over 3 real drivers under
// seeded chaos, then a read of every key by a fresh client with faults off.
// BSS_CONSISTENCY_OPS / _SEED / _CLIENTS / _MACHINES override; BSS_CONSISTENCY_HISTORY keeps the history.
const OPERATIONS = Number(process.env.BSS_CONSISTENCY_OPS ?? 10_000);
const SEED = process.env.BSS_CONSISTENCY_SEED ?? 'issue-8';
const CLIENTS = Number(process.env.BSS_CONSISTENCY_CLIENTS ?? 6);
const MACHINES = Number(process.env.BSS_CONSISTENCY_MACHINES ?? 4);
const KEYS = ['profile', 'a/b', 'Ünï cödé', 'settings.json', 'x', 'y'];
// Lost updates and forks are judged on the required-write driver's answers (see CheckOptions).
const REQUIRED = ['disk'];
// The checks of issue 11, asserted in their own test below.
const LOST_UPDATE_KINDS: readonly ViolationKind[] = ['lost-update', 'version-fork'];

// Violations the run once found in the core client's reads (resurrected values, stale tombstones,
// lost values); fixed in core, with regression tests in core-read-bugs.test.ts. Kept as a list so a
// future known bug can be tolerated here only together with a failing regression test.
const KNOWN_CORE_BUGS: readonly ViolationKind[] = [];

describe(`consistency under chaos (${OPERATIONS} operations, seed ${SEED})`, () => {
  let work = '';
  let server: LocalDropboxServer | undefined;
  let cluster: StorageCluster | undefined;
  let drivers: ChaosDriver[] = [];
  let history: HistoryEntry[] = [];
  let audit: HistoryEntry[] = [];
  let report: CheckReport;
  let faults: Record<string, Record<string, number>> = {};

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bss-consistency-'));
    server = await startLocalDropboxServer();
    await mkdir(join(work, 'disk'));
    drivers = [
      // Required-write: stale reads, corrupt and torn bytes, transient errors, delays; never loses a write.
      createChaosDriver(
        createDiskDriver({ root: join(work, 'disk'), unsafeNoFsync: true, createRoot: true }),
        {
          seed: `${SEED}/disk`,
          rules: REQUIRED_DRIVER_FAULTS,
        },
      ),
      // Optional: everything above plus lost writes and deletes, over the real Dropbox SDK and HTTP.
      createChaosDriver(createDropboxDriver({ accessToken: 'local-access-token', fetch: server.fetch }), {
        seed: `${SEED}/dropbox`,
        rules: OPTIONAL_DRIVER_FAULTS,
      }),
      createChaosDriver(createSkeletonDriver(), {
        seed: `${SEED}/skeleton`,
        rules: OPTIONAL_DRIVER_FAULTS,
      }),
    ];
    cluster = await openStorageCluster({
      drivers,
      requiredWrite: REQUIRED,
      local: ['dropbox', 'skeleton'],
      // All clients share this disk root, so to them it is a shared (non-local) provider.
      capabilityOverrides: { disk: { visibility: 'public' } },
      clients: CLIENTS,
      machines: MACHINES,
      workDir: join(work, 'clients'),
      policy: { retries: 2, baseDelayMs: 1, maxDelayMs: 4, timeoutMs: 10_000 },
    });
    history = await runWorkload({ clients: cluster.clients, keys: KEYS, operations: OPERATIONS, seed: SEED });
    faults = Object.fromEntries(drivers.map((d) => [d.name, d.chaos.counts()]));
    // The audit: faults off, a fresh machine (empty version cache) reads every key.
    for (const driver of drivers) driver.chaos.pause(true);
    const fresh = await cluster.openClient('audit', join(work, 'audit'));
    audit = await auditFinalState(history, fresh, KEYS);
    await fresh.close?.();
    report = checkHistory([...history, ...audit], { requiredDrivers: REQUIRED });
    // To study a run: BSS_CONSISTENCY_HISTORY=<file> keeps the whole history (with the audit) as JSON.
    const keep = process.env.BSS_CONSISTENCY_HISTORY;
    if (keep) await writeFile(keep, JSON.stringify([...history, ...audit]));
    const known = report.violations.filter((v) => KNOWN_CORE_BUGS.includes(v.kind));
    const lost = report.violations.filter((v) => LOST_UPDATE_KINDS.includes(v.kind));
    console.log(
      `consistency: ${history.length} operations on ${MACHINES} machines, ${report.violations.length} violations ` +
        `(${known.length} of the known core read bugs), by kind ${JSON.stringify(report.kinds)}, ` +
        `${report.forks} forks seen by reads\n` +
        `  outcomes: ${JSON.stringify(report.counts)}\n  faults injected: ${JSON.stringify(faults)}` +
        (known.length > 0 ? `\n  first known-bug violation:\n${formatViolation(known[0]!)}` : '') +
        (lost.length > 0 ? `\n  first lost update or fork:\n${formatViolation(lost[0]!)}` : ''),
    );
  }, 600_000);

  afterAll(async () => {
    await cluster?.close();
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('finds no violation of monotonic reads, read-your-writes or integrity (beyond the known core read bugs)', () => {
    const unexpected = report.violations.filter(
      (v) => !KNOWN_CORE_BUGS.includes(v.kind) && !LOST_UPDATE_KINDS.includes(v.kind),
    );
    expect(unexpected.slice(0, 5).map(formatViolation).join('\n\n')).toBe('');
    expect(history.length).toBeGreaterThanOrEqual(OPERATIONS);
    // The run must be a real test: faults of every kind were injected and most operations succeeded.
    for (const kind of ['staleRead', 'flippedBytes', 'tornResponse', 'error', 'delay']) {
      expect(faults.disk?.[kind] ?? 0, `disk ${kind}`).toBeGreaterThan(0);
    }
    for (const name of ['dropbox', 'skeleton']) expect(faults[name]?.lostWrite ?? 0, name).toBeGreaterThan(0);
    const ok = (report.counts['get:ok'] ?? 0) + (report.counts['put:ok'] ?? 0);
    expect(ok).toBeGreaterThan(OPERATIONS * 0.6);
  });

  // Before the core's conditional puts of issue 11 this found hundreds of forks and lost updates per
  // run; two more core bugs it found are replayed in core-write-bugs.test.ts.
  it('loses no acknowledged update and forks no version, all drivers having conditional writes', () => {
    // The guarantee holds only over drivers with conditional writes; this run is such a configuration.
    const unconditional = drivers.filter((d) => !d.capabilities.conditionalWrites).map((d) => d.name);
    expect(unconditional, 'drivers without conditional writes in the run').toEqual([]);
    // The audit saw every key (faults were off) ...
    expect(audit.map((e) => e.result.status)).toEqual(KEYS.map(() => 'ok'));
    // ... and the check had faithful reads to judge: most reads saw no fault on the required driver.
    const judged = history.filter(
      (e) =>
        e.type === 'get' &&
        e.result.status === 'ok' &&
        !(e.faults ?? []).some((f) => REQUIRED.includes(f.driver) && f.kind !== 'delay'),
    );
    expect(judged.length).toBeGreaterThan((report.counts['get:ok'] ?? 0) / 2);
    const lost = report.violations.filter((v) => LOST_UPDATE_KINDS.includes(v.kind));
    expect(lost.slice(0, 5).map(formatViolation).join('\n\n')).toBe('');
    expect(report.kinds['lost-update']).toBe(0);
    expect(report.kinds['version-fork']).toBe(0);
  });
});
