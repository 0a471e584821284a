import { cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeDataId } from '@blockstack-storage/core/driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyVersions as copyVersionsOf, runChild, seeded } from './support/kill-runs.js';
import { openReplicas } from './support/replicas.js';

// Issue 15: `sync` killed with -9 at random points, over and over, with fresh divergence seeded before
// each run (lost and stale copies on replica-1 or replica-2): no copy ever goes backwards, nothing is
// lost, and a run to the end leaves every copy current and identical.
const runner = new URL('./support/sync-runner.mjs', import.meta.url).pathname;
const RUNS = 50;
const IDS = Array.from({ length: 24 }, (_, i) => `doc-${i}`);

let work = '';
let roots: string[] = [];
let machine = '';
let history = ''; // a copy of replica-0 taken mid-way: the source of stale copies

function runSync(killAfterMs: number | undefined): Promise<'done' | 'killed'> {
  return runChild(runner, [machine, roots.join(',')], killAfterMs);
}

const copyVersions = () => copyVersionsOf('writer.id', roots, machine);

async function seedDivergence(random: () => number): Promise<void> {
  // replica-0 is never a victim: it keeps the newest of everything, so "nothing lost" can be checked.
  const victim = roots[1 + Math.floor(random() * (roots.length - 1))]!;
  const files = await readdir(join(victim, 'mutable'));
  for (const file of files) {
    const roll = random();
    if (roll < 0.3)
      await rm(join(victim, 'mutable', file), { force: true }); // lost
    else if (roll < 0.5) await cp(join(history, 'mutable', file), join(victim, 'mutable', file)); // stale
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bss-sync-kill-'));
  roots = [0, 1, 2].map((i) => join(work, `replica-${i}`));
  for (const root of roots) await mkdir(root);
  machine = join(work, 'machine');
  history = join(work, 'history');
  const client = await openReplicas('writer.id', roots, machine);
  const text = (s: string) => new TextEncoder().encode(s);
  for (const id of IDS) await client.putMutable(id, text(`${id} v1 ${'x'.repeat(2000)}`));
  await cp(roots[0]!, history, { recursive: true });
  for (const id of IDS) await client.putMutable(id, text(`${id} v2`));
  for (const id of IDS.slice(0, 6)) await client.deleteMutable(id); // deletions to propagate too
  await client.close();
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('sync killed with -9 at random points', () => {
  it(`never moves a copy backwards over ${RUNS} killed runs, and a last run heals everything`, async () => {
    const random = seeded(15);
    const newest = new Map((await copyVersions()).report.map((d) => [d.dataId, d.newestVersion]));
    let killed = 0;
    for (let run = 0; run < RUNS; run++) {
      await seedDivergence(random);
      const before = (await copyVersions()).versions;
      const outcome = await runSync(Math.floor(random() * 600));
      if (outcome === 'killed') killed++;
      const after = await copyVersions();
      for (const [copy, version] of before) {
        expect(after.versions.get(copy), `run ${run}: ${copy}`).toBeGreaterThanOrEqual(version);
      }
      // Nothing lost: the newest version of every datum is still held somewhere.
      for (const datum of after.report)
        expect(datum.newestVersion, `run ${run} (${outcome}): ${datum.dataId}`).toBe(
          newest.get(datum.dataId),
        );
    }
    // The kills landed mid-run, not only before or after (else the test proves nothing).
    expect(killed).toBeGreaterThan(RUNS / 4);

    expect(await runSync(undefined)).toBe('done');
    const healed = await copyVersions();
    expect(healed.report.filter((d) => !d.healthy)).toEqual([]);
    expect(healed.report.map((d) => d.dataId).sort()).toEqual([...IDS].sort());
    // Deleted ids stay deleted (their tombstones were copied, not the old values).
    expect(
      healed.report
        .filter((d) => d.deleted)
        .map((d) => d.dataId)
        .sort(),
    ).toEqual(IDS.slice(0, 6).sort());
    // `encodeDataId` names the files: every replica holds one per id.
    for (const root of roots) {
      expect((await readdir(join(root, 'mutable'))).sort()).toEqual(IDS.map(encodeDataId).sort());
    }
  }, 600_000);
});
