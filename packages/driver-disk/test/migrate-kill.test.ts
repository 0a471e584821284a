import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  listImmutableDataRecords,
  openLocalLedger,
  parseClientConfig,
  parseZoneFile,
  type ZoneFile,
} from '@blockstack-storage/core';
import { encodeDataId } from '@blockstack-storage/core/driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyVersions as copyVersionsOf, runChild, seeded } from './support/kill-runs.js';
import { openReplicas } from './support/replicas.js';

// Issue 15: `migrate` (replicas 0 and 1 → replica 2, retiring replica 1) killed with -9 at random
// points, over and over, with replica 2 damaged again before each run (lost and stale copies), so
// every run has copying to do: no copy goes backwards, nothing is lost, the config file is never torn
// and never lists a driver whose URLs readers could not use, and a run to the end completes it.
const runner = new URL('./support/migrate-runner.mjs', import.meta.url).pathname;
const RUNS = 50;
const IDS = Array.from({ length: 24 }, (_, i) => `doc-${i}`);
const url = (i: number) => `http://127.0.0.1:${6300 + i}/mutable/`; // as open-replicas.mjs gives them

let work = '';
let roots: string[] = [];
let machine = '';
let configPath = '';
let history = ''; // a copy of replica-0 taken mid-way: the source of stale copies
let originalConfig = '';
let originalZone = '';

const runMigrate = (killAfterMs: number | undefined, killAt?: string) =>
  runChild(runner, [machine, roots.join(','), configPath, ...(killAt ? [killAt] : [])], killAfterMs);
const BOUNDARIES = ['before-add', 'after-add', 'before-remove', 'after-remove'];
const copyVersions = () => copyVersionsOf('writer.id', roots, machine);

async function zoneFile(): Promise<ZoneFile> {
  const ledger = await openLocalLedger(machine);
  try {
    return parseZoneFile((await ledger.getZoneFile('writer.id'))!.text);
  } finally {
    await ledger.close();
  }
}

/** Puts the config file and the zone file back as they were before any migration. */
async function undoMigration(): Promise<void> {
  await writeFile(configPath, originalConfig);
  const ledger = await openLocalLedger(machine);
  try {
    if ((await ledger.getZoneFile('writer.id'))!.text !== originalZone) {
      await ledger.nameUpdate('writer.id', originalZone);
    }
  } finally {
    await ledger.close();
  }
}

async function listedDrivers(): Promise<readonly string[]> {
  // Parses whole at every point: the rewrite is a rename of a complete file.
  return parseClientConfig(await readFile(configPath), { path: configPath, env: {} }).storageDrivers;
}

/**
 * Loses and staleness on replica-2, the target; `versions` (copy → version) is updated to match, so
 * no verify is needed to know where each run starts from.
 */
async function damageTarget(random: () => number, versions: Map<string, number>): Promise<void> {
  const target = roots[2]!;
  const idOf = new Map(IDS.map((id) => [encodeDataId(id), id]));
  const files = await readdir(join(target, 'mutable')).catch(() => []);
  for (const file of files) {
    const roll = random();
    const copy = `replica-2 ${idOf.get(file)}`;
    if (roll < 0.3) {
      await rm(join(target, 'mutable', file), { force: true });
      versions.set(copy, 0);
    } else if (roll < 0.5) {
      await cp(join(history, 'mutable', file), join(target, 'mutable', file));
      versions.set(copy, 1); // history holds every id's first version
    }
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bss-migrate-kill-'));
  roots = [0, 1, 2].map((i) => join(work, `replica-${i}`));
  for (const root of roots) await mkdir(root);
  machine = join(work, 'machine');
  history = join(work, 'history');
  configPath = join(work, 'client.ini');
  const sections = roots.map((root, i) => `[replica-${i}]\ndriver = disk\nroot = ${root}\n`).join('\n');
  await writeFile(
    configPath,
    `[blockstack-client]\nstorage_drivers = replica-0, replica-1\nstorage_drivers_required_write = replica-0, replica-1\n\n${sections}`,
  );
  // Data written while replica-2 was not configured: only 0 and 1 hold it.
  const client = await openReplicas('writer.id', roots.slice(0, 2), machine);
  const text = (s: string) => new TextEncoder().encode(s);
  for (const id of IDS) await client.putMutable(id, text(`${id} v1 ${'x'.repeat(2000)}`));
  await cp(roots[0]!, history, { recursive: true });
  for (const id of IDS) await client.putMutable(id, text(`${id} v2`));
  for (const id of IDS.slice(0, 6)) await client.deleteMutable(id);
  await client.putImmutable('picture', text('pixels'));
  await client.close();
  originalConfig = await readFile(configPath, 'utf8');
  const ledger = await openLocalLedger(machine);
  originalZone = (await ledger.getZoneFile('writer.id'))!.text;
  await ledger.close();
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('migrate killed with -9 at random points', () => {
  it(`never moves a copy backwards over ${RUNS} killed runs, and a last run completes the migration`, async () => {
    const random = seeded(1515);
    const start = await copyVersions();
    const newest = new Map(start.report.map((d) => [d.dataId, d.newestVersion]));
    let before = start.versions;
    let killed = 0;
    let midway = 0; // runs that stopped between the first and the last change of config or zone file
    for (let run = 0; run < RUNS; run++) {
      await damageTarget(random, before);
      // Every fifth run is killed at a boundary between the config and zone-file steps, from the state
      // before any migration (undone), so each boundary is hit; the next run resumes from there.
      const boundary = run % 5 === 0 ? BOUNDARIES[(run / 5) % BOUNDARIES.length] : undefined;
      if (boundary !== undefined) await undoMigration();
      const outcome =
        boundary === undefined
          ? await runMigrate(Math.floor(random() * 600))
          : await runMigrate(undefined, boundary);
      if (outcome === 'killed') killed++;
      const after = await copyVersions();
      for (const [copy, version] of before) {
        expect(after.versions.get(copy), `run ${run}: ${copy}`).toBeGreaterThanOrEqual(version);
      }
      for (const datum of after.report) {
        expect(datum.newestVersion, `run ${run} (${outcome}): ${datum.dataId}`).toBe(
          newest.get(datum.dataId),
        );
      }
      // The order of the steps, at whatever point the run stopped: readers always have a published
      // driver that holds the data; replica-1 leaves the config only after its URLs left the zone file.
      const listed = await listedDrivers();
      const targets = (await zoneFile()).uris.filter((u) => u.name === '_bss-mutable').map((u) => u.target);
      expect(targets.includes(url(1)) || targets.includes(url(2)), `run ${run}: ${targets}`).toBe(true);
      if (!listed.includes('replica-1')) expect(targets).not.toContain(url(1));
      expect(listed.slice(0, 1)).toEqual(['replica-0']);
      const fresh = listed.length === 2 && listed[1] === 'replica-1' && !targets.includes(url(2));
      const finished = listed.length === 2 && listed[1] === 'replica-2' && !targets.includes(url(1));
      if (!fresh && !finished) midway++;
      before = after.versions;
    }
    console.log(
      `migrate-kill: ${killed} of ${RUNS} runs killed, ${midway} between config and zone file steps`,
    );
    // The kills landed mid-run, not only before or after (else the test proves nothing).
    expect(killed).toBeGreaterThan(RUNS / 4);

    expect(await runMigrate(undefined)).toBe('done');
    expect(await listedDrivers()).toEqual(['replica-0', 'replica-2']);
    const zone = await zoneFile();
    const targets = zone.uris.map((u) => u.target);
    expect(targets).toContain(url(2));
    expect(targets).not.toContain(url(1));
    // The immutable record keeps the URL it had: replica-0's, which stays.
    const [picture] = listImmutableDataRecords(zone);
    expect(picture!.url).toBe(`http://127.0.0.1:6300/immutable/${picture!.hash}`);
    const done = await copyVersions();
    for (const datum of done.report) {
      expect(datum.copies.find((c) => c.driver === 'replica-2')!.state, datum.dataId).toBe('current');
    }
    // Deleted ids stay deleted (their tombstones were copied, not the old values).
    expect(
      done.report
        .filter((d) => d.deleted)
        .map((d) => d.dataId)
        .sort(),
    ).toEqual(IDS.slice(0, 6).sort());
    expect((await readdir(join(roots[2]!, 'mutable'))).sort()).toEqual(IDS.map(encodeDataId).sort());
  }, 600_000);
});
