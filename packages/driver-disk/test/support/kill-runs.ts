import { spawn } from 'node:child_process';
import type { DatumHealth } from '@blockstack-storage/core';
import { expect } from 'vitest';
import { openReplicas } from './replicas.js';

// What the kill -9 tests of `sync` and `migrate` share: a replayable random source, a child run that
// may be killed, and the versions every replica holds.

/** A small seeded generator (mulberry32), so a failure can be replayed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs `node <runner> ...args`, killed with SIGKILL after `killAfterMs` (never, when undefined).
 * @returns `killed`, or `done` when it exited 0 having printed "done"; rejects on any other exit.
 */
export function runChild(
  runner: string,
  args: readonly string[],
  killAfterMs: number | undefined,
): Promise<'done' | 'killed'> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runner, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => {
      out += t;
    });
    child.stderr.setEncoding('utf8').on('data', (t: string) => {
      err += t;
    });
    const timer =
      killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') return resolve('killed');
      if (code !== 0 || !out.includes('done'))
        return reject(new Error(`${runner} exited with ${code}: ${err}`));
      resolve('done');
    });
  });
}

/** `replica → id → version` (0: missing), from a read-only verify over `roots`. */
export async function copyVersions(
  name: string,
  roots: readonly string[],
  machine: string,
): Promise<{ versions: Map<string, number>; report: DatumHealth[] }> {
  const client = await openReplicas(name, roots, machine);
  const versions = new Map<string, number>();
  const report: DatumHealth[] = [];
  for await (const datum of client.verify()) {
    report.push(datum);
    for (const copy of datum.copies) {
      // An invalid copy would be a torn write: the disk driver renames whole files, so there is none.
      expect(copy.state, `${copy.driver} ${datum.dataId}`).not.toBe('invalid');
      versions.set(`${copy.driver} ${datum.dataId}`, copy.version ?? 0);
    }
  }
  await client.close();
  return { versions, report };
}
