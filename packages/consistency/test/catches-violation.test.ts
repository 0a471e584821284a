import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChaosDriver } from '@blockstack-storage/driver-chaos';
import { createSkeletonDriver } from '@blockstack-storage/driver-skeleton';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkHistory,
  forgetfulClient,
  formatViolation,
  openStorageCluster,
  runWorkload,
} from '../src/index.js';

// The checker must not be a test that cannot fail: with the version cache turned off (each operation
// on a fresh client) and a provider that serves stale values, it has to find violations.
describe('the checker catches a client without a version cache', () => {
  let work = '';
  afterAll(() => rm(work, { recursive: true, force: true }));

  it('reports monotonic-read or read-your-writes violations with a short history', async () => {
    work = await mkdtemp(join(tmpdir(), 'bss-forgetful-'));
    const driver = createChaosDriver(createSkeletonDriver(), {
      seed: 'forgetful',
      rules: [{ fault: { kind: 'staleRead' }, operations: ['getMutable'], probability: 0.5 }],
    });
    const cluster = await openStorageCluster({
      drivers: [driver],
      requiredWrite: ['skeleton'],
      capabilityOverrides: { skeleton: { visibility: 'public' } },
      clients: 2,
      workDir: work,
      adapt: async (id, open) => {
        const real = await open();
        let fresh = 0;
        const broken = forgetfulClient(id, () =>
          cluster.openClient(id, join(work, `fresh-${id}-${fresh++}`)),
        );
        await real.close?.();
        return broken;
      },
    });
    try {
      const history = await runWorkload({
        clients: cluster.clients,
        keys: ['k1', 'k2'],
        operations: 300,
        seed: 3,
      });
      const report = checkHistory(history);
      const kinds = new Set(report.violations.map((v) => v.kind));
      expect(kinds.has('monotonic-read') || kinds.has('read-your-writes')).toBe(true);
      const first = report.violations.find(
        (v) => v.kind === 'monotonic-read' || v.kind === 'read-your-writes',
      );
      const shown = formatViolation(first!);
      console.log(`the checker found ${report.violations.length} violations; the first:\n${shown}`);
      expect(shown).toContain('<-- here');
    } finally {
      await cluster.close();
    }
  }, 120_000);
});
