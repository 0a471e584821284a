import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalLedger, openStorage, parseZoneFile, VersionCache } from '@blockstack-storage/core';
import { seededRandom } from '@blockstack-storage/driver-chaos';
import diskDriverModule from '@blockstack-storage/driver-disk';
import { afterAll, describe, expect, it } from 'vitest';

// Kill (SIGKILL) a writer many times at random points, then check that what was acknowledged
// survived, that the value in flight is old-or-new, and that the cache and the ledger still open and
// verify. The kill points come from a seed; when they land is up to the machine.
const child = new URL('./crash-child.mjs', import.meta.url).pathname;
const KILLS = Number(process.env.BSS_CRASH_KILLS ?? 12);
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function workDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bss-crash-'));
  dirs.push(dir);
  await mkdir(join(dir, 'disk')); // the disk root the client config names
  return dir;
}

/**
 * Runs the child from step `start`, waits for `acks` acknowledgements (0: kill during start-up or the
 * first write), then a further `extraMs`, and SIGKILLs it.
 * @returns the last acknowledged step, or `null` if none.
 */
function runAndKill(
  mode: string,
  work: string,
  start: number,
  acks: number,
  extraMs: number,
): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, mode, work, String(start)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let last: number | null = null;
    let seen = 0;
    let killing = false;
    let stderr = '';
    const kill = () => {
      if (killing) return;
      killing = true;
      setTimeout(() => proc.kill('SIGKILL'), extraMs);
    };
    proc.stdout.setEncoding('utf8');
    let buffer = '';
    proc.stdout.on('data', (text: string) => {
      buffer += text;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready' && acks === 0) kill();
        const match = /^ack (\d+)$/.exec(line);
        if (match) {
          last = Number(match[1]);
          if (++seen >= acks) kill();
        }
      }
    });
    proc.stderr.on('data', (text) => {
      stderr += text;
    });
    proc.on('error', reject);
    proc.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`the writer exited on its own (${_code}): ${stderr}`));
      else resolve(last);
    });
  });
}

describe('crash safety (SIGKILL at random points)', () => {
  it('client puts: acknowledged data survives, the value in flight is old or new, cache and ledger reopen', async () => {
    const work = await workDir();
    const random = seededRandom('crash-client');
    const acknowledged: number[] = [];
    let next = 1;
    for (let kill = 0; kill < KILLS; kill++) {
      const last = await runAndKill(
        'client',
        work,
        next,
        Math.floor(random() * 3),
        Math.floor(random() * 25),
      );
      if (last !== null) for (let n = next; n <= last; n++) acknowledged.push(n);
      // Reopen as the next run would: the ledger verifies its chain, the version cache is read.
      const client = await openStorage({
        name: 'crash.id',
        config: {
          storageDrivers: ['disk'],
          requiredWrite: ['disk'],
          metadataDir: join(work, 'metadata'),
          driverSections: { disk: { root: join(work, 'disk'), public_url: 'http://127.0.0.1:6270' } },
        },
        drivers: [diskDriverModule],
        onWarning: () => {},
      });
      try {
        for (const n of acknowledged) {
          const item = await client.getMutable(`item-${n}`);
          expect(item && new TextDecoder().decode(item.data), `item-${n}`).toBe(`item ${n}`);
        }
        const counter = await client.getMutable('counter');
        const value = counter === null ? null : Number(new TextDecoder().decode(counter.data));
        // Old or new: the last acknowledged step, or the one in flight when killed.
        const lastAcked = acknowledged.at(-1);
        const inFlight = last === null ? next : last + 1;
        if (lastAcked !== undefined) {
          expect(value).not.toBeNull();
          expect(
            value! >= lastAcked && value! <= inFlight,
            `counter ${value}, acknowledged ${lastAcked}`,
          ).toBe(true);
        }
        // The version cache never runs ahead of what is stored, or reads would fail as stale.
        const versions = new VersionCache(join(work, 'metadata'));
        if (counter !== null) expect(await versions.get('crash.id', 'counter')).toBe(counter.version);
      } finally {
        await client.close();
      }
      // Restart past the step in flight (it may have landed), so every step writes new ids.
      next = (last ?? next - 1) + 2;
    }
    // Every acknowledged item's URL was published: the ledger's zone file lists them.
    const ledger = await openLocalLedger(join(work, 'metadata'));
    try {
      const zone = parseZoneFile((await ledger.getZoneFile('crash.id'))!.text);
      expect(zone.uris.length).toBeGreaterThan(0);
    } finally {
      await ledger.close();
    }
    // Temp files of killed writers were cleaned up when the disk driver was opened again.
    expect((await readdir(join(work, 'disk', '.tmp'))).length).toBeLessThanOrEqual(1);
  }, 120_000);

  it('version cache updates: the recorded version never drops below what was acknowledged', async () => {
    const work = await workDir();
    const random = seededRandom('crash-cache');
    let acked = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const last = await runAndKill(
        'cache',
        work,
        acked + 1,
        Math.floor(random() * 20),
        Math.floor(random() * 5),
      );
      acked = last ?? acked;
      const recorded = await new VersionCache(join(work, 'metadata')).get('crash.id', 'counter');
      expect(recorded).toBeGreaterThanOrEqual(acked);
      expect(recorded).toBeLessThanOrEqual(acked + 1);
      acked = recorded;
    }
  }, 120_000);

  it('ledger appends: the ledger reopens and verifies, and holds every acknowledged update', async () => {
    const work = await workDir();
    const random = seededRandom('crash-ledger');
    let acked = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const last = await runAndKill(
        'ledger',
        work,
        acked + 1,
        Math.floor(random() * 6),
        Math.floor(random() * 10),
      );
      acked = last ?? acked;
      const ledger = await openLocalLedger(join(work, 'metadata'), { lockTimeoutMs: 5_000 });
      try {
        const current = await ledger.getZoneFile('crash.id');
        if (current === null) {
          expect(acked).toBe(0);
          continue;
        }
        const step = Number(parseZoneFile(current.text).txt.find((t) => t.name === 'step')!.text);
        expect([acked, acked + 1]).toContain(step);
        // The registration, then one update per step.
        expect(await ledger.history('crash.id')).toHaveLength(step + 1);
        acked = step;
      } finally {
        await ledger.close();
      }
    }
  }, 120_000);
});
